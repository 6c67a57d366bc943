//! The programme in the frab format that conference apps read (Giggity, ConfClerk,
//! EventFahrplan): `schedule.xml` and `schedule.json` as the c3voc schemas define them
//! (<https://github.com/voc/schedule>, `validator/xsd/schedule.xml.xsd` and
//! `validator/json/schema.json`; copies in `tests/support/frab/`, which the tests validate
//! against).
//!
//! Built from the same [`Programme`] as the public `GET …/schedule`, so it shows what that shows.
//! The mapping:
//! - rooms are the stages (in programme order, `guid` = the stage's id);
//! - days are the event's calendar days in its time zone, midnight to midnight, `index` from 1;
//! - each slot holding a pitch is one event; open slots are left out;
//! - an event's `guid` is the pitch's id (it keeps it when the pitch moves), its `id` a positive
//!   31-bit number derived from that id ([`numeric_id`]: apps keep it in a 32-bit integer);
//! - `persons` holds the presenter's name only: no e-mail address, no organisation id;
//! - the acronym is the event's slug with `_` for `-` (the JSON schema allows no inner `-`);
//! - `version` is a hash of what is shown, so it changes exactly when the programme does.
//!
//! Pure: no database, no HTTP; the route reads and caches.
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use entity::{event, pitch, pitch_slot, registration::Language, stage};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::text::slugify;
use crate::services::programme::Programme;

/// The grid apps draw the programme on.
const TIMESLOT_DURATION: &str = "00:05";

/// One programme entry: a slot with its pitch.
struct Entry<'a> {
    slot: &'a pitch_slot::Model,
    pitch: &'a pitch::Model,
    stage: &'a stage::Model,
}

/// One calendar day of the event in its zone.
struct Day<'a> {
    index: usize,
    date: NaiveDate,
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    entries: Vec<Entry<'a>>,
}

/// The schedule, ready to render in either format.
pub struct FrabSchedule<'a> {
    event: &'a event::Model,
    stages: &'a [stage::Model],
    days: Vec<Day<'a>>,
    page_url: String,
    acronym: String,
    tz: Option<Tz>,
}

/// The stable `id` of a pitch in the frab schedule: 1 to 2³¹−1, the first bytes of the SHA-256
/// of its UUID. It never changes for a pitch; two pitches of one schedule share one with a
/// chance of about n²/2³² (5·10⁻⁶ for 150 pitches).
pub fn numeric_id(pitch_id: Uuid) -> u32 {
    let digest = Sha256::digest(pitch_id.as_bytes());
    let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) & 0x7fff_ffff;
    n.max(1)
}

/// The conference acronym: the slug with `_` for `-`, at least 4 characters (padded with `_`);
/// matches both schemas' patterns (`[a-z0-9_-]{4,}`, `^[a-z0-9_-][a-z0-9_]{3,}…$`).
pub fn acronym(slug: &str) -> String {
    let mut acronym: String = slug
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '_'
            }
        })
        .collect();
    while acronym.len() < 4 {
        acronym.push('_');
    }
    acronym
}

