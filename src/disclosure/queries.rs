//! Reads and writes of disclosure requests. Every write records its audit entry (on the
//! person's record) in the same transaction.
use chrono::{DateTime, NaiveDate, Utc};
use entity::disclosures::{self, Status};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, sea_query::Expr,
};

use crate::audit::chain as audit;

/// A person's requests, newest first.
pub async fn for_leaver(
    db: &impl ConnectionTrait,
    leaver_id: i32,
) -> Result<Vec<disclosures::Model>, DbErr> {
    disclosures::Entity::find()
        .filter(disclosures::Column::LeaverId.eq(leaver_id))
        .order_by_desc(disclosures::Column::Id)
        .all(db)
        .await
}

/// A request of this person's, by its id (none when it is another person's).
pub async fn find(
    db: &impl ConnectionTrait,
    leaver_id: i32,
    id: i32,
) -> Result<Option<disclosures::Model>, DbErr> {
    disclosures::Entity::find_by_id(id)
        .filter(disclosures::Column::LeaverId.eq(leaver_id))
        .one(db)
        .await
}

/// Records a request received on `requested_on`, due on `due_on`; `None` when an open request
/// of the same day is already recorded (the same request entered twice).
pub async fn open(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    leaver_id: i32,
    requested_on: NaiveDate,
    due_on: NaiveDate,
) -> Result<Option<disclosures::Model>, DbErr> {
    let twin = disclosures::Entity::find()
        .filter(disclosures::Column::LeaverId.eq(leaver_id))
        .filter(disclosures::Column::RequestedOn.eq(requested_on))
        .filter(disclosures::Column::Status.eq(Status::Open))
        .one(txn)
        .await?;
    if twin.is_some() {
        return Ok(None);
    }
    let saved = disclosures::ActiveModel {
        leaver_id: Set(leaver_id),
        requested_on: Set(requested_on),
        due_on: Set(due_on),
        status: Set(Status::Open),
        recorded_by: Set(Some(actor)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record_on_leaver(
        txn,
        now,
        actor,
        leaver_id,
        "disclosure_request",
        &format!(
            "disclosure {}; requested on {requested_on}; due {due_on}",
            saved.id
        ),
    )
    .await?;
    Ok(Some(saved))
}

/// Marks an open request answered another way (a refusal, a partial answer, records sent on
/// paper); false when it was no longer open.
pub async fn mark_done(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor: i32,
    request: &disclosures::Model,
) -> Result<bool, DbErr> {
    let changed = disclosures::Entity::update_many()
        .col_expr(disclosures::Column::Status, Expr::value(Status::Done))
        .col_expr(disclosures::Column::CompletedOn, Expr::value(Some(today)))
        .filter(disclosures::Column::Id.eq(request.id))
        .filter(disclosures::Column::Status.eq(Status::Open))
        .exec(txn)
        .await?;
    if changed.rows_affected != 1 {
        return Ok(false);
    }
    audit::record_on_leaver(
        txn,
        now,
        actor,
        request.leaver_id,
        "disclosure_done",
        &format!("disclosure {}; answered", request.id),
    )
    .await?;
    Ok(true)
}

/// Records that the person's record was exported for a request, with the file's SHA-256: the
/// request is answered.
pub async fn record_export(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor: i32,
    request: &disclosures::Model,
    sha256: &str,
) -> Result<(), DbErr> {
    disclosures::Entity::update_many()
        .col_expr(disclosures::Column::Status, Expr::value(Status::Done))
        .col_expr(disclosures::Column::CompletedOn, Expr::value(Some(today)))
        .col_expr(
            disclosures::Column::ExportSha256,
            Expr::value(Some(sha256.to_string())),
        )
        .filter(disclosures::Column::Id.eq(request.id))
        .exec(txn)
        .await?;
    audit::record_on_leaver(
        txn,
        now,
        actor,
        request.leaver_id,
        "export",
        &format!("disclosure {}; sha256 {sha256}", request.id),
    )
    .await?;
    Ok(())
}
