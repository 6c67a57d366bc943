//! The attendee pages (`GET /registrations/{token}`) kept rendered for a moment, so a page
//! opened again and again (a reload at the door, a mail client's preview, a look at the
//! waiting list) needs neither a database round trip nor a fresh QR code.
//!
//! A kept page stands for its registration only while all of these hold:
//! - no write went through this instance since it was read: the [`WriteEpoch`]'s
//!   [`current`](WriteEpoch::current) count is the one read before the query. Every write but
//!   a new registration moves it; a new registration changes no other attendee's page (it joins
//!   the end of the waiting list) and only moves [`WriteEpoch::seats`], so a stream of them
//!   leaves the pages in place;
//! - it is younger than [`EVENT_TTL`]: a change through another instance on the same database
//!   shows within that time, the rule of [`crate::services::read_cache`];
//! - a pending hold it shows has not ended: from then on the page says "expired" by the clock
//!   alone, with no write at all.
//!
//! A token that opens nothing (unknown, or erased) is kept as such under the same rules, so a
//! stream of requests for it does not reach the database either. Entries are keyed by the
//! token's SHA-256, the hash the database stores ([`token::hash`] is its hex), not by the
//! token.
//!
//! The map is a [`quick_cache`] rather than the `Mutex<HashMap>` of `read_cache` and the event
//! pages: it is bounded by bytes ([`BYTES_MAX`]) and evicts one entry at a time (S3-FIFO, which
//! drops a token asked once before a page people come back to), where those maps are dropped
//! whole when full, and a door with hundreds of attendees would keep emptying this one. Its
//! `entry_async` checks an entry and, when it no longer stands, hands out one loader's guard
//! while other requests for the same token wait for its page ([`AttendeePages::page`]), where
//! `read_cache` serves the old copy meanwhile: a page past its hold's end must not be served.
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use quick_cache::sync::{Cache, EntryAction, EntryResult};
use quick_cache::Weighter;

use crate::domain::time;
use crate::domain::token;
use crate::error::{ApiError, ApiResult};
use crate::services::read_cache::{WriteEpoch, EVENT_TTL};

/// Bytes of pages kept at most (a confirmed attendee's page with its QR code is about 13 KB,
/// so some 300 pages): each lives about a second, so these are the pages opened in the last
/// second or two.
pub const BYTES_MAX: u64 = 4 * 1024 * 1024;
/// Pages the map is sized for at first.
const PAGES_EXPECTED: usize = 256;
/// What an entry costs beside its key and body (the entry, the map's slot), counted in its
/// weight so that kept 404s are bounded too.
const ENTRY_OVERHEAD: usize = 128;
/// How long a request waits for another one loading the same page before it reads alone.
const LOAD_WAIT: Duration = Duration::from_secs(1);

/// A page just rendered from the database, as [`AttendeePages`] keeps it.
pub struct Fresh {
    /// The whole HTML body.
    pub body: Bytes,
    /// The end of a pending hold the page shows as still running; `None` when it shows none.
    pub hold_ends: Option<DateTime<Utc>>,
}

/// When a read began, taken before its query: what the query finds is at least this new.
#[derive(Debug, Clone, Copy)]
pub struct ReadStart {
    epoch: u64,
    at: Instant,
}

impl ReadStart {
    pub fn now(epoch: &WriteEpoch) -> Self {
        Self {
            epoch: epoch.current(),
            at: Instant::now(),
        }
    }
}

/// A kept page, or the absence of one, and what it may stand for.
#[derive(Debug)]
struct Kept {
    /// The page's body; `None`: the token opens no registration (a 404).
    page: Option<Bytes>,
    read: ReadStart,
    hold_ends: Option<DateTime<Utc>>,
}

impl Kept {
    /// What a load's outcome leaves to keep: a page, or a 404; nothing for other errors (a
    /// database that failed once should be asked again).
    fn of(read: ReadStart, outcome: Result<&Fresh, &ApiError>) -> Option<Self> {
        match outcome {
            Ok(fresh) => Some(Self {
                page: Some(fresh.body.clone()),
                read,
                hold_ends: fresh.hold_ends,
            }),
            Err(ApiError::NotFound(_)) => Some(Self {
                page: None,
                read,
                hold_ends: None,
            }),
            Err(_) => None,
        }
    }

    /// Whether it may stand for the registration when the instance's write count is `epoch`,
    /// the monotonic clock says `now` and the wall clock `wall()` (the module's three rules).
    fn usable(&self, epoch: u64, now: Instant, wall: impl FnOnce() -> DateTime<Utc>) -> bool {
        self.read.epoch == epoch
            && now.saturating_duration_since(self.read.at) < EVENT_TTL
            && self.hold_ends.is_none_or(|end| wall() < end)
    }

