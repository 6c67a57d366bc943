//! Short-lived copies of the event rows the hot read paths start from (calendar feeds, the
//! schedule, and the public registration's first look at its event), so they need no database
//! round trip of their own.
//!
//! Two rules keep them correct:
//! - A change made through this instance is visible at once. Every request that may write
//!   (any method but `GET`, `HEAD` and `OPTIONS`) bumps the [`WriteEpoch`] once its handler has
//!   run, and so does the maintenance sweep; a copy read at an older epoch is not used. The epoch
//!   is read before the query, so a copy can only be newer than its epoch says, never older.
//!   The one exception is a registration ([`keep_reads`]): it changes only the seat counts.
//! - A change made through another instance on the same database is visible after at most
//!   [`EVENT_TTL`]: no copy is used longer than that.
//!
//! The counts in an event row (seats taken) change without a version bump and without an epoch
//! bump, so answers that show them read the row every time; the registration path only uses its
//! copy to find the event and turn away what is plainly closed, and decides on the locked row.
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web, HttpMessage, HttpRequest,
};
use entity::event::{self, EventStatus};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::services::events;

/// How long a copy read from the database may stand for the row: changes through another
/// instance show within this time.
pub const EVENT_TTL: Duration = Duration::from_secs(1);
/// How long others rely on a refresh in progress; a request that was dropped half way is
/// replaced after this.
const REFRESH_WAIT: Duration = Duration::from_secs(2);
/// Copies kept at most; only keys that named an event are kept, so this is about two per event.
const MAX_ENTRIES: usize = 4096;

/// Counts the writes made through this instance; shared by the request middleware, the
/// maintenance sweep and the caches that check it.
#[derive(Debug, Clone, Default)]
pub struct WriteEpoch(Arc<AtomicU64>);

impl WriteEpoch {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Marks that this instance has (possibly) written: every copy read before is stale.
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Bumps the epoch when dropped: after the handler ran, or when it was cancelled mid-way (a
/// client that hung up), since a transaction may have committed by then.
struct BumpOnDrop(Option<WriteEpoch>);

impl Drop for BumpOnDrop {
    fn drop(&mut self) {
        if let Some(epoch) = &self.0 {
            epoch.bump();
        }
    }
}

/// Marks a request whose writes leave every row these copies hold as it was (a registration
/// changes seat counts, which no cached answer shows): [`local_writes`] does not bump the epoch
/// for it, so a stream of registrations does not make the feeds re-read their event each time.
pub fn keep_reads(req: &HttpRequest) {
    req.extensions_mut().insert(KeepReads);
}

#[derive(Clone, Copy)]
struct KeepReads;

/// Middleware: bumps the [`WriteEpoch`] after every request that may have written, unless its
/// handler said [`keep_reads`].
pub async fn local_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let reads = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let epoch = (!reads)
        .then(|| {
            req.app_data::<web::Data<crate::startup::AppState>>()
                .map(|state| state.write_epoch.clone())
        })
        .flatten();
    let mut bump = BumpOnDrop(epoch);
    let response = next.call(req).await;
    if let Ok(res) = &response {
        if res.request().extensions().contains::<KeepReads>() {
            bump.0 = None;
        }
    }
    response
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
    epoch: u64,
    read_at: Instant,
    /// Since when a request is reading a fresh copy: until it is back (or gave up, see
    /// [`REFRESH_WAIT`]), the others keep using this one rather than all querying at once.
    refreshing: Option<Instant>,
}

impl<T: Clone> Recent<T> {
    fn usable(&self, epoch: u64, now: Instant) -> Option<T> {
        (self.epoch == epoch && now.duration_since(self.read_at) < EVENT_TTL)
            .then(|| self.value.clone())
    }

