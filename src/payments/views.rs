//! The month's payment lines for finance, with totals per kind (`/payments?month=YYYY-MM`).
use askama::Template;
use chrono::NaiveDate;
use entity::{leavers, payments};
use poem::{Response, handler, web::Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::{
    allowances::rules::Kind,
    clock::Month,
    error::AppResult,
    i18n::{Yen, format_yen},
    payments::rules::Status,
    web::{context::Ctx, render::render},
};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    pub(crate) month: String,
}

pub(crate) fn month_or_current(ctx: &Ctx, raw: &str) -> Month {
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
    scheduled_count: usize,
}

/// The month's lines with their leavers (two queries).
pub(crate) async fn month_lines(
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

async fn page(ctx: &Ctx, month: Month) -> AppResult<ListPage<'_>> {
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
        heading: ctx.t_with("payments-for-month", &[("month", &ctx.tr.month(month))]),
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
            })
            .collect(),
        scheduled_count,
    })
}

#[handler]
pub async fn list(ctx: &Ctx, Query(q): Query<MonthQuery>) -> AppResult<Response> {
    let month = month_or_current(ctx, &q.month);
    render(&page(ctx, month).await?)
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
