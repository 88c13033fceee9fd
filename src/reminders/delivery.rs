//! The outbox: every email is stored first, then sent. A failed send is retried with
//! exponential backoff up to a limit, then marked failed for an admin to see and retry.
use chrono::{DateTime, Duration, NaiveDate, Utc};

use entity::{leases, outbox};
use lettre::{Message, message::MultiPart};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};

use crate::{
    app::state::AppState,
    audit::chain::{self as audit, Entry},
    db,
    mail::Mailer,
    reminders::outbox::{Event, transition},
    reminders::{email::Rendered, item::Address},
};

/// Attempts before an email is marked failed (about 12 hours of retries).
pub const MAX_ATTEMPTS: i32 = 12;

/// The wait after the `attempts`th failure: 1, 2, 4, 8… minutes, at most 6 hours.
pub fn backoff(attempts: i32) -> Duration {
    let minutes = 1i64 << (attempts.clamp(1, 20) - 1);
    Duration::minutes(Ord::min(minutes, 6 * 60))
}

pub async fn enqueue(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    day: NaiveDate,
    to: &Address,
    message: &Rendered,
) -> Result<i32, DbErr> {
    store(txn, now, day, to, message, false).await
}

/// Queues an email that carries a young person's personal link: once sent, its text is
/// blanked, so the link's token is kept nowhere.
pub async fn enqueue_with_link(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    day: NaiveDate,
    to: &Address,
    message: &Rendered,
) -> Result<i32, DbErr> {
    store(txn, now, day, to, message, true).await
}

/// What the text of a sent email with a personal link becomes.
pub const LINK_REMOVED: &str = "(sent; the personal link it carried is not kept)";

