//! "Mail me the link to my registration" (issue 28): whoever types an address that is
//! already registered for an event may ask for the attendee's link to be mailed to it again.
//! The answer is the same whether or not the address is registered, so it tells a stranger
//! nothing; the mail goes only to the address the registration holds.
use chrono::Duration;
use entity::{outbox, registration};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::{manage_token, manage_url, ACTIVE};
use crate::domain::{time::now, EmailAddress};
use crate::error::ApiResult;
use crate::mail::{self, templates, NewMail};
use crate::services::context::Ctx;
use crate::services::{events, notifications::EventText};

/// The mail's kind in the outbox.
pub const KIND: &str = "registration_link";
/// Links mailed again per registration within [`RESEND_WINDOW_HOURS`]; more asks are
/// answered as usual and send nothing (the per-client limit is the public `POST` limit).
pub const RESENDS_MAX: u64 = 3;
pub const RESEND_WINDOW_HOURS: i64 = 1;

/// Queues the mail with the link to the attendee's page of `email`'s registration for the
/// visible event `event_key` (id or slug; 404 for a draft or unknown event, as the event
/// page). An address that is not a valid one or not registered sends nothing and is no error.
/// The registration is the active one of the mailbox (`EmailAddress::mailbox`), else its
/// newest cancelled or expired one (its page says so and links to the event); never an erased
/// one. Whether anything was queued is not told to the caller.
pub async fn resend_link(ctx: &Ctx, event_key: &str, email: &str) -> ApiResult<()> {
    let event = events::find_visible(&ctx.db, event_key, false).await?;
    let Ok(address) = EmailAddress::parse("email", email) else {
        return Ok(());
    };
    let mut found = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event.id))
        .filter(registration::Column::Mailbox.eq(address.mailbox()))
        .filter(registration::Column::ErasedAt.is_null())
        .order_by_desc(registration::Column::CreatedAt)
        .all(&ctx.db)
        .await?;
    found.sort_by_key(|reg| !ACTIVE.contains(&reg.status));
    let Some(reg) = found.into_iter().next() else {
        return Ok(());
    };
    let since = now() - Duration::hours(RESEND_WINDOW_HOURS);
    let recent = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(KIND))
        .filter(outbox::Column::RecordId.eq(reg.id))
        .filter(outbox::Column::CreatedAt.gt(since))
        .count(&ctx.db)
        .await?;
    if recent >= RESENDS_MAX {
        tracing::info!(registration = %reg.id, "registration link not mailed again: limit");
        return Ok(());
    }
    let lang = reg.language;
    let text = EventText::new(&event, lang);
    let link = manage_url(&ctx.public_url, &manage_token(&reg));
    let content = templates::registration_link(
        lang,
        &templates::AttendeeMail {
            name: &reg.name,
            event: text.info(),
            link: &link,
        },
    );
    // The outbox keeps a placeholder for the token (`mail::secrets`).
    mail::enqueue(
        &ctx.db,
        NewMail {
            kind: KIND,
            event_id: Some(event.id),
            recipient: reg.email.clone(),
            recipient_name: reg.name.clone(),
            language: lang,
            content,
            ics: None,
            record_id: Some(reg.id),
        },
    )
    .await?;
    ctx.wake_mailer();
    Ok(())
}
