//! Reads and writes of extensions; approving one moves the leaver's effective support end in
//! the same transaction.
use chrono::{DateTime, NaiveDate, Utc};
use entity::{extensions, leavers};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};

use crate::{
    audit::chain::{self as audit, Entry},
    extensions::{
        ends::latest_approved_end,
        rules::{Decision, Reason},
    },
    leavers::window::{WindowRules, effective_support_end, support_window},
};

pub const ENTITY: &str = "extension";

#[derive(Clone, Debug)]
pub struct Proposal {
    pub new_end_on: NaiveDate,
    pub reason: Reason,
    pub reason_detail: Option<String>,
    pub review_on: NaiveDate,
}

pub async fn for_leaver(
    db: &impl ConnectionTrait,
    leaver_id: i32,
) -> Result<Vec<extensions::Model>, DbErr> {
    extensions::Entity::find()
        .filter(extensions::Column::LeaverId.eq(leaver_id))
        .order_by_desc(extensions::Column::Id)
        .all(db)
        .await
}

/// Proposals waiting for an admin, as dashboard items (the date is the proposed new end).
pub async fn waiting(db: &impl ConnectionTrait) -> Result<Vec<crate::attention::Item>, DbErr> {
    let proposals = extensions::Entity::find()
        .filter(extensions::Column::Status.eq(extensions::Status::Proposed))
        .order_by_asc(extensions::Column::CreatedAt)
        .all(db)
        .await?;
    let ids: Vec<i32> = proposals.iter().map(|e| e.leaver_id).collect();
    let people = crate::leavers::queries::by_ids(db, ids).await?;
    Ok(proposals
        .into_iter()
        .filter_map(|e| {
            let l = people.get(&e.leaver_id)?;
            Some(crate::attention::Item {
                leaver_id: l.id,
                case_number: l.case_number.clone(),
                family_name: l.family_name.clone(),
                given_name: l.given_name.clone(),
                coordinator_id: None,
                coordinator_name: None,
                on_date: Some(e.new_end_on),
                at: None,
            })
        })
        .collect())
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<extensions::Model>, DbErr> {
    extensions::Entity::find_by_id(id).one(db).await
}

pub async fn propose(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    leaver_id: i32,
    p: &Proposal,
) -> Result<extensions::Model, DbErr> {
    let saved = extensions::ActiveModel {
        leaver_id: Set(leaver_id),
        new_end_on: Set(p.new_end_on),
        reason: Set(p.reason),
        reason_detail: Set(p.reason_detail.clone()),
        review_on: Set(p.review_on),
        status: Set(extensions::Status::Proposed),
        proposed_by: Set(Some(actor)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let summary = format!(
        "leaver {leaver_id}; new end: {}; reason: {}; review on {}",
        p.new_end_on,
        p.reason.as_str(),
        p.review_on
    );
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(actor),
            action: "propose",
            entity: ENTITY,
            entity_id: Some(saved.id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok(saved)
}

/// An admin's decision, taken on the proposal as it was at `version`.
pub struct Ruling<'a> {
    pub version: i32,
    pub decision: Decision,
    pub note: Option<&'a str>,
}

/// Applies a decision; false when the proposal changed since (nothing applied). Approving
/// sets the leaver's effective support end.
pub async fn decide(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    ext: &extensions::Model,
    ruling: &Ruling<'_>,
    rules: &WindowRules,
) -> Result<bool, DbErr> {
    let (version, decision, note) = (ruling.version, ruling.decision, ruling.note);
    let result = extensions::Entity::update_many()
        .col_expr(extensions::Column::Status, Expr::value(decision.status()))
        .col_expr(extensions::Column::DecidedBy, Expr::value(Some(actor)))
        .col_expr(extensions::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(
            extensions::Column::DecisionNote,
            Expr::value(note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty())),
        )
        .col_expr(
            extensions::Column::Version,
            Expr::col(extensions::Column::Version).add(1),
        )
        .col_expr(extensions::Column::UpdatedAt, Expr::value(now))
        .filter(extensions::Column::Id.eq(ext.id))
        .filter(extensions::Column::Version.eq(version))
        .filter(extensions::Column::Status.eq(extensions::Status::Proposed))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    let mut summary = format!(
        "leaver {}; status: proposed → {}",
        ext.leaver_id,
        decision.status().as_str()
    );
    if decision == Decision::Approve {
        let leaver = leavers::Entity::find_by_id(ext.leaver_id)
            .one(txn)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("leaver".into()))?;
        let window = support_window(leaver.date_of_birth, leaver.placement_ended_on, rules);
        let end = effective_support_end(&window, latest_approved_end(txn, leaver.id).await?);
        leavers::Entity::update_many()
            .col_expr(leavers::Column::SupportEndsOn, Expr::value(end))
            .col_expr(leavers::Column::UpdatedAt, Expr::value(now))
            .filter(leavers::Column::Id.eq(leaver.id))
            .exec(txn)
            .await?;
        summary.push_str(&format!(
            "; support end: {} → {end}",
            leaver.support_ends_on
        ));
    }
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(actor),
            action: decision.as_str(),
            entity: ENTITY,
            entity_id: Some(ext.id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok(true)
}
