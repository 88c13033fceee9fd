//! `/leavers/{id}/access-log` (admins): who viewed and who changed a person's record, newest
//! first, paged.
use askama::Template;
use poem::{
    Response, handler,
    web::{Path, Query},
};
use serde::Deserialize;

use crate::{
    audit::{queries, routes::Row},
    error::AppResult,
    web::{context::Ctx, render::render},
};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    page: String,
}

#[derive(Template)]
#[template(path = "audit/access_log.html")]
struct AccessLogPage<'a> {
    ctx: &'a Ctx,
    leaver_id: i32,
    leaver: String,
    rows: Vec<Row>,
    page_label: String,
    prev_link: Option<String>,
    next_link: Option<String>,
}

#[handler]
pub async fn show(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let l = crate::leavers::page::load_for_page(ctx, id).await?;
    let page: u64 = q.page.trim().parse().unwrap_or(1u64).clamp(1, 1_000_000);
    // Entries about the person: their record, and their consultations, allowances, plans and
    // extensions, and every page that showed them (one index lookup, then the page's rows).
    crate::audit::index::catch_up(&ctx.app.db, &ctx.app.clock).await?;
    let (mut entries, has_more) = queries::about_person(&ctx.app.db, id, page).await?;
    // Shown about this person: a list page's entry without the others it named.
    for e in &mut entries {
        e.summary = crate::audit::chain::summary_for_one_person(&e.entity, e.entity_id, &e.summary)
            .to_string();
    }
    let rows = crate::audit::routes::rows(ctx, entries).await?;
    let link = |p: u64| format!("/leavers/{id}/access-log?page={p}");
    render(&AccessLogPage {
        ctx,
        leaver_id: id,
        leaver: format!("{} {} ({})", l.family_name, l.given_name, l.case_number),
        rows,
        page_label: ctx.t_with("pager-page", &[("page", &page.to_string())]),
        prev_link: (page > 1).then(|| link(page - 1)),
        next_link: has_more.then(|| link(page + 1)),
    })
}
