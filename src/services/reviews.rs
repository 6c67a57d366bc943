//! The jury (issue 29): an event's review criteria and settings, the reviews of its pitches
//! (one per reviewer and pitch), the numbers of the review table, and the assignment of
//! pitches to reviewers (by hand, or "each pitch gets N reviewers" spread evenly). The rules
//! of a review: see [`submit`]; who sees which reviews: see [`list`].
use std::collections::{BTreeMap, HashMap, HashSet};

use entity::organiser::Role;
use entity::pitch::PitchStatus;
use entity::{organiser, pitch, review, review_assignment, review_criterion, review_setting};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::domain::member::{Member, Permission};
use crate::domain::review::{
    conflict_of_interest, parse_scores, review_value, summarise, Criterion, GivenScore, Summary,
};
use crate::error::{ApiError, ApiResult};
use crate::services::organisers;

/// The 409 of a review or an assignment while the event has no criteria.
pub const NO_CRITERIA: &str = "the event has no review criteria yet: an organiser sets them first";
/// The 403 of a reviewer scoring a pitch not assigned to them.
pub const NOT_ASSIGNED: &str =
    "this pitch is not assigned to you: with assignments, a reviewer reviews the pitches assigned to them";

/// An event's review settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewSettings {
    /// Reviewers (the role `reviewer`) do not see the presenter's name, e-mail address and
    /// organisation.
    pub anonymous_review: bool,
}

