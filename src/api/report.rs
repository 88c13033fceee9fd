//! The fiscal-year report's figures through the API (scope `reports:read`), with the same
//! small-cell rule as the page: a count of people below the minimum is not given.
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use crate::{
    api::{caller::Token, problem::Problem, tokens::Scope},
    reports::figures::annual,
};

/// One figure of the report.
#[derive(Object)]
pub struct Figure {
    /// `people`, `by_placement`, `by_age`, `consultations`, `by_channel`, `by_topic`,
    /// `allowance_months`, `allowance_yen` or `extensions`.
    pub section: String,
    /// What is counted, by code (a placement type, an age, a channel…).
    pub item: String,
    /// The figure; absent when it counts fewer people than `min_cell` (but some).
    pub value: Option<i64>,
    pub suppressed: bool,
}

#[derive(Object)]
pub struct FiscalYearReport {
    /// The fiscal year, by the calendar year it starts in.
    pub fiscal_year: i32,
    pub first_day: chrono::NaiveDate,
    pub last_day: chrono::NaiveDate,
    /// Counts of people below this (and above zero) are suppressed.
    pub min_cell: u64,
    pub figures: Vec<Figure>,
}

pub struct ReportApi;

#[OpenApi(tag = "crate::api::tags::Tag::Reports")]
impl ReportApi {
    /// The figures of one fiscal year (scope `reports:read`).
    #[oai(
        path = "/reports/fiscal-years/:year",
        method = "get",
        operation_id = "getFiscalYearReport"
    )]
    async fn fiscal_year(
        &self,
        Token(caller): Token,
        /// The calendar year the fiscal year starts in (2000 to 2100).
        year: Path<i32>,
    ) -> Result<Json<FiscalYearReport>, Problem> {
        caller.require(Scope::ReportsRead)?;
        if !(2000..=2100).contains(&year.0) {
            return Err(Problem::invalid(vec![crate::api::problem::FieldProblem {
                field: "year".into(),
                code: "api-invalid-year".into(),
                detail: "A year from 2000 to 2100.".into(),
            }]));
        }
        let r = annual(&caller.state, year.0).await?;
        caller
            .record(
                &format!("GET /api/v1/reports/fiscal-years/{}", year.0),
                vec![],
            )
            .await?;
        let min_cell = u64::from(caller.state.config.report_min_cell);
        let mut figures = Vec::new();
        let people = |section: &str, item: &str, n: u64| {
            let suppressed = n > 0 && n < min_cell;
            Figure {
                section: section.into(),
                item: item.into(),
                value: (!suppressed).then(|| i64::try_from(n).unwrap_or(i64::MAX)),
                suppressed,
            }
        };
        let count = |section: &str, item: &str, n: i64| Figure {
            section: section.into(),
            item: item.into(),
            value: Some(n),
            suppressed: false,
        };
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        figures.push(people("people", "supported", r.supported));
        figures.push(people("people", "started", r.started));
        figures.push(people("people", "ended", r.ended));
        for (code, v) in &r.by_placement {
            figures.push(people("by_placement", code, *v));
        }
        for (age, v) in &r.by_age {
            figures.push(people("by_age", &age.to_string(), *v));
        }
        figures.push(count("consultations", "held", n(r.consultations)));
        for (code, v) in &r.by_channel {
            figures.push(count("by_channel", code, n(*v)));
        }
        for (code, v) in &r.by_topic {
            figures.push(count("by_topic", code, n(*v)));
        }
        for (code, (months, yen)) in &r.paid {
            figures.push(count("allowance_months", code, n(*months)));
            figures.push(count("allowance_yen", code, yen.0));
        }
        for (code, v) in &r.extensions {
            figures.push(people("extensions", code, *v));
        }
        Ok(Json(FiscalYearReport {
            fiscal_year: r.fy,
            first_day: r.first_day,
            last_day: r.last_day,
            min_cell,
            figures,
        }))
    }
}
