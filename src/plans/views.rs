//! Handlers and pages of support plans.
use askama::Template;
use chrono::NaiveDate;
use entity::plans::Status as PlanStatus;
use entity::{leavers, plans};
use poem::{
    Response, handler,
    web::{Form, Path},
};
use serde::Deserialize;

use crate::{
    consultations::rules::Topic,
    db,
    error::{AppError, AppResult},
    plans::queries::{self, NewGoal, NewPlan},
    plans::rules::{Step, transition},
    web::forms::SelectOption,
    web::forms::{has_forbidden_text_character, parse_date},
    web::{
        context::Ctx, forms::FormErrors, render::render, render::render_refused, render::see_other,
    },
};

pub(crate) async fn load(ctx: &Ctx, id: i32) -> AppResult<(plans::Model, leavers::Model)> {
    let p = queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let l = crate::leavers::page::load_for_page(ctx, p.leaver_id).await?;
    Ok((p, l))
}

pub(crate) fn label(l: &leavers::Model) -> String {
    format!("{} {} ({})", l.family_name, l.given_name, l.case_number)
}

fn text(raw: &str, max: usize) -> Result<String, ()> {
    let t = raw.trim().replace("\r\n", "\n");
    if t.chars().count() > max || has_forbidden_text_character(&t) {
        Err(())
    } else {
        Ok(t)
    }
}

// ---------------------------------------------------------------- list and start

pub struct PlanRow {
    pub id: i32,
    pub number: i32,
    pub status: String,
    pub started: String,
    pub agreed: String,
}

#[derive(Template)]
#[template(path = "plans/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    leaver_id: i32,
    leaver: String,
    rows: Vec<PlanRow>,
    has_draft: bool,
}

#[handler]
pub async fn list(ctx: &Ctx, Path(leaver_id): Path<i32>) -> AppResult<Response> {
    let l = crate::leavers::page::load_for_page(ctx, leaver_id).await?;
    let plans = queries::for_leaver(&ctx.app.db, leaver_id).await?;
    render(&ListPage {
        ctx,
        leaver_id,
        leaver: label(&l),
        has_draft: plans.iter().any(|p| p.status == PlanStatus::Draft),
        rows: plans
            .into_iter()
            .map(|p| PlanRow {
                id: p.id,
                number: p.number,
                status: ctx.t(&format!("plan-status-{}", p.status.as_str())),
                started: ctx.tr.date(p.started_on),
                agreed: p.agreed_on.map(|d| ctx.tr.date(d)).unwrap_or_default(),
            })
            .collect(),
    })
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    wishes: String,
    review_on: String,
    version: String,
}

#[derive(Template)]
#[template(path = "plans/form.html")]
struct FormPage<'a> {
    ctx: &'a Ctx,
    action: String,
    leaver: String,
    form: PlanForm,
    errors: FormErrors,
    problem: Option<&'static str>,
}

/// Wishes and review date; the review date must come after the plan's start.
fn parse_plan(
    form: &PlanForm,
    started_on: NaiveDate,
    errors: &mut FormErrors,
) -> Option<(String, Option<NaiveDate>)> {
    let wishes = match text(&form.wishes, 10_000) {
        Ok(w) if !w.is_empty() => Some(w),
        Ok(_) => {
            errors.add("wishes", "plan-wishes-required");
            None
        }
        Err(()) => {
            errors.add("wishes", "leaver-text-too-long");
            None
        }
    };
    let review_on = match form.review_on.trim() {
        "" => Some(None),
        raw => match parse_date(raw) {
            None => {
                errors.add("review_on", "leaver-date-invalid");
                None
            }
            Some(d) if d <= started_on => {
                errors.add("review_on", "plan-date-after-start");
                None
            }
            Some(d) => Some(Some(d)),
        },
    };
    Some((wishes?, review_on?))
}

#[handler]
pub async fn new_form(ctx: &Ctx, Path(leaver_id): Path<i32>) -> AppResult<Response> {
    let l = crate::leavers::page::load_for_page(ctx, leaver_id).await?;
    let plans = queries::for_leaver(&ctx.app.db, leaver_id).await?;
    if let Some(draft) = plans.iter().find(|p| p.status == PlanStatus::Draft) {
        return Ok(see_other(&format!("/plans/{}", draft.id)));
    }
    // A review starts from the latest agreed plan.
    let form = PlanForm {
        wishes: plans.first().map(|p| p.wishes.clone()).unwrap_or_default(),
        ..Default::default()
    };
    render(&FormPage {
        ctx,
        action: format!("/leavers/{leaver_id}/plans/new"),
        leaver: label(&l),
        form,
        errors: FormErrors::default(),
        problem: None,
    })
}

