//! The attendee list for spreadsheets: CSV with `,` or `;`, German or English, times in the
//! event's zone, safe against formula injection; and the `.xlsx` workbook.
use std::io::Read;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Answer, TestApp};

/// The given input of issue #12 item 7: a German spreadsheet splits it at `;`.
const INJECTION: &str = "x;=HYPERLINK(A1&A2);";

/// A published event `export` (Europe/Berlin) with three attendees, one of them named
/// [`INJECTION`].
async fn event_with_attendees(app: &TestApp) -> Value {
    let event = app.published_event(json!({"slug": "export"})).await;
    for (name, email, org, sector) in [
        (
            "Erika Müller",
            "erika@example.org",
            "Beispiel GmbH",
            "business",
        ),
        (INJECTION, "evil@example.org", "-1+1, @x; =2", "science"),
        (
            "Jürgen Groß",
            "juergen@example.org",
            "Landtag; Ausschuss",
            "politics",
        ),
    ] {
        app.register(
            "export",
            &json!({"name": name, "email": email, "organisation": org, "sector": sector,
                    "language": "de", "consent": true}),
        )
        .await
        .assert_status(201);
    }
    event
}

async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = app.client.get(app.url(path)).bearer_auth(&app.admin_token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::read(request.send().await.unwrap()).await
}

/// Splits CSV at `delimiter` as a spreadsheet does: a field is quoted only when it starts with
/// a quote; elsewhere quotes are ordinary characters.
fn split_like_a_spreadsheet(text: &str, delimiter: char) -> Vec<Vec<String>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut rows = vec![];
    let mut row = vec![];
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                c => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if field_start => {
                quoted = true;
                field_start = false;
            }
            c if c == delimiter => {
                row.push(std::mem::take(&mut cell));
                field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
                field_start = true;
            }
            c => {
                cell.push(c);
                field_start = false;
            }
        }
    }
    rows
}

