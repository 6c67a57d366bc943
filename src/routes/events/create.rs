//! `POST /events`: a new draft.
use actix_web::{post, web, HttpResponse};

use super::{CreateEvent, EventResponse};
use crate::domain::event::{self as rules, NewEvent, Schedule};
use crate::domain::text::{self, Validator};
use crate::domain::time::{parse_instant, parse_timezone};
use crate::domain::{EmailAddress, Slug};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{need::CreateEvents, Allowed};
use crate::services::events;
use crate::state::AppState;

impl TryFrom<CreateEvent> for NewEvent {
    type Error = ApiError;

    fn try_from(body: CreateEvent) -> Result<Self, ApiError> {
        let mut v = Validator::new();
        let title = v.check(text::one_line("title", &body.title, rules::TITLE_MAX));
        let slug = match &body.slug {
            Some(s) => v
                .check(Slug::parse("slug", s).map(Slug::into_inner))
                .map(Some),
            None => Some(None),
        };
        let description = v.check(text::multi_line(
            "description",
            body.description.as_deref().unwrap_or_default(),
            rules::DESCRIPTION_MAX,
        ));
        let venue = v.check(text::optional_line(
            "venue",
            body.venue.as_deref().unwrap_or_default(),
            rules::VENUE_MAX,
        ));
        let address = v.check(text::optional_line(
            "address",
            body.address.as_deref().unwrap_or_default(),
            rules::ADDRESS_MAX,
        ));
        let organiser_name = v.check(text::optional_line(
            "organiser_name",
            body.organiser_name.as_deref().unwrap_or_default(),
            rules::ORGANISER_NAME_MAX,
        ));
        let organiser_email = match body.organiser_email.as_deref().map(str::trim) {
            None | Some("") => Some(String::new()),
            Some(raw) => v
                .check(EmailAddress::parse("organiser_email", raw))
                .map(EmailAddress::into_inner),
        };
        let timezone = v.check(parse_timezone(
            "timezone",
            body.timezone.as_deref().unwrap_or("UTC"),
        ));
        let starts_at = v.check(parse_instant("starts_at", &body.starts_at));
        let ends_at = v.check(parse_instant("ends_at", &body.ends_at));
        let opens = optional_instant(
            &mut v,
            "registration_opens_at",
            body.registration_opens_at.as_deref(),
        );
        let closes = optional_instant(
            &mut v,
            "registration_closes_at",
            body.registration_closes_at.as_deref(),
        );
        let capacity = body.capacity.unwrap_or(100);
        let capacity = i32::try_from(capacity).unwrap_or(-1);
        rules::check_capacity(&mut v, "capacity", capacity);
        let exhibit_capacity = body
            .exhibit_capacity
            .map(|c| i32::try_from(c).unwrap_or(-1));
        if let Some(c) = exhibit_capacity {
            rules::check_capacity(&mut v, "exhibit_capacity", c);
        }
        let series = match &body.series {
            Some(s) => v
                .check(Slug::parse("series", s).map(Slug::into_inner))
                .map(Some),
            None => Some(None),
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
        }
        let limits = crate::domain::event::MailboxLimits::default().with(
            &mut v,
            body.mailbox_registrations_max,
            body.mailbox_holds_max,
            body.hold_hours,
        );
        v.finish()?;
        match (
            title,
            slug,
            description,
            venue,
            address,
            timezone,
            starts_at,
            ends_at,
            opens,
            closes,
            series,
        ) {
            (
                Some(title),
                Some(slug),
                Some(description),
                Some(venue),
                Some(address),
                Some(timezone),
                Some(starts_at),
                Some(ends_at),
                Some(registration_opens_at),
                Some(registration_closes_at),
                Some(series),
            ) => Ok(NewEvent {
                title,
                slug,
                description,
                venue,
                address,
                timezone,
                starts_at,
                ends_at,
                capacity,
                waitlist: body.waitlist.unwrap_or(true),
                registration_opens_at,
                registration_closes_at,
                require_email_confirmation: body.require_email_confirmation.unwrap_or(false),
                exhibit_capacity,
                series,
                limits,
                organiser_name: organiser_name.unwrap_or_default(),
                organiser_email: organiser_email.unwrap_or_default(),
            }),
            _ => Err(ApiError::BadRequest("invalid event".to_owned())),
        }
    }
}

/// `Some(None)` when absent, `Some(Some(t))` when valid, `None` (error recorded) when invalid.
pub(super) fn optional_instant(
    v: &mut Validator,
    field: &str,
    value: Option<&str>,
) -> Option<Option<chrono::DateTime<chrono::Utc>>> {
    match value {
        None => Some(None),
        Some(raw) => v.check(parse_instant(field, raw)).map(Some),
    }
}

/// Create a draft event.
#[utoipa::path(tag = "events", security(("bearer" = [])), request_body = CreateEvent,
    responses((status = 201, body = EventResponse, headers(("Location" = String), ("ETag" = String))),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/events")]
pub async fn create_event(
    state: web::Data<AppState>,
    _who: Allowed<CreateEvents>,
    body: crate::http::extract::Json<CreateEvent>,
) -> ApiResult<HttpResponse> {
    let new = NewEvent::try_from(body.into_inner())?;
    let events::Once::New(event, _) = events::create_as_sender(&state, new, None).await? else {
        return Err(ApiError::conflict("the event was made already"));
    };
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/events/{}", event.id)))
        .insert_header(("ETag", super::etag(&event)))
        .json(EventResponse::new(event, &state.public_url)))
}
