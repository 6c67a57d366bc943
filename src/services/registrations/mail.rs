//! The mails about a registration's state (notices): queued in the transaction that changes
//! it, with the attendee's calendar entry where a seat is given or taken back.
use entity::{event, registration};
use sea_orm::ConnectionTrait;

use super::{manage_token, manage_url, HOLD_HOURS};
use crate::calendar::Method;
use crate::error::{ApiError, ApiResult};
use crate::mail::{self, templates, Attachment, NewMail};
use crate::services::{ics, notifications::EventText};

/// The double opt-in page: a GET shows a button, its POST confirms (mail gateways fetch links).
fn confirm_url(public_url: &str, token: &str) -> String {
    format!("{}/confirm", manage_url(public_url, token))
}

/// The public event page.
fn event_url(public_url: &str, event: &event::Model) -> String {
    format!("{public_url}/events/{}", event.slug)
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Notice {
    Confirmed,
    Pending,
    Waitlisted(i64),
    Promoted,
    Cancelled {
        had_seat: bool,
    },
    /// The hold ran out; `hold_hours` is how long it was (see [`hold_hours`]).
    Expired {
        hold_hours: i64,
    },
}

/// Queues the mail about a registration's new state in the caller's transaction.
pub(super) async fn notify(
    txn: &impl ConnectionTrait,
    public_url: &str,
    event: &event::Model,
    reg: &registration::Model,
    notice: Notice,
) -> ApiResult<()> {
    mail::enqueue(txn, notice_mail(public_url, event, reg, notice)).await?;
    Ok(())
}

/// The mails of a registration batch, rendered on a blocking thread while the batch's rows are
/// written ([`Rendering::start`] once the seats are handed out, before the batch's writes;
/// [`Rendering::finish`] before the mails' insert). The notices (text, HTML and the calendar
/// entry) of a 16-registration batch took 0.4 ms of its 3–4 ms under the event's lock, which
/// the batch no longer spends while the database writes its rows (registrations
/// 5 360–5 648 → 5 528–5 831/s on PostgreSQL, `bench/README.md` session 9). A renderer that
/// panicked fails its batch with a 500 instead of ending the desk's task.
pub(super) struct Rendering(tokio::task::JoinHandle<Vec<NewMail>>);

impl Rendering {
    /// Starts rendering one notice for each registration, in order.
    pub(super) fn start(
        public_url: &str,
        event: &event::Model,
        notices: Vec<(registration::Model, Notice)>,
    ) -> Self {
        let public_url = public_url.to_owned();
        let event = event.clone();
        Self(tokio::task::spawn_blocking(move || {
            notices
                .iter()
                .map(|(reg, notice)| notice_mail(&public_url, &event, reg, *notice))
                .collect()
        }))
    }

    /// The rendered mails, in the order of [`Rendering::start`]'s notices.
    pub(super) async fn finish(self) -> ApiResult<Vec<NewMail>> {
        self.0.await.map_err(|e| {
            ApiError::Internal(anyhow::Error::new(e).context("rendering a batch's mails"))
        })
    }
}

/// The hold of a pending registration, in whole hours: from the hold's start (`updated_at`,
/// set when it registered or was offered a seat from the waitlist, and not moved while it is
/// pending) to its end. The event's `hold_hours` at that time: a later change of the event
/// does not change its hold.
pub(super) fn hold_hours(reg: &registration::Model) -> i64 {
    reg.hold_expires_at.map_or(HOLD_HOURS, |until| {
        std::cmp::max(((until - reg.updated_at).num_minutes() + 30) / 60, 1)
    })
}

/// The mail about a registration's new state.
pub(super) fn notice_mail(
    public_url: &str,
    event: &event::Model,
    reg: &registration::Model,
    notice: Notice,
) -> NewMail {
    let lang = reg.language;
    let text = EventText::new(event, lang);
    let token = manage_token(reg);
    let manage = manage_url(public_url, &token);
    let link = match notice {
        Notice::Pending => confirm_url(public_url, &token),
        Notice::Cancelled { .. } | Notice::Expired { .. } => event_url(public_url, event),
        _ => manage,
    };
    let m = templates::AttendeeMail {
        name: &reg.name,
        event: text.info(),
        link: &link,
    };
    // The attendee's own entry, under the UID of their personal feed (RFC 5546 iTIP: the
    // ORGANIZER is the event's organiser, the attendee the recipient; a CANCEL's SEQUENCE is
    // above the REQUEST's because the registration's grows with every change of its status).
    let invite = |method: Method| Attachment {
        body: ics::invite(
            event,
            ics::registration_item(event, None, reg, public_url),
            method,
            (&reg.name, &reg.email),
            None,
        ),
        method: match method {
            Method::Cancel => "CANCEL",
            _ => "REQUEST",
        }
        .to_owned(),
    };
    let (kind, content, attachment) = match notice {
        Notice::Confirmed => (
            "registration_confirmed",
            templates::registration_confirmed(
                lang,
                &m,
                &crate::domain::check_in_code::derive(reg.id),
            ),
            Some(invite(Method::Request)),
        ),
        Notice::Pending => (
            "registration_pending",
            templates::registration_pending(lang, &m, hold_hours(reg)),
            None,
        ),
        Notice::Waitlisted(position) => (
            "registration_waitlisted",
            templates::registration_waitlisted(lang, &m, position),
            None,
        ),
        Notice::Promoted => (
            "registration_promoted",
            templates::registration_promoted(
                lang,
                &m,
                &crate::domain::check_in_code::derive(reg.id),
            ),
            Some(invite(Method::Request)),
        ),
        Notice::Cancelled { had_seat } => (
            "registration_cancelled",
            templates::registration_cancelled(lang, &m),
            had_seat.then(|| invite(Method::Cancel)),
        ),
        Notice::Expired { hold_hours } => (
            "registration_expired",
            templates::registration_expired(lang, &m, hold_hours),
            None,
        ),
    };
    NewMail {
        kind,
        event_id: Some(event.id),
        recipient: reg.email.clone(),
        recipient_name: reg.name.clone(),
        language: lang,
        content,
        ics: attachment,
        record_id: Some(reg.id),
    }
}
