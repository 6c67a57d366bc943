//! Pure functions that turn plain calendar data into iCalendar (RFC 5545) text.
//!
//! The calendar's properties and every `VEVENT` are built and serialised with the `icalendar`
//! crate (0.17). Kept by hand, each for a reason a test below shows:
//! - **`VTIMEZONE`**: the crate has no type for it (nor for `STANDARD`/`DAYLIGHT`), and it writes
//!   every component it knows with a `DTSTAMP` from the clock and a random `UID` when they are
//!   missing, which these components must not carry; so the zone's observances are computed
//!   from chrono-tz and written here.
//! - **Text it passes through**: the crate escapes `\\ ; , LF` in TEXT but not CR or other
//!   control characters, and writes URIs, CAL-ADDRESS values and parameter values raw; all user
//!   text is normalised (line breaks to LF, controls dropped, no trailing whitespace) before it
//!   is handed over, and the CATEGORIES list, whose items the crate does not escape, is escaped
//!   here.
//! - **Folding**: the crate folds at 75 octets on character boundaries, but may end a line in
//!   whitespace, which readers that trim line ends (the `ical` crate does) lose; the output is
//!   refolded so that no physical line ends in whitespace.
//!
//! `UID` and `DTSTAMP` are always set explicitly (`DTSTAMP` is the item's LAST-MODIFIED), so
//! identical data renders byte-identical text. Nothing here reads the clock or a random source;
//! items are written in the order given.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{Component as _, Property};
use sha2::{Digest, Sha256};

/// The iTIP method of a calendar object (RFC 5546).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Publish,
    Request,
    Cancel,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// `STATUS` of a `VEVENT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    Confirmed,
    Tentative,
    Cancelled,
}

impl ItemStatus {
    fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Confirmed => "CONFIRMED",
            ItemStatus::Tentative => "TENTATIVE",
            ItemStatus::Cancelled => "CANCELLED",
        }
    }
}

/// One `VEVENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Stable across renders, e.g. `"{uuid}@podium"`.
    pub uid: String,
    pub summary: String,
    /// Omitted from the output when empty.
    pub description: String,
    /// Omitted from the output when empty.
    pub location: String,
    pub url: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: ItemStatus,
    pub sequence: i32,
    pub created: DateTime<Utc>,
    /// Also written as `DTSTAMP`, so the output depends on the data only.
    pub last_modified: DateTime<Utc>,
    /// `(name, email)`.
    pub organizer: Option<(String, String)>,
    /// `(name, email)` of the one recipient of an iTIP message, written with `RSVP=FALSE`.
    pub attendee: Option<(String, String)>,
    pub categories: Vec<String>,
}

/// One `VCALENDAR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// `X-WR-CALNAME`.
    pub name: String,
    /// `X-WR-TIMEZONE`, the `TZID` of `DTSTART`/`DTEND`, and the `VTIMEZONE` emitted.
    pub timezone: Tz,
    pub method: Method,
    /// `REFRESH-INTERVAL` and `X-PUBLISHED-TTL`; 0 is written as 1 minute.
    pub refresh_minutes: u32,
    pub items: Vec<Item>,
}

