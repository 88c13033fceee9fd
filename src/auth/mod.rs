//! Signing in and out, sessions, first-run setup, and the language switch.
pub mod lockout;
pub mod password;
pub mod secrets;
pub mod session_store;
pub mod setup;
pub mod tokens;

use askama::Template;
use chrono::{DateTime, Utc};
use entity::login_failures;
use poem::{
    Response, Route, get, handler, post,
    web::{Form, Query},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Set,
};
use serde::Deserialize;

use crate::{
    audit::chain::{self as audit, Entry},
    auth::lockout::LockoutPolicy,
    db,
    error::{AppError, AppResult},
    i18n::Lang,
    users::queries as user_queries,
    web::{
        context::Ctx,
        context::{SESSION_CSRF_NONCE, SESSION_EPOCH, SESSION_LANG},
        render::render,
        render::render_refused,
        render::safe_next,
        render::see_other,
    },
};

/// Every path of signing in: open to everyone (each handler decides what a signed-in user
/// sees), first-run setup included (it needs its one-time token).
pub fn mount(route: Route) -> Route {
    route
        .at("/login", get(login_form).post(login))
        .at("/logout", post(logout))
        .at("/language", post(switch_language))
        .at("/setup", get(setup::form).post(setup::create))
}

/// Binds the session to `user_id` under a new session id (no fixation across sign-in).
/// `epoch` is the account's session epoch: raising it later ends this session.
pub fn start_session(ctx: &Ctx, user_id: i32, epoch: i32) {
    ctx.session.clear();
    ctx.session.set(session_store::SESSION_USER, user_id);
    ctx.session.set(SESSION_EPOCH, epoch);
    // Forms' CSRF tokens from before the sign-in no longer count.
    ctx.session.set(SESSION_CSRF_NONCE, tokens::random_hex(16));
    ctx.session.renew();
}

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

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginQuery {
    next: String,
    signed_out: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    email: String,
    password: String,
    next: String,
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage<'a> {
    ctx: &'a Ctx,
    email: String,
    next: String,
    problem: Option<String>,
    notice: Option<String>,
}

#[handler]
async fn login_form(ctx: &Ctx, Query(q): Query<LoginQuery>) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(see_other(&safe_next(Some(&q.next))));
    }
    render(&LoginPage {
        ctx,
        email: String::new(),
        next: q.next,
        problem: None,
        notice: (!q.signed_out.is_empty()).then(|| ctx.t("login-signed-out")),
    })
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
) -> Result<Vec<lockout::Failure>, sea_orm::DbErr> {
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
        .map(|f| lockout::Failure {
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
    if lockout::locked_until(&earlier, policy, now).is_some() {
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
    if lockout::locked_until(&before_mine, policy, now).is_some() {
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

/// Whether this attempter is locked now (after a failure was counted).
pub async fn is_locked(
    db: &sea_orm::DatabaseConnection,
    who: Attempter<'_>,
    now: DateTime<Utc>,
    policy: &LockoutPolicy,
) -> Result<bool, sea_orm::DbErr> {
    let failures = failures_seen(db, who, now - policy.lookback(), None).await?;
    Ok(lockout::locked_until(&failures, policy, now).is_some())
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

async fn record_sign_in(
    ctx: &Ctx,
    action: &str,
    actor: Option<i32>,
    account: Option<i32>,
) -> AppResult<()> {
    let txn = db::begin_write(&ctx.app.db).await?;
    audit::record(
        &txn,
        ctx.now(),
        Entry {
            actor_id: actor,
            action,
            entity: "user",
            entity_id: account.map(Into::into),
            summary: "",
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[handler]
async fn login(ctx: &Ctx, Form(f): Form<LoginForm>) -> AppResult<Response> {
    // Keyed by what was typed, whether or not such an account exists, so the answer never
    // tells which addresses have accounts.
    let email: String = f.email.trim().to_lowercase().chars().take(254).collect();
    let now = ctx.now();
    let policy = ctx.app.lockout_policy();
    let refuse = |problem: String, why: AppError| {
        render_refused(
            &LoginPage {
                ctx,
                email: f.email.clone(),
                next: f.next.clone(),
                problem: Some(problem),
                notice: None,
            },
            &why,
        )
    };
    let locked_message = || {
        ctx.t_with(
            "login-locked",
            &[("minutes", &policy.lockout.num_minutes().to_string())],
        )
    };
    let account = user_queries::find_by_email(&ctx.app.db, &email).await?;
    let account_id = account.as_ref().map(|u| u.id);
    let who = Attempter {
        key: &email,
        client: &ctx.client,
    };
    if let Attempt::Locked = begin_attempt(&ctx.app.db, who, now, &policy).await? {
        record_sign_in(ctx, "sign_in_locked", None, account_id).await?;
        return refuse(locked_message(), AppError::Locked);
    }
    let hash = account
        .as_ref()
        .filter(|u| u.active)
        .map(|u| u.password_hash.clone());
    if !password::verify(f.password.clone(), hash).await {
        record_sign_in(ctx, "sign_in_failed", None, account_id).await?;
        if is_locked(&ctx.app.db, who, now, &policy).await? {
            return refuse(locked_message(), AppError::Locked);
        }
        return refuse(ctx.t("login-failed"), AppError::invalid());
    }
    let user = account.expect("a verified password belongs to an account");
    let txn = db::begin_write(&ctx.app.db).await?;
    attempt_succeeded(&txn, who).await?;
    audit::record(
        &txn,
        now,
        Entry {
            actor_id: Some(user.id),
            action: "sign_in",
            entity: "user",
            entity_id: Some(user.id.into()),
            summary: "",
        },
    )
    .await?;
    txn.commit().await?;
    start_session(ctx, user.id, user.session_epoch);
    Ok(see_other(&safe_next(Some(&f.next))))
}

#[handler]
async fn logout(ctx: &Ctx) -> AppResult<Response> {
    if let Some(user) = &ctx.user {
        let txn = db::begin_write(&ctx.app.db).await?;
        audit::record(
            &txn,
            ctx.now(),
            Entry {
                actor_id: Some(user.id),
                action: "sign_out",
                entity: "user",
                entity_id: Some(user.id.into()),
                summary: "",
            },
        )
        .await?;
        txn.commit().await?;
    }
    ctx.session.purge();
    Ok(see_other("/login?signed_out=1"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LanguageForm {
    lang: String,
    next: String,
}

/// The language switch in the page header: saved on the account when signed in.
#[handler]
async fn switch_language(ctx: &Ctx, Form(f): Form<LanguageForm>) -> AppResult<Response> {
    let next = safe_next(Some(&f.next));
    let Some(lang) = Lang::parse(&f.lang) else {
        return Ok(see_other(&next));
    };
    match &ctx.user {
        Some(user) => {
            let txn = db::begin_write(&ctx.app.db).await?;
            user_queries::set_language(&txn, ctx.now(), user.id, lang)
                .await
                .map_err(|e| crate::error::AppError::Internal(e.into()))?;
            txn.commit().await?;
        }
        None => ctx.session.set(SESSION_LANG, lang.as_str()),
    }
    Ok(see_other(&next))
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
