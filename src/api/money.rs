//! Allowances and payments through the API, and the one write an integration may make:
//! the finance system reporting that a payment was transferred (`payments:write`). Nothing
//! here decides an allowance: approving stays a person's step.
use chrono::{DateTime, NaiveDate, Utc};
use entity::{allowances, payments};
use poem_openapi::{
    Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    api::{
        caller::Token,
        paging::{self, one_response},
        problem::{FieldProblem, Problem},
        register::code_filter,
        tokens::Scope,
    },
    clock::Month,
    db,
    i18n::Lang,
    payments::{
        paying::{PaidBy, record_paid},
        views::paid_on_problem,
    },
    web::forms::parse_date,
};

/// A housing or living allowance.
#[derive(Object, Clone)]
pub struct Allowance {
    pub id: i32,
    pub leaver_id: i32,
    /// `housing` or `living`.
    pub kind: String,
    /// Whole yen a month.
    pub monthly_amount: i64,
    /// `YYYY-MM`.
    pub start_month: String,
    /// `YYYY-MM`.
    pub end_month: String,
    /// `draft`, `submitted`, `approved`, `rejected`, `withdrawn` or `stopped`.
    pub status: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Object)]
pub struct AllowancePage {
    pub items: Vec<Allowance>,
    pub next_cursor: Option<String>,
}

/// One month's payment of an allowance.
#[derive(Object, Clone)]
pub struct Payment {
    pub id: i32,
    pub allowance_id: i32,
    pub leaver_id: i32,
    pub kind: String,
    /// `YYYY-MM`.
    pub month: String,
    pub amount: i64,
    /// `scheduled`, `paid` or `cancelled`.
    pub status: String,
    pub paid_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Object)]
pub struct PaymentPage {
    pub items: Vec<Payment>,
    pub next_cursor: Option<String>,
}

/// The finance system's report of a transfer.
#[derive(Object)]
pub struct PaidRequest {
    /// The day the money was transferred (`YYYY-MM-DD`): not in the future, not before the
    /// payment was scheduled.
    pub paid_on: Option<String>,
}

one_response!(AllowanceResponse, Allowance);
one_response!(PaymentResponse, Payment);

fn allowance(a: allowances::Model) -> Allowance {
    Allowance {
        id: a.id,
        leaver_id: a.leaver_id,
        kind: a.kind.as_str().into(),
        monthly_amount: a.monthly_amount.0,
        start_month: Month::of(a.start_month).to_string(),
        end_month: Month::of(a.end_month).to_string(),
        status: a.status.as_str().into(),
        decided_at: a.decided_at,
        updated_at: a.updated_at,
    }
}

fn payment(p: payments::Model) -> Payment {
    Payment {
        id: p.id,
        allowance_id: p.allowance_id,
        leaver_id: p.leaver_id,
        kind: p.kind.as_str().into(),
        month: Month::of(p.month).to_string(),
        amount: p.amount.0,
        status: p.status.as_str().into(),
        paid_on: p.paid_on,
        updated_at: p.updated_at,
    }
}

pub struct MoneyApi;