impl<'a> FrabSchedule<'a> {
    /// Lays out `programme` of `event` by day and stage; `public_url` has no trailing slash.
    pub fn build(event: &'a event::Model, programme: &'a Programme, public_url: &str) -> Self {
        let tz: Option<Tz> = event.timezone.parse().ok();
        let local_date = |at: DateTime<Utc>| match tz {
            Some(tz) => at.with_timezone(&tz).date_naive(),
            None => at.date_naive(),
        };
        let first = local_date(event.starts_at);
        let last = local_date(event.ends_at - Duration::seconds(1)).max(first);
        let mut entries: Vec<Entry<'a>> = programme
            .slots
            .iter()
            .filter_map(|slot| {
                let pitch = programme.pitch_of(slot)?;
                let stage = programme.stage(slot.stage_id)?;
                Some(Entry { slot, pitch, stage })
            })
            .collect();
        // A slot outside the event's days (not allowed, but never lost) widens the days.
        let first = entries
            .iter()
            .map(|e| local_date(e.slot.starts_at))
            .min()
            .map_or(first, |d| d.min(first));
        let last = entries
            .iter()
            .map(|e| local_date(e.slot.starts_at))
            .max()
            .map_or(last, |d| d.max(last));
        let mut days = Vec::new();
        let mut date = first;
        while date <= last {
            let next = date.succ_opt().unwrap_or(date);
            let (start, end) = (midnight(date, tz), midnight(next, tz));
            let (today, later): (Vec<_>, Vec<_>) = entries
                .into_iter()
                .partition(|e| local_date(e.slot.starts_at) == date);
            entries = later;
            days.push(Day {
                index: days.len() + 1,
                date,
                start,
                end,
                entries: today,
            });
            if next == date {
                break;
            }
            date = next;
        }
        Self {
            event,
            stages: &programme.stages,
            days,
            page_url: format!("{public_url}/events/{}", event.slug),
            acronym: acronym(&event.slug),
            tz,
        }
    }

    fn local(&self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self.tz {
            Some(tz) => at.with_timezone(&tz).fixed_offset(),
            None => at.fixed_offset(),
        }
    }

    /// The IANA zone when the JSON schema's pattern takes it (`Area/Location` or `UTC`).
    fn time_zone_name(&self) -> Option<&str> {
        let name = self.event.timezone.as_str();
        let word = |w: &str| {
            let mut chars = w.chars();
            chars.next().is_some_and(|c| c.is_ascii_uppercase())
                && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        };
        let ok = name == "UTC"
            || name
                .split_once('/')
                .is_some_and(|(area, place)| word(area) && word(place));
        ok.then_some(name)
    }

    /// The event's slug in the schedule: `{acronym}-{id}-{title}` (both schemas' patterns).
    fn slug_of(&self, entry: &Entry<'_>) -> String {
        format!(
            "{}-{}-{}",
            self.acronym,
            numeric_id(entry.pitch.id),
            slugify(&entry.pitch.title)
        )
    }

