//! Taking a step on a request: every step but submitting is asked for on a page of its own
//! that says what will happen (`GET /allowances/{id}/{action}`), and taken by posting it.
use askama::Template;
use entity::payments::Status as PaymentStatus;
use entity::{allowances, leavers};
use poem::{
    Response, handler,
    web::{Form, Path},
};
use serde::Deserialize;

use crate::{
    allowances::{
        queries::{self, AllowanceError, Step, StepRules},
        rules::{Action, Actor, Refusal, transition},
        views::{caps, fit_problem, leaver_label, load, show_page, total},
    },
    db,
    error::{AppError, AppResult},
    i18n::{Yen, format_yen},
    web::{context::Ctx, render::render, render::render_refused, render::see_other},
};

#[derive(Template)]
#[template(path = "allowances/confirm.html")]
pub struct ConfirmPage<'a> {
    ctx: &'a Ctx,
    id: i32,
    action: &'static str,
    version: i32,
    leaver_id: i32,
    leaver: String,
    kind: String,
    amount: String,
    months: String,
    total: String,
    /// What taking the step will do, in the reader's words.
    consequence: String,
    /// A dangerous step: its button looks like one, apart from Cancel.
    dangerous: bool,
    note_required: bool,
    note: String,
    note_error: Option<&'static str>,
    problem: Option<String>,
    over_budget: Vec<String>,
}

impl ConfirmPage<'_> {
    pub fn title_id(&self) -> String {
        format!("allowance-confirm-{}-title", self.action)
    }
    pub fn button_id(&self) -> String {
        if self.action == "approve" && !self.over_budget.is_empty() {
            "allowance-approve-anyway".into()
        } else {
            format!("allowance-action-{}", self.action)
        }
    }
}

/// The payment lines a step would create (approve) or cancel (stop): how many, for how much.
async fn affected(
    ctx: &Ctx,
    a: &allowances::Model,
    action: Action,
) -> AppResult<Option<(usize, Yen)>> {
    Ok(match action {
        Action::Approve => {
            let (s, e) = queries::months(a);
            Some((s.through(e).len(), total(a)))
        }
        Action::Stop => {
            let today = ctx.today();
            let lines = queries::payments_of(&ctx.app.db, &[a.id]).await?;
            let cancelled: Vec<Yen> = lines
                .iter()
                .filter(|p| p.status == PaymentStatus::Scheduled && p.month > today)
                .map(|p| p.amount)
                .collect();
            Some((cancelled.len(), cancelled.iter().sum()))
        }
        _ => None,
    })
}

async fn confirm_page<'a>(
    ctx: &'a Ctx,
    a: allowances::Model,
    leaver: &leavers::Model,
    action: Action,
) -> AppResult<ConfirmPage<'a>> {
    let consequence = match affected(ctx, &a, action).await? {
        Some((count, yen)) => ctx.t_with(
            &format!("allowance-confirm-{}-consequence", action.as_str()),
            &[("count", &count.to_string()), ("total", &format_yen(yen))],
        ),
        None => ctx.t(&format!(
            "allowance-confirm-{}-consequence",
            action.as_str()
        )),
    };
    let (s, e) = queries::months(&a);
    Ok(ConfirmPage {
        ctx,
        id: a.id,
        action: action.as_str(),
        version: a.version,
        leaver_id: leaver.id,
        leaver: leaver_label(leaver),
        kind: ctx.t(&a.kind.message_id()),
        amount: format_yen(a.monthly_amount),
        months: ctx.tr.months(s, e),
        total: format_yen(total(&a)),
        consequence,
        dangerous: matches!(action, Action::Reject | Action::Withdraw | Action::Stop),
        note_required: matches!(action, Action::Reject | Action::Stop),
        note: String::new(),
        note_error: None,
        problem: None,
        over_budget: Vec::new(),
    })
}

fn actor_of(ctx: &Ctx) -> AppResult<Actor> {
    let user = ctx.user()?;
    Ok(Actor {
        id: user.id,
        role: user.role,
    })
}

