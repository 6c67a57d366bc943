//! `podium seed demo`: an innovation cluster's annual conference to look at.
mod attendees;
mod programme;
use chrono::{TimeZone, Utc};
use sea_orm::DatabaseConnection;

use crate::domain::event::NewEvent;
use crate::services::{events, stages};

/// The demo conference's slug: its page is `{public_url}/events/jahrestagung-2027`.
pub const DEMO_SLUG: &str = "jahrestagung-2027";

/// Creates the demo conference (once; a second run reports the existing one).
pub async fn demo(db: &DatabaseConnection) -> anyhow::Result<String> {
    const SLUG: &str = DEMO_SLUG;
    if let Some(existing) = events::find(db, SLUG).await? {
        return Ok(format!(
            "demo event already present: {} ({})",
            existing.slug, existing.id
        ));
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
        capacity: 150,
        waitlist: true,
        registration_opens_at: None,
        registration_closes_at: None,
        require_email_confirmation: false,
        exhibit_capacity: Some(20),
        series: Some("jahrestagung".to_owned()),
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
    Ok(format!(
        "demo event created: {} ({}); {programme}; {attendees}",
        event.slug, event.id
    ))
}