#[handler]
pub async fn create(
    ctx: &Ctx,
    Path(leaver_id): Path<i32>,
    Form(form): Form<PlanForm>,
) -> AppResult<Response> {
    let l = crate::leavers::page::load_for_page(ctx, leaver_id).await?;
    let plans = queries::for_leaver(&ctx.app.db, leaver_id).await?;
    if let Some(draft) = plans.iter().find(|p| p.status == PlanStatus::Draft) {
        return Ok(see_other(&format!("/plans/{}", draft.id)));
    }
    let mut errors = FormErrors::default();
    let Some((wishes, review_on)) = parse_plan(&form, ctx.today(), &mut errors) else {
        let page = FormPage {
            ctx,
            action: format!("/leavers/{leaver_id}/plans/new"),
            leaver: label(&l),
            form,
            errors,
            problem: None,
        };
        return render_refused(&page, &AppError::invalid());
    };
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    let new = NewPlan {
        leaver_id,
        wishes: &wishes,
        review_on,
        from: plans.iter().find(|p| p.status == PlanStatus::Agreed),
    };
    let saved = queries::start(&txn, ctx.now(), ctx.today(), actor, &new).await?;
    txn.commit().await?;
    ctx.flash_success("plan-started");
    Ok(see_other(&format!("/plans/{}", saved.id)))
}

// ---------------------------------------------------------------- one plan

pub struct GoalRow {
    pub domain: String,
    pub goal: String,
    pub actions: String,
    pub target: String,
}

#[derive(Template)]
#[template(path = "plans/show.html")]
struct ShowPage<'a> {
    ctx: &'a Ctx,
    plan: plans::Model,
    leaver_id: i32,
    leaver: String,
    status: String,
    started: String,
    review: String,
    agreed: String,
    goals: Vec<GoalRow>,
    draft: bool,
    domains: Vec<SelectOption>,
    goal_form: GoalForm,
    errors: FormErrors,
    problem: Option<&'static str>,
}

pub(crate) async fn goal_rows(ctx: &Ctx, plan_id: i32) -> AppResult<Vec<GoalRow>> {
    Ok(queries::goals(&ctx.app.db, plan_id)
        .await?
        .into_iter()
        .map(|g| GoalRow {
            domain: ctx.t(&g.domain.message_id()),
            goal: g.goal,
            actions: g.actions.unwrap_or_default(),
            target: ctx.tr.date(g.target_on),
        })
        .collect())
}

async fn show_page<'a>(
    ctx: &'a Ctx,
    plan: plans::Model,
    l: &leavers::Model,
) -> AppResult<ShowPage<'a>> {
    let goals = goal_rows(ctx, plan.id).await?;
    Ok(ShowPage {
        leaver_id: l.id,
        leaver: label(l),
        status: ctx.t(&format!("plan-status-{}", plan.status.as_str())),
        started: ctx.tr.date(plan.started_on),
        review: plan.review_on.map(|d| ctx.tr.date(d)).unwrap_or_default(),
        agreed: plan.agreed_on.map(|d| ctx.tr.date(d)).unwrap_or_default(),
        draft: plan.status == PlanStatus::Draft,
        domains: Topic::ALL
            .iter()
            .map(|t| SelectOption {
                value: t.as_str(),
                label: ctx.t(&t.message_id()),
                selected: false,
            })
            .collect(),
        goal_form: GoalForm::default(),
        goals,
        plan,
        ctx,
        errors: FormErrors::default(),
        problem: None,
    })
}

#[handler]
pub async fn show(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let (p, l) = load(ctx, id).await?;
    render(&show_page(ctx, p, &l).await?)
}

#[handler]
pub async fn edit_form(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let (p, l) = load(ctx, id).await?;
    if transition(p.status, Step::Edit).is_err() {
        return Ok(see_other(&format!("/plans/{id}")));
    }
    render(&FormPage {
        ctx,
        action: format!("/plans/{id}/edit"),
        leaver: label(&l),
        form: PlanForm {
            wishes: p.wishes.clone(),
            review_on: p.review_on.map(|d| d.to_string()).unwrap_or_default(),
            version: p.version.to_string(),
        },
        errors: FormErrors::default(),
        problem: None,
    })
}

