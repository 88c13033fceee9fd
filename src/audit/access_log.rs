//! `/leavers/{id}/access-log` (admins): who viewed and who changed a person's record, newest
//! first, paged.
use askama::Template;
use entity::audit_log;
use poem::{
    Response, handler,
    web::{Path, Query},
};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use crate::{
    audit::routes::{PAGE_SIZE, Row},
    error::{AppError, AppResult},
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
    let l = crate::leavers::queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let page: u64 = q.page.trim().parse().unwrap_or(1u64).clamp(1, 1_000_000);
    ctx.audit_view(vec![l.id]).await?;
    // Entries about the record itself, and about its consultations, allowances, plans and
    // extensions (their summaries start with the leaver's id).
    let mut entries = audit_log::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(audit_log::Column::Entity.eq("leaver"))
                        .add(audit_log::Column::EntityId.eq(i64::from(id))),
                )
                .add(audit_log::Column::Summary.like(format!("leaver {id};%"))),
        )
        .order_by_desc(audit_log::Column::Id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
        .all(&ctx.app.db)
        .await?;
    let has_more = entries.len() as u64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
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
