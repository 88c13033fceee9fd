//! Running: a day's reminders become one digest email per recipient in the outbox, each
//! reminder recorded by its key so that it is sent once; and the dry run that shows what
//! would be sent.
use std::collections::HashSet;

use chrono::NaiveDate;
use entity::reminders;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
    sea_query::OnConflict,
};

use super::{delivery, email, item::Address, item::Item, item::Recipient, routing, select};
use crate::{
    app::state::AppState,
    audit::chain::{self as audit, Entry},
    db,
};

/// Rows per insert statement (well under the bind-parameter limits of both databases).
const INSERT_CHUNK: usize = 500;

/// Evaluates every rule for `day` (see `select::evaluate`).
pub async fn evaluate(state: &AppState, day: NaiveDate) -> Result<Vec<Item>, DbErr> {
    select::evaluate(&state.db, &state.config, state.clock.now(), day).await
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    pub emails: usize,
    pub reminders: usize,
    /// Recipients whose digest could not be queued (logged; retried on the next run).
    pub failed: usize,
}

/// Rows per statement when checking keys (well under the bind-parameter limits of both
/// databases).
const CHECK_CHUNK: usize = 2000;

/// The reminders among `items` not sent before (their keys are not on record).
pub async fn unsent(db: &impl ConnectionTrait, items: Vec<Item>) -> Result<Vec<Item>, DbErr> {
    let mut sent = HashSet::new();
    for chunk in items.chunks(CHECK_CHUNK) {
        let keys: Vec<&str> = chunk.iter().map(|i| i.key.as_str()).collect();
        let found: Vec<String> = reminders::Entity::find()
            .select_only()
            .column(reminders::Column::Key)
            .filter(reminders::Column::Key.is_in(keys))
            .into_tuple()
            .all(db)
            .await?;
        sent.extend(found);
    }
    Ok(items
        .into_iter()
        .filter(|i| !sent.contains(&i.key))
        .collect())
}

/// Queues one recipient's digest of reminders not sent before, in one transaction: the email
/// in the outbox, the reminder rows (the database refuses a key already on record) and the
/// audit entry. The number queued. When another run recorded some of the same reminders
/// meanwhile, nothing is kept and the digest is built again without them.
async fn enqueue_digest(
    state: &AppState,
    day: NaiveDate,
    address: &Address,
    mut list: Vec<Item>,
) -> anyhow::Result<usize> {
    for _ in 0..3 {
        if list.is_empty() {
            return Ok(0);
        }
        if let Some(queued) = try_enqueue_digest(state, day, address, &list).await? {
            return Ok(queued);
        }
        list = unsent(&state.db, list).await?;
    }
    anyhow::bail!("reminders kept being recorded by another run")
}

/// One attempt of `enqueue_digest`; `None` when a reminder of `list` is already on record
/// (nothing is kept).
async fn try_enqueue_digest(
    state: &AppState,
    day: NaiveDate,
    address: &Address,
    list: &[Item],
) -> anyhow::Result<Option<usize>> {
    let message = email::render(state, address, list, day)?;
    let txn = db::begin_write(&state.db).await?;
    let now = state.clock.now();
    let outbox_id = delivery::enqueue(&txn, now, day, address, &message).await?;
    let rows = list.iter().map(|item| {
        let (kind, id) = match item.recipient {
            Recipient::User(id) => (reminders::RecipientKind::User, id),
            Recipient::Leaver(id) => (reminders::RecipientKind::Leaver, id),
        };
        reminders::ActiveModel {
            key: Set(item.key.clone()),
            rule: Set(item.rule.as_str().to_string()),
            recipient_kind: Set(kind),
            recipient_id: Set(id),
            subject_id: Set(item.subject_id),
            run_date: Set(day),
            outbox_id: Set(Some(outbox_id)),
            created_at: Set(now),
            ..Default::default()
        }
    });
    let mut inserted = 0;
    let rows: Vec<reminders::ActiveModel> = rows.collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        inserted += reminders::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(reminders::Column::Key)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    if inserted != rows.len() as u64 {
        txn.rollback().await?;
        return Ok(None);
    }
    let mut rules: Vec<&str> = list.iter().map(|i| i.rule.as_str()).collect();
    rules.dedup();
    let summary = format!(
        "run {day}; reminders: {}; rules: {}",
        list.len(),
        rules.join(", ")
    );
    audit::record(
        &txn,
        now,
        Entry {
            actor_id: None,
            action: "enqueue",
            entity: "email",
            entity_id: Some(outbox_id.into()),
            summary: &summary,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Some(list.len()))
}

/// Runs the rules for `day`: each recipient's new reminders become one email in the outbox.
/// Keys already sent are skipped, so a second run for the same day adds nothing.
pub async fn run_for_day(state: &AppState, day: NaiveDate) -> anyhow::Result<RunReport> {
    let items = unsent(&state.db, evaluate(state, day).await?).await?;
    let addresses = select::addresses(&state.db, &items).await?;
    let mut report = RunReport::default();
    for (recipient, list) in routing::digests(items, &addresses) {
        let address = &addresses[&recipient];
        // One recipient's failure (a render error, a busy database) does not hold back the
        // others; their keys stay unsent, so the next run tries again.
        match enqueue_digest(state, day, address, list).await {
            Ok(0) => {}
            Ok(n) => {
                report.emails += 1;
                report.reminders += n;
            }
            Err(e) => {
                report.failed += 1;
                tracing::error!(error = %format!("{e:#}"), "reminder digest not queued");
            }
        }
    }
    Ok(report)
}

/// What a run for `day` would send, per recipient, without sending or recording anything.
pub async fn dry_run(
    state: &AppState,
    day: NaiveDate,
) -> anyhow::Result<Vec<(Address, Vec<Item>)>> {
    let items = unsent(&state.db, evaluate(state, day).await?).await?;
    let addresses = select::addresses(&state.db, &items).await?;
    Ok(routing::digests(items, &addresses)
        .into_iter()
        .map(|(r, list)| (addresses[&r].clone(), list))
        .collect())
}
