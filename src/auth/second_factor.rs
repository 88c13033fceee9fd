//! The second factor's pages (DESIGN 2.10): `/login/mfa` after the password (a code or a
//! recovery code), `/account/mfa` to enrol (QR code and secret, confirmed by one code) and to
//! get new recovery codes, and an administrator's reset of another account's factor.
use askama::Template;
use poem::{
    Response, handler,
    web::{Form, Path},
};
use serde::Deserialize;

use crate::{
    auth::{
        failures::{Attempt, Attempter, attempt_succeeded, begin_attempt, is_locked},
        login::start_session,
        mfa,
    },
    db,
    error::{AppError, AppResult},
    users::queries as user_queries,
    web::{
        context::{Ctx, SESSION_CSRF_NONCE},
        render::{render, render_refused, safe_next, see_other},
    },
};

/// Session keys of the half-signed-in state: the password was right, the code is awaited.
const PENDING_USER: &str = "mfa_uid";
const PENDING_EPOCH: &str = "mfa_epoch";
const PENDING_NEXT: &str = "mfa_next";
const PENDING_SINCE: &str = "mfa_since";

/// How long the code is awaited after the password.
pub const CODE_WAIT_MINUTES: i64 = 5;

/// After a right password for an account with a second factor: the session (under a new id)
/// waits for the code, and is not signed in.
pub fn await_code(ctx: &Ctx, user: &entity::users::Model, next: &str) {
    ctx.session.clear();
    ctx.session.set(PENDING_USER, user.id);
    ctx.session.set(PENDING_EPOCH, user.session_epoch);
    ctx.session.set(PENDING_NEXT, next.to_string());
    ctx.session.set(PENDING_SINCE, ctx.now().timestamp());
    ctx.session.renew();
}

/// The account waiting for its code in this session, if it is still active and its sessions
/// were not ended meanwhile.
async fn pending(ctx: &Ctx) -> AppResult<Option<entity::users::Model>> {
    let (Some(id), Some(epoch), Some(since)) = (
        ctx.session.get::<i32>(PENDING_USER),
        ctx.session.get::<i32>(PENDING_EPOCH),
        ctx.session.get::<i64>(PENDING_SINCE),
    ) else {
        return Ok(None);
    };
    // The code is awaited a few minutes, then the password is asked again.
    if ctx.now().timestamp() - since > CODE_WAIT_MINUTES * 60 {
        ctx.session.purge();
        return Ok(None);
    }
    Ok(user_queries::get(&ctx.app.db, id)
        .await?
        .filter(|u| u.active && u.session_epoch == epoch && u.mfa_enrolled_at.is_some()))
}

#[derive(Template)]
#[template(path = "auth/login_mfa.html")]
struct CodePage<'a> {
    ctx: &'a Ctx,
    problem: Option<String>,
}

/// `GET /login/mfa`.
#[handler]
pub async fn code_form(ctx: &Ctx) -> AppResult<Response> {
    if pending(ctx).await?.is_none() {
        return Ok(see_other("/login"));
    }
    render(&CodePage { ctx, problem: None })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
    recovery_code: String,
}