    /// `version`: a hash of everything shown but the version itself.
    fn version(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.event.title.as_bytes());
        hasher.update(self.event.starts_at.to_rfc3339().as_bytes());
        hasher.update(self.event.ends_at.to_rfc3339().as_bytes());
        hasher.update(self.event.timezone.as_bytes());
        for stage in self.stages {
            hasher.update(stage.id.as_bytes());
            hasher.update(stage.name.as_bytes());
            hasher.update([0]);
        }
        for entry in self.days.iter().flat_map(|d| &d.entries) {
            hasher.update(entry.slot.id.as_bytes());
            hasher.update(entry.slot.stage_id.as_bytes());
            hasher.update(entry.slot.starts_at.timestamp().to_be_bytes());
            hasher.update(entry.slot.ends_at.timestamp().to_be_bytes());
            hasher.update(entry.pitch.id.as_bytes());
            for text in [
                &entry.pitch.title,
                &entry.pitch.r#abstract,
                &entry.pitch.organisation,
                &entry.pitch.presenter_name,
            ] {
                hasher.update(text.as_bytes());
                hasher.update([0]);
            }
            hasher.update(language(entry.pitch.language).as_bytes());
        }
        hex::encode(&hasher.finalize()[..6])
    }

    fn conference_start(&self) -> DateTime<FixedOffset> {
        self.local(self.event.starts_at)
    }

    fn conference_end(&self) -> DateTime<FixedOffset> {
        self.local(self.event.ends_at)
    }

    /// `schedule.json`: `{"$schema", "generator", "schedule": {"version", "base_url",
    /// "conference": {…, "rooms", "days": [{…, "rooms": {"<stage>": [events]}}]}}}`.
    pub fn to_json(&self) -> Value {
        let rooms: Vec<Value> = self
            .stages
            .iter()
            .map(|s| json!({"name": s.name, "guid": s.id}))
            .collect();
        let days: Vec<Value> = self
            .days
            .iter()
            .map(|day| {
                let mut by_room = serde_json::Map::new();
                for stage in self.stages {
                    let events: Vec<Value> = day
                        .entries
                        .iter()
                        .filter(|e| e.stage.id == stage.id)
                        .map(|e| self.event_json(e))
                        .collect();
                    by_room.insert(stage.name.clone(), Value::Array(events));
                }
                json!({
                    "index": day.index,
                    "date": day.date.to_string(),
                    "day_start": day.start.to_rfc3339(),
                    "day_end": day.end.to_rfc3339(),
                    "rooms": by_room,
                })
            })
            .collect();
        let mut conference = json!({
            "acronym": self.acronym,
            "title": self.event.title,
            "start": self.conference_start().to_rfc3339(),
            "end": self.conference_end().to_rfc3339(),
            "daysCount": self.days.len(),
            "timeslot_duration": TIMESLOT_DURATION,
            "url": self.page_url,
            "rooms": rooms,
            "days": days,
        });
        if let Some(zone) = self.time_zone_name() {
            conference["time_zone_name"] = json!(zone);
        }
        json!({
            "$schema": "https://c3voc.de/schedule/schema.json",
            "generator": {"name": "podium", "version": env!("CARGO_PKG_VERSION")},
            "schedule": {
                "version": self.version(),
                "base_url": self.page_url,
                "conference": conference,
            },
        })
    }

    fn event_json(&self, e: &Entry<'_>) -> Value {
        let start = self.local(e.slot.starts_at);
        json!({
            "guid": e.pitch.id,
            "id": numeric_id(e.pitch.id),
            "date": start.to_rfc3339(),
            "start": start.format("%H:%M").to_string(),
            "end": self.local(e.slot.ends_at).to_rfc3339(),
            "duration": duration(e.slot),
            "room": e.stage.name,
            "slug": self.slug_of(e),
            "url": self.page_url,
            "title": e.pitch.title,
            "subtitle": e.pitch.organisation,
            "track": null,
            "type": "talk",
            "language": language(e.pitch.language),
            "abstract": e.pitch.r#abstract,
            "description": "",
            "persons": [{"name": e.pitch.presenter_name}],
            "links": [],
        })
    }

    /// `schedule.xml`, UTF-8.
    pub fn to_xml(&self) -> String {
        let mut x = String::with_capacity(4096);
        x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<schedule>\n");
        x.push_str(&format!(
            "  <generator name=\"podium\" version=\"{}\"/>\n",
            env!("CARGO_PKG_VERSION")
        ));
        x.push_str(&format!("  <version>{}</version>\n", self.version()));
        x.push_str("  <conference>\n");
        element(&mut x, 4, "acronym", &self.acronym);
        element(&mut x, 4, "title", &self.event.title);
        element(&mut x, 4, "start", &self.conference_start().to_rfc3339());
        element(&mut x, 4, "end", &self.conference_end().to_rfc3339());
        element(&mut x, 4, "days", &self.days.len().to_string());
        element(&mut x, 4, "timeslot_duration", TIMESLOT_DURATION);
        element(&mut x, 4, "base_url", &self.page_url);
        element(&mut x, 4, "url", &self.page_url);
        if let Some(zone) = self.time_zone_name() {
            element(&mut x, 4, "time_zone_name", zone);
        }
        x.push_str("  </conference>\n");
        for day in &self.days {
            x.push_str(&format!(
                "  <day index=\"{}\" date=\"{}\" start=\"{}\" end=\"{}\">\n",
                day.index,
                day.date,
                day.start.to_rfc3339(),
                day.end.to_rfc3339()
            ));
            for stage in self.stages {
                x.push_str(&format!(
                    "    <room name=\"{}\" guid=\"{}\">\n",
                    escape(&stage.name),
                    stage.id
                ));
                for e in day.entries.iter().filter(|e| e.stage.id == stage.id) {
                    self.event_xml(&mut x, e);
                }
                x.push_str("    </room>\n");
            }
            x.push_str("  </day>\n");
        }
        x.push_str("</schedule>\n");
        x
    }

    fn event_xml(&self, x: &mut String, e: &Entry<'_>) {
        let start = self.local(e.slot.starts_at);
        x.push_str(&format!(
            "      <event id=\"{}\" guid=\"{}\">\n",
            numeric_id(e.pitch.id),
            e.pitch.id
        ));
        element(x, 8, "date", &start.to_rfc3339());
        element(x, 8, "start", &start.format("%H:%M").to_string());
        element(x, 8, "duration", &duration(e.slot));
        element(x, 8, "room", &e.stage.name);
        element(x, 8, "slug", &self.slug_of(e));
        element(x, 8, "url", &self.page_url);
        element(x, 8, "title", &e.pitch.title);
        element(x, 8, "subtitle", &e.pitch.organisation);
        element(x, 8, "track", "");
        element(x, 8, "type", "talk");
        element(x, 8, "language", language(e.pitch.language));
        element(x, 8, "abstract", &e.pitch.r#abstract);
        element(x, 8, "description", "");
        x.push_str("        <persons>\n");
        element(x, 10, "person", &e.pitch.presenter_name);
        x.push_str("        </persons>\n        <links/>\n      </event>\n");
    }
}

