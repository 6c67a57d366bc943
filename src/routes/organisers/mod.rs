//! Organiser accounts (team members): admins create, change and revoke them, with a role and
//! the events they work on (issue 28); everyone may see and rotate their own.
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use entity::organiser::{self, Role};
use entity::registration::Language;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::member::{self, Member, MemberChanges, NewMember};
use crate::domain::{text, EmailAddress, Validator};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{Admin, Organiser};
use crate::services::organisers;
use crate::state::AppState;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(me)
        .service(get_one)
        .service(update)
        .service(rotate_me)
        .service(rotate)
        .service(revoke);
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Erika Muster", "email": "erika@cluster.example", "role": "door", "events": ["jahrestagung-2027"]}))]
pub struct CreateOrganiser {
    /// The organiser's name, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The organiser's e-mail address (at most 254 characters), unique among active
    /// organisers (case-insensitive).
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// `organiser` (default: everything of their events), `admin` (everything, the team),
    /// `reviewer` (their events' pitches, to read and score; no attendee data) or `door`
    /// (check-in and the door page of their events).
    #[serde(default)]
    pub role: Option<Role>,
    /// The events the member works on, by id or slug; absent or empty: every event. An
    /// admin works on every event whatever this says.
    #[serde(default)]
    #[schema(max_items = 500)]
    pub events: Option<Vec<String>>,
    /// The member's language for the backoffice pages and their mails, `de` or `en`; absent:
    /// the language of the request (`Accept-Language`, English when it names neither).
    #[serde(default)]
    pub language: Option<Language>,
    /// The member's organisation, one line of at most 200 characters; optional. A reviewer
    /// does not review a pitch of their own organisation (compared ignoring case and spaces)
    /// nor of their own mail domain.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub organisation: Option<String>,
}

impl CreateOrganiser {
    /// The new member, the language defaulting to `fallback` (the request's).
    fn into_member(self, fallback: Language) -> Result<NewMember, ApiError> {
        let language = self.language.unwrap_or(fallback);
        let mut member = NewMember::try_from(self)?;
        member.language = language;
        Ok(member)
    }
}

impl TryFrom<CreateOrganiser> for NewMember {
    type Error = ApiError;

    /// The new member; the language `en` when the body names none.
    fn try_from(body: CreateOrganiser) -> Result<Self, ApiError> {
        let mut v = Validator::new();
        let name = v.check(text::one_line("name", &body.name, 200));
        let email = v.check(EmailAddress::parse("email", &body.email));
        let events = v.check(member::event_keys(
            "events",
            body.events.as_deref().unwrap_or_default(),
        ));
        let organisation = body
            .organisation
            .as_deref()
            .map(|o| v.check(organisation("organisation", o)));
        v.finish()?;
        let (Some(name), Some(email), Some(events)) = (name, email, events) else {
            return Err(ApiError::BadRequest("invalid organiser".to_owned()));
        };
        Ok(NewMember {
            name,
            email,
            role: body.role.unwrap_or(Role::Organiser),
            events,
            language: body.language.unwrap_or_default(),
            organisation: organisation.flatten().flatten(),
        })
    }
}

/// A change to a member: fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "reviewer", "events": ["jahrestagung-2027"]}))]
pub struct UpdateOrganiser {
    /// The member's name, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// `admin`, `organiser`, `reviewer` or `door`.
    pub role: Option<Role>,
    /// The events worked on, by id or slug; empty: every event.
    #[schema(max_items = 500)]
    pub events: Option<Vec<String>>,
    /// The member's language for the backoffice pages and their mails, `de` or `en`.
    pub language: Option<Language>,
    /// The member's organisation, at most 200 characters; empty removes it.
    #[schema(max_length = 200)]
    pub organisation: Option<String>,
}

/// An optional organisation: one line of at most 200 characters; blank is none.
fn organisation(field: &str, value: &str) -> Result<Option<String>, crate::error::FieldError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    text::one_line(field, value, 200).map(Some)
}

impl TryFrom<UpdateOrganiser> for MemberChanges {
    type Error = ApiError;