async fn store(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    day: NaiveDate,
    to: &Address,
    message: &Rendered,
    holds_link: bool,
) -> Result<i32, DbErr> {
    let saved = outbox::ActiveModel {
        holds_link: Set(holds_link),
        to_address: Set(to.email.clone()),
        language: Set(to.language),
        subject: Set(message.subject.chars().take(300).collect()),
        body_text: Set(message.text.clone()),
        body_html: Set(message.html.clone()),
        status: Set(outbox::Status::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        run_date: Set(day),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(saved.id)
}

fn message_domain(state: &AppState) -> String {
    state
        .config
        .mail_from
        .rsplit('@')
        .next()
        .map(|d| d.trim_end_matches('>').to_string())
        .unwrap_or_else(|| "localhost".into())
}

fn build(state: &AppState, row: &outbox::Model) -> anyhow::Result<Message> {
    Ok(Message::builder()
        .from(Mailer::sender(&state.config))
        .to(row.to_address.parse()?)
        .subject(row.subject.clone())
        .message_id(Some(format!(
            "<aftercare-outbox-{}@{}>",
            row.id,
            message_domain(state)
        )))
        .multipart(MultiPart::alternative_plain_html(
            row.body_text.clone(),
            row.body_html.clone(),
        ))?)
}

/// What a delivery round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Emails still waiting after the round (not yet due, or not sent in it).
    pub waiting: u64,
    /// Who holds delivery, and until when, when this round could not take it.
    pub held_by: Option<(String, DateTime<Utc>)>,
}

/// The newest emails of the outbox, of one status or all.
pub async fn recent(
    db: &impl ConnectionTrait,
    status: Option<outbox::Status>,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    let mut q = outbox::Entity::find();
    if let Some(status) = status {
        q = q.filter(outbox::Column::Status.eq(status));
    }
    q.order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Emails not yet sent, failed or withdrawn.
async fn count_waiting(db: &DatabaseConnection) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    outbox::Entity::find()
        .filter(outbox::Column::Status.is_in([outbox::Status::Pending, outbox::Status::Sending]))
        .count(db)
        .await
}

/// Sends every pending email that is due, under the `delivery` lease so that only one
/// instance sends at a time.
pub async fn deliver_due(state: &AppState, holder: &str) -> anyhow::Result<Delivered> {
    let mut report =
        match crate::jobs::lease::with_lease(state, "delivery", holder, deliver_locked(state))
            .await?
        {
            Some(result) => result?,
            None => Delivered {
                held_by: leases::Entity::find_by_id("delivery".to_string())
                    .one(&state.db)
                    .await?
                    .map(|l| (l.holder, l.expires_at)),
                ..Default::default()
            },
        };
    report.waiting = count_waiting(&state.db).await?;
    Ok(report)
}

/// How long a claimed email may stay unconfirmed before it is tried again: the outcome of a
/// send interrupted by a crash is unknown, so that email may go twice (its Message-ID stays
/// the same, so mail clients can drop the repeat).
const CLAIM_SECONDS: i64 = 90;

async fn deliver_locked(state: &AppState) -> anyhow::Result<Delivered> {
    let now = state.clock.now();
    let due = outbox::Entity::find()
        .filter(outbox::Column::Status.is_in([outbox::Status::Pending, outbox::Status::Sending]))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox::Column::Id)
        .limit(200)
        .all(&state.db)
        .await?;
    let mut report = Delivered::default();
    for row in due {
        let attempts = row.attempts + 1;
        // Claim the row before sending, and commit the claim: whoever sends, sends once.
        let claimed = outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value(outbox::Status::Sending))
            .col_expr(outbox::Column::Attempts, Expr::value(attempts))
            .col_expr(
                outbox::Column::NextAttemptAt,
                Expr::value(state.clock.now() + Duration::seconds(CLAIM_SECONDS)),
            )
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::Attempts.eq(row.attempts))
            .filter(outbox::Column::Status.eq(row.status))
            .exec(&state.db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let outcome = match build(state, &row) {
            Ok(message) => state.mailer.send(message).await,
            Err(e) => Err(e),
        };
        let now = state.clock.now();
        let (event, action) = match &outcome {
            Ok(()) => (Event::Delivered, "sent"),
            Err(_) if attempts >= MAX_ATTEMPTS => (Event::AttemptFailed { last: true }, "failed"),
            Err(_) => (Event::AttemptFailed { last: false }, "retry"),
        };
        let status = transition(outbox::Status::Sending, event)
            .expect("a claimed email can be delivered or fail");
        let error_text = outcome
            .as_ref()
            .err()
            .map(|e| format!("{e:#}").chars().take(2000).collect::<String>());
        let txn = db::begin_write(&state.db).await?;
        let mut update = outbox::Entity::update_many();
        if row.holds_link && outcome.is_ok() {
            update = update
                .col_expr(outbox::Column::BodyText, Expr::value(LINK_REMOVED))
                .col_expr(outbox::Column::BodyHtml, Expr::value(LINK_REMOVED));
        }
        update
            .col_expr(outbox::Column::Status, Expr::value(status))
            .col_expr(
                outbox::Column::NextAttemptAt,
                Expr::value(now + backoff(attempts)),
            )
            .col_expr(outbox::Column::LastError, Expr::value(error_text.clone()))
            .col_expr(
                outbox::Column::SentAt,
                Expr::value(outcome.is_ok().then_some(now)),
            )
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::Status.eq(outbox::Status::Sending))
            .exec(&txn)
            .await?;
        // The error text can name the recipient: it stays on the outbox row, not in the
        // append-only audit log.
        let summary = format!("attempt {attempts}");
        audit::record(
            &txn,
            now,
            Entry {
                actor_id: None,
                action,
                entity: "email",
                entity_id: Some(row.id.into()),
                summary: &summary,
            },
        )
        .await?;
        txn.commit().await?;
        match status {
            outbox::Status::Sent => report.sent += 1,
            outbox::Status::Failed => report.failed += 1,
            _ => report.retrying += 1,
        }
        if error_text.is_some() {
            tracing::warn!(
                email = row.id,
                attempts,
                "email not delivered; see /admin/reminders"
            );
        }
    }
    Ok(report)
}

/// An admin's "retry now": the email is due again with a fresh set of attempts.
pub async fn retry_now(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    id: i32,
) -> Result<bool, DbErr> {
    let pending = transition(outbox::Status::Failed, Event::RetryByHand)
        .expect("a failed email can be retried by hand");
    let updated = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(pending))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(outbox::Status::Failed))
        .exec(txn)
        .await?;
    if updated.rows_affected == 1 {
        audit::record(
            txn,
            now,
            Entry {
                actor_id: Some(actor),
                action: "retry",
                entity: "email",
                entity_id: Some(id.into()),
                summary: "",
            },
        )
        .await?;
    }
    Ok(updated.rows_affected == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_six_hours() {
        assert_eq!(backoff(1), Duration::minutes(1));
        assert_eq!(backoff(2), Duration::minutes(2));
        assert_eq!(backoff(5), Duration::minutes(16));
        assert_eq!(backoff(12), Duration::minutes(360));
    }
}
