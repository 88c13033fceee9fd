//! `/admin/users`: admins create, edit, deactivate and reactivate accounts and set passwords.
use askama::Template;
use entity::users;
use poem::{
    Response, handler,
    web::{Form, Path},
};
use serde::Deserialize;

use crate::{
    auth::password,
    db,
    error::{AppError, AppResult},
    i18n::Lang,
    roles::Role,
    users::{
        forms::{UserForm, check_new_password},
        queries,
    },
    web::{
        context::Ctx, forms::FormErrors, forms::SelectOption, render::render,
        render::render_refused, render::see_other, render::take_refusal,
    },
};

pub fn role_options(ctx: &Ctx, selected: &str) -> Vec<SelectOption> {
    Role::ALL
        .into_iter()
        .map(|r| SelectOption {
            value: r.as_str(),
            label: ctx.t(r.message_id()),
            selected: r.as_str() == selected,
        })
        .collect()
}

pub fn language_options(ctx: &Ctx, selected: &str) -> Vec<SelectOption> {
    Lang::ALL
        .iter()
        .map(|l| SelectOption {
            value: l.as_str(),
            label: ctx.t(&format!("language-{}", l.as_str())),
            selected: l.as_str() == selected,
        })
        .collect()
}

pub struct UserRow {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub role: String,
    pub language: String,
    pub active: bool,
    pub version: i32,
    pub is_self: bool,
    /// Failed sign-ins on the account within the lockout's reach, from any client.
    pub recent_failures: u64,
    pub failures_note: String,
    /// Signs in with a second factor (an administrator may reset it for another user).
    pub mfa_enrolled: bool,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<UserRow>,
}

#[handler]
pub async fn list(ctx: &Ctx) -> AppResult<Response> {
    let me = ctx.user_id();
    let failures = crate::auth::failures::failures_by_account(
        &ctx.app.db,
        ctx.now() - ctx.app.lockout_policy().lookback(),
    )
    .await?;
    let rows = queries::list(&ctx.app.db)
        .await?
        .into_iter()
        .map(|u| UserRow {
            recent_failures: failures.get(&u.email).copied().unwrap_or(0),
            failures_note: ctx.t_with(
                "users-recent-failures",
                &[(
                    "count",
                    &failures.get(&u.email).copied().unwrap_or(0).to_string(),
                )],
            ),
            is_self: Some(u.id) == me,
            mfa_enrolled: u.mfa_enrolled_at.is_some(),
            role: ctx.t(u.role.message_id()),
            language: ctx.t(&u.language.message_id()),
            id: u.id,
            name: u.name,
            email: u.email,
            active: u.active,
            version: u.version,
        })
        .collect();
    render(&ListPage { ctx, rows })
}

/// Lifts the sign-in locks of an account (audited): its owner can sign in again at once.
#[handler]
pub async fn unlock(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let user = load(ctx, id).await?;
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    crate::auth::failures::lift_lock(&txn, ctx.now(), actor, id, &user.email.to_lowercase())
        .await?;
    txn.commit().await?;
    ctx.flash_success("users-unlocked");
    Ok(see_other("/admin/users"))
}

#[derive(Template)]
#[template(path = "users/form.html")]
struct FormPage<'a> {
    ctx: &'a Ctx,
    form: UserForm,
    errors: FormErrors,
    /// The account being edited; `None` when creating one.
    editing: Option<i32>,
    problem: Option<&'static str>,
    roles: Vec<SelectOption>,
    languages: Vec<SelectOption>,
}

impl<'a> FormPage<'a> {
    fn new(ctx: &'a Ctx, form: UserForm, editing: Option<i32>) -> Self {
        FormPage {
            roles: role_options(ctx, &form.role),
            languages: language_options(ctx, &form.language),
            ctx,
            form,
            errors: FormErrors::default(),
            editing,
            problem: None,
        }
    }

    fn refused(mut self, errors: FormErrors, why: &AppError) -> AppResult<Response> {
        self.problem = errors.problem();
        self.errors = errors;
        render_refused(&self, why)
    }
}

#[handler]
pub async fn new_form(ctx: &Ctx) -> AppResult<Response> {
    let form = UserForm {
        role: Role::Coordinator.as_str().into(),
        language: ctx.lang().into(),
        ..Default::default()
    };
    render(&FormPage::new(ctx, form, None))
}

