//! Recording payments. A line, or every scheduled line of a month, is marked paid from a page
//! that first shows what will be recorded (the line, or the count and the totals) with the
//! payment date; nothing is marked on one click.
use askama::Template;
use chrono::NaiveDate;
use entity::payments;
use poem::{
    Response, handler,
    web::{Form, Path, Query},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, sea_query::Expr,
};
use serde::Deserialize;

use crate::{
    allowances::rules::Kind,
    audit::chain::{self as audit, Entry},
    clock::Month,
    db,
    error::{AppError, AppResult},
    i18n::{Yen, format_yen},
    payments::{
        rules,
        rules::Status,
        views::{MonthQuery, month_lines, month_or_current, paid_on_problem},
    },
    web::forms::{FormErrors, parse_date},
    web::{context::Ctx, render::render, render::render_refused, render::see_other},
};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PaidForm {
    paid_on: String,
    version: String,
    month: String,
    /// The number of scheduled lines the page showed (whole-month marking).
    count: String,
    /// Which lines those were: the newest line's id and their sum (whole-month marking).
    lines: String,
}

/// The scheduled lines a page showed, in a few characters: the newest id and the sum. A line
/// paid one by one and another approved since then change it even when the count stays.
fn fingerprint(lines: &[&payments::Model]) -> String {
    let newest = lines.iter().map(|p| p.id).max().unwrap_or(0);
    let sum: Yen = lines.iter().map(|p| p.amount).sum();
    format!("{newest}-{sum}")
}

/// The one line being marked paid.
pub struct LineFacts {
    pub case_number: String,
    pub name: String,
    pub kind: String,
    pub month: String,
    pub amount: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "payments/confirm.html")]
struct ConfirmPage<'a> {
    ctx: &'a Ctx,
    heading: String,
    /// `YYYY-MM`: the month of the line, or the month marked at once.
    month: String,
    line: Option<LineFacts>,
    count: usize,
    /// The lines shown (`fingerprint`), sent back with the whole month's marking.
    lines: String,
    totals: Vec<(String, String)>,
    grand_total: String,
    /// Whether there is anything to mark: the form is shown only then.
    payable: bool,
    post_to: String,
    version: String,
    paid_on: String,
    errors: FormErrors,
}

async fn line_page<'a>(
    ctx: &'a Ctx,
    line: &payments::Model,
    paid_on: String,
    errors: FormErrors,
) -> AppResult<ConfirmPage<'a>> {
    let leaver = crate::leavers::queries::get(&ctx.app.db, line.leaver_id).await?;
    ctx.audit_view(vec![line.leaver_id]).await?;
    let month = Month::of(line.month);
    let payable = rules::transition(line.status, rules::Step::Pay).is_ok();
    let errors = if payable || errors.problem().is_some() {
        errors
    } else {
        FormErrors::problem_only("payments-not-scheduled")
    };
    Ok(ConfirmPage {
        heading: ctx.t("payments-confirm-line-title"),
        month: month.to_string(),
        line: Some(LineFacts {
            case_number: leaver
                .as_ref()
                .map(|l| l.case_number.clone())
                .unwrap_or_default(),
            name: leaver
                .map(|l| format!("{} {}", l.family_name, l.given_name))
                .unwrap_or_default(),
            kind: ctx.t(&line.kind.message_id()),
            month: ctx.tr.month(month),
            amount: format_yen(line.amount),
            status: ctx.t(&format!("payment-status-{}", line.status.as_str())),
        }),
        count: usize::from(payable),
        lines: String::new(),
        totals: Vec::new(),
        grand_total: format_yen(line.amount),
        payable,
        post_to: format!("/payments/{}/paid", line.id),
        version: line.version.to_string(),
        paid_on,
        errors,
        ctx,
    })
}

