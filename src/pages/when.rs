//! Dates and times as people read them, in the event's time zone and the page's language
//! (the names of days and months: `domain::time::long_date`).
use chrono::{DateTime, Timelike, Utc};
use entity::registration::Language;

use crate::domain::time::{in_zone, long_date};

/// `Thursday, 24 June 2027` / `Donnerstag, 24. Juni 2027` in `timezone`.
pub fn date(at: DateTime<Utc>, timezone: &str, lang: Language) -> String {
    long_date(&in_zone(at, timezone), lang)
}

/// `09:00` (24-hour clock in both languages) in `timezone`.
pub fn time(at: DateTime<Utc>, timezone: &str) -> String {
    let local = in_zone(at, timezone);
    format!("{:02}:{:02}", local.hour(), local.minute())
}

/// `Thursday, 24 June 2027, 09:00–18:00`, or both full dates when the span crosses a day.
pub fn span(start: DateTime<Utc>, end: DateTime<Utc>, timezone: &str, lang: Language) -> String {
    let (first, last) = (date(start, timezone, lang), date(end, timezone, lang));
    if first == last {
        format!("{first}, {}–{}", time(start, timezone), time(end, timezone))
    } else {
        format!(
            "{first}, {} – {last}, {}",
            time(start, timezone),
            time(end, timezone)
        )
    }
}

/// `Thursday, 24 June 2027, 09:00`.
pub fn moment(at: DateTime<Utc>, timezone: &str, lang: Language) -> String {
    format!("{}, {}", date(at, timezone, lang), time(at, timezone))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_shown_in_the_events_zone_in_both_languages() {
        let start = Utc.with_ymd_and_hms(2027, 6, 24, 7, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2027, 6, 24, 16, 0, 0).unwrap();
        assert_eq!(
            span(start, end, "Europe/Berlin", Language::En),
            "Thursday, 24 June 2027, 09:00–18:00"
        );
        assert_eq!(
            span(start, end, "Europe/Berlin", Language::De),
            "Donnerstag, 24. Juni 2027, 09:00–18:00"
        );
        assert_eq!(
            moment(start, "America/New_York", Language::En),
            "Thursday, 24 June 2027, 03:00"
        );
    }
}
