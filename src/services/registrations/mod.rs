//! Attendee registrations: seats, the waitlist, the registration desk and self-service.
//!
//! Where each concern lives:
//! - [`seats`]: the seat rules. Capacity, unconfirmed holds (double opt-in) and their expiry,
//!   the per-mailbox limits, giving a seat back and promoting from the waitlist, and the event
//!   row lock every change of a seat count takes first.
//! - [`desk`]: the registration desk, the one write path of new registrations. Requests arriving
//!   together are committed together (one lock, a few statements, one commit per batch).
//! - [`self_service`]: one registration by its manage token or id: confirm (double opt-in),
//!   cancel, erase (GDPR Art. 17), the check-in flag.
//! - [`list`]: the organisers' attendee list and CSV rows: filters, sort, keyset cursor.
//! - [`mail`]: the notices mailed when a registration's state changes.
//! - [`sql`]: the one seam to the databases: where SQLite and PostgreSQL need different SQL,
//!   the rules ask a `Dialect`, and each database's SQL sits in a file of its own.
//!
//! This module holds what they share (the shape of a new registration, its links and
//! constants) and re-exports the public API, so callers write `registrations::confirm(..)`.
use entity::registration::{self, Language, RegistrationStatus, Sector};
use sea_orm::{ColumnTrait, Condition};

use crate::domain::{
    token::{self, Kind},
    EmailAddress,
};
use crate::services::questions;

pub mod desk;
pub mod edit;
pub mod export;
pub mod list;
mod mail;
pub mod resend;
pub mod seats;
pub mod self_service;
mod sql;

pub use desk::{register_batch, Desk, Desked, Keyed};
pub use list::{
    list, list_all, waitlist_positions, After, ListFilter, ListPage, Listed, Sort, SortKey,
};
pub use seats::{check_open, expire_holds, promote_waitlisted, MailboxUsage};
pub use self_service::{
    cancel, change_by_token, confirm, erase_attendee, erase_by_id, erase_by_token, erase_own,
    find_by_id, find_by_token, forget_records, report_check_in, set_checked_in, Change,
};

/// How long an unconfirmed (double opt-in) registration holds its seat unless the event says
/// otherwise (`events.hold_hours`).
pub const HOLD_HOURS: i64 = 48;
/// Active registrations of one mailbox per event unless the event says otherwise.
pub const MAILBOX_REGISTRATIONS_MAX: i32 = 1;
/// Unconfirmed holds of one mailbox per event unless the event says otherwise.
pub const MAILBOX_HOLDS_MAX: i32 = 1;
pub const NAME_MAX: usize = 200;
pub const ORGANISATION_MAX: usize = 200;

/// The statuses that hold a seat or a place on the waitlist.
pub const ACTIVE: [RegistrationStatus; 3] = [
    RegistrationStatus::Confirmed,
    RegistrationStatus::Pending,
    RegistrationStatus::Waitlisted,
];

/// A registration as the attendee sent it, every field checked.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub name: String,
    pub email: EmailAddress,
    pub organisation: String,
    pub sector: Sector,
    pub language: Language,
    /// Answers to the event's registration questions, checked against them
    /// (`questions::check_answers`); written in the registration's transaction.
    pub answers: Vec<questions::GivenAnswer>,
}

/// A registration and, while it waits, its place on the waitlist (1 = next).
#[derive(Debug, Clone)]
pub struct Registered {
    pub registration: registration::Model,
    pub waitlist_position: Option<i64>,
}

/// The manage token of a registration (derived, never stored: see `domain::token`).
pub fn manage_token(registration: &registration::Model) -> String {
    token::derive(Kind::Registration, registration.id)
}

/// The attendee's page (`crate::pages`), where every attendee mail links.
pub fn manage_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/registrations/{token}")
}

/// The registration as JSON (`GET /api/v1/registrations/{token}`).
pub fn api_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/api/v1/registrations/{token}")
}

/// The attendee's personal iCalendar feed.
pub fn calendar_url(public_url: &str, token: &str) -> String {
    format!("{}/calendar.ics", api_url(public_url, token))
}

/// The registration a manage token opens: a derived token by its id, a token from before
/// tokens were derived by its hash; never an erased registration.
pub fn with_token(token: &str) -> Condition {
    let mut any =
        Condition::any().add(registration::Column::ManageTokenHash.eq(token::hash(token)));
    if let Some(id) = token::verify(Kind::Registration, token) {
        any = any.add(registration::Column::Id.eq(id));
    }
    Condition::all()
        .add(any)
        .add(registration::Column::ErasedAt.is_null())
}
