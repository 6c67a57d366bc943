//! Name badges as a PDF (issue 17): one badge per attendee with the name in large type, the
//! organisation, a colour bar naming the sector and the check-in QR code, drawn as vector
//! rectangles so it scans at any printer resolution.
//!
//! Two layouts: A6 cards (105 × 148 mm, one per page) and the common A4 label sheet with
//! 2 × 4 labels of 99.1 × 67.7 mm (Avery Zweckform L7165 / 3427 and compatible sheets).
//! Names print in every script (issue 30): each run of text is set in the first font of a
//! fallback chain that has its characters — DejaVu Sans (Latin, Greek, Cyrillic: Müller,
//! Łukasz, Strauß), Noto Sans Arabic, Hebrew, Devanagari and Thai, Droid Sans Fallback
//! (Chinese, Japanese), Noto Sans CJK KR's Hangul and Noto Emoji (monochrome) — shaped by
//! rustybuzz, laid out by the Unicode bidirectional algorithm, with a text layer in logical
//! order (`text`). The fonts are
//! compiled into the binary from `assets/fonts/` (9.3 MB, 7.9 MB of them for the fallbacks;
//! their licences and sources in `assets/fonts/README.md`), so a fresh machine needs nothing
//! installed; krilla embeds only the fonts a PDF uses, subset to its glyphs. The CJK, Hangul
//! and emoji fonts come in one weight: such names print regular on the bold line.
//! Knows no HTTP.
mod fit;
mod text;

use entity::registration::Sector;
use krilla::{
    color::rgb,
    geom::{PathBuilder, Point, Rect},
    metadata::Metadata,
    page::PageSettings,
    paint::Fill,
    surface::Surface,
    Document,
};

use fit::{fit, LEADING};
use text::Chain;

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
static ARABIC: &[u8] = include_bytes!("../../assets/fonts/NotoSansArabic-Regular.ttf");
static ARABIC_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansArabic-Bold.ttf");
static HEBREW: &[u8] = include_bytes!("../../assets/fonts/NotoSansHebrew-Regular.ttf");
static HEBREW_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansHebrew-Bold.ttf");
static DEVANAGARI: &[u8] = include_bytes!("../../assets/fonts/NotoSansDevanagari-Regular.ttf");
static DEVANAGARI_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansDevanagari-Bold.ttf");
static THAI: &[u8] = include_bytes!("../../assets/fonts/NotoSansThai-Regular.ttf");
static THAI_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansThai-Bold.ttf");
static CJK: &[u8] = include_bytes!("../../assets/fonts/DroidSansFallbackFull.ttf");
static HANGUL: &[u8] = include_bytes!("../../assets/fonts/NotoSansKR-Hangul-Regular.otf");
static EMOJI: &[u8] = include_bytes!("../../assets/fonts/NotoEmoji-Regular.ttf");

/// The fallback chain of the regular lines (title, organisation), first font first.
static REGULAR_CHAIN: &[&[u8]] = &[
    REGULAR, ARABIC, HEBREW, DEVANAGARI, THAI, CJK, HANGUL, EMOJI,
];
/// The fallback chain of the bold lines (name, sector bar).
static BOLD_CHAIN: &[&[u8]] = &[
    BOLD,
    ARABIC_BOLD,
    HEBREW_BOLD,
    DEVANAGARI_BOLD,
    THAI_BOLD,
    CJK,
    HANGUL,
    EMOJI,
];

/// Points per millimetre (a PDF point is 1/72 inch).
const MM: f32 = 72.0 / 25.4;

/// What one badge shows.
#[derive(Debug, Clone)]
pub struct Badge {
    pub name: String,
    /// May be empty.
    pub organisation: String,
    pub sector: Sector,
    /// The check-in code (`domain::check_in_code`), put into the QR code as it is.
    pub check_in_code: String,
}

/// The paper the badges are printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// A6 cards, 105 × 148 mm portrait, one badge per page.
    #[default]
    A6,
    /// A4 label sheets of 2 columns × 4 rows, each label 99.1 × 67.7 mm, 13.1 mm top and
    /// 4.65 mm side margins, 2.5 mm between the columns: Avery Zweckform L7165 / 3427.
    Labels,
}

impl Layout {
    /// Badges on one page.
    pub fn per_page(self) -> usize {
        match self {
            Self::A6 => 1,
            Self::Labels => 8,
        }
    }
}

/// The order of the badges in the PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// By name.
    #[default]
    Name,
    /// By organisation, then name; badges without an organisation last.
    Organisation,
}