    fn try_from(body: UpdateOrganiser) -> Result<Self, ApiError> {
        let mut v = Validator::new();
        let name = body
            .name
            .as_deref()
            .map(|name| v.check(text::one_line("name", name, 200)));
        let events = body
            .events
            .as_deref()
            .map(|keys| v.check(member::event_keys("events", keys)));
        let organisation = body
            .organisation
            .as_deref()
            .map(|o| v.check(organisation("organisation", o)));
        v.finish()?;
        Ok(MemberChanges {
            name: name.flatten(),
            role: body.role,
            events: events.flatten(),
            language: body.language,
            organisation: organisation.flatten(),
        })
    }
}

/// An organiser (an account with a bearer token).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganiserResponse {
    /// The organiser's id.
    pub id: Uuid,
    /// The organiser's name.
    pub name: String,
    /// The organiser's e-mail address.
    pub email: String,
    /// `admin` (everything, the team and the outbox), `organiser` (everything of their
    /// events), `reviewer` (their events' pitches) or `door` (their events' check-in).
    pub role: Role,
    /// The ids of the events the member works on; empty: every event.
    pub events: Vec<Uuid>,
    /// When the organiser was added (UTC).
    pub created_at: DateTime<Utc>,
    /// When the organiser's access was revoked (UTC); `null`: active.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The member's language for the backoffice pages and their mails, `de` or `en`; `null`:
    /// not chosen (members made on the command line), the browser's language decides.
    pub language: Option<Language>,
    /// The member's organisation; `null`: not given.
    pub organisation: Option<String>,
}

impl OrganiserResponse {
    fn new(m: organiser::Model, member: &Member) -> Self {
        Self {
            id: m.id,
            name: m.name,
            email: m.email,
            role: m.role,
            events: member
                .events
                .as_ref()
                .map(|events| events.keys().copied().collect())
                .unwrap_or_default(),
            created_at: m.created_at,
            revoked_at: m.revoked_at,
            language: m.language,
            organisation: m.organisation,
        }
    }

    async fn of(state: &AppState, m: organiser::Model) -> ApiResult<Self> {
        let member = organisers::member(&state.db, &m).await?;
        Ok(Self::new(m, &member))
    }
}

/// An organiser with its token: shown once, at creation or rotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganiserWithToken {
    #[serde(flatten)]
    pub organiser: OrganiserResponse,
    /// The organiser's bearer token (`Authorization: Bearer <token>`); shown this once, only
    /// its hash is stored.
    pub token: String,
}

/// Create an organiser (admin).
#[utoipa::path(tag = "organisers", security(("bearer" = [])), request_body = CreateOrganiser,
    responses((status = 201, body = OrganiserWithToken), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 409, description = "An active organiser has this e-mail address (case-insensitive)", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[post("/organisers")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    _admin: Admin,
    body: crate::http::extract::Json<CreateOrganiser>,
) -> ApiResult<HttpResponse> {
    let new = body
        .into_inner()
        .into_member(crate::http::language::accepted(&req))?;
    let (model, member, token) = organisers::create_member(&state, new, None).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/organisers/{}", model.id)))
        .json(OrganiserWithToken {
            organiser: OrganiserResponse::new(model, &member),
            token,
        }))
}

/// One member with their role and events (admin).
#[utoipa::path(tag = "organisers", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the member's id")),
    responses((status = 200, description = "The member", body = OrganiserResponse),
        (status = 401, description = "No valid bearer token", body = crate::error::Problem),
        (status = 403, description = "Not an admin", body = crate::error::Problem),
        (status = 404, description = "No such member", body = crate::error::Problem)))]
#[get("/organisers/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<OrganiserResponse>> {
    let model = organisers::find(&state.db, *id)
        .await?
        .ok_or_else(|| ApiError::not_found("organiser"))?;
    Ok(web::Json(OrganiserResponse::of(&state, model).await?))
}

