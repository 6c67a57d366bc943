//! What every handler may reach: the services' [`Ctx`] plus the caches, limits and tables the
//! HTTP edge and the pages keep. Built once by `startup`, shared by every worker as
//! `web::Data<AppState>`.
use std::ops::Deref;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::http::{auth::TokenCache, rate_limit::Limiter, routes::Route};
use crate::mail::MailSignal;
use crate::services::{self, read_cache, Ctx};
use crate::{db, pages, routes};

/// Connections of the registration desk's own pool (PostgreSQL): it runs one batch at a time,
/// and one more for the one-by-one retry of a failed batch.
const DESK_CONNECTIONS: u32 = 2;

pub struct AppState {
    /// The database, the settings, the public URL and the mail wake-up, as services take them.
    pub ctx: Ctx,
    /// Every route's path template and methods, to tell a 405 from a 404 and to answer `HEAD`.
    pub routes: Vec<Route>,
    /// Commits registrations that arrive together in one transaction.
    pub desk: services::desk::Desk,
    /// Public `POST`s per client address; `None` when the limit is off.
    pub limiter: Option<Limiter>,
    /// Public pitch and exhibit submissions per client address and hour; `None` when off.
    pub submissions: Option<Limiter>,
    /// Backoffice sign-in links asked for per client address and hour
    /// ([`services::sign_in_links::REQUESTS_PER_CLIENT_HOUR`]).
    pub sign_in_links: Option<Limiter>,
    /// Rendered calendar feeds, keyed by the version of the data they show.
    pub feeds: services::feeds::FeedCache,
    /// Bumped after every request that may have written (see [`read_cache`]).
    pub write_epoch: read_cache::WriteEpoch,
    /// Recent event rows for the feeds and the schedule, checked against `write_epoch`.
    pub reads: read_cache::EventReads,
    /// Organisers recently found by their bearer token.
    pub tokens: TokenCache,
    /// Rendered public event pages (see [`crate::pages`]).
    pub pages: pages::PageCache,
    /// Rendered attendee pages, checked against `write_epoch` (see [`pages::AttendeePages`]).
    pub attendee_pages: pages::AttendeePages,
    /// Serialised event JSON answers (`GET /api/v1/events/{event}`).
    pub event_json: routes::events::EventJsonCache,
    /// The organisation's settings, as pages and new events read them (see
    /// [`services::organisation`]).
    pub organisation: services::organisation::OrganisationCache,
    /// Recent storage failures, for `/readyz`.
    pub storage: crate::http::storage::StorageHealth,
}

/// Handlers hand `&state` to services, which take `&Ctx`; `state.db` reads as before.
impl Deref for AppState {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}

impl AppState {
    /// The state of one instance: starts the registration desk (on PostgreSQL with a pool of
    /// its own) and sets up empty caches and the rate limits the settings ask for.
    pub async fn build(
        settings: Arc<Settings>,
        db: DatabaseConnection,
        public_url: String,
        mail_signal: MailSignal,
        webhook_signal: crate::webhooks::WebhookSignal,
        write_epoch: read_cache::WriteEpoch,
        routes: Vec<Route>,
    ) -> anyhow::Result<Self> {
        // The registration desk's own connections, so a batch never waits behind the reads for
        // a connection; on SQLite it shares the pool.
        let desk_db = if db::is_postgres(&db) {
            db::connect(settings.database_url(), DESK_CONNECTIONS).await?
        } else {
            db.clone()
        };
        let desk = services::desk::Desk::start(
            desk_db,
            public_url.clone(),
            mail_signal.clone(),
            webhook_signal.clone(),
        );
        let proxy_header = settings.trusted_proxy_header.as_deref();
        Ok(Self {
            limiter: Limiter::new(settings.rate_limit, proxy_header),
            submissions: Limiter::per_hour(settings.submission_limit, proxy_header),
            sign_in_links: Limiter::per_hour(
                services::sign_in_links::REQUESTS_PER_CLIENT_HOUR,
                proxy_header,
            ),
            desk,
            routes,
            feeds: services::feeds::FeedCache::default(),
            reads: read_cache::EventReads::new(write_epoch.clone()),
            organisation: services::organisation::OrganisationCache::new(write_epoch.clone()),
            write_epoch,
            tokens: TokenCache::default(),
            pages: pages::PageCache::default(),
            attendee_pages: pages::AttendeePages::default(),
            event_json: routes::events::EventJsonCache::default(),
            storage: crate::http::storage::StorageHealth::default(),
            ctx: Ctx {
                db,
                settings,
                public_url,
                mail_signal,
                webhook_signal,
            },
        })
    }
}
