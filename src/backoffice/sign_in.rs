//! Signing in to the backoffice with a member's token, and out. The session cookie is
//! `HttpOnly`, `SameSite=Strict`, `Secure` when the public URL is https, limited to `/orga`;
//! the session ends when idle or old ([`crate::services::backoffice`]) and when the member's
//! token is rotated or revoked. No `GET` signs anyone in or out.
use actix_web::{
    cookie::{time::Duration as CookieDuration, Cookie, SameSite},
    http::StatusCode,
    web, HttpRequest, HttpResponse,
};
use askama::Template;
use serde::Deserialize;

use super::{language, refuse_cross_site, PageError, Session, Texts, COOKIE};
use crate::error::ApiError;
use crate::pages::{render, see_other};
use crate::services::backoffice;
use crate::state::AppState;

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    token: String,
}

/// The sign-out form's fields.
#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    form_token: String,
}

#[derive(Template)]
#[template(path = "backoffice/sign_in.html")]
struct SignInPage {
    t: &'static Texts,
    error: Option<&'static str>,
}

/// `GET /orga/sign-in`: the form; a member already signed in goes on to the dashboard.
pub async fn form(req: HttpRequest, session: Option<Session>) -> HttpResponse {
    if session.is_some() {
        return see_other("/orga/");
    }
    let t = Texts::of(language(&req));
    render(StatusCode::OK, &SignInPage { t, error: None })
}

/// `POST /orga/sign-in`: the member's token from the form; a session cookie and the
/// dashboard, or the form again (401) for a token that is not an active member's.
pub async fn with_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    refuse_cross_site(&req, &state.public_url)?;
    let lang = language(&req);
    let t = Texts::of(lang);
    let organiser = match crate::http::auth::organiser_by_token(state.clone(), &form.token).await {
        Ok(organiser) => organiser,
        Err(ApiError::Unauthorized) => {
            return Ok(render(
                StatusCode::UNAUTHORIZED,
                &SignInPage {
                    t,
                    error: Some(t.wrong_token),
                },
            ))
        }
        Err(err) => return Err(PageError::Api(lang, err)),
    };
    let value = backoffice::open_session(&state.db, organiser.0.id)
        .await
        .map_err(|err| PageError::Api(lang, err))?;
    let cookie = Cookie::build(COOKIE, value)
        .path("/orga")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.public_url.starts_with("https://"))
        .max_age(CookieDuration::hours(backoffice::SESSION_HOURS))
        .finish();
    let mut response = see_other("/orga/");
    response.add_cookie(&cookie).map_err(|_| {
        PageError::Api(
            lang,
            ApiError::Internal(anyhow::anyhow!("setting the cookie")),
        )
    })?;
    Ok(response)
}

/// `POST /orga/sign-out`: ends this session (with the session's form token) and forgets the
/// cookie.
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<SignOutForm>,
) -> Result<HttpResponse, PageError> {
    refuse_cross_site(&req, &state.public_url)?;
    session.check_form_token(&form.form_token)?;
    backoffice::close_session(&state.db, &session.value)
        .await
        .map_err(|err| PageError::Api(session.lang, err))?;
    let mut gone = Cookie::build(COOKIE, "").path("/orga").finish();
    gone.make_removal();
    let mut response = see_other(super::SIGN_IN_PATH);
    response.add_cookie(&gone).map_err(|_| {
        PageError::Api(
            session.lang,
            ApiError::Internal(anyhow::anyhow!("removing the cookie")),
        )
    })?;
    Ok(response)
}
