//! Registering and removing webhook endpoints: audited writes. The signing secret is made
//! here, shown once, and stored sealed under the application's secret key.
use chrono::{DateTime, Utc};
use entity::{webhook_deliveries, webhooks};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::Expr,
};

use crate::{
    audit::chain::{self as audit, Entry},
    auth::{secret_box::SecretBox, tokens::random_hex},
    webhooks::events::Event,
};

/// Whether an address can be an endpoint: https with a host and no credentials in it (plain
/// http only to this machine itself: nothing leaves it unencrypted).
pub fn is_endpoint_url(raw: &str) -> bool {
    match url::Url::parse(raw.trim()) {
        Ok(u) => {
            let loopback = match u.host() {
                Some(url::Host::Ipv4(a)) => a.is_loopback(),
                Some(url::Host::Ipv6(a)) => a.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            };
            (u.scheme() == "https" || (u.scheme() == "http" && loopback))
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.username().is_empty()
                && u.password().is_none()
                && raw.trim().len() <= 2000
        }
        Err(_) => false,
    }
}

/// Registers an endpoint; returns it and its signing secret (shown once, stored sealed).
pub async fn register(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    admin: i32,
    secrets: &SecretBox,
    url: &str,
    events: &[Event],
) -> anyhow::Result<(webhooks::Model, String)> {
    let secret = format!("whsec_{}", random_hex(32));
    let names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    let hook = webhooks::ActiveModel {
        url: Set(url.trim().to_string()),
        events: Set(names.join(",")),
        secret: Set(secrets.seal(secret.as_bytes())?),
        created_by: Set(admin),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let summary = format!("events: {}", names.join(" "));
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(admin),
            action: "create",
            entity: "webhook",
            entity_id: Some(hook.id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok((hook, secret))
}

/// What a delivery still waiting says once its endpoint is removed.
pub const REMOVED: &str = "the endpoint was removed";

/// Removes an endpoint: nothing more is queued for it, and what waits is not sent.
pub async fn remove(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    admin: i32,
    id: i32,
) -> Result<bool, DbErr> {
    let done = webhooks::Entity::update_many()
        .col_expr(webhooks::Column::RemovedAt, Expr::value(Some(now)))
        .filter(webhooks::Column::Id.eq(id))
        .filter(webhooks::Column::RemovedAt.is_null())
        .exec(txn)
        .await?;
    if done.rows_affected == 1 {
        webhook_deliveries::Entity::update_many()
            .col_expr(
                webhook_deliveries::Column::Status,
                Expr::value(entity::outbox::Status::Failed),
            )
            .col_expr(webhook_deliveries::Column::LastError, Expr::value(REMOVED))
            .filter(webhook_deliveries::Column::WebhookId.eq(id))
            .filter(webhook_deliveries::Column::Status.is_in([
                entity::outbox::Status::Pending,
                entity::outbox::Status::Sending,
            ]))
            .exec(txn)
            .await?;
        audit::record(
            txn,
            now,
            Entry {
                actor_id: Some(admin),
                action: "remove",
                entity: "webhook",
                entity_id: Some(id.into()),
                summary: "",
            },
        )
        .await?;
    }
    Ok(done.rows_affected == 1)
}

/// The endpoints still registered, oldest first.
pub async fn live(db: &impl ConnectionTrait) -> Result<Vec<webhooks::Model>, DbErr> {
    webhooks::Entity::find()
        .filter(webhooks::Column::RemovedAt.is_null())
        .order_by_asc(webhooks::Column::Id)
        .all(db)
        .await
}

/// The newest deliveries, to every endpoint.
pub async fn recent_deliveries(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<webhook_deliveries::Model>, DbErr> {
    webhook_deliveries::Entity::find()
        .order_by_desc(webhook_deliveries::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::is_endpoint_url;

    #[test]
    fn endpoint_addresses() {
        assert!(is_endpoint_url(
            "https://finance.city.example.jp/hooks/aftercare"
        ));
        assert!(is_endpoint_url("http://127.0.0.1:9000/"));
        assert!(is_endpoint_url("http://localhost:9000/"));
        assert!(!is_endpoint_url("http://finance.example.jp/hooks"));
        assert!(!is_endpoint_url("ftp://example.jp/"));
        assert!(!is_endpoint_url("https://user:pw@example.jp/"));
        assert!(!is_endpoint_url("example.jp/hook"));
        assert!(!is_endpoint_url(""));
    }
}
