//! Leases: a row per job in the database, held by one instance at a time and renewed while it
//! works, so several instances never run the same job at once and a crashed holder's lease
//! lapses on its own.
use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use entity::leases;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, ExprTrait, QueryFilter, Set,
    sea_query::{Expr, OnConflict},
};

use crate::app::state::AppState;

/// Takes (or keeps) the lease `name` until `now + ttl`; true when this holder has it.
/// A lease whose holder stopped renewing it expires, and another instance takes over.
pub async fn acquire_lease(
    db: &DatabaseConnection,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<bool, DbErr> {
    leases::Entity::insert(leases::ActiveModel {
        name: Set(name.to_string()),
        holder: Set(String::new()),
        expires_at: Set(now - Duration::seconds(1)),
    })
    .on_conflict(
        OnConflict::column(leases::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let taken = leases::Entity::update_many()
        .col_expr(leases::Column::Holder, Expr::value(holder))
        .col_expr(leases::Column::ExpiresAt, Expr::value(now + ttl))
        .filter(leases::Column::Name.eq(name))
        .filter(
            leases::Column::Holder
                .eq(holder)
                .or(leases::Column::ExpiresAt.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

pub async fn release_lease(
    db: &DatabaseConnection,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    leases::Entity::update_many()
        .col_expr(
            leases::Column::ExpiresAt,
            Expr::value(now - Duration::seconds(1)),
        )
        .filter(leases::Column::Name.eq(name))
        .filter(leases::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    Ok(())
}

/// The domain of the sender address, for stable Message-IDs.
/// How long a lease lasts unless its holder renews it. Holders renew every third of it while
/// they work, so a crashed holder's lease lapses within this time.
pub const LEASE_TTL: Duration = Duration::seconds(30);

/// Runs `work` holding the lease `name`, renewed by a heartbeat every third of `LEASE_TTL`
/// while it runs, then releases it; `None` (and `work` not run) when another holder has it.
pub async fn with_lease<T>(
    state: &AppState,
    name: &str,
    holder: &str,
    work: impl Future<Output = T>,
) -> Result<Option<T>, DbErr> {
    let every = (LEASE_TTL / 3)
        .to_std()
        .unwrap_or(std::time::Duration::from_secs(10));
    with_lease_renewed_every(state, name, holder, every, work).await
}

/// Stops the heartbeat however the work ends: finished, failed, panicked or dropped (a request
/// whose client went away, a shutdown). A dropped holder's lease then lapses on its own.
struct Heartbeat(Option<tokio::task::JoinHandle<()>>);

impl Heartbeat {
    /// Stops it and waits, so no renewal lands after the release that follows.
    async fn stop(mut self) {
        if let Some(h) = self.0.take() {
            h.abort();
            let _ = h.await;
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            h.abort();
        }
    }
}

/// [`with_lease`] with another renewal interval (tests use a short one).
pub async fn with_lease_renewed_every<T>(
    state: &AppState,
    name: &str,
    holder: &str,
    every: std::time::Duration,
    work: impl Future<Output = T>,
) -> Result<Option<T>, DbErr> {
    if !acquire_lease(&state.db, name, holder, state.clock.now(), LEASE_TTL).await? {
        return Ok(None);
    }
    let heartbeat = Heartbeat(Some({
        let (db, clock) = (state.db.clone(), state.clock.clone());
        let (name, holder) = (name.to_string(), holder.to_string());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                match acquire_lease(&db, &name, &holder, clock.now(), LEASE_TTL).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(lease = %name, "lease lost to another holder");
                        break;
                    }
                    Err(e) => tracing::warn!(lease = %name, error = %e, "lease not renewed"),
                }
            }
        })
    }));
    let out = work.await;
    heartbeat.stop().await;
    release_lease(&state.db, name, holder, state.clock.now()).await?;
    Ok(Some(out))
}
