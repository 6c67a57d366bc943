//! Name badges of an event's confirmed attendees (issue 17), as one PDF built by
//! `crate::badges`: the one service behind `GET /api/v1/events/{event}/badges.pdf` and the
//! backoffice's badges page.
use entity::{event, registration::RegistrationStatus};
use sea_orm::ConnectionTrait;

use crate::badges::{self, Badge, Layout, Order, Wording};
use crate::domain::check_in_code;
use crate::error::{ApiError, ApiResult};
use crate::services::registrations;

/// The badges of `event`'s confirmed attendees in `order`: cancelled, waitlisted, unconfirmed
/// and erased registrations get none.
pub async fn list(
    db: &impl ConnectionTrait,
    event: &event::Model,
    order: Order,
) -> ApiResult<Vec<Badge>> {
    let filter = registrations::ListFilter {
        statuses: vec![RegistrationStatus::Confirmed],
        ..Default::default()
    };
    let confirmed =
        registrations::list_all(db, event.id, &filter, registrations::Sort::default()).await?;
    let mut list: Vec<Badge> = confirmed
        .into_iter()
        .filter(|r| r.erased_at.is_none())
        .map(|r| Badge {
            check_in_code: check_in_code::derive(r.id),
            name: r.name,
            organisation: r.organisation,
            sector: r.sector,
        })
        .collect();
    badges::sort(&mut list, order);
    Ok(list)
}

/// The PDF of [`list`] in `layout`, the sector names in `wording` (rendered on a blocking
/// thread: a few hundred badges take a moment). An event without confirmed attendees gives
/// one blank page.
pub async fn pdf(
    db: &impl ConnectionTrait,
    event: &event::Model,
    layout: Layout,
    order: Order,
    wording: Wording,
) -> ApiResult<Vec<u8>> {
    let list = list(db, event, order).await?;
    let title = event.title.clone();
    tokio::task::spawn_blocking(move || badges::render(&title, &list, layout, wording))
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("the badge worker")))?
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("rendering badges")))
}

/// The PDF's file name: `{slug}-badges.pdf`.
pub fn file_name(event: &event::Model) -> String {
    format!("{}-badges.pdf", event.slug)
}
