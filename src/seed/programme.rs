//! Demo programme for the demo conference: slots on both stages, pitches (some accepted and
//! scheduled), exhibits with booths. Written directly, without mail: the addresses are made up.
use chrono::Duration;
use entity::{
    event,
    exhibit::{self, ExhibitStatus},
    pitch::{self, PitchStatus},
    pitch_slot,
    registration::Language,
};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use crate::auth;
use crate::domain::time::now;
use crate::services::{pitch_slots, stages};

/// (title, organisation, presenter, e-mail, language, minutes, status)
const PITCHES: [(&str, &str, &str, &str, Language, i32, PitchStatus); 7] = [
    (
        "Flachs statt Glas: Naturfasern im Leichtbau",
        "Faserwerk Thüringen GmbH",
        "Dr. Petra Lindner",
        "p.lindner@faserwerk.example",
        Language::De,
        10,
        PitchStatus::Accepted,
    ),
    (
        "Self-healing coatings for wind turbines",
        "Coatix Ltd",
        "Samuel Okafor",
        "s.okafor@coatix.example",
        Language::En,
        15,
        PitchStatus::Accepted,
    ),
    (
        "Keramik aus dem 3D-Drucker",
        "Institut für Keramische Werkstoffe",
        "Prof. Jana Weber",
        "weber@ikw.example",
        Language::De,
        10,
        PitchStatus::Accepted,
    ),
    (
        "Recycling carbon fibre at scale",
        "ReCarbon GmbH",
        "Lena Hoffmann",
        "lena@recarbon.example",
        Language::En,
        15,
        PitchStatus::Accepted,
    ),
    (
        "Digitale Zwillinge für Gießereien",
        "Gießerei Saale AG",
        "Thomas Brandt",
        "t.brandt@giesserei-saale.example",
        Language::De,
        10,
        PitchStatus::Accepted,
    ),
    (
        "Graphen-Sensorik",
        "NanoSens UG",
        "Mia Krüger",
        "mia@nanosens.example",
        Language::De,
        10,
        PitchStatus::Submitted,
    ),
    (
        "Biobasierte Klebstoffe",
        "Klebwerk KG",
        "Jonas Vogel",
        "vogel@klebwerk.example",
        Language::De,
        20,
        PitchStatus::Rejected,
    ),
];

/// (title, organisation, contact, e-mail, m², power, status, booth)
type ExhibitRow<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    f64,
    bool,
    ExhibitStatus,
    Option<&'a str>,
);
const EXHIBITS: [ExhibitRow<'static>; 5] = [
    (
        "Naturfaser-Karosserieteil",
        "Faserwerk Thüringen GmbH",
        "Anna Schmidt",
        "a.schmidt@faserwerk.example",
        9.0,
        true,
        ExhibitStatus::Approved,
        Some("A1"),
    ),
    (
        "Keramik-Demonstratoren",
        "Institut für Keramische Werkstoffe",
        "Jana Weber",
        "weber@ikw.example",
        6.0,
        false,
        ExhibitStatus::Approved,
        Some("A2"),
    ),
    (
        "Recycled carbon showcase",
        "ReCarbon GmbH",
        "Lena Hoffmann",
        "lena@recarbon.example",
        12.0,
        true,
        ExhibitStatus::Approved,
        Some("B1"),
    ),
    (
        "Sensorik zum Anfassen",
        "NanoSens UG",
        "Mia Krüger",
        "mia@nanosens.example",
        4.0,
        true,
        ExhibitStatus::Submitted,
        None,
    ),
    (
        "Gießerei-Modell",
        "Gießerei Saale AG",
        "Thomas Brandt",
        "t.brandt@giesserei-saale.example",
        16.0,
        true,
        ExhibitStatus::Waitlisted,
        None,
    ),
];

