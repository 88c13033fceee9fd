//! First run: while no account exists, `/setup?token=…` creates the first administrator.
use askama::Template;
use chrono::{DateTime, Utc};
use entity::app_secrets;
use poem::{
    Response, handler,
    web::{Form, Query},
};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde::Deserialize;

use crate::{
    auth::{login::start_session, password, secrets, tokens},
    db,
    error::{AppError, AppResult},
    roles::Role,
    users::{
        forms::{UserForm, check_new_password},
        queries,
    },
    web::{
        context::Ctx, forms::FormErrors, render::render, render::render_refused, render::see_other,
    },
};

/// When no account exists, makes a new one-time setup token (replacing any earlier one) and
/// returns it; otherwise removes any leftover token and returns `None`.
pub async fn prepare_token(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    let txn = db::begin_write(db).await?;
    let token = if queries::count(&txn).await? == 0 {
        let token = tokens::random_hex(24);
        secrets::put(&txn, secrets::SETUP_TOKEN, tokens::sha256_hex(&token), now).await?;
        Some(token)
    } else {
        app_secrets::Entity::delete_by_id(secrets::SETUP_TOKEN.to_string())
            .exec(&txn)
            .await?;
        None
    };
    txn.commit().await?;
    Ok(token)
}

/// The page exists only while no account exists and only for the right token.
async fn check_token(ctx: &Ctx, token: &str) -> AppResult<()> {
    let stored = secrets::get(&ctx.app.db, secrets::SETUP_TOKEN).await?;
    let valid = match stored {
        Some(digest) => tokens::same_secret(&digest, &tokens::sha256_hex(token)),
        None => false,
    };
    if !valid || token.is_empty() || queries::count(&ctx.app.db).await? > 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenQuery {
    token: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SetupForm {
    token: String,
    name: String,
    email: String,
    password: String,
    password_confirm: String,
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage<'a> {
    ctx: &'a Ctx,
    token: String,
    name: String,
    email: String,
    errors: FormErrors,
}

#[handler]
pub async fn form(ctx: &Ctx, Query(q): Query<TokenQuery>) -> AppResult<Response> {
    check_token(ctx, &q.token).await?;
    render(&SetupPage {
        ctx,
        token: q.token,
        name: String::new(),
        email: String::new(),
        errors: FormErrors::default(),
    })
}

#[handler]
pub async fn create(ctx: &Ctx, Form(f): Form<SetupForm>) -> AppResult<Response> {
    check_token(ctx, &f.token).await?;
    let account = UserForm {
        name: f.name.clone(),
        email: f.email.clone(),
        role: Role::Admin.as_str().into(),
        language: ctx.lang().into(),
        ..Default::default()
    };
    let mut errors = FormErrors::default();
    let details = account.details(&mut errors);
    let pw = check_new_password(
        &f.password,
        &f.password_confirm,
        "password",
        &[&f.name, &f.email],
        &mut errors,
    );
    let page = |errors| SetupPage {
        ctx,
        token: f.token.clone(),
        name: f.name.clone(),
        email: f.email.clone(),
        errors,
    };
    let (Some(details), Some(pw)) = (details, pw) else {
        return render_refused(&page(errors), &AppError::invalid());
    };
    let hash = password::hash(pw).await?;
    let txn = db::begin_write(&ctx.app.db).await?;
    // Consuming the token inside the transaction makes a second, concurrent setup fail.
    let consumed = app_secrets::Entity::delete_by_id(secrets::SETUP_TOKEN.to_string())
        .exec(&txn)
        .await?;
    if consumed.rows_affected != 1 || queries::count(&txn).await? > 0 {
        return Err(AppError::NotFound);
    }
    let user = match queries::create(&txn, ctx.now(), None, "setup", &details, hash).await {
        Ok(u) => u,
        Err(e) => return Err(e.into()),
    };
    txn.commit().await?;
    tracing::info!(user_id = user.id, "first administrator created");
    start_session(ctx, user.id, user.session_epoch);
    ctx.flash_success("setup-done");
    Ok(see_other("/"))
}
