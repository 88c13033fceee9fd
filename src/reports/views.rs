//! `/reports/annual?fy=YYYY` and `/reports/annual.csv?fy=YYYY`: the same figures as a page
//! with charts and as CSV (UTF-8 with BOM, small cells hidden).
use askama::Template;
use poem::{IntoResponse, Response, handler, web::Query};
use serde::Deserialize;

use crate::{
    allowances::rules::Kind,
    consultations::rules::{Channel, Topic},
    error::{AppError, AppResult},
    extensions::rules::Reason,
    i18n::{Tr, format_yen},
    leavers::rules::PlacementType,
    reports::{figures::AnnualReport, figures::annual, figures::people_cell},
    web::{context::Ctx, render::render},
};

/// Rows of (section, item, value) in the reader's language: what the CSV and the command
/// line print.
pub fn rows(r: &AnnualReport, tr: &Tr, min_cell: u64) -> Vec<[String; 3]> {
    let people = |n: u64| people_cell(n, min_cell);
    let mut out = Vec::new();
    let mut push =
        |section: &str, item: String, value: String| out.push([tr.t(section), item, value]);
    push(
        "report-people",
        tr.t("report-supported"),
        people(r.supported),
    );
    push("report-people", tr.t("report-started"), people(r.started));
    push("report-people", tr.t("report-ended"), people(r.ended));
    for p in PlacementType::ALL {
        push(
            "report-by-placement",
            tr.t(&p.message_id()),
            people(*r.by_placement.get(p.as_str()).unwrap_or(&0)),
        );
    }
    for (age, n) in &r.by_age {
        push("report-by-age", age.to_string(), people(*n));
    }
    push(
        "report-consultations",
        tr.t("report-held"),
        r.consultations.to_string(),
    );
    for c in Channel::ALL {
        push(
            "report-by-channel",
            tr.t(&c.message_id()),
            r.by_channel.get(c.as_str()).unwrap_or(&0).to_string(),
        );
    }
    for t in Topic::ALL {
        push(
            "report-by-topic",
            tr.t(&t.message_id()),
            r.by_topic.get(t.as_str()).unwrap_or(&0).to_string(),
        );
    }
    for k in Kind::ALL {
        let (months, yen) = r.paid.get(k.as_str()).copied().unwrap_or_default();
        push(
            "report-allowance-months",
            tr.t(&k.message_id()),
            months.to_string(),
        );
        push(
            "report-allowance-yen",
            tr.t(&k.message_id()),
            yen.to_string(),
        );
    }
    for reason in Reason::ALL {
        push(
            "report-extensions",
            tr.t(&reason.message_id()),
            people(*r.extensions.get(reason.as_str()).unwrap_or(&0)),
        );
    }
    out
}

pub fn csv_bytes(r: &AnnualReport, tr: &Tr, min_cell: u64) -> anyhow::Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record([
            tr.t("report-csv-section"),
            tr.t("report-csv-item"),
            tr.t("report-csv-value"),
        ])?;
        for row in rows(r, tr, min_cell) {
            w.write_record(&row)?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// One line of a report table: its label, its value as shown, and its bar's length in
/// percent of the longest (the value is always written beside the bar).
pub struct Bar {
    pub label: String,
    pub value: String,
    pub percent: u64,
}

pub struct Table {
    pub title: String,
    pub bars: Vec<Bar>,
}

fn table(title: String, rows: Vec<(String, u64, String)>) -> Table {
    // A cell hidden as too small (shown as "<N") draws no bar and counts for nothing in the
    // scale: its length would give the number away.
    let hidden = |shown: &str| shown.starts_with('<');
    let top = rows
        .iter()
        .filter(|r| !hidden(&r.2))
        .map(|r| r.1)
        .max()
        .unwrap_or(0)
        .max(1);
    Table {
        title,
        bars: rows
            .into_iter()
            .map(|(label, n, value)| Bar {
                percent: if hidden(&value) {
                    0
                } else {
                    n.saturating_mul(100) / top
                },
                label,
                value,
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "reports/annual.html")]
struct ReportPage<'a> {
    ctx: &'a Ctx,
    fy: i32,
    heading: String,
    tables: Vec<Table>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FyQuery {
    fy: String,
}

fn fy_of(ctx: &Ctx, raw: &str) -> i32 {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| crate::budget::views::current_fy(ctx))
}

#[handler]
pub async fn page(ctx: &Ctx, Query(q): Query<FyQuery>) -> AppResult<Response> {
    let fy = fy_of(ctx, &q.fy);
    let r = annual(&ctx.app, fy).await?;
    let min = ctx.app.config.report_min_cell.into();
    let people = |n: u64| people_cell(n, min);
    let t = |id: &str| ctx.t(id);
    let tables = vec![
        table(
            t("report-people"),
            vec![
                (t("report-supported"), r.supported, people(r.supported)),
                (t("report-started"), r.started, people(r.started)),
                (t("report-ended"), r.ended, people(r.ended)),
            ],
        ),
        table(
            t("report-by-placement"),
            PlacementType::ALL
                .iter()
                .map(|p| {
                    let n = *r.by_placement.get(p.as_str()).unwrap_or(&0);
                    (t(&p.message_id()), n, people(n))
                })
                .collect(),
        ),
        table(
            t("report-by-age"),
            r.by_age
                .iter()
                .map(|(a, n)| (a.to_string(), *n, people(*n)))
                .collect(),
        ),
        table(
            t("report-by-channel"),
            Channel::ALL
                .iter()
                .map(|c| {
                    let n = *r.by_channel.get(c.as_str()).unwrap_or(&0);
                    (t(&c.message_id()), n, n.to_string())
                })
                .collect(),
        ),
        table(
            t("report-by-topic"),
            Topic::ALL
                .iter()
                .map(|x| {
                    let n = *r.by_topic.get(x.as_str()).unwrap_or(&0);
                    (t(&x.message_id()), n, n.to_string())
                })
                .collect(),
        ),
        table(
            t("report-allowance-paid"),
            Kind::ALL
                .iter()
                .map(|k| {
                    let (months, yen) = r.paid.get(k.as_str()).copied().unwrap_or_default();
                    (
                        format!("{} ({months})", t(&k.message_id())),
                        yen.get().max(0) as u64,
                        format_yen(yen),
                    )
                })
                .collect(),
        ),
        table(
            t("report-extensions"),
            Reason::ALL
                .iter()
                .map(|x| {
                    let n = *r.extensions.get(x.as_str()).unwrap_or(&0);
                    (t(&x.message_id()), n, people(n))
                })
                .collect(),
        ),
    ];
    render(&ReportPage {
        ctx,
        fy,
        heading: ctx.t_with("budget-fiscal-year", &[("fy", &fy.to_string())]),
        tables,
    })
}

#[handler]
pub async fn csv(ctx: &Ctx, Query(q): Query<FyQuery>) -> AppResult<Response> {
    let fy = fy_of(ctx, &q.fy);
    let r = annual(&ctx.app, fy).await?;
    let bytes = csv_bytes(&r, &ctx.tr, ctx.app.config.report_min_cell.into())
        .map_err(AppError::Internal)?;
    Ok(bytes
        .with_content_type("text/csv; charset=utf-8")
        .with_header(
            "Content-Disposition",
            format!("attachment; filename=\"annual-report-{fy}.csv\""),
        )
        .into_response())
}
