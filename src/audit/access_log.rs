//! `/leavers/{id}/access-log` (admins): who viewed and who changed a person's record, newest
//! first, paged.
use askama::Template;
use entity::{audit_leavers, audit_log};
use poem::{
    Response, handler,
    web::{Path, Query},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use crate::{
    audit::routes::{PAGE_SIZE, Row},
    error::AppResult,
    web::{Ctx, render},
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
    let l = crate::leavers::load_for_page(ctx, id).await?;
    let page: u64 = q.page.trim().parse().unwrap_or(1u64).clamp(1, 1_000_000);
    // Entries about the person: their record, and their consultations, allowances, plans and
    // extensions, and every page that showed them (one index lookup, then the page's rows).
    crate::audit::index::catch_up(&ctx.app.db, &ctx.app.clock).await?;
    let ids: Vec<i64> = audit_leavers::Entity::find()
        .select_only()
        .column(audit_leavers::Column::AuditId)
        .filter(audit_leavers::Column::LeaverId.eq(id))
        .order_by_desc(audit_leavers::Column::AuditId)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
        .into_tuple()
        .all(&ctx.app.db)
        .await?;
    let mut entries = audit_log::Entity::find()
        .filter(audit_log::Column::Id.is_in(ids))
        .order_by_desc(audit_log::Column::Id)
        .all(&ctx.app.db)
        .await?;
    let has_more = entries.len() as u64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    // Shown about this person: a list page's entry without the others it named.
    for e in &mut entries {
        e.summary =
            crate::audit::summary_for_one_person(&e.entity, e.entity_id, &e.summary).to_string();
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
