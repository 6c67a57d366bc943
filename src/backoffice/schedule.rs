//! The schedule editor (issue 29, items 3 and 4): per day of the event, the stages as columns
//! and their slots down the page (the draft programme), the accepted pitches not yet placed
//! beside them, and the changes since the last release with the "Release" form. Placing,
//! moving and unplacing are plain forms that call the same services as the API
//! (`pitch_slots::assign`, `update` and `unassign`, `releases::release`); a rule the service
//! refuses (409, 422) comes back as the page with the message at the slot, nothing lost.
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use chrono::TimeZone;
use entity::event;
use entity::pitch::{self, PitchStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use uuid::Uuid;

use super::event_texts::Words;
use super::events::{check_post, crumb, managed_event, TokenOnly};
use super::schedule_texts::Say;
use super::{PageError, Session, Texts};
use crate::domain::time::long_date;
use crate::error::ApiError;
use crate::pages::{render, see_other, when};
use crate::services::releases::{self, Change, ChangeKind};
use crate::services::{pitch_slots, programme};
use crate::state::AppState;

/// A slot as the editor shows it.
pub struct SlotCell {
    pub id: Uuid,
    pub when: String,
    /// Its stage, start and end as the move form shows them (`datetime-local` values).
    pub stage_id: Uuid,
    pub starts_at: String,
    pub ends_at: String,
    /// The pitch's title and presenter, when placed.
    pub pitch: Option<String>,
    /// The message of a refused change at this slot.
    pub error: Option<String>,
}

/// A stage's column on one day.
pub struct StageColumn {
    pub name: String,
    pub slots: Vec<SlotCell>,
}

/// One day of the event.
pub struct Day {
    pub label: String,
    pub stages: Vec<StageColumn>,
}

#[derive(Template)]
#[template(path = "backoffice/schedule.html")]
struct EditorPage {
    t: &'static Texts,
    w: &'static Words,
    s: &'static Say,
    form_token: String,
    crumbs: Vec<(String, String)>,
    event_title: String,
    base: String,
    done: Option<&'static str>,
    released_version: Option<i32>,
    days: Vec<Day>,
    /// Every stage: id and name, for the move form.
    stages: Vec<(Uuid, String)>,
    /// id, title, presenter and minutes.
    unplaced: Vec<(Uuid, String, String, i32)>,
    changes: Vec<String>,
}

/// `?done=` of the editor.
#[derive(Debug, Deserialize)]
pub struct EditorQuery {
    #[serde(default)]
    done: Option<String>,
}

/// The placing form: the pitch for the slot.
#[derive(Debug, Default, Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    pitch_id: String,
}

/// The move form: stage, start and end as local date-times (`2027-06-24T10:00`).
#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    stage_id: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
}

/// The release form.
#[derive(Debug, Default, Deserialize)]
pub struct ReleaseForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    note: String,
}