#[handler]
pub async fn create(ctx: &Ctx, Form(form): Form<UserForm>) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let details = form.details(&mut errors);
    let pw = form.new_password(&mut errors);
    let (Some(details), Some(pw)) = (details, pw) else {
        return FormPage::new(ctx, blank_passwords(form), None)
            .refused(errors, &AppError::invalid());
    };
    let hash = password::hash(pw).await?;
    let txn = db::begin_write(&ctx.app.db).await?;
    match queries::create(&txn, ctx.now(), ctx.user_id(), "create", &details, hash).await {
        Ok(_) => {
            txn.commit().await?;
            ctx.flash_success("users-created");
            Ok(see_other("/admin/users"))
        }
        Err(e) => {
            drop(txn);
            let why = take_refusal(e, &mut errors)?;
            FormPage::new(ctx, blank_passwords(form), None).refused(errors, &why)
        }
    }
}

/// Passwords are never sent back to the browser.
fn blank_passwords(form: UserForm) -> UserForm {
    UserForm {
        password: String::new(),
        password_confirm: String::new(),
        ..form
    }
}

async fn load(ctx: &Ctx, id: i32) -> AppResult<users::Model> {
    queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[handler]
pub async fn edit_form(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let u = load(ctx, id).await?;
    let form = UserForm {
        name: u.name,
        email: u.email,
        role: u.role.as_str().to_string(),
        language: u.language.as_str().to_string(),
        version: u.version.to_string(),
        ..Default::default()
    };
    render(&FormPage::new(ctx, form, Some(id)))
}

#[handler]
pub async fn update(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(form): Form<UserForm>,
) -> AppResult<Response> {
    load(ctx, id).await?;
    let mut errors = FormErrors::default();
    let details = form.details(&mut errors);
    let version = form.version();
    let (Some(details), Some(version)) = (details, version) else {
        if version.is_none() {
            errors.merge(&FormErrors::problem_only("form-stale"));
        }
        return FormPage::new(ctx, form, Some(id)).refused(errors, &AppError::invalid());
    };
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    match queries::update_details(&txn, ctx.now(), actor, id, version, &details).await {
        Ok(()) => {
            txn.commit().await?;
            ctx.flash_success("users-updated");
            Ok(see_other("/admin/users"))
        }
        Err(e) => {
            drop(txn);
            let why = take_refusal(e, &mut errors)?;
            FormPage::new(ctx, form, Some(id)).refused(errors, &why)
        }
    }
}

#[derive(Deserialize)]
struct VersionForm {
    #[serde(default)]
    version: String,
}

async fn change_active(ctx: &Ctx, id: i32, version: &str, active: bool) -> AppResult<Response> {
    load(ctx, id).await?;
    let actor = ctx.user()?.id;
    if !active && actor == id {
        ctx.flash_error("users-cannot-deactivate-self");
        return Ok(see_other("/admin/users"));
    }
    let version = crate::web::forms::form_version(version);
    let txn = db::begin_write(&ctx.app.db).await?;
    match queries::set_active(&txn, ctx.now(), actor, id, version, active).await {
        Ok(()) => {
            txn.commit().await?;
            let id = if active {
                "users-reactivated"
            } else {
                "users-deactivated"
            };
            ctx.flash_success(id);
        }
        Err(e) => {
            drop(txn);
            let mut errors = FormErrors::default();
            take_refusal(e, &mut errors)?;
            ctx.flash_error(errors.problem().unwrap_or("form-stale"));
        }
    }
    Ok(see_other("/admin/users"))
}

#[handler]
pub async fn deactivate(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(f): Form<VersionForm>,
) -> AppResult<Response> {
    change_active(ctx, id, &f.version, false).await
}

#[handler]
pub async fn reactivate(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(f): Form<VersionForm>,
) -> AppResult<Response> {
    change_active(ctx, id, &f.version, true).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    password: String,
    password_confirm: String,
}

#[derive(Template)]
#[template(path = "users/password.html")]
struct PasswordPage<'a> {
    ctx: &'a Ctx,
    target: users::Model,
    errors: FormErrors,
}

#[handler]
pub async fn password_form(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let target = load(ctx, id).await?;
    render(&PasswordPage {
        ctx,
        target,
        errors: FormErrors::default(),
    })
}

#[handler]
pub async fn set_password(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    let target = load(ctx, id).await?;
    let mut errors = FormErrors::default();
    let Some(pw) = check_new_password(
        &f.password,
        &f.password_confirm,
        "password",
        &[&target.name, &target.email],
        &mut errors,
    ) else {
        return render_refused(
            &PasswordPage {
                ctx,
                target,
                errors,
            },
            &AppError::invalid(),
        );
    };
    let hash = password::hash(pw).await?;
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    let epoch = match queries::set_password(&txn, ctx.now(), actor, id, "password_set", hash).await
    {
        Ok(epoch) => {
            txn.commit().await?;
            epoch
        }
        Err(e) => return Err(e.into()),
    };
    if actor == id {
        // The admin's own sessions were ended with the others; keep this one.
        crate::auth::login::start_session(ctx, id, epoch);
    }
    ctx.flash_success("users-password-set");
    Ok(see_other("/admin/users"))
}
