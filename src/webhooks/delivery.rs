//! Posting webhook deliveries: each due delivery is claimed, signed and posted; a 2xx answer
//! marks it sent, anything else waits with backoff (as emails do) and is marked failed after
//! the last attempt, with its last error on the admin page, until an admin retries it. The
//! event id stays the same on every attempt: a receiver that saw it already drops it.
use chrono::{DateTime, Duration, Utc};
use entity::{outbox::Status, webhook_deliveries, webhooks};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

use crate::{
    app::state::AppState,
    audit::chain::{self as audit, Entry},
    db,
    reminders::delivery::{MAX_ATTEMPTS, backoff},
    reminders::outbox::{Event as Step, transition},
    webhooks::sign,
};

/// How long a claimed delivery may stay unconfirmed before it is tried again.
const CLAIM_SECONDS: i64 = 60;
/// What an attempt's error starts with when the endpoint could not be reached at all.
const UNREACHABLE: &str = "not delivered";

/// How long one post may take.
const TIMEOUT_SECONDS: u64 = 10;

/// What a round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(TIMEOUT_SECONDS))
        // A receiver that moved says so by hand: a redirect is an error, not a new address.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Aftercare-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client's TLS backend is built in")
}

async fn post(
    state: &AppState,
    hook: &webhooks::Model,
    row: &webhook_deliveries::Model,
) -> Result<(), String> {
    let secret = state
        .secrets
        .open(&hook.secret)
        .and_then(|s| String::from_utf8(s).ok())
        .ok_or("the endpoint's secret cannot be opened with this key")?;
    let t = state.clock.now().timestamp();
    let resp = client()
        .post(&hook.url)
        .header("content-type", "application/json")
        .header(sign::HEADER, sign::signature(&secret, t, &row.body))
        .header("Aftercare-Event", &row.event)
        .header("Aftercare-Event-Id", &row.event_id)
        .body(row.body.clone())
        .send()
        .await
        .map_err(|e| format!("{UNREACHABLE}: {e}"))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("the endpoint answered {}", resp.status()))
    }
}

/// Posts every due delivery, under the `webhooks` lease so that one instance posts at a time.
pub async fn deliver_due(state: &AppState, holder: &str) -> anyhow::Result<Delivered> {
    Ok(
        crate::jobs::lease::with_lease(state, "webhooks", holder, deliver_locked(state))
            .await?
            .transpose()?
            .unwrap_or_default(),
    )
}

