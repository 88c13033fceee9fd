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
    Response, Route, get, handler,
    http::StatusCode,
    post,
    web::{Form, Query},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;

use crate::{
    audit::{self, Entry},
    db,
    error::AppResult,
    i18n::Lang,
    users::queries as user_queries,
    web::{
        Ctx,
        middleware::{SESSION_LANG, SESSION_USER},
        render, render_status, safe_next, see_other,
    },
};

/// Routes open to everyone (each handler decides what a signed-in user sees).
pub fn routes() -> Route {
    Route::new()
        .at("/login", get(login_form).post(login))
        .at("/logout", post(logout))
        .at("/language", post(switch_language))
}

/// Binds the session to `user_id` under a new session id (no fixation across sign-in).
pub fn start_session(ctx: &Ctx, user_id: i32) {
    ctx.session.clear();
    ctx.session.set(SESSION_USER, user_id);
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

async fn recent_failures(
    ctx: &Ctx,
    email: &str,
    since: DateTime<Utc>,
) -> AppResult<Vec<DateTime<Utc>>> {
    Ok(login_failures::Entity::find()
        .filter(login_failures::Column::Email.eq(email))
        .filter(login_failures::Column::FailedAt.gt(since))
        .all(&ctx.app.db)
        .await?
        .into_iter()
        .map(|f| f.failed_at)
        .collect())
}

#[handler]
async fn login(ctx: &Ctx, Form(f): Form<LoginForm>) -> AppResult<Response> {
    // Keyed by what was typed, whether or not such an account exists, so the answer never
    // tells which addresses have accounts.
    let email: String = f.email.trim().to_lowercase().chars().take(254).collect();
    let now = ctx.now();
    let policy = ctx.app.lockout_policy();
    let mut failures = recent_failures(ctx, &email, now - policy.lookback()).await?;
    let refuse = |problem: String, status| {
        render_status(
            &LoginPage {
                ctx,
                email: f.email.clone(),
                next: f.next.clone(),
                problem: Some(problem),
                notice: None,
            },
            status,
        )
    };
    let locked_message = || {
        ctx.t_with(
            "login-locked",
            &[("minutes", &policy.lockout.num_minutes().to_string())],
        )
    };
    if lockout::locked_until(&failures, &policy, now).is_some() {
        return refuse(locked_message(), StatusCode::TOO_MANY_REQUESTS);
    }

    let account = user_queries::find_by_email(&ctx.app.db, &email).await?;
    let hash = account
        .as_ref()
        .filter(|u| u.active)
        .map(|u| u.password_hash.clone());
    let ok = password::verify(f.password.clone(), hash).await;

    let txn = db::begin_write(&ctx.app.db).await?;
    if !ok {
        login_failures::ActiveModel {
            email: Set(email.clone()),
            failed_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            now,
            Entry {
                actor_id: None,
                action: "sign_in_failed",
                entity: "user",
                entity_id: account.as_ref().map(|u| u.id.into()),
                summary: "",
            },
        )
        .await?;
        txn.commit().await?;
        failures.push(now);
        if lockout::locked_until(&failures, &policy, now).is_some() {
            return refuse(locked_message(), StatusCode::TOO_MANY_REQUESTS);
        }
        return refuse(ctx.t("login-failed"), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let user = account.expect("a verified password belongs to an account");
    login_failures::Entity::delete_many()
        .filter(login_failures::Column::Email.eq(&email))
        .exec(&txn)
        .await?;
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
    start_session(ctx, user.id);
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
        None => ctx.session.set(SESSION_LANG, lang.code()),
    }
    Ok(see_other(&next))
}
