//! Announcements (issue 17): an organiser's message, in German and English, to an audience
//! of the event, through the outbox, each mail in the person's language with their link.
//!
//! The announcement, every recipient row and every mail are written in one transaction: a
//! restart midway leaves all or nothing queued. A recipient's key is the announcement and the
//! person's mailbox, so nobody in two roles (an attendee who also presents) gets it twice; a
//! request repeated with the same `Idempotency-Key` and body replays the first answer and
//! queues nothing, and the same key with another body is a 422 (`services::idempotency`).
use std::collections::HashSet;

use entity::{
    announcement, announcement_recipient, event, exhibit, organiser, outbox, pitch,
    registration::{self, Language, RegistrationStatus},
};
use sea_orm::{
    sea_query::ExprTrait, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::domain::{email::mailbox_key, text, time::now, Validator};
use crate::error::{ApiError, ApiResult};
use crate::mail::{self, templates, templates::Rendered, NewMail};
use crate::services::idempotency::{self, Keyed, Once};
use crate::services::{exhibits, pitches, registrations};

/// Who an announcement goes to. An announcement reaches only addresses that may be written
/// to: never an unconfirmed hold (`pending`: nobody has shown the address is theirs), and on
/// an event with double opt-in nobody on the waitlist either (joining it confirms no address;
/// a waitlisted person confirms when a seat is offered, see
/// `registrations::promote_waitlisted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Confirmed attendees.
    Confirmed,
    /// Waitlisted attendees; nobody on an event with double opt-in.
    Waitlisted,
    /// Confirmed attendees who are checked in.
    CheckedIn,
    /// Presenters of accepted pitches.
    Presenters,
    /// Contacts of approved exhibits.
    Exhibitors,
    /// Confirmed attendees, waitlisted ones (not on an event with double opt-in), accepted
    /// presenters, approved exhibitors.
    Everyone,
}

impl Audience {
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value.trim() {
            "confirmed" => Self::Confirmed,
            "waitlisted" => Self::Waitlisted,
            "checked_in" => Self::CheckedIn,
            "presenters" => Self::Presenters,
            "exhibitors" => Self::Exhibitors,
            "everyone" => Self::Everyone,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Waitlisted => "waitlisted",
            Self::CheckedIn => "checked_in",
            Self::Presenters => "presenters",
            Self::Exhibitors => "exhibitors",
            Self::Everyone => "everyone",
        }
    }
}

/// The message as the organiser wrote it, checked.
#[derive(Debug, Clone)]
pub struct Message {
    pub audience: Audience,
    pub subject_de: String,
    pub subject_en: String,
    pub text_de: String,
    pub text_en: String,
}

/// One person of the audience.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub name: String,
    pub email: String,
    pub language: Language,
    /// Their own page (attendee, presenter or exhibitor).
    pub link: String,
    pub record_id: Uuid,
}

/// The attendees' statuses an audience reaches on `event` (see [`Audience`]).
pub fn attendee_statuses(event: &event::Model, audience: Audience) -> Vec<RegistrationStatus> {
    // On a double opt-in event the waitlist holds addresses nobody confirmed.
    let waitlisted = (!event.require_email_confirmation).then_some(RegistrationStatus::Waitlisted);
    match audience {
        Audience::Confirmed | Audience::CheckedIn => vec![RegistrationStatus::Confirmed],
        Audience::Waitlisted => waitlisted.into_iter().collect(),
        Audience::Everyone => std::iter::once(RegistrationStatus::Confirmed)
            .chain(waitlisted)
            .collect(),
        Audience::Presenters | Audience::Exhibitors => Vec::new(),
    }
}

/// Longest subject, in characters.
pub const SUBJECT_MAX: usize = 200;
/// Longest text, in characters.
pub const TEXT_MAX: usize = 10_000;

