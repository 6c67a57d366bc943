//! Mail as data: templates render a message, `enqueue` writes it to the outbox in the caller's
//! transaction, and the [`worker::MailWorker`] sends it later through the [`transport`].
pub mod qr;
pub mod secrets;
pub mod templates;
pub mod transport;
pub mod unsubscribe;
pub mod worker;

use std::{path::PathBuf, time::Duration};

use chrono::Utc;
use entity::{outbox, registration::Language};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

pub use templates::Rendered;
pub use worker::{
    find, list, list_in, of_record, retry, BatchOutcome, MailSignal, MailWorker, OutboxPage,
    OutboxScope,
};

/// [`MailSettings::send_timeout`] unless configured otherwise.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// How mail leaves the service; built once from the configuration. `Debug` hides the SMTP URL,
/// which may carry a password.
#[derive(Clone)]
pub struct MailSettings {
    /// `smtp://host:port`, `smtp://user:pass@host:port?tls=required|opportunistic`,
    /// `smtps://user:pass@host:465`; `None` writes `.eml` files into `mail_dir`.
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    /// The sender, e.g. `podium <noreply@localhost>`; Message-IDs end in its domain.
    pub from: String,
    /// The base URL of links the worker derives when it sends (`List-Unsubscribe`), without a
    /// trailing slash.
    pub public_url: String,
    /// After this many failed attempts a mail is marked `failed` (an admin may retry it).
    pub max_attempts: i32,
    /// How often the worker looks for due mail when nobody wakes it.
    pub poll_interval: Duration,
    /// The longest one mail may take to send, from connecting through the greeting and every
    /// SMTP step to the end of `DATA`; past it the attempt counts as a temporary failure.
    pub send_timeout: Duration,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "[REDACTED]"))
            .field("mail_dir", &self.mail_dir)
            .field("from", &self.from)
            .field("public_url", &self.public_url)
            .field("max_attempts", &self.max_attempts)
            .field("poll_interval", &self.poll_interval)
            .field("send_timeout", &self.send_timeout)
            .finish()
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_dir: PathBuf::from("./mail-outbox"),
            from: "podium <noreply@localhost>".to_owned(),
            public_url: "http://localhost:8080".to_owned(),
            max_attempts: 8,
            poll_interval: Duration::from_secs(5),
            send_timeout: DEFAULT_SEND_TIMEOUT,
        }
    }
}

/// An iCalendar attachment, sent as `invite.ics`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub body: String,
    /// The iTIP method: `REQUEST`, `CANCEL` or `PUBLISH`; it must match the `METHOD` in `body`.
    pub method: String,
}

/// A message to queue: who gets it, in which language, and what it says.
#[derive(Clone, Debug)]
pub struct NewMail {
    /// Which message this is, e.g. `registration_confirmed`; shown in the admin outbox.
    pub kind: &'static str,
    pub event_id: Option<Uuid>,
    pub recipient: String,
    pub recipient_name: String,
    pub language: Language,
    pub content: Rendered,
    pub ics: Option<Attachment>,
    /// The registration, pitch or exhibit the mail is about, if any: erasing it removes this
    /// mail, and no other mail to the same address.
    pub record_id: Option<Uuid>,
}

/// Queues a mail in the outbox. Pass the transaction of the change that causes the mail, so
/// both commit or neither does; then wake the worker with [`MailSignal::notify`] after the commit.
pub async fn enqueue<C: ConnectionTrait>(db: &C, mail: NewMail) -> Result<Uuid, DbErr> {
    let row = outbox_row(mail);
    let id = row.id;
    outbox::ActiveModel::from(row).insert(db).await?;
    Ok(id)
}

/// Queues several mails with one statement, in the caller's transaction.
pub async fn enqueue_many<C: ConnectionTrait>(db: &C, mails: Vec<NewMail>) -> Result<(), DbErr> {
    if mails.is_empty() {
        return Ok(());
    }
    outbox::Entity::insert_many(
        mails
            .into_iter()
            .map(|mail| outbox::ActiveModel::from(outbox_row(mail))),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The outbox row of a new mail: pending, due now, with its own Message-ID. The record's
/// manage tokens and check-in code are kept as placeholders ([`secrets`]): the worker derives
/// them again when it sends.
pub fn outbox_row(mail: NewMail) -> outbox::Model {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let (ics, ics_method) = match mail.ics {
        Some(a) => (Some(a.body), Some(a.method)),
        None => (None, None),
    };
    let conceal = |text: String| match mail.record_id {
        Some(record) => secrets::conceal(&text, record),
        None => text,
    };
    let (text_body, html_body, ics) = (
        conceal(mail.content.text),
        conceal(mail.content.html),
        ics.map(conceal),
    );
    let subject = conceal(mail.content.subject);
    outbox::Model {
        id,
        kind: mail.kind.to_owned(),
        event_id: mail.event_id,
        recipient: mail.recipient,
        recipient_name: mail.recipient_name,
        language: language_code(mail.language).to_owned(),
        subject,
        text_body,
        html_body,
        ics,
        ics_method,
        message_id: format!("<{id}@podium>"),
        status: outbox::OutboxStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        locked_until: None,
        last_error: None,
        created_at: now,
        sent_at: None,
        record_id: mail.record_id,
        reply_to: mail.content.reply_to,
        check_in_code: secrets::conceal_code(mail.content.check_in_code, mail.record_id),
    }
}

fn language_code(language: Language) -> &'static str {
    match language {
        Language::De => "de",
        Language::En => "en",
    }
}
