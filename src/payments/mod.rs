//! `/payments?month=YYYY-MM`: finance records the month's payments (one line or the whole
//! month) and exports them as CSV that Excel in Japan opens correctly.
pub mod csv;
pub mod rules;

use askama::Template;
use chrono::NaiveDate;
use entity::{leavers, payments};
use poem::{
    EndpointExt, Response, Route, get, handler, post,
    web::{Form, Path, Query},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use serde::Deserialize;

use crate::web::{guard::FINANCE, guard::require};
use crate::{
    allowances::rules::Kind,
    audit::chain::{self as audit, Entry},
    clock::Month,
    db,
    error::{AppError, AppResult},
    i18n::{Yen, format_yen},
    web::forms::parse_date,
    web::{context::Ctx, render::render, render::render_refused, render::see_other},
};
use rules::Status;

/// Every path of payments: finance only.
pub fn mount(route: Route) -> Route {
    route
        .at("/payments", get(list).with(require(FINANCE)))
        .at("/payments.csv", get(csv::csv).with(require(FINANCE)))
        .at(
            "/payments/paid",
            post(mark_month_paid).with(require(FINANCE)),
        )
        .at("/payments/:id/paid", post(mark_paid).with(require(FINANCE)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

fn month_or_current(ctx: &Ctx, raw: &str) -> Month {
    Month::parse(raw).unwrap_or_else(|| Month::of(ctx.today()))
}

pub struct Line {
    pub id: i32,
    pub version: i32,
    pub case_number: String,
    pub name: String,
    pub kind: String,
    pub amount: String,
    pub status: String,
    pub scheduled: bool,
    pub paid_on: String,
    /// The value of this line's "paid on" field: today, or what was typed when refused.
    pub paid_on_input: String,
}

pub struct Total {
    pub kind: String,
    pub scheduled: String,
    pub paid: String,
}

#[derive(Template)]
#[template(path = "payments/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    month: String,
    heading: String,
    lines: Vec<Line>,
    totals: Vec<Total>,
    problem: Option<String>,
    scheduled_count: usize,
    /// The value of the whole month's "paid on" field.
    paid_on_all: String,
}

/// The month's lines with their leavers (two queries).
async fn month_lines(
    db: &impl ConnectionTrait,
    month: Month,
) -> Result<Vec<(payments::Model, Option<leavers::Model>)>, DbErr> {
    let lines = payments::Entity::find()
        .filter(payments::Column::Month.eq(month.first_day()))
        .order_by_asc(payments::Column::Kind)
        .order_by_asc(payments::Column::LeaverId)
        .order_by_asc(payments::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = lines.iter().map(|p| p.leaver_id).collect();
    let leavers = crate::leavers::queries::by_ids(db, ids).await?;
    Ok(lines
        .into_iter()
        .map(|p| {
            let l = leavers.get(&p.leaver_id).cloned();
            (p, l)
        })
        .collect())
}

/// Scheduled and paid yen per kind.
pub fn totals(lines: &[(payments::Model, Option<leavers::Model>)]) -> Vec<(Kind, Yen, Yen)> {
    Kind::ALL
        .into_iter()
        .map(|k| {
            let sum = |status: Status| {
                lines
                    .iter()
                    .filter(|(p, _)| p.kind == k && p.status == status)
                    .map(|(p, _)| p.amount)
                    .sum::<Yen>()
            };
            (k, sum(Status::Scheduled), sum(Status::Paid))
        })
        .collect()
}

/// A "paid on" value typed into a form that came back refused, kept in its field.
enum Kept<'a> {
    Nothing,
    Line(i32, &'a str),
    Month(&'a str),
}

/// Why a payment cannot have been paid on `paid_on`: not before its line was scheduled (the
/// allowance's approval), and not in the future.
pub fn paid_on_problem(
    paid_on: NaiveDate,
    scheduled_on: NaiveDate,
    today: NaiveDate,
) -> Option<&'static str> {
    if paid_on > today {
        Some("payments-paid-on-future")
    } else if paid_on < scheduled_on {
        Some("payments-paid-on-before-scheduled")
    } else {
        None
    }
}

async fn page(ctx: &Ctx, month: Month, problem: Option<String>) -> AppResult<ListPage<'_>> {
    page_keeping(ctx, month, problem, Kept::Nothing).await
}

async fn refused(ctx: &Ctx, month: Month, message_id: &str, kept: Kept<'_>) -> AppResult<Response> {
    let p = page_keeping(ctx, month, Some(ctx.t(message_id)), kept).await?;
    render_refused(&p, &AppError::invalid())
}

async fn page_keeping<'a>(
    ctx: &'a Ctx,
    month: Month,
    problem: Option<String>,
    kept: Kept<'_>,
) -> AppResult<ListPage<'a>> {
    let today = ctx.today().to_string();
    let rows = month_lines(&ctx.app.db, month).await?;
    ctx.audit_view(rows.iter().map(|(p, _)| p.leaver_id).collect())
        .await?;
    let scheduled_count = rows
        .iter()
        .filter(|(p, _)| p.status == Status::Scheduled)
        .count();
    let kind_label = |k: &Kind| ctx.t(&k.message_id());
    Ok(ListPage {
        ctx,
        month: month.to_string(),
        heading: ctx.t_with("payments-for-month", &[("month", &month.to_string())]),
        totals: totals(&rows)
            .into_iter()
            .map(|(k, s, p)| Total {
                kind: ctx.t(&k.message_id()),
                scheduled: format_yen(s),
                paid: format_yen(p),
            })
            .collect(),
        lines: rows
            .into_iter()
            .map(|(p, l)| Line {
                id: p.id,
                version: p.version,
                case_number: l
                    .as_ref()
                    .map(|l| l.case_number.clone())
                    .unwrap_or_default(),
                name: l
                    .map(|l| format!("{} {}", l.family_name, l.given_name))
                    .unwrap_or_default(),
                kind: kind_label(&p.kind),
                amount: format_yen(p.amount),
                status: ctx.t(&format!("payment-status-{}", p.status.as_str())),
                scheduled: p.status == Status::Scheduled,
                paid_on: p.paid_on.map(|d| ctx.tr.date(d)).unwrap_or_default(),
                paid_on_input: match kept {
                    Kept::Line(id, typed) if id == p.id => typed.to_string(),
                    _ => today.clone(),
                },
            })
            .collect(),
        paid_on_all: match kept {
            Kept::Month(typed) => typed.to_string(),
            _ => today.clone(),
        },
        problem,
        scheduled_count,
    })
}

#[handler]
async fn list(ctx: &Ctx, Query(q): Query<MonthQuery>) -> AppResult<Response> {
    let month = month_or_current(ctx, &q.month);
    render(&page(ctx, month, None).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PaidForm {
    paid_on: String,
    version: String,
    month: String,
    /// The number of scheduled lines the page showed (whole-month marking).
    count: String,
}

async fn record_paid(
    txn: &impl ConnectionTrait,
    ctx: &Ctx,
    line: &payments::Model,
    paid_on: NaiveDate,
) -> Result<bool, DbErr> {
    let actor = ctx.user_id();
    let result = payments::Entity::update_many()
        .col_expr(payments::Column::Status, Expr::value(Status::Paid))
        .col_expr(payments::Column::PaidOn, Expr::value(Some(paid_on)))
        .col_expr(payments::Column::PaidBy, Expr::value(actor))
        .col_expr(payments::Column::UpdatedAt, Expr::value(ctx.now()))
        .col_expr(
            payments::Column::Version,
            Expr::col(payments::Column::Version).add(1),
        )
        .filter(payments::Column::Id.eq(line.id))
        .filter(payments::Column::Version.eq(line.version))
        .filter(payments::Column::Status.eq(Status::Scheduled))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    let summary = format!(
        "leaver {}; allowance {}; month: {}; amount: {}; paid on {paid_on}",
        line.leaver_id,
        line.allowance_id,
        Month::of(line.month),
        line.amount
    );
    audit::record(
        txn,
        ctx.now(),
        Entry {
            actor_id: actor,
            action: "paid",
            entity: "payment",
            entity_id: Some(line.id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok(true)
}

#[handler]
async fn mark_paid(ctx: &Ctx, Path(id): Path<i32>, Form(f): Form<PaidForm>) -> AppResult<Response> {
    let line = payments::Entity::find_by_id(id)
        .one(&ctx.app.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let month = Month::of(line.month);
    let kept = Kept::Line(line.id, &f.paid_on);
    let Some(paid_on) = parse_date(&f.paid_on) else {
        return refused(ctx, month, "payments-paid-on-invalid", kept).await;
    };
    let today = ctx.today();
    let scheduled_on = line
        .created_at
        .with_timezone(&ctx.app.config.time_zone)
        .date_naive();
    if let Some(problem) = paid_on_problem(paid_on, scheduled_on, today) {
        return refused(ctx, month, problem, kept).await;
    }
    let payable = rules::transition(line.status, rules::Step::Pay).is_ok();
    if f.version.trim().parse::<i32>().ok() != Some(line.version) || !payable {
        let p = page(ctx, month, Some(ctx.t("payments-not-scheduled"))).await?;
        return render_refused(&p, &AppError::Conflict);
    }
    let txn = db::begin_write(&ctx.app.db).await?;
    if !record_paid(&txn, ctx, &line, paid_on).await? {
        drop(txn);
        let p = page(ctx, month, Some(ctx.t("payments-not-scheduled"))).await?;
        return render_refused(&p, &AppError::Conflict);
    }
    txn.commit().await?;
    ctx.flash_success("payments-marked");
    Ok(see_other(&format!("/payments?month={month}")))
}

#[handler]
async fn mark_month_paid(ctx: &Ctx, Form(f): Form<PaidForm>) -> AppResult<Response> {
    let Some(month) = Month::parse(&f.month) else {
        let current = month_or_current(ctx, "");
        let p = page(ctx, current, Some(ctx.t("allowance-month-invalid"))).await?;
        return render_refused(&p, &AppError::invalid());
    };
    let kept = Kept::Month(&f.paid_on);
    let Some(paid_on) = parse_date(&f.paid_on) else {
        return refused(ctx, month, "payments-paid-on-invalid", kept).await;
    };
    let this_month = Month::of(ctx.today());
    if month > this_month {
        return refused(ctx, month, "payments-future-month", kept).await;
    }
    let txn = db::begin_write(&ctx.app.db).await?;
    let scheduled = payments::Entity::find()
        .filter(payments::Column::Month.eq(month.first_day()))
        .filter(payments::Column::Status.eq(Status::Scheduled))
        .all(&txn)
        .await?;
    // Only what the page showed: a line approved since then is looked at first.
    if f.count.trim().parse::<usize>().ok() != Some(scheduled.len()) {
        drop(txn);
        let p = page(ctx, month, Some(ctx.t("payments-month-changed"))).await?;
        return render_refused(&p, &AppError::Conflict);
    }
    // Every line must have been payable on that day, or none is marked.
    let today = ctx.today();
    let tz = ctx.app.config.time_zone;
    if let Some(problem) = scheduled.iter().find_map(|line| {
        paid_on_problem(
            paid_on,
            line.created_at.with_timezone(&tz).date_naive(),
            today,
        )
    }) {
        drop(txn);
        return refused(ctx, month, problem, kept).await;
    }
    let mut count = 0;
    for line in &scheduled {
        if record_paid(&txn, ctx, line, paid_on).await? {
            count += 1;
        }
    }
    txn.commit().await?;
    ctx.flash_success_with("payments-month-marked", &[("count", &count.to_string())]);
    Ok(see_other(&format!("/payments?month={month}")))
}

#[cfg(test)]
mod tests {
    use super::paid_on_problem;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_payment_is_paid_between_its_scheduling_and_today() {
        let (scheduled, today) = (d("2026-10-20"), d("2026-11-25"));
        assert_eq!(paid_on_problem(d("2026-10-20"), scheduled, today), None);
        assert_eq!(paid_on_problem(d("2026-11-25"), scheduled, today), None);
        assert_eq!(
            paid_on_problem(d("2026-10-19"), scheduled, today),
            Some("payments-paid-on-before-scheduled")
        );
        assert_eq!(
            paid_on_problem(d("2026-11-26"), scheduled, today),
            Some("payments-paid-on-future")
        );
        for absurd in ["9999-12-31", "0001-01-01", "1900-01-01"] {
            assert!(
                paid_on_problem(d(absurd), scheduled, today).is_some(),
                "{absurd}"
            );
        }
    }
}