/// `GET /allowances/{id}/{action}`: the step's confirmation, for someone who may take it.
#[handler]
pub async fn confirm(ctx: &Ctx, Path((id, action)): Path<(i32, String)>) -> AppResult<Response> {
    let Some(action) = Action::parse(&action).filter(|a| *a != Action::Submit) else {
        return Err(AppError::NotFound);
    };
    let a = load(ctx, id).await?;
    transition(
        queries::status(&a),
        action,
        actor_of(ctx)?,
        a.requested_by,
        Some("note"),
    )
    .map_err(|r| AppError::from(AllowanceError::Refused(r)))?;
    let leaver = crate::leavers::page::load_for_page(ctx, a.leaver_id).await?;
    render(&confirm_page(ctx, a, &leaver, action).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    version: String,
    note: String,
    confirm_over_budget: String,
}

/// The words for a refused step, shown above the request as it is now.
fn step_problem(ctx: &Ctx, e: &AllowanceError, leaver: &leavers::Model) -> String {
    match e {
        AllowanceError::Stale | AllowanceError::Refused(Refusal::WrongStatus) => {
            ctx.t("allowance-stale")
        }
        AllowanceError::Refused(Refusal::NoteRequired) => ctx.t("allowance-note-required"),
        AllowanceError::NoteInvalid => ctx.t("leaver-text-too-long"),
        AllowanceError::OverCap => ctx.t("allowance-amount-over-cap"),
        AllowanceError::OverBudget(_) => ctx.t("allowance-confirm-over-budget"),
        other => fit_problem(ctx, other, leaver).unwrap_or_default(),
    }
}

/// `POST /allowances/{id}/{action}`: takes the step on the version the user saw.
#[handler]
pub async fn act(
    ctx: &Ctx,
    Path((id, action)): Path<(i32, String)>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    let Some(action) = Action::parse(&action) else {
        return Err(AppError::NotFound);
    };
    let actor = actor_of(ctx)?;
    let step = Step {
        version: crate::web::forms::form_version(&f.version),
        action,
        note: Some(f.note.as_str()).filter(|n| !n.trim().is_empty()),
        over_budget_confirmed: f.confirm_over_budget == "yes",
    };
    let limits = StepRules {
        caps: caps(ctx),
        fiscal_year_start: ctx.app.config.window_rules.fiscal_year_start,
    };
    let txn = db::begin_write(&ctx.app.db).await?;
    let e = match queries::act(&txn, ctx.now(), ctx.today(), actor, id, &step, &limits).await {
        Ok(done) => {
            txn.commit().await?;
            // The step was taken on the request's page, which shows the person.
            ctx.audit_view(vec![done.leaver_id]).await?;
            ctx.flash_success(&format!("allowance-done-{}", action.as_str()));
            return Ok(see_other(&format!("/allowances/{id}")));
        }
        Err(e) => e,
    };
    drop(txn);
    let over = match &e {
        AllowanceError::OverBudget(over) => over.clone(),
        _ => Vec::new(),
    };
    let note_error = match e {
        AllowanceError::NoteInvalid => Some("leaver-text-too-long"),
        AllowanceError::Refused(Refusal::NoteRequired) => Some("allowance-note-required"),
        _ => None,
    };
    let current = load(ctx, id).await?;
    // Read without recording a view: the page below records it, if it is shown at all.
    let leaver = crate::leavers::queries::get(&ctx.app.db, current.leaver_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let problem = step_problem(ctx, &e, &leaver);
    let why = AppError::from(e);
    if !matches!(why, AppError::Invalid(_) | AppError::Conflict) {
        return Err(why);
    }
    if matches!(why, AppError::Conflict) || action == Action::Submit {
        // The request is no longer where the user saw it (or submitting was refused): its
        // page as it is now, with what happened.
        let mut page = show_page(ctx, current).await?;
        page.problem = Some(problem);
        return render_refused(&page, &why);
    }
    ctx.audit_view(vec![leaver.id]).await?;
    let kind = current.kind;
    let mut page = confirm_page(ctx, current, &leaver, action).await?;
    page.problem = Some(problem);
    page.note_error = note_error;
    page.note = f.note;
    if over.is_empty() {
        return render_refused(&page, &why);
    }
    // Not refused: the decider is asked to confirm.
    page.over_budget = over
        .iter()
        .map(|(fy, yen)| {
            ctx.t_with(
                "allowance-over-budget",
                &[
                    ("fy", &fy.to_string()),
                    ("kind", &ctx.t(&kind.message_id())),
                    ("over", &format_yen(*yen)),
                ],
            )
        })
        .collect();
    render(&page)
}
