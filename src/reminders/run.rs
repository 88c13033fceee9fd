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
/// per digest spent half the run writing the same index pages again). The batch's audit
/// entries are appended in one go just before its commit, so the audit log's lock (which every
/// audited write waits for on PostgreSQL) is held only for that moment.
const COMMIT_EVERY: usize = 20_000;

/// What became of one recipient's digest in a run's transaction.
enum Queued {
    /// Queued in one email: its outbox id, and how many reminders of which rules it holds.
    Email {
        outbox_id: i32,
        reminders: usize,
        rules: String,
    },
    /// Nothing to queue: all of its reminders were recorded meanwhile.
    Nothing,
    /// Not queued, and nothing of it kept: the transaction goes on for the others.
    Refused(anyhow::Error),
}

/// Queues one recipient's digest of reminders not sent before, in a savepoint of `txn`: the
/// email in the outbox and the reminder rows (the database refuses a key already on record).
/// When another run recorded some of the same reminders meanwhile, the savepoint is undone and
/// the digest is built again without them. An error means the transaction itself can no
/// longer be trusted (a savepoint could not be undone, or a statement outside one failed):
/// the caller abandons it.
async fn enqueue_digest(
    state: &AppState,
    txn: &DatabaseTransaction,
    day: NaiveDate,
    address: &Address,
    mut list: Vec<Item>,
) -> anyhow::Result<Queued> {
    for _ in 0..3 {
        if list.is_empty() {
            return Ok(Queued::Nothing);
        }
        let message = match email::render(state, address, &list, day) {
            Ok(m) => m,
            Err(e) => return Ok(Queued::Refused(e)),
        };
        let savepoint = txn.begin().await?;
        match try_enqueue_digest(state, &savepoint, day, address, &list, &message).await {
            Ok(Some(outbox_id)) => {
                savepoint.commit().await?;
                let mut rules: Vec<&str> = list.iter().map(|i| i.rule.as_str()).collect();
                rules.dedup();
                return Ok(Queued::Email {
                    outbox_id,
                    reminders: list.len(),
                    rules: rules.join(", "),
                });
            }
            Ok(None) => savepoint.rollback().await?,
            Err(e) => {
                savepoint.rollback().await?;
                return Ok(Queued::Refused(e));
            }
        }
        // Outside any savepoint: should this fail, the transaction is not to be trusted.
        list = unsent(txn, list).await?;
    }
    Ok(Queued::Refused(anyhow::anyhow!(
        "reminders kept being recorded by another run"
    )))
}

