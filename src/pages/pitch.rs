//! The presenter's page (`/pitches/{token}`): the pitch, its status, its slot with stage and
//! time, the presenter's calendar, and withdrawing (asked first, then a `POST`).
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use entity::pitch::PitchStatus;

use super::{error_page, public_language, render, see_other, when};
use super::{AskPage, EventSummary, Texts};
use crate::routes::events::webcal;
use crate::services::pitches;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/pitch.html")]
struct PitchPage {
    t: &'static Texts,
    event: EventSummary,
    title: String,
    summary: String,
    organisation: String,
    presenter: String,
    duration: i32,
    status: &'static str,
    /// Stage and local time of the slot, when scheduled.
    slot: Option<(String, String)>,
    calendar_url: String,
    webcal_url: String,
    base: String,
    can_withdraw: bool,
}

/// `GET /pitches/{token}`, in the presenter's language.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let (event, view) = match pitches::by_token(&state.db, &token).await {
        Ok(found) => found,
        Err(err) => return error_page(public_language(&req), err),
    };
    let pitch = view.pitch;
    let lang = pitch.language;
    let t = Texts::of(lang);
    let tz = event.timezone.as_str();
    let calendar_url = format!(
        "{}/calendar.ics",
        pitches::api_url(&state.public_url, &token)
    );
    let page = PitchPage {
        t,
        event: EventSummary::new(&state.public_url, &event, lang),
        slot: view.slot.map(|(slot, stage)| {
            (
                stage.name,
                when::span(slot.starts_at, slot.ends_at, tz, lang),
            )
        }),
        status: match pitch.status {
            PitchStatus::Submitted => t.pitch_submitted,
            PitchStatus::Accepted => t.pitch_accepted,
            PitchStatus::Rejected => t.pitch_rejected,
            PitchStatus::Withdrawn => t.pitch_withdrawn,
        },
        can_withdraw: pitch.status != PitchStatus::Withdrawn,
        title: pitch.title,
        summary: pitch.r#abstract,
        organisation: pitch.organisation,
        presenter: pitch.presenter_name,
        duration: pitch.duration_minutes,
        webcal_url: webcal(&calendar_url),
        calendar_url,
        base: format!("/pitches/{token}"),
    };
    render(StatusCode::OK, &page)
}

/// `GET /pitches/{token}/withdraw`: asks first; changes nothing.
pub async fn ask(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let (_, view) = match pitches::by_token(&state.db, &token).await {
        Ok(found) => found,
        Err(err) => return error_page(public_language(&req), err),
    };
    let base = format!("/pitches/{token}");
    if view.pitch.status == PitchStatus::Withdrawn {
        return see_other(&base);
    }
    let t = Texts::of(view.pitch.language);
    render(
        StatusCode::OK,
        &AskPage {
            t,
            title: t.your_pitch,
            question: t.ask_withdraw_pitch,
            subject: view.pitch.title,
            note: None,
            button: t.yes_withdraw,
            action: req.path().to_owned(),
            back: base,
            danger: true,
        },
    )
}

/// `POST /pitches/{token}/withdraw`: withdraws (the slot is freed, the presenter mailed),
/// then `303` to the presenter's page.
pub async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    match pitches::withdraw(&state, &token, None).await {
        Ok(_) => see_other(&pitches::manage_url(&state.public_url, &token)),
        Err(err) => error_page(public_language(&req), err),
    }
}
