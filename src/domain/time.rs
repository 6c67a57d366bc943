//! Time zones and instants, and how an event's times move to another edition in its zone
//! ([`EditionShift`]).
use chrono::{DateTime, Datelike, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use entity::registration::Language;

use crate::error::FieldError;

pub fn parse_timezone(field: &str, value: &str) -> Result<Tz, FieldError> {
    value
        .parse::<Tz>()
        .map_err(|_| FieldError::new(field, "must be an IANA time zone such as Europe/Berlin"))
}

/// The instant as the event's local time with its offset, as clients show it.
pub fn in_zone(instant: DateTime<Utc>, timezone: &str) -> DateTime<FixedOffset> {
    match timezone.parse::<Tz>() {
        Ok(tz) => instant.with_timezone(&tz).fixed_offset(),
        Err(_) => instant.fixed_offset(),
    }
}

/// Truncated to whole seconds: what every database stores the same way.
pub fn whole_seconds(instant: DateTime<FixedOffset>) -> DateTime<Utc> {
    let utc = instant.with_timezone(&Utc);
    DateTime::from_timestamp(utc.timestamp(), 0).unwrap_or(utc)
}

pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Earliest and latest year podium accepts: enough for any programme, and every date in it
/// prints as plain RFC 3339 and iCalendar.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=2999;

/// An RFC 3339 instant with an offset (`2019-06-24T09:00:00+02:00`), kept to whole seconds.
pub fn parse_instant(field: &str, value: &str) -> Result<DateTime<Utc>, FieldError> {
    let instant = DateTime::parse_from_rfc3339(value.trim())
        .map(whole_seconds)
        .map_err(|_| {
            FieldError::new(
                field,
                "must be an RFC 3339 time with an offset, e.g. 2026-06-24T09:00:00+02:00",
            )
        })?;
    check_year(field, instant)
}

/// Keeps instants inside [`YEARS`].
pub fn check_year(field: &str, instant: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    use chrono::Datelike;
    if YEARS.contains(&instant.year()) {
        Ok(instant)
    } else {
        Err(FieldError::new(
            field,
            format!(
                "must lie between the years {} and {}",
                YEARS.start(),
                YEARS.end()
            ),
        ))
    }
}

/// How the times of an event move to another edition of it (`POST /events/{event}/clone`):
/// in the event's zone, not by one UTC duration, so that every time keeps its local wall clock
/// and its day offset from the start across daylight-saving changes.
///
/// Each instant is read as a local date-time in the zone and moved by the wall-clock distance
/// between the old and the new start's local date-times (whole local days, plus the change of
/// the start's local time of day if the new edition starts at another hour): day 2's 10:00 of
/// an edition starting at 09:00 is day 2's 10:00 of the next one (11:00 if that starts at
/// 10:00), whatever the UTC offsets on either day. The local result becomes an instant again
/// by RFC 5545's rules for local times (section 3.3.5, the ones calendar apps apply to the
/// feeds): a time that occurs twice (autumn's fall back) is its first occurrence; a time
/// that does not occur (spring's gap) is read with the UTC offset before the gap, so Berlin's
/// 02:30 on the last Sunday of March is 03:30 CEST.
#[derive(Debug, Clone, Copy)]
pub struct EditionShift {
    zone: Tz,
    /// The new start's local date-time minus the old one's, as wall-clock time.
    wall: chrono::TimeDelta,
}

impl EditionShift {
    /// The shift in `zone` that takes `old_start` to `new_start`.
    pub fn new(zone: Tz, old_start: DateTime<Utc>, new_start: DateTime<Utc>) -> Self {
        let local = |t: DateTime<Utc>| t.with_timezone(&zone).naive_local();
        Self {
            zone,
            wall: local(new_start) - local(old_start),
        }
    }

    /// The instant that keeps `instant`'s local time and day offset in the new edition;
    /// `None` only past the dates chrono represents (callers keep to [`YEARS`] anyway).
    pub fn map(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = instant
            .with_timezone(&self.zone)
            .naive_local()
            .checked_add_signed(self.wall)?;
        local_to_instant(self.zone, local)
    }
}

/// The instant of a local date-time in `zone` by RFC 5545 section 3.3.5: the first occurrence
/// of a time that occurs twice; a time in a gap read with the offset before the gap.
pub fn local_to_instant(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, second) => Some(first.min(second).with_timezone(&Utc)),
        LocalResult::None => {
            // Step back to a local time before the gap (gaps are an hour or less in practice,
            // a whole day at most: Samoa skipped 30 December 2011) and take its offset.
            let before = (1..=26 * 4).find_map(|quarter| {
                let probe = local.checked_sub_signed(chrono::TimeDelta::minutes(15 * quarter))?;
                zone.from_local_datetime(&probe).latest()
            })?;
            let offset = before.offset().fix();
            let utc = local
                .checked_sub_signed(chrono::TimeDelta::seconds(offset.local_minus_utc().into()))?;
            Some(Utc.from_utc_datetime(&utc))
        }
    }
}

