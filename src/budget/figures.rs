//! Budgets and the figures beside them: committed and paid per kind and fiscal year, by
//! month, and how far an approval would overspend.
use crate::{
    audit::chain::{self as audit, Entry},
    clock::Month,
    db::statement,
};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::payments::Status as PaymentStatus;
use entity::{allowances::Kind, budgets, money::Yen};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Set,
    sea_query::OnConflict,
};
use std::collections::HashMap;

/// First and last day of fiscal year `fy` (the calendar year it starts in).
pub fn fiscal_year_bounds(fy: i32, start: (u32, u32)) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(fy, start.0, start.1).expect("valid fiscal year start");
    let next = NaiveDate::from_ymd_opt(fy + 1, start.0, start.1).expect("valid fiscal year start");
    (first, next.pred_opt().expect("a day before"))
}

/// The fiscal year a month belongs to: the year of the fiscal year start on or before its
/// first day.
pub fn fiscal_year_of_month(month: Month, start: (u32, u32)) -> i32 {
    let day = month.first_day();
    if (day.month(), day.day()) >= start {
        day.year()
    } else {
        day.year() - 1
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub budget: Option<Yen>,
    pub committed: Yen,
    pub paid: Yen,
}

impl Figures {
    /// What is left after what is committed and paid; `None` without a budget.
    pub fn left(&self) -> Option<Yen> {
        self.budget.map(|b| b - self.committed - self.paid)
    }
}

/// The payment lines that count against a budget, as an SQL list: scheduled and paid.
fn counted() -> String {
    format!(
        "'{}', '{}'",
        PaymentStatus::Scheduled.as_str(),
        PaymentStatus::Paid.as_str()
    )
}

#[derive(FromQueryResult)]
struct SumRow {
    kind: Kind,
    status: PaymentStatus,
    total: Yen,
}

#[derive(FromQueryResult)]
struct MonthRow {
    month: NaiveDate,
    status: PaymentStatus,
    total: Yen,
}

/// Budget, committed and paid per kind for fiscal year `fy` (two queries).
pub async fn figures(
    db: &impl ConnectionTrait,
    fy: i32,
    fy_start: (u32, u32),
) -> Result<HashMap<Kind, Figures>, DbErr> {
    let (first, last) = fiscal_year_bounds(fy, fy_start);
    let mut out: HashMap<Kind, Figures> =
        Kind::ALL.iter().map(|k| (*k, Figures::default())).collect();
    for b in budgets::Entity::find()
        .filter(budgets::Column::FiscalYear.eq(fy))
        .all(db)
        .await?
    {
        out.entry(b.kind).or_default().budget = Some(b.amount);
    }
    let sql = format!(
        "SELECT kind, status, CAST(SUM(amount) AS BIGINT) AS total FROM payments \
         WHERE month >= ? AND month <= ? AND status IN ({}) GROUP BY kind, status",
        counted()
    );
    let rows = SumRow::find_by_statement(statement(
        db.get_database_backend(),
        &sql,
        vec![first.into(), last.into()],
    ))
    .all(db)
    .await?;
    for r in rows {
        let f = out.entry(r.kind).or_default();
        if r.status == PaymentStatus::Paid {
            f.paid += r.total;
        } else {
            f.committed += r.total;
        }
    }
    Ok(out)
}

/// Paid and scheduled yen per month of fiscal year `fy`, all kinds together.
pub async fn monthly(
    db: &impl ConnectionTrait,
    fy: i32,
    fy_start: (u32, u32),
) -> Result<Vec<(Month, Yen, Yen)>, DbErr> {
    let (first, last) = fiscal_year_bounds(fy, fy_start);
    let sql = format!(
        "SELECT month, status, CAST(SUM(amount) AS BIGINT) AS total FROM payments \
         WHERE month >= ? AND month <= ? AND status IN ({}) GROUP BY month, status",
        counted()
    );
    let rows = MonthRow::find_by_statement(statement(
        db.get_database_backend(),
        &sql,
        vec![first.into(), last.into()],
    ))
    .all(db)
    .await?;
    let months = Month::of(first).through(Month::of(last));
    Ok(months
        .into_iter()
        .map(|m| {
            let sum = |status: PaymentStatus| {
                rows.iter()
                    .filter(|r| Month::of(r.month) == m && r.status == status)
                    .map(|r| r.total)
                    .sum::<Yen>()
            };
            (m, sum(PaymentStatus::Paid), sum(PaymentStatus::Scheduled))
        })
        .collect())
}

/// How far approving `amount` a month over `range` would take each fiscal year's
/// committed + paid past its budget: `(fiscal year, yen over)`, only where it would.
pub async fn overrun(
    db: &impl ConnectionTrait,
    kind: Kind,
    range: (Month, Month),
    amount: Yen,
    fy_start: (u32, u32),
) -> Result<Vec<(i32, Yen)>, DbErr> {
    let mut by_year: Vec<(i32, Yen)> = Vec::new();
    for m in range.0.through(range.1) {
        let fy = fiscal_year_of_month(m, fy_start);
        match by_year.last_mut() {
            Some((y, sum)) if *y == fy => *sum += amount,
            _ => by_year.push((fy, amount)),
        }
    }
    let mut out = Vec::new();
    for (fy, added) in by_year {
        let f = figures(db, fy, fy_start)
            .await?
            .remove(&kind)
            .unwrap_or_default();
        if let Some(budget) = f.budget {
            let over = f.committed + f.paid + added - budget;
            if over > Yen::ZERO {
                out.push((fy, over));
            }
        }
    }
    Ok(out)
}

/// Sets the budget of `kind` for fiscal year `fy`.
pub async fn set_budget(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    fy: i32,
    kind: Kind,
    amount: Yen,
) -> Result<(), DbErr> {
    let before = budgets::Entity::find()
        .filter(budgets::Column::FiscalYear.eq(fy))
        .filter(budgets::Column::Kind.eq(kind))
        .one(txn)
        .await?;
    budgets::Entity::insert(budgets::ActiveModel {
        fiscal_year: Set(fy),
        kind: Set(kind),
        amount: Set(amount),
        updated_by: Set(Some(actor)),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([budgets::Column::FiscalYear, budgets::Column::Kind])
            .update_columns([
                budgets::Column::Amount,
                budgets::Column::UpdatedBy,
                budgets::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let summary = format!(
        "fiscal year {fy}; kind: {}; amount: {} → {amount}",
        kind.as_str(),
        before
            .map(|b| b.amount.to_string())
            .unwrap_or_else(|| "none".into())
    );
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(actor),
            action: "set",
            entity: "budget",
            entity_id: Some(fy.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn fiscal_years_of_months() {
        let start = (4, 1);
        assert_eq!(
            fiscal_year_of_month(Month::parse("2026-03").unwrap(), start),
            2025
        );
        assert_eq!(
            fiscal_year_of_month(Month::parse("2026-04").unwrap(), start),
            2026
        );
        assert_eq!(
            fiscal_year_of_month(Month::parse("2027-01").unwrap(), (1, 1)),
            2027
        );
        let (a, b) = fiscal_year_bounds(2026, start);
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2026-04-01".into(), "2027-03-31".into())
        );
    }

    #[test]
    fn what_is_left() {
        let f = Figures {
            budget: Some(Yen(1_000_000)),
            committed: Yen(300_000),
            paid: Yen(200_000),
        };
        assert_eq!(f.left(), Some(Yen(500_000)));
        assert_eq!(Figures { budget: None, ..f }.left(), None);
    }
}