/// Sorts `badges` with case, accents and umlauts folded as the attendee search folds them
/// (`migration::search::fold`: "Müller" sorts with "Muller", "Łukasz" with "Lukasz").
pub fn sort(badges: &mut [Badge], order: Order) {
    use migration::search::fold;
    match order {
        Order::Name => badges.sort_by_cached_key(|b| (fold(&b.name), b.name.clone())),
        Order::Organisation => badges.sort_by_cached_key(|b| {
            (
                b.organisation.trim().is_empty(),
                fold(&b.organisation),
                fold(&b.name),
                b.name.clone(),
            )
        }),
    }
}

/// The words on a badge that are not the attendee's: the sector names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wording {
    German,
    English,
}

/// Why no PDF came out: the bundled fonts did not load, or krilla refused the document.
#[derive(Debug, thiserror::Error)]
pub enum BadgeError {
    #[error("the bundled badge font could not be read")]
    Font,
    #[error("the badge PDF could not be written: {0}")]
    Pdf(String),
}

/// A sector's colour (RGB) and its name on the bar (capitals of
/// [`crate::domain::choice::sector_name`]): blue business, green science, red politics, grey
/// other; the name is printed too, so the colour is never the only sign.
pub fn sector_style(sector: Sector, wording: Wording) -> ((u8, u8, u8), String) {
    let lang = match wording {
        Wording::German => entity::registration::Language::De,
        Wording::English => entity::registration::Language::En,
    };
    let colour = match sector {
        Sector::Business => (0x1f, 0x5f, 0xad),
        Sector::Science => (0x1e, 0x84, 0x49),
        Sector::Politics => (0xb8, 0x32, 0x27),
        Sector::Other => (0x5b, 0x61, 0x6e),
    };
    (
        colour,
        crate::domain::choice::sector_name(sector, lang).to_uppercase(),
    )
}

/// The badges, in the given order, as one PDF: `badges.len()` pages for [`Layout::A6`],
/// `ceil(len / 8)` for [`Layout::Labels`] (the last sheet partly empty); one blank page when
/// there is nobody, so the file is still a PDF. `event_title` heads every badge.
pub fn render(
    event_title: &str,
    badges: &[Badge],
    layout: Layout,
    wording: Wording,
) -> Result<Vec<u8>, BadgeError> {
    let fonts = Fonts::load()?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{event_title}: badges"))
            .creator("podium".to_owned()),
    );
    let (page_w, page_h) = match layout {
        Layout::A6 => (105.0 * MM, 148.0 * MM),
        Layout::Labels => (210.0 * MM, 297.0 * MM),
    };
    let settings =
        || PageSettings::from_wh(page_w, page_h).ok_or_else(|| BadgeError::Pdf("page size".into()));
    if badges.is_empty() {
        document.start_page_with(settings()?).finish();
    }
    for sheet in badges.chunks(layout.per_page()) {
        let mut page = document.start_page_with(settings()?);
        let mut surface = page.surface();
        for (i, badge) in sheet.iter().enumerate() {
            let cell = match layout {
                Layout::A6 => Cell {
                    x: 0.0,
                    y: 0.0,
                    w: page_w,
                    h: page_h,
                },
                Layout::Labels => Cell {
                    x: (4.65 + (i % 2) as f32 * 101.6) * MM,
                    y: (13.1 + (i / 2) as f32 * 67.7) * MM,
                    w: 99.1 * MM,
                    h: 67.7 * MM,
                },
            };
            draw_badge(
                &mut surface,
                &fonts,
                cell,
                layout,
                event_title,
                badge,
                wording,
            )?;
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| BadgeError::Pdf(e.to_string()))
}

struct Fonts {
    regular: Chain,
    bold: Chain,
}

impl Fonts {
    fn load() -> Result<Self, BadgeError> {
        Ok(Self {
            regular: Chain::new(REGULAR_CHAIN).ok_or(BadgeError::Font)?,
            bold: Chain::new(BOLD_CHAIN).ok_or(BadgeError::Font)?,
        })
    }
}

