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
use crate::services::Ctx;
use crate::services::{calendar_entries, ics};

/// The event's title, local time and place as a mail shows them, in one language.
pub struct EventText {
    pub title: String,
    pub when: String,
    pub venue: String,
    /// The event's organiser: signs the mail; Reply-To with `contact`.
    pub organiser: String,
    pub contact: String,
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
            organiser: event.organiser_name.clone(),
            contact: event.organiser_email.clone(),
        }
    }

    pub fn info(&self) -> templates::EventInfo<'_> {
        templates::EventInfo {
            title: &self.title,
            when: &self.when,
            venue: &self.venue,
            organiser: &self.organiser,
            contact: &self.contact,
        }
    }
}

/// Mails every active attendee, presenter and exhibitor that the event is cancelled; attendees
/// and scheduled presenters get a `METHOD:CANCEL` (RFC 5546) of the entry they hold, under its
/// UID and with a SEQUENCE above every `REQUEST` they got. Call it after the event is marked
/// cancelled, in the same transaction.
pub async fn event_cancelled(
    txn: &impl ConnectionTrait,
    ctx: &Ctx,
    event: &event::Model,
) -> ApiResult<()> {
    let entries = calendar_entries::sync(txn, event.id).await?;
    // The row as the sync left it: its SEQUENCE follows the event's entry.
    let event = &event::Entity::find_by_id(event.id)
        .one(txn)
        .await?
        .unwrap_or_else(|| event.clone());
    let sender = ics::mailbox_parts(&ctx.settings.sender());
    let url = ics::event_url(event, &ctx.public_url);
    let own_entry = calendar_entries::find(&entries, &ics::event_uid(event));
    let cancel = |item, to: (&str, &str)| {
        Some(Attachment {
            body: ics::invite(event, item, Method::Cancel, to, sender.clone()),
            method: "CANCEL".to_owned(),
        })
    };
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
        let entry = calendar_entries::find(&entries, &ics::pitch_uid(&p)).and_then(|entry| {
            let item = calendar_entries::item_of(entry, Some(url.clone()));
            cancel(item, (&p.presenter_name, &p.presenter_email))
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
            let item = ics::registration_item(event, own_entry, &r, &ctx.public_url);
            let entry = cancel(item, (&r.name, &r.email));
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

/// The person an announcement's unsubscribe link names (see `mail::unsubscribe`).
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// The registration, pitch or exhibit.
    pub record_id: uuid::Uuid,
    pub language: Language,
    pub event_title: String,
    /// Whether they have left the event's announcements.
    pub left: bool,
}

/// Who an unsubscribe token names; 404 for a wrong token or a record that is gone or erased.
pub async fn announcement_subscriber(
    db: &impl ConnectionTrait,
    token: &str,
) -> ApiResult<Subscriber> {
    let gone = || crate::error::ApiError::not_found("subscription");
    let record_id = mail::unsubscribe::verify(token).ok_or_else(gone)?;
    let (event_id, language) = if let Some(r) = registration::Entity::find_by_id(record_id)
        .filter(registration::Column::ErasedAt.is_null())
        .one(db)
        .await?
    {
        (r.event_id, r.language)
    } else if let Some(p) = pitch::Entity::find_by_id(record_id).one(db).await? {
        (p.event_id, p.language)
    } else if let Some(x) = exhibit::Entity::find_by_id(record_id).one(db).await? {
        (x.event_id, x.language)
    } else {
        return Err(gone());
    };
    let event = event::Entity::find_by_id(event_id)
        .one(db)
        .await?
        .ok_or_else(gone)?;
    let left = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT 1 AS one FROM announcement_opt_outs WHERE record_id = $1",
            [record_id.into()],
        ))
        .await?
        .is_some();
    Ok(Subscriber {
        record_id,
        language,
        event_title: event.title,
        left,
    })
}

/// Makes the person an unsubscribe token names leave the announcements of that event (the
/// `POST` of `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, RFC 8058): announcements
/// queued for them and later ones are not sent. Repeating it is harmless; 404 as
/// [`announcement_subscriber`].
pub async fn leave_announcements(db: &impl ConnectionTrait, token: &str) -> ApiResult<Subscriber> {
    let subscriber = announcement_subscriber(db, token).await?;
    if !subscriber.left {
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            db.get_database_backend(),
            "INSERT INTO announcement_opt_outs (record_id, created_at) VALUES ($1, $2) \
             ON CONFLICT (record_id) DO NOTHING",
            [
                subscriber.record_id.into(),
                crate::domain::time::now().into(),
            ],
        ))
        .await?;
    }
    Ok(Subscriber {
        left: true,
        ..subscriber
    })
}