#[OpenApi(tag = "crate::api::tags::Tag::Money")]
impl MoneyApi {
    /// Allowances, by id, a page at a time (scope `allowances:read`).
    #[oai(path = "/allowances", method = "get", operation_id = "listAllowances")]
    async fn allowances(
        &self,
        Token(caller): Token,
        /// Only this care leaver's.
        leaver_id: Query<Option<i32>>,
        /// `draft`, `submitted`, `approved`, `rejected`, `withdrawn` or `stopped`.
        status: Query<Option<String>>,
        /// `housing` or `living`.
        kind: Query<Option<String>>,
        /// The `next_cursor` of the previous page (none for the first).
        cursor: Query<Option<String>>,
        /// Items a page holds: 50 unless asked, at most 200.
        limit: Query<Option<u64>>,
    ) -> Result<Json<AllowancePage>, Problem> {
        caller.require(Scope::AllowancesRead)?;
        let mut problems = Vec::new();
        let status = code_filter(
            "status",
            status.0.as_deref(),
            &allowances::Status::ALL,
            allowances::Status::as_str,
            &mut problems,
        );
        let kind = code_filter(
            "kind",
            kind.0.as_deref(),
            &allowances::Kind::ALL,
            allowances::Kind::as_str,
            &mut problems,
        );
        if !problems.is_empty() {
            return Err(Problem::invalid(problems));
        }
        let limit = paging::limit(limit.0);
        let mut q = allowances::Entity::find().order_by_asc(allowances::Column::Id);
        if let Some(after) = paging::after(cursor.0.as_deref())? {
            q = q.filter(allowances::Column::Id.gt(after));
        }
        if let Some(l) = leaver_id.0 {
            q = q.filter(allowances::Column::LeaverId.eq(l));
        }
        if let Some(s) = status {
            q = q.filter(allowances::Column::Status.eq(s));
        }
        if let Some(k) = kind {
            q = q.filter(allowances::Column::Kind.eq(k));
        }
        let rows = q.limit(limit + 1).all(&caller.state.db).await?;
        let (rows, next_cursor) = paging::split(rows, limit, |a| a.id);
        caller
            .record(
                "GET /api/v1/allowances",
                rows.iter().map(|a| a.leaver_id).collect(),
            )
            .await?;
        Ok(Json(AllowancePage {
            items: rows.into_iter().map(allowance).collect(),
            next_cursor,
        }))
    }

