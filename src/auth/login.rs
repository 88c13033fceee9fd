//! Signing in and out, and the language switch: the pages and the session they start.
use askama::Template;
use poem::{
    Response, handler,
    web::{Form, Query},
};
use serde::Deserialize;

use crate::{
    audit::chain::{self as audit, Entry},
    auth::{
        failures::{Attempt, Attempter, attempt_succeeded, begin_attempt, is_locked},
        password, session_store, tokens,
    },
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

/// Binds the session to `user_id` under a new session id (no fixation across sign-in).
/// `epoch` is the account's session epoch: raising it later ends this session.
pub fn start_session(ctx: &Ctx, user_id: i32, epoch: i32) {
    ctx.session.clear();
    ctx.session.set(session_store::SESSION_USER, user_id);
    ctx.session.set(SESSION_EPOCH, epoch);
    // Forms' CSRF tokens from before the sign-in no longer count.
    ctx.session.set(SESSION_CSRF_NONCE, tokens::random_hex(16));
    // What "My account" shows of this session among the others.
    ctx.session.set(SESSION_DEVICE, ctx.user_agent.clone());
    ctx.session.set(SESSION_CLIENT, ctx.client.clone());
    ctx.session.renew();
}

/// Session keys naming where a session was signed in: the browser and the client address.
pub const SESSION_DEVICE: &str = "device";
pub const SESSION_CLIENT: &str = "client";

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
pub async fn login_form(ctx: &Ctx, Query(q): Query<LoginQuery>) -> AppResult<Response> {
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
pub async fn login(ctx: &Ctx, Form(f): Form<LoginForm>) -> AppResult<Response> {
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
    if user.mfa_enrolled_at.is_some() {
        // The password is right; the session is signed in only after the code.
        let txn = db::begin_write(&ctx.app.db).await?;
        crate::auth::failures::first_step_succeeded(&txn, who).await?;
        audit::record(
            &txn,
            now,
            Entry {
                actor_id: Some(user.id),
                action: "sign_in_password",
                entity: "user",
                entity_id: Some(user.id.into()),
                summary: "",
            },
        )
        .await?;
        txn.commit().await?;
        super::second_factor::await_code(ctx, &user, &f.next);
        return Ok(see_other("/login/mfa"));
    }
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
    // A role that needs a second factor sets it up first.
    if super::mfa::required(user.role, &ctx.app.config.mfa_required_roles) {
        return Ok(see_other("/account/mfa"));
    }
    Ok(see_other(&safe_next(Some(&f.next))))
}

#[handler]
pub async fn logout(ctx: &Ctx, req: &poem::Request) -> AppResult<Response> {
    // A young person's session ends here too (their page's "sign out").
    if let Some(cookie) = crate::youth::me::sign_out(ctx, req).await? {
        let mut resp = see_other("/me/link?signed_out=1");
        if let Ok(v) = cookie.parse() {
            resp.headers_mut().insert(poem::http::header::SET_COOKIE, v);
        }
        if ctx.user.is_none() {
            return Ok(resp);
        }
    }
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
pub async fn switch_language(ctx: &Ctx, Form(f): Form<LanguageForm>) -> AppResult<Response> {
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
