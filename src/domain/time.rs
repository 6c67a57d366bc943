//! Time zones and instants.
use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

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

/// An RFC 3339 instant with an offset (`2019-06-24T09:00:00+02:00`), kept to whole seconds.
pub fn parse_instant(field: &str, value: &str) -> Result<DateTime<Utc>, FieldError> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(whole_seconds)
        .map_err(|_| {
            FieldError::new(
                field,
                "must be an RFC 3339 time with an offset, e.g. 2026-06-24T09:00:00+02:00",
            )
        })
}