/// The message as typed, checked: the audience one of [`Audience::parse`]'s names; each
/// subject one line of 1 to [`SUBJECT_MAX`] characters, each text 1 to [`TEXT_MAX`]
/// characters (trimmed; no control characters but line breaks and tabs). A 422 naming every
/// bad field (`audience`, `subject_de`, `subject_en`, `text_de`, `text_en`) otherwise.
pub fn message(
    audience: &str,
    subject_de: &str,
    subject_en: &str,
    text_de: &str,
    text_en: &str,
) -> ApiResult<Message> {
    let mut v = Validator::new();
    let audience = Audience::parse(audience);
    if audience.is_none() {
        v.push(
            "audience",
            "must be confirmed, waitlisted, checked_in, presenters, exhibitors or everyone",
        );
    }
    let subject_de = v.check(text::one_line("subject_de", subject_de, SUBJECT_MAX));
    let subject_en = v.check(text::one_line("subject_en", subject_en, SUBJECT_MAX));
    let text_de = v.check(text::multi_line("text_de", text_de, TEXT_MAX));
    let text_en = v.check(text::multi_line("text_en", text_en, TEXT_MAX));
    for (field, value) in [("text_de", &text_de), ("text_en", &text_en)] {
        if value.as_deref().is_some_and(str::is_empty) {
            v.push(field, "must not be empty");
        }
    }
    v.finish()?;
    match (audience, subject_de, subject_en, text_de, text_en) {
        (Some(audience), Some(subject_de), Some(subject_en), Some(text_de), Some(text_en)) => {
            Ok(Message {
                audience,
                subject_de,
                subject_en,
                text_de,
                text_en,
            })
        }
        _ => Err(ApiError::BadRequest("invalid announcement".to_owned())),
    }
}

/// What sending `message` would do: how many people it reaches, and the mail in each
/// language with a sample name and link. Sends nothing.
#[derive(Debug, Clone)]
pub struct Preview {
    /// People of the audience (one per mailbox).
    pub recipients: usize,
    /// The mail as German readers get it.
    pub de: Rendered,
    /// The mail as English readers get it.
    pub en: Rendered,
}

/// [`Preview`] of `message` on `event` now.
pub async fn preview(
    db: &impl ConnectionTrait,
    public_url: &str,
    event: &event::Model,
    message: &Message,
) -> ApiResult<Preview> {
    let people = audience(db, public_url, event, message.audience).await?;
    let sample = |language| Recipient {
        name: "Ada Lovelace".to_owned(),
        email: "ada@example.org".to_owned(),
        language,
        link: format!("{}/registrations/…", public_url.trim_end_matches('/')),
        record_id: Uuid::nil(),
    };
    Ok(Preview {
        recipients: people.len(),
        de: render(event, message, &sample(Language::De)),
        en: render(event, message, &sample(Language::En)),
    })
}

/// The audience of the event, one per mailbox (the first role found wins: attendee, then
/// presenter, then exhibitor), erased people and unconfirmed addresses left out (see
/// [`Audience`]).
pub async fn audience(
    db: &impl ConnectionTrait,
    public_url: &str,
    event: &event::Model,
    audience: Audience,
) -> ApiResult<Vec<Recipient>> {
    let event_id = event.id;
    let mut people = Vec::new();
    let attendees = attendee_statuses(event, audience);
    if !attendees.is_empty() {
        let mut query = registration::Entity::find()
            .filter(registration::Column::EventId.eq(event_id))
            .filter(registration::Column::ErasedAt.is_null())
            .filter(registration::Column::Status.is_in(attendees));
        if audience == Audience::CheckedIn {
            query = query.filter(registration::Column::CheckedInAt.is_not_null());
        }
        for r in query
            .order_by_asc(registration::Column::CreatedAt)
            .all(db)
            .await?
        {
            let token = registrations::manage_token(&r);
            people.push(Recipient {
                link: registrations::manage_url(public_url, &token),
                name: r.name,
                email: r.email,
                language: r.language,
                record_id: r.id,
            });
        }
    }
    if matches!(audience, Audience::Presenters | Audience::Everyone) {
        for p in pitch::Entity::find()
            .filter(pitch::Column::EventId.eq(event_id))
            .filter(pitch::Column::Status.eq(pitch::PitchStatus::Accepted))
            .order_by_asc(pitch::Column::CreatedAt)
            .all(db)
            .await?
        {
            let token = pitches::manage_token(&p);
            people.push(Recipient {
                link: pitches::manage_url(public_url, &token),
                name: p.presenter_name,
                email: p.presenter_email,
                language: p.language,
                record_id: p.id,
            });
        }
    }
    if matches!(audience, Audience::Exhibitors | Audience::Everyone) {
        for x in exhibit::Entity::find()
            .filter(exhibit::Column::EventId.eq(event_id))
            .filter(exhibit::Column::Status.eq(exhibit::ExhibitStatus::Approved))
            .order_by_asc(exhibit::Column::CreatedAt)
            .all(db)
            .await?
        {
            let token = exhibits::manage_token(&x);
            people.push(Recipient {
                link: exhibits::manage_url(public_url, &token),
                name: x.contact_name,
                email: x.contact_email,
                language: x.language,
                record_id: x.id,
            });
        }
    }
    let mut seen = HashSet::new();
    people.retain(|p| !p.email.is_empty() && seen.insert(mailbox_of(&p.email)));
    Ok(people)
}

