//! `/unsubscribe/{token}`: where an announcement's `List-Unsubscribe` link leads (RFC 8058).
//! The `GET` asks with a button and changes nothing (mail gateways fetch links); the `POST`
//! (the button, or a mail client's one-click `List-Unsubscribe=One-Click`) leaves the event's
//! announcements. No authentication but the secret in the link (`mail::unsubscribe`).
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use entity::registration::Language;

use super::{error_page, public_language, render, AskPage, MessagePage, Texts};
use crate::services::notifications::{self, Subscriber};
use crate::state::AppState;

/// This page's words: title, question, button, and what the page says once done.
fn words(lang: Language) -> (&'static str, &'static str, &'static str, &'static str) {
    match lang {
        Language::En => (
            "Announcements",
            "Stop receiving the organisers' announcements of",
            "Unsubscribe",
            "You will receive no more announcements of this event. Mail about your own registration, pitch or exhibit still reaches you.",
        ),
        Language::De => (
            "Ankündigungen",
            "Keine Ankündigungen der Veranstalter mehr erhalten zu",
            "Abmelden",
            "Sie erhalten keine Ankündigungen zu dieser Veranstaltung mehr. Mails zu Ihrer eigenen Anmeldung, Ihrem Beitrag oder Ihrem Stand erreichen Sie weiterhin.",
        ),
    }
}

fn done_page(s: &Subscriber) -> HttpResponse {
    let t = Texts::of(s.language);
    let (title, _, _, done) = words(s.language);
    render(
        StatusCode::OK,
        &MessagePage {
            t,
            title: title.to_owned(),
            message: done.to_owned(),
            link: Some(("/".to_owned(), t.all_events.to_owned())),
            switch: None,
        },
    )
}

/// `GET /unsubscribe/{token}`: asks; changes nothing.
pub async fn ask(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let s = match notifications::announcement_subscriber(&state.db, &token).await {
        Ok(s) => s,
        Err(err) => return error_page(public_language(&req), err),
    };
    if s.left {
        return done_page(&s);
    }
    let (title, question, button, _) = words(s.language);
    render(
        StatusCode::OK,
        &AskPage {
            t: Texts::of(s.language),
            title,
            question,
            subject: s.event_title,
            note: None,
            button,
            action: req.path().to_owned(),
            back: "/".to_owned(),
            danger: false,
        },
    )
}

/// `POST /unsubscribe/{token}`: leaves the event's announcements; the page says so.
pub async fn leave(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    match notifications::leave_announcements(&state.db, &token).await {
        Ok(s) => done_page(&s),
        Err(err) => error_page(public_language(&req), err),
    }
}