/// `2027-06-24T10:00`: an instant as local time in `zone`, as `datetime-local` shows it.
fn local_value(instant: chrono::DateTime<chrono::Utc>, zone: chrono_tz::Tz) -> String {
    zone.from_utc_datetime(&instant.naive_utc())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` value in the event's zone; a 422 naming `field` otherwise.
fn local_instant(
    field: &str,
    raw: &str,
    zone: chrono_tz::Tz,
) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    let raw = raw.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(raw, format).ok())
        .and_then(|naive| crate::domain::time::local_to_instant(zone, naive))
        .ok_or_else(|| ApiError::invalid(field, "must be a date and time such as 2027-06-24T10:00"))
}

fn base(event: &event::Model) -> String {
    format!("/orga/events/{}/schedule", event.slug)
}

/// A change as one line of the list.
fn change_line(
    s: &Say,
    event: &event::Model,
    c: &Change,
    lang: entity::registration::Language,
) -> String {
    let tz = event.timezone.as_str();
    let place = |p: &releases::Place| {
        format!(
            "{}, {}",
            p.stage_name,
            when::span(p.starts_at, p.ends_at, tz, lang)
        )
    };
    let what = match c.kind {
        ChangeKind::Placed => s.placed,
        ChangeKind::Moved => s.moved,
        ChangeKind::Unplaced => s.removed,
        ChangeKind::SlotAdded => s.slot_added,
        ChangeKind::SlotChanged => s.slot_changed,
        ChangeKind::SlotRemoved => s.slot_removed,
    };
    let mut line = match &c.pitch_title {
        Some(title) => format!("{title}: {what}"),
        None => what.to_owned(),
    };
    match (&c.from, &c.to) {
        (Some(from), Some(to)) => line.push_str(&format!(" ({} → {})", place(from), place(to))),
        (Some(at), None) | (None, Some(at)) => line.push_str(&format!(" ({})", place(at))),
        (None, None) => {}
    }
    if c.mailed {
        line.push_str(&format!(" · {}", s.mailed));
    }
    line
}

/// The message of a refused change: the service's words for the rule.
fn message(err: &ApiError) -> String {
    let problem = err.problem();
    problem
        .errors
        .first()
        .map(|e| e.message.clone())
        .unwrap_or(problem.detail)
}

async fn page(
    state: &AppState,
    session: &Session,
    event: &event::Model,
    done: Option<&'static str>,
    error: Option<(Uuid, String)>,
) -> Result<EditorPage, PageError> {
    let lang = session.lang;
    let api = |err| PageError::Api(lang, err);
    let t = Texts::of(lang);
    let s = Say::of(lang);
    let draft = programme::load_draft(&state.db, event.id)
        .await
        .map_err(api)?;
    let (released_version, changes) = releases::pending(&state.db, event.id).await.map_err(api)?;
    let tz: chrono_tz::Tz = event.timezone.parse().unwrap_or(chrono_tz::UTC);
    let mut dates: Vec<chrono::NaiveDate> = draft
        .slots
        .iter()
        .map(|slot| {
            tz.from_utc_datetime(&slot.starts_at.naive_utc())
                .date_naive()
        })
        .collect();
    dates.dedup();
    let days = dates
        .into_iter()
        .map(|date| Day {
            label: long_date(&date, lang),
            stages: draft
                .stages
                .iter()
                .map(|stage| StageColumn {
                    name: stage.name.clone(),
                    slots: draft
                        .slots_on(stage.id)
                        .filter(|slot| {
                            tz.from_utc_datetime(&slot.starts_at.naive_utc())
                                .date_naive()
                                == date
                        })
                        .map(|slot| SlotCell {
                            id: slot.id,
                            when: when::span(slot.starts_at, slot.ends_at, &event.timezone, lang),
                            stage_id: slot.stage_id,
                            starts_at: local_value(slot.starts_at, tz),
                            ends_at: local_value(slot.ends_at, tz),
                            pitch: draft
                                .pitch_of(slot)
                                .map(|p| format!("{} — {}", p.title, p.presenter_name)),
                            error: error
                                .as_ref()
                                .filter(|(at, _)| *at == slot.id)
                                .map(|(_, m)| m.clone()),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let placed: Vec<Uuid> = draft.slots.iter().filter_map(|s| s.pitch_id).collect();
    let unplaced = pitch::Entity::find()
        .filter(pitch::Column::EventId.eq(event.id))
        .filter(pitch::Column::Status.eq(PitchStatus::Accepted))
        .order_by_asc(pitch::Column::Title)
        .all(&state.db)
        .await
        .map_err(|e| api(e.into()))?
        .into_iter()
        .filter(|p| !placed.contains(&p.id))
        .map(|p| (p.id, p.title, p.presenter_name, p.duration_minutes))
        .collect();
    Ok(EditorPage {
        t,
        w: Words::of(lang),
        s,
        form_token: session.form_token.clone(),
        crumbs: vec![crumb(event, t.lang)],
        event_title: event.title.clone(),
        base: base(event),
        done,
        released_version,
        days,
        stages: draft
            .stages
            .iter()
            .map(|s| (s.id, s.name.clone()))
            .collect(),
        unplaced,
        changes: changes
            .iter()
            .map(|c| change_line(s, event, c, lang))
            .collect(),
    })
}

/// `GET /orga/events/{slug}/schedule`: the editor.
pub async fn editor(
    state: web::Data<AppState>,
    session: Session,
    key: web::Path<String>,
    query: web::Query<EditorQuery>,
) -> Result<HttpResponse, PageError> {
    let event = managed_event(&state, &session, &key).await?;
    let s = Say::of(session.lang);
    let done = match query.done.as_deref() {
        Some("placed") => Some(s.done_placed),
        Some("unplaced") => Some(s.done_unplaced),
        Some("moved") => Some(s.done_moved),
        Some("released") => Some(s.done_released),
        _ => None,
    };
    let page = page(&state, &session, &event, done, None).await?;
    Ok(render(StatusCode::OK, &page))
}

/// The editor after a change, or again with the refusal at the slot (409, 422).
async fn after(
    state: &AppState,
    session: &Session,
    event: &event::Model,
    slot: Uuid,
    result: Result<(), ApiError>,
    done: &str,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(()) => Ok(see_other(&format!(
            "{}?lang={}&done={done}#slot-{slot}",
            base(event),
            Texts::of(session.lang).lang
        ))),
        Err(err) if matches!(err.status_code().as_u16(), 409 | 422) => {
            let status = err.status_code();
            let page = page(state, session, event, None, Some((slot, message(&err)))).await?;
            Ok(render(status, &page))
        }
        Err(err) => Err(PageError::Api(session.lang, err)),
    }
}

/// `POST /orga/events/{slug}/schedule/slots/{id}/place`: `pitch_slots::assign`, as `PUT
/// /api/v1/events/{event}/pitch-slots/{id}/assignment`.
pub async fn place(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<PlaceForm>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let (key, slot) = path.into_inner();
    let event = managed_event(&state, &session, &key).await?;
    let result = match form.pitch_id.trim().parse::<Uuid>() {
        Ok(pitch) => pitch_slots::assign(&state, event.id, slot, pitch)
            .await
            .map(|_| ()),
        Err(_) => Err(ApiError::invalid("pitch_id", "choose a pitch")),
    };
    after(&state, &session, &event, slot, result, "placed").await
}

/// `POST /orga/events/{slug}/schedule/slots/{id}/move`: `pitch_slots::update`, as `PATCH
/// /api/v1/events/{event}/pitch-slots/{id}`; the times are local times of the event's zone.
pub async fn move_slot(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let (key, slot) = path.into_inner();
    let event = managed_event(&state, &session, &key).await?;
    let zone: chrono_tz::Tz = event.timezone.parse().unwrap_or(chrono_tz::UTC);
    let change = (|| {
        Ok::<_, ApiError>(pitch_slots::SlotChange {
            stage_id: Some(
                form.stage_id
                    .trim()
                    .parse::<Uuid>()
                    .map_err(|_| ApiError::invalid("stage_id", "choose a stage"))?,
            ),
            starts_at: Some(local_instant("starts_at", &form.starts_at, zone)?),
            ends_at: Some(local_instant("ends_at", &form.ends_at, zone)?),
        })
    })();
    let result = match change {
        Ok(change) => pitch_slots::update(&state, event.id, slot, change)
            .await
            .map(|_| ()),
        Err(err) => Err(err),
    };
    after(&state, &session, &event, slot, result, "moved").await
}

/// `POST /orga/events/{slug}/schedule/slots/{id}/unplace`: `pitch_slots::unassign`, as `DELETE
/// /api/v1/events/{event}/pitch-slots/{id}/assignment`.
pub async fn unplace(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    path: web::Path<(String, Uuid)>,
    form: web::Form<TokenOnly>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let (key, slot) = path.into_inner();
    let event = managed_event(&state, &session, &key).await?;
    let result = pitch_slots::unassign(&state, event.id, slot).await;
    after(&state, &session, &event, slot, result, "unplaced").await
}

/// `POST /orga/events/{slug}/schedule/release`: `releases::release`, as `POST
/// /api/v1/events/{event}/schedule/releases`.
pub async fn release(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    key: web::Path<String>,
    form: web::Form<ReleaseForm>,
) -> Result<HttpResponse, PageError> {
    check_post(&req, &state, &session, &form.form_token)?;
    let event = managed_event(&state, &session, &key).await?;
    let lang = session.lang;
    let note = releases::parse_note(Some(&form.note)).map_err(|e| PageError::Api(lang, e))?;
    releases::release(&state, event.id, note)
        .await
        .map_err(|e| PageError::Api(lang, e))?;
    Ok(see_other(&format!(
        "{}?lang={}&done=released",
        base(&event),
        Texts::of(lang).lang
    )))
}