async fn month_page<'a>(
    ctx: &'a Ctx,
    month: Month,
    paid_on: String,
    errors: FormErrors,
) -> AppResult<ConfirmPage<'a>> {
    let rows = month_lines(&ctx.app.db, month).await?;
    let scheduled: Vec<&payments::Model> = rows
        .iter()
        .map(|(p, _)| p)
        .filter(|p| p.status == Status::Scheduled)
        .collect();
    // The page shows counts and totals, nobody's name: no view of a person is recorded.
    let sum = |kind: Option<Kind>| -> Yen {
        scheduled
            .iter()
            .filter(|p| kind.is_none_or(|k| p.kind == k))
            .map(|p| p.amount)
            .sum()
    };
    let errors = if errors.any() {
        errors
    } else if month > Month::of(ctx.today()) {
        FormErrors::problem_only("payments-future-month")
    } else if scheduled.is_empty() {
        FormErrors::problem_only("payments-none-scheduled")
    } else {
        errors
    };
    Ok(ConfirmPage {
        heading: ctx.t_with(
            "payments-confirm-month-title",
            &[("month", &ctx.tr.month(month))],
        ),
        month: month.to_string(),
        line: None,
        count: scheduled.len(),
        lines: fingerprint(&scheduled),
        totals: Kind::ALL
            .into_iter()
            .map(|k| (ctx.t(&k.message_id()), format_yen(sum(Some(k)))))
            .collect(),
        grand_total: format_yen(sum(None)),
        payable: !scheduled.is_empty() && month <= Month::of(ctx.today()),
        post_to: "/payments/paid".into(),
        version: String::new(),
        paid_on,
        errors,
        ctx,
    })
}