pub async fn seed(db: &DatabaseConnection, event: &event::Model) -> anyhow::Result<String> {
    let stages = stages::list(db, event.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let txn = crate::db::begin_write(db).await?;
    let at = now();
    let morning = event.starts_at + Duration::hours(1);
    let mut slots = Vec::new();
    for (i, stage) in stages.iter().take(2).enumerate() {
        let from = morning + Duration::minutes(5 * i as i64);
        let placements = pitch_slots::plan(
            event,
            &pitch_slots::Generate {
                stage_id: stage.id,
                from,
                to: from + Duration::minutes(100),
                slot_minutes: 15,
                gap_minutes: 5,
            },
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        for p in placements {
            let slot = pitch_slot::ActiveModel {
                id: Set(Uuid::now_v7()),
                event_id: Set(event.id),
                stage_id: Set(p.stage_id),
                starts_at: Set(p.starts_at),
                ends_at: Set(p.ends_at),
                pitch_id: Set(None),
                sequence: Set(0),
                created_at: Set(at),
                updated_at: Set(at),
            }
            .insert(&txn)
            .await?;
            slots.push(slot);
        }
    }
    // Interleave the stages so scheduled pitches sit on both, never overlapping one presenter.
    slots.sort_by_key(|s| (s.starts_at, s.stage_id));
    let mut scheduled = 0;
    for (n, (title, organisation, name, email, language, minutes, status)) in
        PITCHES.into_iter().enumerate()
    {
        let assign = status == PitchStatus::Accepted && n < 4;
        let pitch = pitch::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_id: Set(event.id),
            title: Set(title.to_owned()),
            r#abstract: Set(format!("{title}: {organisation} stellt vor / presents.")),
            organisation: Set(organisation.to_owned()),
            presenter_name: Set(name.to_owned()),
            presenter_email: Set(email.to_owned()),
            presenter_email_lower: Set(email.to_lowercase()),
            language: Set(language),
            duration_minutes: Set(minutes),
            status: Set(status),
            sequence: Set(i32::from(assign)),
            manage_token_hash: Set(crate::domain::token::hash(&auth::new_token())),
            created_at: Set(at),
            updated_at: Set(at),
        }
        .insert(&txn)
        .await?;
        if let Some(slot) = slots.get(n * 3).filter(|_| assign) {
            let mut active: pitch_slot::ActiveModel = slot.clone().into();
            active.pitch_id = Set(Some(pitch.id));
            active.sequence = Set(1);
            active.update(&txn).await?;
            scheduled += 1;
        }
    }
    let mut approved = 0;
    for (title, organisation, name, email, space, power, status, booth) in EXHIBITS {
        approved += i32::from(status == ExhibitStatus::Approved);
        exhibit::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_id: Set(event.id),
            title: Set(title.to_owned()),
            description: Set(format!("{organisation}: {title}")),
            organisation: Set(organisation.to_owned()),
            contact_name: Set(name.to_owned()),
            contact_email: Set(email.to_owned()),
            language: Set(Language::De),
            space_sqm: Set(space),
            needs_power: Set(power),
            status: Set(status),
            booth: Set(booth.map(str::to_owned)),
            manage_token_hash: Set(crate::domain::token::hash(&auth::new_token())),
            contact_mailbox: Set(email.to_lowercase()),
            created_at: Set(at),
            updated_at: Set(at),
        }
        .insert(&txn)
        .await?;
    }
    // The demo's programme as it is published: release 1.
    let (_, changes) = crate::services::releases::pending(&txn, event.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::services::releases::store(
        &txn,
        event.id,
        1,
        "Erstes Programm / first programme".to_owned(),
        &changes,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    event::Entity::update_many()
        .col_expr(event::Column::ApprovedExhibits, Expr::value(approved))
        .filter(event::Column::Id.eq(event.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(format!(
        "{} pitch slots, {} pitches ({scheduled} scheduled), {} exhibits ({approved} approved)",
        slots.len(),
        PITCHES.len(),
        EXHIBITS.len()
    ))
}
