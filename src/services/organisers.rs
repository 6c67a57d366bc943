//! Organiser accounts and their tokens.
use chrono::Utc;
use entity::organiser::{self, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::auth::{hash_token, new_token};

/// Creates an organiser; the token is returned here and never again.
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    email: &str,
    role: Role,
) -> Result<(organiser::Model, String), sea_orm::DbErr> {
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
    .await?;
    Ok((model, token))
}

/// On a first start with no organiser, creates an admin and hands back its token.
pub async fn ensure_first_admin(
    db: &impl ConnectionTrait,
) -> Result<Option<String>, sea_orm::DbErr> {
    if organiser::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let (_, token) = create(db, "Administrator", "admin@localhost", Role::Admin).await?;
    Ok(Some(token))
}

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
