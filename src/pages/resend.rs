//! "Mail me the link to my registration", offered where the registration form says the
//! address is registered already: `POST /events/{event}/resend-link` (through
//! `registrations::resend`, as `POST /api/v1/events/{event}/registrations/resend-link`), then
//! `GET /events/{event}/link-sent`, the same page whether or not the address is registered.
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};

use super::self_edit::{is_cross_site, EditTexts};
use super::{code, error_page, public_language, render, see_other, MessagePage, Switch, Texts};
use crate::services::registrations::resend;
use crate::state::AppState;

/// The form's one field.
#[derive(Debug, serde::Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    email: String,
}

/// `POST /events/{event}/resend-link`: queues the mail when the address is registered, then
/// `303` to [`sent`]. A post from another site is refused (403) and mails nothing.
pub async fn resend(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
    form: web::Form<ResendForm>,
) -> HttpResponse {
    let lang = public_language(&req);
    if is_cross_site(&req, &state.public_url) {
        let t = Texts::of(lang);
        return render(
            StatusCode::FORBIDDEN,
            &MessagePage {
                t,
                title: t.error_title.to_owned(),
                message: EditTexts::of(lang).cross_site.to_owned(),
                link: Some((format!("/events/{key}"), t.back.to_owned())),
                switch: None,
            },
        );
    }
    match resend::resend_link(&state, &key, &form.email).await {
        Ok(()) => see_other(&format!("/events/{key}/link-sent?lang={}", code(lang))),
        Err(err) => error_page(lang, err),
    }
}

/// `GET /events/{event}/link-sent`: "if this address is registered for the event, we have
/// sent the link to it".
pub async fn sent(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> HttpResponse {
    let lang = public_language(&req);
    let event = match state.reads.find_visible(&state.db, &key, false).await {
        Ok(event) => event,
        Err(err) => return error_page(lang, err),
    };
    let t = Texts::of(lang);
    let se = EditTexts::of(lang);
    let path = format!("/events/{}", event.slug);
    render(
        StatusCode::OK,
        &MessagePage {
            t,
            title: se.link_sent_title.to_owned(),
            message: format!(
                "{}{}{}",
                se.link_sent_body.0, event.title, se.link_sent_body.1
            ),
            link: Some((
                format!("{path}?lang={}", code(lang)),
                t.to_the_event.to_owned(),
            )),
            switch: Some(Switch::to_other(&format!("{path}/link-sent"), lang)),
        },
    )
}
