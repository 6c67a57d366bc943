//! `PATCH /events/{event}`: partial update with ETag / If-Match.
use actix_web::{patch, web, HttpRequest, HttpResponse};

use super::{create::optional_instant, EventResponse, UpdateEvent};
use crate::domain::event::{self as rules, EventChanges, MailboxChanges};
use crate::domain::text::{self, Validator};
use crate::domain::time::{parse_instant, parse_timezone};
use crate::domain::{EmailAddress, Slug};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::Manage, Allowed};
use crate::routes::check_if_match;
use crate::services::events;
use crate::state::AppState;

/// Each given field checked on its own (422 naming every bad field); the rules between fields
/// and against the stored event are `events::update`'s.
impl TryFrom<UpdateEvent> for EventChanges {
    type Error = ApiError;

    fn try_from(body: UpdateEvent) -> Result<Self, ApiError> {
        let mut v = Validator::new();
        // Checked in the order of the fields, so the 422 lists them so.
        let changes = Self {
            title: body
                .title
                .and_then(|t| v.check(text::one_line("title", &t, rules::TITLE_MAX))),
            slug: body.slug.and_then(|s| v.check(Slug::parse("slug", &s))),
            description: body
                .description
                .and_then(|d| v.check(text::multi_line("description", &d, rules::DESCRIPTION_MAX))),
            venue: body
                .venue
                .and_then(|x| v.check(text::optional_line("venue", &x, rules::VENUE_MAX))),
            address: body
                .address
                .and_then(|x| v.check(text::optional_line("address", &x, rules::ADDRESS_MAX))),
            timezone: body
                .timezone
                .and_then(|tz| v.check(parse_timezone("timezone", &tz))),
            starts_at: body
                .starts_at
                .and_then(|s| v.check(parse_instant("starts_at", &s))),
            ends_at: body
                .ends_at
                .and_then(|s| v.check(parse_instant("ends_at", &s))),
            registration_opens_at: body.registration_opens_at.and_then(|value| {
                optional_instant(&mut v, "registration_opens_at", value.as_deref())
            }),
            registration_closes_at: body.registration_closes_at.and_then(|value| {
                optional_instant(&mut v, "registration_closes_at", value.as_deref())
            }),
            capacity: body.capacity.map(|c| {
                let c = i32::try_from(c).unwrap_or(-1);
                rules::check_capacity(&mut v, "capacity", c);
                c
            }),
            waitlist: body.waitlist,
            require_email_confirmation: body.require_email_confirmation,
            limits: MailboxChanges::parse(
                &mut v,
                body.mailbox_registrations_max,
                body.mailbox_holds_max,
                body.hold_hours,
            ),
            exhibit_capacity: body.exhibit_capacity.map(|c| {
                c.map(|c| {
                    let c = i32::try_from(c).unwrap_or(-1);
                    rules::check_capacity(&mut v, "exhibit_capacity", c);
                    c
                })
            }),
            series: body.series.and_then(|series| match series {
                Some(s) => v.check(Slug::parse("series", &s)).map(Some),
                None => Some(None),
            }),
            organiser_name: body.organiser_name.and_then(|name| {
                v.check(text::optional_line(
                    "organiser_name",
                    &name,
                    rules::ORGANISER_NAME_MAX,
                ))
            }),
            organiser_email: body
                .organiser_email
                .and_then(|e| v.check(EmailAddress::parse("organiser_email", &e))),
        };
        v.finish()?;
        Ok(changes)
    }
}

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
    _who: Allowed<Manage>,
    req: HttpRequest,
    key: web::Path<String>,
    body: crate::http::extract::Json<UpdateEvent>,
) -> ApiResult<HttpResponse> {
    let found = events::find_visible(&state.db, &key, true).await?;
    let changes = EventChanges::try_from(body.into_inner())?;
    let updated = events::update(&state, found.id, changes, |before| {
        check_if_match(&req, &super::etag(before))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", super::etag(&updated)))
        .json(EventResponse::new(updated, &state.public_url)))
}