/// The event's criteria, in the organisers' order.
pub async fn criteria(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<Vec<Criterion>> {
    Ok(review_criterion::Entity::find()
        .filter(review_criterion::Column::EventId.eq(event_id))
        .order_by_asc(review_criterion::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|c| Criterion {
            key: c.key,
            name_de: c.name_de,
            name_en: c.name_en,
            weight: c.weight,
            max: c.max,
        })
        .collect())
}

/// Replaces the event's criteria with `criteria` (checked by
/// [`crate::domain::review::parse_criteria`]). Reviews keep their scores by key: a criterion
/// given again with its key counts them again; a removed one no longer counts.
pub async fn replace_criteria(
    db: &DatabaseConnection,
    event_id: Uuid,
    criteria: Vec<Criterion>,
) -> ApiResult<Vec<Criterion>> {
    let txn = crate::db::begin_write(db).await?;
    review_criterion::Entity::delete_many()
        .filter(review_criterion::Column::EventId.eq(event_id))
        .exec(&txn)
        .await?;
    for (position, c) in criteria.iter().enumerate() {
        review_criterion::ActiveModel {
            event_id: Set(event_id),
            key: Set(c.key.clone()),
            position: Set(position as i32),
            name_de: Set(c.name_de.clone()),
            name_en: Set(c.name_en.clone()),
            weight: Set(c.weight),
            max: Set(c.max),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(criteria)
}

/// The event's review settings (the defaults when none were set).
pub async fn settings(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<ReviewSettings> {
    Ok(review_setting::Entity::find_by_id(event_id)
        .one(db)
        .await?
        .map(|s| ReviewSettings {
            anonymous_review: s.anonymous_review,
        })
        .unwrap_or_default())
}

/// Stores the event's review settings.
pub async fn set_settings(
    db: &DatabaseConnection,
    event_id: Uuid,
    settings: ReviewSettings,
) -> ApiResult<ReviewSettings> {
    let txn = crate::db::begin_write(db).await?;
    review_setting::Entity::delete_by_id(event_id)
        .exec(&txn)
        .await?;
    review_setting::ActiveModel {
        event_id: Set(event_id),
        anonymous_review: Set(settings.anonymous_review),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(settings)
}

/// Whether `viewer` reads the event's pitches without the presenter's name, e-mail address
/// and organisation: a member who does not manage the event, under anonymous review.
pub async fn hides_presenters(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    viewer: &Member,
) -> ApiResult<bool> {
    if viewer.may(Permission::Manage, Some(event_id)) {
        return Ok(false);
    }
    Ok(settings(db, event_id).await?.anonymous_review)
}

/// A review with its reviewer's name and its value.
#[derive(Debug, Clone)]
pub struct ReviewView {
    pub review: review::Model,
    /// The scores by criterion key, as given.
    pub scores: BTreeMap<String, i32>,
    pub reviewer_name: String,
    /// [`review_value`] over the event's current criteria.
    pub value: Option<f64>,
}

fn stored_scores(review: &review::Model) -> BTreeMap<String, i32> {
    serde_json::from_str(&review.scores).unwrap_or_default()
}

async fn views(
    db: &impl ConnectionTrait,
    criteria: &[Criterion],
    reviews: Vec<review::Model>,
) -> ApiResult<Vec<ReviewView>> {
    let ids: Vec<Uuid> = reviews.iter().map(|r| r.reviewer_id).collect();
    let names: HashMap<Uuid, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        organiser::Entity::find()
            .filter(organiser::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect()
    };
    Ok(reviews
        .into_iter()
        .map(|review| {
            let scores = stored_scores(&review);
            ReviewView {
                value: review_value(criteria, &scores),
                reviewer_name: names.get(&review.reviewer_id).cloned().unwrap_or_default(),
                scores,
                review,
            }
        })
        .collect())
}

async fn find_pitch(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    pitch_id: Uuid,
) -> ApiResult<pitch::Model> {
    pitch::Entity::find_by_id(pitch_id)
        .filter(pitch::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("pitch"))
}

/// Whether any pitch of the event is assigned to a reviewer.
pub async fn has_assignments(db: &impl ConnectionTrait, event_id: Uuid) -> ApiResult<bool> {
    Ok(review_assignment::Entity::find()
        .filter(review_assignment::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .is_some())
}

/// Stores the member `reviewer_id`'s review of the pitch; `true` when it is their first (a second replaces
/// the first: same id, new scores and comment).
///
/// Errors: 404 for a pitch not of the event; 409 while the event has no criteria
/// ([`NO_CRITERIA`]), for a withdrawn pitch, and for a conflict of interest (the reviewer's
/// organisation or mail domain is the presenter's: the detail says which); 403 for a member
/// of the role `reviewer` and a pitch not assigned to them while the event has assignments
/// ([`NOT_ASSIGNED`]); 422 naming `scores.<key>` for a missing, unknown or out-of-range
/// score.
pub async fn submit(
    db: &DatabaseConnection,
    event_id: Uuid,
    pitch_id: Uuid,
    reviewer_id: Uuid,
    given: BTreeMap<String, GivenScore>,
    comment: String,
) -> ApiResult<(ReviewView, bool)> {
    let txn = crate::db::begin_write(db).await?;
    let pitch = find_pitch(&txn, event_id, pitch_id).await?;
    // Read here, not from the token cache: the organisation may have just changed.
    let reviewer = organiser::Entity::find_by_id(reviewer_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let criteria = criteria(&txn, event_id).await?;
    if criteria.is_empty() {
        return Err(ApiError::conflict(NO_CRITERIA));
    }
    let scores = parse_scores(&criteria, &given).map_err(ApiError::validation)?;
    if pitch.status == PitchStatus::Withdrawn {
        return Err(ApiError::conflict("the pitch was withdrawn"));
    }
    if let Some(reason) = conflict_of_interest(
        &reviewer.email,
        reviewer.organisation.as_deref(),
        &pitch.presenter_email,
        &pitch.organisation,
    ) {
        return Err(ApiError::conflict(reason));
    }
    if reviewer.role == Role::Reviewer
        && has_assignments(&txn, event_id).await?
        && review_assignment::Entity::find_by_id((pitch_id, reviewer.id))
            .one(&txn)
            .await?
            .is_none()
    {
        return Err(ApiError::Forbidden(NOT_ASSIGNED.to_owned()));
    }
    let now = crate::domain::time::now();
    let scores_json = serde_json::to_string(&scores)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("scores as JSON: {e}")))?;
    let existing = review::Entity::find()
        .filter(review::Column::PitchId.eq(pitch_id))
        .filter(review::Column::ReviewerId.eq(reviewer.id))
        .one(&txn)
        .await?;
    let (model, created) = match existing {
        Some(found) => {
            let mut active: review::ActiveModel = found.into();
            active.scores = Set(scores_json);
            active.comment = Set(comment);
            active.updated_at = Set(now);
            (active.update(&txn).await?, false)
        }
        None => (
            review::ActiveModel {
                id: Set(Uuid::now_v7()),
                event_id: Set(event_id),
                pitch_id: Set(pitch_id),
                reviewer_id: Set(reviewer.id),
                scores: Set(scores_json),
                comment: Set(comment),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?,
            true,
        ),
    };
    txn.commit().await?;
    let view = ReviewView {
        value: review_value(&criteria, &scores),
        reviewer_name: reviewer.name.clone(),
        scores,
        review: model,
    };
    Ok((view, created))
}

/// The reviews of a pitch as `viewer` may see them, oldest first, and whether others' reviews
/// were left out.
#[derive(Debug, Clone)]
pub struct ReviewList {
    pub items: Vec<ReviewView>,
    /// `true` when the viewer has not reviewed the pitch yet and others have: their reviews
    /// are left out until the viewer gives their own.
    pub others_hidden: bool,
}

/// The pitch's reviews for `viewer`: a member who manages the event sees all; any other
/// member (a reviewer) sees all once they have reviewed the pitch themselves, before that
/// none (their own does not exist yet) and `others_hidden` says whether there are any.
pub async fn list(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    pitch_id: Uuid,
    viewer: &Member,
) -> ApiResult<ReviewList> {
    find_pitch(db, event_id, pitch_id).await?;
    let reviews = review::Entity::find()
        .filter(review::Column::PitchId.eq(pitch_id))
        .order_by_asc(review::Column::CreatedAt)
        .order_by_asc(review::Column::Id)
        .all(db)
        .await?;
    let sees_all = viewer.may(Permission::Manage, Some(event_id))
        || reviews.iter().any(|r| r.reviewer_id == viewer.id);
    let (reviews, others_hidden) = if sees_all {
        (reviews, false)
    } else {
        let hidden = !reviews.is_empty();
        (Vec::new(), hidden)
    };
    let criteria = criteria(db, event_id).await?;
    Ok(ReviewList {
        items: views(db, &criteria, reviews).await?,
        others_hidden,
    })
}

/// One review of the pitch, under [`list`]'s rule (a hidden one is a 404).
pub async fn get(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    pitch_id: Uuid,
    review_id: Uuid,
    viewer: &Member,
) -> ApiResult<ReviewView> {
    list(db, event_id, pitch_id, viewer)
        .await?
        .items
        .into_iter()
        .find(|v| v.review.id == review_id)
        .ok_or_else(|| ApiError::not_found("review"))
}

/// A pitch's line in the review table, for one viewer.
#[derive(Debug, Clone, Default)]
pub struct PitchReviews {
    /// The numbers; for a viewer who does not manage the event and has not reviewed the
    /// pitch, only the count (the others' scores stay hidden until they give their own).
    pub summary: Summary,
    /// The viewer has reviewed the pitch.
    pub reviewed_by_me: bool,
    /// The pitch is assigned to the viewer.
    pub assigned_to_me: bool,
    /// How many reviewers the pitch is assigned to.
    pub assigned: u64,
}

/// The review table's lines of the pitches `pitch_ids` of the event, for `viewer` (a fixed
/// number of queries).
pub async fn table(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    pitch_ids: &[Uuid],
    viewer: &Member,
) -> ApiResult<HashMap<Uuid, PitchReviews>> {
    if pitch_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let criteria = criteria(db, event_id).await?;
    let reviews = review::Entity::find()
        .filter(review::Column::PitchId.is_in(pitch_ids.to_vec()))
        .all(db)
        .await?;
    let assignments = review_assignment::Entity::find()
        .filter(review_assignment::Column::PitchId.is_in(pitch_ids.to_vec()))
        .all(db)
        .await?;
    let manages = viewer.may(Permission::Manage, Some(event_id));
    let mut by_pitch: HashMap<Uuid, Vec<review::Model>> = HashMap::new();
    for r in reviews {
        by_pitch.entry(r.pitch_id).or_default().push(r);
    }
    let mut out = HashMap::new();
    for id in pitch_ids {
        let reviews = by_pitch.remove(id).unwrap_or_default();
        let reviewed_by_me = reviews.iter().any(|r| r.reviewer_id == viewer.id);
        let count = reviews.len() as u64;
        let summary = if manages || reviewed_by_me {
            let values: Vec<f64> = reviews
                .iter()
                .filter_map(|r| review_value(&criteria, &stored_scores(r)))
                .collect();
            summarise(count, &values)
        } else {
            summarise(count, &[])
        };
        let mine = assignments.iter().filter(|a| a.pitch_id == *id);
        let (mut assigned, mut assigned_to_me) = (0, false);
        for a in mine {
            assigned += 1;
            assigned_to_me |= a.reviewer_id == viewer.id;
        }
        out.insert(
            *id,
            PitchReviews {
                summary,
                reviewed_by_me,
                assigned_to_me,
                assigned,
            },
        );
    }
    Ok(out)
}

/// A member assigned to a pitch, and whether they have reviewed it.
#[derive(Debug, Clone)]
pub struct AssignedReviewer {
    pub member: organiser::Model,
    pub reviewed: bool,
}

/// The reviewers the pitch is assigned to, by name.
pub async fn reviewers_of(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    pitch_id: Uuid,
) -> ApiResult<Vec<AssignedReviewer>> {
    find_pitch(db, event_id, pitch_id).await?;
    let ids: Vec<Uuid> = review_assignment::Entity::find()
        .filter(review_assignment::Column::PitchId.eq(pitch_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.reviewer_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let reviewed: HashSet<Uuid> = review::Entity::find()
        .filter(review::Column::PitchId.eq(pitch_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.reviewer_id)
        .collect();
    let mut members = organiser::Entity::find()
        .filter(organiser::Column::Id.is_in(ids))
        .all(db)
        .await?;
    members.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(members
        .into_iter()
        .map(|member| AssignedReviewer {
            reviewed: reviewed.contains(&member.id),
            member,
        })
        .collect())
}

/// Whether an active member may review the event's pitches (their role and events).
async fn may_review(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    model: &organiser::Model,
) -> ApiResult<bool> {
    if model.revoked_at.is_some() {
        return Ok(false);
    }
    let member = organisers::member(db, model).await?;
    Ok(member.may(Permission::Review, Some(event_id)))
}

/// Assigns the pitch to exactly the members `ids` (by hand; the set replaces the earlier one).
///
/// Errors: 404 for a pitch not of the event; 422 naming `reviewer_ids` for an id that is no
/// active member who may review the event (the roles `reviewer`, `organiser`, `admin` on
/// their events); 409 for a conflict of interest of one of them (the detail names the member
/// and why).
pub async fn set_reviewers(
    db: &DatabaseConnection,
    event_id: Uuid,
    pitch_id: Uuid,
    ids: Vec<Uuid>,
) -> ApiResult<Vec<AssignedReviewer>> {
    let txn = crate::db::begin_write(db).await?;
    let pitch = find_pitch(&txn, event_id, pitch_id).await?;
    let unique: Vec<Uuid> = {
        let mut seen = HashSet::new();
        ids.into_iter().filter(|id| seen.insert(*id)).collect()
    };
    let members = if unique.is_empty() {
        Vec::new()
    } else {
        organiser::Entity::find()
            .filter(organiser::Column::Id.is_in(unique.clone()))
            .all(&txn)
            .await?
    };
    for (i, id) in unique.iter().enumerate() {
        let member = members.iter().find(|m| m.id == *id);
        let allowed = match member {
            Some(m) => may_review(&txn, event_id, m).await?,
            None => false,
        };
        let Some(member) = member.filter(|_| allowed) else {
            return Err(ApiError::invalid(
                &format!("reviewer_ids[{i}]"),
                "is no active team member who may review this event",
            ));
        };
        if let Some(reason) = conflict_of_interest(
            &member.email,
            member.organisation.as_deref(),
            &pitch.presenter_email,
            &pitch.organisation,
        ) {
            return Err(ApiError::conflict(format!("{}: {reason}", member.name)));
        }
    }
    review_assignment::Entity::delete_many()
        .filter(review_assignment::Column::PitchId.eq(pitch_id))
        .exec(&txn)
        .await?;
    let now = crate::domain::time::now();
    for id in &unique {
        review_assignment::ActiveModel {
            pitch_id: Set(pitch_id),
            reviewer_id: Set(*id),
            event_id: Set(event_id),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    let out = reviewers_of(&txn, event_id, pitch_id).await?;
    txn.commit().await?;
    Ok(out)
}

/// What [`spread`] did.
#[derive(Debug, Clone, Default)]
pub struct Spread {
    /// How many reviewers could be assigned (the role `reviewer` on the event, active).
    pub reviewers: u64,
    /// How many pitches were considered (`submitted` ones).
    pub pitches: u64,
    /// How many assignments were made.
    pub created: u64,
    /// Pitches left with fewer than N reviewers (too few reviewers without a conflict), with
    /// how many are missing.
    pub short: Vec<(Uuid, u64)>,
    /// Every reviewer's number of assigned pitches of the event afterwards.
    pub load: Vec<(organiser::Model, u64)>,
}

/// "Each pitch gets N reviewers": every `submitted` pitch of the event, oldest first, is
/// given reviewers until it has `per_pitch` (assignments made before stay). Candidates are
/// the active members of the role `reviewer` who work on the event; each pitch takes those
/// with the fewest assigned pitches of the event so far (ties by name, then id), skipping a
/// conflict of interest and those already assigned to it. So the load of the reviewers differs
/// by at most one when nothing is skipped. A 409 when the event has no reviewers.
pub async fn spread(db: &DatabaseConnection, event_id: Uuid, per_pitch: u64) -> ApiResult<Spread> {
    let txn = crate::db::begin_write(db).await?;
    let mut candidates = Vec::new();
    for model in organiser::Entity::find()
        .filter(organiser::Column::Role.eq(Role::Reviewer))
        .filter(organiser::Column::RevokedAt.is_null())
        .all(&txn)
        .await?
    {
        if may_review(&txn, event_id, &model).await? {
            candidates.push(model);
        }
    }
    if candidates.is_empty() {
        return Err(ApiError::conflict(
            "the event has no reviewers: add team members of the role 'reviewer' on this event first",
        ));
    }
    candidates.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let existing = review_assignment::Entity::find()
        .filter(review_assignment::Column::EventId.eq(event_id))
        .all(&txn)
        .await?;
    let mut load: HashMap<Uuid, u64> = HashMap::new();
    let mut assigned: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
    for a in &existing {
        *load.entry(a.reviewer_id).or_default() += 1;
        assigned
            .entry(a.pitch_id)
            .or_default()
            .insert(a.reviewer_id);
    }
    let pitches = pitch::Entity::find()
        .filter(pitch::Column::EventId.eq(event_id))
        .filter(pitch::Column::Status.eq(PitchStatus::Submitted))
        .order_by_asc(pitch::Column::CreatedAt)
        .order_by_asc(pitch::Column::Id)
        .all(&txn)
        .await?;
    let now = crate::domain::time::now();
    let mut result = Spread {
        reviewers: candidates.len() as u64,
        pitches: pitches.len() as u64,
        ..Spread::default()
    };
    for p in &pitches {
        let have = assigned.entry(p.id).or_default();
        let need = per_pitch.saturating_sub(have.len() as u64);
        if need == 0 {
            continue;
        }
        let mut eligible: Vec<&organiser::Model> = candidates
            .iter()
            .filter(|c| !have.contains(&c.id))
            .filter(|c| {
                conflict_of_interest(
                    &c.email,
                    c.organisation.as_deref(),
                    &p.presenter_email,
                    &p.organisation,
                )
                .is_none()
            })
            .collect();
        // A stable sort keeps the order by name and id among equal loads.
        eligible.sort_by_key(|c| load.get(&c.id).copied().unwrap_or(0));
        let chosen: Vec<Uuid> = eligible.iter().take(need as usize).map(|c| c.id).collect();
        for id in &chosen {
            review_assignment::ActiveModel {
                pitch_id: Set(p.id),
                reviewer_id: Set(*id),
                event_id: Set(event_id),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
            have.insert(*id);
            *load.entry(*id).or_default() += 1;
            result.created += 1;
        }
        let missing = need - chosen.len() as u64;
        if missing > 0 {
            result.short.push((p.id, missing));
        }
    }
    txn.commit().await?;
    result.load = candidates
        .into_iter()
        .map(|c| {
            let n = load.get(&c.id).copied().unwrap_or(0);
            (c, n)
        })
        .collect();
    Ok(result)
}