async fn load(ctx: &Ctx, id: i32) -> AppResult<payments::Model> {
    payments::Entity::find_by_id(id)
        .one(&ctx.app.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /payments/{id}/paid`: the line, and the date it was paid.
#[handler]
pub async fn confirm_line(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let line = load(ctx, id).await?;
    let today = ctx.today().to_string();
    render(&line_page(ctx, &line, today, FormErrors::default()).await?)
}

/// `GET /payments/paid?month=`: how many lines of the month, for how much, and the date.
#[handler]
pub async fn confirm_month(ctx: &Ctx, Query(q): Query<MonthQuery>) -> AppResult<Response> {
    let month = month_or_current(ctx, &q.month);
    let today = ctx.today().to_string();
    render(&month_page(ctx, month, today, FormErrors::default()).await?)
}

/// What a webhook is told of a payment: ids, the month, the amount and its status.
pub fn event_data(line: &payments::Model) -> serde_json::Value {
    serde_json::json!({
        "payment_id": line.id,
        "allowance_id": line.allowance_id,
        "leaver_id": line.leaver_id,
        "kind": line.kind.as_str(),
        "month": Month::of(line.month).to_string(),
        "amount": line.amount.0,
        "status": line.status.as_str(),
        "paid_on": line.paid_on,
    })
}

/// Who records a payment as paid: a finance user on the payments page, or an integration
/// (the finance system) through the JSON API with its token.
#[derive(Clone, Copy, Debug)]
pub enum PaidBy {
    User(Option<i32>),
    Token(i32),
}

/// Marks a scheduled line paid on `paid_on` (if it is still at `line.version`), with its audit
/// entry, in `txn`. False when the line changed or is no longer scheduled (nothing written).
pub async fn record_paid(
    txn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    by: PaidBy,
    line: &payments::Model,
    paid_on: NaiveDate,
) -> Result<bool, DbErr> {
    let actor = match by {
        PaidBy::User(user) => user,
        PaidBy::Token(_) => None,
    };
    let result = payments::Entity::update_many()
        .col_expr(payments::Column::Status, Expr::value(Status::Paid))
        .col_expr(payments::Column::PaidOn, Expr::value(Some(paid_on)))
        .col_expr(payments::Column::PaidBy, Expr::value(actor))
        .col_expr(payments::Column::UpdatedAt, Expr::value(now))
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
    let mut summary = format!(
        "leaver {}; allowance {}; month: {}; amount: {}; paid on {paid_on}",
        line.leaver_id,
        line.allowance_id,
        Month::of(line.month),
        line.amount
    );
    if let PaidBy::Token(token) = by {
        summary = format!("{summary}; {}", crate::audit::words::by_token(token));
    }
    let paid = payments::Model {
        status: Status::Paid,
        paid_on: Some(paid_on),
        ..line.clone()
    };
    crate::webhooks::events::emit(
        txn,
        now,
        crate::webhooks::events::Event::PaymentPaid,
        event_data(&paid),
    )
    .await?;
    audit::record(
        txn,
        now,
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

/// The payment date typed, or the message that goes beside its field.
fn paid_on_of(raw: &str) -> Result<NaiveDate, &'static str> {
    match parse_date(raw) {
        Some(d) => Ok(d),
        None if raw.trim().is_empty() => Err("payments-paid-on-required"),
        None => Err("payments-paid-on-invalid"),
    }
}

#[handler]
pub async fn mark_paid(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(f): Form<PaidForm>,
) -> AppResult<Response> {
    let line = load(ctx, id).await?;
    let refuse = async |errors: FormErrors, why: AppError| {
        let page = line_page(ctx, &line, f.paid_on.clone(), errors).await?;
        render_refused(&page, &why)
    };
    let scheduled_on = line
        .created_at
        .with_timezone(&ctx.app.config.time_zone)
        .date_naive();
    let paid_on =
        paid_on_of(&f.paid_on).and_then(|d| match paid_on_problem(d, scheduled_on, ctx.today()) {
            Some(problem) => Err(problem),
            None => Ok(d),
        });
    let payable = rules::transition(line.status, rules::Step::Pay).is_ok();
    if !payable {
        return refuse(
            FormErrors::problem_only("payments-not-scheduled"),
            AppError::Conflict,
        )
        .await;
    }
    if f.version.trim().parse::<i32>().ok() != Some(line.version) {
        return refuse(
            FormErrors::problem_only("payments-line-changed"),
            AppError::Conflict,
        )
        .await;
    }
    let paid_on = match paid_on {
        Ok(d) => d,
        Err(message) => {
            let mut errors = FormErrors::default();
            errors.add("paid_on", message);
            return refuse(errors, AppError::invalid()).await;
        }
    };
    let txn = db::begin_write(&ctx.app.db).await?;
    if !record_paid(&txn, ctx.now(), PaidBy::User(ctx.user_id()), &line, paid_on).await? {
        drop(txn);
        let line = load(ctx, id).await?;
        let page = line_page(
            ctx,
            &line,
            f.paid_on.clone(),
            FormErrors::problem_only("payments-not-scheduled"),
        )
        .await?;
        return render_refused(&page, &AppError::Conflict);
    }
    txn.commit().await?;
    ctx.flash_success("payments-marked");
    Ok(see_other(&format!(
        "/payments?month={}",
        Month::of(line.month)
    )))
}

#[handler]
pub async fn mark_month_paid(ctx: &Ctx, Form(f): Form<PaidForm>) -> AppResult<Response> {
    let Some(month) = Month::parse(&f.month) else {
        let current = month_or_current(ctx, "");
        let errors = FormErrors::problem_only("allowance-month-invalid");
        let page = month_page(ctx, current, f.paid_on.clone(), errors).await?;
        return render_refused(&page, &AppError::invalid());
    };
    let refuse = async |errors: FormErrors, why: AppError| {
        let page = month_page(ctx, month, f.paid_on.clone(), errors).await?;
        render_refused(&page, &why)
    };
    let mut errors = FormErrors::default();
    if month > Month::of(ctx.today()) {
        errors = FormErrors::problem_only("payments-future-month");
    }
    let paid_on = paid_on_of(&f.paid_on);
    if let Err(message) = paid_on {
        errors.add("paid_on", message);
    }
    let Ok(paid_on) = paid_on
        .map_err(|_| ())
        .and_then(|d| if errors.any() { Err(()) } else { Ok(d) })
    else {
        return refuse(errors, AppError::invalid()).await;
    };
    let txn = db::begin_write(&ctx.app.db).await?;
    let scheduled = payments::Entity::find()
        .filter(payments::Column::Month.eq(month.first_day()))
        .filter(payments::Column::Status.eq(Status::Scheduled))
        .all(&txn)
        .await?;
    // Only what the page showed: a line approved since then is looked at first.
    let shown: Vec<&payments::Model> = scheduled.iter().collect();
    let same_lines = f.lines.trim().is_empty() || f.lines.trim() == fingerprint(&shown);
    if f.count.trim().parse::<usize>().ok() != Some(scheduled.len()) || !same_lines {
        drop(txn);
        return refuse(
            FormErrors::problem_only("payments-month-changed"),
            AppError::Conflict,
        )
        .await;
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
        let mut errors = FormErrors::default();
        errors.add("paid_on", problem);
        return refuse(errors, AppError::invalid()).await;
    }
    let mut count = 0;
    for line in &scheduled {
        if record_paid(&txn, ctx.now(), PaidBy::User(ctx.user_id()), line, paid_on).await? {
            count += 1;
        }
    }
    txn.commit().await?;
    ctx.flash_success_with("payments-month-marked", &[("count", &count.to_string())]);
    Ok(see_other(&format!("/payments?month={month}")))
}