    /// The copy to serve without a query: a fresh one, or an expired one of the current epoch
    /// while another request refreshes it. `None` tells the caller to read (and marks the
    /// refresh as taken).
    fn serve_or_refresh(&mut self, epoch: u64, now: Instant) -> Option<T> {
        if let Some(value) = self.usable(epoch, now) {
            return Some(value);
        }
        let refreshing = self
            .refreshing
            .is_some_and(|since| now.duration_since(since) < REFRESH_WAIT);
        if self.epoch == epoch && refreshing {
            return Some(self.value.clone());
        }
        self.refreshing = Some(now);
        None
    }
}

/// Recent copies of event rows by key (id or slug), and of the all-events feed's fingerprint.
pub struct EventReads {
    epoch: WriteEpoch,
    events: Mutex<HashMap<EventKey, Recent<Arc<event::Model>>>>,
    listed: Mutex<Option<Recent<u64>>>,
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
            events: Mutex::new(HashMap::new()),
            listed: Mutex::new(None),
        }
    }

    /// [`events::find_visible`] from a recent copy when there is one: the event, or a 404;
    /// drafts exist only for organisers.
    pub async fn find_visible(
        &self,
        db: &impl ConnectionTrait,
        key: &str,
        organiser: bool,
    ) -> ApiResult<Arc<event::Model>> {
        let event = self.find(db, key).await?;
        match event {
            Some(event) if organiser || event.status != EventStatus::Draft => Ok(event),
            _ => Err(ApiError::event_not_found(key)),
        }
    }

    async fn find(
        &self,
        db: &impl ConnectionTrait,
        key: &str,
    ) -> ApiResult<Option<Arc<event::Model>>> {
        let event_key = EventKey::of(key);
        // Read before the query: a write committed after this point bumps it again.
        let epoch = self.epoch.current();
        let now = Instant::now();
        if let Some(copy) = lock(&self.events).get_mut(&event_key) {
            if let Some(event) = copy.serve_or_refresh(epoch, now) {
                return Ok(Some(event));
            }
        }
        let found = events::find(db, key).await;
        let Ok(Some(event)) = found else {
            // Nothing to keep: let the next request try again.
            if let Some(copy) = lock(&self.events).get_mut(&event_key) {
                copy.refreshing = None;
            }
            return found.map(|_| None).map_err(ApiError::from);
        };
        let event = Arc::new(event);
        let mut copies = lock(&self.events);
        if copies.len() >= MAX_ENTRIES {
            let current = self.epoch.current();
            copies.retain(|_, copy| copy.usable(current, now).is_some());
            if copies.len() >= MAX_ENTRIES {
                copies.clear();
            }
        }
        copies.insert(
            event_key,
            Recent {
                value: event.clone(),
                epoch,
                read_at: now,
                refreshing: None,
            },
        );
        Ok(Some(event))
    }

    /// A fingerprint `read` computes, reused under the same rules as the event copies.
    pub async fn listed_fingerprint<F>(&self, read: impl FnOnce() -> F) -> ApiResult<u64>
    where
        F: Future<Output = ApiResult<u64>>,
    {
        let epoch = self.epoch.current();
        let now = Instant::now();
        if let Some(fingerprint) = lock(&self.listed)
            .as_mut()
            .and_then(|copy| copy.serve_or_refresh(epoch, now))
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
            epoch,
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

    #[test]
    fn a_copy_is_used_only_at_its_epoch_and_within_the_ttl() {
        let now = Instant::now();
        let mut copy = Recent {
            value: 7u64,
            epoch: 3,
            read_at: now,
            refreshing: None,
        };
        assert_eq!(copy.usable(3, now), Some(7));
        assert_eq!(copy.usable(4, now), None);
        assert_eq!(copy.usable(3, now + EVENT_TTL), None);
        // Expired: the first asker refreshes, the others keep the old copy meanwhile…
        assert_eq!(copy.serve_or_refresh(3, now + EVENT_TTL), None);
        assert_eq!(copy.serve_or_refresh(3, now + EVENT_TTL), Some(7));
        // …but never across a local write.
        assert_eq!(copy.serve_or_refresh(4, now + EVENT_TTL), None);
    }

    #[test]
    fn the_epoch_grows_with_each_bump_and_on_drop_of_the_guard() {
        let epoch = WriteEpoch::default();
        assert_eq!(epoch.current(), 0);
        epoch.bump();
        drop(BumpOnDrop(Some(epoch.clone())));
        drop(BumpOnDrop(None));
        assert_eq!(epoch.current(), 2);
    }
}
