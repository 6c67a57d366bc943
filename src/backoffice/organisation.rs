//! The organisation page `/orga/organisation` (admins, issue 28): the name public pages and mails
//! show instead of "podium", the contact address mails answer to, the accent colour, the imprint
//! and privacy links, and the logo. The settings form parses into the API's
//! [`OrganisationSettings`] (the service of `PUT /api/v1/organisation`); the logo form sends the
//! file as `multipart/form-data` (the only way a plain HTML form uploads a file) and becomes the
//! API's [`Logo`] (`PUT /api/v1/organisation/logo`).
use actix_multipart::Multipart;
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

use super::organisation_texts::OrganisationTexts;
use super::{refuse_cross_site, PageError, Session, Texts};
use crate::domain::member::Permission;
use crate::domain::organisation::{Logo, OrganisationSettings, RawSettings, LOGO_MAX_BYTES};
use crate::error::{ApiError, FieldError};
use crate::pages::{render, see_other};
use crate::services::organisation::{self, Organisation};
use crate::state::AppState;

/// The organisation's routes, under `/orga`.
pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/organisation")
            .app_data(crate::pages::form_config())
            .route(web::get().to(show))
            .route(web::post().to(save)),
    )
    .service(web::resource("/organisation/logo").route(web::post().to(upload_logo)))
    .service(
        web::resource("/organisation/logo/remove")
            .app_data(crate::pages::form_config())
            .route(web::post().to(remove_logo)),
    );
}

/// The settings form as typed, with its errors by field.
#[derive(Debug, Default)]
struct SettingsForm {
    name: String,
    contact: String,
    accent_colour: String,
    imprint_url: String,
    privacy_url: String,
    errors: Vec<FieldError>,
}

impl SettingsForm {
    fn of(o: &Organisation) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            name: text(&o.name),
            contact: text(&o.contact),
            accent_colour: text(&o.accent_colour),
            imprint_url: text(&o.imprint_url),
            privacy_url: text(&o.privacy_url),
            errors: Vec::new(),
        }
    }

    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Template)]
#[template(path = "backoffice/organisation.html")]
struct OrganisationPage {
    t: &'static Texts,
    o: &'static OrganisationTexts,
    form_token: String,
    done: Option<&'static str>,
    form: SettingsForm,
    logo_path: Option<String>,
    /// The logo form's error (not a PNG or SVG, too large).
    logo_error: Option<String>,
}

fn done(req: &HttpRequest, o: &'static OrganisationTexts) -> Option<&'static str> {
    let query = web::Query::<Vec<(String, String)>>::from_query(req.query_string()).ok()?;
    match query.iter().find(|(k, _)| k == "done")?.1.as_str() {
        "saved" => Some(o.saved),
        "logo" => Some(o.logo_saved),
        "logo-removed" => Some(o.logo_removed),
        _ => None,
    }
}

async fn view(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    done: Option<&'static str>,
    form: Option<SettingsForm>,
    logo_error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let current = organisation::load(&state.db)
        .await
        .map_err(|e| PageError::Api(session.lang, e))?;
    Ok(render(
        status,
        &OrganisationPage {
            t: Texts::of(session.lang),
            o: OrganisationTexts::of(session.lang),
            form_token: session.form_token.clone(),
            done,
            form: form.unwrap_or_else(|| SettingsForm::of(&current)),
            logo_path: current.logo_path(),
            logo_error,
        },
    ))
}

/// `GET /orga/organisation`.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Team, None)?;
    let o = OrganisationTexts::of(session.lang);
    view(&state, &session, StatusCode::OK, done(&req, o), None, None).await
}

/// `POST /orga/organisation`: saves the settings; a refused form comes back (422) with what was
/// typed and each error at its field.
pub async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Team, None)?;
    refuse_cross_site(&req, &state.public_url)?;
    let fields = fields.into_inner();
    let one = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    session.check_form_token(&one("form_token"))?;
    let mut form = SettingsForm {
        name: one("name"),
        contact: one("contact"),
        accent_colour: one("accent_colour"),
        imprint_url: one("imprint_url"),
        privacy_url: one("privacy_url"),
        errors: Vec::new(),
    };
    let parsed = OrganisationSettings::parse(RawSettings {
        name: Some(&form.name),
        contact: Some(&form.contact),
        accent_colour: Some(&form.accent_colour),
        imprint_url: Some(&form.imprint_url),
        privacy_url: Some(&form.privacy_url),
    });
    let settings = match parsed {
        Ok(settings) => settings,
        Err(ApiError::Validation { errors, .. }) => {
            form.errors = errors;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return view(&state, &session, status, None, Some(form), None).await;
        }
        Err(other) => return Err(PageError::Api(session.lang, other)),
    };
    organisation::save(&state.db, settings)
        .await
        .map_err(|e| PageError::Api(session.lang, e))?;
    Ok(see_other("/orga/organisation?done=saved"))
}

/// `POST /orga/organisation/logo` (`multipart/form-data`: `form_token`, `logo`).
pub async fn upload_logo(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    mut multipart: Multipart,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Team, None)?;
    refuse_cross_site(&req, &state.public_url)?;
    let o = OrganisationTexts::of(session.lang);
    let mut token = Vec::new();
    let mut logo = Vec::new();
    let mut too_large = false;
    while let Some(field) = multipart.next().await {
        let Ok(mut field) = field else {
            // A broken upload: the form again, nothing saved.
            logo.clear();
            break;
        };
        let (into, cap) = match field.name() {
            Some("form_token") => (&mut token, 256),
            Some("logo") => (&mut logo, LOGO_MAX_BYTES),
            _ => continue,
        };
        while let Some(chunk) = field.next().await {
            let Ok(chunk) = chunk else { break };
            if into.len() + chunk.len() > cap {
                too_large |= cap == LOGO_MAX_BYTES;
                break;
            }
            into.extend_from_slice(&chunk);
        }
    }
    session.check_form_token(std::str::from_utf8(&token).unwrap_or_default())?;
    let parsed = if too_large {
        Err(o.logo_too_large.to_owned())
    } else {
        Logo::parse(logo).map_err(|_| o.logo_wrong.to_owned())
    };
    match parsed {
        Ok(logo) => {
            organisation::set_logo(&state.db, Some(logo))
                .await
                .map_err(|e| PageError::Api(session.lang, e))?;
            Ok(see_other("/orga/organisation?done=logo"))
        }
        Err(message) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            view(&state, &session, status, None, None, Some(message)).await
        }
    }
}

/// `POST /orga/organisation/logo/remove`.
pub async fn remove_logo(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Team, None)?;
    refuse_cross_site(&req, &state.public_url)?;
    let token = fields
        .iter()
        .find(|(k, _)| k == "form_token")
        .map_or("", |(_, v)| v.as_str());
    session.check_form_token(token)?;
    organisation::set_logo(&state.db, None)
        .await
        .map_err(|e| PageError::Api(session.lang, e))?;
    Ok(see_other("/orga/organisation?done=logo-removed"))
}
