//! Name badges (issue 17): `GET /events/{event}/badges.pdf` for the confirmed attendees, on
//! A6 cards or A4 label sheets, parsed back with lopdf: pages, embedded font, the names' text.
use lopdf::{Document, Object};
use serde_json::{json, Value};

use crate::helpers::{registration_body, spawn_app, TestApp};

fn s(v: &Value) -> &str {
    v.as_str().expect("a string")
}

/// The confirmed attendees of the event `badges` (capacity 10), with a cancelled and a
/// waitlisted registration beside them.
const CONFIRMED: [&str; 10] = [
    "Jürgen Müller",
    "Łukasz Żółkiewski",
    "José Núñez",
    "Anna Strauß",
    "Ada Lovelace",
    "Émile Zola",
    "Søren Kierkegaard",
    "Ben Becker",
    "Chloé Dubois",
    "Zoe Zehnder",
];

async fn badge_event(app: &TestApp) {
    app.published_event(json!({"slug": "badges", "title": "Jahrestagung Köln", "capacity": 10}))
        .await;
    let sectors = ["business", "science", "politics", "other"];
    for (i, name) in CONFIRMED[..9].iter().enumerate() {
        let mut body = registration_body(name, &format!("p{i}@example.org"));
        body["sector"] = json!(sectors[i % 4]);
        body["organisation"] = json!(format!("Organisation {}", 9 - i));
        app.register("badges", &body).await.assert_status(201);
    }
    let carla = app
        .register_person("badges", "Carla Storniert", "carla@example.org")
        .await;
    carla.assert_status(201);
    let token = s(&carla.json["manage_token"]).to_owned();
    app.post(&format!("/api/v1/registrations/{token}/cancel"), &json!({}))
        .await
        .assert_status(200);
    app.register_person("badges", CONFIRMED[9], "zoe@example.org")
        .await
        .assert_status(201);
    let wanda = app
        .register_person("badges", "Wanda Warteliste", "wanda@example.org")
        .await;
    assert_eq!(wanda.json["status"], "waitlisted");
}

/// `GET` the badges as the admin: status, content type and the PDF's bytes.
async fn fetch(app: &TestApp, query: &str) -> (u16, String, Vec<u8>) {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/events/badges/badges.pdf{query}")))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        kind,
        response.bytes().await.expect("a body").to_vec(),
    )
}

fn parse(pdf: &[u8]) -> Document {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    Document::load_mem(pdf).expect("the PDF parses")
}

/// The text of each page, in page order.
fn page_texts(doc: &Document) -> Vec<String> {
    doc.get_pages()
        .keys()
        .map(|n| doc.extract_text(&[*n]).expect("text extracts"))
        .collect()
}

/// The embedded TrueType font programs (`/FontFile2` of the font descriptors): their lengths.
fn embedded_truetype(doc: &Document) -> Vec<usize> {
    doc.objects
        .values()
        .filter_map(|o| match o {
            Object::Dictionary(d) => d.get(b"FontFile2").ok(),
            _ => None,
        })
        .filter_map(|r| r.as_reference().ok())
        .filter_map(|id| doc.get_object(id).ok())
        .filter_map(|o| o.as_stream().ok())
        .map(|stream| {
            stream
                .decompressed_content()
                .map_or(stream.content.len(), |c| c.len())
        })
        .collect()
}

