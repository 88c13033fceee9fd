//! `/admin/retention` (records past their retention date, anonymised after a confirmation)
//! and legal holds on the leaver page.
use askama::Template;
use poem::{
    Response, handler,
    web::{Form, Path},
};

use crate::web::render::render_refused;
use crate::{
    db,
    error::{AppError, AppResult},
    retention::lifecycle::{self as retention, HoldReason, ReleaseReason},
    web::{context::Ctx, render::render, render::see_other},
};

pub struct Row {
    pub id: i32,
    pub case_number: String,
    pub name: String,
    pub retention_date: String,
    pub hold: String,
}

#[derive(Template)]
#[template(path = "retention/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<Row>,
    confirming: bool,
}

async fn rows(ctx: &Ctx, only: Option<&[i32]>) -> AppResult<Vec<Row>> {
    let years = ctx.app.config.retention_years;
    let due = retention::due(&ctx.app.db, ctx.today(), years).await?;
    ctx.audit_view(due.iter().map(|l| l.id).collect()).await?;
    Ok(due
        .into_iter()
        .filter(|l| only.is_none_or(|ids| ids.contains(&l.id)))
        .map(|l| Row {
            id: l.id,
            retention_date: retention::retention_date(&l, years)
                .map(|d| ctx.tr.date(d))
                .unwrap_or_default(),
            hold: l
                .legal_hold
                .map(|r| ctx.t(&r.message_id()))
                .unwrap_or_default(),
            case_number: l.case_number,
            name: format!("{} {}", l.family_name, l.given_name),
        })
        .collect())
}

#[handler]
pub async fn list(ctx: &Ctx) -> AppResult<Response> {
    render(&ListPage {
        ctx,
        rows: rows(ctx, None).await?,
        confirming: false,
    })
}

/// First post: the confirmation page of the selected records; second (with `confirm=yes`):
/// anonymise them.
#[handler]
pub async fn anonymise(ctx: &Ctx, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let ids: Vec<i32> = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let confirmed = pairs.iter().any(|(k, v)| k == "confirm" && v == "yes");
    if ids.is_empty() {
        ctx.flash_error("retention-none-selected");
        return Ok(see_other("/admin/retention"));
    }
    if !confirmed {
        let selected = rows(ctx, Some(&ids)).await?;
        return render(&ListPage {
            ctx,
            rows: selected,
            confirming: true,
        });
    }
    let actor = ctx.user()?.id;
    let years = ctx.app.config.retention_years;
    let mut done = 0;
    let mut held = 0;
    for id in ids {
        let txn = db::begin_write(&ctx.app.db).await?;
        match retention::anonymise(&txn, ctx.now(), ctx.today(), actor, id, years).await? {
            Ok(()) => {
                txn.commit().await?;
                done += 1;
            }
            Err(retention::Refused::Held) => held += 1,
            Err(_) => {}
        }
    }
    retention::flush_erased(&ctx.app.db).await?;
    ctx.flash_success_with(
        "retention-anonymised",
        &[("count", &done.to_string()), ("held", &held.to_string())],
    );
    Ok(see_other("/admin/retention"))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct HoldForm {
    reason: String,
}

#[handler]
pub async fn hold(ctx: &Ctx, Path(id): Path<i32>, Form(f): Form<HoldForm>) -> AppResult<Response> {
    let l = crate::leavers::queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(reason) = HoldReason::parse(&f.reason) else {
        // Back to the person's page, which says why; nothing changed.
        ctx.flash_error("hold-reason-required");
        return Ok(see_other(&format!("/leavers/{}", l.id)));
    };
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    retention::place_hold(&txn, ctx.now(), ctx.today(), actor, id, reason).await?;
    txn.commit().await?;
    ctx.flash_success("hold-placed");
    Ok(see_other(&format!("/leavers/{id}")))
}

#[handler]
pub async fn release(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(f): Form<HoldForm>,
) -> AppResult<Response> {
    let leaver = crate::leavers::queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(reason) = ReleaseReason::parse(&f.reason) else {
        // The person's page again, the message beside the reason; the hold stays.
        let mut page = crate::leavers::views::show_page(ctx, leaver, None).await?;
        page.hold_errors
            .add("release_reason", "hold-release-reason-required");
        return render_refused(&page, &AppError::invalid());
    };
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    retention::release_hold(&txn, ctx.now(), actor, id, reason).await?;
    txn.commit().await?;
    ctx.flash_success("hold-released");
    Ok(see_other(&format!("/leavers/{id}")))
}