#[handler]
pub async fn update(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(form): Form<PlanForm>,
) -> AppResult<Response> {
    let (p, l) = load(ctx, id).await?;
    let mut errors = FormErrors::default();
    let parsed = parse_plan(&form, p.started_on, &mut errors);
    let refuse = |errors, problem| {
        let page = FormPage {
            ctx,
            action: format!("/plans/{id}/edit"),
            leaver: label(&l),
            form: form.clone(),
            errors,
            problem,
        };
        render_refused(&page, &AppError::invalid())
    };
    if transition(p.status, Step::Edit).is_err() {
        return refuse(errors, Some("plan-agreed-read-only"));
    }
    let Some((wishes, review_on)) = parsed else {
        return refuse(errors, None);
    };
    let version = crate::web::forms::form_version(&form.version);
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    if !queries::update(&txn, ctx.now(), actor, &p, version, &wishes, review_on).await? {
        drop(txn);
        return refuse(FormErrors::default(), Some("form-stale"));
    }
    txn.commit().await?;
    ctx.flash_success("plan-saved");
    Ok(see_other(&format!("/plans/{id}")))
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct GoalForm {
    pub domain: String,
    pub goal: String,
    pub actions: String,
    pub target_on: String,
}

#[handler]
pub async fn add_goal(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(form): Form<GoalForm>,
) -> AppResult<Response> {
    let (p, l) = load(ctx, id).await?;
    let mut errors = FormErrors::default();
    let domain = Topic::parse(&form.domain);
    if domain.is_none() {
        errors.add("domain", "consultation-topic-invalid");
    }
    let goal = match text(&form.goal, 2000) {
        Ok(g) if !g.is_empty() => Some(g),
        Ok(_) => {
            errors.add("goal", "plan-goal-required");
            None
        }
        Err(()) => {
            errors.add("goal", "leaver-text-too-long");
            None
        }
    };
    let actions = match text(&form.actions, 2000) {
        Ok(a) => Some((!a.is_empty()).then_some(a)),
        Err(()) => {
            errors.add("actions", "leaver-text-too-long");
            None
        }
    };
    let target = match parse_date(&form.target_on) {
        Some(d) if d > p.started_on => Some(d),
        found => {
            let message = match found {
                Some(_) => "plan-date-after-start",
                None if form.target_on.trim().is_empty() => "plan-target-required",
                None => "leaver-date-invalid",
            };
            errors.add("target_on", message);
            None
        }
    };
    let problem = transition(p.status, Step::AddGoal)
        .is_err()
        .then_some("plan-agreed-read-only");
    let (Some(domain), Some(goal), Some(actions), Some(target_on), None) =
        (domain, goal, actions, target, problem)
    else {
        let mut page = show_page(ctx, p, &l).await?;
        page.goal_form = form;
        page.errors = errors;
        page.problem = problem;
        return render_refused(&page, &AppError::invalid());
    };
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    let new = NewGoal {
        domain,
        goal,
        actions,
        target_on,
    };
    queries::add_goal(&txn, ctx.now(), actor, &p, &new).await?;
    txn.commit().await?;
    ctx.flash_success("plan-goal-added");
    Ok(see_other(&format!("/plans/{id}")))
}

#[derive(Template)]
#[template(path = "plans/print.html")]
struct PrintPage<'a> {
    ctx: &'a Ctx,
    id: i32,
    name: String,
    number: i32,
    wishes: String,
    goals: Vec<GoalRow>,
    agreed: String,
    review: String,
}

#[handler]
pub async fn print(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let (p, l) = load(ctx, id).await?;
    render(&PrintPage {
        ctx,
        id: p.id,
        name: format!("{} {}", l.family_name, l.given_name),
        number: p.number,
        wishes: p.wishes.clone(),
        goals: goal_rows(ctx, p.id).await?,
        agreed: p.agreed_on.map(|d| ctx.tr.date(d)).unwrap_or_default(),
        review: p.review_on.map(|d| ctx.tr.date(d)).unwrap_or_default(),
    })
}
