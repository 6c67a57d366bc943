//! Organiser accounts: admins create and revoke them; everyone may see and rotate their own.
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use entity::organiser::{self, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::{text, EmailAddress, Validator};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{Admin, Organiser};
use crate::services::organisers;
use crate::state::AppState;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(me)
        .service(rotate_me)
        .service(rotate)
        .service(revoke);
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Erika Muster", "email": "erika@cluster.example", "role": "organiser"}))]
pub struct CreateOrganiser {
    /// The organiser's name, one line of 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The organiser's e-mail address (at most 254 characters), unique among active
    /// organisers (case-insensitive).
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// `organiser` (default) or `admin`.
    #[serde(default)]
    pub role: Option<Role>,
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
    /// `organiser` (manages events) or `admin` (also manages organisers and the outbox).
    pub role: Role,
    /// When the organiser was added (UTC).
    pub created_at: DateTime<Utc>,
    /// When the organiser's access was revoked (UTC); `null`: active.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<organiser::Model> for OrganiserResponse {
    fn from(m: organiser::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            email: m.email,
            role: m.role,
            created_at: m.created_at,
            revoked_at: m.revoked_at,
        }
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
    _admin: Admin,
    body: web::Json<CreateOrganiser>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut v = Validator::new();
    let name = v.check(text::one_line("name", &body.name, 200));
    let email = v.check(EmailAddress::parse("email", &body.email));
    v.finish()?;
    let (Some(name), Some(email)) = (name, email) else {
        return Err(ApiError::BadRequest("invalid organiser".to_owned()));
    };
    let (model, token) = organisers::create(
        &state.db,
        &name,
        email.as_str(),
        body.role.unwrap_or(Role::Organiser),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/organisers/{}", model.id)))
        .json(OrganiserWithToken {
            organiser: model.into(),
            token,
        }))
}

/// List organisers (admin).
#[utoipa::path(tag = "organisers", security(("bearer" = [])),
    responses((status = 200, body = Vec<OrganiserResponse>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
#[get("/organisers")]
pub async fn list(
    state: web::Data<AppState>,
    _admin: Admin,
) -> ApiResult<web::Json<Vec<OrganiserResponse>>> {
    let all = organisers::list(&state.db).await?;
    Ok(web::Json(all.into_iter().map(Into::into).collect()))
}

/// The organiser behind the token.
#[utoipa::path(tag = "organisers", security(("bearer" = [])),
    responses((status = 200, body = OrganiserResponse), (status = 401, body = crate::error::Problem)))]
#[get("/organisers/me")]
pub async fn me(who: Organiser) -> web::Json<OrganiserResponse> {
    web::Json(who.0.into())
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
        organiser: model.into(),
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
        organiser: model.into(),
        token,
    }))
}

/// Revoke an organiser's token (admin); an organiser may also revoke their own.
#[utoipa::path(tag = "organisers", security(("bearer" = [])),
    responses((status = 200, body = OrganiserResponse), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
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
    Ok(web::Json(model.into()))
}
