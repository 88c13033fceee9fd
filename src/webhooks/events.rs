//! The events other systems may be told of (DESIGN 3.4), and `emit`, which every feature
//! function calls in its own transaction: one delivery per endpoint that asked for the event,
//! all with the same event id, so that a delivery exists exactly when the change does.
use chrono::{DateTime, Utc};
use entity::{outbox::Status, webhook_deliveries, webhooks};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::auth::tokens::random_hex;

/// What happened. The data of an event holds ids and codes only, never names or text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    AllowanceApproved,
    AllowanceStopped,
    PaymentScheduled,
    PaymentPaid,
    LeaverClosed,
    CheckInNeedHelp,
}

impl Event {
    pub const ALL: [Event; 6] = [
        Event::AllowanceApproved,
        Event::AllowanceStopped,
        Event::PaymentScheduled,
        Event::PaymentPaid,
        Event::LeaverClosed,
        Event::CheckInNeedHelp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::AllowanceApproved => "allowance.approved",
            Event::AllowanceStopped => "allowance.stopped",
            Event::PaymentScheduled => "payment.scheduled",
            Event::PaymentPaid => "payment.paid",
            Event::LeaverClosed => "leaver.closed",
            Event::CheckInNeedHelp => "check_in.need_help",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == s.trim())
    }

    /// Catalog id of what the event means.
    pub fn message_id(self) -> String {
        format!("webhook-event-{}", self.as_str().replace(['.', '_'], "-"))
    }
}

/// The events an endpoint asked for.
pub fn events_of(hook: &webhooks::Model) -> Vec<Event> {
    hook.events.split(',').filter_map(Event::parse).collect()
}

/// The body sent for an event: its id (the same on every attempt and every endpoint), its
/// type, when it happened, and its data.
pub fn body(id: &str, event: Event, at: DateTime<Utc>, data: &Value) -> String {
    json!({
        "id": id,
        "type": event.as_str(),
        "created_at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": data,
    })
    .to_string()
}

/// Queues `event` for every live endpoint that asked for it, in `txn`.
pub async fn emit(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    event: Event,
    data: Value,
) -> Result<(), DbErr> {
    let hooks: Vec<webhooks::Model> = webhooks::Entity::find()
        .filter(webhooks::Column::RemovedAt.is_null())
        .all(txn)
        .await?
        .into_iter()
        .filter(|h| events_of(h).contains(&event))
        .collect();
    if hooks.is_empty() {
        return Ok(());
    }
    let id = format!("evt_{}", random_hex(16));
    let body = body(&id, event, now, &data);
    let rows: Vec<webhook_deliveries::ActiveModel> = hooks
        .iter()
        .map(|h| webhook_deliveries::ActiveModel {
            webhook_id: Set(h.id),
            event_id: Set(id.clone()),
            event: Set(event.as_str().to_string()),
            body: Set(body.clone()),
            status: Set(Status::Pending),
            attempts: Set(0),
            next_attempt_at: Set(now),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    webhook_deliveries::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_read_back() {
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(e));
        }
        assert_eq!(Event::parse("leaver.created"), None);
        assert_eq!(
            Event::CheckInNeedHelp.message_id(),
            "webhook-event-check-in-need-help"
        );
    }

    #[test]
    fn the_body_names_the_event_and_holds_only_its_data() {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 28, 1, 2, 3).unwrap();
        let b: Value = serde_json::from_str(&body(
            "evt_1",
            Event::PaymentPaid,
            at,
            &json!({"payment_id": 4}),
        ))
        .unwrap();
        assert_eq!(
            b,
            json!({"id": "evt_1", "type": "payment.paid", "created_at": "2026-11-28T01:02:03Z",
                   "data": {"payment_id": 4}})
        );
    }
}
