//! Who is told what when an event changes: queues the mails inside the caller's transaction.
use chrono_tz::Tz;
use entity::{
    event,
    exhibit::{self, ExhibitStatus},
    pitch::{self, PitchStatus},
    registration::{self, Language, RegistrationStatus},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::calendar::Method;
use crate::error::ApiResult;
use crate::mail::{self, templates, Attachment, NewMail};
use crate::services::{ics, programme};
use crate::startup::AppState;

/// The event's title, local time and place as a mail shows them, in one language.
pub struct EventText {
    pub title: String,
    pub when: String,
    pub venue: String,
}

impl EventText {
    pub fn new(event: &event::Model, lang: Language) -> Self {
        let tz: Tz = event.timezone.parse().unwrap_or(Tz::UTC);
        let venue = match (event.venue.is_empty(), event.address.is_empty()) {
            (false, false) => format!("{}, {}", event.venue, event.address),
            (false, true) => event.venue.clone(),
            (true, false) => event.address.clone(),
            (true, true) => String::new(),
        };
        Self {
            title: event.title.clone(),
            when: templates::format_when(event.starts_at, event.ends_at, tz, lang),
            venue,
        }
    }

    pub fn info(&self) -> templates::EventInfo<'_> {
        templates::EventInfo {
            title: &self.title,
            when: &self.when,
            venue: &self.venue,
        }
    }
}

/// Mails every active attendee, presenter and exhibitor that the event is cancelled; attendees
/// and scheduled presenters get a `METHOD:CANCEL` entry that strikes it from their calendar.
pub async fn event_cancelled(
    txn: &impl ConnectionTrait,
    state: &AppState,
    event: &event::Model,
) -> ApiResult<()> {
    let schedule = programme::load(txn, event.id).await?;
    let cancel = |item| {
        Some(Attachment {
            body: ics::invite(event, item, Method::Cancel),
            method: "CANCEL".to_owned(),
        })
    };
    let event_entry = cancel(ics::event_item(event, &state.public_url));
    let attendees = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event.id))
        .filter(registration::Column::Status.is_in([
            RegistrationStatus::Confirmed,
            RegistrationStatus::Pending,
            RegistrationStatus::Waitlisted,
        ]))
        .all(txn)
        .await?;
    let presenters = pitch::Entity::find()
        .filter(pitch::Column::EventId.eq(event.id))
        .filter(pitch::Column::Status.is_in([PitchStatus::Submitted, PitchStatus::Accepted]))
        .all(txn)
        .await?;
    let exhibitors = exhibit::Entity::find()
        .filter(exhibit::Column::EventId.eq(event.id))
        .filter(exhibit::Column::Status.is_in([
            ExhibitStatus::Submitted,
            ExhibitStatus::Approved,
            ExhibitStatus::Waitlisted,
        ]))
        .all(txn)
        .await?;
    let presenters = presenters.into_iter().map(|p| {
        let entry = schedule
            .slots
            .iter()
            .find(|slot| slot.pitch_id == Some(p.id))
            .and_then(|slot| Some((slot, schedule.stage(slot.stage_id)?)))
            .and_then(|(slot, stage)| {
                cancel(ics::pitch_item(event, &p, slot, stage, &state.public_url))
            });
        let role = templates::Role::Presenter;
        (
            role,
            p.id,
            p.presenter_name,
            p.presenter_email,
            p.language,
            entry,
        )
    });
    let recipients = attendees
        .into_iter()
        .map(|r| {
            let entry = event_entry.clone();
            (
                templates::Role::Attendee,
                r.id,
                r.name,
                r.email,
                r.language,
                entry,
            )
        })
        .chain(presenters)
        .chain(exhibitors.into_iter().map(|e| {
            let role = templates::Role::Exhibitor;
            (
                role,
                e.id,
                e.contact_name,
                e.contact_email,
                e.language,
                None,
            )
        }));
    for (role, record_id, name, email, lang, attachment) in recipients {
        let text = EventText::new(event, lang);
        mail::enqueue(
            txn,
            NewMail {
                kind: "event_cancelled",
                event_id: Some(event.id),
                content: templates::event_cancelled(lang, role, &name, text.info()),
                recipient: email,
                recipient_name: name,
                language: lang,
                ics: attachment,
                record_id: Some(record_id),
            },
        )
        .await?;
    }
    Ok(())
}
