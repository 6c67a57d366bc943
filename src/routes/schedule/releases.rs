//! `POST` / `GET /events/{event}/schedule/releases`, `GET …/releases/{version}` and
//! `GET /events/{event}/schedule/draft`: releasing the draft programme, and what a release
//! would publish.
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::time::in_zone;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
use crate::routes::pagination::{next_offset_cursor, Page, PageQuery};
use crate::routes::pitch_slots::SlotResponse;
use crate::services::releases::{self, Change, ChangeKind, Place, Release};
use crate::services::{events, programme};
use crate::state::AppState;

/// A release of the draft programme.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Panel moved to the main stage"}))]
pub struct ReleaseRequest {
    /// What changed, for the organisers' record: multi-line text, at most 2000 characters;
    /// absent or empty: no note.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Where and when a pitch or slot is.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceResponse {
    /// The slot's id.
    pub slot_id: Uuid,
    /// The stage's id.
    pub stage_id: Uuid,
    /// The stage's name at the release (or now, for the draft).
    pub stage_name: String,
    /// Start: event-local time with offset.
    pub starts_at: DateTime<FixedOffset>,
    /// End: event-local time with offset.
    pub ends_at: DateTime<FixedOffset>,
}

/// One change of the programme between two releases (or the last release and the draft).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeResponse {
    /// `placed`, `moved`, `unplaced` (a pitch); `slot_added`, `slot_changed`, `slot_removed`
    /// (an open slot).
    pub kind: ChangeKind,
    /// The pitch; `null` for an open slot's change.
    pub pitch_id: Option<Uuid>,
    /// The pitch's title (`null` for an open slot, or a pitch erased since).
    pub pitch_title: Option<String>,
    /// Who presents it.
    pub presenter_name: Option<String>,
    /// As the previous release had it; `null` for `placed` and `slot_added`.
    pub from: Option<PlaceResponse>,
    /// As released (or in the draft); `null` for `unplaced` and `slot_removed`.
    pub to: Option<PlaceResponse>,
    /// Whether the presenter is (or, in the draft, will be) mailed about it: one mail per changed
    /// pitch, with an iTIP `REQUEST` (placed, moved) or `CANCEL` (unplaced). A pitch withdrawn,
    /// rejected or erased since is not mailed again.
    pub mailed: bool,
}

/// A release of the programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseResponse {
    /// 1, 2, …: one more than the event's previous release.
    pub version: i32,
    /// The organiser's note (may be empty).
    pub note: String,
    /// When it was released: event-local time with offset.
    pub released_at: DateTime<FixedOffset>,
    /// What this release changed against the one before (empty for release 1 made from a
    /// programme that predates releases, and for a release without changes).
    pub changes: Vec<ChangeResponse>,
}

/// The draft programme against the last release.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftResponse {
    /// The version of the last release (what the public sees); `null` before the first release.
    pub released_version: Option<i32>,
    /// What a release would publish now, by pitch, then the open slots; empty when the draft is
    /// the last release.
    pub changes: Vec<ChangeResponse>,
    /// The draft's slots by time, as an organiser's `GET …/pitch-slots` shows them.
    pub slots: Vec<SlotResponse>,
}

fn place(p: &Place, tz: &str) -> PlaceResponse {
    PlaceResponse {
        slot_id: p.slot_id,
        stage_id: p.stage_id,
        stage_name: p.stage_name.clone(),
        starts_at: in_zone(p.starts_at, tz),
        ends_at: in_zone(p.ends_at, tz),
    }
}

fn change(c: &Change, tz: &str) -> ChangeResponse {
    ChangeResponse {
        kind: c.kind,
        pitch_id: c.pitch_id,
        pitch_title: c.pitch_title.clone(),
        presenter_name: c.presenter_name.clone(),
        from: c.from.as_ref().map(|p| place(p, tz)),
        to: c.to.as_ref().map(|p| place(p, tz)),
        mailed: c.mailed,
    }
}

fn release_response(r: &Release, tz: &str) -> ReleaseResponse {
    ReleaseResponse {
        version: r.version,
        note: r.note.clone(),
        released_at: in_zone(r.released_at, tz),
        changes: r.changes.iter().map(|c| change(c, tz)).collect(),
    }
}