fn mailbox_of(email: &str) -> String {
    mailbox_key(email).unwrap_or_else(|| email.trim().to_lowercase())
}

/// The mail of `message` for one person, in their language, with their link
/// (`templates/mail/announcement.<lang>.*`).
pub fn render(event: &event::Model, message: &Message, to: &Recipient) -> Rendered {
    let (subject, text) = match to.language {
        Language::De => (&message.subject_de, &message.text_de),
        Language::En => (&message.subject_en, &message.text_en),
    };
    templates::announcement(
        to.language,
        &templates::AnnouncementMail {
            name: &to.name,
            event: templates::EventInfo {
                title: &event.title,
                when: "",
                venue: "",
                organiser: &event.organiser_name,
                contact: &event.organiser_email,
            },
            subject,
            text,
            link: &to.link,
        },
    )
}

fn mail_for(event: &event::Model, message: &Message, to: &Recipient, record: bool) -> NewMail {
    NewMail {
        kind: "announcement",
        event_id: Some(event.id),
        recipient: to.email.clone(),
        recipient_name: to.name.clone(),
        language: to.language,
        content: render(event, message, to),
        ics: None,
        record_id: record.then_some(to.record_id),
    }
}

/// The organiser's test: the message in both languages to their own address, with the link
/// of the event page in place of a personal one. Gives the address.
pub async fn send_test(
    db: &impl ConnectionTrait,
    public_url: &str,
    event: &event::Model,
    who: &organiser::Model,
    message: &Message,
) -> ApiResult<String> {
    for language in [Language::De, Language::En] {
        let to = Recipient {
            name: who.name.clone(),
            email: who.email.clone(),
            language,
            link: format!("{}/events/{}", public_url.trim_end_matches('/'), event.slug),
            record_id: who.id,
        };
        let mut mail = mail_for(event, message, &to, false);
        mail.kind = "announcement_test";
        // Marked, so that nobody takes it for the real one (or forwards it as such).
        mail.content.subject = format!("[Test] {}", mail.content.subject);
        mail::enqueue(db, mail).await?;
    }
    Ok(who.email.clone())
}

/// [`send`] in a write transaction of its own, committed, then the mail worker woken when
/// something was queued.
pub async fn send_now(
    ctx: &crate::services::Ctx,
    event: &event::Model,
    sender: Uuid,
    message: &Message,
    key: Option<&Keyed<announcement::Model>>,
) -> ApiResult<Once<announcement::Model>> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let sent = send(&txn, &ctx.public_url, event, sender, message, key).await?;
    txn.commit().await?;
    if matches!(sent, Once::New(..)) {
        ctx.wake_mailer();
    }
    Ok(sent)
}

