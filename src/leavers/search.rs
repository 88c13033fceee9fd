//! The register's list: search, filters, sort order and paging, in two queries whatever the
//! number of records.
use chrono::{Days, NaiveDate};
use entity::leavers;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, LikeExpr},
};

use crate::leavers::rules::Status;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Name,
    CaseNumber,
    SupportEnd,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Name, Sort::CaseNumber, Sort::SupportEnd];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::CaseNumber => "case_number",
            Sort::SupportEnd => "support_end",
        }
    }

    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What the register list shows.
#[derive(Clone, Debug)]
pub struct ListFilter {
    /// Already in `search_form`.
    pub q: Option<String>,
    pub status: Option<Status>,
    pub coordinator: Option<i32>,
    pub ends_within_days: Option<u32>,
    /// Only these records (a dashboard list, by its leavers' ids).
    pub only: Option<Vec<i32>>,
    pub sort: Sort,
    pub page: u64,
}

pub const PAGE_SIZE: u64 = 50;

/// The condition of a filter (its sort and page aside).
fn condition(filter: &ListFilter, today: NaiveDate) -> Condition {
    let mut cond = Condition::all();
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        cond = cond.add(
            Expr::col(leavers::Column::SearchKey)
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    if let Some(s) = filter.status {
        cond = cond.add(leavers::Column::Status.eq(s));
    }
    if let Some(c) = filter.coordinator {
        cond = cond.add(leavers::Column::CoordinatorId.eq(c));
    }
    if let Some(days) = filter.ends_within_days {
        let until = today
            .checked_add_days(Days::new(days.into()))
            .unwrap_or(today);
        cond = cond
            .add(leavers::Column::SupportEndsOn.gte(today))
            .add(leavers::Column::SupportEndsOn.lte(until));
    }
    if let Some(ids) = &filter.only {
        cond = cond.add(leavers::Column::Id.is_in(ids.clone()));
    }
    cond
}

/// How many records match a filter (one query; no row is read).
pub async fn count(
    db: &impl ConnectionTrait,
    filter: &ListFilter,
    today: NaiveDate,
) -> Result<u64, DbErr> {
    leavers::Entity::find()
        .filter(condition(filter, today))
        .count(db)
        .await
}

/// One page of the register and the number of matching records (two queries, whatever the
/// number of rows).
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ListFilter,
    today: NaiveDate,
) -> Result<(Vec<leavers::Model>, u64), DbErr> {
    let cond = condition(filter, today);
    let query = leavers::Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    let query = match filter.sort {
        Sort::Name => query.order_by_asc(leavers::Column::SortKey),
        Sort::CaseNumber => query.order_by_asc(leavers::Column::CaseNumber),
        Sort::SupportEnd => query
            .order_by_asc(leavers::Column::SupportEndsOn)
            .order_by_asc(leavers::Column::SortKey),
    };
    let rows = query
        .order_by_asc(leavers::Column::Id)
        .offset(
            Ord::max(filter.page, 1)
                .saturating_sub(1)
                .saturating_mul(PAGE_SIZE),
        )
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    Ok((rows, total))
}
