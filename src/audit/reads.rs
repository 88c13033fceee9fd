//! Read audit with group commit: every page or file showing a leaver's personal data records a
//! `view` (or `export`) entry before it is sent. One writer task gathers the entries of
//! concurrent requests into one transaction, and each request waits for its batch; if the
//! batch cannot be stored, the request gets an error page instead of the data.
use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};

use crate::{
    audit::chain::{self as audit, Entry},
    clock::Clock,
    db,
};

/// The most entries one transaction takes.
const BATCH: usize = 512;

struct Request {
    actor: Option<i32>,
    /// The API token that made the call, when an integration did.
    token: Option<i32>,
    action: &'static str,
    leaver_ids: Vec<i32>,
    what: String,
    reply: oneshot::Sender<Result<(), String>>,
}

#[derive(Clone)]
pub struct ReadAudit {
    tx: mpsc::Sender<Request>,
    /// Always true in the server; only the benchmark turns it off, to measure what read
    /// auditing costs. No setting reaches it.
    recording: Arc<AtomicBool>,
    /// When the writer's latest batch failed, if it did: the health check reports a failing
    /// store for a few seconds after.
    last_failed: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

impl ReadAudit {
    /// Starts the writer task.
    pub fn start(db: DatabaseConnection, clock: Clock) -> ReadAudit {
        let (tx, rx) = mpsc::channel(4096);
        let last_failed = Arc::new(std::sync::Mutex::new(None));
        tokio::spawn(writer(db, clock, rx, last_failed.clone()));
        ReadAudit {
            tx,
            recording: Arc::new(AtomicBool::new(true)),
            last_failed,
        }
    }

    /// Whether the latest batch of page views could not be stored, within `recent`.
    pub fn failed_within(&self, recent: std::time::Duration) -> bool {
        self.last_failed
            .lock()
            .map(|t| t.is_some_and(|t| t.elapsed() < recent))
            .unwrap_or(false)
    }

    /// For the benchmark only (the `bench` feature): pages are served without recording
    /// their views.
    #[cfg(feature = "bench")]
    pub fn set_recording_for_benchmark(&self, on: bool) {
        self.recording.store(on, Ordering::SeqCst);
    }

    /// Records that `actor` saw (or exported) these leavers' data on `what` (a route), and
    /// returns once the entry is stored.
    pub async fn record(
        &self,
        actor: Option<i32>,
        action: &'static str,
        leaver_ids: Vec<i32>,
        what: &str,
    ) -> anyhow::Result<()> {
        if leaver_ids.is_empty() {
            return Ok(());
        }
        self.send(
            actor,
            None,
            action,
            leaver_ids,
            what.chars().take(200).collect(),
        )
        .await
    }

    /// Records a call of the JSON API by token `token` on `what`: like a page view, naming the
    /// people it returned, or on the token itself when it returned nobody's data.
    pub async fn record_call(
        &self,
        token: i32,
        leaver_ids: Vec<i32>,
        what: &str,
    ) -> anyhow::Result<()> {
        let what: String = what.chars().take(200).collect();
        let what = if leaver_ids.is_empty() {
            what
        } else {
            format!("{what}; {}", crate::audit::words::by_token(token))
        };
        self.send(None, Some(token), "view", leaver_ids, what).await
    }

    async fn send(
        &self,
        actor: Option<i32>,
        token: Option<i32>,
        action: &'static str,
        leaver_ids: Vec<i32>,
        what: String,
    ) -> anyhow::Result<()> {
        if !self.recording.load(Ordering::Relaxed) {
            return Ok(());
        }
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Request {
                actor,
                token,
                action,
                leaver_ids,
                what,
                reply,
            })
            .await
            .map_err(|_| anyhow::anyhow!("the read-audit writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the read-audit writer has stopped"))?
            .map_err(|e| anyhow::anyhow!("the read audit could not be stored: {e}"))
    }
}

async fn write_batch(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    batch: &[Request],
) -> Result<(), sea_orm::DbErr> {
    // One entry per page or file, naming every person it showed (in the hashed summary when
    // there are several; `index` files it under each of them).
    let summaries: Vec<(&str, Option<i64>, String)> = batch
        .iter()
        .map(|r| {
            let mut ids = r.leaver_ids.clone();
            ids.sort_unstable();
            ids.dedup();
            match (ids.as_slice(), r.token) {
                // An API call that returned nobody's data is recorded on its token.
                ([], Some(token)) => ("api_token", Some(token.into()), r.what.clone()),
                ([one], _) => ("leaver", Some((*one).into()), r.what.clone()),
                _ => (
                    "leaver",
                    None,
                    format!(
                        "{}; leavers {}",
                        r.what,
                        ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
                    ),
                ),
            }
        })
        .collect();
    let entries: Vec<Entry> = batch
        .iter()
        .zip(&summaries)
        .map(|(r, (entity, entity_id, summary))| Entry {
            actor_id: r.actor,
            action: r.action,
            entity,
            entity_id: *entity_id,
            summary,
        })
        .collect();
    let txn = db::begin_write(db).await?;
    audit::append(&txn, now, &entries).await?;
    txn.commit().await
}

async fn writer(
    db: DatabaseConnection,
    clock: Clock,
    mut rx: mpsc::Receiver<Request>,
    last_failed: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        crate::monitoring::record_audit_batch(batch.len());
        let result = write_batch(&db, clock.now(), &batch)
            .await
            .map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, entries = batch.len(), "read audit not stored");
        }
        if let Ok(mut t) = last_failed.lock() {
            *t = result.is_err().then(std::time::Instant::now);
        }
        for r in batch {
            let _ = r.reply.send(result.clone());
        }
    }
}

/// Shared handle type kept in the application state.
pub type Shared = Arc<ReadAudit>;