/// Change a member's name, role or events (admin). A change of role or events ends the
/// member's open sessions (door and backoffice); their token keeps working with the new rights.
#[utoipa::path(tag = "organisers", security(("bearer" = [])), request_body = UpdateOrganiser,
    params(("id" = Uuid, Path, description = "the member's id")),
    responses((status = 200, description = "The member as changed", body = OrganiserResponse),
        (status = 401, description = "No valid bearer token", body = crate::error::Problem),
        (status = 403, description = "Not an admin", body = crate::error::Problem),
        (status = 404, description = "No such member", body = crate::error::Problem),
        (status = 409, description = "The change would demote the team's last active admin", body = crate::error::Problem),
        (status = 422, description = "Invalid values, or an event that does not exist", body = crate::error::Problem)))]
#[patch("/organisers/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<Uuid>,
    body: crate::http::extract::Json<UpdateOrganiser>,
) -> ApiResult<web::Json<OrganiserResponse>> {
    let changes = MemberChanges::try_from(body.into_inner())?;
    let (model, member) = organisers::update_member(&state.db, *id, changes)
        .await?
        .ok_or_else(|| ApiError::not_found("organiser"))?;
    state.tokens.forget_all();
    Ok(web::Json(OrganiserResponse::new(model, &member)))
}

/// List organisers (admin).
#[utoipa::path(tag = "organisers", security(("bearer" = [])),
    responses((status = 200, body = Vec<OrganiserResponse>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
#[get("/organisers")]
pub async fn list(
    state: web::Data<AppState>,
    _admin: Admin,
) -> ApiResult<web::Json<Vec<OrganiserResponse>>> {
    let mut answer = Vec::new();
    for model in organisers::list(&state.db).await? {
        answer.push(OrganiserResponse::of(&state, model).await?);
    }
    Ok(web::Json(answer))
}

/// The organiser behind the token.
#[utoipa::path(tag = "organisers", security(("bearer" = [])),
    responses((status = 200, body = OrganiserResponse), (status = 401, body = crate::error::Problem)))]
#[get("/organisers/me")]
pub async fn me(who: Organiser) -> web::Json<OrganiserResponse> {
    web::Json(OrganiserResponse::new(who.0, &who.1))
}

/// Replace the caller's own token; the old one stops working at once.
#[utoipa::path(tag = "organisers", security(("bearer" = [])),
    responses((status = 200, body = OrganiserWithToken), (status = 401, body = crate::error::Problem)))]
#[post("/organisers/me/rotate")]
pub async fn rotate_me(
    state: web::Data<AppState>,
    who: Organiser,
) -> ApiResult<web::Json<OrganiserWithToken>> {
    let (model, token) = organisers::rotate(&state.db, who.0.id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    state.tokens.forget_all();
    Ok(web::Json(OrganiserWithToken {
        organiser: OrganiserResponse::of(&state, model).await?,
        token,
    }))
}

/// Replace an organiser's token (admin).
#[utoipa::path(tag = "organisers", security(("bearer" = [])),
    responses((status = 200, body = OrganiserWithToken), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[post("/organisers/{id}/rotate")]
pub async fn rotate(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<OrganiserWithToken>> {
    let (model, token) = organisers::rotate(&state.db, *id)
        .await?
        .ok_or_else(|| ApiError::not_found("active organiser"))?;
    state.tokens.forget_all();
    Ok(web::Json(OrganiserWithToken {
        organiser: OrganiserResponse::of(&state, model).await?,
        token,
    }))
}

/// Revoke an organiser's token (admin); an organiser may also revoke their own. Ends their
/// sessions and deletes their sign-in links at once; the team's last active admin cannot be
/// revoked (409).
#[utoipa::path(tag = "organisers", security(("bearer" = [])),
    responses((status = 200, body = OrganiserResponse), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "The team's last active admin", body = crate::error::Problem)))]
#[delete("/organisers/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    who: Organiser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<OrganiserResponse>> {
    if who.0.id != *id {
        who.require_admin()?;
    }
    let model = organisers::revoke(&state.db, *id)
        .await?
        .ok_or_else(|| ApiError::not_found("organiser"))?;
    state.tokens.forget_all();
    Ok(web::Json(OrganiserResponse::of(&state, model).await?))
}