#[tokio::test]
async fn a6_badges_are_one_page_per_confirmed_attendee_sorted_by_name_with_their_letters() {
    let app = spawn_app().await;
    badge_event(&app).await;
    let (status, kind, pdf) = fetch(&app, "").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(kind, "application/pdf");
    let doc = parse(&pdf);
    let texts = page_texts(&doc);
    assert_eq!(texts.len(), CONFIRMED.len());
    let all = texts.join("\n");
    // A name may wrap onto two lines (first and last name): compare without the breaks.
    let one_line = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    for name in CONFIRMED {
        assert!(one_line(&all).contains(name), "{name} missing from {all}");
    }
    assert!(all.contains("Jahrestagung Köln"));
    assert!(!all.contains("Carla"), "a cancelled person got a badge");
    assert!(!all.contains("Wanda"), "a waitlisted person got a badge");
    // Sorted with accents folded: Émile between Chloé and José, Łukasz after Jürgen.
    let first_names: Vec<&str> = texts
        .iter()
        .map(|t| {
            CONFIRMED
                .iter()
                .find(|n| one_line(t).contains(*n))
                .copied()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        first_names,
        [
            "Ada Lovelace",
            "Anna Strauß",
            "Ben Becker",
            "Chloé Dubois",
            "Émile Zola",
            "José Núñez",
            "Jürgen Müller",
            "Łukasz Żółkiewski",
            "Søren Kierkegaard",
            "Zoe Zehnder",
        ]
    );
    // Each sector's name is on its bar, in the language asked for (English by default).
    assert!(all.contains("SCIENCE") && all.contains("POLITICS") && all.contains("BUSINESS"));
    // The fonts are embedded as TrueType programs, subset to the glyphs used.
    let fonts = embedded_truetype(&doc);
    assert!(!fonts.is_empty(), "no FontFile2 in the PDF");
    assert!(
        fonts.iter().all(|len| *len < 200_000),
        "fonts are not subset: {fonts:?}"
    );
}

#[tokio::test]
async fn label_sheets_hold_eight_badges_a_page_and_sort_by_organisation_on_request() {
    let app = spawn_app().await;
    badge_event(&app).await;
    let (status, kind, pdf) = fetch(&app, "?layout=labels&sort=organisation&lang=de").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(kind, "application/pdf");
    let doc = parse(&pdf);
    // ceil(10 / 8) A4 sheets.
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 2);
    let (_, first) = pages.iter().next().unwrap();
    let media_box = doc
        .get_dictionary(*first)
        .unwrap()
        .get(b"MediaBox")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_float().unwrap_or_else(|_| v.as_i64().unwrap() as f32))
        .collect::<Vec<f32>>();
    assert!((media_box[2] - 595.28).abs() < 0.5 && (media_box[3] - 841.89).abs() < 0.5);
    let texts = page_texts(&doc);
    assert!(!embedded_truetype(&doc).is_empty());
    // By organisation: Zoe's "Fraunhofer IOF" first, then "Organisation 1" (Chloé) … "9"
    // (Jürgen); the last two on the second sheet.
    let order = |t: &str, names: &[&str]| {
        let at: Vec<usize> = names.iter().map(|n| t.find(n).expect(n)).collect();
        at.windows(2).all(|w| w[0] < w[1])
    };
    assert!(order(
        &texts[0],
        &["Zoe Zehnder", "Chloé Dubois", "Ben Becker", "José Núñez"]
    ));
    assert!(order(&texts[1], &["Łukasz", "Jürgen Müller"]));
    assert!(!texts[0].contains("Jürgen"));
    assert!(texts.join("\n").contains("WISSENSCHAFT"));
}

#[tokio::test]
async fn badges_need_an_organiser_a_known_event_and_a_known_layout() {
    let app = spawn_app().await;
    badge_event(&app).await;
    let anonymous = app.get("/api/v1/events/badges/badges.pdf").await;
    anonymous.assert_problem(401);
    let unknown = app.get_admin("/api/v1/events/nope/badges.pdf").await;
    unknown.assert_problem(404);
    let bad = app
        .get_admin("/api/v1/events/badges/badges.pdf?layout=a4&sort=age&lang=fr")
        .await;
    bad.assert_problem(422);
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, ["lang", "layout", "sort"]);
}

#[tokio::test]
async fn an_event_without_confirmed_attendees_gets_one_blank_page() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "badges", "capacity": 10}))
        .await;
    let (status, _, pdf) = fetch(&app, "?layout=labels").await;
    assert_eq!(status, 200);
    assert_eq!(parse(&pdf).get_pages().len(), 1);
}

#[tokio::test]
async fn a_very_long_name_still_makes_a_badge_with_the_whole_name_on_it() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "badges", "capacity": 10}))
        .await;
    let long = "Maria-Theresia Walburga Amalia Christina Müller-Lüdenscheidt von und zu Habsburg-Lothringen-Sachsen-Coburg-Gotha";
    let mut body = registration_body(long, "long@example.org");
    body["organisation"] = json!("Bundesministerium für Wirtschaft und Klimaschutz, Referat für Grundsatzfragen der Energiewende");
    app.register("badges", &body).await.assert_status(201);
    for layout in ["a6", "labels"] {
        let (status, _, pdf) = fetch(&app, &format!("?layout={layout}")).await;
        assert_eq!(status, 200);
        let text = page_texts(&parse(&pdf)).join(" ");
        let squeezed: String = text.split_whitespace().collect();
        assert!(
            squeezed.contains(&long.split_whitespace().collect::<String>()),
            "{layout}: {text}"
        );
    }
}

