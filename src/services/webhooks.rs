//! Webhook endpoints (issue 31): made, listed and removed by organisers, with each one's
//! delivery log. What is sent and how lives in `crate::webhooks`.
//!
//! Who sees what: an admin every endpoint; another member (an organiser: reviewers and the
//! door have no webhooks) the endpoints they made. An endpoint for one event needs a member who
//! manages that event; one for every event a member of every event.
use chrono::Utc;
use entity::{
    webhook_delivery,
    webhook_endpoint::{self, EndpointStatus},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::domain::member::{Member, Permission};
use crate::domain::webhook::{self, EventType, WebhookUrl};
use crate::error::{ApiError, ApiResult};
use crate::services::events;

/// A new endpoint, checked: where, what, and for which event (`None`: every event, by its id
/// or slug as the request named it).
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: WebhookUrl,
    pub types: Vec<EventType>,
    pub event: Option<String>,
}

/// A page of an endpoint's deliveries, newest first, and how many there are.
pub struct DeliveryPage {
    pub items: Vec<webhook_delivery::Model>,
    pub total: u64,
}

/// Makes the endpoint and answers it with its secret (`whsec_…`, derived, never stored: this
/// is the only time it is shown). 403 when the member may not manage the event (or, without
/// one, every event); 422 (`event`) for an event that does not exist.
pub async fn create(
    db: &impl ConnectionTrait,
    member: &Member,
    new: NewEndpoint,
) -> ApiResult<(webhook_endpoint::Model, String)> {
    let event_id = match &new.event {
        Some(key) => {
            if !member.may_key(Permission::Manage, Some(key)) {
                return Err(ApiError::Forbidden(
                    member.refusal(Permission::Manage, Some(Uuid::nil())),
                ));
            }
            let event = events::find(db, key)
                .await?
                .ok_or_else(|| ApiError::invalid("event", "names no event (an id or a slug)"))?;
            Some(event.id)
        }
        None => {
            if member.event_scope().is_some() {
                return Err(ApiError::Forbidden(
                    "an endpoint for every event needs a member of every event; name the \
                     event (`event`)"
                        .to_owned(),
                ));
            }
            None
        }
    };
    let id = Uuid::now_v7();
    let model = webhook_endpoint::Model {
        id,
        organiser_id: member.id,
        event_id,
        url: new.url.as_str().to_owned(),
        event_types: new
            .types
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(","),
        status: EndpointStatus::Active,
        consecutive_failures: 0,
        created_at: Utc::now(),
        paused_at: None,
    };
    let saved = webhook_endpoint::ActiveModel::from(model)
        .insert(db)
        .await?;
    Ok((saved, webhook::secret_text(id)))
}

/// The endpoints the member sees (see the module documentation), oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    member: &Member,
    offset: u64,
    limit: u64,
) -> ApiResult<(Vec<webhook_endpoint::Model>, u64)> {
    let mut query = webhook_endpoint::Entity::find();
    if !member.may(Permission::Team, None) {
        query = query.filter(webhook_endpoint::Column::OrganiserId.eq(member.id));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(webhook_endpoint::Column::CreatedAt)
        .order_by_asc(webhook_endpoint::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((items, total))
}

/// One endpoint the member sees; 404 for any other.
pub async fn find(
    db: &impl ConnectionTrait,
    member: &Member,
    id: Uuid,
) -> ApiResult<webhook_endpoint::Model> {
    let found = webhook_endpoint::Entity::find_by_id(id).one(db).await?;
    match found {
        Some(endpoint)
            if endpoint.organiser_id == member.id || member.may(Permission::Team, None) =>
        {
            Ok(endpoint)
        }
        _ => Err(ApiError::not_found("webhook")),
    }
}

/// Removes the endpoint and its delivery log (nothing more is sent to it).
pub async fn remove(db: &impl ConnectionTrait, member: &Member, id: Uuid) -> ApiResult<()> {
    let endpoint = find(db, member, id).await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint.id))
        .exec(db)
        .await?;
    webhook_endpoint::Entity::delete_by_id(endpoint.id)
        .exec(db)
        .await?;
    Ok(())
}

/// The endpoint's deliveries, newest first.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    member: &Member,
    id: Uuid,
    offset: u64,
    limit: u64,
) -> ApiResult<DeliveryPage> {
    let endpoint = find(db, member, id).await?;
    let query = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint.id));
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(webhook_delivery::Column::CreatedAt)
        .order_by_desc(webhook_delivery::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok(DeliveryPage { items, total })
}
