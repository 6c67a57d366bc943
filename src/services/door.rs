//! The door page's sessions and its search by name (issue 17).
use chrono::Duration;
use entity::{door_session, organiser, registration};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::domain::member::Permission;
use crate::domain::{time::now, token};
use crate::error::ApiResult;

/// How long a door stays signed in: a conference day.
pub const SESSION_HOURS: i64 = 12;
/// Most names a search shows.
pub const SEARCH_MAX: usize = 20;

/// Opens a session of `organiser_id` for the event's door; gives the cookie's value (256
/// random bits), of which only the SHA-256 is stored. Expired sessions are swept here.
pub async fn open_session(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    organiser_id: Uuid,
) -> ApiResult<String> {
    let at = now();
    door_session::Entity::delete_many()
        .filter(door_session::Column::ExpiresAt.lte(at))
        .exec(db)
        .await?;
    let value = crate::auth::new_token();
    door_session::ActiveModel {
        token_hash: Set(token::hash(&value)),
        event_id: Set(event_id),
        organiser_id: Set(organiser_id),
        created_at: Set(at),
        expires_at: Set(at + Duration::hours(SESSION_HOURS)),
    }
    .insert(db)
    .await?;
    Ok(value)
}

/// Whether the cookie's `value` is a live session for this event's door, of a member whose
/// token is not revoked and whose role and events still include this door (issue 28). A
/// rotation or revocation deletes the member's sessions ([`super::organisers::end_sessions`]).
pub async fn is_signed_in(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    value: &str,
) -> ApiResult<bool> {
    let Some(session) = door_session::Entity::find_by_id(token::hash(value))
        .filter(door_session::Column::EventId.eq(event_id))
        .filter(door_session::Column::ExpiresAt.gt(now()))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let Some(member) = organiser::Entity::find_by_id(session.organiser_id)
        .filter(organiser::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let member = super::organisers::member(db, &member).await?;
    Ok(member.may(Permission::CheckIn, Some(event_id)))
}

/// Whether the cookie's `value` is a live door session (of any event) of an organiser whose
/// token is not revoked: the rate limit does not count such a door's requests.
pub async fn is_live_session(db: &impl ConnectionTrait, value: &str) -> ApiResult<bool> {
    let Some(session) = door_session::Entity::find_by_id(token::hash(value))
        .filter(door_session::Column::ExpiresAt.gt(now()))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    Ok(organiser::Entity::find_by_id(session.organiser_id)
        .filter(organiser::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .is_some())
}

/// Ends the session with this cookie value.
pub async fn close_session(db: &impl ConnectionTrait, value: &str) -> ApiResult<()> {
    door_session::Entity::delete_by_id(token::hash(value))
        .exec(db)
        .await?;
    Ok(())
}

/// The event's registration with this id, to say at the door why someone was refused.
pub async fn registration(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    id: Uuid,
) -> ApiResult<Option<registration::Model>> {
    Ok(registration::Entity::find_by_id(id)
        .filter(registration::Column::EventId.eq(event_id))
        .one(db)
        .await?)
}

/// Lower case without accents, umlauts and ß spelled out the same way whichever way they
/// were typed: "Müller", "Mueller" and "muller" all fold to "muller".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        match c {
            'ä' | 'à' | 'á' | 'â' | 'ã' | 'å' => out.push('a'),
            'ö' | 'ò' | 'ó' | 'ô' | 'õ' | 'ø' => out.push('o'),
            'ü' | 'ù' | 'ú' | 'û' => out.push('u'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'ç' | 'č' | 'ć' => out.push('c'),
            'ñ' | 'ń' => out.push('n'),
            'š' | 'ś' => out.push('s'),
            'ž' | 'ź' | 'ż' => out.push('z'),
            'ł' => out.push('l'),
            'ß' => out.push_str("ss"),
            c => out.push(c),
        }
    }
    out.replace("ae", "a").replace("oe", "o").replace("ue", "u")
}

/// The event's registrations (erased ones left out) whose name or organisation contains
/// `query` once both are folded ([`fold`]); by name, at most [`SEARCH_MAX`].
pub async fn search(
    db: &impl ConnectionTrait,
    event_id: Uuid,
    query: &str,
) -> ApiResult<Vec<registration::Model>> {
    let needle = fold(query.trim());
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    let all = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::ErasedAt.is_null())
        .order_by_asc(registration::Column::Name)
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await?;
    Ok(all
        .into_iter()
        .filter(|r| fold(&r.name).contains(&needle) || fold(&r.organisation).contains(&needle))
        .take(SEARCH_MAX)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn umlauts_fold_the_same_however_they_are_typed() {
        assert_eq!(fold("Müller"), fold("Mueller"));
        assert_eq!(fold("Müller"), fold("MULLER"));
        assert_eq!(fold("Straße"), fold("strasse"));
        assert_eq!(fold("José Núñez"), "jose nunez");
    }
}
