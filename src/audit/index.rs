//! The per-person index of the audit log (`audit_leavers`): which entries are about which
//! leaver, for the access log and the disclosure export. Writers only append to the log; the
//! index is filled from the log behind them, in large batches, in the background and before
//! anyone reads it, so indexing the fifty people of a list page never slows the page down.
use std::time::Duration;

use entity::{app_secrets, audit_head, audit_log};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::{audit::chain::subjects_of, auth::secrets, clock::Clock, db};

/// The id of the last log entry already indexed (kept in `app_secrets`).
const WATERMARK: &str = "audit_indexed_upto";
/// Entries indexed in one transaction.
const CHUNK: u64 = 5_000;
/// How often the background task looks for new entries when nobody tells it.
const EVERY: Duration = Duration::from_secs(1);

/// Brings the index up to the newest entry; the number of entries read. Each chunk is read
/// and filed under a lock of the watermark row (and SQLite's write lock), so instances
/// sharing a database never index the same entries at once; the insert skips what is there
/// anyway. Nothing is locked when there is nothing new.
pub async fn catch_up(db: &DatabaseConnection, clock: &Clock) -> Result<u64, DbErr> {
    let newest = audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .map_or(0, |h| h.last_id);
    match secrets::get(db, WATERMARK).await? {
        Some(v) if v.parse::<i64>().is_ok_and(|upto| upto >= newest) => return Ok(0),
        Some(_) => {}
        // Created once; never put back to 0 over a watermark another instance moved on.
        None => secrets::put_if_absent(db, WATERMARK, "0".into(), clock.now()).await?,
    }
    let mut total = 0;
    loop {
        let txn = db::begin_write(db).await?;
        let upto: i64 = app_secrets::Entity::find_by_id(WATERMARK.to_string())
            .lock_exclusive()
            .one(&txn)
            .await?
            .and_then(|w| w.value.parse().ok())
            .unwrap_or(0);
        let rows: Vec<(i64, String, Option<i64>, String)> = audit_log::Entity::find()
            .select_only()
            .columns([
                audit_log::Column::Id,
                audit_log::Column::Entity,
                audit_log::Column::EntityId,
                audit_log::Column::Summary,
            ])
            .filter(audit_log::Column::Id.gt(upto))
            .order_by_asc(audit_log::Column::Id)
            .limit(CHUNK)
            .into_tuple()
            .all(&txn)
            .await?;
        let Some(last) = rows.last().map(|r| r.0) else {
            txn.rollback().await?;
            return Ok(total);
        };
        total += rows.len() as u64;
        let pairs: Vec<(i32, i64)> = rows
            .iter()
            .flat_map(|(id, entity, entity_id, summary)| {
                subjects_of(entity, *entity_id, summary)
                    .into_iter()
                    .map(move |leaver| (leaver, *id))
            })
            .collect();
        // In key order, each person's new rows go in one after another.
        let mut pairs = pairs;
        pairs.sort_unstable();
        insert(&txn, &pairs).await?;
        secrets::put(&txn, WATERMARK, last.to_string(), clock.now()).await?;
        txn.commit().await?;
    }
}

/// Typed integers written as literals (nothing from outside): far cheaper than bound values
/// for thousands of two-number rows.
async fn insert(txn: &impl ConnectionTrait, pairs: &[(i32, i64)]) -> Result<(), DbErr> {
    for part in pairs.chunks(1000) {
        let values: Vec<String> = part
            .iter()
            .map(|(leaver_id, audit_id)| format!("({leaver_id},{audit_id})"))
            .collect();
        txn.execute_unprepared(&format!(
            "INSERT INTO audit_leavers (leaver_id, audit_id) VALUES {} ON CONFLICT DO NOTHING",
            values.join(",")
        ))
        .await?;
    }
    Ok(())
}

/// Starts the background task that keeps the index within about a second of the log; it
/// begins at once, so entries written before an upgrade are filed soon after start-up.
pub fn start(db: DatabaseConnection, clock: Clock) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = catch_up(&db, &clock).await {
                tracing::warn!(error = %e, "audit index not brought up to date; trying again");
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}