/// Names in scripts beyond Latin (issue 30 item 6), each a confirmed attendee of `badges`.
const WORLD: [&str; 9] = [
    "山田太郎",
    "王小明",
    "김민준",
    "देवनागरी नाम",
    "สมชาย ใจดี",
    "🎉 Party",
    "محمد علي",
    "דוד כהן",
    "Oberhauser-Wittelsbach-Schwarzenberg",
];

/// How many glyphs the pages show as `.notdef` (glyph 0, the empty box): codes 0 in the
/// strings shown with a Type0 font (two-byte codes, Identity-H: the code is the glyph).
fn notdef_glyphs(doc: &Document) -> usize {
    let mut count = 0;
    for page in doc.get_pages().values() {
        let fonts = doc.get_page_fonts(*page).expect("page fonts");
        let content =
            lopdf::content::Content::decode(&doc.get_page_content(*page)).expect("content decodes");
        let mut two_byte = false;
        for op in &content.operations {
            match op.operator.as_str() {
                "Tf" => {
                    let name = op.operands[0].as_name().expect("font name");
                    two_byte = fonts
                        .get(name)
                        .and_then(|f| f.get(b"Subtype").ok())
                        .and_then(|s| s.as_name().ok())
                        == Some(b"Type0".as_slice());
                }
                "Tj" | "TJ" if two_byte => {
                    let mut strings = Vec::new();
                    for operand in &op.operands {
                        match operand {
                            Object::String(bytes, _) => strings.push(bytes.clone()),
                            Object::Array(items) => {
                                for item in items {
                                    if let Object::String(bytes, _) = item {
                                        strings.push(bytes.clone());
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    count += strings
                        .iter()
                        .flat_map(|s| s.chunks(2))
                        .filter(|code| *code == [0, 0])
                        .count();
                }
                _ => {}
            }
        }
    }
    count
}

#[tokio::test]
async fn names_in_every_script_print_with_glyphs_and_read_back_in_logical_order() {
    let app = spawn_app().await;
    app.published_event(json!({"slug": "badges", "title": "Jahrestagung", "capacity": 20}))
        .await;
    for (i, name) in WORLD.iter().enumerate() {
        app.register(
            "badges",
            &registration_body(name, &format!("w{i}@example.org")),
        )
        .await
        .assert_status(201);
    }
    for layout in ["a6", "labels"] {
        let (status, _, pdf) = fetch(&app, &format!("?layout={layout}")).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
        let doc = parse(&pdf);
        assert_eq!(notdef_glyphs(&doc), 0, "{layout}: empty boxes");
        // The text layer reads as the names were written: right-to-left names in logical
        // order, each name whole (lines joined). A cluster of several glyphs (Devanagari's
        // "दे", Thai's "ดี") maps its text on its first glyph and marks the cluster with
        // /ActualText; lopdf knows no /ActualText and shows the other glyphs as U+FFFD and a
        // space: those are left out here.
        let text = page_texts(&doc).join("\n");
        let squeezed: String = text
            .split_whitespace()
            .collect::<String>()
            .replace('\u{FFFD}', "");
        for name in WORLD {
            let name: String = name.split_whitespace().collect();
            assert!(squeezed.contains(&name), "{layout}: {name} not in {text}");
        }
        // The long hyphenated name breaks after its hyphens only.
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let first = lines
            .iter()
            .position(|l| l.starts_with("Oberhauser"))
            .expect("the hyphenated name");
        let last = lines
            .iter()
            .position(|l| l.ends_with("Schwarzenberg"))
            .expect("the hyphenated name's end");
        for line in &lines[first..last] {
            assert!(
                line.ends_with('-'),
                "{layout}: broken inside a part: {lines:?}"
            );
        }
        if layout == "labels" {
            assert!(last > first, "the name fits one line: {lines:?}");
        }
    }
}
