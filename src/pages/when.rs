//! Dates and times as people read them, in the event's time zone and the page's language
//! (chrono's own month and weekday names are English only without its locale feature).
use chrono::{DateTime, Datelike, Timelike, Utc};
use entity::registration::Language;

use crate::domain::time::in_zone;

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

/// `Thursday, 24 June 2027` / `Donnerstag, 24. Juni 2027` in `timezone`.
pub fn date(at: DateTime<Utc>, timezone: &str, lang: Language) -> String {
    let local = in_zone(at, timezone);
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
