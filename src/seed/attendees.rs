//! Demo attendees for the demo conference: most seats taken (some stay free for a newcomer),
//! a few cancellations, some already checked in.
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
use crate::services::questions::RawAnswer;

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

/// Confirmed attendees the demo seats (fewer when the event has fewer seats).
pub const CONFIRMED: usize = 150;

/// Seats [`CONFIRMED`] attendees (seats stay free: a newcomer's registration is confirmed, and
/// nobody waits while seats are free), then 4 who cancelled; every fourth confirmed attendee
/// is checked in. Counters are set to match.
/// Everyone answered the registration questions (lunch, the evening reception); three in
/// four chose an afternoon workshop.
pub async fn seed(db: &DatabaseConnection, event: &event::Model) -> anyhow::Result<String> {
    let capacity = CONFIRMED.min(event.capacity.max(0) as usize);
    let (waitlisted, cancelled) = (0usize, 4usize);
    let txn = crate::db::begin_write(db).await?;
    let start = now() - Duration::days(30);
    let mut checked_in = 0;
    let asked = questions(&txn, event).await?;
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
        let id = Uuid::now_v7();
        let mut v = crate::domain::Validator::new();
        let given = crate::services::questions::check_answers(
            &mut v,
            &asked,
            [
                (
                    asked[0].id.to_string(),
                    RawAnswer::Json((if i % 3 == 0 { "veggie" } else { "meat" }).into()),
                ),
                (
                    asked[1].id.to_string(),
                    RawAnswer::Json((i % 5 != 0).into()),
                ),
            ]
            .into_iter()
            .chain((i % 4 != 3).then(|| {
                (
                    asked[2].id.to_string(),
                    RawAnswer::Json(WORKSHOPS[i % WORKSHOPS.len()].into()),
                )
            }))
            .collect(),
        );
        let answers = crate::services::questions::answer_rows(id, event.id, &given);
        registration::ActiveModel {
            id: Set(id),
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
        crate::services::questions::insert_rows(&txn, answers)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
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
        "{} attendees ({capacity} confirmed, {checked_in} checked in, {waitlisted} waitlisted, {cancelled} cancelled), with answers to {} registration questions",
        capacity + waitlisted + cancelled,
        asked.len()
    ))
}

/// The keys of the demo's afternoon workshops.
const WORKSHOPS: [&str; 3] = ["coatings", "recycling", "testing"];

/// The demo's registration questions: lunch (one choice, required), the evening reception
/// (yes/no) and an afternoon workshop (one choice, optional).
async fn questions(
    txn: &impl sea_orm::ConnectionTrait,
    event: &event::Model,
) -> anyhow::Result<Vec<entity::registration_question::Model>> {
    use crate::services::questions::{create, Choice, QuestionFields};
    use entity::registration_question::QuestionKind;
    let choice = |key: &str, de: &str, en: &str| Choice {
        key: key.to_owned(),
        de: de.to_owned(),
        en: en.to_owned(),
    };
    let mut asked = Vec::new();
    for fields in [
        QuestionFields {
            kind: QuestionKind::OneChoice,
            required: true,
            label_de: "Mittagessen".to_owned(),
            label_en: "Lunch".to_owned(),
            choices: vec![
                choice("veggie", "Vegetarisch", "Vegetarian"),
                choice("meat", "Mit Fleisch", "With meat"),
            ],
            position: Some(1),
        },
        QuestionFields {
            kind: QuestionKind::YesNo,
            required: false,
            label_de: "Ich komme zum Abendempfang".to_owned(),
            label_en: "I will attend the evening reception".to_owned(),
            choices: Vec::new(),
            position: Some(2),
        },
        QuestionFields {
            kind: QuestionKind::OneChoice,
            required: false,
            label_de: "Workshop am Nachmittag".to_owned(),
            label_en: "Afternoon workshop".to_owned(),
            choices: vec![
                choice("coatings", "Optische Beschichtungen", "Optical coatings"),
                choice(
                    "recycling",
                    "Recycling von Verbundwerkstoffen",
                    "Recycling composites",
                ),
                choice(
                    "testing",
                    "KI in der Werkstoffprüfung",
                    "AI in materials testing",
                ),
            ],
            position: Some(3),
        },
    ] {
        asked.push(
            create(txn, event.id, fields)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
    }
    Ok(asked)
}
