//! Calendar feeds: what each feed holds, read with a fixed number of queries, and an in-memory
//! cache of rendered feeds keyed by the version of the data they show.
//!
//! Every change to an event or its programme bumps `events.version` in the same transaction
//! (`events::lock_for_change`), so a feed is looked up by the event row and reused while its
//! fingerprint is unchanged. The public feeds (one event, all events) take the row from
//! [`EventReads`]: a change through this instance shows on the next request, one through another
//! instance on the same database within [`crate::services::read_cache::EVENT_TTL`]. Personal
//! feeds read their rows on every request. ETags hash the body, so instances agree on them too.
//!
//! What a feed shows comes from the published calendar entries
//! ([`crate::services::calendar_entries`]), never from the clock: a version bump that changed
//! nothing shown (a registration, a raised capacity) re-renders the same bytes, so the ETag and
//! `Last-Modified` stay and clients get their 304.
//!
//! The schedule JSON and the frab schedules share the cache ([`FeedId::Schedule`],
//! [`FeedId::FrabXml`], [`FeedId::FrabJson`]).
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::{
    event::{self, EventStatus},
    pitch, registration,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::calendar::{self, Calendar, Method};
use crate::error::{ApiError, ApiResult};
use crate::services::read_cache::EventReads;
use crate::services::{calendar_entries, ics};

/// `REFRESH-INTERVAL` of the list of all events.
const ALL_EVENTS_REFRESH_MINUTES: u32 = 60;
/// `REFRESH-INTERVAL` of one event's programme and of personal feeds: programmes change late.
const EVENT_REFRESH_MINUTES: u32 = 30;

/// A feed ready to serve: the body and the validators computed from it.
#[derive(Debug)]
pub struct RenderedFeed {
    pub body: Bytes,
    /// Strong, quoted: a hash of the body.
    pub etag: String,
    pub last_modified: Option<DateTime<Utc>>,
}

impl RenderedFeed {
    /// Any body (the schedule's JSON, say) with its strong ETag.
    pub fn from_body(body: String, last_modified: Option<DateTime<Utc>>) -> Self {
        let etag = calendar::etag_for(&body);
        Self {
            body: Bytes::from(body),
            etag,
            last_modified,
        }
    }

    /// `Last-Modified` is the newest entry's LAST-MODIFIED: it moves only with what is shown.
    fn new(cal: &Calendar) -> Self {
        let body = calendar::render(cal);
        let etag = calendar::etag_for(&body);
        let last_modified = calendar::last_modified(cal);
        Self {
            body: Bytes::from(body),
            etag,
            last_modified,
        }
    }
}

/// What a feed route needs besides the feed: the file name and who may cache it.
#[derive(Debug)]
pub struct FeedAnswer {
    pub feed: Arc<RenderedFeed>,
    /// `[a-z0-9-]` plus `.ics`: safe in a `Content-Disposition` header.
    pub filename: String,
    /// Whether shared caches may keep it (`public`) or only the client (`private`).
    pub public: bool,
}

/// Which feed a cache entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedId {
    AllEvents,
    Event(Uuid),
    Registration(Uuid),
    Pitch(Uuid),
    /// `GET /events/{event}/schedule` as JSON.
    Schedule(Uuid),
    /// `GET /events/{event}/schedule.xml`, frab's XML.
    FrabXml(Uuid),
    /// `GET /events/{event}/schedule.json`, frab's JSON.
    FrabJson(Uuid),
}

/// Rendered feeds by feed, each valid for one fingerprint of the data it shows; bounded in
/// entries and bytes, the least recently used entry goes first.
pub struct FeedCache {
    max_entries: usize,
    max_bytes: usize,
    inner: Mutex<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    entries: HashMap<FeedId, CacheEntry>,
    bytes: usize,
    tick: u64,
}

struct CacheEntry {
    fingerprint: u64,
    feed: Arc<RenderedFeed>,
    used: u64,
}

