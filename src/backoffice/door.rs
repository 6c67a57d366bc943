//! From the backoffice to the door (issue 28's tryout: a volunteer signed in at `/orga/` was
//! asked for their token again at the door). `POST /orga/events/{slug}/door` opens a door
//! session for the signed-in member, as the door's own sign-in does with a token, and goes to
//! the door page. A form, not a link: opening a session changes something, and no `GET` does.
use actix_web::{web, HttpRequest, HttpResponse};

use super::{refuse_cross_site, PageError, Session};
use crate::domain::member::Permission;
use crate::pages::see_other;
use crate::services::{door, events};
use crate::state::AppState;

/// The form's fields.
#[derive(serde::Deserialize)]
pub struct DoorForm {
    #[serde(default)]
    form_token: String,
}

/// `POST /orga/events/{slug}/door`: a member who may check people in at this event gets the
/// door's session cookie and is sent to the door page; anyone else gets the 403 page.
pub async fn open(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    key: web::Path<String>,
    form: web::Form<DoorForm>,
) -> Result<HttpResponse, PageError> {
    refuse_cross_site(&req, &state.public_url)?;
    session.check_form_token(&form.form_token)?;
    let lang = session.lang;
    if !session.member.may_key(Permission::CheckIn, Some(&key)) {
        return Err(PageError::Forbidden(lang));
    }
    let event = events::find_visible(&state.db, &key, false)
        .await
        .map_err(|e| PageError::Api(lang, e))?;
    session.allow(Permission::CheckIn, Some(event.id))?;
    let value = door::open_session(&state.db, event.id, session.organiser.id)
        .await
        .map_err(|e| PageError::Api(lang, e))?;
    let mut response = see_other(&format!(
        "/events/{}/door?lang={}",
        event.slug,
        crate::pages::code(lang)
    ));
    response
        .add_cookie(&crate::pages::door_cookie(&state, &event.slug, value))
        .map_err(|e| {
            PageError::Api(
                lang,
                crate::error::ApiError::Internal(anyhow::anyhow!("setting the door cookie: {e}")),
            )
        })?;
    Ok(response)
}
