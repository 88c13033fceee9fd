//! Writes of a draft request by its requester: change it, or delete it before it is ever
//! submitted. Each records its audit entry in the same transaction.
use chrono::{DateTime, Utc};
use entity::{allowances, leavers};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, sea_query::Expr};

use crate::allowances::forms::AllowanceInput;
use crate::allowances::queries::{
    AllowanceError, check_fits, get, months, record, request_summary,
};
use crate::allowances::rules::{Refusal, Status};

/// The draft as its requester saw it at `version`, or why it cannot be changed.
async fn own_draft(
    txn: &impl ConnectionTrait,
    actor: i32,
    id: i32,
    version: i32,
) -> Result<allowances::Model, AllowanceError> {
    let before = get(txn, id).await?.ok_or(AllowanceError::NotFound)?;
    if before.requested_by != Some(actor) {
        return Err(AllowanceError::Refused(Refusal::NotRequester));
    }
    if before.status != Status::Draft || before.version != version {
        return Err(AllowanceError::Stale);
    }
    Ok(before)
}

/// Changes a draft: only its requester, only while it is a draft, only the version they saw.
pub async fn update_draft(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    (id, version): (i32, i32),
    leaver: &leavers::Model,
    input: &AllowanceInput,
) -> Result<allowances::Model, AllowanceError> {
    own_draft(txn, actor, id, version).await?;
    check_fits(txn, leaver, input.kind, (input.start, input.end), Some(id)).await?;
    let result = allowances::Entity::update_many()
        .col_expr(allowances::Column::Kind, Expr::value(input.kind))
        .col_expr(
            allowances::Column::MonthlyAmount,
            Expr::value(input.monthly_amount),
        )
        .col_expr(
            allowances::Column::StartMonth,
            Expr::value(input.start.first_day()),
        )
        .col_expr(
            allowances::Column::EndMonth,
            Expr::value(input.end.first_day()),
        )
        .col_expr(
            allowances::Column::Reason,
            Expr::value(input.reason.clone()),
        )
        .col_expr(
            allowances::Column::Version,
            Expr::col(allowances::Column::Version).add(1),
        )
        .col_expr(allowances::Column::UpdatedAt, Expr::value(now))
        .filter(allowances::Column::Id.eq(id))
        .filter(allowances::Column::Version.eq(version))
        .filter(allowances::Column::Status.eq(Status::Draft))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AllowanceError::Stale);
    }
    let summary = request_summary(
        leaver.id,
        input.kind,
        (input.start, input.end),
        input.monthly_amount,
    );
    record(txn, now, actor, "update", id, &summary).await?;
    get(txn, id).await?.ok_or(AllowanceError::NotFound)
}

/// Deletes a draft that was never submitted: only its requester, only the version they saw.
/// The audit entry keeps what it asked for.
pub async fn delete_draft(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    (id, version): (i32, i32),
) -> Result<allowances::Model, AllowanceError> {
    let before = own_draft(txn, actor, id, version).await?;
    let result = allowances::Entity::delete_many()
        .filter(allowances::Column::Id.eq(id))
        .filter(allowances::Column::Version.eq(version))
        .filter(allowances::Column::Status.eq(Status::Draft))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AllowanceError::Stale);
    }
    let summary = request_summary(
        before.leaver_id,
        before.kind,
        months(&before),
        before.monthly_amount,
    );
    record(txn, now, actor, "delete", id, &summary).await?;
    Ok(before)
}