/// Sends `message` from the organiser `sender` to its audience: in `txn` (which must commit
/// for anything to happen), the announcement, one recipient row and one queued mail per
/// person.
///
/// With `key`, the one mechanism of every keyed `POST` (`services::idempotency`): a repeat
/// with the same body replays the first answer and queues nothing, the same key with another
/// body is a 422, and the answer is stored with the key in this transaction. The key is also
/// written on the announcement, whose unique `(event_id, idempotency_key)` makes a concurrent
/// repeat a 409 instead of a second send; an announcement older than a key's retention
/// ([`idempotency::RETENTION_HOURS`]) gives its key up, so the key is new again, as
/// everywhere else.
pub async fn send(
    txn: &impl ConnectionTrait,
    public_url: &str,
    event: &event::Model,
    sender: Uuid,
    message: &Message,
    key: Option<&Keyed<announcement::Model>>,
) -> ApiResult<Once<announcement::Model>> {
    if let Some(first) = idempotency::earlier(txn, key).await? {
        return Ok(Once::Replayed(first));
    }
    if let Some(k) = key {
        announcement::Entity::update_many()
            .col_expr(
                announcement::Column::IdempotencyKey,
                sea_orm::sea_query::Expr::value(Option::<String>::None),
            )
            .filter(announcement::Column::EventId.eq(event.id))
            .filter(announcement::Column::IdempotencyKey.eq(k.key.key.as_str()))
            .filter(
                announcement::Column::CreatedAt
                    .lt(now() - chrono::Duration::hours(idempotency::RETENTION_HOURS)),
            )
            .exec(txn)
            .await?;
    }
    let people = audience(txn, public_url, event, message.audience).await?;
    let id = Uuid::now_v7();
    let sent = announcement::ActiveModel {
        id: Set(id),
        event_id: Set(event.id),
        organiser_id: Set(sender),
        audience: Set(message.audience.name().to_owned()),
        subject_de: Set(message.subject_de.clone()),
        subject_en: Set(message.subject_en.clone()),
        text_de: Set(message.text_de.clone()),
        text_en: Set(message.text_en.clone()),
        idempotency_key: Set(key.map(|k| k.key.key.clone())),
        recipients: Set(i32::try_from(people.len()).unwrap_or(i32::MAX)),
        created_at: Set(now()),
    }
    .insert(txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            ApiError::conflict("a request with this Idempotency-Key is in progress; try again")
        }
        _ => e.into(),
    })?;
    let mut rows = Vec::with_capacity(people.len());
    let mut recipients = Vec::with_capacity(people.len());
    for person in &people {
        let row = mail::outbox_row(mail_for(event, message, person, true));
        recipients.push(announcement_recipient::ActiveModel {
            announcement_id: Set(id),
            mailbox: Set(mailbox_of(&person.email)),
            outbox_id: Set(row.id),
        });
        rows.push(outbox::ActiveModel::from(row));
    }
    for chunk in rows.chunks(200) {
        outbox::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    for chunk in recipients.chunks(500) {
        announcement_recipient::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    let stored = idempotency::record(txn, key, &sent, id).await?;
    Ok(Once::New(sent, stored))
}

/// An announcement with how its mails are doing.
#[derive(Debug, Clone)]
pub struct Sent {
    pub announcement: announcement::Model,
    /// Mails delivered to the mail server.
    pub delivered: u64,
    /// Mails that gave up (see the admin outbox).
    pub failed: u64,
}

/// The event's announcements, newest first, with their counts.
pub async fn list(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<Vec<Sent>> {
    let all = announcement::Entity::find()
        .filter(announcement::Column::EventId.eq(event_id))
        .order_by_desc(announcement::Column::CreatedAt)
        .order_by_desc(announcement::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(all.len());
    for a in all {
        let count = |status: outbox::OutboxStatus| {
            let id = a.id;
            async move {
                outbox::Entity::find()
                    .filter(outbox::Column::Status.eq(status))
                    .filter(
                        outbox::Column::Id.in_subquery(
                            sea_orm::sea_query::Query::select()
                                .column(announcement_recipient::Column::OutboxId)
                                .from(announcement_recipient::Entity)
                                .and_where(
                                    sea_orm::sea_query::Expr::col(
                                        announcement_recipient::Column::AnnouncementId,
                                    )
                                    .eq(id),
                                )
                                .to_owned(),
                        ),
                    )
                    .count(db)
                    .await
            }
        };
        let delivered = count(outbox::OutboxStatus::Sent).await?;
        let failed = count(outbox::OutboxStatus::Failed).await?;
        out.push(Sent {
            announcement: a,
            delivered,
            failed,
        });
    }
    Ok(out)
}
