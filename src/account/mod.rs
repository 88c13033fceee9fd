//! `/account`: every user changes their own password and language, and sees and ends their
//! sessions.
pub mod sessions;
use askama::Template;
use poem::{EndpointExt, Response, Route, get, handler, post, web::Form};
use serde::Deserialize;

use crate::web::{forms::SelectOption, guard::ANY_ROLE, guard::require};
use crate::{
    audit::chain::{self as audit, Entry},
    auth::{
        failures::{Attempt, Attempter, attempt_succeeded, begin_attempt},
        login::start_session,
        password,
    },
    db,
    error::{AppError, AppResult},
    i18n::Lang,
    users::{forms::check_new_password, queries, routes::language_options},
    web::{
        context::Ctx, forms::FormErrors, render::render, render::render_refused, render::see_other,
    },
};

/// Every path of **My account**: any signed-in role, for their own account only.
pub fn mount(route: Route) -> Route {
    let any = || require(ANY_ROLE);
    route
        .at("/account", get(show).with(any()))
        .at("/account/language", post(change_language).with(any()))
        .at("/account/password", post(change_password).with(any()))
        .at(
            "/account/sessions/:id/end",
            post(sessions::end_one).with(any()),
        )
        .at(
            "/account/sessions/end-others",
            post(sessions::end_others).with(any()),
        )
}

#[derive(Template)]
#[template(path = "account/show.html")]
struct AccountPage<'a> {
    ctx: &'a Ctx,
    role: String,
    languages: Vec<SelectOption>,
    errors: FormErrors,
    sessions: Vec<sessions::SessionRow>,
    mfa_enrolled: bool,
}

async fn page<'a>(
    ctx: &'a Ctx,
    req: &poem::Request,
    errors: FormErrors,
) -> AppResult<AccountPage<'a>> {
    let user = ctx.user()?;
    Ok(AccountPage {
        ctx,
        role: ctx.t(user.role.message_id()),
        languages: language_options(ctx, user.language.as_str()),
        errors,
        sessions: sessions::rows(ctx, req).await?,
        mfa_enrolled: user.mfa_enrolled,
    })
}

#[handler]
async fn show(ctx: &Ctx, req: &poem::Request) -> AppResult<Response> {
    render(&page(ctx, req, FormErrors::default()).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LanguageForm {
    language: String,
}

#[handler]
async fn change_language(
    ctx: &Ctx,
    req: &poem::Request,
    Form(f): Form<LanguageForm>,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let Some(lang) = Lang::parse(&f.language) else {
        let mut errors = FormErrors::default();
        errors.add("language", "field-language-invalid");
        return render_refused(&page(ctx, req, errors).await?, &AppError::invalid());
    };
    let txn = db::begin_write(&ctx.app.db).await?;
    queries::set_language(&txn, ctx.now(), user.id, lang)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    txn.commit().await?;
    ctx.flash_success("account-language-saved");
    Ok(see_other("/account"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    password: String,
    password_confirm: String,
}

#[handler]
async fn change_password(
    ctx: &Ctx,
    req: &poem::Request,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let mut errors = FormErrors::default();
    let now = ctx.now();
    let policy = ctx.app.lockout_policy();
    // Guesses of the current password are throttled like sign-ins, on the same account.
    let key = user.email.clone();
    let who = Attempter {
        key: &key,
        client: &ctx.client,
    };
    let verified = match begin_attempt(&ctx.app.db, who, now, &policy).await? {
        Attempt::Locked => {
            errors.add("current_password", "field-current-password-locked");
            false
        }
        Attempt::Allowed => {
            let stored = queries::get(&ctx.app.db, user.id)
                .await?
                .map(|u| u.password_hash);
            let ok = password::verify(f.current_password.clone(), stored).await;
            if !ok {
                errors.add("current_password", "field-current-password-wrong");
                let txn = db::begin_write(&ctx.app.db).await?;
                audit::record(
                    &txn,
                    now,
                    Entry {
                        actor_id: Some(user.id),
                        action: "password_check_failed",
                        entity: "user",
                        entity_id: Some(user.id.into()),
                        summary: "",
                    },
                )
                .await?;
                txn.commit().await?;
            }
            ok
        }
    };
    let new = check_new_password(
        &f.password,
        &f.password_confirm,
        "password",
        &[&user.name, &user.email],
        &mut errors,
    );
    let Some(new) = new.filter(|_| verified && errors.is_empty()) else {
        return render_refused(&page(ctx, req, errors).await?, &AppError::invalid());
    };
    let hash = password::hash(new).await?;
    let txn = db::begin_write(&ctx.app.db).await?;
    attempt_succeeded(&txn, who).await?;
    let epoch =
        match queries::set_password(&txn, now, user.id, user.id, "password_change", hash).await {
            Ok(epoch) => epoch,
            Err(e) => return Err(e.into()),
        };
    txn.commit().await?;
    // Other sessions of this account ended with the change; this one goes on under a new id.
    start_session(ctx, user.id, epoch);
    ctx.flash_success("account-password-changed");
    Ok(see_other("/account"))
}