/// Renders the calendar as iCalendar text: CRLF line ends, folded at 75 octets on UTF-8
/// boundaries, never after whitespace.
///
/// The calendar's properties and each `VEVENT` are built and serialised by the `icalendar`
/// crate; the `VTIMEZONE` (which it cannot build) is spliced in after the calendar's
/// properties, and the whole text is refolded (see the module doc).
pub fn render(cal: &Calendar) -> String {
    let tzid = cal.timezone.name();
    let refresh = format!("PT{}M", cal.refresh_minutes.max(1));

    let mut head = icalendar::Calendar::empty();
    head.append_property(Property::new("VERSION", "2.0"));
    head.append_property(Property::new("PRODID", "-//podium//podium//EN"));
    head.append_property(Property::new("CALSCALE", "GREGORIAN"));
    head.append_property(Property::new("METHOD", cal.method.as_str()));
    head.append_property(Property::new("X-WR-CALNAME", normalise_text(&cal.name)));
    head.append_property(Property::new("X-WR-TIMEZONE", tzid));
    head.append_property(
        Property::new("REFRESH-INTERVAL", &refresh)
            .add_parameter("VALUE", "DURATION")
            .done(),
    );
    head.append_property(Property::new("X-PUBLISHED-TTL", &refresh));
    let head = head.to_string();
    let head = head.strip_suffix("END:VCALENDAR\r\n").unwrap_or(&head);

    let mut out = String::with_capacity(1024 + cal.items.len() * 768);
    out.push_str(head);
    if let Some((first, last)) = year_span(&cal.items) {
        out.push_str(&vtimezone::vtimezone(cal.timezone, first - 1, last + 1));
    }
    for item in &cal.items {
        out.push_str(&event_component(cal.timezone, item).to_string());
    }
    out.push_str("END:VCALENDAR\r\n");
    refold(&out)
}

/// A strong `ETag` for a rendered body: the first 32 hex digits of its SHA-256, quoted.
pub fn etag_for(body: &str) -> String {
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    format!("\"{}\"", &digest[..32])
}

/// The newest `last_modified` among the items, for a `Last-Modified` header.
pub fn last_modified(cal: &Calendar) -> Option<DateTime<Utc>> {
    cal.items.iter().map(|item| item.last_modified).max()
}

/// One `VEVENT`, built with the `icalendar` crate. UID and DTSTAMP are set, so the crate adds
/// neither from a random source or the clock; TEXT is normalised first (the crate escapes
/// `\\ ; , LF` but passes CR and other control characters through), and what the crate writes
/// raw (URIs, CAL-ADDRESS, parameter values, the CATEGORIES list) is cleaned or escaped here.
fn event_component(tz: Tz, item: &Item) -> icalendar::Event {
    let mut event = icalendar::Event::new();
    event.add_property("UID", normalise_text(&item.uid));
    event.add_property("DTSTAMP", utc_stamp(item.last_modified));
    event.append_property(date_time("DTSTART", tz, item.starts_at));
    event.append_property(date_time("DTEND", tz, item.ends_at));
    event.add_property("CREATED", utc_stamp(item.created));
    event.add_property("LAST-MODIFIED", utc_stamp(item.last_modified));
    event.add_property("SEQUENCE", item.sequence.max(0).to_string());
    event.add_property("STATUS", item.status.as_str());
    event.add_property("SUMMARY", normalise_text(&item.summary));
    for (key, value) in [
        ("DESCRIPTION", &item.description),
        ("LOCATION", &item.location),
    ] {
        let value = normalise_text(value);
        if !value.is_empty() {
            event.add_property(key, value);
        }
    }
    if let Some(url) = item.url.as_deref().map(sanitize_uri) {
        if !url.is_empty() {
            event.add_property("URL", url);
        }
    }
    if let Some((name, email)) = &item.organizer {
        event.append_property(cal_address("ORGANIZER", name, email).done());
    }
    if let Some((name, email)) = &item.attendee {
        event.append_property(
            cal_address("ATTENDEE", name, email)
                .add_parameter("RSVP", "FALSE")
                .done(),
        );
    }
    let categories: Vec<String> = item
        .categories
        .iter()
        .map(|c| escape_text(c))
        .filter(|c| !c.is_empty())
        .collect();
    if !categories.is_empty() {
        event.add_property("CATEGORIES", categories.join(","));
    }
    event.done()
}

/// `mailto:` address with an optional `CN` (RFC 5545 §3.3.3, §3.2.2).
fn cal_address(key: &str, name: &str, email: &str) -> Property {
    let mut property = Property::new(key, format!("mailto:{}", sanitize_uri(email)));
    let name = param_value(name);
    if !name.is_empty() {
        property.add_parameter("CN", &name);
    }
    property
}

