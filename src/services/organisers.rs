//! Organiser accounts and their tokens.
use chrono::Utc;
use entity::organiser::{self, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::auth::{hash_token, new_token};
use crate::error::ApiError;

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

/// Revokes the organiser's token; the account stays for the record.
pub async fn revoke(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<organiser::Model>, sea_orm::DbErr> {
    let Some(found) = find(db, id).await? else {
        return Ok(None);
    };
    if found.revoked_at.is_some() {
        return Ok(Some(found));
    }
    let mut active: organiser::ActiveModel = found.into();
    active.revoked_at = Set(Some(Utc::now()));
    active.update(db).await.map(Some)
}

/// Replaces the organiser's token: the old one stops working at once.
pub async fn rotate(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(organiser::Model, String)>, sea_orm::DbErr> {
    let token = new_token();
    let result = organiser::Entity::update_many()
        .col_expr(
            organiser::Column::TokenHash,
            sea_orm::sea_query::Expr::value(hash_token(&token)),
        )
        .filter(organiser::Column::Id.eq(id))
        .filter(organiser::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    Ok(find(db, id).await?.map(|m| (m, token)))
}
