//! The exhibitor's page (`/exhibits/{token}`): the exhibit, its status and booth, and
//! withdrawing (asked first, then a `POST`).
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use entity::exhibit::ExhibitStatus;

use super::{error_page, public_language, render, see_other};
use super::{AskPage, EventSummary, Texts};
use crate::services::exhibits;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/exhibit.html")]
struct ExhibitPage {
    t: &'static Texts,
    event: EventSummary,
    title: String,
    description: String,
    organisation: String,
    contact: String,
    space: String,
    needs_power: bool,
    status: &'static str,
    booth: Option<String>,
    approved: bool,
    can_withdraw: bool,
    base: String,
}

/// `GET /exhibits/{token}`, in the exhibitor's language.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let (event, exhibit) = match exhibits::by_token(&state.db, &token).await {
        Ok(found) => found,
        Err(err) => return error_page(public_language(&req), err),
    };
    let lang = exhibit.language;
    let t = Texts::of(lang);
    let page = ExhibitPage {
        t,
        event: EventSummary::new(&state.public_url, &event, lang),
        status: match exhibit.status {
            ExhibitStatus::Submitted => t.exhibit_submitted,
            ExhibitStatus::Approved => t.exhibit_approved,
            ExhibitStatus::Rejected => t.exhibit_rejected,
            ExhibitStatus::Waitlisted => t.exhibit_waitlisted,
            ExhibitStatus::Withdrawn => t.exhibit_withdrawn,
        },
        approved: exhibit.status == ExhibitStatus::Approved,
        can_withdraw: exhibit.status != ExhibitStatus::Withdrawn,
        space: format!("{} m²", exhibit.space_sqm),
        needs_power: exhibit.needs_power,
        booth: exhibit.booth,
        title: exhibit.title,
        description: exhibit.description,
        organisation: exhibit.organisation,
        contact: exhibit.contact_name,
        base: format!("/exhibits/{token}"),
    };
    render(StatusCode::OK, &page)
}

/// `GET /exhibits/{token}/withdraw`: asks first; changes nothing.
pub async fn ask(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let (_, exhibit) = match exhibits::by_token(&state.db, &token).await {
        Ok(found) => found,
        Err(err) => return error_page(public_language(&req), err),
    };
    let base = format!("/exhibits/{token}");
    if exhibit.status == ExhibitStatus::Withdrawn {
        return see_other(&base);
    }
    let t = Texts::of(exhibit.language);
    render(
        StatusCode::OK,
        &AskPage {
            t,
            title: t.your_exhibit,
            question: t.ask_withdraw_exhibit,
            subject: exhibit.title,
            note: None,
            button: t.yes_withdraw,
            action: req.path().to_owned(),
            back: base,
            danger: true,
        },
    )
}

/// `POST /exhibits/{token}/withdraw`: withdraws (booth and place freed, the contact mailed),
/// then `303` to the exhibitor's page.
pub async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    match exhibits::withdraw(&state, &token, None).await {
        Ok(_) => see_other(&exhibits::manage_url(&state.public_url, &token)),
        Err(err) => error_page(public_language(&req), err),
    }
}
