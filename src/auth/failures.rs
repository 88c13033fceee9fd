//! Failed sign-ins: counted per account and client, per client and per account; a lock, and
//! an administrator lifting it.
use chrono::{DateTime, Utc};
use entity::login_failures;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Set,
};

use crate::{
    audit::chain::{self as audit, Entry},
    auth::lockout::LockoutPolicy,
};

/// Deletes sign-in failures older than `horizon`: they can no longer cause a lock.
pub async fn forget_failures_before(
    db: &sea_orm::DatabaseConnection,
    horizon: DateTime<Utc>,
) -> Result<u64, sea_orm::DbErr> {
    Ok(login_failures::Entity::delete_many()
        .filter(login_failures::Column::FailedAt.lt(horizon))
        .exec(db)
        .await?
        .rows_affected)
}

/// The result of asking to try a password for `key` (a lower-cased email address).
pub enum Attempt {
    /// Too many recent failures: the password is not even checked.
    Locked,
    /// Counted as a failure until [`attempt_succeeded`] clears it.
    Allowed,
}

/// Who is trying: the account's key (a lower-cased email address) and the client address.
#[derive(Clone, Copy)]
pub struct Attempter<'a> {
    pub key: &'a str,
    pub client: &'a str,
}

/// The recent failures on this account or from this client, as the lockout rules see them;
/// `before` leaves out failures registered at or after that id.
async fn failures_seen(
    db: &sea_orm::DatabaseConnection,
    who: Attempter<'_>,
    since: DateTime<Utc>,
    before: Option<i32>,
) -> Result<Vec<crate::auth::lockout::Failure>, sea_orm::DbErr> {
    use sea_orm::Condition;
    let mut query = login_failures::Entity::find()
        .filter(
            Condition::any()
                .add(login_failures::Column::Email.eq(who.key))
                .add(login_failures::Column::Client.eq(who.client)),
        )
        .filter(login_failures::Column::FailedAt.gt(since));
    if let Some(id) = before {
        query = query.filter(login_failures::Column::Id.lt(id));
    }
    Ok(query
        .all(db)
        .await?
        .into_iter()
        .map(|f| crate::auth::lockout::Failure {
            at: f.failed_at,
            same_account: f.email == who.key,
            same_client: f.client == who.client,
        })
        .collect())
}

/// Registers an attempt before the password is checked, so that attempts sent in parallel
/// all count: only the first `max_failures` within the window get their password checked.
pub async fn begin_attempt(
    db: &sea_orm::DatabaseConnection,
    who: Attempter<'_>,
    now: DateTime<Utc>,
    policy: &LockoutPolicy,
) -> Result<Attempt, sea_orm::DbErr> {
    let since = now - policy.lookback();
    let earlier = failures_seen(db, who, since, None).await?;
    if crate::auth::lockout::locked_until(&earlier, policy, now).is_some() {
        return Ok(Attempt::Locked);
    }
    let mine = login_failures::ActiveModel {
        email: Set(who.key.to_string()),
        client: Set(who.client.to_string()),
        failed_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // Look again, now counting attempts registered before this one by parallel requests.
    let before_mine = failures_seen(db, who, since, Some(mine.id)).await?;
    if crate::auth::lockout::locked_until(&before_mine, policy, now).is_some() {
        login_failures::Entity::delete_by_id(mine.id)
            .exec(db)
            .await?;
        return Ok(Attempt::Locked);
    }
    Ok(Attempt::Allowed)
}

/// A right password: the failures counted against this account from this client are
/// forgotten (those from other clients still count towards the backstop).
pub async fn attempt_succeeded(
    txn: &impl sea_orm::ConnectionTrait,
    who: Attempter<'_>,
) -> Result<(), sea_orm::DbErr> {
    login_failures::Entity::delete_many()
        .filter(login_failures::Column::Email.eq(who.key))
        .filter(login_failures::Column::Client.eq(who.client))
        .exec(txn)
        .await?;
    Ok(())
}

/// The password step of an account with a second factor went right: only that attempt stops
/// counting as a failure. Earlier failures (wrong codes among them) keep counting until the
/// code is right, so giving the password again does not reset the lockout.
pub async fn first_step_succeeded(
    txn: &impl sea_orm::ConnectionTrait,
    who: Attempter<'_>,
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    let latest: Option<i32> = login_failures::Entity::find()
        .select_only()
        .column(login_failures::Column::Id)
        .filter(login_failures::Column::Email.eq(who.key))
        .filter(login_failures::Column::Client.eq(who.client))
        .order_by_desc(login_failures::Column::Id)
        .into_tuple()
        .one(txn)
        .await?;
    if let Some(id) = latest {
        login_failures::Entity::delete_by_id(id).exec(txn).await?;
    }
    Ok(())
}

/// Whether this attempter is locked now (after a failure was counted).
pub async fn is_locked(
    db: &sea_orm::DatabaseConnection,
    who: Attempter<'_>,
    now: DateTime<Utc>,
    policy: &LockoutPolicy,
) -> Result<bool, sea_orm::DbErr> {
    let failures = failures_seen(db, who, now - policy.lookback(), None).await?;
    Ok(crate::auth::lockout::locked_until(&failures, policy, now).is_some())
}

/// Recent failures on an account from any client: what an admin sees before lifting a lock.
pub async fn recent_failures(
    db: &impl sea_orm::ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
    policy: &LockoutPolicy,
) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::PaginatorTrait;
    login_failures::Entity::find()
        .filter(login_failures::Column::Email.eq(key))
        .filter(login_failures::Column::FailedAt.gt(now - policy.lookback()))
        .count(db)
        .await
}

/// An admin lifts the sign-in locks of an account: its failures are forgotten, from every
/// client. Audited in the same transaction.
pub async fn lift_lock(
    txn: &impl sea_orm::ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    account: i32,
    key: &str,
) -> Result<u64, sea_orm::DbErr> {
    let lifted = login_failures::Entity::delete_many()
        .filter(login_failures::Column::Email.eq(key))
        .exec(txn)
        .await?
        .rows_affected;
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(actor),
            action: "unlock",
            entity: "user",
            entity_id: Some(account.into()),
            summary: &format!("sign-in lock lifted ({lifted} failures forgotten)"),
        },
    )
    .await?;
    Ok(lifted)
}

/// Failed sign-ins since `since` per account key (what was typed as the email), in one query.
pub async fn failures_by_account(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<std::collections::HashMap<String, u64>, DbErr> {
    let rows: Vec<(String, i64)> = login_failures::Entity::find()
        .select_only()
        .column(login_failures::Column::Email)
        .column_as(login_failures::Column::Id.count(), "n")
        .filter(login_failures::Column::FailedAt.gt(since))
        .group_by(login_failures::Column::Email)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(email, n)| (email, n.max(0) as u64))
        .collect())
}
