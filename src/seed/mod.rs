//! `podium seed demo`: an innovation cluster's annual conference to look at.
mod attendees;
mod programme;
mod reviews;
mod team;
use anyhow::bail;
use chrono::{TimeZone, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::domain::event::NewEvent;
use crate::services::{events, stages};

/// The demo conference's slug.
pub const DEMO_SLUG: &str = "jahrestagung-2027";

/// Creates the demo conference and its team (an admin, an organiser, a reviewer, a door
/// member), and says where its page is (`{public_url}/events/{slug}`), its door page, its
/// printable badges (`/api/v1/events/{slug}/badges.pdf`, with an organiser's token), and how
/// each member signs in to the backoffice (the admin's token; the others by mailed link).
///
/// Never does nothing silently: when an event `jahrestagung-2027` exists (an earlier demo, or
/// the README's walk-through) it is an error naming `--replace`, unless `replace` is set; then
/// that event is deleted with everything of it (registrations, programme, exhibits and its
/// mail in the outbox) and the demo is loaded afresh.
pub async fn demo(
    db: &DatabaseConnection,
    replace: bool,
    public_url: &str,
) -> anyhow::Result<String> {
    const SLUG: &str = DEMO_SLUG;
    if let Some(existing) = events::find(db, SLUG).await? {
        if !replace {
            bail!(
                "an event '{SLUG}' exists already ({}): nothing was loaded. \
                 `podium seed demo --replace` deletes it with its registrations and programme \
                 and loads the demo afresh",
                existing.id
            );
        }
        entity::outbox::Entity::delete_many()
            .filter(entity::outbox::Column::EventId.eq(existing.id))
            .exec(db)
            .await?;
        entity::event::Entity::delete_by_id(existing.id)
            .exec(db)
            .await?;
    }
    let new = NewEvent {
        title: "Jahrestagung 2027 des Materialforschungsclusters".to_owned(),
        slug: Some(SLUG.to_owned()),
        description:
            "Die Jahrestagung des Clusters: Pitches der Mitglieder, Ausstellung, Empfang.\n\
                      The cluster's annual conference: member pitches, exhibition, reception."
                .to_owned(),
        venue: "Volkshaus Jena".to_owned(),
        address: "Carl-Zeiß-Platz 15, 07743 Jena".to_owned(),
        timezone: chrono_tz::Europe::Berlin,
        starts_at: Utc
            .with_ymd_and_hms(2027, 6, 24, 7, 0, 0)
            .single()
            .unwrap_or_default(),
        ends_at: Utc
            .with_ymd_and_hms(2027, 6, 24, 16, 0, 0)
            .single()
            .unwrap_or_default(),
        // 150 confirmed attendees (see `attendees::CONFIRMED`): 30 seats stay free, so a
        // newcomer's first registration is confirmed, not waitlisted.
        capacity: 180,
        waitlist: true,
        registration_opens_at: None,
        registration_closes_at: None,
        require_email_confirmation: false,
        limits: crate::domain::event::MailboxLimits::default(),
        exhibit_capacity: Some(20),
        series: Some("jahrestagung".to_owned()),
        organiser_name: "Tagungsbüro des Materialforschungsclusters".to_owned(),
        organiser_email: "tagung@example.org".to_owned(),
    };
    let event = events::create(db, new)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for (i, name) in ["Hauptbühne", "Forum"].into_iter().enumerate() {
        stages::create(db, event.id, name.to_owned(), String::new(), Some(i as i32))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let event = events::publish(db, event.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let programme = programme::seed(db, &event).await?;
    let attendees = attendees::seed(db, &event).await?;
    let sent = announcements(db, public_url, &event).await?;
    let base = public_url.trim_end_matches('/');
    let team = team::seed(db, &event, base).await?;
    let jury = reviews::seed(db, &event).await?;
    let slug = &event.slug;
    Ok(format!(
        "demo event created: {slug} ({}); {programme}; {attendees}; {sent} announcements sent; \
         {jury}\n\
         event page: {base}/events/{slug}\n\
         door page:  {base}/events/{slug}/door (sign in with an organiser token)\n\
         badges:     {base}/api/v1/events/{slug}/badges.pdf (A6 cards; ?layout=labels for \
         A4 label sheets L7165; Authorization: Bearer <organiser token>)\n\
         {team}",
        event.id,
    ))
}

/// The demo's announcement history: the day's programme to the confirmed attendees and the
/// way there to everyone taking part; how many were sent.
async fn announcements(
    db: &DatabaseConnection,
    public_url: &str,
    event: &entity::event::Model,
) -> anyhow::Result<usize> {
    use crate::services::announcements::{Audience, Message};
    let history = [
        Message {
            audience: Audience::Confirmed,
            subject_de: "Ihr Programm für den Tagungstag".to_owned(),
            subject_en: "Your programme for the conference day".to_owned(),
            text_de: "Einlass ist ab 8:30 Uhr; bitte halten Sie Ihren Einlass-Code bereit."
                .to_owned(),
            text_en: "Doors open at 8:30; please have your check-in code ready.".to_owned(),
        },
        Message {
            audience: Audience::Everyone,
            subject_de: "Anreise zum Volkshaus Jena".to_owned(),
            subject_en: "Getting to the Volkshaus Jena".to_owned(),
            text_de: "Vom Bahnhof Jena-Paradies sind es zehn Minuten zu Fuß; Parkplätze gibt \
                      es am Carl-Zeiß-Platz."
                .to_owned(),
            text_en: "The Volkshaus is a ten-minute walk from Jena-Paradies station; there is \
                      parking at Carl-Zeiß-Platz."
                .to_owned(),
        },
    ];
    for message in &history {
        announcement(db, public_url, event, message).await?;
    }
    Ok(history.len())
}

/// One announcement from the conference office (no organiser account: the nil id) through
/// the announcements service, as already sent (its mail marked delivered, so a demo with a
/// mail server configured sends nothing).
async fn announcement(
    db: &DatabaseConnection,
    public_url: &str,
    event: &entity::event::Model,
    message: &crate::services::announcements::Message,
) -> anyhow::Result<()> {
    use crate::services::announcements;
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let txn = crate::db::begin_write(db).await?;
    let crate::services::idempotency::Once::New(sent, _) =
        announcements::send(&txn, public_url, event, uuid::Uuid::nil(), message, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
    else {
        anyhow::bail!("an announcement without a key was replayed");
    };
    entity::outbox::Entity::update_many()
        .col_expr(
            entity::outbox::Column::Status,
            Expr::value(entity::outbox::OutboxStatus::Sent),
        )
        .col_expr(
            entity::outbox::Column::SentAt,
            Expr::value(Some(sent.created_at)),
        )
        .filter(
            entity::outbox::Column::Id.in_subquery(
                Query::select()
                    .column(entity::announcement_recipient::Column::OutboxId)
                    .from(entity::announcement_recipient::Entity)
                    .and_where(
                        Expr::col(entity::announcement_recipient::Column::AnnouncementId)
                            .eq(sent.id),
                    )
                    .to_owned(),
            ),
        )
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
