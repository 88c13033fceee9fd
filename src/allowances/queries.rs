//! Reads and writes of allowances and their payment lines. Every write records its audit entry
//! in the same transaction; decisions apply only to the version the decider saw.
use chrono::{DateTime, NaiveDate, Utc};
use entity::payments::Status as PaymentStatus;
use entity::{allowances, leavers, payments};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, sea_query::Expr,
};

use crate::{
    allowances::{
        forms::AllowanceInput,
        rules::{self, Action, Actor, Caps, Kind, Refusal, Status},
    },
    audit::chain::{self as audit, Entry},
    budget::figures as budget,
    clock::Month,
    error::AppError,
    i18n::Yen,
    web::forms::is_storable_text,
};

pub const ENTITY: &str = "allowance";

#[derive(Debug, thiserror::Error)]
pub enum AllowanceError {
    #[error("the request changed since it was opened")]
    Stale,
    #[error("no such request")]
    NotFound,
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error("the leaver's record is closed")]
    LeaverClosed,
    #[error("{0} lies outside the support window")]
    OutsideWindow(Month),
    #[error("overlaps another live request of the same kind")]
    Overlap,
    #[error("the note is too long or holds a character it must not")]
    NoteInvalid,
    #[error("the monthly amount is over the cap")]
    OverCap,
    /// Approving would spend more than a fiscal year's budget: the decider confirms first.
    #[error("over budget in {0:?}")]
    OverBudget(Vec<(i32, Yen)>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<AllowanceError> for AppError {
    fn from(e: AllowanceError) -> Self {
        match e {
            AllowanceError::Stale | AllowanceError::Refused(Refusal::WrongStatus) => {
                AppError::Conflict
            }
            AllowanceError::Refused(Refusal::NoteRequired) => {
                AppError::invalid_field("note", "allowance-note-required")
            }
            AllowanceError::NoteInvalid => AppError::invalid_field("note", "leaver-text-too-long"),
            AllowanceError::Refused(
                Refusal::WrongRole | Refusal::OwnRequest | Refusal::NotRequester,
            ) => AppError::Forbidden,
            AllowanceError::NotFound => AppError::NotFound,
            AllowanceError::LeaverClosed
            | AllowanceError::OutsideWindow(_)
            | AllowanceError::Overlap
            | AllowanceError::OverCap
            | AllowanceError::OverBudget(_) => AppError::invalid(),
            AllowanceError::Db(e) => AppError::Db(e),
        }
    }
}

/// What an entry about a request says of it: the person, the kind, the months and the amount.
pub(crate) fn request_summary(
    leaver_id: i32,
    kind: Kind,
    (start, end): (Month, Month),
    monthly: Yen,
) -> String {
    format!(
        "leaver {leaver_id}; kind: {}; months: {start}..{end}; monthly: {monthly}",
        kind.as_str()
    )
}

/// Records an audit entry about request `id`, in the transaction of the write it describes.
pub(crate) async fn record(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    action: &str,
    id: i32,
    summary: &str,
) -> Result<(), DbErr> {
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(actor),
            action,
            entity: ENTITY,
            entity_id: Some(id.into()),
            summary,
        },
    )
    .await
    .map(drop)
}

pub fn months(a: &allowances::Model) -> (Month, Month) {
    (Month::of(a.start_month), Month::of(a.end_month))
}

