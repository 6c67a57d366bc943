//! Time zones and instants.
use chrono::{DateTime, Datelike, FixedOffset, Utc};
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
