//! `/budget?fy=YYYY`: budget, committed, paid and left per kind, a monthly chart, and the
//! form that sets a year's budget.
use askama::Template;
use poem::{
    Response, handler,
    web::{Form, Query},
};
use serde::Deserialize;

use crate::{
    allowances::rules::{Kind, parse_yen},
    budget::figures::{self as budget, Figures},
    db,
    error::{AppError, AppResult},
    i18n::{Yen, format_yen},
    leavers::window::fiscal_year_of,
    web::forms::FormErrors,
    web::{context::Ctx, render::render, render::render_refused, render::see_other},
};

pub struct Row {
    pub kind_code: &'static str,
    pub kind: String,
    pub budget: String,
    pub committed: String,
    pub paid: String,
    pub left: String,
    pub over: bool,
    /// What was typed in this kind's amount field, when it came back refused.
    pub typed: String,
    pub problem: Option<&'static str>,
}

pub struct ChartBar {
    pub x: u32,
    pub paid_y: u32,
    pub paid_h: u32,
    pub scheduled_y: u32,
    pub scheduled_h: u32,
    pub label: String,
    pub title: String,
    /// The month and its figures, for the table under the chart.
    pub month: String,
    pub paid: String,
    pub scheduled: String,
}

#[derive(Template)]
#[template(path = "budget/show.html")]
struct BudgetPage<'a> {
    ctx: &'a Ctx,
    fy: i32,
    heading: String,
    rows: Vec<Row>,
    bars: Vec<ChartBar>,
    problem: Option<&'static str>,
}

impl BudgetPage<'_> {
    /// Each kind's refused amount, for the error summary (linked to its field).
    fn errors(&self) -> FormErrors {
        let mut errors = FormErrors::default();
        for r in &self.rows {
            if let Some(message) = r.problem {
                let field = match r.kind_code {
                    "housing" => "amount-housing",
                    _ => "amount-living",
                };
                errors.add(field, message);
            }
        }
        errors
    }
}

pub fn current_fy(ctx: &Ctx) -> i32 {
    let today = ctx.today();
    fiscal_year_of(today, ctx.app.config.window_rules.fiscal_year_start)
}

pub fn rows(ctx: &Ctx, figures: &std::collections::HashMap<Kind, Figures>) -> Vec<Row> {
    Kind::ALL
        .into_iter()
        .map(|k| {
            let f = figures.get(&k).cloned().unwrap_or_default();
            Row {
                kind_code: k.as_str(),
                kind: ctx.t(&k.message_id()),
                budget: f
                    .budget
                    .map(format_yen)
                    .unwrap_or_else(|| ctx.t("budget-not-set")),
                committed: format_yen(f.committed),
                paid: format_yen(f.paid),
                left: f.left().map(format_yen).unwrap_or_default(),
                over: f.left().is_some_and(|l| l < Yen::ZERO),
                typed: String::new(),
                problem: None,
            }
        })
        .collect()
}

async fn page<'a>(
    ctx: &'a Ctx,
    fy: i32,
    problem: Option<&'static str>,
) -> AppResult<BudgetPage<'a>> {
    let fy_start = ctx.app.config.window_rules.fiscal_year_start;
    let figures = budget::figures(&ctx.app.db, fy, fy_start).await?;
    let monthly = budget::monthly(&ctx.app.db, fy, fy_start).await?;
    let top = monthly
        .iter()
        .map(|(_, p, s)| (*p + *s).get())
        .max()
        .unwrap_or(0)
        .max(1);
    const PLOT: i64 = 170;
    let bars = monthly
        .iter()
        .enumerate()
        .map(|(i, (m, paid, scheduled))| {
            let paid_h = (paid.get() * PLOT / top) as u32;
            let scheduled_h = (scheduled.get() * PLOT / top) as u32;
            ChartBar {
                x: i as u32 * 50 + 6,
                paid_y: PLOT as u32 - paid_h,
                paid_h,
                scheduled_y: PLOT as u32 - paid_h - scheduled_h,
                scheduled_h,
                label: ctx.tr.month_number(chrono::Datelike::month(&m.first_day())),
                month: ctx.tr.month(*m),
                paid: format_yen(*paid),
                scheduled: format_yen(*scheduled),
                title: format!(
                    "{} · {}: {} · {}: {}",
                    ctx.tr.month(*m),
                    ctx.t("payment-paid-total"),
                    format_yen(*paid),
                    ctx.t("payment-scheduled-total"),
                    format_yen(*scheduled)
                ),
            }
        })
        .collect();
    Ok(BudgetPage {
        ctx,
        fy,
        heading: ctx.t_with("budget-fiscal-year", &[("fy", &fy.to_string())]),
        rows: rows(ctx, &figures),
        bars,
        problem,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FyQuery {
    fy: String,
}

fn parse_fy(raw: &str) -> Option<i32> {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
}

#[handler]
pub async fn show(ctx: &Ctx, Query(q): Query<FyQuery>) -> AppResult<Response> {
    let fy = parse_fy(&q.fy).unwrap_or_else(|| current_fy(ctx));
    render(&page(ctx, fy, None).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SetForm {
    fy: String,
    kind: String,
    amount: String,
}

#[handler]
pub async fn set(ctx: &Ctx, Form(f): Form<SetForm>) -> AppResult<Response> {
    let parsed_fy = parse_fy(&f.fy);
    let fy = parsed_fy.unwrap_or_else(|| current_fy(ctx));
    let (Some(_), Some(kind), Some(amount)) =
        (parsed_fy, Kind::parse(&f.kind), parse_yen(&f.amount))
    else {
        let mut refused = page(ctx, fy, Some("budget-amount-invalid")).await?;
        // The amount typed stays in its own field, with the message beside it.
        if let Some(row) = refused.rows.iter_mut().find(|r| r.kind_code == f.kind) {
            row.typed = f.amount.clone();
            row.problem = Some("budget-amount-invalid");
        }
        return render_refused(&refused, &AppError::invalid());
    };
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    budget::set_budget(&txn, ctx.now(), actor, fy, kind, amount).await?;
    txn.commit().await?;
    ctx.flash_success("budget-saved");
    Ok(see_other(&format!("/budget?fy={fy}")))
}