/// Local midnight starting `date` (the first instant of the day where midnight is skipped).
fn midnight(date: NaiveDate, tz: Option<Tz>) -> DateTime<FixedOffset> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    let Some(tz) = tz else {
        return Utc.from_utc_datetime(&naive).fixed_offset();
    };
    (0..=3)
        .find_map(|hour| {
            tz.from_local_datetime(&(naive + Duration::hours(hour)))
                .earliest()
        })
        .map_or_else(
            || Utc.from_utc_datetime(&naive).fixed_offset(),
            |at| at.fixed_offset(),
        )
}

/// The pitch's language as its ISO 639-1 code.
fn language(language: Language) -> &'static str {
    match language {
        Language::De => "de",
        Language::En => "en",
    }
}

/// A slot's length as `HH:MM`.
fn duration(slot: &pitch_slot::Model) -> String {
    let minutes = (slot.ends_at - slot.starts_at).num_minutes().max(0);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `<name>text</name>` on its own line, indented.
fn element(x: &mut String, indent: usize, name: &str, text: &str) {
    x.push_str(&" ".repeat(indent));
    if text.is_empty() {
        x.push_str(&format!("<{name}/>\n"));
    } else {
        x.push_str(&format!("<{name}>{}</{name}>\n", escape(text)));
    }
}

/// Text or an attribute value escaped for XML 1.0; characters XML 1.0 cannot carry (controls
/// other than tab and newline) are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_match_both_schemas_patterns() {
        assert_eq!(acronym("jahrestagung-2027"), "jahrestagung_2027");
        assert_eq!(acronym("jt"), "jt__");
        assert_eq!(acronym("a"), "a___");
    }

    #[test]
    fn numeric_ids_are_positive_31_bit_and_stable() {
        let id = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(numeric_id(id), numeric_id(id));
        for n in 0..1000u128 {
            let value = numeric_id(Uuid::from_u128(n));
            assert!((1..=0x7fff_ffff).contains(&value));
        }
    }

    #[test]
    fn xml_escaping_covers_markup_and_drops_controls() {
        assert_eq!(
            escape("a<b>&\"c'\u{1}\tü"),
            "a&lt;b&gt;&amp;&quot;c&apos;\tü"
        );
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let date = NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
        assert_eq!(
            midnight(date, Some(tz)).to_rfc3339(),
            "2027-06-01T00:00:00+02:00"
        );
    }
}