pub fn status(a: &allowances::Model) -> Status {
    a.status
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<allowances::Model>, DbErr> {
    allowances::Entity::find_by_id(id).one(db).await
}

pub async fn for_leaver(
    db: &impl ConnectionTrait,
    leaver_id: i32,
) -> Result<Vec<allowances::Model>, DbErr> {
    allowances::Entity::find()
        .filter(allowances::Column::LeaverId.eq(leaver_id))
        .order_by_desc(allowances::Column::StartMonth)
        .order_by_desc(allowances::Column::Id)
        .all(db)
        .await
}

/// The rules that need the register: an open record, every month inside the support window,
/// no overlap with another live request of the same kind.
pub(crate) async fn check_fits(
    txn: &impl ConnectionTrait,
    leaver: &leavers::Model,
    kind: Kind,
    range: (Month, Month),
    except: Option<i32>,
) -> Result<(), AllowanceError> {
    if leaver.status == entity::leavers::Status::Closed {
        return Err(AllowanceError::LeaverClosed);
    }
    if let Some(m) = rules::first_month_outside(
        range.0,
        range.1,
        leaver.support_starts_on,
        leaver.support_ends_on,
    ) {
        return Err(AllowanceError::OutsideWindow(m));
    }
    let mut others = allowances::Entity::find()
        .filter(allowances::Column::LeaverId.eq(leaver.id))
        .filter(allowances::Column::Kind.eq(kind.as_str()))
        .filter(allowances::Column::Status.is_in([Status::Submitted, Status::Approved]));
    if let Some(id) = except {
        others = others.filter(allowances::Column::Id.ne(id));
    }
    if others
        .all(txn)
        .await?
        .iter()
        .any(|o| rules::overlaps(months(o), range))
    {
        return Err(AllowanceError::Overlap);
    }
    // A stopped allowance keeps its paid and current months: they are never paid twice.
    let mut lines = payments::Entity::find()
        .filter(payments::Column::LeaverId.eq(leaver.id))
        .filter(payments::Column::Kind.eq(kind.as_str()))
        .filter(payments::Column::Status.is_in([PaymentStatus::Scheduled, PaymentStatus::Paid]))
        .filter(payments::Column::Month.gte(range.0.first_day()))
        .filter(payments::Column::Month.lte(range.1.first_day()));
    if let Some(id) = except {
        lines = lines.filter(payments::Column::AllowanceId.ne(id));
    }
    if lines.count(txn).await? > 0 {
        return Err(AllowanceError::Overlap);
    }
    Ok(())
}

pub async fn create(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    leaver: &leavers::Model,
    input: &AllowanceInput,
) -> Result<allowances::Model, AllowanceError> {
    check_fits(txn, leaver, input.kind, (input.start, input.end), None).await?;
    let saved = allowances::ActiveModel {
        leaver_id: Set(leaver.id),
        kind: Set(input.kind),
        monthly_amount: Set(input.monthly_amount),
        start_month: Set(input.start.first_day()),
        end_month: Set(input.end.first_day()),
        reason: Set(input.reason.clone()),
        status: Set(Status::Draft),
        requested_by: Set(Some(actor)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let summary = request_summary(
        leaver.id,
        input.kind,
        (input.start, input.end),
        input.monthly_amount,
    );
    record(txn, now, actor, "create", saved.id, &summary).await?;
    Ok(saved)
}

/// A step asked for on the request as it was at `version`.
pub struct Step<'a> {
    pub version: i32,
    pub action: Action,
    pub note: Option<&'a str>,
    /// The decider has seen that approving goes over the budget and approves anyway.
    pub over_budget_confirmed: bool,
}

/// The settings a step is checked against.
pub struct StepRules {
    pub caps: Caps,
    pub fiscal_year_start: (u32, u32),
}

/// Applies a step to the request as it was at its version: exactly one of several
/// simultaneous decisions wins, the others are refused as stale and change nothing.
///
/// Checked in this order: who may take the step (whatever else is wrong), the note, the cap
/// (which may have been lowered since the request was made), the budget (an approval that
/// overspends waits for the decider's confirmation), then the version and the register.
pub async fn act(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor: Actor,
    id: i32,
    step: &Step<'_>,
    limits: &StepRules,
) -> Result<allowances::Model, AllowanceError> {
    let (version, action, note) = (step.version, step.action, step.note);
    let before = get(txn, id).await?.ok_or(AllowanceError::NotFound)?;
    if let Err(refusal @ (Refusal::WrongRole | Refusal::OwnRequest | Refusal::NotRequester)) =
        rules::transition(
            before.status,
            action,
            actor,
            before.requested_by,
            Some("note"),
        )
    {
        return Err(AllowanceError::Refused(refusal));
    }
    if note.is_some_and(|n| !is_storable_text(n)) {
        return Err(AllowanceError::NoteInvalid);
    }
    if matches!(action, Action::Submit | Action::Approve)
        && before.monthly_amount > limits.caps.of(before.kind)
    {
        return Err(AllowanceError::OverCap);
    }
    if action == Action::Approve
        && before.status == Status::Submitted
        && before.version == version
        && !step.over_budget_confirmed
    {
        let over = budget::overrun(
            txn,
            before.kind,
            months(&before),
            before.monthly_amount,
            limits.fiscal_year_start,
        )
        .await?;
        if !over.is_empty() {
            return Err(AllowanceError::OverBudget(over));
        }
    }
    if before.version != version {
        return Err(AllowanceError::Stale);
    }
    let from = status(&before);
    let to = rules::transition(from, action, actor, before.requested_by, note)
        .map_err(AllowanceError::Refused)?;
    if matches!(action, Action::Submit | Action::Approve) {
        let leaver = leavers::Entity::find_by_id(before.leaver_id)
            .one(txn)
            .await?
            .ok_or(AllowanceError::NotFound)?;
        let kind = before.kind;
        check_fits(txn, &leaver, kind, months(&before), Some(id)).await?;
    }
    let deciding = matches!(action, Action::Approve | Action::Reject | Action::Stop);
    let mut update = allowances::Entity::update_many()
        .col_expr(allowances::Column::Status, Expr::value(to))
        .col_expr(
            allowances::Column::Version,
            Expr::col(allowances::Column::Version).add(1),
        )
        .col_expr(allowances::Column::UpdatedAt, Expr::value(now));
    if action == Action::Submit {
        update = update.col_expr(allowances::Column::SubmittedAt, Expr::value(Some(now)));
    }
    if deciding {
        update = update
            .col_expr(allowances::Column::DecidedBy, Expr::value(Some(actor.id)))
            .col_expr(allowances::Column::DecidedAt, Expr::value(Some(now)))
            .col_expr(
                allowances::Column::DecisionNote,
                Expr::value(note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty())),
            );
    }
    let result = update
        .filter(allowances::Column::Id.eq(id))
        .filter(allowances::Column::Version.eq(version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AllowanceError::Stale);
    }
    let mut summary = format!(
        "leaver {}; status: {} → {}",
        before.leaver_id,
        from.as_str(),
        to.as_str()
    );
    match action {
        Action::Approve => {
            let (start, end) = months(&before);
            let lines: Vec<payments::ActiveModel> = start
                .through(end)
                .into_iter()
                .map(|m| payments::ActiveModel {
                    allowance_id: Set(id),
                    leaver_id: Set(before.leaver_id),
                    kind: Set(before.kind),
                    month: Set(m.first_day()),
                    amount: Set(before.monthly_amount),
                    status: Set(PaymentStatus::Scheduled),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .collect();
            summary.push_str(&format!("; payment lines: {}", lines.len()));
            payments::Entity::insert_many(lines)
                .exec_without_returning(txn)
                .await?;
        }
        Action::Stop => {
            // Unpaid months that have not begun are cancelled; paid ones stay.
            let cancelled = payments::Entity::update_many()
                .col_expr(
                    payments::Column::Status,
                    Expr::value(PaymentStatus::Cancelled),
                )
                .col_expr(payments::Column::UpdatedAt, Expr::value(now))
                .col_expr(
                    payments::Column::Version,
                    Expr::col(payments::Column::Version).add(1),
                )
                .filter(payments::Column::AllowanceId.eq(id))
                .filter(payments::Column::Status.eq(PaymentStatus::Scheduled))
                .filter(payments::Column::Month.gt(today))
                .exec(txn)
                .await?;
            summary.push_str(&format!("; cancelled months: {}", cancelled.rows_affected));
        }
        _ => {}
    }
    record(txn, now, actor.id, action.as_str(), id, &summary).await?;
    announce(txn, now, action, &before).await?;
    get(txn, id).await?.ok_or(AllowanceError::NotFound)
}

/// Tells the webhook endpoints of an approval (and each month it schedules) or a stop, in the
/// step's transaction.
async fn announce(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    action: Action,
    allowance: &allowances::Model,
) -> Result<(), DbErr> {
    use crate::webhooks::events::{Event, emit};
    let data = |status: &str| {
        serde_json::json!({
            "allowance_id": allowance.id,
            "leaver_id": allowance.leaver_id,
            "kind": allowance.kind.as_str(),
            "status": status,
        })
    };
    match action {
        Action::Approve => {
            emit(txn, now, Event::AllowanceApproved, data("approved")).await?;
            let lines = payments::Entity::find()
                .filter(payments::Column::AllowanceId.eq(allowance.id))
                .filter(payments::Column::Status.eq(PaymentStatus::Scheduled))
                .all(txn)
                .await?;
            for line in lines {
                emit(
                    txn,
                    now,
                    Event::PaymentScheduled,
                    crate::payments::paying::event_data(&line),
                )
                .await?;
            }
        }
        Action::Stop => emit(txn, now, Event::AllowanceStopped, data("stopped")).await?,
        _ => {}
    }
    Ok(())
}

/// The requests of one status, or all: the submitted ones oldest first (the queue), the
/// others newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    status: Option<Status>,
) -> Result<Vec<allowances::Model>, DbErr> {
    let query = allowances::Entity::find();
    match status {
        Some(Status::Submitted) => query
            .filter(allowances::Column::Status.eq(Status::Submitted))
            .order_by_asc(allowances::Column::SubmittedAt)
            .order_by_asc(allowances::Column::Id),
        Some(s) => query
            .filter(allowances::Column::Status.eq(s))
            .order_by_desc(allowances::Column::Id),
        None => query.order_by_desc(allowances::Column::Id),
    }
    .all(db)
    .await
}

pub async fn payments_of(
    db: &impl ConnectionTrait,
    allowance_ids: &[i32],
) -> Result<Vec<payments::Model>, DbErr> {
    if allowance_ids.is_empty() {
        return Ok(Vec::new());
    }
    payments::Entity::find()
        .filter(payments::Column::AllowanceId.is_in(allowance_ids.to_vec()))
        .order_by_asc(payments::Column::Month)
        .all(db)
        .await
}
