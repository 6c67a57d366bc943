//! Webhooks as data (issue 31): [`enqueue`] writes a delivery per subscribed endpoint in the
//! caller's transaction (a change rolled back sends nothing; a change committed is sent even
//! after a crash), and the [`worker::WebhookWorker`] signs and sends them later, to checked
//! addresses only ([`target`]).
//!
//! The body is thin, the same for every endpoint: `{"type", "timestamp", "data": {"event_id",
//! "event_slug", "url", and the record's id}}` where `url` is the API URL to fetch the record
//! with the organiser's token. No name, no e-mail address, nothing personal leaves by push.
pub mod target;
pub mod worker;

use chrono::{DateTime, Utc};
use entity::{
    organiser,
    webhook_delivery::{self, DeliveryStatus},
    webhook_endpoint::{self, EndpointStatus},
};
use sea_orm::{
    sea_query::Condition, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

pub use crate::domain::webhook::EventType;
pub use worker::{WebhookSignal, WebhookWorker};

/// What a change is about besides its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The event itself (published, cancelled) or its programme (a release).
    Event,
    Registration(Uuid),
    Pitch(Uuid),
    Exhibit(Uuid),
}

/// One change to report: its type, its event and what it is about.
#[derive(Debug, Clone)]
pub struct Change {
    pub kind: EventType,
    pub event_id: Uuid,
    pub event_slug: String,
    pub subject: Subject,
}

impl Change {
    pub fn new(kind: EventType, event_id: Uuid, event_slug: &str, subject: Subject) -> Self {
        Self {
            kind,
            event_id,
            event_slug: event_slug.to_owned(),
            subject,
        }
    }

    fn record_id(&self) -> Option<Uuid> {
        match self.subject {
            Subject::Event => None,
            Subject::Registration(id) | Subject::Pitch(id) | Subject::Exhibit(id) => Some(id),
        }
    }

    /// The body as stored: the type, when it happened (RFC 3339, UTC) and the ids with the
    /// API path to fetch the record (`data.url`), which the worker makes absolute with the
    /// public base URL when it sends ([`body_to_send`]).
    pub fn payload(&self, at: DateTime<Utc>) -> String {
        let event_url = format!("/api/v1/events/{}", self.event_id);
        let mut data = json!({
            "event_id": self.event_id,
            "event_slug": self.event_slug,
        });
        let url = match self.subject {
            Subject::Event if self.kind == EventType::ScheduleReleased => {
                format!("{event_url}/schedule")
            }
            Subject::Event => event_url,
            Subject::Registration(id) => {
                data["registration_id"] = json!(id);
                format!("{event_url}/registrations/{id}")
            }
            Subject::Pitch(id) => {
                data["pitch_id"] = json!(id);
                format!("{event_url}/pitches/{id}")
            }
            Subject::Exhibit(id) => {
                data["exhibit_id"] = json!(id);
                format!("{event_url}/exhibits")
            }
        };
        data["url"] = json!(url);
        json!({
            "type": self.kind.as_str(),
            "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": data,
        })
        .to_string()
    }
}

/// The body sent for a stored payload: `data.url` prefixed with `public_url` (no trailing
/// slash). The same bytes on every attempt.
pub fn body_to_send(payload: &str, public_url: &str) -> String {
    let Ok(mut body) = serde_json::from_str::<serde_json::Value>(payload) else {
        return payload.to_owned();
    };
    if let Some(path) = body["data"]["url"].as_str().filter(|p| p.starts_with('/')) {
        body["data"]["url"] = json!(format!("{public_url}{path}"));
    }
    body.to_string()
}

