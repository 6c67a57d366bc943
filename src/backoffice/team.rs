//! The team page `/orga/team` (admins, issue 28): the members with their role, events and
//! state; inviting a member (the service of `POST /api/v1/organisers`, which also mails the
//! invitation with a sign-in link); changing a member's role and events (that of `PATCH
//! /api/v1/organisers/{id}`); ending a member's access behind a confirmation (that of `DELETE
//! /api/v1/organisers/{id}`). And `/orga/account`, where every member sees their own account
//! and chooses their language.
//!
//! Each form parses into the domain value the API's body becomes ([`NewMember`],
//! [`MemberChanges`]); the rules (unique active address, existing events, the last admin)
//! are the service's, and their refusals come back at the form's fields (422).
use std::collections::BTreeMap;

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use entity::organiser::{self, Role};
use entity::registration::Language;
use uuid::Uuid;

use super::team_texts::TeamTexts;
use super::{refuse_cross_site, PageError, Session, Texts};
use crate::domain::member::{role_name, Member, MemberChanges, NewMember, Permission};
use crate::domain::{text, EmailAddress};
use crate::error::ApiError;
use crate::pages::see_other;
use crate::services::{events, organisers};
use crate::state::AppState;

/// The team's and the account's routes, under `/orga`.
pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/team")
            .app_data(crate::pages::form_config())
            .route(web::get().to(list))
            .route(web::post().to(invite)),
    )
    .service(
        web::resource("/team/{id}")
            .app_data(crate::pages::form_config())
            .route(web::get().to(member_page))
            .route(web::post().to(change)),
    )
    .service(
        web::resource("/team/{id}/revoke")
            .app_data(crate::pages::form_config())
            .route(web::get().to(confirm_revoke))
            .route(web::post().to(revoke)),
    )
    .service(
        web::resource("/account")
            .app_data(crate::pages::form_config())
            .route(web::get().to(account))
            .route(web::post().to(set_language)),
    );
}

/// A form as sent: every field by name, repeated ones (`events`) in order.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn one(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// The member form as typed (invite, change), with its errors by field.
#[derive(Debug, Default, Clone)]
struct MemberForm {
    name: String,
    email: String,
    role: String,
    events: Vec<String>,
    language: String,
    errors: BTreeMap<&'static str, &'static str>,
}

impl MemberForm {
    fn from_fields(fields: &Fields) -> Self {
        Self {
            name: fields.one("name").to_owned(),
            email: fields.one("email").to_owned(),
            role: fields.one("role").to_owned(),
            events: fields.all("events"),
            language: fields.one("language").to_owned(),
            errors: BTreeMap::new(),
        }
    }

    fn role(&mut self, m: &TeamTexts) -> Option<Role> {
        let role = match self.role.as_str() {
            "admin" => Some(Role::Admin),
            "organiser" => Some(Role::Organiser),
            "reviewer" => Some(Role::Reviewer),
            "door" => Some(Role::Door),
            _ => None,
        };
        if role.is_none() {
            self.errors.insert("role", m.role_invalid);
        }
        role
    }

    fn language(&mut self, m: &TeamTexts) -> Option<Language> {
        let language = crate::domain::choice::language("language", &self.language).ok();
        if language.is_none() {
            self.errors.insert("language", m.language_invalid);
        }
        language
    }

    fn events(&mut self, m: &TeamTexts) -> Option<Vec<String>> {
        match crate::domain::member::event_keys("events", &self.events) {
            Ok(keys) => Some(keys),
            Err(_) => {
                self.errors.insert("events", m.events_invalid);
                None
            }
        }
    }

    /// The new member the invite form names (as `POST /api/v1/organisers`' body becomes).
    fn new_member(&mut self, m: &TeamTexts) -> Option<NewMember> {
        let name = text::one_line("name", &self.name, 200).ok();
        if name.is_none() {
            self.errors.insert("name", m.name_invalid);
        }
        let email = EmailAddress::parse("email", &self.email).ok();
        if email.is_none() {
            self.errors.insert("email", m.email_invalid);
        }
        let (role, events, language) = (self.role(m), self.events(m), self.language(m));
        Some(NewMember {
            name: name?,
            email: email?,
            role: role?,
            events: events?,
            language: language?,
            organisation: None,
        })
    }

    /// The change the member form names (as `PATCH /api/v1/organisers/{id}`' body becomes).
    fn changes(&mut self, m: &TeamTexts) -> Option<MemberChanges> {
        let (role, events) = (self.role(m), self.events(m));
        Some(MemberChanges {
            role: Some(role?),
            events: Some(events?),
            ..MemberChanges::default()
        })
    }

