//! An event as organisers describe it, validated.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::text::Validator;
use super::{EmailAddress, Slug};

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 10_000;
pub const VENUE_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;
/// Longest organiser name, in characters.
pub const ORGANISER_NAME_MAX: usize = 200;
pub const CAPACITY_MAX: i32 = 1_000_000;

/// A new event, every field checked.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub title: String,
    /// `None`: made from the title. Checked by [`Slug::parse`] (a plain `String` so tools and
    /// tests can build one).
    pub slug: Option<String>,
    pub description: String,
    pub venue: String,
    pub address: String,
    pub timezone: Tz,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub waitlist: bool,
    pub registration_opens_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
    pub require_email_confirmation: bool,
    pub exhibit_capacity: Option<i32>,
    /// Checked by [`Slug::parse`].
    pub series: Option<String>,
    /// Who mails about the event are from; empty: the sender (`MAIL_FROM`).
    pub organiser_name: String,
    /// The organiser's contact address (Reply-To, iTIP ORGANIZER); empty: the sender's.
    pub organiser_email: String,
    pub limits: MailboxLimits,
}

/// Per event: how much one mailbox may hold (counted by its canonical key,
/// `EmailAddress::mailbox`) and how long an unconfirmed registration holds its seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxLimits {
    /// Active registrations (confirmed, pending, waitlisted) per mailbox, 1 to 100.
    pub registrations_max: i32,
    /// Unconfirmed (double opt-in) holds per mailbox, 1 to 100.
    pub holds_max: i32,
    /// Hours an unconfirmed registration holds its seat, 1 to 720.
    pub hold_hours: i32,
}

impl Default for MailboxLimits {
    fn default() -> Self {
        Self {
            registrations_max: 1,
            holds_max: 1,
            hold_hours: 48,
        }
    }
}

impl MailboxLimits {
    /// `current` with the given values checked and applied; errors go to `v`.
    pub fn with(
        self,
        v: &mut Validator,
        registrations_max: Option<i64>,
        holds_max: Option<i64>,
        hold_hours: Option<i64>,
    ) -> Self {
        MailboxChanges::parse(v, registrations_max, holds_max, hold_hours).apply(self)
    }
}

/// New mailbox limits of a partial update, each checked on its own; `None`: unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailboxChanges {
    pub registrations_max: Option<i32>,
    pub holds_max: Option<i32>,
    pub hold_hours: Option<i32>,
}

impl MailboxChanges {
    /// Checks the given values (1 to 100, 1 to 100, 1 to 720 hours); errors go to `v`.
    pub fn parse(
        v: &mut Validator,
        registrations_max: Option<i64>,
        holds_max: Option<i64>,
        hold_hours: Option<i64>,
    ) -> Self {
        let mut check = |field: &str, value: Option<i64>, max: i64| match value {
            None => None,
            Some(n) if (1..=max).contains(&n) => i32::try_from(n).ok(),
            Some(_) => {
                v.push(field, format!("must be from 1 to {max}"));
                None
            }
        };
        Self {
            registrations_max: check("mailbox_registrations_max", registrations_max, 100),
            holds_max: check("mailbox_holds_max", holds_max, 100),
            hold_hours: check("hold_hours", hold_hours, 720),
        }
    }

    /// `current` with these changes.
    pub fn apply(self, current: MailboxLimits) -> MailboxLimits {
        MailboxLimits {
            registrations_max: self.registrations_max.unwrap_or(current.registrations_max),
            holds_max: self.holds_max.unwrap_or(current.holds_max),
            hold_hours: self.hold_hours.unwrap_or(current.hold_hours),
        }
    }
}

/// A partial update of an event (`PATCH`), every given field checked on its own; `None`: left
/// as it is, `Some(None)`: cleared. The rules between fields and against the stored row (the
/// schedule, capacity below the seats taken, a slug in use) are the service's
/// (`services::events::update`).
#[derive(Debug, Clone, Default)]
pub struct EventChanges {
    pub title: Option<String>,
    pub slug: Option<Slug>,
    pub description: Option<String>,
    /// Empty: none.
    pub venue: Option<String>,
    /// Empty: none.
    pub address: Option<String>,
    pub timezone: Option<Tz>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub registration_opens_at: Option<Option<DateTime<Utc>>>,
    pub registration_closes_at: Option<Option<DateTime<Utc>>>,
    pub capacity: Option<i32>,
    pub waitlist: Option<bool>,
    pub require_email_confirmation: Option<bool>,
    pub limits: MailboxChanges,
    pub exhibit_capacity: Option<Option<i32>>,
    pub series: Option<Option<Slug>>,
    /// Empty: the sender's name.
    pub organiser_name: Option<String>,
    pub organiser_email: Option<EmailAddress>,
}

/// The rules that involve more than one field; also checked after a partial update.
pub struct Schedule {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub registration_opens_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
}

impl Schedule {
    pub fn check(&self, v: &mut Validator) {
        if self.ends_at <= self.starts_at {
            v.push("ends_at", "must be after starts_at");
        }
        if let (Some(opens), Some(closes)) =
            (self.registration_opens_at, self.registration_closes_at)
        {
            if closes <= opens {
                v.push(
                    "registration_closes_at",
                    "must be after registration_opens_at",
                );
            }
        }
    }
}

pub fn check_capacity(v: &mut Validator, field: &str, capacity: i32) {
    if !(0..=CAPACITY_MAX).contains(&capacity) {
        v.push(field, format!("must be between 0 and {CAPACITY_MAX}"));
    }
}
