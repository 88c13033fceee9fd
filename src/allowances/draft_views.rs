//! A draft request belongs to its requester until it is submitted: they may change it
//! (`/allowances/{id}/edit`) or delete it after a confirmation (`/allowances/{id}/delete`).
use askama::Template;
use entity::allowances;
use poem::{
    Response, handler,
    web::{Form, Path},
};
use serde::Deserialize;

use crate::{
    allowances::{
        drafts,
        forms::AllowanceForm,
        queries::{self, AllowanceError},
        rules::{Refusal, Status},
        views::{caps, fit_problem, form_page, leaver_label, load, total},
    },
    db,
    error::{AppError, AppResult},
    i18n::format_yen,
    web::{
        context::Ctx, forms::FormErrors, forms::form_version, render::render,
        render::render_refused, render::see_other,
    },
};

/// The draft, for its requester only; a request that left the draft state can't be changed.
async fn own_draft(ctx: &Ctx, id: i32) -> AppResult<allowances::Model> {
    let a = load(ctx, id).await?;
    if a.requested_by != Some(ctx.user()?.id) {
        return Err(AllowanceError::Refused(Refusal::NotRequester).into());
    }
    if a.status != Status::Draft {
        return Err(AppError::Conflict);
    }
    Ok(a)
}

fn form_of(a: &allowances::Model) -> AllowanceForm {
    let (s, e) = queries::months(a);
    AllowanceForm {
        kind: a.kind.as_str().into(),
        monthly_amount: a.monthly_amount.to_string(),
        start_month: s.to_string(),
        end_month: e.to_string(),
        reason: a.reason.clone(),
        version: a.version.to_string(),
    }
}

#[handler]
pub async fn edit_form(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let a = own_draft(ctx, id).await?;
    let leaver = crate::leavers::page::load_for_page(ctx, a.leaver_id).await?;
    let mut page = form_page(ctx, &leaver, form_of(&a), FormErrors::default(), None);
    page.post_to = format!("/allowances/{id}/edit");
    page.draft = Some((id, a.version));
    render(&page)
}

#[handler]
pub async fn update(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(form): Form<AllowanceForm>,
) -> AppResult<Response> {
    let a = own_draft(ctx, id).await?;
    let leaver = crate::leavers::page::load_for_page(ctx, a.leaver_id).await?;
    let version = form_version(&form.version);
    let mut errors = FormErrors::default();
    let parsed = form.parse(&caps(ctx), &mut errors);
    let refuse = |form: AllowanceForm, errors, problem, why: AppError| {
        let mut page = form_page(ctx, &leaver, form, errors, problem);
        page.post_to = format!("/allowances/{id}/edit");
        page.draft = Some((id, version));
        render_refused(&page, &why)
    };
    let Some(input) = parsed else {
        return refuse(form, errors, None, AppError::invalid());
    };
    let txn = db::begin_write(&ctx.app.db).await?;
    match drafts::update_draft(
        &txn,
        ctx.now(),
        ctx.user()?.id,
        (id, version),
        &leaver,
        &input,
    )
    .await
    {
        Ok(_) => {
            txn.commit().await?;
            ctx.flash_success("allowance-draft-updated");
            Ok(see_other(&format!("/allowances/{id}")))
        }
        Err(AllowanceError::Stale) => {
            drop(txn);
            // Shown again with the draft's current version: saving again applies the input
            // kept here to the draft as it now is.
            let current = own_draft(ctx, id).await?;
            let mut page = form_page(ctx, &leaver, form, errors, Some(ctx.t("allowance-stale")));
            page.post_to = format!("/allowances/{id}/edit");
            page.draft = Some((id, current.version));
            render_refused(&page, &AppError::Conflict)
        }
        Err(e) => {
            drop(txn);
            let Some(problem) = fit_problem(ctx, &e, &leaver) else {
                return Err(e.into());
            };
            let field = match e {
                AllowanceError::OutsideWindow(m) if m != input.start => "end_month",
                _ => "start_month",
            };
            errors.add(field, "allowance-months-refused");
            refuse(form, errors, Some(problem), AppError::invalid())
        }
    }
}

#[derive(Template)]
#[template(path = "allowances/delete.html")]
struct DeletePage<'a> {
    ctx: &'a Ctx,
    id: i32,
    version: i32,
    leaver_id: i32,
    leaver: String,
    kind: String,
    amount: String,
    months: String,
    total: String,
}

#[handler]
pub async fn delete_form(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let a = own_draft(ctx, id).await?;
    let leaver = crate::leavers::page::load_for_page(ctx, a.leaver_id).await?;
    let (s, e) = queries::months(&a);
    render(&DeletePage {
        ctx,
        id,
        version: a.version,
        leaver_id: leaver.id,
        leaver: leaver_label(&leaver),
        kind: ctx.t(&a.kind.message_id()),
        amount: format_yen(a.monthly_amount),
        months: ctx.tr.months(s, e),
        total: format_yen(total(&a)),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeleteForm {
    version: String,
}

#[handler]
pub async fn delete(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(f): Form<DeleteForm>,
) -> AppResult<Response> {
    let a = own_draft(ctx, id).await?;
    let txn = db::begin_write(&ctx.app.db).await?;
    let version = form_version(&f.version);
    drafts::delete_draft(&txn, ctx.now(), ctx.user()?.id, (id, version)).await?;
    txn.commit().await?;
    ctx.flash_success("allowance-draft-deleted");
    Ok(see_other(&format!("/leavers/{}", a.leaver_id)))
}
