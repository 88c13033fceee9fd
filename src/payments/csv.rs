//! The month's payment lines as a CSV file for the finance system, safe to open in a
//! spreadsheet.
use poem::{IntoResponse, Response, handler, web::Query};

use crate::payments::rules::Status;
use crate::payments::views::{MonthQuery, month_lines, month_or_current, totals};
use crate::{
    clock::Month,
    error::{AppError, AppResult},
    web::context::Ctx,
};

/// Text that a spreadsheet would read as a formula gets a leading apostrophe: a formula sign
/// (full-width ones too, which Excel reads in Japanese input), a tab or a carriage return,
/// first or after invisible characters and spaces a spreadsheet may skip.
pub fn no_formula(cell: &str) -> String {
    let first_seen = cell
        .chars()
        .find(|c| !(crate::web::forms::is_invisible_format(*c) || *c == ' ' || *c == '\u{3000}'));
    let dangerous = cell.starts_with(['\t', '\r'])
        || first_seen.is_some_and(|c| {
            matches!(
                c,
                '=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠' | '\t' | '\r'
            )
        });
    if dangerous {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The month's lines as CSV: UTF-8 with a BOM, CRLF line ends, headers in the user's
/// language, amounts as plain integers; then, after an empty line, a table of totals per kind.
pub async fn csv_bytes(ctx: &Ctx, month: Month) -> AppResult<Vec<u8>> {
    let rows = month_lines(&ctx.app.db, month).await?;
    ctx.audit_export(rows.iter().map(|(p, _)| p.leaver_id).collect())
        .await?;
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        let header: Vec<String> = [
            "case-number",
            "name",
            "kind",
            "month",
            "amount",
            "status",
            "paid-on",
        ]
        .iter()
        .map(|h| ctx.t(&format!("csv-{h}")))
        .collect();
        let csv_err = |e: ::csv::Error| AppError::Internal(e.into());
        w.write_record(&header).map_err(csv_err)?;
        // Cancelled lines are left out, so the amounts add up to the totals below.
        for (p, l) in rows.iter().filter(|(p, _)| p.status != Status::Cancelled) {
            w.write_record([
                l.as_ref()
                    .map(|l| no_formula(&l.case_number))
                    .unwrap_or_default(),
                l.as_ref()
                    .map(|l| no_formula(&format!("{} {}", l.family_name, l.given_name)))
                    .unwrap_or_default(),
                ctx.t(&p.kind.message_id()),
                month.to_string(),
                p.amount.to_string(),
                ctx.t(&format!("payment-status-{}", p.status.as_str())),
                p.paid_on.map(|d| d.to_string()).unwrap_or_default(),
            ])
            .map_err(csv_err)?;
        }
        w.flush().map_err(|e| AppError::Internal(e.into()))?;
    }
    // The totals stand apart, after an empty line and under their own header: a spreadsheet's
    // filter or sum over the lines above never takes them in.
    out.extend_from_slice(b"\r\n");
    {
        let mut w = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        let csv_err = |e: ::csv::Error| AppError::Internal(e.into());
        let header: Vec<String> = ["kind", "month", "scheduled", "paid", "total"]
            .iter()
            .map(|h| ctx.t(&format!("csv-totals-{h}")))
            .collect();
        w.write_record(&header).map_err(csv_err)?;
        for (k, scheduled, paid) in totals(&rows) {
            w.write_record([
                ctx.t(&k.message_id()),
                month.to_string(),
                scheduled.to_string(),
                paid.to_string(),
                (scheduled + paid).to_string(),
            ])
            .map_err(csv_err)?;
        }
        w.flush().map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(out)
}

#[handler]
pub async fn csv(ctx: &Ctx, Query(q): Query<MonthQuery>) -> AppResult<Response> {
    let month = month_or_current(ctx, &q.month);
    let bytes = csv_bytes(ctx, month).await?;
    Ok(bytes
        .with_content_type("text/csv; charset=utf-8")
        .with_header(
            "Content-Disposition",
            format!("attachment; filename=\"payments-{month}.csv\""),
        )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::no_formula;

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        for cell in [
            "=1+1",
            "+81",
            "-2",
            "@SUM(A1)",
            "＝HYPERLINK(\"x\")",
            "＋1",
            "－1",
            "＠x",
            "\u{200B}=1+1",
            "\u{FEFF}\u{200B}＝1",
            "  =1",
            "\tx",
        ] {
            assert_eq!(no_formula(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["SP-1", "山田 花子", "a=b", "1-2"] {
            assert_eq!(no_formula(cell), cell, "{cell:?}");
        }
    }
}
