//! Signing in to the backoffice, and out: with a mailed one-time link (issue 28), or with a
//! member's token. The session cookie is `HttpOnly`, `SameSite=Strict`, `Secure` when the
//! public URL is https, limited to `/orga`; the session ends when idle or old
//! ([`crate::services::backoffice`]) and when the member's token is rotated or revoked. No
//! `GET` signs anyone in or out: a link's page only shows a button, so a mail scanner that
//! fetches the link signs nobody in.
//!
//! Asking for a link answers the same page whether or not the address is a member's, and
//! whether or not the member's own limit ([`sign_in_links::LINKS_PER_WINDOW`]) was reached.
//! Past the limit per client address ([`sign_in_links::REQUESTS_PER_CLIENT_HOUR`] an hour) the
//! answer is a 429 page with `Retry-After` that asks to wait; it is the same for every
//! address, so it tells nothing about one either.
use actix_web::{
    cookie::{time::Duration as CookieDuration, Cookie, SameSite},
    http::{header, StatusCode},
    web, HttpRequest, HttpResponse,
};
use askama::Template;
use entity::registration::Language;
use serde::Deserialize;

use super::team_texts::TeamTexts;
use super::{language, refuse_cross_site, PageError, Session, Texts, COOKIE};
use crate::domain::EmailAddress;
use crate::error::ApiError;
use crate::pages::{render, see_other};
use crate::services::backoffice;
use crate::services::sign_in_links::{self, Dead};
use crate::state::AppState;

/// The sign-in forms' fields: `email` (mail me a link) or `token`.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    token: String,
    /// Present (even empty) when the e-mail form was sent.
    #[serde(default)]
    email: Option<String>,
}

/// The link page's form: the link's token.
#[derive(Debug, Deserialize)]
pub struct LinkForm {
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
struct SignInPage<'a> {
    t: &'static Texts,
    m: &'static TeamTexts,
    /// The token form's error.
    error: Option<&'static str>,
    /// The address as typed, and its error.
    email: &'a str,
    email_error: Option<&'static str>,
}

/// A page that says what happened, with a link back to the sign-in form.
#[derive(Template)]
#[template(path = "backoffice/sign_in_note.html")]
struct NotePage {
    t: &'static Texts,
    title: &'static str,
    paragraphs: Vec<&'static str>,
    link: &'static str,
}

/// The page of a link: a button that signs in.
#[derive(Template)]
#[template(path = "backoffice/sign_in_link.html")]
struct LinkPage<'a> {
    t: &'static Texts,
    m: &'static TeamTexts,
    token: &'a str,
}

/// `GET /orga/sign-in`: the forms; a member already signed in goes on to the dashboard.
pub async fn form(req: HttpRequest, session: Option<Session>) -> HttpResponse {
    if session.is_some() {
        return see_other("/orga/");
    }
    let lang = language(&req);
    render(
        StatusCode::OK,
        &SignInPage {
            t: Texts::of(lang),
            m: TeamTexts::of(lang),
            error: None,
            email: "",
            email_error: None,
        },
    )
}

/// `POST /orga/sign-in`: with `email`, mails a sign-in link ([`mail_link`]); with `token`, a
/// session cookie and the dashboard, or the form again (401) for a token that is not an
/// active member's.
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, PageError> {
    refuse_cross_site(&req, &state.public_url)?;
    let form = form.into_inner();
    if let Some(email) = form.email {
        return mail_link(&state, &req, &email).await;
    }
    let lang = language(&req);
    let t = Texts::of(lang);
    let organiser = match crate::http::auth::organiser_by_token(state.clone(), &form.token).await {
        Ok(organiser) => organiser,
        Err(ApiError::Unauthorized) => {
            return Ok(render(
                StatusCode::UNAUTHORIZED,
                &SignInPage {
                    t,
                    m: TeamTexts::of(lang),
                    error: Some(t.wrong_token),
                    email: "",
                    email_error: None,
                },
            ))
        }
        Err(err) => return Err(PageError::Api(lang, err)),
    };
    let value = backoffice::open_session(&state.db, organiser.0.id)
        .await
        .map_err(|err| PageError::Api(lang, err))?;
    signed_in(&state, lang, value)
}

/// The e-mail form: a 422 with the form again for an address that is not one; a 429 page past
/// the limit per client; else the same page whatever became of the request.
async fn mail_link(
    state: &AppState,
    req: &HttpRequest,
    typed: &str,
) -> Result<HttpResponse, PageError> {
    let lang = language(req);
    let (t, m) = (Texts::of(lang), TeamTexts::of(lang));
    let Ok(email) = EmailAddress::parse("email", typed) else {
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SignInPage {
                t,
                m,
                error: None,
                email: typed,
                email_error: Some(m.email_invalid),
            },
        ));
    };
    if let Some(Err(retry_after)) = state.sign_in_links.as_ref().map(|l| l.check_request(req)) {
        let mut page = render(
            StatusCode::TOO_MANY_REQUESTS,
            &NotePage {
                t,
                title: m.too_many_title,
                paragraphs: vec![m.too_many_body],
                link: m.ask_again,
            },
        );
        page.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
        return Ok(page);
    }
    let outcome = sign_in_links::request(state, email.as_str(), lang)
        .await
        .map_err(|err| PageError::Api(lang, err))?;
    tracing::info!(?outcome, "sign-in link asked for");
    Ok(render(
        StatusCode::OK,
        &NotePage {
            t,
            title: m.sent_title,
            paragraphs: vec![m.sent_body, m.sent_hint],
            link: m.ask_again,
        },
    ))
}

/// The page of a link that signs nobody in: 410, why, and the way to a new one.
fn dead(lang: Language, why: Dead) -> HttpResponse {
    let m = TeamTexts::of(lang);
    render(
        StatusCode::GONE,
        &NotePage {
            t: Texts::of(lang),
            title: m.dead_title,
            paragraphs: vec![match why {
                Dead::Unknown => m.dead_unknown,
                Dead::Expired => m.dead_expired,
                Dead::Used => m.dead_used,
            }],
            link: m.request_new,
        },
    )
}

/// `GET /orga/sign-in/link/{token}`: a page with a button that signs in (a `POST`), or the
/// page of a dead link (410). Opening the link changes nothing.
pub async fn link(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = language(&req);
    let found = sign_in_links::peek(&state.db, &token)
        .await
        .map_err(|err| PageError::Api(lang, err))?;
    if let Err(why) = found {
        return Ok(dead(lang, why));
    }
    Ok(render(
        StatusCode::OK,
        &LinkPage {
            t: Texts::of(lang),
            m: TeamTexts::of(lang),
            token: &token,
        },
    ))
}

/// `POST /orga/sign-in/link`: uses the link (once) and signs its member in; the page of a
/// dead link (410) otherwise.
pub async fn use_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LinkForm>,
) -> Result<HttpResponse, PageError> {
    refuse_cross_site(&req, &state.public_url)?;
    let lang = language(&req);
    match sign_in_links::consume(&state, &form.token)
        .await
        .map_err(|err| PageError::Api(lang, err))?
    {
        Ok((_, value)) => signed_in(&state, lang, value),
        Err(why) => Ok(dead(lang, why)),
    }
}

/// The session cookie for `value` and the way to the dashboard.
fn signed_in(state: &AppState, lang: Language, value: String) -> Result<HttpResponse, PageError> {
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