    fn usable_now(&self, epoch: &WriteEpoch) -> bool {
        self.usable(epoch.current(), Instant::now(), time::now)
    }

    /// The body, or the 404 the page shows today for a token that opens nothing.
    fn answer(&self) -> ApiResult<Bytes> {
        self.page
            .clone()
            .ok_or_else(|| ApiError::not_found("registration"))
    }
}

/// Weighs an entry by the bytes it holds.
#[derive(Debug, Clone, Copy)]
struct ByBytes;

/// The key of a token's page: its SHA-256, as bytes.
type Key = [u8; 32];

fn key(token: &str) -> Key {
    token::digest(token)
}

impl Weighter<Key, Arc<Kept>> for ByBytes {
    fn weight(&self, key: &Key, kept: &Arc<Kept>) -> u64 {
        let body = kept.page.as_ref().map_or(0, Bytes::len);
        (key.len() + ENTRY_OVERHEAD + body) as u64
    }
}

/// Rendered attendee pages by the hash of their token (see the module's rules).
pub struct AttendeePages {
    pages: Cache<Key, Arc<Kept>, ByBytes>,
}

impl Default for AttendeePages {
    fn default() -> Self {
        Self::with_budget(BYTES_MAX)
    }
}

impl AttendeePages {
    /// Keeps at most `bytes` of pages (keys and overhead included).
    fn with_budget(bytes: u64) -> Self {
        Self {
            pages: Cache::with_weighter(PAGES_EXPECTED, bytes, ByBytes),
        }
    }

    /// The page of `token`: the kept one while it stands for the registration, else the one
    /// `load` renders (kept for the next request). `load` runs only on a miss, and for one
    /// request per token at a time: the others wait for its page (up to [`LOAD_WAIT`], then
    /// they read alone). An error of `load` is returned as it is; a 404 is kept as one.
    pub async fn page(
        &self,
        epoch: &WriteEpoch,
        token: &str,
        load: impl Future<Output = ApiResult<Fresh>>,
    ) -> ApiResult<Bytes> {
        let key = key(token);
        if let Some(kept) = self.pages.get(&key) {
            if kept.usable_now(epoch) {
                return kept.answer();
            }
        }
        let entry = self.pages.entry_async(&key, |_, kept| {
            if kept.usable_now(epoch) {
                EntryAction::Retain(kept.clone())
            } else {
                EntryAction::ReplaceWithGuard
            }
        });
        let guard = match tokio::time::timeout(LOAD_WAIT, entry).await {
            Ok(EntryResult::Retained(kept)) => return kept.answer(),
            Ok(EntryResult::Vacant(guard) | EntryResult::Replaced(guard, _)) => Some(guard),
            // `Removed` and `Timeout` are not answers to these actions without a timeout; a
            // load elsewhere that takes too long (`Err`): read alone, keep nothing.
            Ok(EntryResult::Removed(..) | EntryResult::Timeout) | Err(_) => None,
        };
        let read = ReadStart::now(epoch);
        let outcome = load.await;
        if let (Some(guard), Some(kept)) = (guard, Kept::of(read, outcome.as_ref())) {
            // Fails only when a fresher page took the slot meanwhile (see `keep`).
            let _ = guard.insert(Arc::new(kept));
        }
        outcome.map(|fresh| fresh.body)
    }

    /// Keeps what a read of `token` begun at `read` found, past the map (a request that must
    /// see the database, e.g. right after the attendee's own action), for the next request.
    pub fn keep(&self, token: &str, read: ReadStart, outcome: Result<&Fresh, &ApiError>) {
        if let Some(kept) = Kept::of(read, outcome) {
            self.pages.insert(key(token), Arc::new(kept));
        }
    }

