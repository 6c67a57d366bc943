//! The demo's jury (issue 29): three review criteria, and reviews of every pitch by the
//! demo's reviewer and organiser, so the review table has numbers to sort by.
use std::collections::BTreeMap;

use entity::pitch;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::review::{parse_criteria, GivenScore, NewCriterion};
use crate::services::{organisers, reviews};

/// (key, German name, English name, weight, max)
const CRITERIA: [(&str, &str, &str, f64, i64); 3] = [
    (
        "relevance",
        "Relevanz für den Cluster",
        "Relevance to the cluster",
        2.0,
        5,
    ),
    ("clarity", "Klarheit", "Clarity", 1.0, 5),
    ("novelty", "Neuheit", "Novelty", 1.0, 5),
];

/// (reviewer's address, comment) and, per pitch in order, their scores.
const REVIEWS: [(&str, &str, [[i64; 3]; 7]); 2] = [
    (
        "reviewer@example.org",
        "Überzeugend. / Convincing.",
        [
            [5, 4, 4],
            [4, 4, 3],
            [3, 5, 2],
            [4, 3, 5],
            [2, 3, 3],
            [3, 2, 4],
            [1, 2, 1],
        ],
    ),
    (
        "organiser@example.org",
        "Passt ins Programm. / Fits the programme.",
        [
            [4, 5, 3],
            [5, 3, 4],
            [3, 4, 3],
            [2, 4, 4],
            [3, 3, 2],
            [4, 3, 3],
            [2, 1, 2],
        ],
    ),
];

/// Sets the criteria and the reviews; a line for the summary.
pub async fn seed(db: &DatabaseConnection, event: &entity::event::Model) -> anyhow::Result<String> {
    let fail = |e: crate::error::ApiError| anyhow::anyhow!("{e}");
    let criteria = parse_criteria(
        CRITERIA
            .iter()
            .map(|(key, de, en, weight, max)| NewCriterion {
                key: (*key).to_owned(),
                name_de: (*de).to_owned(),
                name_en: (*en).to_owned(),
                weight: *weight,
                max: *max,
            })
            .collect(),
    )
    .map_err(|e| anyhow::anyhow!("demo criteria: {e:?}"))?;
    reviews::replace_criteria(db, event.id, criteria)
        .await
        .map_err(fail)?;
    let pitches = pitch::Entity::find()
        .filter(pitch::Column::EventId.eq(event.id))
        .order_by_asc(pitch::Column::CreatedAt)
        .order_by_asc(pitch::Column::Id)
        .all(db)
        .await?;
    let mut given = 0;
    for (address, comment, scores) in REVIEWS {
        let Some(reviewer) = organisers::find_active_by_email(db, address).await? else {
            continue;
        };
        for (pitch, points) in pitches.iter().zip(scores) {
            let by_key: BTreeMap<String, GivenScore> = CRITERIA
                .iter()
                .zip(points)
                .map(|((key, ..), n)| ((*key).to_owned(), GivenScore::Integer(n)))
                .collect();
            reviews::submit(
                db,
                event.id,
                pitch.id,
                reviewer.id,
                by_key,
                comment.to_owned(),
            )
            .await
            .map_err(fail)?;
            given += 1;
        }
    }
    Ok(format!(
        "{} review criteria, {given} reviews",
        CRITERIA.len()
    ))
}
