//! `/admin/import`: an administrator uploads a register as CSV; the answer is either the
//! number imported or the report of every wrong row and field.
use askama::Template;
use poem::{Response, handler, web::Multipart};
use tokio::io::AsyncReadExt;

use crate::{
    error::{AppError, AppResult},
    leavers::import::{self, Outcome},
    web::{context::Ctx, render::render, render::render_refused, render::see_other},
};

/// The largest file accepted (about 20,000 rows).
const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

pub struct ReportLine {
    pub line: u64,
    pub field: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "leavers/import.html")]
struct ImportPage<'a> {
    ctx: &'a Ctx,
    columns: &'static [&'static str],
    required: &'static [&'static str],
    problem: Option<&'static str>,
    report: Vec<ReportLine>,
}

fn page(ctx: &Ctx) -> ImportPage<'_> {
    ImportPage {
        ctx,
        columns: import::COLUMNS,
        required: import::REQUIRED_COLUMNS,
        problem: None,
        report: Vec::new(),
    }
}

#[handler]
pub async fn form(ctx: &Ctx) -> AppResult<Response> {
    render(&page(ctx))
}

fn refuse_early(ctx: &Ctx, problem: &'static str) -> AppResult<Response> {
    render_refused(
        &ImportPage {
            problem: Some(problem),
            ..page(ctx)
        },
        &AppError::invalid(),
    )
}

#[handler]
pub async fn upload(ctx: &Ctx, mut multipart: Multipart) -> AppResult<Response> {
    let mut bytes = None;
    let mut too_large = false;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            // Read at most one byte past the limit, never the whole of a huge upload.
            let mut data = Vec::new();
            let mut reader = field.into_async_read().take(MAX_FILE_BYTES as u64 + 1);
            if reader.read_to_end(&mut data).await.is_err() {
                return refuse_early(ctx, "import-unreadable");
            }
            too_large = data.len() > MAX_FILE_BYTES;
            bytes = Some(data);
        }
    }
    let refuse = |problem| {
        render_refused(
            &ImportPage {
                problem: Some(problem),
                ..page(ctx)
            },
            &AppError::invalid(),
        )
    };
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return refuse("import-no-file");
    };
    if too_large {
        return refuse("import-too-large");
    }
    let today = ctx.today();
    let rules = &ctx.app.config.window_rules;
    match import::import(&ctx.app.db, ctx.now(), today, ctx.user_id(), &bytes, rules).await? {
        Outcome::Imported(n) => {
            tracing::info!(records = n, "register imported");
            ctx.flash_success("import-done");
            Ok(see_other("/leavers?coordinator=all"))
        }
        Outcome::Rejected(errors) => {
            let report = errors
                .into_iter()
                .map(|e| ReportLine {
                    line: e.line,
                    field: e.field,
                    message: ctx.t(e.message_id),
                })
                .collect();
            render_refused(
                &ImportPage {
                    problem: Some("import-rejected"),
                    report,
                    ..page(ctx)
                },
                &AppError::invalid(),
            )
        }
    }
}