/// One attempt of `enqueue_digest`: the outbox id of the email, or `None` when a reminder of
/// `list` is already on record (the caller undoes the savepoint).
async fn try_enqueue_digest(
    state: &AppState,
    txn: &DatabaseTransaction,
    day: NaiveDate,
    address: &Address,
    list: &[Item],
    message: &email::Rendered,
) -> anyhow::Result<Option<i32>> {
    let now = state.clock.now();
    let outbox_id = delivery::enqueue(txn, now, day, address, message).await?;
    let row = |item: &Item| {
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
    };
    let mut inserted = 0;
    for chunk in list.chunks(INSERT_CHUNK) {
        inserted += reminders::Entity::insert_many(chunk.iter().map(row))
            .on_conflict(
                OnConflict::column(reminders::Column::Key)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    Ok((inserted == list.len() as u64).then_some(outbox_id))
}

/// The digests queued in the open transaction of a run: counted in its report once committed,
/// with the audit entry of each email, written just before the commit.
#[derive(Default)]
struct Pending {
    reminders: usize,
    /// Each email's outbox id and audit summary.
    emails: Vec<(i32, String)>,
}

/// Records the audit entries of a run's open transaction and commits it, counting what it
/// held: as queued, or as failed when either fails (nothing of it is kept, and its keys stay
/// unsent, so the next run tries again).
async fn settle(
    state: &AppState,
    txn: DatabaseTransaction,
    pending: Pending,
    report: &mut RunReport,
) {
    let entries: Vec<Entry> = pending
        .emails
        .iter()
        .map(|(outbox_id, summary)| Entry {
            actor_id: None,
            action: "enqueue",
            entity: "email",
            entity_id: Some((*outbox_id).into()),
            summary,
        })
        .collect();
    let stored = match audit::append(&txn, state.clock.now(), &entries).await {
        Ok(_) => txn.commit().await,
        Err(e) => {
            let _ = txn.rollback().await;
            Err(e)
        }
    };
    match stored {
        Ok(()) => {
            report.emails += pending.emails.len();
            report.reminders += pending.reminders;
        }
        Err(e) => {
            report.failed += pending.emails.len();
            tracing::error!(error = %e, digests = pending.emails.len(), "reminder digests not queued");
        }
    }
}

/// Runs the rules for `day`: each recipient's new reminders become one email in the outbox.
/// Keys already sent are skipped, so a second run for the same day adds nothing.
pub async fn run_for_day(state: &AppState, day: NaiveDate) -> anyhow::Result<RunReport> {
    let started = std::time::Instant::now();
    let result = run_day(state, day).await;
    let failed = result.as_ref().map(|r| r.failed > 0).unwrap_or(true);
    crate::monitoring::record_job(
        "reminders",
        started.elapsed().as_secs_f64(),
        !failed,
        state.clock.now(),
    );
    result
}

async fn run_day(state: &AppState, day: NaiveDate) -> anyhow::Result<RunReport> {
    let items = unsent(&state.db, evaluate(state, day).await?).await?;
    let mut report = queue(state, day, items, COMMIT_EVERY).await?;
    // Check-in requests to young people: each its own email with a new link.
    let asked = crate::youth::check_in_rule::run(state, day).await?;
    report.emails += asked;
    report.reminders += asked;
    Ok(report)
}

/// Queues `items` (reminders due on `day`, believed unsent) as one digest per recipient with
/// an address, committing after every `commit_every` reminders (`COMMIT_EVERY` in a run). One
/// recipient's failure (a render error, a refused insert) does not hold back the others: their
/// savepoint is undone and their keys stay unsent, so the next run tries again.
pub async fn queue(
    state: &AppState,
    day: NaiveDate,
    items: Vec<Item>,
    commit_every: usize,
) -> anyhow::Result<RunReport> {
    let addresses = select::addresses(&state.db, &items).await?;
    let mut report = RunReport::default();
    let mut open: Option<(DatabaseTransaction, Pending)> = None;
    for (recipient, list) in routing::digests(items, &addresses) {
        let address = &addresses[&recipient];
        let (txn, mut pending) = match open.take() {
            Some(o) => o,
            None => match db::begin_write(&state.db).await {
                Ok(txn) => (txn, Pending::default()),
                Err(e) => {
                    report.failed += 1;
                    tracing::error!(error = %e, "reminder digest not queued");
                    continue;
                }
            },
        };
        match enqueue_digest(state, &txn, day, address, list).await {
            Ok(Queued::Nothing) => {}
            Ok(Queued::Email {
                outbox_id,
                reminders,
                rules,
            }) => {
                pending.reminders += reminders;
                pending.emails.push((
                    outbox_id,
                    format!("run {day}; reminders: {reminders}; rules: {rules}"),
                ));
            }
            Ok(Queued::Refused(e)) => {
                report.failed += 1;
                tracing::error!(error = %format!("{e:#}"), "reminder digest not queued");
            }
            Err(e) => {
                // What the transaction holds cannot be trusted: none of it is kept.
                let lost = pending.emails.len() + 1;
                report.failed += lost;
                tracing::error!(
                    error = %format!("{e:#}"),
                    digests = lost,
                    "reminder digests not queued"
                );
                let _ = txn.rollback().await;
                continue;
            }
        }
        if pending.reminders >= commit_every {
            settle(state, txn, pending, &mut report).await;
        } else {
            open = Some((txn, pending));
        }
    }
    if let Some((txn, pending)) = open {
        settle(state, txn, pending, &mut report).await;
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
