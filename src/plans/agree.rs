//! Agreeing a plan with the young person: asked for on a page that shows what is agreed and
//! says the plan becomes read-only (`GET /plans/{id}/agree`), taken by posting it. A plan
//! without a goal cannot be agreed.
use askama::Template;
use chrono::Months;
use entity::{leavers, plans};
use poem::{
    Response, handler,
    web::{Form, Path},
};
use serde::Deserialize;

use crate::{
    db,
    error::{AppError, AppResult},
    plans::queries,
    plans::rules::{Step, transition},
    plans::views::{GoalRow, goal_rows, label, load},
    web::forms::parse_date,
    web::{
        context::Ctx, forms::FormErrors, render::render, render::render_refused, render::see_other,
    },
};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AgreeForm {
    pub agreed_on: String,
    pub version: String,
}

#[derive(Template)]
#[template(path = "plans/agree.html")]
struct AgreePage<'a> {
    ctx: &'a Ctx,
    plan: plans::Model,
    leaver_id: i32,
    leaver: String,
    goals: Vec<GoalRow>,
    form: AgreeForm,
    errors: FormErrors,
    consequence: String,
}

async fn agree_page<'a>(
    ctx: &'a Ctx,
    plan: plans::Model,
    l: &leavers::Model,
    form: AgreeForm,
    errors: FormErrors,
) -> AppResult<AgreePage<'a>> {
    Ok(AgreePage {
        leaver_id: l.id,
        leaver: label(l),
        goals: goal_rows(ctx, plan.id).await?,
        consequence: ctx.t_with(
            "plan-agree-consequence",
            &[("months", &ctx.app.config.plan_review_months.to_string())],
        ),
        plan,
        ctx,
        form,
        errors,
    })
}

/// `GET /plans/{id}/agree`: what will be agreed, and the date. An agreed plan goes back to
/// its page.
#[handler]
pub async fn confirm(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let (p, l) = load(ctx, id).await?;
    if transition(p.status, Step::Agree).is_err() {
        return Ok(see_other(&format!("/plans/{id}")));
    }
    let form = AgreeForm {
        agreed_on: ctx.today().to_string(),
        version: p.version.to_string(),
    };
    let mut errors = FormErrors::default();
    if queries::goals(&ctx.app.db, id).await?.is_empty() {
        errors = FormErrors::problem_only("plan-agree-no-goals");
    }
    render(&agree_page(ctx, p, &l, form, errors).await?)
}

#[handler]
pub async fn agree(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(form): Form<AgreeForm>,
) -> AppResult<Response> {
    let (p, l) = load(ctx, id).await?;
    if transition(p.status, Step::Agree).is_err() {
        // Agreed meanwhile: its page says so, and nothing is asked any more.
        let page = agree_page(
            ctx,
            p,
            &l,
            form,
            FormErrors::problem_only("plan-agreed-read-only"),
        )
        .await?;
        return render_refused(&page, &AppError::Conflict);
    }
    let mut errors = match transition(p.status, Step::Agree) {
        Err(_) => FormErrors::problem_only("plan-agreed-read-only"),
        Ok(_) if queries::goals(&ctx.app.db, id).await?.is_empty() => {
            FormErrors::problem_only("plan-agree-no-goals")
        }
        Ok(_) => FormErrors::default(),
    };
    let agreed_on = match parse_date(&form.agreed_on) {
        None if form.agreed_on.trim().is_empty() => {
            errors.add("agreed_on", "plan-agreed-required");
            None
        }
        None => {
            errors.add("agreed_on", "leaver-date-invalid");
            None
        }
        Some(d) if d > ctx.today() => {
            errors.add("agreed_on", "plan-agreed-future");
            None
        }
        Some(d) if d < p.started_on => {
            errors.add("agreed_on", "plan-agreed-before-start");
            None
        }
        Some(d) => Some(d),
    };
    let version = crate::web::forms::form_version(&form.version);
    let (Some(agreed_on), None) = (agreed_on, errors.problem()) else {
        let page = agree_page(ctx, p, &l, form, errors).await?;
        return render_refused(&page, &AppError::invalid());
    };
    let review_on = p
        .review_on
        .unwrap_or(agreed_on + Months::new(ctx.app.config.plan_review_months));
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    if !queries::agree(&txn, ctx.now(), actor, &p, version, agreed_on, review_on).await? {
        drop(txn);
        // Shown again as it is now: a second try applies to what the user now sees.
        let (now, l) = load(ctx, id).await?;
        let form = AgreeForm {
            version: now.version.to_string(),
            ..form
        };
        let page = agree_page(ctx, now, &l, form, FormErrors::problem_only("form-stale")).await?;
        return render_refused(&page, &AppError::Conflict);
    }
    txn.commit().await?;
    ctx.flash_success("plan-agreed");
    Ok(see_other(&format!("/plans/{id}")))
}
