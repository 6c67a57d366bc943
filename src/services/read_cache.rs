//! Short-lived copies of the event rows the hot read paths start from (calendar feeds, the
//! schedule, and the public registration's first look at its event), and of an event's
//! registration questions (which every registration is checked against), so they need no
//! database round trip of their own.
//!
//! Two rules keep them correct:
//! - A change made through this instance is visible at once. Every request that may write
//!   (any method but `GET`, `HEAD` and `OPTIONS`) bumps the [`WriteEpoch`] once its handler has
//!   run (`http::write_epoch`), and so does the maintenance sweep; a copy read at an older epoch is not used. The epoch
//!   is read before the query, so a copy can only be newer than its epoch says, never older.
//!   The one exception is a registration (`http::write_epoch::keep_reads`): it changes only the seat counts, and
//!   bumps only the epoch of the counts ([`WriteEpoch::seats`]).
//! - A change made through another instance on the same database is visible after at most
//!   [`EVENT_TTL`]: no copy is used longer than that.
//!
//! The counts in an event row (seats taken) change without a version bump, so answers that show
//! them take the row from [`EventReads::find_visible_counted`], which also checks the counts'
//! epoch: every write through this instance, registrations included, shows at once. The
//! registration path only uses its copy to find the event and turn away what is plainly closed,
//! and decides on the locked row.
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use entity::event::{self, EventStatus};
use entity::registration_question;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::services::{events, questions};

/// How long a copy read from the database may stand for the row: changes through another
/// instance show within this time.
pub const EVENT_TTL: Duration = Duration::from_secs(1);
/// How long others rely on a refresh in progress; a request that was dropped half way is
/// replaced after this.
const REFRESH_WAIT: Duration = Duration::from_secs(2);
/// Copies kept at most; only keys that named an event are kept, so this is about two per event.
const MAX_ENTRIES: usize = 4096;

/// Counts the writes made through this instance; shared by the request middleware, the
/// maintenance sweep and the caches that check it. Two counters: one of the writes that may
/// change anything ([`Self::current`]), and one of those plus the registrations, which change
/// only seat counts ([`Self::seats`]).
#[derive(Debug, Clone, Default)]
pub struct WriteEpoch(Arc<[AtomicU64; 2]>);

impl WriteEpoch {
    /// The count of writes that may have changed anything in a row.
    pub fn current(&self) -> u64 {
        self.0[0].load(Ordering::SeqCst)
    }

    /// The count of writes that may have changed a row's seat counts (every write, the
    /// registrations included): at least as often bumped as [`Self::current`].
    pub fn seats(&self) -> u64 {
        self.0[1].load(Ordering::SeqCst)
    }

    /// Marks that this instance has (possibly) written: every copy read before is stale.
    pub fn bump(&self) {
        self.0[0].fetch_add(1, Ordering::SeqCst);
        self.0[1].fetch_add(1, Ordering::SeqCst);
    }

    /// Marks that this instance has (possibly) changed seat counts and nothing else.
    pub fn bump_seats(&self) {
        self.0[1].fetch_add(1, Ordering::SeqCst);
    }

    fn stamp(&self) -> Stamp {
        // Each read before the query that the stamp goes with (see the module's rules).
        Stamp {
            rows: self.current(),
            seats: self.seats(),
        }
    }
}

/// The epochs a copy was read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    rows: u64,
    seats: u64,
}