/// Queues a delivery of each change to every active endpoint that wants its type, for its
/// event or for every event, whose owner is still a member. Pass the transaction of the
/// change; wake the worker with [`WebhookSignal::notify`] after the commit (the worker also
/// polls). One query when no endpoint exists; three and one insert otherwise.
pub async fn enqueue<C: ConnectionTrait>(txn: &C, changes: &[Change]) -> Result<usize, DbErr> {
    if changes.is_empty() {
        return Ok(0);
    }
    let mut events: Vec<Uuid> = changes.iter().map(|c| c.event_id).collect();
    events.sort();
    events.dedup();
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Status.eq(EndpointStatus::Active))
        .filter(
            Condition::any()
                .add(webhook_endpoint::Column::EventId.is_null())
                .add(webhook_endpoint::Column::EventId.is_in(events)),
        )
        .all(txn)
        .await?;
    if endpoints.is_empty() {
        return Ok(0);
    }
    let owners: Vec<Uuid> = endpoints.iter().map(|e| e.organiser_id).collect();
    let active_owners: Vec<Uuid> = organiser::Entity::find()
        .filter(organiser::Column::Id.is_in(owners))
        .filter(organiser::Column::RevokedAt.is_null())
        .all(txn)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let now = Utc::now();
    let mut rows = Vec::new();
    for change in changes {
        let mut payload = None;
        for endpoint in &endpoints {
            let wanted = endpoint.event_id.is_none_or(|id| id == change.event_id)
                && active_owners.contains(&endpoint.organiser_id)
                && subscribes(&endpoint.event_types, change.kind);
            if !wanted {
                continue;
            }
            let body = payload.get_or_insert_with(|| change.payload(now)).clone();
            rows.push(webhook_delivery::ActiveModel::from(
                webhook_delivery::Model {
                    id: Uuid::now_v7(),
                    endpoint_id: endpoint.id,
                    event_id: Some(change.event_id),
                    record_id: change.record_id(),
                    event_type: change.kind.as_str().to_owned(),
                    payload: body,
                    status: DeliveryStatus::Pending,
                    attempts: 0,
                    next_attempt_at: now,
                    locked_until: None,
                    last_status_code: None,
                    last_error: None,
                    created_at: now,
                    delivered_at: None,
                },
            ));
        }
    }
    let count = rows.len();
    if count > 0 {
        webhook_delivery::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(count)
}

/// Whether an endpoint's stored list (comma-separated words) names `kind`.
pub fn subscribes(event_types: &str, kind: EventType) -> bool {
    event_types.split(',').any(|w| w == kind.as_str())
}

/// On erasure of a registration, pitch or exhibit: its deliveries not yet sent are dropped,
/// so nothing about the person leaves after they asked to be forgotten.
pub async fn forget_records<C: ConnectionTrait>(txn: &C, record_ids: &[Uuid]) -> Result<(), DbErr> {
    if record_ids.is_empty() {
        return Ok(());
    }
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::RecordId.is_in(record_ids.to_vec()))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .exec(txn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_holds_ids_and_the_api_url_and_nothing_else() {
        let (event, pitch) = (Uuid::from_u128(7), Uuid::from_u128(9));
        let change = Change::new(
            EventType::PitchAccepted,
            event,
            "jt-2027",
            Subject::Pitch(pitch),
        );
        let at = DateTime::from_timestamp(1_800_000_000, 0).expect("a time");
        let stored = change.payload(at);
        let sent: serde_json::Value =
            serde_json::from_str(&body_to_send(&stored, "https://podium.example")).expect("json");
        assert_eq!(
            sent,
            json!({
                "type": "pitch.accepted",
                "timestamp": "2027-01-15T08:00:00.000Z",
                "data": {
                    "event_id": event,
                    "event_slug": "jt-2027",
                    "pitch_id": pitch,
                    "url": format!("https://podium.example/api/v1/events/{event}/pitches/{pitch}"),
                },
            })
        );
        let released = Change::new(
            EventType::ScheduleReleased,
            event,
            "jt-2027",
            Subject::Event,
        );
        let body = body_to_send(&released.payload(at), "https://p.example");
        assert!(body.contains(&format!("https://p.example/api/v1/events/{event}/schedule")));
    }

    #[test]
    fn an_endpoint_subscribes_to_the_words_it_lists() {
        let list = "pitch.accepted,registration.created";
        assert!(subscribes(list, EventType::RegistrationCreated));
        assert!(!subscribes(list, EventType::RegistrationConfirmed));
    }
}