/// `POST /login/mfa`: a code from the app, or a recovery code. Wrong codes count towards the
/// sign-in lockout, and the message says only that the code is not right.
#[handler]
pub async fn check_code(ctx: &Ctx, Form(f): Form<CodeForm>) -> AppResult<Response> {
    let Some(user) = pending(ctx).await? else {
        return Ok(see_other("/login"));
    };
    let now = ctx.now();
    let policy = ctx.app.lockout_policy();
    let who = Attempter {
        key: &user.email,
        client: &ctx.client,
    };
    let refuse = |problem: String, why: AppError| {
        render_refused(
            &CodePage {
                ctx,
                problem: Some(problem),
            },
            &why,
        )
    };
    let locked = || {
        ctx.t_with(
            "login-locked",
            &[("minutes", &policy.lockout.num_minutes().to_string())],
        )
    };
    if let Attempt::Locked = begin_attempt(&ctx.app.db, who, now, &policy).await? {
        let txn = db::begin_write(&ctx.app.db).await?;
        crate::audit::chain::record(
            &txn,
            now,
            crate::audit::chain::Entry {
                actor_id: None,
                action: "sign_in_locked",
                entity: "user",
                entity_id: Some(user.id.into()),
                summary: "second factor",
            },
        )
        .await?;
        txn.commit().await?;
        return refuse(locked(), AppError::Locked);
    }
    // A recovery code is looked for before the transaction: each check is a slow hash.
    let recovery = if f.recovery_code.trim().is_empty() {
        None
    } else {
        mfa::find_recovery_code(&ctx.app.db, user.id, &f.recovery_code).await?
    };
    let txn = db::begin_write(&ctx.app.db).await?;
    let mut recovery_left = None;
    let accepted = if f.recovery_code.trim().is_empty() {
        let unix = u64::try_from(now.timestamp()).unwrap_or_default();
        match mfa::enrolled_totp(&user, &ctx.app.secrets)
            .and_then(|t| mfa::accepted_step(&t, &f.code, unix, user.mfa_last_step))
        {
            Some(step) => mfa::use_step(&txn, user.id, step).await?,
            None => false,
        }
    } else {
        if let Some(found) = recovery {
            recovery_left = mfa::spend_recovery_code(&txn, now, user.id, found).await?;
        }
        recovery_left.is_some()
    };
    if !accepted {
        crate::audit::chain::record(
            &txn,
            now,
            crate::audit::chain::Entry {
                actor_id: None,
                action: "sign_in_failed",
                entity: "user",
                entity_id: Some(user.id.into()),
                summary: "second factor",
            },
        )
        .await?;
        txn.commit().await?;
        if is_locked(&ctx.app.db, who, now, &policy).await? {
            return refuse(locked(), AppError::Locked);
        }
        return refuse(ctx.t("mfa-code-wrong"), AppError::invalid());
    }
    attempt_succeeded(&txn, who).await?;
    crate::audit::chain::record(
        &txn,
        now,
        crate::audit::chain::Entry {
            actor_id: Some(user.id),
            action: "sign_in",
            entity: "user",
            entity_id: Some(user.id.into()),
            summary: if recovery_left.is_some() {
                "recovery code"
            } else {
                "second factor"
            },
        },
    )
    .await?;
    txn.commit().await?;
    let next: String = ctx.session.get(PENDING_NEXT).unwrap_or_default();
    start_session(ctx, user.id, user.session_epoch);
    if let Some(left) = recovery_left {
        ctx.flash_success_with("mfa-recovery-used", &[("count", &left.to_string())]);
    }
    Ok(see_other(&safe_next(Some(&next))))
}

#[derive(Template)]
#[template(path = "account/mfa.html")]
struct EnrolPage<'a> {
    ctx: &'a Ctx,
    enrolled: bool,
    /// Enrolment: the QR code (SVG) and the secret to type by hand.
    qr_svg: String,
    secret: String,
    problem: Option<String>,
    /// Recovery codes just made, shown once.
    codes: Vec<String>,
}

async fn enrol_page<'a>(ctx: &'a Ctx, problem: Option<String>) -> AppResult<EnrolPage<'a>> {
    let me = ctx.user()?;
    let user = user_queries::get(&ctx.app.db, me.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.mfa_enrolled_at.is_some() {
        return Ok(EnrolPage {
            ctx,
            enrolled: true,
            qr_svg: String::new(),
            secret: String::new(),
            problem,
            codes: Vec::new(),
        });
    }
    let secret = mfa::pending_secret(&ctx.app.db, &ctx.app.secrets, &user)
        .await
        .map_err(AppError::Internal)?;
    let totp = mfa::totp(&secret, &user.email)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("TOTP from a new secret")))?;
    let url = totp
        .to_url()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("otpauth URL: {e:?}")))?;
    let base32 = totp.secret().to_base32();
    Ok(EnrolPage {
        ctx,
        enrolled: false,
        qr_svg: crate::web::qr::svg(&url, 200)?,
        secret: base32
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" "),
        problem,
        codes: Vec::new(),
    })
}

