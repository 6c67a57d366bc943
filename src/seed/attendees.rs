//! Demo attendees for the demo conference: every seat taken, a short waitlist, a few
//! cancellations, some already checked in.
use chrono::Duration;
use entity::{
    event,
    registration::{self, Language, RegistrationStatus, Sector},
};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use crate::domain::time::now;

const FIRST: [&str; 16] = [
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannes", "Ida", "Jonas", "Katrin",
    "Lukas", "Mira", "Noah", "Olga", "Paul",
];
const LAST: [&str; 12] = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schulz",
    "Koch",
    "Richter",
];
const ORGANISATIONS: [(Sector, &str); 8] = [
    (Sector::Business, "Optik Jena GmbH"),
    (Sector::Business, "Saale Materials AG"),
    (Sector::Science, "Friedrich-Schiller-Universität Jena"),
    (Sector::Science, "Fraunhofer IOF"),
    (Sector::Science, "Leibniz-IPHT"),
    (Sector::Politics, "Thüringer Landtag"),
    (Sector::Politics, "Stadt Jena"),
    (Sector::Other, "Verein Materialforum e. V."),
];

/// Seats the event's capacity as confirmed attendees, then 8 on the waitlist and 4 who
/// cancelled; every fourth confirmed attendee is checked in. Counters are set to match.
pub async fn seed(db: &DatabaseConnection, event: &event::Model) -> anyhow::Result<String> {
    let capacity = event.capacity.max(0) as usize;
    let (waitlisted, cancelled) = (8usize, 4usize);
    let txn = crate::db::begin_write(db).await?;
    let start = now() - Duration::days(30);
    let mut checked_in = 0;
    for i in 0..capacity + waitlisted + cancelled {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / FIRST.len() + i) % LAST.len()];
        let (sector, organisation) = ORGANISATIONS[i % ORGANISATIONS.len()];
        let email = format!(
            "{}.{}{}@example.org",
            first.to_lowercase(),
            last.to_lowercase().replace('ü', "ue"),
            i
        );
        let (status, ticket) = if i < capacity {
            (RegistrationStatus::Confirmed, None)
        } else if i < capacity + waitlisted {
            (
                RegistrationStatus::Waitlisted,
                Some((i - capacity + 1) as i64),
            )
        } else {
            (RegistrationStatus::Cancelled, None)
        };
        let at = start + Duration::minutes(7 * i as i64);
        let checked = status == RegistrationStatus::Confirmed && i % 4 == 0;
        checked_in += usize::from(checked);
        registration::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_id: Set(event.id),
            name: Set(format!("{first} {last}")),
            email_lower: Set(email.clone()),
            mailbox: Set(email.clone()),
            email: Set(email),
            organisation: Set(organisation.to_owned()),
            sector: Set(sector),
            language: Set(if i % 3 == 0 {
                Language::En
            } else {
                Language::De
            }),
            status: Set(status),
            waitlist_seq: Set(ticket),
            manage_token_hash: Set(crate::domain::token::hash(&crate::auth::new_token())),
            checked_in_at: Set(checked.then(now)),
            hold_expires_at: Set(None),
            sequence: Set(0),
            created_at: Set(at),
            updated_at: Set(at),
            cancelled_at: Set((status == RegistrationStatus::Cancelled).then_some(at)),
            erased_at: Set(None),
        }
        .insert(&txn)
        .await?;
    }
    event::Entity::update_many()
        .col_expr(event::Column::ConfirmedCount, Expr::value(capacity as i32))
        .col_expr(event::Column::PendingCount, Expr::value(0))
        .col_expr(
            event::Column::WaitlistedCount,
            Expr::value(waitlisted as i32),
        )
        .col_expr(event::Column::WaitlistSeq, Expr::value(waitlisted as i64))
        .col_expr(
            event::Column::RegistrationsTotal,
            Expr::value((capacity + waitlisted + cancelled) as i64),
        )
        .filter(event::Column::Id.eq(event.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(format!(
        "{} attendees ({capacity} confirmed, {checked_in} checked in, {waitlisted} waitlisted, {cancelled} cancelled)",
        capacity + waitlisted + cancelled
    ))
}