/// Release the draft programme as the next version. The public programme (schedule, public
/// pitch slots, event page, calendar feeds) shows it from now on. Each presenter whose slot
/// changed (placed, moved, unplaced) gets one mail saying what changed, with an iTIP `.ics`
/// (`REQUEST`, or `CANCEL` when unplaced), queued in the release's transaction; in the feeds
/// each changed entry's SEQUENCE grows by one. A release with no change since the last is
/// allowed: a new version with no changes, mailing nobody. Two releases at once get two
/// versions (they queue on the event's lock). 409 when the event is cancelled; 403 for a
/// member who may not manage the event (reviewer, door).
#[utoipa::path(tag = "releases", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug")),
    request_body = ReleaseRequest,
    responses(
        (status = 201, body = ReleaseResponse, headers(("Location" = String))),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[post("/events/{event}/schedule/releases")]
pub async fn create_release(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    body: crate::http::extract::Json<ReleaseRequest>,
) -> ApiResult<HttpResponse> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let note = releases::parse_note(body.note.as_deref())?;
    let (event, release) = releases::release(&state, event.id, note).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!(
                "/api/v1/events/{}/schedule/releases/{}",
                event.id, release.version
            ),
        ))
        .json(release_response(&release, &event.timezone)))
}

/// The event's releases, newest first (organisers).
#[utoipa::path(tag = "releases", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug"), PageQuery),
    responses((status = 200, body = Page<ReleaseResponse>),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/events/{event}/schedule/releases")]
pub async fn list_releases(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ReleaseResponse>>> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let (limit, offset) = (query.limit()?, query.offset()?);
    let all = releases::list(&state.db, event.id).await?;
    let total = all.len() as u64;
    let items: Vec<ReleaseResponse> = all
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|r| release_response(r, &event.timezone))
        .collect();
    Ok(web::Json(Page {
        next_cursor: next_offset_cursor(offset, items.len(), total),
        items,
        total,
    }))
}

/// The version of a release in a path.
#[derive(Debug, Deserialize, IntoParams)]
pub struct VersionPath {
    /// The event's id or slug.
    pub event: String,
    /// The release's version.
    pub version: i32,
}

/// One release (organisers).
#[utoipa::path(tag = "releases", security(("bearer" = [])),
    params(VersionPath),
    responses((status = 200, body = ReleaseResponse),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/schedule/releases/{version}")]
pub async fn get_release(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    path: web::Path<VersionPath>,
) -> ApiResult<web::Json<ReleaseResponse>> {
    let event = events::find_visible(&state.db, &path.event, true).await?;
    let release = releases::list(&state.db, event.id)
        .await?
        .into_iter()
        .find(|r| r.version == path.version)
        .ok_or_else(|| ApiError::not_found("release"))?;
    Ok(web::Json(release_response(&release, &event.timezone)))
}

/// The draft programme the organisers edit, and what a release would publish now: the changes
/// since the last release (organisers).
#[utoipa::path(tag = "releases", security(("bearer" = [])),
    params(("event" = String, Path, description = "id or slug")),
    responses((status = 200, body = DraftResponse),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/events/{event}/schedule/draft")]
pub async fn draft(
    state: web::Data<AppState>,
    _who: Allowed<Manage>,
    key: web::Path<String>,
) -> ApiResult<web::Json<DraftResponse>> {
    let event = events::find_visible(&state.db, &key, true).await?;
    let (released_version, changes) = releases::pending(&state.db, event.id).await?;
    let draft = programme::load_draft(&state.db, event.id).await?;
    let slots = draft
        .slots
        .iter()
        .filter_map(|slot| {
            draft.stage(slot.stage_id).map(|stage| {
                SlotResponse::new(slot, stage, draft.pitch_of(slot), &event.timezone, true)
            })
        })
        .collect();
    Ok(web::Json(DraftResponse {
        released_version,
        changes: changes.iter().map(|c| change(c, &event.timezone)).collect(),
        slots,
    }))
}
