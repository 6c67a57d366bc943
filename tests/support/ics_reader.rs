//! An iCalendar reader for tests that does not share code with the writer: lines, unfolding
//! and properties come from the `ical` crate (not the `icalendar` crate podium writes with),
//! TEXT unescaping and TZID resolution are written here from RFC 5545 §3.3.11 and §3.6.5.
//!
//! [`parse`] answers the same JSON shape as `tests/support/parse_ics.py` (Python's
//! `icalendar`), so a test can assert on either and the ignored tests compare the two.
//! A TZID is resolved through the `VTIMEZONE` of the file itself (its explicit
//! `STANDARD`/`DAYLIGHT` onsets), never through a zone database, so the output checks the
//! file's own rules. Panics (failing the test) on anything it cannot read.
#![allow(dead_code)]

use std::io::BufReader;

use chrono::{NaiveDateTime, TimeZone, Utc};
use ical::parser::ical::component::{IcalCalendar, IcalTimeZone};
use ical::property::Property;
use serde_json::{json, Value};

/// One observance of a file's zone: from `onset` (local time of the previous offset) on,
/// local time is UTC plus `offset_to` seconds.
struct Onset {
    onset_local: NaiveDateTime,
    offset_from: i64,
    offset_to: i64,
}

/// Reads one calendar; panics with the text when it does not parse.
pub fn read(body: &str) -> IcalCalendar {
    let mut parser = ical::IcalParser::new(BufReader::new(body.as_bytes()));
    let calendar = parser
        .next()
        .unwrap_or_else(|| panic!("no VCALENDAR in\n{body}"))
        .unwrap_or_else(|e| panic!("the ical crate cannot read it ({e}):\n{body}"));
    assert!(parser.next().is_none(), "more than one VCALENDAR");
    calendar
}

/// The value of the first property `name`, TEXT-unescaped.
pub fn text(props: &[Property], name: &str) -> Option<String> {
    props
        .iter()
        .find(|p| p.name == name)
        .map(|p| unescape(p.value.as_deref().unwrap_or("")))
}

/// The raw value of the first property `name`.
pub fn raw(props: &[Property], name: &str) -> Option<String> {
    props
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.clone().unwrap_or_default())
}

/// The first value of parameter `param` of the first property `name`.
pub fn param(props: &[Property], name: &str, param: &str) -> Option<String> {
    props
        .iter()
        .find(|p| p.name == name)?
        .params
        .as_ref()?
        .iter()
        .find(|(k, _)| k == param)
        .and_then(|(_, v)| v.first().cloned())
}

/// RFC 5545 §3.3.11: `\\`, `\;`, `\,`, `\n`/`\N`; anything else after a backslash is kept.
pub fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other @ ('\\' | ';' | ',')) => out.push(other),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn offset_seconds(value: &str) -> i64 {
    let (sign, digits) = match value.as_bytes().first() {
        Some(b'-') => (-1, &value[1..]),
        Some(b'+') => (1, &value[1..]),
        _ => panic!("bad UTC offset {value:?}"),
    };
    let part = |r: std::ops::Range<usize>| -> i64 {
        digits
            .get(r)
            .map(|s| s.parse().expect("offset digits"))
            .unwrap_or(0)
    };
    assert!(
        digits.len() == 4 || digits.len() == 6,
        "bad UTC offset {value:?}"
    );
    sign * (part(0..2) * 3600 + part(2..4) * 60 + part(4..6))
}

fn local(value: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S")
        .unwrap_or_else(|e| panic!("bad local date-time {value:?}: {e}"))
}

fn onsets(zone: &IcalTimeZone) -> Vec<Onset> {
    let mut onsets: Vec<Onset> = zone
        .transitions
        .iter()
        .map(|t| {
            assert!(
                raw(&t.properties, "RRULE").is_none() && raw(&t.properties, "RDATE").is_none(),
                "this reader resolves explicit onsets only"
            );
            Onset {
                onset_local: local(&raw(&t.properties, "DTSTART").expect("onset DTSTART")),
                offset_from: offset_seconds(&raw(&t.properties, "TZOFFSETFROM").expect("FROM")),
                offset_to: offset_seconds(&raw(&t.properties, "TZOFFSETTO").expect("TO")),
            }
        })
        .collect();
    onsets.sort_by_key(|o| o.onset_local - chrono::Duration::seconds(o.offset_from));
    onsets
}

/// A DATE-TIME property as UTC `YYYY-MM-DDTHH:MM:SSZ`, resolving a TZID through the file.
fn utc_of(props: &[Property], name: &str, zones: &[(String, Vec<Onset>)]) -> Option<String> {
    let value = raw(props, name)?;
    let instant = if let Some(utc) = value.strip_suffix('Z') {
        Utc.from_utc_datetime(&local(utc))
    } else {
        let tzid = param(props, name, "TZID")
            .unwrap_or_else(|| panic!("floating time {value} has no zone"));
        let (_, onsets) = zones
            .iter()
            .find(|(id, _)| *id == tzid)
            .unwrap_or_else(|| panic!("TZID {tzid:?} has no VTIMEZONE in the file"));
        let at = local(&value);
        // The observance in force: the last whose onset (in the local time before it) is not
        // after this local time; a time before every onset takes the first's old offset.
        let offset = onsets
            .iter()
            .rev()
            .find(|o| o.onset_local <= at)
            .map(|o| o.offset_to)
            .or_else(|| onsets.first().map(|o| o.offset_from))
            .expect("a VTIMEZONE with observances");
        Utc.from_utc_datetime(&(at - chrono::Duration::seconds(offset)))
    };
    Some(instant.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// The feed's essentials as JSON, in the shape `parse_ics.py` prints.
pub fn parse(body: &str) -> Value {
    let calendar = read(body);
    let zones: Vec<(String, Vec<Onset>)> = calendar
        .timezones
        .iter()
        .map(|z| (raw(&z.properties, "TZID").expect("TZID"), onsets(z)))
        .collect();
    let events: Vec<Value> = calendar
        .events
        .iter()
        .map(|e| {
            let p = &e.properties;
            json!({
                "uid": text(p, "UID"),
                "summary": text(p, "SUMMARY"),
                "description": text(p, "DESCRIPTION"),
                "location": text(p, "LOCATION"),
                "url": raw(p, "URL"),
                "status": text(p, "STATUS"),
                "sequence": raw(p, "SEQUENCE").map(|s| s.parse::<i64>().expect("SEQUENCE")),
                "dtstart_utc": utc_of(p, "DTSTART", &zones),
                "dtend_utc": utc_of(p, "DTEND", &zones),
                "dtstamp_utc": utc_of(p, "DTSTAMP", &zones),
                "last_modified_utc": utc_of(p, "LAST-MODIFIED", &zones),
                "organizer": raw(p, "ORGANIZER"),
                "organizer_cn": param(p, "ORGANIZER", "CN"),
                "attendee": raw(p, "ATTENDEE"),
                "attendee_rsvp": param(p, "ATTENDEE", "RSVP"),
            })
        })
        .collect();
    json!({
        "calname": text(&calendar.properties, "X-WR-CALNAME"),
        "method": text(&calendar.properties, "METHOD"),
        "timezones": zones.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        "events": events,
    })
}