/// `DTSTART`/`DTEND` with a `TZID`, or in UTC (see [`local_stamp`]).
fn date_time(key: &str, tz: Tz, at: DateTime<Utc>) -> Property {
    match local_stamp(tz, at) {
        Some(local) => Property::new(key, &local)
            .add_parameter("TZID", tz.name())
            .done(),
        None => Property::new(key, utc_stamp(at)),
    }
}

/// Joins folded lines and folds them again with [`fold`].
fn refold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    for content in text.replace("\r\n ", "").split_terminator("\r\n") {
        line(&mut out, content);
    }
    out
}

/// Writes one content line, folded, with its CRLF.
pub(crate) fn line(out: &mut String, content: &str) {
    out.push_str(&fold(content));
    out.push_str("\r\n");
}

/// Folds a content line so that no physical line exceeds 75 octets (CRLF not counted),
/// breaking only on UTF-8 character boundaries; continuation lines start with one space.
/// A physical line never ends in whitespace: readers that trim line ends (the `ical` crate
/// does) would lose it, so the break moves one character earlier.
fn fold(content: &str) -> String {
    const LIMIT: usize = 75;
    let chars: Vec<char> = content.chars().collect();
    let mut folded = String::with_capacity(content.len() + content.len() / 64 * 3);
    let mut start = 0;
    let mut first = true;
    while start < chars.len() {
        let budget = if first { LIMIT } else { LIMIT - 1 };
        let mut end = start;
        let mut used = 0;
        while end < chars.len() && used + chars[end].len_utf8() <= budget {
            used += chars[end].len_utf8();
            end += 1;
        }
        while end < chars.len() && end > start + 1 && chars[end - 1].is_whitespace() {
            end -= 1;
        }
        if !first {
            folded.push_str("\r\n ");
        }
        folded.extend(&chars[start..end]);
        start = end;
        first = false;
    }
    folded
}

/// Escapes a TEXT value (RFC 5545 §3.3.11). Line breaks of any style become `\n`; other
/// control characters are dropped, so user text can never end a content line. Trailing
/// whitespace is dropped too: readers that trim line ends would lose it anyway.
pub(crate) fn escape_text(input: &str) -> String {
    let input = input.trim_end();
    let mut escaped = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                escaped.push_str("\\n");
            }
            '\t' => escaped.push('\t'),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// TEXT as handed to the crate: line breaks of any style become LF (which it escapes as
/// `\n`), other control characters but TAB are dropped, trailing whitespace too.
fn normalise_text(input: &str) -> String {
    let input = input.trim_end();
    let mut clean = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                clean.push('\n');
            }
            '\n' | '\t' => clean.push(ch),
            c if c.is_control() => {}
            c => clean.push(c),
        }
    }
    clean
}

/// A URI value has no escaping in iCalendar; control characters and whitespace are not
/// valid in a URI, so they are dropped.
fn sanitize_uri(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect()
}

