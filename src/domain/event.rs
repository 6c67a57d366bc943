//! An event as organisers describe it, validated.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::text::Validator;

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
        let mut check = |field: &str, value: Option<i64>, max: i64, current: i32| match value {
            None => current,
            Some(n) if (1..=max).contains(&n) => i32::try_from(n).unwrap_or(current),
            Some(_) => {
                v.push(field, format!("must be from 1 to {max}"));
                current
            }
        };
        Self {
            registrations_max: check(
                "mailbox_registrations_max",
                registrations_max,
                100,
                self.registrations_max,
            ),
            holds_max: check("mailbox_holds_max", holds_max, 100, self.holds_max),
            hold_hours: check("hold_hours", hold_hours, 720, self.hold_hours),
        }
    }
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
