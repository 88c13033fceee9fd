//! Running: a day's reminders become one digest email per recipient in the outbox, each
//! reminder recorded by its key so that it is sent once; and the dry run that shows what
//! would be sent.
use std::collections::HashSet;

use chrono::NaiveDate;
use entity::reminders;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, sea_query::OnConflict,
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

/// Keys among `keys` that were already sent.
async fn already_sent(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashSet<String>, DbErr> {
    let mut out = HashSet::new();
    for chunk in keys.chunks(INSERT_CHUNK) {
        for r in reminders::Entity::find()
            .filter(reminders::Column::Key.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            out.insert(r.key);
        }
    }
    Ok(out)
}

/// Queues one recipient's digest of the reminders not sent before, in one transaction: the
/// reminder rows (one insert), the email in the outbox and the audit entry. The number queued.
/// When another run records some of the same reminders meanwhile, the digest is built again
/// without them.
async fn enqueue_digest(
    state: &AppState,
    day: NaiveDate,
    address: &Address,
    list: Vec<Item>,
) -> anyhow::Result<usize> {
    for _ in 0..3 {
        if let Some(queued) = try_enqueue_digest(state, day, address, &list).await? {
            return Ok(queued);
        }
    }
    anyhow::bail!("reminders kept being recorded by another run")
}

/// One attempt of `enqueue_digest`; `None` when another run recorded one of its reminders
/// first (nothing is kept).
async fn try_enqueue_digest(
    state: &AppState,
    day: NaiveDate,
    address: &Address,
    list: &[Item],
) -> anyhow::Result<Option<usize>> {
    let txn = db::begin_write(&state.db).await?;
    let now = state.clock.now();
    let keys: Vec<String> = list.iter().map(|i| i.key.clone()).collect();
    let sent = already_sent(&txn, &keys).await?;
    let fresh: Vec<Item> = list
        .iter()
        .filter(|i| !sent.contains(&i.key))
        .cloned()
        .collect();
    if fresh.is_empty() {
        txn.rollback().await?;
        return Ok(Some(0));
    }
    let message = email::render(state, address, &fresh, day)?;
    let outbox_id = delivery::enqueue(&txn, now, day, address, &message).await?;
    let rows: Vec<reminders::ActiveModel> = fresh
        .iter()
        .map(|item| {
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
        })
        .collect();
    let mut inserted = 0;
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
    let mut rules: Vec<&str> = fresh.iter().map(|i| i.rule.as_str()).collect();
    rules.dedup();
    let summary = format!(
        "run {day}; reminders: {}; rules: {}",
        fresh.len(),
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
    Ok(Some(fresh.len()))
}

/// Runs the rules for `day`: each recipient's new reminders become one email in the outbox.
/// Keys already sent are skipped, so a second run for the same day adds nothing.
pub async fn run_for_day(state: &AppState, day: NaiveDate) -> anyhow::Result<RunReport> {
    let items = evaluate(state, day).await?;
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
    let items = evaluate(state, day).await?;
    let keys: Vec<String> = items.iter().map(|i| i.key.clone()).collect();
    let sent = already_sent(&state.db, &keys).await?;
    let items: Vec<Item> = items
        .into_iter()
        .filter(|i| !sent.contains(&i.key))
        .collect();
    let addresses = select::addresses(&state.db, &items).await?;
    Ok(routing::digests(items, &addresses)
        .into_iter()
        .map(|(r, list)| (addresses[&r].clone(), list))
        .collect())
}