async fn deliver_locked(state: &AppState) -> anyhow::Result<Delivered> {
    let now = state.clock.now();
    let due = webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::Status.is_in([Status::Pending, Status::Sending]))
        .filter(webhook_deliveries::Column::NextAttemptAt.lte(now))
        .order_by_asc(webhook_deliveries::Column::Id)
        .limit(100)
        .all(&state.db)
        .await?;
    let mut report = Delivered::default();
    // An endpoint that could not be reached in this round is not tried again in it: one
    // endpoint that is down (each attempt waiting for its timeout) does not hold up the
    // others' deliveries.
    let mut failing = std::collections::HashSet::new();
    for row in due {
        if failing.contains(&row.webhook_id) {
            continue;
        }
        let attempts = row.attempts + 1;
        let claimed = webhook_deliveries::Entity::update_many()
            .col_expr(
                webhook_deliveries::Column::Status,
                Expr::value(Status::Sending),
            )
            .col_expr(webhook_deliveries::Column::Attempts, Expr::value(attempts))
            .col_expr(
                webhook_deliveries::Column::NextAttemptAt,
                Expr::value(state.clock.now() + Duration::seconds(CLAIM_SECONDS)),
            )
            .filter(webhook_deliveries::Column::Id.eq(row.id))
            .filter(webhook_deliveries::Column::Attempts.eq(row.attempts))
            .filter(webhook_deliveries::Column::Status.eq(row.status))
            .exec(&state.db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let hook = webhooks::Entity::find_by_id(row.webhook_id)
            .one(&state.db)
            .await?;
        let outcome = match &hook {
            Some(h) if h.removed_at.is_none() => post(state, h, &row).await,
            _ => Err("the endpoint was removed".to_string()),
        };
        let now = state.clock.now();
        let (step, action) = match &outcome {
            Ok(()) => (Step::Delivered, "sent"),
            Err(_) if attempts >= MAX_ATTEMPTS || hook.is_none_or(|h| h.removed_at.is_some()) => {
                (Step::AttemptFailed { last: true }, "failed")
            }
            Err(_) => (Step::AttemptFailed { last: false }, "retry"),
        };
        let status =
            transition(Status::Sending, step).expect("a claimed delivery can succeed or fail");
        let error = outcome
            .err()
            .map(|e| e.chars().take(500).collect::<String>());
        let txn = db::begin_write(&state.db).await?;
        webhook_deliveries::Entity::update_many()
            .col_expr(webhook_deliveries::Column::Status, Expr::value(status))
            .col_expr(
                webhook_deliveries::Column::NextAttemptAt,
                Expr::value(now + backoff(attempts)),
            )
            .col_expr(
                webhook_deliveries::Column::LastError,
                Expr::value(error.clone()),
            )
            .col_expr(
                webhook_deliveries::Column::DeliveredAt,
                Expr::value(error.is_none().then_some(now)),
            )
            .filter(webhook_deliveries::Column::Id.eq(row.id))
            .filter(webhook_deliveries::Column::Status.eq(Status::Sending))
            .exec(&txn)
            .await?;
        // Named by the person the event is about, so their access log shows what was sent.
        let person = serde_json::from_str::<serde_json::Value>(&row.body)
            .ok()
            .and_then(|b| b["data"]["leaver_id"].as_i64())
            .map(|id| format!("leaver {id}; "))
            .unwrap_or_default();
        let summary = format!(
            "{person}webhook {}; {}; attempt {attempts}",
            row.webhook_id, row.event
        );
        audit::record(
            &txn,
            now,
            Entry {
                actor_id: None,
                action,
                entity: "webhook_delivery",
                entity_id: Some(row.id.into()),
                summary: &summary,
            },
        )
        .await?;
        txn.commit().await?;
        match status {
            Status::Sent => report.sent += 1,
            Status::Failed => report.failed += 1,
            _ => report.retrying += 1,
        }
        if error.as_deref().is_some_and(|e| e.starts_with(UNREACHABLE)) {
            failing.insert(row.webhook_id);
        }
        if let Some(e) = error {
            tracing::warn!(delivery = row.id, attempts, error = %e, "webhook not delivered; see /admin/webhooks");
        }
    }
    Ok(report)
}

/// An admin's "retry now": a failed delivery is due again with a fresh set of attempts.
pub async fn retry_now(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    id: i32,
) -> Result<bool, DbErr> {
    let pending = transition(Status::Failed, Step::RetryByHand)
        .expect("a failed delivery can be retried by hand");
    // A removed endpoint's deliveries stay as they are.
    let live: Vec<i32> = webhooks::Entity::find()
        .filter(webhooks::Column::RemovedAt.is_null())
        .all(txn)
        .await?
        .into_iter()
        .map(|h| h.id)
        .collect();
    let updated = webhook_deliveries::Entity::update_many()
        .col_expr(webhook_deliveries::Column::Status, Expr::value(pending))
        .col_expr(webhook_deliveries::Column::Attempts, Expr::value(0))
        .col_expr(webhook_deliveries::Column::NextAttemptAt, Expr::value(now))
        .filter(webhook_deliveries::Column::Id.eq(id))
        .filter(webhook_deliveries::Column::WebhookId.is_in(live))
        .filter(webhook_deliveries::Column::Status.eq(Status::Failed))
        .exec(txn)
        .await?;
    if updated.rows_affected == 1 {
        audit::record(
            txn,
            now,
            Entry {
                actor_id: Some(actor),
                action: "retry",
                entity: "webhook_delivery",
                entity_id: Some(id.into()),
                summary: "",
            },
        )
        .await?;
    }
    Ok(updated.rows_affected == 1)
}

/// Every few seconds, posts what is due (the server's background task).
pub async fn run(state: std::sync::Arc<AppState>) {
    let holder = format!("webhooks-{}", crate::auth::tokens::random_hex(4));
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(e) = deliver_due(&state, &holder).await {
            tracing::warn!(error = %e, "webhook delivery round failed");
        }
    }
}