impl Stamp {
    /// Whether a copy read at `self` may stand for the row at `now`; `counts`: the reader shows
    /// the seat counts.
    fn covers(self, now: Stamp, counts: bool) -> bool {
        self.rows == now.rows && (!counts || self.seats == now.seats)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum EventKey {
    Id(Uuid),
    Slug(String),
}

impl EventKey {
    /// As [`events::find`] reads the key: an id when it parses as one, else a slug.
    fn of(key: &str) -> Self {
        match Uuid::parse_str(key) {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Slug(key.to_owned()),
        }
    }
}

struct Recent<T> {
    value: T,
    stamp: Stamp,
    read_at: Instant,
    /// Since when a request is reading a fresh copy: until it is back (or gave up, see
    /// [`REFRESH_WAIT`]), the others keep using this one rather than all querying at once.
    refreshing: Option<Instant>,
}

impl<T: Clone> Recent<T> {
    fn usable(&self, stamp: Stamp, counts: bool, now: Instant) -> Option<T> {
        (self.stamp.covers(stamp, counts) && now.duration_since(self.read_at) < EVENT_TTL)
            .then(|| self.value.clone())
    }

    /// The copy to serve without a query: a fresh one, or an expired one of the current epoch
    /// while another request refreshes it. `None` tells the caller to read (and marks the
    /// refresh as taken). `counts`: the caller shows the seat counts.
    fn serve_or_refresh(&mut self, stamp: Stamp, counts: bool, now: Instant) -> Option<T> {
        if let Some(value) = self.usable(stamp, counts, now) {
            return Some(value);
        }
        let refreshing = self
            .refreshing
            .is_some_and(|since| now.duration_since(since) < REFRESH_WAIT);
        if self.stamp.covers(stamp, counts) && refreshing {
            return Some(self.value.clone());
        }
        self.refreshing = Some(now);
        None
    }
}

/// Recent copies by key, at most [`MAX_ENTRIES`]: the one way the event rows and the
/// questions are served, refreshed and kept.
struct Kept<K, T>(Mutex<HashMap<K, Recent<T>>>);

impl<K: std::hash::Hash + Eq, T: Clone> Kept<K, T> {
    fn new() -> Self {
        Self(Mutex::new(HashMap::new()))
    }

    /// [`Recent::serve_or_refresh`] of the copy under `key`; `None` (read it) when there is none.
    fn serve(&self, key: &K, stamp: Stamp, counts: bool, now: Instant) -> Option<T> {
        lock(&self.0)
            .get_mut(key)
            .and_then(|copy| copy.serve_or_refresh(stamp, counts, now))
    }

    /// The read that took the refresh found nothing to keep: the next request tries again.
    fn give_up(&self, key: &K) {
        if let Some(copy) = lock(&self.0).get_mut(key) {
            copy.refreshing = None;
        }
    }

    /// Keeps `value`, read at `stamp` and `now`; when full, drops what `current` no longer
    /// allows, or everything.
    fn keep(&self, key: K, value: T, stamp: Stamp, now: Instant, current: Stamp) {
        let mut copies = lock(&self.0);
        if copies.len() >= MAX_ENTRIES {
            copies.retain(|_, copy| copy.usable(current, false, now).is_some());
            if copies.len() >= MAX_ENTRIES {
                copies.clear();
            }
        }
        copies.insert(
            key,
            Recent {
                value,
                stamp,
                read_at: now,
                refreshing: None,
            },
        );
    }
}

/// An event's registration questions in the order the form asks them.
pub type Questions = Arc<Vec<registration_question::Model>>;

/// Recent copies of event rows by key (id or slug), of events' registration questions, and of
/// the all-events feed's fingerprint.
pub struct EventReads {
    epoch: WriteEpoch,
    events: Kept<EventKey, Arc<event::Model>>,
    questions: Kept<Uuid, Questions>,
    listed: Mutex<Option<Recent<u64>>>,
}

/// The event, or a 404 for an unknown key and, for the public, a draft.
fn visible(
    event: Option<Arc<event::Model>>,
    key: &str,
    organiser: bool,
) -> ApiResult<Arc<event::Model>> {
    match event {
        Some(event) if organiser || event.status != EventStatus::Draft => Ok(event),
        _ => Err(ApiError::event_not_found(key)),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every value in these maps is complete on its own: a panic elsewhere cannot leave one
    // half-written, so a poisoned lock is still fine to use.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl EventReads {
    pub fn new(epoch: WriteEpoch) -> Self {
        Self {
            epoch,
            events: Kept::new(),
            questions: Kept::new(),
            listed: Mutex::new(None),
        }
    }

    /// [`events::find_visible`] from a recent copy when there is one: the event, or a 404;
    /// drafts exist only for organisers. Its seat counts may be up to [`EVENT_TTL`] old even
    /// after a registration through this instance: for answers that do not show them.
    pub async fn find_visible(
        &self,
        db: &impl ConnectionTrait,
        key: &str,
        organiser: bool,
    ) -> ApiResult<Arc<event::Model>> {
        visible(self.find(db, key, false).await?, key, organiser)
    }

    /// As [`Self::find_visible`], for answers that show the seat counts: a registration
    /// through this instance shows at once, one through another within [`EVENT_TTL`].
    pub async fn find_visible_counted(
        &self,
        db: &impl ConnectionTrait,
        key: &str,
        organiser: bool,
    ) -> ApiResult<Arc<event::Model>> {
        visible(self.find(db, key, true).await?, key, organiser)
    }

    async fn find(
        &self,
        db: &impl ConnectionTrait,
        key: &str,
        counts: bool,
    ) -> ApiResult<Option<Arc<event::Model>>> {
        let event_key = EventKey::of(key);
        // Read before the query: a write committed after this point bumps it again.
        let stamp = self.epoch.stamp();
        let now = Instant::now();
        if let Some(event) = self.events.serve(&event_key, stamp, counts, now) {
            return Ok(Some(event));
        }
        let found = events::find(db, key).await;
        let Ok(Some(event)) = found else {
            // Nothing to keep: let the next request try again.
            self.events.give_up(&event_key);
            return found.map(|_| None).map_err(ApiError::from);
        };
        let event = Arc::new(event);
        self.events
            .keep(event_key, event.clone(), stamp, now, self.epoch.stamp());
        Ok(Some(event))
    }

    /// [`questions::list`] of the event from a recent copy when there is one, under the same
    /// rules as the event rows: a change through this instance shows at once, one through
    /// another within [`EVENT_TTL`]. Registrations check their answers against it. Each answer
    /// row keeps its question's words as asked, so within that second a registration through
    /// another instance may still answer a question just removed (kept as given) or not yet be
    /// asked one just added, as when the form was loaded before the change.
    pub async fn questions(
        &self,
        db: &impl ConnectionTrait,
        event_id: Uuid,
    ) -> ApiResult<Questions> {
        let stamp = self.epoch.stamp();
        let now = Instant::now();
        if let Some(asked) = self.questions.serve(&event_id, stamp, false, now) {
            return Ok(asked);
        }
        let asked = match questions::list(db, event_id).await {
            Ok(asked) => Arc::new(asked),
            Err(err) => {
                self.questions.give_up(&event_id);
                return Err(err);
            }
        };
        self.questions
            .keep(event_id, asked.clone(), stamp, now, self.epoch.stamp());
        Ok(asked)
    }

    /// A fingerprint `read` computes, reused under the same rules as the event copies.
    pub async fn listed_fingerprint<F>(&self, read: impl FnOnce() -> F) -> ApiResult<u64>
    where
        F: Future<Output = ApiResult<u64>>,
    {
        let stamp = self.epoch.stamp();
        let now = Instant::now();
        if let Some(fingerprint) = lock(&self.listed)
            .as_mut()
            .and_then(|copy| copy.serve_or_refresh(stamp, false, now))
        {
            return Ok(fingerprint);
        }
        let fingerprint = match read().await {
            Ok(fingerprint) => fingerprint,
            Err(err) => {
                if let Some(copy) = lock(&self.listed).as_mut() {
                    copy.refreshing = None;
                }
                return Err(err);
            }
        };
        *lock(&self.listed) = Some(Recent {
            value: fingerprint,
            stamp,
            read_at: now,
            refreshing: None,
        });
        Ok(fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_slugs_are_told_apart_as_events_find_does() {
        let id = Uuid::now_v7();
        assert_eq!(EventKey::of(&id.to_string()), EventKey::Id(id));
        assert_eq!(
            EventKey::of(&id.simple().to_string().to_uppercase()),
            EventKey::Id(id)
        );
        assert_eq!(
            EventKey::of("jahrestagung"),
            EventKey::Slug("jahrestagung".to_owned())
        );
    }

    fn at(rows: u64, seats: u64) -> Stamp {
        Stamp { rows, seats }
    }

    #[test]
    fn a_copy_is_used_only_at_its_epoch_and_within_the_ttl() {
        let now = Instant::now();
        let mut copy = Recent {
            value: 7u64,
            stamp: at(3, 5),
            read_at: now,
            refreshing: None,
        };
        assert_eq!(copy.usable(at(3, 5), false, now), Some(7));
        assert_eq!(copy.usable(at(4, 6), false, now), None);
        assert_eq!(copy.usable(at(3, 5), false, now + EVENT_TTL), None);
        // Expired: the first asker refreshes, the others keep the old copy meanwhile…
        assert_eq!(
            copy.serve_or_refresh(at(3, 5), false, now + EVENT_TTL),
            None
        );
        assert_eq!(
            copy.serve_or_refresh(at(3, 5), false, now + EVENT_TTL),
            Some(7)
        );
        // …but never across a local write.
        assert_eq!(
            copy.serve_or_refresh(at(4, 6), false, now + EVENT_TTL),
            None
        );
    }

    #[test]
    fn a_registration_since_the_copy_was_read_retires_it_only_for_answers_showing_counts() {
        let now = Instant::now();
        let mut copy = Recent {
            value: 7u64,
            stamp: at(3, 5),
            read_at: now,
            refreshing: None,
        };
        assert_eq!(copy.usable(at(3, 6), false, now), Some(7));
        assert_eq!(copy.usable(at(3, 6), true, now), None);
        assert_eq!(copy.usable(at(3, 5), true, now), Some(7));
        // An expired copy is not served to a reader of counts while another refreshes it, once
        // the counts may have changed.
        assert_eq!(copy.serve_or_refresh(at(3, 5), true, now + EVENT_TTL), None);
        assert_eq!(copy.serve_or_refresh(at(3, 6), true, now + EVENT_TTL), None);
        assert_eq!(
            copy.serve_or_refresh(at(3, 6), false, now + EVENT_TTL),
            Some(7)
        );
    }
}
