//! `/admin/reminders`: pending, sent and failed emails with their last error, and "retry now".
use askama::Template;
use entity::outbox;
use poem::{
    Response, handler,
    web::{Path, Query},
};
use serde::Deserialize;

use crate::{
    db,
    error::{AppError, AppResult},
    jobs::scheduler,
    reminders::delivery,
    web::{context::Ctx, render::render, render::see_other},
};

pub struct Row {
    pub id: i32,
    pub to: String,
    pub subject: String,
    pub status_code: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: String,
    pub created: String,
    pub next: String,
    pub retryable: bool,
}

#[derive(Template)]
#[template(path = "reminders/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<Row>,
    last_run: String,
    status: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Filter {
    status: String,
}

#[handler]
pub async fn list(ctx: &Ctx, Query(f): Query<Filter>) -> AppResult<Response> {
    // The filter offers these three; anything else shows every email.
    let status = [
        outbox::Status::Pending,
        outbox::Status::Sent,
        outbox::Status::Failed,
    ]
    .into_iter()
    .find(|s| s.as_str() == f.status);
    let emails = delivery::recent(&ctx.app.db, status, 200).await?;
    let rows = emails
        .into_iter()
        .map(|e| Row {
            id: e.id,
            to: e.to_address,
            subject: e.subject,
            status: ctx.t(&format!("email-status-{}", e.status.as_str())),
            retryable: e.status == outbox::Status::Failed,
            status_code: e.status.as_str().to_string(),
            attempts: e.attempts,
            last_error: e.last_error.unwrap_or_default(),
            created: ctx.datetime(&e.created_at),
            next: ctx.datetime(&e.next_attempt_at),
        })
        .collect();
    let last_run = scheduler::last_run(&ctx.app)
        .await?
        .map(|t| ctx.datetime(&t))
        .unwrap_or_else(|| ctx.t("reminders-never-run"));
    render(&ListPage {
        ctx,
        rows,
        last_run,
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
    })
}

#[handler]
pub async fn retry(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    let found = delivery::retry_now(&txn, ctx.now(), actor, id).await?;
    txn.commit().await?;
    if !found {
        return Err(AppError::NotFound);
    }
    // Try at once, so the page shows the outcome.
    let holder = format!("admin-{actor}-{}", crate::auth::tokens::random_hex(4));
    if let Err(e) = delivery::deliver_due(&ctx.app, &holder).await {
        tracing::warn!(error = %format!("{e:#}"), "retry delivery");
    }
    ctx.flash_success("reminders-retried");
    Ok(see_other("/admin/reminders"))
}