    /// Puts a service's refusal at its field; `Err` for any other failure.
    fn refused(&mut self, m: &TeamTexts, err: ApiError) -> Result<(), ApiError> {
        match err {
            ApiError::Conflict(detail) if detail == organisers::LAST_ADMIN => {
                self.errors.insert("role", m.last_admin);
            }
            ApiError::Conflict(_) => {
                self.errors.insert("email", m.email_taken);
            }
            ApiError::Validation { errors, .. } => {
                for e in errors {
                    match e.field.as_str() {
                        "name" => self.errors.insert("name", m.name_invalid),
                        "email" => self.errors.insert("email", m.email_invalid),
                        _ => self.errors.insert("events", m.events_invalid),
                    };
                }
            }
            other => return Err(other),
        }
        Ok(())
    }

    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }

    fn role_is(&self, value: &str) -> bool {
        self.role == value
    }

    fn language_is(&self, value: &str) -> bool {
        self.language == value
    }

    fn event_is(&self, id: &str) -> bool {
        self.events.iter().any(|e| e == id)
    }
}

/// One member in the list.
struct Row {
    id: Uuid,
    name: String,
    email: String,
    role: &'static str,
    /// The events' titles, or "all events".
    events: String,
    active: bool,
}

/// An event to tick.
struct EventChoice {
    id: String,
    title: String,
}

/// The roles in the forms' order: the API's word and the words shown.
fn roles(m: &TeamTexts) -> Vec<(&'static str, &'static str)> {
    [Role::Admin, Role::Organiser, Role::Reviewer, Role::Door]
        .into_iter()
        .map(|r| (role_name(r), m.role(r)))
        .collect()
}

#[derive(Template)]
#[template(path = "backoffice/team.html")]
struct TeamPage {
    t: &'static Texts,
    m: &'static TeamTexts,
    form_token: String,
    /// Whether the nav shows the team (admins).
    admin: bool,
    done: Option<&'static str>,
    rows: Vec<Row>,
    events: Vec<EventChoice>,
    roles: Vec<(&'static str, &'static str)>,
    form: MemberForm,
}

#[derive(Template)]
#[template(path = "backoffice/team_member.html")]
struct MemberPage {
    t: &'static Texts,
    m: &'static TeamTexts,
    form_token: String,
    /// Whether the nav shows the team (admins).
    admin: bool,
    row: Row,
    events: Vec<EventChoice>,
    roles: Vec<(&'static str, &'static str)>,
    form: MemberForm,
}

#[derive(Template)]
#[template(path = "backoffice/team_revoke.html")]
struct RevokePage {
    t: &'static Texts,
    m: &'static TeamTexts,
    form_token: String,
    /// Whether the nav shows the team (admins).
    admin: bool,
    row: Row,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "backoffice/account.html")]
struct AccountPage {
    t: &'static Texts,
    m: &'static TeamTexts,
    form_token: String,
    /// Whether the nav shows the team (admins).
    admin: bool,
    done: Option<&'static str>,
    row: Row,
    language: &'static str,
    error: Option<&'static str>,
}

/// A rendered page of the team's or the member's data: never stored by a cache.
fn render(status: StatusCode, page: &impl Template) -> HttpResponse {
    let mut response = crate::pages::render(status, page);
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    response
}

fn api(lang: Language) -> impl Fn(ApiError) -> PageError {
    move |err| PageError::Api(lang, err)
}

/// The events to choose from (every event, drafts and cancelled ones included).
async fn event_choices(state: &AppState, session: &Session) -> Result<Vec<EventChoice>, PageError> {
    use entity::event::EventStatus;
    let filter = events::EventFilter {
        statuses: vec![
            EventStatus::Draft,
            EventStatus::Published,
            EventStatus::Cancelled,
        ],
        series: None,
        only: session.member.event_scope(),
        offset: 0,
        limit: 500,
    };
    let (items, _) = events::list(&state.db, filter)
        .await
        .map_err(api(session.lang))?;
    Ok(items
        .into_iter()
        .map(|e| EventChoice {
            id: e.id.to_string(),
            title: e.title,
        })
        .collect())
}