impl Default for FeedCache {
    /// 4 096 feeds or 16 MiB, whichever is reached first: a 300-slot feed is about 0.3 MiB.
    fn default() -> Self {
        Self::new(4096, 16 * 1024 * 1024)
    }
}

impl FeedCache {
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            max_entries: max_entries.max(1),
            max_bytes,
            inner: Mutex::new(CacheInner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, CacheInner> {
        // A panic while holding the lock cannot leave the map half-updated in a way that
        // matters: at worst an entry is missing or stale by fingerprint, and both are re-rendered.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The cached feed if it was rendered from data with this fingerprint.
    pub fn get(&self, id: FeedId, fingerprint: u64) -> Option<Arc<RenderedFeed>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.entries.get_mut(&id)?;
        if entry.fingerprint != fingerprint {
            return None;
        }
        entry.used = tick;
        Some(entry.feed.clone())
    }

    pub fn put(&self, id: FeedId, fingerprint: u64, feed: Arc<RenderedFeed>) {
        let size = feed.body.len();
        if size > self.max_bytes {
            return;
        }
        let mut inner = self.lock();
        inner.tick += 1;
        let used = inner.tick;
        if let Some(old) = inner.entries.remove(&id) {
            inner.bytes -= old.feed.body.len();
        }
        while !inner.entries.is_empty()
            && (inner.entries.len() >= self.max_entries || inner.bytes + size > self.max_bytes)
        {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            if let Some(evicted) = inner.entries.remove(&oldest) {
                inner.bytes -= evicted.feed.body.len();
            }
        }
        inner.bytes += size;
        inner.entries.insert(
            id,
            CacheEntry {
                fingerprint,
                feed,
                used,
            },
        );
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub fn fingerprint_of(value: impl Hash) -> u64 {
    // `DefaultHasher::new()` uses fixed keys: the same data hashes the same in every process.
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Renders the calendar `build` gives and keeps it.
fn render_and_keep(
    cache: &FeedCache,
    id: FeedId,
    fingerprint: u64,
    build: impl FnOnce() -> Calendar,
) -> Arc<RenderedFeed> {
    let cal = build();
    let feed = Arc::new(RenderedFeed::new(&cal));
    cache.put(id, fingerprint, feed.clone());
    feed
}

/// Every published or cancelled event, soonest first: one query to check, two more to render.
#[tracing::instrument(skip_all)]
pub async fn all_events(
    db: &DatabaseConnection,
    cache: &FeedCache,
    reads: &EventReads,
    public_url: &str,
) -> ApiResult<FeedAnswer> {
    let listed = [EventStatus::Published, EventStatus::Cancelled];
    let fingerprint = reads
        .listed_fingerprint(|| async {
            let versions: Vec<(Uuid, i64)> = event::Entity::find()
                .select_only()
                .column(event::Column::Id)
                .column(event::Column::Version)
                .filter(event::Column::Status.is_in(listed))
                .order_by_asc(event::Column::Id)
                .into_tuple()
                .all(db)
                .await?;
            Ok(fingerprint_of(&versions))
        })
        .await?;
    let feed = match cache.get(FeedId::AllEvents, fingerprint) {
        Some(feed) => feed,
        None => {
            let events = event::Entity::find()
                .filter(event::Column::Status.is_in(listed))
                .order_by_asc(event::Column::StartsAt)
                .order_by_asc(event::Column::Id)
                .all(db)
                .await?;
            let own = calendar_entries::own_entries(db, &events).await?;
            let urls: HashMap<Uuid, String> = events
                .iter()
                .map(|e| (e.id, ics::event_url(e, public_url)))
                .collect();
            render_and_keep(cache, FeedId::AllEvents, fingerprint, || Calendar {
                name: "podium".to_owned(),
                timezone: prevailing_timezone(&events),
                method: Method::Publish,
                refresh_minutes: ALL_EVENTS_REFRESH_MINUTES,
                items: own
                    .iter()
                    .map(|entry| {
                        calendar_entries::item_of(entry, urls.get(&entry.event_id).cloned())
                    })
                    .collect(),
            })
        }
    };
    Ok(FeedAnswer {
        feed,
        filename: "podium.ics".to_owned(),
        public: true,
    })
}

/// The zone most events use (ties: the first by name), so most times read as local times;
/// UTC for no events.
fn prevailing_timezone(events: &[event::Model]) -> Tz {
    let mut counts: HashMap<Tz, usize> = HashMap::new();
    for e in events {
        *counts.entry(ics::event_tz(e)).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|(a, n), (b, m)| n.cmp(m).then_with(|| b.name().cmp(a.name())))
        .map(|(tz, _)| tz)
        .unwrap_or(Tz::UTC)
}

/// One event and every pitch entry it ever published (assigned ones confirmed, the rest
/// cancelled). A draft is a 404 unless `organiser`.
///
/// A cache hit costs no query while the event row's copy in `reads` is recent, else the one
/// that reads it; a miss adds the programme's three and the entries' one, however many slots
/// there are (plus a write only when the entries are behind the data).
#[tracing::instrument(skip(db, cache, reads, public_url))]
pub async fn event(
    db: &DatabaseConnection,
    cache: &FeedCache,
    reads: &EventReads,
    public_url: &str,
    key: &str,
    organiser: bool,
) -> ApiResult<FeedAnswer> {
    let event = reads.find_visible(db, key, organiser).await?;
    let id = FeedId::Event(event.id);
    let fingerprint = fingerprint_of(event.version);
    let feed = match cache.get(id, fingerprint) {
        Some(feed) => feed,
        None => {
            let entries = calendar_entries::current(db, &event).await?;
            let url = ics::event_url(&event, public_url);
            render_and_keep(cache, id, fingerprint, || Calendar {
                name: event.title.clone(),
                timezone: ics::event_tz(&event),
                method: Method::Publish,
                refresh_minutes: EVENT_REFRESH_MINUTES,
                items: entries
                    .iter()
                    .map(|entry| calendar_entries::item_of(entry, Some(url.clone())))
                    .collect(),
            })
        }
    };
    Ok(FeedAnswer {
        feed,
        filename: format!("{}.ics", event.slug),
        public: event.status != EventStatus::Draft,
    })
}

/// The registration behind a manage token.
async fn registration_by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> ApiResult<registration::Model> {
    registration::Entity::find()
        .filter(crate::services::registrations::with_token(token))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))
}

async fn event_by_id(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<event::Model> {
    event::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("event"))
}

/// An attendee's feed: the event as they hold it (see [`ics::registration_item`]), under the
/// same UID as the attendee's mails. Three queries on a hit, four on a miss.
#[tracing::instrument(skip_all)]
pub async fn registration(
    db: &DatabaseConnection,
    cache: &FeedCache,
    public_url: &str,
    token: &str,
) -> ApiResult<FeedAnswer> {
    let registration = registration_by_token(db, token).await?;
    let event = event_by_id(db, registration.event_id).await?;
    let id = FeedId::Registration(registration.id);
    let fingerprint = fingerprint_of((
        event.version,
        registration.sequence,
        registration.status.to_value(),
        registration.updated_at,
        registration.erased_at,
    ));
    let feed = match cache.get(id, fingerprint) {
        Some(feed) => feed,
        None => {
            let own = calendar_entries::own_entries(db, std::slice::from_ref(&event)).await?;
            render_and_keep(cache, id, fingerprint, || Calendar {
                name: event.title.clone(),
                timezone: ics::event_tz(&event),
                method: Method::Publish,
                refresh_minutes: EVENT_REFRESH_MINUTES,
                items: vec![ics::registration_item(
                    &event,
                    own.first(),
                    &registration,
                    public_url,
                )],
            })
        }
    };
    Ok(FeedAnswer {
        feed,
        filename: format!("{}-registration.ics", event.slug),
        public: false,
    })
}

/// A presenter's feed: the event and their pitch's entry, as the event's feed shows it: in its
/// slot, or cancelled once it lost the slot; a pitch never scheduled has no entry.
#[tracing::instrument(skip_all)]
pub async fn pitch(
    db: &DatabaseConnection,
    cache: &FeedCache,
    public_url: &str,
    token: &str,
) -> ApiResult<FeedAnswer> {
    let pitch = pitch::Entity::find()
        .filter(crate::services::pitches::with_token(token))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("pitch"))?;
    let event = event_by_id(db, pitch.event_id).await?;
    let id = FeedId::Pitch(pitch.id);
    // Slot moves and assignments bump the event's version; the pitch's own fields cover edits
    // that are not programme changes.
    let fingerprint = fingerprint_of((
        event.version,
        pitch.sequence,
        pitch.status.to_value(),
        pitch.updated_at,
    ));
    let feed = match cache.get(id, fingerprint) {
        Some(feed) => feed,
        None => {
            let entries = calendar_entries::current(db, &event).await?;
            let url = ics::event_url(&event, public_url);
            let own = [ics::event_uid(&event), ics::pitch_uid(&pitch)];
            render_and_keep(cache, id, fingerprint, || Calendar {
                name: format!("{}: {}", event.title, pitch.title),
                timezone: ics::event_tz(&event),
                method: Method::Publish,
                refresh_minutes: EVENT_REFRESH_MINUTES,
                items: entries
                    .iter()
                    .filter(|entry| own.contains(&entry.uid))
                    .map(|entry| calendar_entries::item_of(entry, Some(url.clone())))
                    .collect(),
            })
        }
    };
    Ok(FeedAnswer {
        feed,
        filename: format!("{}-pitch.ics", event.slug),
        public: false,
    })
}
#[cfg(test)]
mod tests {
    use super::*;

