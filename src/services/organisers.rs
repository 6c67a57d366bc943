//! Organiser accounts (team members), their roles, events and language (issue 28), and their
//! tokens. Rotating or revoking a token ends every session opened with it (issue 30). The team
//! always keeps an active admin: no change or revocation takes the last one away.
use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use entity::organiser::{self, Role};
use entity::registration::Language;
use entity::{backoffice_session, door_session, event, organiser_event};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::auth::{hash_token, new_token};
use crate::domain::member::{Member, MemberChanges, NewMember};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::mail::{self, templates, NewMail};
use crate::services::{events, sign_in_links, Ctx};

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

/// Adds a team member with a role, events and language; the token is returned here and never
/// again. With `invited_by` (the team page), the member is also mailed an invitation naming
/// the inviting admin, the role and the events, with a sign-in link that works for
/// [`sign_in_links::INVITATION_HOURS`] hours. Errors as [`create`], and a 422 for an event
/// that does not exist.
pub async fn create_member(
    ctx: &Ctx,
    new: NewMember,
    invited_by: Option<&organiser::Model>,
) -> ApiResult<(organiser::Model, Member, String)> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    let (model, member, token) = insert_member(&txn, &new).await?;
    if let Some(admin) = invited_by {
        invite(&ctx.public_url, &txn, &model, &member, admin, new.language).await?;
    }
    txn.commit().await?;
    if invited_by.is_some() {
        ctx.wake_mailer();
    }
    Ok((model, member, token))
}

/// [`create_member`] without an invitation: for the demo seed.
pub async fn add_member(
    db: &DatabaseConnection,
    new: &NewMember,
) -> ApiResult<(organiser::Model, Member, String)> {
    let txn = crate::db::begin_write(db).await?;
    let added = insert_member(&txn, new).await?;
    txn.commit().await?;
    Ok(added)
}

async fn insert_member(
    txn: &impl ConnectionTrait,
    new: &NewMember,
) -> ApiResult<(organiser::Model, Member, String)> {
    let events = resolve_events(txn, "events", &new.events).await?;
    let (model, token) = create(
        txn,
        &new.name,
        new.email.as_str(),
        new.role,
        Some(new.language),
    )
    .await?;
    let model = match &new.organisation {
        Some(organisation) => {
            let mut active: organiser::ActiveModel = model.into();
            active.organisation = Set(Some(organisation.clone()));
            active.update(txn).await?
        }
        None => model,
    };
    set_events(txn, model.id, &events).await?;
    let member = member(txn, &model).await?;
    Ok((model, member, token))
}

/// Queues the invitation of a new member, with a sign-in link.
async fn invite(
    public_url: &str,
    txn: &impl ConnectionTrait,
    model: &organiser::Model,
    member: &Member,
    admin: &organiser::Model,
    language: Language,
) -> ApiResult<()> {
    let expires =
        crate::domain::time::now() + chrono::Duration::hours(sign_in_links::INVITATION_HOURS);
    let (id, secret) = sign_in_links::issue(txn, model.id, expires).await?;
    let link = sign_in_links::url(public_url, &secret);
    let titles: Vec<String> = match &member.events {
        Some(events) if model.role != Role::Admin => event::Entity::find()
            .filter(event::Column::Id.is_in(events.keys().copied()))
            .all(txn)
            .await?
            .into_iter()
            .map(|e| e.title)
            .collect(),
        _ => Vec::new(),
    };
    let content = templates::invitation(
        language,
        &templates::InvitationMail {
            name: &model.name,
            link: &link,
            hours: sign_in_links::INVITATION_HOURS,
            invited_by: &admin.name,
            role: model.role,
            events: &titles,
        },
    );
    mail::enqueue(
        txn,
        NewMail {
            kind: "team_invitation",
            event_id: None,
            recipient: model.email.clone(),
            recipient_name: model.name.clone(),
            language,
            content,
            ics: None,
            record_id: Some(id),
        },
    )
    .await?;
    Ok(())
}

/// A 409 unless the team still has an active admin (checked inside the change's transaction,
/// after the change): the last admin cannot revoke or demote themselves.
async fn keep_an_admin(db: &impl ConnectionTrait) -> ApiResult<()> {
    let admins = organiser::Entity::find()
        .filter(organiser::Column::Role.eq(Role::Admin))
        .filter(organiser::Column::RevokedAt.is_null())
        .count(db)
        .await?;
    if admins == 0 {
        return Err(ApiError::Conflict(LAST_ADMIN.to_owned()));
    }
    Ok(())
}

/// The refusal of a change that would leave the team without an active admin.
pub const LAST_ADMIN: &str = "the team would have no admin left: make another member admin first";

/// Changes a member's name, role, events or language; `None` when there is no such member. A
/// change of role or events ends the member's sessions (they were opened under the old
/// rights). A 409 ([`LAST_ADMIN`]) when it would demote the last active admin.
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
    let demoted = changes.role.is_some_and(|role| role != Role::Admin) && found.role == Role::Admin;
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
    if let Some(language) = changes.language {
        active.language = Set(Some(language));
    }
    if let Some(organisation) = changes.organisation {
        active.organisation = Set(organisation);
    }
    let model = if changes_any(&active) {
        active.update(&txn).await?
    } else {
        found
    };
    if demoted {
        keep_an_admin(&txn).await?;
    }
    if rights_change {
        end_sessions(&txn, id).await?;
    }
    let member = member(&txn, &model).await?;
    txn.commit().await?;
    Ok(Some((model, member)))
}

fn changes_any(active: &organiser::ActiveModel) -> bool {
    active.name.is_set()
        || active.role.is_set()
        || active.language.is_set()
        || active.organisation.is_set()
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
    language: Option<Language>,
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
        language: Set(language),
        organisation: Set(None),
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
    let (_, token) = create(db, "Administrator", "admin@localhost", Role::Admin, None).await?;
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

/// Revokes the organiser's token, ends every session opened with it (issue 30) and deletes
/// their sign-in links, in one transaction; the account stays for the record. A 409
/// ([`LAST_ADMIN`]) for the last active admin.
pub async fn revoke(db: &DatabaseConnection, id: Uuid) -> ApiResult<Option<organiser::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(found) = find(&txn, id).await? else {
        return Ok(None);
    };
    end_sessions(&txn, id).await?;
    sign_in_links::forget(&txn, id).await?;
    let model = if found.revoked_at.is_some() {
        found
    } else {
        let mut active: organiser::ActiveModel = found.into();
        active.revoked_at = Set(Some(Utc::now()));
        let model = active.update(&txn).await?;
        keep_an_admin(&txn).await?;
        model
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
