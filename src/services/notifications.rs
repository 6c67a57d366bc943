//! Who is told what when an event changes: queues the mails inside the caller's transaction.
use chrono_tz::Tz;
use entity::{
    event,
    exhibit::{self, ExhibitStatus},
    pitch::{self, PitchStatus},
    registration::{self, Language, RegistrationStatus},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::ApiResult;
use crate::mail::{self, templates, NewMail};
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

/// Mails every active attendee, presenter and exhibitor that the event is cancelled.
pub async fn event_cancelled(
    txn: &impl ConnectionTrait,
    _state: &AppState,
    event: &event::Model,
) -> ApiResult<()> {
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
    let recipients = attendees
        .into_iter()
        .map(|r| (templates::Role::Attendee, r.name, r.email, r.language))
        .chain(presenters.into_iter().map(|p| {
            (
                templates::Role::Presenter,
                p.presenter_name,
                p.presenter_email,
                p.language,
            )
        }))
        .chain(exhibitors.into_iter().map(|e| {
            (
                templates::Role::Exhibitor,
                e.contact_name,
                e.contact_email,
                e.language,
            )
        }));
    for (role, name, email, lang) in recipients {
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
                ics: None,
            },
        )
        .await?;
    }
    Ok(())
}