/// A local date as people write it: `Thursday, 24 June 2027` / `Donnerstag, 24. Juni 2027`.
/// Pages and mails share it. chrono names days and months in English only unless built with
/// its `unstable-locales` feature (pure-Rust locale tables, unstable API); two short tables here
/// are the smaller dependency.
pub fn long_date(local: &impl Datelike, lang: Language) -> String {
    let weekday = local.weekday().num_days_from_monday() as usize;
    let month = local.month0() as usize;
    match lang {
        Language::En => format!(
            "{}, {} {} {}",
            WEEKDAYS_EN[weekday],
            local.day(),
            MONTHS_EN[month],
            local.year()
        ),
        Language::De => format!(
            "{}, {}. {} {}",
            WEEKDAYS_DE[weekday],
            local.day(),
            MONTHS_DE[month],
            local.year()
        ),
    }
}

const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const WEEKDAYS_DE: [&str; 7] = [
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn berlin(instant: DateTime<Utc>) -> String {
        instant
            .with_timezone(&chrono_tz::Europe::Berlin)
            .to_rfc3339()
    }

    #[test]
    fn day_two_of_an_event_over_the_october_switch_keeps_its_wall_clock() {
        // 2026: the clocks go back on Sunday 25 October; the event is 24–25 October.
        let old_start = at("2026-10-24T09:00:00+02:00");
        let day_two_slot = at("2026-10-25T10:00:00+01:00");
        let new_start = at("2027-10-16T09:00:00+02:00");
        let shift = EditionShift::new(chrono_tz::Europe::Berlin, old_start, new_start);
        assert_eq!(
            berlin(shift.map(old_start).unwrap()),
            "2027-10-16T09:00:00+02:00"
        );
        assert_eq!(
            berlin(shift.map(day_two_slot).unwrap()),
            "2027-10-17T10:00:00+02:00"
        );
        // One UTC duration would have put it at 11:00.
        assert_eq!(
            berlin(day_two_slot + (new_start - old_start)),
            "2027-10-17T11:00:00+02:00"
        );
    }

    #[test]
    fn a_june_event_cloned_to_december_opens_registration_at_the_same_local_time() {
        let old_start = at("2026-06-24T09:00:00+02:00");
        let opens = at("2026-02-02T10:00:00+01:00");
        let ends = at("2026-06-24T18:00:00+02:00");
        let new_start = at("2026-12-10T09:00:00+01:00");
        let shift = EditionShift::new(chrono_tz::Europe::Berlin, old_start, new_start);
        assert_eq!(
            berlin(shift.map(opens).unwrap()),
            "2026-07-21T10:00:00+02:00"
        );
        assert_eq!(
            berlin(shift.map(ends).unwrap()),
            "2026-12-10T18:00:00+01:00"
        );
        assert_eq!(
            berlin(opens + (new_start - old_start)),
            "2026-07-21T12:00:00+02:00"
        );
    }

    #[test]
    fn a_later_start_moves_every_time_by_the_same_wall_clock_hours() {
        let old_start = at("2026-06-24T09:00:00+02:00");
        let new_start = at("2027-01-14T10:30:00+01:00");
        let shift = EditionShift::new(chrono_tz::Europe::Berlin, old_start, new_start);
        assert_eq!(
            berlin(shift.map(at("2026-06-25T16:00:00+02:00")).unwrap()),
            "2027-01-15T17:30:00+01:00"
        );
    }

    #[test]
    fn a_time_in_the_spring_gap_takes_the_offset_before_it() {
        // 02:30 on 28 March 2027 does not occur in Berlin: read with +01:00, it is 03:30 CEST.
        let local = NaiveDateTime::parse_from_str("2027-03-28 02:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            berlin(local_to_instant(chrono_tz::Europe::Berlin, local).unwrap()),
            "2027-03-28T03:30:00+02:00"
        );
        // Through a shift: a night slot at 02:30 the day after a Saturday start.
        let shift = EditionShift::new(
            chrono_tz::Europe::Berlin,
            at("2026-03-21T20:00:00+01:00"),
            at("2027-03-27T20:00:00+01:00"),
        );
        assert_eq!(
            berlin(shift.map(at("2026-03-22T02:30:00+01:00")).unwrap()),
            "2027-03-28T03:30:00+02:00"
        );
    }

    #[test]
    fn a_time_that_occurs_twice_is_its_first_occurrence() {
        let local = NaiveDateTime::parse_from_str("2027-10-31 02:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            local_to_instant(chrono_tz::Europe::Berlin, local).unwrap(),
            at("2027-10-31T02:30:00+02:00")
        );
        // Through a shift: a night slot at 02:30 CET the day after a start moves to the
        // first 02:30 of the fall-back night.
        let shift = EditionShift::new(
            chrono_tz::Europe::Berlin,
            at("2026-11-07T20:00:00+01:00"),
            at("2027-10-30T20:00:00+02:00"),
        );
        assert_eq!(
            shift.map(at("2026-11-08T02:30:00+01:00")).unwrap(),
            at("2027-10-31T02:30:00+02:00")
        );
    }
}
