//! The register's list: search, filters, sort order and paging, in two queries whatever the
//! number of records.
use chrono::{Days, NaiveDate};
use entity::leavers;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, FromQueryResult,
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

/// What a line of the register list shows, and nothing more: reading whole records (thirty
/// columns, timestamps parsed) cost the page most of its time.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Line {
    pub id: i32,
    pub case_number: String,
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub date_of_birth: NaiveDate,
    pub support_ends_on: NaiveDate,
    pub status: Status,
    pub coordinator_id: Option<i32>,
}

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
    count_where(db, condition(filter, today)).await
}

/// `SELECT COUNT(*) … WHERE`, not a count over a subquery of whole rows (what a paginator
/// writes): SQLite then counts from the narrowest index, and with no condition at all from the
/// table's pages without reading a row.
async fn count_where(db: &impl ConnectionTrait, cond: Condition) -> Result<u64, DbErr> {
    let n: Option<i64> = leavers::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(cond)
        .into_tuple()
        .one(db)
        .await?;
    Ok(n.unwrap_or(0).try_into().unwrap_or(0))
}

/// One page of the register and the number of matching records (two queries, whatever the
/// number of rows).
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ListFilter,
    today: NaiveDate,
) -> Result<(Vec<Line>, u64), DbErr> {
    let cond = condition(filter, today);
    let total = count_where(db, cond.clone()).await?;
    let query = leavers::Entity::find().filter(cond);
    let query = match filter.sort {
        Sort::Name => query.order_by_asc(leavers::Column::SortKey),
        Sort::CaseNumber => query.order_by_asc(leavers::Column::CaseNumber),
        Sort::SupportEnd => query
            .order_by_asc(leavers::Column::SupportEndsOn)
            .order_by_asc(leavers::Column::SortKey),
    };
    use leavers::Column as C;
    let rows = query
        .select_only()
        .columns([
            C::Id,
            C::CaseNumber,
            C::FamilyName,
            C::GivenName,
            C::FamilyNameKana,
            C::GivenNameKana,
            C::DateOfBirth,
            C::SupportEndsOn,
            C::Status,
            C::CoordinatorId,
        ])
        .order_by_asc(leavers::Column::Id)
        .offset(
            Ord::max(filter.page, 1)
                .saturating_sub(1)
                .saturating_mul(PAGE_SIZE),
        )
        .limit(PAGE_SIZE)
        .into_model::<Line>()
        .all(db)
        .await?;
    Ok((rows, total))
}