/// A parameter value (RFC 5545 §3.1) may hold neither controls nor DQUOTE; the crate
/// quotes it when it holds `:`, `;` or `,`.
fn param_value(input: &str) -> String {
    input
        .chars()
        .map(|c| if c == '"' { '\'' } else { c })
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The local time in `tz`, or `None` (write UTC) when the local time is ambiguous and names
/// an instant other than its first occurrence (RFC 5545 §3.3.5 picks the first).
fn local_stamp(tz: Tz, at: DateTime<Utc>) -> Option<String> {
    let local = at.with_timezone(&tz).naive_local();
    match tz.from_local_datetime(&local).earliest() {
        Some(first) if first == at => Some(local.format("%Y%m%dT%H%M%S").to_string()),
        _ => None,
    }
}

/// First and last calendar year (UTC) touched by any item's start or end.
fn year_span(items: &[Item]) -> Option<(i32, i32)> {
    let years = items
        .iter()
        .flat_map(|item| [item.starts_at.year(), item.ends_at.year()]);
    let first = years.clone().min()?;
    let last = years.max()?;
    Some((first, last))
}

mod vtimezone;

#[cfg(test)]
#[path = "../../tests/support/ics_reader.rs"]
mod ics_reader;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::ics_reader;
    use chrono::{Duration, TimeZone};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn item(uid: &str, starts_at: DateTime<Utc>) -> Item {
        Item {
            uid: uid.to_owned(),
            summary: "Opening keynote".to_owned(),
            description: "Doors open at 9.".to_owned(),
            location: "Hall A".to_owned(),
            url: Some("https://podium.example/events/1".to_owned()),
            starts_at,
            ends_at: starts_at + Duration::hours(1),
            status: ItemStatus::Confirmed,
            sequence: 2,
            created: utc(2026, 1, 5, 10, 0),
            last_modified: utc(2026, 2, 1, 12, 30),
            organizer: Some(("Ada Lovelace".to_owned(), "ada@podium.example".to_owned())),
            attendee: None,
            categories: vec!["Talk".to_owned(), "Main, stage".to_owned()],
        }
    }

    fn berlin(items: Vec<Item>) -> Calendar {
        Calendar {
            name: "Podium".to_owned(),
            timezone: chrono_tz::Europe::Berlin,
            method: Method::Publish,
            refresh_minutes: 60,
            items,
        }
    }

    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    /// The unfolded content lines, without their CRLF.
    fn content_lines(text: &str) -> Vec<String> {
        unfold(text)
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn value_of(text: &str, prefix: &str) -> Vec<String> {
        content_lines(text)
            .into_iter()
            .filter_map(|l| l.strip_prefix(prefix).map(str::to_owned))
            .collect()
    }

    fn assert_physical_lines_fit(text: &str) {
        for physical in text.as_bytes().split(|b| *b == b'\n') {
            let physical = physical.strip_suffix(b"\r").unwrap_or(physical);
            assert!(physical.len() <= 75, "{} octets", physical.len());
            assert!(std::str::from_utf8(physical).is_ok(), "split a character");
        }
    }

    #[test]
    fn the_crate_adds_a_clock_dtstamp_and_a_random_uid_to_components_without_them() {
        // Why the VTIMEZONE is written by hand: a component without DTSTAMP/UID gets both.
        let venue = icalendar::Venue::new().done().to_string();
        assert!(venue.contains("\r\nDTSTAMP:"), "{venue}");
        assert!(venue.contains("\r\nUID:"), "{venue}");
        assert_ne!(venue, icalendar::Venue::new().done().to_string());
    }

    #[test]
    fn the_crate_passes_carriage_returns_through_text_so_text_is_normalised_first() {
        let raw = icalendar::Event::new()
            .add_property("SUMMARY", "one\rSTATUS:CANCELLED")
            .add_property("UID", "u")
            .add_property("DTSTAMP", "20260101T000000Z")
            .done()
            .to_string();
        assert!(raw.contains("one\rSTATUS:CANCELLED"), "{raw:?}");
        let ours = render(&berlin(vec![Item {
            summary: "one\rSTATUS:CANCELLED".to_owned(),
            ..item("u@podium", utc(2026, 6, 1, 8, 0))
        }]));
        assert_eq!(value_of(&ours, "SUMMARY:"), [r"one\nSTATUS:CANCELLED"]);
    }

    #[test]
    fn the_crates_folding_can_end_a_line_in_whitespace_that_the_ical_reader_then_loses() {
        let summary = format!("{} {}", "a".repeat(66), "b".repeat(20));
        let crate_text = icalendar::Event::new()
            .add_property("SUMMARY", &summary)
            .add_property("UID", "u")
            .add_property("DTSTAMP", "20260101T000000Z")
            .done()
            .to_string();
        assert!(
            crate_text.contains(" \r\n b"),
            "the crate folds right after the space: {crate_text:?}"
        );
        let wrapped =
            format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n{crate_text}END:VCALENDAR\r\n");
        let read = ics_reader::parse(&wrapped);
        assert_eq!(read["events"][0]["summary"], summary.replace(' ', ""));

        let ours = render(&berlin(vec![Item {
            summary: summary.clone(),
            ..item("u@podium", utc(2026, 6, 1, 8, 0))
        }]));
        assert_eq!(ics_reader::parse(&ours)["events"][0]["summary"], summary);
    }

    #[test]
    fn rendered_feeds_fold_at_75_octets_on_character_boundaries_and_never_after_whitespace() {
        for pad in 0..12 {
            for wide in ["ü", "€", "😀", "👩‍💻", " ", "a b"] {
                let text = format!("{}{}", "x".repeat(50 + pad), wide.repeat(30));
                let long = Item {
                    summary: text.clone(),
                    description: text.clone(),
                    location: text.clone(),
                    ..item("u@podium", utc(2026, 6, 1, 8, 0))
                };
                let body = render(&berlin(vec![long]));
                assert_physical_lines_fit(&body);
                for physical in body.split("\r\n") {
                    assert!(!physical.ends_with([' ', '\t']), "{physical:?}");
                }
                let read = ics_reader::parse(&body);
                assert_eq!(read["events"][0]["summary"], text.trim_end());
                assert_eq!(read["events"][0]["location"], text.trim_end());
            }
        }
    }

    #[test]
    fn long_ascii_lines_are_folded_at_75_octets_and_unfold_to_the_original() {
        let content = format!("SUMMARY:{}", "x".repeat(300));
        let folded = fold(&content);
        assert_physical_lines_fit(&folded);
        assert_eq!(folded.split("\r\n").next().unwrap().len(), 75);
        assert!(folded.split("\r\n").skip(1).all(|l| l.starts_with(' ')));
        assert_eq!(unfold(&folded), content);
    }

    #[test]
    fn a_line_of_exactly_75_octets_is_not_folded() {
        let content = "x".repeat(75);
        assert_eq!(fold(&content), content);
        assert_eq!(fold(&format!("{content}y")), format!("{content}\r\n y"));
    }

    #[test]
    fn folding_never_splits_a_multi_byte_character() {
        for pad in 0..8 {
            for wide in ["ü", "€", "😀", "👩‍💻"] {
                let content = format!("SUMMARY:{}{}", "a".repeat(60 + pad), wide.repeat(40));
                let folded = fold(&content);
                assert_physical_lines_fit(&folded);
                assert_eq!(unfold(&folded), content);
            }
        }
    }

    #[test]
    fn every_physical_line_of_a_rendered_feed_fits_and_ends_in_crlf() {
        let mut long = item("u1@podium", utc(2026, 6, 1, 8, 0));
        long.summary = "Grüße aus München 😀 ".repeat(20);
        long.description = "Zeile eins\r\nZeile zwei\rZeile drei\n".repeat(10);
        let text = render(&berlin(vec![long]));
        assert_physical_lines_fit(&text);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        let bytes = text.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' {
                assert_eq!(bytes[i - 1], b'\r', "bare LF at {i}");
            }
            if *b == b'\r' {
                assert_eq!(bytes[i + 1], b'\n', "bare CR at {i}");
            }
        }
    }

    #[test]
    fn text_is_escaped_and_line_breaks_are_normalised() {
        assert_eq!(escape_text(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(escape_text("1\r\n2\r3\n4"), r"1\n2\n3\n4");
        assert_eq!(
            escape_text("bell\u{7}null\u{0}del\u{7f}c1\u{85}\ttab"),
            "bellnulldelc1\ttab"
        );
        assert_eq!(escape_text("colon: ok"), "colon: ok");
    }

    #[test]
    fn user_text_cannot_inject_a_property_or_a_component() {
        let attack = "Talk\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\nSUMMARY:x\rSTATUS:CANCELLED";
        let mut hostile = item("u1@podium", utc(2026, 6, 1, 8, 0));
        hostile.summary = attack.to_owned();
        hostile.description = attack.to_owned();
        hostile.location = attack.to_owned();
        hostile.categories = vec![attack.to_owned()];
        hostile.url = Some("https://x.example/\r\nATTACH:evil".to_owned());
        hostile.organizer = Some((
            "Eve\";X=1:mailto:e@x\r\nX-EVIL:1".to_owned(),
            "eve@x.example\r\nX-EVIL:2".to_owned(),
        ));
        let text = render(&berlin(vec![hostile]));
        let lines = content_lines(&text);

        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 1);
        assert_eq!(lines.iter().filter(|l| *l == "END:VEVENT").count(), 1);
        assert!(lines.iter().all(|l| !l.starts_with("UID:evil")));
        assert!(lines.iter().all(|l| !l.starts_with("X-EVIL")));
        assert!(lines.iter().all(|l| !l.starts_with("ATTACH")));
        assert_eq!(value_of(&text, "STATUS:"), ["CONFIRMED"]);
        assert_eq!(
            value_of(&text, "SUMMARY:"),
            [r"Talk\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil\nSUMMARY:x\nSTATUS:CANCELLED"]
        );
        assert_eq!(value_of(&text, "URL:"), ["https://x.example/ATTACH:evil"]);
        assert_eq!(
            value_of(&text, "ORGANIZER;"),
            ["CN=\"Eve';X=1:mailto:e@xX-EVIL:1\":mailto:eve@x.exampleX-EVIL:2"]
        );
    }

    #[test]
    fn categories_are_escaped_and_comma_separated() {
        let text = render(&berlin(vec![item("u1@podium", utc(2026, 6, 1, 8, 0))]));
        assert_eq!(value_of(&text, "CATEGORIES:"), [r"Talk,Main\, stage"]);
    }

    #[test]
    fn the_calendar_header_carries_name_method_timezone_and_refresh() {
        let text = render(&berlin(vec![]));
        let lines = content_lines(&text);
        assert_eq!(
            lines,
            [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "PRODID:-//podium//podium//EN",
                "CALSCALE:GREGORIAN",
                "METHOD:PUBLISH",
                "X-WR-CALNAME:Podium",
                "X-WR-TIMEZONE:Europe/Berlin",
                "REFRESH-INTERVAL;VALUE=DURATION:PT60M",
                "X-PUBLISHED-TTL:PT60M",
                "END:VCALENDAR",
            ]
        );
    }

    #[test]
    fn each_method_is_written_by_its_rfc_name() {
        for (method, name) in [
            (Method::Publish, "PUBLISH"),
            (Method::Request, "REQUEST"),
            (Method::Cancel, "CANCEL"),
        ] {
            let mut cal = berlin(vec![]);
            cal.method = method;
            assert_eq!(value_of(&render(&cal), "METHOD:"), [name]);
        }
    }

    #[test]
    fn a_cancelled_item_stays_in_the_feed_with_status_cancelled() {
        let mut cancelled = item("u2@podium", utc(2026, 6, 1, 8, 0));
        cancelled.status = ItemStatus::Cancelled;
        let mut tentative = item("u3@podium", utc(2026, 6, 2, 8, 0));
        tentative.status = ItemStatus::Tentative;
        let text = render(&berlin(vec![
            item("u1@podium", utc(2026, 6, 1, 8, 0)),
            cancelled,
            tentative,
        ]));
        assert_eq!(
            value_of(&text, "UID:"),
            ["u1@podium", "u2@podium", "u3@podium"]
        );
        assert_eq!(
            value_of(&text, "STATUS:"),
            ["CONFIRMED", "CANCELLED", "TENTATIVE"]
        );
    }

    #[test]
    fn event_times_and_stamps_come_from_the_data() {
        let text = render(&berlin(vec![item("u1@podium", utc(2026, 6, 1, 8, 0))]));
        assert_eq!(
            value_of(&text, "DTSTART;"),
            ["TZID=Europe/Berlin:20260601T100000"]
        );
        assert_eq!(
            value_of(&text, "DTEND;"),
            ["TZID=Europe/Berlin:20260601T110000"]
        );
        assert_eq!(value_of(&text, "DTSTAMP:"), ["20260201T123000Z"]);
        assert_eq!(value_of(&text, "LAST-MODIFIED:"), ["20260201T123000Z"]);
        assert_eq!(value_of(&text, "CREATED:"), ["20260105T100000Z"]);
        assert_eq!(value_of(&text, "SEQUENCE:"), ["2"]);
        assert_eq!(
            value_of(&text, "ORGANIZER;"),
            ["CN=Ada Lovelace:mailto:ada@podium.example"]
        );
    }

    #[test]
    fn berlin_times_across_both_dst_changes_get_the_right_local_time() {
        let spring = item("spring@podium", utc(2026, 3, 29, 1, 30));
        let autumn = item("autumn@podium", utc(2026, 10, 25, 0, 30));
        let text = render(&berlin(vec![spring, autumn]));
        assert_eq!(
            value_of(&text, "DTSTART;"),
            [
                "TZID=Europe/Berlin:20260329T033000",
                "TZID=Europe/Berlin:20261025T023000"
            ]
        );
        // 01:30Z is the second 02:30 of that night; a TZID time would mean the first.
        assert_eq!(value_of(&text, "DTEND:"), ["20261025T013000Z"]);
        assert_eq!(
            value_of(&text, "DTEND;"),
            ["TZID=Europe/Berlin:20260329T043000"]
        );
    }

    #[test]
    fn the_berlin_vtimezone_lists_every_transition_from_the_year_before_to_the_year_after() {
        let text = render(&berlin(vec![item("u@podium", utc(2026, 3, 29, 1, 30))]));
        let unfolded = unfold(&text);
        let tz_block = unfolded
            .split("BEGIN:VTIMEZONE\r\n")
            .nth(1)
            .and_then(|rest| rest.split("END:VTIMEZONE").next())
            .unwrap();
        assert!(tz_block.starts_with("TZID:Europe/Berlin\r\n"));
        let expected = [
            ("STANDARD", "20250101T010000", "+0100", "+0100", "CET"),
            ("DAYLIGHT", "20250330T020000", "+0100", "+0200", "CEST"),
            ("STANDARD", "20251026T030000", "+0200", "+0100", "CET"),
            ("DAYLIGHT", "20260329T020000", "+0100", "+0200", "CEST"),
            ("STANDARD", "20261025T030000", "+0200", "+0100", "CET"),
            ("DAYLIGHT", "20270328T020000", "+0100", "+0200", "CEST"),
            ("STANDARD", "20271031T030000", "+0200", "+0100", "CET"),
        ];
        let blocks: Vec<String> = expected
            .iter()
            .map(|(kind, start, from, to, name)| {
                format!(
                    "BEGIN:{kind}\r\nDTSTART:{start}\r\nTZOFFSETFROM:{from}\r\n\
                     TZOFFSETTO:{to}\r\nTZNAME:{name}\r\nEND:{kind}\r\n"
                )
            })
            .collect();
        assert_eq!(
            tz_block,
            format!("TZID:Europe/Berlin\r\n{}", blocks.concat())
        );
    }

    #[test]
    fn a_zone_without_transitions_gets_a_single_standard_block() {
        let mut cal = berlin(vec![item("u@podium", utc(2026, 6, 1, 8, 0))]);
        cal.timezone = chrono_tz::UTC;
        let text = render(&cal);
        assert_eq!(value_of(&text, "BEGIN:STANDARD").len(), 1);
        assert!(value_of(&text, "BEGIN:DAYLIGHT").is_empty());
        assert_eq!(value_of(&text, "TZOFFSETTO:"), ["+0000"]);
        assert_eq!(value_of(&text, "DTSTART;"), ["TZID=UTC:20260601T080000"]);
    }

    #[test]
    fn offsets_with_seconds_and_negative_offsets_are_formatted() {
        assert_eq!(vtimezone::utc_offset(3600), "+0100");
        assert_eq!(vtimezone::utc_offset(-(3 * 3600 + 30 * 60)), "-0330");
        assert_eq!(vtimezone::utc_offset(3208), "+005328");
        assert_eq!(vtimezone::utc_offset(0), "+0000");
    }

    #[test]
    fn identical_input_renders_byte_identical_output() {
        let cal = berlin(vec![
            item("u1@podium", utc(2026, 3, 29, 1, 30)),
            item("u2@podium", utc(2027, 1, 1, 0, 0)),
        ]);
        let first = render(&cal);
        assert_eq!(first, render(&cal.clone()));
        assert_eq!(etag_for(&first), etag_for(&render(&cal)));
    }

    #[test]
    fn the_etag_is_a_quoted_32_digit_hash_that_changes_with_the_body() {
        let tag = etag_for("a");
        assert_eq!(tag.len(), 34);
        assert!(tag.starts_with('"') && tag.ends_with('"'));
        assert_ne!(tag, etag_for("b"));
    }

    #[test]
    fn last_modified_is_the_newest_item_change() {
        let mut newer = item("u2@podium", utc(2026, 6, 1, 8, 0));
        newer.last_modified = utc(2026, 5, 1, 0, 0);
        let cal = berlin(vec![item("u1@podium", utc(2026, 6, 1, 8, 0)), newer]);
        assert_eq!(last_modified(&cal), Some(utc(2026, 5, 1, 0, 0)));
        assert_eq!(last_modified(&berlin(vec![])), None);
    }

    /// The text the parser tests read: hostile text, a DST switch each way, a cancelled entry.
    fn parser_sample() -> (String, &'static str) {
        let injection = "Keynote; part 1, \\ \"quoted\"\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil";
        let mut spring = item("spring@podium", utc(2026, 3, 29, 1, 30));
        spring.summary = injection.to_owned();
        let mut autumn = item("autumn@podium", utc(2026, 10, 25, 0, 30));
        autumn.status = ItemStatus::Cancelled;
        autumn.summary = "Grüße 😀 ".repeat(12);
        (render(&berlin(vec![spring, autumn])), injection)
    }

    fn assert_parsed_sample(parsed: &serde_json::Value, injection: &str) {
        assert_eq!(parsed["calname"], "Podium");
        assert_eq!(parsed["method"], "PUBLISH");
        assert_eq!(parsed["timezones"], serde_json::json!(["Europe/Berlin"]));
        let events = parsed["events"].as_array().unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["uid"], "spring@podium");
        assert_eq!(events[0]["summary"], injection.replace("\r\n", "\n"));
        assert_eq!(events[0]["dtstart_utc"], "2026-03-29T01:30:00Z");
        assert_eq!(events[0]["dtend_utc"], "2026-03-29T02:30:00Z");
        assert_eq!(events[0]["dtstamp_utc"], "2026-02-01T12:30:00Z");
        assert_eq!(events[0]["sequence"], 2);
        assert_eq!(events[1]["uid"], "autumn@podium");
        assert_eq!(events[1]["summary"], "Grüße 😀 ".repeat(12).trim_end());
        assert_eq!(events[1]["status"], "CANCELLED");
        assert_eq!(events[1]["dtstart_utc"], "2026-10-25T00:30:00Z");
        assert_eq!(events[1]["dtend_utc"], "2026-10-25T01:30:00Z");
        assert_eq!(events[1]["url"], "https://podium.example/events/1");
    }

    #[test]
    fn the_ical_crate_reads_the_same_instants_and_text() {
        let (body, injection) = parser_sample();
        assert_parsed_sample(&ics_reader::parse(&body), injection);
    }

    #[test]
    #[ignore = "needs Python's icalendar: run by .ci/run (cargo test --workspace -- --ignored)"]
    fn the_python_icalendar_parser_reads_the_same_instants_and_text() {
        let (body, injection) = parser_sample();
        let parsed = python_parse(&body);
        assert_parsed_sample(&parsed, injection);
        assert_eq!(parsed, ics_reader::parse(&body), "the two readers disagree");
    }

    /// `tests/support/parse_ics.py` over `body`; fails (never skips) without the package.
    fn python_parse(body: &str) -> serde_json::Value {
        use std::io::Write as _;
        use std::process::{Command, Stdio};
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/parse_ics.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 must be installed to run this test");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(body.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "parse_ics.py failed (is `pip install icalendar` done?): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }
}