    /// One allowance (scope `allowances:read`).
    #[oai(
        path = "/allowances/:id",
        method = "get",
        operation_id = "getAllowance"
    )]
    async fn allowance(
        &self,
        Token(caller): Token,
        id: Path<i32>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<AllowanceResponse, Problem> {
        caller.require(Scope::AllowancesRead)?;
        let a = allowances::Entity::find_by_id(id.0)
            .one(&caller.state.db)
            .await?
            .ok_or_else(Problem::not_found)?;
        caller
            .record("GET /api/v1/allowances/{id}", vec![a.leaver_id])
            .await?;
        Ok(AllowanceResponse::of(
            allowance(a),
            if_none_match.0.as_deref(),
        ))
    }

    /// Payments, by id, a page at a time (scope `payments:read`).
    #[oai(path = "/payments", method = "get", operation_id = "listPayments")]
    async fn payments(
        &self,
        Token(caller): Token,
        /// `YYYY-MM`.
        month: Query<Option<String>>,
        /// `scheduled`, `paid` or `cancelled`.
        status: Query<Option<String>>,
        /// Only this care leaver's.
        leaver_id: Query<Option<i32>>,
        /// The `next_cursor` of the previous page (none for the first).
        cursor: Query<Option<String>>,
        /// Items a page holds: 50 unless asked, at most 200.
        limit: Query<Option<u64>>,
    ) -> Result<Json<PaymentPage>, Problem> {
        caller.require(Scope::PaymentsRead)?;
        let mut problems = Vec::new();
        let month = month.0.as_deref().and_then(|m| {
            let found = Month::parse(m);
            if found.is_none() {
                problems.push(FieldProblem {
                    field: "month".into(),
                    code: "allowance-month-invalid".into(),
                    detail: "A month such as 2026-04.".into(),
                });
            }
            found
        });
        let status = code_filter(
            "status",
            status.0.as_deref(),
            &payments::Status::ALL,
            payments::Status::as_str,
            &mut problems,
        );
        if !problems.is_empty() {
            return Err(Problem::invalid(problems));
        }
        let limit = paging::limit(limit.0);
        let mut q = payments::Entity::find().order_by_asc(payments::Column::Id);
        if let Some(after) = paging::after(cursor.0.as_deref())? {
            q = q.filter(payments::Column::Id.gt(after));
        }
        if let Some(m) = month {
            q = q.filter(payments::Column::Month.eq(m.first_day()));
        }
        if let Some(s) = status {
            q = q.filter(payments::Column::Status.eq(s));
        }
        if let Some(l) = leaver_id.0 {
            q = q.filter(payments::Column::LeaverId.eq(l));
        }
        let rows = q.limit(limit + 1).all(&caller.state.db).await?;
        let (rows, next_cursor) = paging::split(rows, limit, |p| p.id);
        caller
            .record(
                "GET /api/v1/payments",
                rows.iter().map(|p| p.leaver_id).collect(),
            )
            .await?;
        Ok(Json(PaymentPage {
            items: rows.into_iter().map(payment).collect(),
            next_cursor,
        }))
    }

    /// One payment (scope `payments:read`).
    #[oai(path = "/payments/:id", method = "get", operation_id = "getPayment")]
    async fn payment(
        &self,
        Token(caller): Token,
        id: Path<i32>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<PaymentResponse, Problem> {
        caller.require(Scope::PaymentsRead)?;
        let p = payments::Entity::find_by_id(id.0)
            .one(&caller.state.db)
            .await?
            .ok_or_else(Problem::not_found)?;
        caller
            .record("GET /api/v1/payments/{id}", vec![p.leaver_id])
            .await?;
        Ok(PaymentResponse::of(payment(p), if_none_match.0.as_deref()))
    }

    /// Reports that a scheduled payment was transferred (scope `payments:write`). Sending the
    /// same report again answers with the payment as it is; `If-Match` (its ETag) refuses the
    /// report when the payment changed since it was read.
    #[oai(
        path = "/payments/:id/paid",
        method = "post",
        operation_id = "markPaymentPaid"
    )]
    async fn mark_paid(
        &self,
        Token(caller): Token,
        id: Path<i32>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: Json<PaidRequest>,
    ) -> Result<Json<Payment>, Problem> {
        caller.require(Scope::PaymentsWrite)?;
        let state = &caller.state;
        let line = payments::Entity::find_by_id(id.0)
            .one(&state.db)
            .await?
            .ok_or_else(Problem::not_found)?;
        let tr = state.catalogs.translator(Lang::En);
        let field = |code: &'static str| {
            Problem::invalid(vec![FieldProblem {
                field: "paid_on".into(),
                code: code.into(),
                detail: tr.t(code),
            }])
        };
        let raw = body.0.paid_on.unwrap_or_default();
        let paid_on = match parse_date(&raw) {
            Some(d) => d,
            None if raw.trim().is_empty() => return Err(field("payments-paid-on-required")),
            None => return Err(field("payments-paid-on-invalid")),
        };
        // The same report sent again (a retry, with or without the ETag it first sent)
        // changes nothing and is not an error.
        if line.status == payments::Status::Paid && line.paid_on == Some(paid_on) {
            caller
                .record("POST /api/v1/payments/{id}/paid", vec![line.leaver_id])
                .await?;
            return Ok(Json(payment(line)));
        }
        if let Some(expected) = if_match.0.as_deref()
            && !paging::matches_strongly(expected, &paging::etag_of(&payment(line.clone())))
        {
            return Err(Problem::precondition_failed());
        }
        if line.status != payments::Status::Scheduled {
            return Err(Problem::conflict(&tr.t("payments-not-scheduled")));
        }
        let tz = state.config.time_zone;
        let scheduled_on = line.created_at.with_timezone(&tz).date_naive();
        if let Some(code) = paid_on_problem(paid_on, scheduled_on, state.clock.today(tz)) {
            return Err(field(code));
        }
        let now = caller.now();
        let txn = db::begin_write(&state.db).await?;
        let done = record_paid(&txn, now, PaidBy::Token(caller.token.id), &line, paid_on).await?;
        if done {
            txn.commit().await?;
        } else {
            drop(txn);
        }
        let line = payments::Entity::find_by_id(line.id)
            .one(&state.db)
            .await?
            .ok_or_else(Problem::not_found)?;
        // Two identical reports at once: the second finds the first's work done.
        let reported = line.status == payments::Status::Paid && line.paid_on == Some(paid_on);
        if !done && !reported {
            return Err(Problem::conflict(&tr.t("payments-line-changed")));
        }
        Ok(Json(payment(line)))
    }
}