/// `GET /account/mfa`.
#[handler]
pub async fn enrol_form(ctx: &Ctx) -> AppResult<Response> {
    render(&enrol_page(ctx, None).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EnrolForm {
    code: String,
    /// `regenerate`: new recovery codes (enrolled accounts); `new_phone`: set the factor up
    /// again, proven with a recovery code.
    action: String,
    recovery_code: String,
}

/// Sets one's own factor up again (a new phone), proven with a recovery code; the user then
/// enrols afresh. Other sessions end.
async fn reset_own(ctx: &Ctx, user: &entity::users::Model, raw: &str) -> AppResult<Response> {
    let now = ctx.now();
    let found = mfa::find_recovery_code(&ctx.app.db, user.id, raw).await?;
    let txn = db::begin_write(&ctx.app.db).await?;
    let spent = match found {
        Some(f) => mfa::spend_recovery_code(&txn, now, user.id, f).await?,
        None => None,
    };
    if spent.is_none() {
        txn.rollback().await?;
        let page = enrol_page(ctx, Some(ctx.t("mfa-code-wrong"))).await?;
        return render_refused(&page, &AppError::invalid());
    }
    mfa::reset(&txn, now, user.id, user.id).await?;
    txn.commit().await?;
    start_session(ctx, user.id, user.session_epoch + 1);
    Ok(see_other("/account/mfa"))
}

/// `POST /account/mfa`: confirms enrolment with a code (then shows the recovery codes once),
/// or, enrolled, makes new recovery codes after a code.
#[handler]
pub async fn enrol(ctx: &Ctx, Form(f): Form<EnrolForm>) -> AppResult<Response> {
    let me = ctx.user()?;
    let user = user_queries::get(&ctx.app.db, me.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = ctx.now();
    let unix = u64::try_from(now.timestamp()).unwrap_or_default();
    let enrolled = user.mfa_enrolled_at.is_some();
    if enrolled && f.action == "new_phone" {
        return reset_own(ctx, &user, &f.recovery_code).await;
    }
    let totp = if enrolled {
        mfa::enrolled_totp(&user, &ctx.app.secrets)
    } else {
        user.mfa_pending_secret
            .as_deref()
            .and_then(|s| ctx.app.secrets.open(s))
            .and_then(|secret| mfa::totp(&secret, &user.email))
    };
    let last = if enrolled { user.mfa_last_step } else { None };
    let Some(step) = totp.and_then(|t| mfa::accepted_step(&t, &f.code, unix, last)) else {
        let page = enrol_page(ctx, Some(ctx.t("mfa-code-wrong"))).await?;
        return render_refused(&page, &AppError::invalid());
    };
    if enrolled && f.action != "regenerate" {
        return Err(AppError::invalid());
    }
    // Hashed before the transaction opens: hashing is slow on purpose.
    let (codes, hashes) = mfa::new_recovery_set().await.map_err(AppError::Internal)?;
    let txn = db::begin_write(&ctx.app.db).await?;
    let done = if enrolled {
        let fresh = mfa::use_step(&txn, user.id, step).await?;
        if fresh {
            mfa::regenerate(&txn, now, user.id, &hashes).await?;
        }
        fresh
    } else {
        mfa::confirm(&txn, now, &user, step, &hashes).await?
    };
    if !done {
        // A code used meanwhile, or an enrolment finished in another tab.
        txn.rollback().await?;
        return Err(AppError::Conflict);
    }
    txn.commit().await?;
    if !enrolled {
        // Every session of the account ended with enrolment (one signed in with the password
        // alone must not gain the factor); this one goes on under a new id, keeping its CSRF
        // nonce so that the forms of the page shown now still work.
        let nonce: Option<String> = ctx.session.get(SESSION_CSRF_NONCE);
        start_session(ctx, user.id, user.session_epoch + 1);
        if let Some(nonce) = nonce {
            ctx.session.set(SESSION_CSRF_NONCE, nonce);
        }
    }
    render(&EnrolPage {
        ctx,
        enrolled: true,
        qr_svg: String::new(),
        secret: String::new(),
        problem: None,
        codes,
    })
}

/// `POST /admin/users/{id}/mfa/reset` (administrators): another account must enrol again at
/// its next sign-in; its sessions end. Nobody resets their own here.
#[handler]
pub async fn reset(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let actor = ctx.user()?.id;
    if actor == id {
        return Err(AppError::Forbidden);
    }
    user_queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = db::begin_write(&ctx.app.db).await?;
    mfa::reset(&txn, ctx.now(), actor, id).await?;
    txn.commit().await?;
    ctx.flash_success("mfa-reset-done");
    Ok(see_other("/admin/users"))
}