fn row(
    m: &TeamTexts,
    model: &organiser::Model,
    member: &Member,
    titles: &BTreeMap<Uuid, String>,
) -> Row {
    let events = match (&member.events, model.role) {
        (Some(events), role) if role != Role::Admin => events
            .keys()
            .map(|id| titles.get(id).cloned().unwrap_or_else(|| id.to_string()))
            .collect::<Vec<_>>()
            .join(", "),
        _ => m.all_events.to_owned(),
    };
    Row {
        id: model.id,
        name: model.name.clone(),
        email: model.email.clone(),
        role: m.role(model.role),
        events,
        active: model.revoked_at.is_none(),
    }
}

fn titles(events: &[EventChoice]) -> BTreeMap<Uuid, String> {
    events
        .iter()
        .filter_map(|e| Some((Uuid::parse_str(&e.id).ok()?, e.title.clone())))
        .collect()
}

/// `?done=` after a form that did its work: the sentence that says so.
fn done(req: &HttpRequest, m: &TeamTexts) -> Option<&'static str> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "done")
        .and_then(|(_, v)| match v.as_ref() {
            "invited" => Some(m.invited),
            "changed" => Some(m.changed),
            "revoked" => Some(m.revoked_done),
            "saved" => Some(m.language_saved),
            _ => None,
        })
}

async fn team_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    done: Option<&'static str>,
    form: MemberForm,
) -> Result<HttpResponse, PageError> {
    let m = TeamTexts::of(session.lang);
    let events = event_choices(state, session).await?;
    let titles = titles(&events);
    let mut rows = Vec::new();
    for model in organisers::list(&state.db)
        .await
        .map_err(|e| PageError::Api(session.lang, e.into()))?
    {
        let member = organisers::member(&state.db, &model)
            .await
            .map_err(api(session.lang))?;
        rows.push(row(m, &model, &member, &titles));
    }
    Ok(render(
        status,
        &TeamPage {
            t: Texts::of(session.lang),
            m,
            form_token: session.form_token.clone(),
            admin: session.member.may(Permission::Team, None),
            done,
            rows,
            events,
            roles: roles(m),
            form,
        },
    ))
}

/// `GET /orga/team`: the members and the invite form.
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Team, None)?;
    let m = TeamTexts::of(session.lang);
    let form = MemberForm {
        role: "organiser".to_owned(),
        language: crate::pages::code(session.lang).to_owned(),
        ..MemberForm::default()
    };
    team_page(&state, &session, StatusCode::OK, done(&req, m), form).await
}

/// `POST /orga/team`: invites a member (the API's create, with the invitation mail).
pub async fn invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Team, None)?;
    refuse_cross_site(&req, &state.public_url)?;
    let fields = Fields(fields.into_inner());
    session.check_form_token(fields.one("form_token"))?;
    let m = TeamTexts::of(session.lang);
    let mut form = MemberForm::from_fields(&fields);
    if let Some(new) = form.new_member(m) {
        match organisers::create_member(&state, new, Some(&session.organiser)).await {
            Ok(_) => return Ok(see_other("/orga/team?done=invited")),
            Err(err) => form.refused(m, err).map_err(api(session.lang))?,
        }
    }
    team_page(
        &state,
        &session,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        form,
    )
    .await
}

/// The member of a path's `{id}`; a 404 page for anything else.
async fn find_member(
    state: &AppState,
    session: &Session,
    id: &str,
) -> Result<(organiser::Model, Member), PageError> {
    let not_found = || PageError::Api(session.lang, ApiError::not_found("organiser"));
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    let model = organisers::find(&state.db, id)
        .await
        .map_err(|e| PageError::Api(session.lang, e.into()))?
        .ok_or_else(not_found)?;
    let member = organisers::member(&state.db, &model)
        .await
        .map_err(api(session.lang))?;
    Ok((model, member))
}

async fn member_view(
    state: &AppState,
    session: &Session,
    id: &str,
    status: StatusCode,
    form: Option<MemberForm>,
) -> Result<HttpResponse, PageError> {
    let m = TeamTexts::of(session.lang);
    let (model, member) = find_member(state, session, id).await?;
    let events = event_choices(state, session).await?;
    let form = form.unwrap_or_else(|| MemberForm {
        role: role_name(model.role).to_owned(),
        events: member
            .events
            .as_ref()
            .map(|e| e.keys().map(Uuid::to_string).collect())
            .unwrap_or_default(),
        ..MemberForm::default()
    });
    Ok(render(
        status,
        &MemberPage {
            t: Texts::of(session.lang),
            m,
            form_token: session.form_token.clone(),
            admin: session.member.may(Permission::Team, None),
            row: row(m, &model, &member, &titles(&events)),
            events,
            roles: roles(m),
            form,
        },
    ))
}