    /// How many pages (and 404s) are kept.
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// The bytes kept, as [`BYTES_MAX`] counts them.
    pub fn bytes(&self) -> u64 {
        self.pages.weight()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn fresh(body: &str, hold_ends: Option<DateTime<Utc>>) -> Fresh {
        Fresh {
            body: Bytes::copy_from_slice(body.as_bytes()),
            hold_ends,
        }
    }

    fn kept(epoch: u64, at: Instant, hold_ends: Option<DateTime<Utc>>) -> Kept {
        Kept::of(ReadStart { epoch, at }, Ok(&fresh("page", hold_ends))).expect("a page is kept")
    }

    #[test]
    fn a_page_stands_only_at_its_epoch_within_the_ttl_and_before_its_hold_ends() {
        let at = Instant::now();
        let wall = time::now();
        let page = kept(3, at, None);
        assert!(page.usable(3, at, || wall));
        assert!(page.usable(3, at + EVENT_TTL - Duration::from_millis(1), || wall));
        assert!(
            !page.usable(4, at, || wall),
            "a write through this instance"
        );
        assert!(
            !page.usable(3, at + EVENT_TTL, || wall),
            "older than the TTL"
        );

        let ends = wall + chrono::Duration::milliseconds(300);
        let held = kept(3, at, Some(ends));
        assert!(held.usable(3, at, || wall));
        assert!(!held.usable(3, at, || ends), "the hold has ended");
        assert!(!held.usable(4, at, || wall));
    }

    #[test]
    fn pages_are_keyed_by_the_hash_the_database_stores_for_the_token() {
        let token = "AaIr162ddbSBQfQlGJvM_32sxmfKcv2pTxiwUPxG1hI";
        assert_eq!(hex::encode(key(token)), crate::domain::token::hash(token));
    }

    #[test]
    fn a_404_is_kept_as_one_and_other_failures_not_at_all() {
        let read = ReadStart::now(&WriteEpoch::default());
        let gone =
            Kept::of(read, Err(&ApiError::not_found("registration"))).expect("a 404 is kept");
        assert!(matches!(gone.answer(), Err(ApiError::NotFound(_))));
        assert!(Kept::of(read, Err(&ApiError::Unavailable("busy".into()))).is_none());
        assert!(Kept::of(read, Err(&ApiError::Internal(anyhow::anyhow!("x")))).is_none());
    }

    /// A loader that counts its runs and answers `body` after `delay`.
    async fn counted(runs: &AtomicUsize, body: &str, delay: Duration) -> ApiResult<Fresh> {
        runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(delay).await;
        Ok(fresh(body, None))
    }

    #[tokio::test]
    async fn a_kept_page_is_served_until_a_write_through_this_instance() {
        let pages = AttendeePages::default();
        let epoch = WriteEpoch::default();
        let runs = AtomicUsize::new(0);
        for _ in 0..3 {
            let body = pages
                .page(&epoch, "tok", counted(&runs, "one", Duration::ZERO))
                .await
                .unwrap();
            assert_eq!(body, "one");
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // A new registration (seats only) leaves it; any other write retires it.
        epoch.bump_seats();
        let body = pages
            .page(&epoch, "tok", counted(&runs, "two", Duration::ZERO))
            .await;
        assert_eq!(body.unwrap(), "one");
        epoch.bump();
        let body = pages
            .page(&epoch, "tok", counted(&runs, "two", Duration::ZERO))
            .await;
        assert_eq!(body.unwrap(), "two");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        // Another token is another page.
        let other = pages
            .page(&epoch, "other", counted(&runs, "three", Duration::ZERO))
            .await;
        assert_eq!(other.unwrap(), "three");
    }

    #[tokio::test]
    async fn requests_for_a_page_nobody_keeps_load_it_once() {
        let pages = AttendeePages::default();
        let epoch = WriteEpoch::default();
        let runs = AtomicUsize::new(0);
        let all = futures_util::future::join_all((0..8).map(|_| {
            pages.page(
                &epoch,
                "tok",
                counted(&runs, "page", Duration::from_millis(50)),
            )
        }))
        .await;
        assert!(all
            .iter()
            .all(|body| body.as_ref().is_ok_and(|b| b == "page")));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_load_is_not_kept_and_the_next_request_reads_again() {
        let pages = AttendeePages::default();
        let epoch = WriteEpoch::default();
        let failed = pages
            .page(&epoch, "tok", async {
                Err(ApiError::Unavailable("busy".into()))
            })
            .await;
        assert!(matches!(failed, Err(ApiError::Unavailable(_))));
        assert!(pages.is_empty());
        let runs = AtomicUsize::new(0);
        let body = pages
            .page(&epoch, "tok", counted(&runs, "page", Duration::ZERO))
            .await;
        assert_eq!(body.unwrap(), "page");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_page_read_past_the_map_replaces_the_kept_one() {
        let pages = AttendeePages::default();
        let epoch = WriteEpoch::default();
        let runs = AtomicUsize::new(0);
        pages
            .page(&epoch, "tok", counted(&runs, "old", Duration::ZERO))
            .await
            .unwrap();
        pages.keep("tok", ReadStart::now(&epoch), Ok(&fresh("new", None)));
        let body = pages
            .page(&epoch, "tok", counted(&runs, "loaded", Duration::ZERO))
            .await;
        assert_eq!(body.unwrap(), "new");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_pages_kept_stay_within_their_byte_budget() {
        let budget = 256 * 1024;
        let pages = AttendeePages::with_budget(budget);
        let body = "x".repeat(13 * 1024);
        for n in 0..200 {
            pages.keep(
                &format!("token-{n}"),
                ReadStart::now(&WriteEpoch::default()),
                Ok(&fresh(&body, None)),
            );
        }
        assert!(pages.bytes() <= budget, "{} bytes kept", pages.bytes());
        assert!(
            pages.len() > 5 && pages.len() < 200,
            "{} pages",
            pages.len()
        );
    }
}