    fn feed(size: usize) -> Arc<RenderedFeed> {
        Arc::new(RenderedFeed {
            body: Bytes::from(vec![b'x'; size]),
            etag: "\"x\"".to_owned(),
            last_modified: None,
        })
    }

    #[test]
    fn an_entry_is_served_only_for_its_fingerprint() {
        let cache = FeedCache::default();
        let id = FeedId::Event(Uuid::nil());
        cache.put(id, 1, feed(10));
        assert!(cache.get(id, 1).is_some());
        assert!(cache.get(id, 2).is_none());
        cache.put(id, 2, feed(10));
        assert!(cache.get(id, 1).is_none());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_least_recently_used_entry_is_evicted_when_full() {
        let cache = FeedCache::new(2, usize::MAX);
        let (a, b, c) = (
            FeedId::Pitch(Uuid::from_u128(1)),
            FeedId::Pitch(Uuid::from_u128(2)),
            FeedId::Pitch(Uuid::from_u128(3)),
        );
        cache.put(a, 0, feed(1));
        cache.put(b, 0, feed(1));
        assert!(cache.get(a, 0).is_some());
        cache.put(c, 0, feed(1));
        assert_eq!(cache.len(), 2);
        assert!(cache.get(a, 0).is_some());
        assert!(cache.get(b, 0).is_none());
        assert!(cache.get(c, 0).is_some());
    }

    #[test]
    fn the_byte_budget_bounds_the_cache() {
        let cache = FeedCache::new(100, 25);
        for n in 0..10u128 {
            cache.put(FeedId::Registration(Uuid::from_u128(n)), 0, feed(10));
        }
        assert_eq!(cache.len(), 2);
        cache.put(FeedId::AllEvents, 0, feed(26));
        assert!(cache.get(FeedId::AllEvents, 0).is_none());
    }
}