/// No cell, however the file is split, starts a formula.
fn assert_no_formula(text: &str) {
    for delimiter in [',', ';'] {
        for row in split_like_a_spreadsheet(text, delimiter) {
            for cell in row {
                let start = cell.trim_start_matches([' ', '"']);
                assert!(
                    !start.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "split at {delimiter:?}, the cell {cell:?} is a formula"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_formula_behind_a_semicolon_is_neutralised_in_both_csv_variants() {
    let app = spawn_app().await;
    event_with_attendees(&app).await;
    for (delimiter, sep) in [("comma", ','), ("semicolon", ';')] {
        let csv = get_with(
            &app,
            &format!("/api/v1/events/export/registrations.csv?delimiter={delimiter}&sort=name"),
            &[],
        )
        .await;
        csv.assert_status(200);
        assert_no_formula(&csv.text);
        // Read with the file's own separator, every row has the header's cells, and the name
        // is there, marked as text where a formula could have started.
        let rows = split_like_a_spreadsheet(&csv.text, sep);
        assert!(rows.iter().all(|r| r.len() == 11), "{delimiter}: {rows:?}");
        let evil = rows.iter().find(|r| r[2] == "evil@example.org").unwrap();
        assert_eq!(evil[1], "x;'=HYPERLINK(A1&A2);");
        assert_eq!(evil[3], "'-1+1, '@x; '=2");
        let landtag = rows.iter().find(|r| r[2] == "juergen@example.org").unwrap();
        assert_eq!(
            landtag[3], "Landtag; Ausschuss",
            "a plain `;` is only quoted"
        );
    }
}

#[tokio::test]
async fn german_clients_get_semicolons_german_labels_and_the_events_local_times() {
    let app = spawn_app().await;
    event_with_attendees(&app).await;
    let csv = get_with(
        &app,
        "/api/v1/events/export/registrations.csv?sort=name",
        &[("Accept-Language", "de-DE,de;q=0.9,en;q=0.8")],
    )
    .await;
    csv.assert_status(200);
    let rows = split_like_a_spreadsheet(&csv.text, ';');
    assert_eq!(
        rows[0],
        [
            "ID",
            "Name",
            "E-Mail",
            "Organisation",
            "Bereich",
            "Sprache",
            "Status",
            "Wartelistenplatz",
            "Eingecheckt am (Europe/Berlin)",
            "Angemeldet am (Europe/Berlin)",
            "Storniert am (Europe/Berlin)"
        ]
    );
    let erika = rows.iter().find(|r| r[1] == "Erika Müller").unwrap();
    assert_eq!(erika[4..7], ["Wirtschaft", "Deutsch", "bestätigt"]);
    // The JSON list's UTC instant, as a wall-clock time in Berlin.
    let list = app
        .get_admin("/api/v1/events/export/registrations?q=erika")
        .await;
    let created: chrono::DateTime<chrono::Utc> = list.json["items"][0]["created_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let berlin = created.with_timezone(&chrono_tz::Europe::Berlin);
    assert_eq!(erika[9], berlin.format("%Y-%m-%d %H:%M:%S").to_string());

    // The parameters win over the header.
    let english = get_with(
        &app,
        "/api/v1/events/export/registrations.csv?delimiter=comma&lang=en",
        &[("Accept-Language", "de")],
    )
    .await;
    let rows = split_like_a_spreadsheet(&english.text, ',');
    assert_eq!(rows[0][..3], ["id", "name", "email"]);
    assert_eq!(rows[0][9], "created_at (Europe/Berlin)");
    assert!(rows
        .iter()
        .any(|r| r[4] == "business" && r[6] == "confirmed"));
}

#[tokio::test]
async fn unknown_separators_and_languages_are_refused_by_name() {
    let app = spawn_app().await;
    event_with_attendees(&app).await;
    let answer = get_with(
        &app,
        "/api/v1/events/export/registrations.csv?delimiter=tab&lang=fr&sort=age",
        &[],
    )
    .await;
    answer.assert_problem(422);
    let fields: Vec<&str> = answer.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["delimiter", "lang", "sort"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    get_with(
        &app,
        "/api/v1/events/export/registrations.xlsx?lang=fr",
        &[],
    )
    .await
    .assert_problem(422);
}

#[tokio::test]
async fn the_xlsx_export_holds_every_attendee_as_text_never_as_a_formula() {
    let app = spawn_app().await;
    event_with_attendees(&app).await;
    let response = app
        .client
        .get(app.url("/api/v1/events/export/registrations.xlsx?lang=de"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("export-registrations.xlsx"));
    let bytes = response.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut read = |name: &str| {
        let mut text = String::new();
        zip.by_name(name)
            .unwrap_or_else(|_| panic!("{name} in the workbook"))
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let sheet = read("xl/worksheets/sheet1.xml");
    let strings = read("xl/sharedStrings.xml");
    assert!(!sheet.contains("<f>"), "no formula cells: {sheet}");
    assert!(
        strings.contains("x;=HYPERLINK(A1&amp;A2);"),
        "the name as typed"
    );
    for text in [
        "Erika Müller",
        "Jürgen Groß",
        "E-Mail",
        "Wissenschaft",
        "bestätigt",
    ] {
        assert!(strings.contains(text), "{text} missing");
    }
    // 3 attendees and the header row.
    assert_eq!(sheet.matches("<row ").count(), 4);

    app.get("/api/v1/events/export/registrations.xlsx")
        .await
        .assert_problem(401);
}

#[tokio::test]
async fn the_spec_documents_the_exports_real_parameters() {
    let app = spawn_app().await;
    let spec = app.get("/api-docs/openapi.json").await;
    let params = |path: &str| -> Vec<String> {
        spec.json["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{path} in the spec"))
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let csv = params("/api/v1/events/{event}/registrations.csv");
    let xlsx = params("/api/v1/events/{event}/registrations.xlsx");
    for list in [&csv, &xlsx] {
        assert!(
            !list.iter().any(|p| p == "limit" || p == "cursor"),
            "{list:?}"
        );
        assert!(list.iter().any(|p| p == "lang") && list.iter().any(|p| p == "q"));
    }
    assert!(csv.iter().any(|p| p == "delimiter"));
    assert!(!xlsx.iter().any(|p| p == "delimiter"));
}
