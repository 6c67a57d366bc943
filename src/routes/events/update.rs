//! `PATCH /events/{event}`: partial update with ETag / If-Match.
use actix_web::{patch, web, HttpRequest, HttpResponse};
use entity::event;
use sea_orm::{ActiveModelTrait, Set};

use super::{create::optional_instant, EventResponse, UpdateEvent};
use crate::domain::event::{self as rules, Schedule};
use crate::domain::text::{self, Validator};
use crate::domain::time::{parse_instant, parse_timezone};
use crate::domain::EmailAddress;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::Organiser;
use crate::routes::check_if_match;
use crate::services::{calendar_entries, events, registrations};
use crate::state::AppState;

/// Update an event; `If-Match` guards against lost updates. Capacity below the seats taken is a 409.
#[utoipa::path(tag = "events", security(("bearer" = [])), request_body = UpdateEvent,
    params(("event" = String, Path, description = "id or slug"), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = EventResponse, headers(("ETag" = String))),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[patch("/events/{event}")]
pub async fn update_event(
    state: web::Data<AppState>,
    _who: Organiser,
    req: HttpRequest,
    key: web::Path<String>,
    body: web::Json<UpdateEvent>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let found = events::find_visible(&state.db, &key, true).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let locked = events::lock_for_change(&txn, found.id).await?;
    let before = event::Model {
        version: locked.version - 1,
        ..locked.clone()
    };
    // Invalid values (422) come first, then a stale If-Match (412), then conflicts (409).
    let mut conflict: Option<ApiError> = None;
    let mut v = Validator::new();
    let mut active: event::ActiveModel = locked.clone().into();
    let mut moved = false;
    if let Some(title) = &body.title {
        if let Some(t) = v.check(text::one_line("title", title, rules::TITLE_MAX)) {
            active.title = Set(t);
        }
    }
    if let Some(slug) = &body.slug {
        if let Some(s) = v.check(text::slug("slug", slug)) {
            if s != locked.slug && events::find(&txn, &s).await?.is_some() {
                conflict = Some(ApiError::conflict(format!("the slug '{s}' is taken")));
            }
            active.slug = Set(s);
        }
    }
    if let Some(d) = &body.description {
        if let Some(d) = v.check(text::multi_line("description", d, rules::DESCRIPTION_MAX)) {
            active.description = Set(d);
        }
    }
    if let Some(venue) = &body.venue {
        if let Some(x) = v.check(text::optional_line("venue", venue, rules::VENUE_MAX)) {
            moved |= x != locked.venue;
            active.venue = Set(x);
        }
    }
    if let Some(address) = &body.address {
        if let Some(x) = v.check(text::optional_line("address", address, rules::ADDRESS_MAX)) {
            moved |= x != locked.address;
            active.address = Set(x);
        }
    }
    if let Some(tz) = &body.timezone {
        if let Some(tz) = v.check(parse_timezone("timezone", tz)) {
            moved |= tz.name() != locked.timezone;
            active.timezone = Set(tz.name().to_owned());
        }
    }
    let starts_at = match &body.starts_at {
        Some(s) => v.check(parse_instant("starts_at", s)),
        None => Some(locked.starts_at),
    };
    let ends_at = match &body.ends_at {
        Some(s) => v.check(parse_instant("ends_at", s)),
        None => Some(locked.ends_at),
    };
    let opens = match &body.registration_opens_at {
        Some(value) => optional_instant(&mut v, "registration_opens_at", value.as_deref()),
        None => Some(locked.registration_opens_at),
    };
    let closes = match &body.registration_closes_at {
        Some(value) => optional_instant(&mut v, "registration_closes_at", value.as_deref()),
        None => Some(locked.registration_closes_at),
    };
    if let (Some(starts_at), Some(ends_at), Some(opens), Some(closes)) =
        (starts_at, ends_at, opens, closes)
    {
        Schedule {
            starts_at,
            ends_at,
            registration_opens_at: opens,
            registration_closes_at: closes,
        }
        .check(&mut v);
        moved |= starts_at != locked.starts_at || ends_at != locked.ends_at;
        active.starts_at = Set(starts_at);
        active.ends_at = Set(ends_at);
        active.registration_opens_at = Set(opens);
        active.registration_closes_at = Set(closes);
    }
    let mut capacity_grew = false;
    if let Some(capacity) = body.capacity {
        let capacity = i32::try_from(capacity).unwrap_or(-1);
        rules::check_capacity(&mut v, "capacity", capacity);
        if v.is_ok() {
            let taken = locked.confirmed_count + locked.pending_count;
            if capacity < taken {
                conflict = Some(ApiError::conflict(format!(
                    "capacity {capacity} is below the {taken} seats already taken"
                )));
            }
            capacity_grew = capacity > locked.capacity;
            active.capacity = Set(capacity);
        }
    }
    if let Some(waitlist) = body.waitlist {
        active.waitlist = Set(waitlist);
    }
    if let Some(confirm) = body.require_email_confirmation {
        active.require_email_confirmation = Set(confirm);
    }
    let limits = crate::domain::event::MailboxLimits {
        registrations_max: locked.mailbox_registrations_max,
        holds_max: locked.mailbox_holds_max,
        hold_hours: locked.hold_hours,
    }
    .with(
        &mut v,
        body.mailbox_registrations_max,
        body.mailbox_holds_max,
        body.hold_hours,
    );
    active.mailbox_registrations_max = Set(limits.registrations_max);
    active.mailbox_holds_max = Set(limits.holds_max);
    active.hold_hours = Set(limits.hold_hours);
    if let Some(value) = body.exhibit_capacity {
        let value = value.map(|c| i32::try_from(c).unwrap_or(-1));
        if let Some(c) = value {
            rules::check_capacity(&mut v, "exhibit_capacity", c);
            if v.is_ok() && c < locked.approved_exhibits {
                conflict = Some(ApiError::conflict(format!(
                    "exhibit_capacity {c} is below the {} approved exhibits",
                    locked.approved_exhibits
                )));
            }
        }
        active.exhibit_capacity = Set(value);
    }
    if let Some(series) = &body.series {
        match series {
            Some(s) => {
                if let Some(s) = v.check(text::slug("series", s)) {
                    active.series = Set(Some(s));
                }
            }
            None => active.series = Set(None),
        }
    }
    if let Some(name) = &body.organiser_name {
        if let Some(n) = v.check(text::optional_line(
            "organiser_name",
            name,
            rules::ORGANISER_NAME_MAX,
        )) {
            active.organiser_name = Set(n);
        }
    }
    if let Some(email) = &body.organiser_email {
        if let Some(e) = v.check(EmailAddress::parse("organiser_email", email)) {
            active.organiser_email = Set(e.into_inner());
        }
    }
    v.finish()?;
    check_if_match(&req, &super::etag(&before))?;
    if let Some(conflict) = conflict {
        return Err(conflict);
    }
    if moved {
        active.sequence = Set(locked.sequence + 1);
    }
    let mut updated = active.update(&txn).await?;
    // Time, place, title or organiser shown in the calendars: new SEQUENCE where they changed.
    calendar_entries::sync(&txn, updated.id).await?;
    if capacity_grew {
        registrations::promote_waitlisted(&txn, &state.public_url, updated.id).await?;
        updated = events::find_visible(&txn, &updated.id.to_string(), true).await?;
    }
    txn.commit().await?;
    if capacity_grew {
        state.wake_mailer();
    }
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", super::etag(&updated)))
        .json(EventResponse::new(updated, &state.public_url)))
}