/// A badge's area on the page, in points from the page's top left.
#[derive(Debug, Clone, Copy)]
struct Cell {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

/// Where things go on a badge, in points relative to its cell.
struct Plan {
    pad: f32,
    title_size: f32,
    name_max: f32,
    name_min: f32,
    org_max: f32,
    org_min: f32,
    /// The box for name and organisation: x, y, width, height.
    text: (f32, f32, f32, f32),
    /// Share of the text box's height the name may take.
    name_share: f32,
    /// The QR code's square (quiet zone included): x, y, side.
    qr: (f32, f32, f32),
    /// The sector bar's height, along the bottom edge.
    bar: f32,
    /// The bar's distance from the badge's sides and bottom: none on a card, which is cut
    /// after printing; some on a label, so the colour never runs onto the next label.
    bar_inset: f32,
    bar_text: f32,
}

fn plan(layout: Layout, cell: Cell) -> Plan {
    match layout {
        Layout::A6 => {
            let (pad, bar, qr) = (7.0 * MM, 13.0 * MM, 38.0 * MM);
            let qr_y = cell.h - bar - 2.0 * MM - qr;
            Plan {
                pad,
                title_size: 10.0,
                name_max: 32.0,
                name_min: 12.0,
                org_max: 15.0,
                org_min: 8.0,
                text: (
                    pad,
                    pad + 10.0 * MM,
                    cell.w - 2.0 * pad,
                    qr_y - pad - 11.0 * MM,
                ),
                name_share: 0.68,
                qr: ((cell.w - qr) / 2.0, qr_y, qr),
                bar,
                bar_inset: 0.0,
                bar_text: 14.0,
            }
        }
        Layout::Labels => {
            let (pad, bar, bar_inset, qr) = (5.0 * MM, 7.0 * MM, 3.0 * MM, 30.0 * MM);
            let bar_top = cell.h - bar_inset - bar;
            let qr_x = cell.w - pad - qr + 3.0 * MM;
            let qr_y = bar_top - qr;
            let top = pad + 6.0 * MM;
            Plan {
                pad,
                title_size: 8.0,
                name_max: 22.0,
                name_min: 9.0,
                org_max: 11.0,
                org_min: 7.0,
                text: (pad, top, qr_x - pad, bar_top - 2.0 * MM - top),
                name_share: 0.62,
                qr: (qr_x, qr_y, qr),
                bar,
                bar_inset,
                bar_text: 10.0,
            }
        }
    }
}

fn draw_badge(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    cell: Cell,
    layout: Layout,
    event_title: &str,
    badge: &Badge,
    wording: Wording,
) -> Result<(), BadgeError> {
    let p = plan(layout, cell);
    let (tx, ty, tw, th) = p.text;
    let black = rgb::Color::new(0x11, 0x11, 0x11);
    let grey = rgb::Color::new(0x55, 0x55, 0x55);

    // The event's title, one line along the top.
    set_fill(surface, grey);
    let title = fit(
        &fonts.regular,
        event_title,
        p.title_size,
        6.0,
        cell.w - 2.0 * p.pad,
        p.title_size * LEADING,
    );
    write_lines(
        surface,
        &fonts.regular,
        cell.x + p.pad,
        cell.y + p.pad,
        &title,
    );

    // The name, as large as fits, then the organisation under it.
    set_fill(surface, black);
    let name = fit(
        &fonts.bold,
        &badge.name,
        p.name_max,
        p.name_min,
        tw,
        th * p.name_share,
    );
    let name_height = write_lines(surface, &fonts.bold, cell.x + tx, cell.y + ty, &name);
    if !badge.organisation.trim().is_empty() {
        set_fill(surface, grey);
        let gap = 2.0 * MM;
        let org = fit(
            &fonts.regular,
            &badge.organisation,
            p.org_max,
            p.org_min,
            tw,
            (th - name_height - gap).max(p.org_min * LEADING),
        );
        write_lines(
            surface,
            &fonts.regular,
            cell.x + tx,
            cell.y + ty + name_height + gap,
            &org,
        );
    }

    // The check-in code as a QR code, black modules on the white badge.
    let (qx, qy, qs) = p.qr;
    draw_qr(surface, &badge.check_in_code, cell.x + qx, cell.y + qy, qs)?;

    // The sector bar along the bottom, its name in white.
    let (colour, label) = sector_style(badge.sector, wording);
    set_fill(surface, rgb::Color::new(colour.0, colour.1, colour.2));
    let bar_top = cell.y + cell.h - p.bar_inset - p.bar;
    fill_rect(
        surface,
        cell.x + p.bar_inset,
        bar_top,
        cell.w - 2.0 * p.bar_inset,
        p.bar,
    )?;
    set_fill(surface, rgb::Color::white());
    let size = p.bar_text;
    fonts.bold.draw(
        surface,
        Point::from_xy(
            cell.x + p.pad.max(p.bar_inset + 2.0 * MM),
            bar_top + (p.bar + size * 0.7) / 2.0,
        ),
        size,
        &label,
    );
    Ok(())
}

fn set_fill(surface: &mut Surface<'_>, colour: rgb::Color) {
    surface.set_fill(Some(Fill {
        paint: colour.into(),
        ..Fill::default()
    }));
}

/// Writes `text`'s lines from the top-left corner (x, y) down; the height they took.
fn write_lines(surface: &mut Surface<'_>, font: &Chain, x: f32, y: f32, text: &fit::Fitted) -> f32 {
    let step = text.size * LEADING;
    for (i, line) in text.lines.iter().enumerate() {
        // The baseline sits at about 0.9 of the line's height below its top.
        let baseline = y + i as f32 * step + text.size * 0.95;
        font.draw(surface, Point::from_xy(x, baseline), text.size, line);
    }
    step * text.lines.len() as f32
}

fn fill_rect(surface: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32) -> Result<(), BadgeError> {
    let mut path = PathBuilder::new();
    path.push_rect(
        Rect::from_xywh(x, y, w, h).ok_or_else(|| BadgeError::Pdf("empty rectangle".into()))?,
    );
    if let Some(path) = path.finish() {
        surface.draw_path(&path);
    }
    Ok(())
}

/// The QR code (error correction M, with its 4-module quiet zone) in the square at (x, y) of
/// `side` points; each row's runs of dark modules are one rectangle.
fn draw_qr(
    surface: &mut Surface<'_>,
    code: &str,
    x: f32,
    y: f32,
    side: f32,
) -> Result<(), BadgeError> {
    use crate::domain::check_in_code::{dark_runs, QUIET_ZONE};
    let (n, runs) = dark_runs(code)
        .ok_or_else(|| BadgeError::Pdf("QR code: the code does not fit".to_owned()))?;
    let module = side / (n + 2 * QUIET_ZONE) as f32;
    let quiet = QUIET_ZONE as f32 * module;
    let (x0, y0) = (x + quiet, y + quiet);
    set_fill(surface, rgb::Color::black());
    let mut path = PathBuilder::new();
    for run in runs {
        if let Some(rect) = Rect::from_xywh(
            x0 + run.col as f32 * module,
            y0 + run.row as f32 * module,
            run.len as f32 * module,
            module,
        ) {
            path.push_rect(rect);
        }
    }
    if let Some(path) = path.finish() {
        surface.draw_path(&path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn badge(name: &str, sector: Sector) -> Badge {
        Badge {
            name: name.to_owned(),
            organisation: "Universität Zürich".to_owned(),
            sector,
            check_in_code: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFG".to_owned(),
        }
    }

    fn pages(pdf: &[u8]) -> usize {
        lopdf::Document::load_mem(pdf).unwrap().get_pages().len()
    }

    #[test]
    fn every_layout_makes_a_pdf_of_the_right_page_count() {
        let badges: Vec<Badge> = (0..9)
            .map(|i| badge(&format!("Person {i}"), Sector::Science))
            .collect();
        for (layout, count) in [(Layout::A6, 9), (Layout::Labels, 2)] {
            let pdf = render("Jahrestagung", &badges, layout, Wording::German).unwrap();
            assert_eq!(pages(&pdf), count, "{layout:?}");
        }
    }

    #[test]
    fn nobody_is_one_blank_page() {
        let pdf = render("Leer", &[], Layout::Labels, Wording::English).unwrap();
        assert_eq!(pages(&pdf), 1);
    }

    /// 150 badges, as the annual conference prints them: the time it takes and the PDF's
    /// size (`cargo test --lib badges -- --ignored --nocapture`), for Latin names and for
    /// names in every script of the fallback chain.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn measure_150_badges() {
        let latin = [
            "Jürgen Müller",
            "Łukasz Żółkiewski",
            "José Núñez",
            "Anna Strauß",
        ];
        let scripts = [
            "Jürgen Müller",
            "山田太郎",
            "김민준",
            "देवनागरी नाम",
            "สมชาย ใจดี",
            "🎉 Party",
            "محمد علي",
            "דוד כהן",
        ];
        for (set, names) in [("latin", &latin[..]), ("scripts", &scripts[..])] {
            let badges: Vec<Badge> = (0..150)
                .map(|i| badge(&format!("{} {i}", names[i % names.len()]), Sector::Business))
                .collect();
            for layout in [Layout::A6, Layout::Labels] {
                let start = std::time::Instant::now();
                let pdf = render("Jahrestagung 2027", &badges, layout, Wording::German).unwrap();
                let path = std::env::temp_dir().join(format!("badges-{set}-{layout:?}.pdf"));
                std::fs::write(&path, &pdf).unwrap();
                println!(
                    "{set} {layout:?}: 150 badges in {:?}, {} bytes: {}",
                    start.elapsed(),
                    pdf.len(),
                    path.display()
                );
            }
        }
    }
}
