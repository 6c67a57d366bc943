//! The `VTIMEZONE` of a zone (RFC 5545 §3.6.5), written by hand from chrono-tz: the
//! `icalendar` crate has no type for it and would add a `DTSTAMP` and `UID` to any component it
//! writes (see the tests in the parent module). One `STANDARD`/`DAYLIGHT` block per transition,
//! with explicit onsets rather than `RRULE`s, so every local time in the file's years resolves
//! from the file alone, whatever the zone's rules were.
use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::{escape_text, line};

/// What distinguishes one observance of a zone from another.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    offset_seconds: i32,
    is_dst: bool,
    name: String,
}

fn observance_at(tz: Tz, at: DateTime<Utc>) -> Observance {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    Observance {
        offset_seconds: offset.fix().local_minus_utc(),
        is_dst: offset.dst_offset() != Duration::zero(),
        name: offset
            .abbreviation()
            .map(str::to_owned)
            .unwrap_or_else(|| utc_offset(offset.fix().local_minus_utc())),
    }
}

/// The `VTIMEZONE` of `tz` for these years, computed once per process and then reused: finding
/// the transitions samples the zone hour by hour, which is too slow for every mail and feed.
pub(super) fn vtimezone(tz: Tz, first_year: i32, last_year: i32) -> std::sync::Arc<str> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Key = (&'static str, i32, i32);
    static DONE: OnceLock<Mutex<HashMap<Key, Arc<str>>>> = OnceLock::new();
    let key = (tz.name(), first_year, last_year);
    let done = DONE.get_or_init(Default::default);
    if let Some(text) = done.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return text;
    }
    let mut text = String::new();
    write_vtimezone(&mut text, tz, first_year, last_year);
    let text: Arc<str> = text.into();
    if let Ok(mut map) = done.lock() {
        // A handful of zones and year ranges in practice; the bound keeps it so.
        if map.len() >= 1024 {
            map.clear();
        }
        map.insert(key, text.clone());
    }
    text
}

/// Writes a `VTIMEZONE` with one sub-component per transition from January 1st of
/// `first_year` to the end of `last_year` (UTC), plus one for the observance in force at
/// the start, so every local time in that range resolves from this file alone.
fn write_vtimezone(out: &mut String, tz: Tz, first_year: i32, last_year: i32) {
    let year_start = |year: i32| {
        NaiveDate::from_ymd_opt(year, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
    };
    let (Some(start), Some(end)) = (year_start(first_year), year_start(last_year + 1)) else {
        return;
    };

    line(out, "BEGIN:VTIMEZONE");
    line(out, &format!("TZID:{}", escape_text(tz.name())));
    let initial = observance_at(tz, start);
    write_observance(out, start, &initial, &initial);
    for (at, from, to) in transitions(tz, start, end) {
        write_observance(out, at, &from, &to);
    }
    line(out, "END:VTIMEZONE");
}

/// Offset changes in `[start, end)`, found by hourly sampling and then bisected to the
/// second. No zone in the tz database changes twice within an hour.
fn transitions(
    tz: Tz,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Observance, Observance)> {
    let step = Duration::hours(1);
    let mut found = Vec::new();
    let mut at = start;
    let mut current = observance_at(tz, at);
    while at < end {
        let next = at + step;
        let observed = observance_at(tz, next);
        if observed != current {
            // Invariant: `lo` has the old observance, `hi` the new one.
            let (mut lo, mut hi) = (at, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if observance_at(tz, mid) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let to = observance_at(tz, hi);
            if hi < end {
                found.push((hi, current, to.clone()));
            }
            current = to;
        }
        at = next;
    }
    found
}

/// One `STANDARD`/`DAYLIGHT` block; its `DTSTART` is the onset in the local time that
/// was in force before it (RFC 5545 §3.6.5).
fn write_observance(out: &mut String, at: DateTime<Utc>, from: &Observance, to: &Observance) {
    let kind = if to.is_dst { "DAYLIGHT" } else { "STANDARD" };
    let onset = at.naive_utc() + Duration::seconds(i64::from(from.offset_seconds));
    line(out, &format!("BEGIN:{kind}"));
    line(out, &format!("DTSTART:{}", onset.format("%Y%m%dT%H%M%S")));
    line(
        out,
        &format!("TZOFFSETFROM:{}", utc_offset(from.offset_seconds)),
    );
    line(
        out,
        &format!("TZOFFSETTO:{}", utc_offset(to.offset_seconds)),
    );
    line(out, &format!("TZNAME:{}", escape_text(&to.name)));
    line(out, &format!("END:{kind}"));
}

/// `±HHMM`, or `±HHMMSS` when the offset has seconds (RFC 5545 §3.3.14).
pub(super) fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    let mut text = format!("{sign}{h:02}{m:02}");
    if s != 0 {
        let _ = write!(text, "{s:02}");
    }
    text
}
