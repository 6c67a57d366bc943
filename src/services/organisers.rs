//! Organiser accounts (team members), their roles and events (issue 28), and their tokens.
//! Rotating or revoking a token ends every session opened with it (issue 30).
use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use entity::organiser::{self, Role};
use entity::{backoffice_session, door_session, event, organiser_event};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::auth::{hash_token, new_token};
use crate::domain::member::{Member, MemberChanges, NewMember};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::services::events;

/// The member's permissions: the role and the events worked on (none listed: every event).
pub async fn member(db: &impl ConnectionTrait, model: &organiser::Model) -> ApiResult<Member> {
    let ids: Vec<Uuid> = organiser_event::Entity::find()
        .filter(organiser_event::Column::OrganiserId.eq(model.id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.event_id)
        .collect();
    let events: BTreeMap<Uuid, String> = if ids.is_empty() {
        BTreeMap::new()
    } else {
        event::Entity::find()
            .filter(event::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.slug))
            .collect()
    };
    Ok(Member {
        id: model.id,
        role: model.role,
        events: (!events.is_empty()).then_some(events),
    })
}

/// The ids of the events named by `keys` (ids or slugs), each once; a 422 naming `field` for
/// a key that names no event.
pub async fn resolve_events(
    db: &impl ConnectionTrait,
    field: &str,
    keys: &[String],
) -> ApiResult<BTreeSet<Uuid>> {
    let mut ids = BTreeSet::new();
    let mut errors = Vec::new();
    for key in keys {
        match events::find(db, key.trim()).await? {
            Some(event) => {
                ids.insert(event.id);
            }
            None => errors.push(FieldError::new(field, format!("no event '{key}'"))),
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(ApiError::validation(errors))
    }
}

async fn set_events(
    db: &impl ConnectionTrait,
    organiser_id: Uuid,
    events: &BTreeSet<Uuid>,
) -> ApiResult<()> {
    organiser_event::Entity::delete_many()
        .filter(organiser_event::Column::OrganiserId.eq(organiser_id))
        .exec(db)
        .await?;
    for event_id in events {
        organiser_event::ActiveModel {
            organiser_id: Set(organiser_id),
            event_id: Set(*event_id),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Adds a team member with a role and events; the token is returned here and never again.
/// Errors as [`create`], and a 422 for an event that does not exist.
pub async fn create_member(
    db: &DatabaseConnection,
    new: NewMember,
) -> ApiResult<(organiser::Model, Member, String)> {
    let txn = crate::db::begin_write(db).await?;
    let events = resolve_events(&txn, "events", &new.events).await?;
    let (model, token) = create(&txn, &new.name, new.email.as_str(), new.role).await?;
    set_events(&txn, model.id, &events).await?;
    let member = member(&txn, &model).await?;
    txn.commit().await?;
    Ok((model, member, token))
}

/// Changes a member's name, role or events; `None` when there is no such member. A change of
/// role or events ends the member's sessions (they were opened under the old rights).
pub async fn update_member(
    db: &DatabaseConnection,
    id: Uuid,
    changes: MemberChanges,
) -> ApiResult<Option<(organiser::Model, Member)>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(found) = find(&txn, id).await? else {
        return Ok(None);
    };
    let rights_change = changes.role.is_some() || changes.events.is_some();
    if let Some(keys) = &changes.events {
        let events = resolve_events(&txn, "events", keys).await?;
        set_events(&txn, id, &events).await?;
    }
    let mut active: organiser::ActiveModel = found.clone().into();
    if let Some(name) = changes.name {
        active.name = Set(name);
    }
    if let Some(role) = changes.role {
        active.role = Set(role);
    }
    let model = if changes_any(&active) {
        active.update(&txn).await?
    } else {
        found
    };
    if rights_change {
        end_sessions(&txn, id).await?;
    }
    let member = member(&txn, &model).await?;
    txn.commit().await?;
    Ok(Some((model, member)))
}

fn changes_any(active: &organiser::ActiveModel) -> bool {
    active.name.is_set() || active.role.is_set()
}

/// Ends every session opened by the member (the door's and the backoffice's): after a
/// rotation, a revocation or a change of rights, nothing made from the old token works.
pub async fn end_sessions(db: &impl ConnectionTrait, organiser_id: Uuid) -> ApiResult<()> {
    door_session::Entity::delete_many()
        .filter(door_session::Column::OrganiserId.eq(organiser_id))
        .exec(db)
        .await?;
    backoffice_session::Entity::delete_many()
        .filter(backoffice_session::Column::OrganiserId.eq(organiser_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Creates an organiser; the token is returned here and never again.
///
/// Errors: a 409 conflict when an active (not revoked) organiser has the same e-mail address,
/// compared case-insensitively (the unique index `idx_organisers_active_email` decides, so two
/// concurrent requests cannot both pass).
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    email: &str,
    role: Role,
) -> Result<(organiser::Model, String), ApiError> {
    let duplicate = || {
        ApiError::Conflict(format!(
            "an active organiser with the e-mail address '{email}' exists"
        ))
    };
    if find_active_by_email(db, email).await?.is_some() {
        return Err(duplicate());
    }
    let token = new_token();
    let model = organiser::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        email: Set(email.to_owned()),
        role: Set(role),
        token_hash: Set(hash_token(&token)),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|err| match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => duplicate(),
        _ => err.into(),
    })?;
    Ok((model, token))
}

/// The active organiser with this e-mail address (case-insensitive), if any.
pub async fn find_active_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<organiser::Model>, sea_orm::DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    organiser::Entity::find()
        .filter(
            Expr::expr(Func::lower(Expr::col(organiser::Column::Email))).eq(email.to_lowercase()),
        )
        .filter(organiser::Column::RevokedAt.is_null())
        .one(db)
        .await
}

/// The organiser with this id, or else the active one with this e-mail address: what the
/// `podium organiser revoke` command is given.
pub async fn find_by_id_or_email(
    db: &impl ConnectionTrait,
    id_or_email: &str,
) -> Result<Option<organiser::Model>, sea_orm::DbErr> {
    match Uuid::parse_str(id_or_email.trim()) {
        Ok(id) => find(db, id).await,
        Err(_) => find_active_by_email(db, id_or_email.trim()).await,
    }
}

/// On a first start with no organiser, creates an admin and hands back its token.
pub async fn ensure_first_admin(db: &impl ConnectionTrait) -> Result<Option<String>, ApiError> {
    if organiser::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let (_, token) = create(db, "Administrator", "admin@localhost", Role::Admin).await?;
    Ok(Some(token))
}

/// Every organiser, revoked ones included, oldest first.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<organiser::Model>, sea_orm::DbErr> {
    organiser::Entity::find()
        .order_by_asc(organiser::Column::CreatedAt)
        .all(db)
        .await
}

pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<organiser::Model>, sea_orm::DbErr> {
    organiser::Entity::find_by_id(id).one(db).await
}

/// Revokes the organiser's token and ends every session opened with it (issue 30), in one
/// transaction; the account stays for the record.
pub async fn revoke(db: &DatabaseConnection, id: Uuid) -> ApiResult<Option<organiser::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(found) = find(&txn, id).await? else {
        return Ok(None);
    };
    end_sessions(&txn, id).await?;
    let model = if found.revoked_at.is_some() {
        found
    } else {
        let mut active: organiser::ActiveModel = found.into();
        active.revoked_at = Set(Some(Utc::now()));
        active.update(&txn).await?
    };
    txn.commit().await?;
    Ok(Some(model))
}

/// Replaces the organiser's token: the old one stops working at once, and so does every
/// session opened with it (issue 30: door sessions lived on for up to 12 hours).
pub async fn rotate(
    db: &DatabaseConnection,
    id: Uuid,
) -> ApiResult<Option<(organiser::Model, String)>> {
    let token = new_token();
    let txn = crate::db::begin_write(db).await?;
    let result = organiser::Entity::update_many()
        .col_expr(
            organiser::Column::TokenHash,
            sea_orm::sea_query::Expr::value(hash_token(&token)),
        )
        .filter(organiser::Column::Id.eq(id))
        .filter(organiser::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    end_sessions(&txn, id).await?;
    let found = find(&txn, id).await?;
    txn.commit().await?;
    Ok(found.map(|m| (m, token)))
}
