//! Running: a day's reminders become one digest email per recipient in the outbox, each
//! reminder recorded by its key so that it is sent once; and the dry run that shows what
//! would be sent.
use std::collections::HashSet;

use chrono::NaiveDate;
use entity::reminders;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Set, TransactionTrait, sea_query::OnConflict,
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

/// Reminders after which a run commits what it queued and starts a new transaction: each
/// recipient's digest is a savepoint of its own, and one commit writes the pages of the
/// reminders' key index that many digests touched once instead of once per digest (a commit
/// per digest spent half the run writing the same index pages again). Small enough that other
/// writers wait at most a fraction of a second.
const COMMIT_EVERY: usize = 20_000;

/// What became of one recipient's digest in a run's transaction.
enum Queued {
    /// This many reminders queued in one email (none: all of them were sent meanwhile).
    Reminders(usize),
    /// Not queued, and nothing of it kept: the transaction goes on for the others.
    Refused(anyhow::Error),
}

/// Queues one recipient's digest of reminders not sent before, in a savepoint of `txn`: the
/// email in the outbox, the reminder rows (the database refuses a key already on record) and
/// the audit entry. When another run recorded some of the same reminders meanwhile, the
/// savepoint is undone and the digest is built again without them. An error means the
/// transaction itself can no longer be trusted (a savepoint could not be undone).
async fn enqueue_digest(
    state: &AppState,
    txn: &DatabaseTransaction,
    day: NaiveDate,
    address: &Address,
    mut list: Vec<Item>,
) -> anyhow::Result<Queued> {
    for _ in 0..3 {
        if list.is_empty() {
            return Ok(Queued::Reminders(0));
        }
        let message = match email::render(state, address, &list, day) {
            Ok(m) => m,
            Err(e) => return Ok(Queued::Refused(e)),
        };
        let savepoint = txn.begin().await?;
        match try_enqueue_digest(state, &savepoint, day, address, &list, &message).await {
            Ok(true) => {
                savepoint.commit().await?;
                return Ok(Queued::Reminders(list.len()));
            }
            Ok(false) => savepoint.rollback().await?,
            Err(e) => {
                savepoint.rollback().await?;
                return Ok(Queued::Refused(e));
            }
        }
        list = match unsent(txn, list).await {
            Ok(l) => l,
            Err(e) => return Ok(Queued::Refused(e.into())),
        };
    }
    Ok(Queued::Refused(anyhow::anyhow!(
        "reminders kept being recorded by another run"
    )))
}

/// One attempt of `enqueue_digest`; false when a reminder of `list` is already on record
/// (the caller undoes the savepoint).
async fn try_enqueue_digest(
    state: &AppState,
    txn: &DatabaseTransaction,
    day: NaiveDate,
    address: &Address,
    list: &[Item],
    message: &email::Rendered,
) -> anyhow::Result<bool> {
    let now = state.clock.now();
    let outbox_id = delivery::enqueue(txn, now, day, address, message).await?;
    let rows: Vec<reminders::ActiveModel> = list
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
            .exec_without_returning(txn)
            .await?;
    }
    if inserted != rows.len() as u64 {
        return Ok(false);
    }
    let mut rules: Vec<&str> = list.iter().map(|i| i.rule.as_str()).collect();
    rules.dedup();
    let summary = format!(
        "run {day}; reminders: {}; rules: {}",
        list.len(),
        rules.join(", ")
    );
    audit::record(
        txn,
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
    Ok(true)
}

/// Digests queued in the open transaction of a run, counted in its report once committed.
#[derive(Default)]
struct Pending {
    emails: usize,
    reminders: usize,
    recipients: usize,
}

/// Commits a run's open transaction and counts what it held: as queued, or as failed when the
/// commit fails (their keys stay unsent, so the next run tries again).
async fn settle(txn: DatabaseTransaction, pending: Pending, report: &mut RunReport) {
    match txn.commit().await {
        Ok(()) => {
            report.emails += pending.emails;
            report.reminders += pending.reminders;
        }
        Err(e) => {
            report.failed += pending.recipients;
            tracing::error!(error = %e, digests = pending.recipients, "reminder digests not queued");
        }
    }
}

/// Runs the rules for `day`: each recipient's new reminders become one email in the outbox.
/// Keys already sent are skipped, so a second run for the same day adds nothing.
pub async fn run_for_day(state: &AppState, day: NaiveDate) -> anyhow::Result<RunReport> {
    let items = unsent(&state.db, evaluate(state, day).await?).await?;
    queue(state, day, items).await
}

/// Queues `items` (reminders due on `day`, believed unsent) as one digest per recipient with
/// an address. One recipient's failure (a render error, a refused insert) does not hold back
/// the others: their savepoint is undone and their keys stay unsent, so the next run tries
/// again.
pub async fn queue(
    state: &AppState,
    day: NaiveDate,
    items: Vec<Item>,
) -> anyhow::Result<RunReport> {
    let addresses = select::addresses(&state.db, &items).await?;
    let mut report = RunReport::default();
    let mut open: Option<(DatabaseTransaction, Pending)> = None;
    for (recipient, list) in routing::digests(items, &addresses) {
        let address = &addresses[&recipient];
        let (txn, mut pending) = match open.take() {
            Some(o) => o,
            None => (db::begin_write(&state.db).await?, Pending::default()),
        };
        match enqueue_digest(state, &txn, day, address, list).await {
            Ok(Queued::Reminders(0)) => {}
            Ok(Queued::Reminders(n)) => {
                pending.emails += 1;
                pending.reminders += n;
                pending.recipients += 1;
            }
            Ok(Queued::Refused(e)) => {
                report.failed += 1;
                tracing::error!(error = %format!("{e:#}"), "reminder digest not queued");
            }
            Err(e) => {
                // What the transaction holds cannot be trusted: none of it is kept.
                report.failed += pending.recipients + 1;
                tracing::error!(
                    error = %format!("{e:#}"),
                    digests = pending.recipients + 1,
                    "reminder digests not queued"
                );
                let _ = txn.rollback().await;
                continue;
            }
        }
        if pending.reminders >= COMMIT_EVERY {
            settle(txn, pending, &mut report).await;
        } else {
            open = Some((txn, pending));
        }
    }
    if let Some((txn, pending)) = open {
        settle(txn, pending, &mut report).await;
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