/// `GET /orga/team/{id}`: one member, with the form that changes their role and events.
pub async fn member_page(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Team, None)?;
    member_view(&state, &session, &id, StatusCode::OK, None).await
}

/// `POST /orga/team/{id}`: changes the member's role and events (the API's `PATCH`); their
/// sessions end.
pub async fn change(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Team, None)?;
    refuse_cross_site(&req, &state.public_url)?;
    let fields = Fields(fields.into_inner());
    session.check_form_token(fields.one("form_token"))?;
    let m = TeamTexts::of(session.lang);
    let (model, _) = find_member(&state, &session, &id).await?;
    let mut form = MemberForm::from_fields(&fields);
    if let Some(changes) = form.changes(m) {
        match organisers::update_member(&state.db, model.id, changes).await {
            Ok(_) => {
                state.tokens.forget_all();
                let to = if model.id == session.organiser.id {
                    super::SIGN_IN_PATH
                } else {
                    "/orga/team?done=changed"
                };
                return Ok(see_other(to));
            }
            Err(err) => form.refused(m, err).map_err(api(session.lang))?,
        }
    }
    member_view(
        &state,
        &session,
        &id,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(form),
    )
    .await
}

async fn revoke_view(
    state: &AppState,
    session: &Session,
    id: &str,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let m = TeamTexts::of(session.lang);
    let (model, member) = find_member(state, session, id).await?;
    let events = event_choices(state, session).await?;
    Ok(render(
        status,
        &RevokePage {
            t: Texts::of(session.lang),
            m,
            form_token: session.form_token.clone(),
            admin: session.member.may(Permission::Team, None),
            row: row(m, &model, &member, &titles(&events)),
            error,
        },
    ))
}

/// `GET /orga/team/{id}/revoke`: the confirmation.
pub async fn confirm_revoke(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Team, None)?;
    revoke_view(&state, &session, &id, StatusCode::OK, None).await
}

/// `POST /orga/team/{id}/revoke`: ends the member's access (the API's `DELETE`): sessions,
/// token and sign-in links stop at once.
pub async fn revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::Team, None)?;
    refuse_cross_site(&req, &state.public_url)?;
    let fields = Fields(fields.into_inner());
    session.check_form_token(fields.one("form_token"))?;
    let m = TeamTexts::of(session.lang);
    let (model, _) = find_member(&state, &session, &id).await?;
    match organisers::revoke(&state.db, model.id).await {
        Ok(_) => {
            state.tokens.forget_all();
            let to = if model.id == session.organiser.id {
                super::SIGN_IN_PATH
            } else {
                "/orga/team?done=revoked"
            };
            Ok(see_other(to))
        }
        Err(ApiError::Conflict(_)) => {
            revoke_view(
                &state,
                &session,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(m.last_admin),
            )
            .await
        }
        Err(err) => Err(PageError::Api(session.lang, err)),
    }
}

async fn account_view(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    done: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let m = TeamTexts::of(session.lang);
    let events = event_choices(state, session).await?;
    Ok(render(
        status,
        &AccountPage {
            t: Texts::of(session.lang),
            m,
            form_token: session.form_token.clone(),
            admin: session.member.may(Permission::Team, None),
            done,
            row: row(m, &session.organiser, &session.member, &titles(&events)),
            language: crate::pages::code(session.lang),
            error,
        },
    ))
}

/// `GET /orga/account`: the member's own account and language.
pub async fn account(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::See, None)?;
    let m = TeamTexts::of(session.lang);
    account_view(&state, &session, StatusCode::OK, done(&req, m), None).await
}

/// `POST /orga/account`: the member's language (the API's `PATCH` with `language`); the
/// backoffice speaks it from the next page on.
pub async fn set_language(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    session.allow(Permission::See, None)?;
    refuse_cross_site(&req, &state.public_url)?;
    let fields = Fields(fields.into_inner());
    session.check_form_token(fields.one("form_token"))?;
    let Ok(language) = crate::domain::choice::language("language", fields.one("language")) else {
        let m = TeamTexts::of(session.lang);
        return account_view(
            &state,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(m.language_invalid),
        )
        .await;
    };
    let changes = MemberChanges {
        language: Some(language),
        ..MemberChanges::default()
    };
    organisers::update_member(&state.db, session.organiser.id, changes)
        .await
        .map_err(api(session.lang))?;
    Ok(see_other("/orga/account?done=saved"))
}
