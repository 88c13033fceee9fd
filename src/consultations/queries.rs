//! Reads and writes of consultations; every write records its audit entry in the same
//! transaction, naming fields, never their contents.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{consultation_topics, consultations};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};

use crate::{
    audit::chain::{self as audit, Entry},
    consultations::{forms::ConsultationInput, rules::Status},
    error::AppError,
};

pub const ENTITY: &str = "consultation";

#[derive(Debug, thiserror::Error)]
pub enum ConsultationError {
    #[error("the consultation changed since the form was opened")]
    Stale,
    #[error("no such consultation")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<ConsultationError> for AppError {
    fn from(e: ConsultationError) -> Self {
        match e {
            ConsultationError::Stale => AppError::invalid_form("form-stale"),
            ConsultationError::NotFound => AppError::NotFound,
            ConsultationError::Db(e) => AppError::Db(e),
        }
    }
}

pub async fn get(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<consultations::Model>, DbErr> {
    consultations::Entity::find_by_id(id).one(db).await
}

async fn replace_topics(
    txn: &impl ConnectionTrait,
    id: i32,
    input: &ConsultationInput,
) -> Result<(), DbErr> {
    consultation_topics::Entity::delete_many()
        .filter(consultation_topics::Column::ConsultationId.eq(id))
        .exec(txn)
        .await?;
    if !input.topics.is_empty() {
        consultation_topics::Entity::insert_many(input.topics.iter().map(|t| {
            consultation_topics::ActiveModel {
                consultation_id: Set(id),
                topic: Set(*t),
            }
        }))
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// Writes down on the leaver when their last held consultation took place and their open
/// follow-up, from their consultations as they now stand. Every write of a consultation calls
/// it in its transaction.
pub async fn refresh_contact(txn: &impl ConnectionTrait, leaver_id: i32) -> Result<(), DbErr> {
    // On PostgreSQL, take the person's row first, in a statement of its own: a transaction
    // writing another of their consultations at the same time then waits for this one to
    // commit, and its update (a new statement) sees this consultation. (SQLite's writes are
    // one at a time already.)
    entity::leavers::Entity::find_by_id(leaver_id)
        .select_only()
        .column(entity::leavers::Column::Id)
        .lock_exclusive()
        .into_tuple::<i32>()
        .one(txn)
        .await?;
    let sql = format!("{} WHERE id = ?", contact_update());
    txn.execute_raw(crate::db::statement(
        txn.get_database_backend(),
        &sql,
        vec![leaver_id.into()],
    ))
    .await?;
    Ok(())
}

/// The same for every leaver at once, after consultations were loaded in bulk (the
/// benchmarks' fictional histories).
pub async fn refresh_all_contact(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_unprepared(&contact_update()).await?;
    Ok(())
}

fn contact_update() -> String {
    let latest_follow_up = format!(
        "FROM consultations c WHERE c.leaver_id = leavers.id \
         AND c.next_follow_up_on IS NOT NULL AND c.status <> '{cancelled}' \
         ORDER BY c.held_at DESC, c.id DESC LIMIT 1",
        cancelled = Status::Cancelled.as_str()
    );
    format!(
        "UPDATE leavers SET last_held_at = (SELECT MAX(c.held_at) FROM consultations c \
         WHERE c.leaver_id = leavers.id AND c.status = '{held}'), \
         follow_up_on = (SELECT c.next_follow_up_on {latest_follow_up}), \
         follow_up_set_at = (SELECT c.held_at {latest_follow_up})",
        held = Status::Held.as_str()
    )
}

pub async fn create(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    leaver_id: i32,
    input: &ConsultationInput,
) -> Result<consultations::Model, DbErr> {
    let saved = consultations::ActiveModel {
        leaver_id: Set(leaver_id),
        held_at: Set(input.held_at),
        status: Set(input.status),
        channel: Set(input.channel),
        summary: Set(input.summary.clone()),
        next_follow_up_on: Set(input.next_follow_up_on),
        recorded_by: Set(Some(actor)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    replace_topics(txn, saved.id, input).await?;
    refresh_contact(txn, leaver_id).await?;
    let summary = format!("leaver {leaver_id}; status: {}", input.status.as_str());
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(actor),
            action: "create",
            entity: ENTITY,
            entity_id: Some(saved.id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok(saved)
}

pub async fn update(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    id: i32,
    version: i32,
    input: &ConsultationInput,
) -> Result<(), ConsultationError> {
    let before = get(txn, id).await?.ok_or(ConsultationError::NotFound)?;
    if before.version != version {
        return Err(ConsultationError::Stale);
    }
    let old_topics = topics_of(txn, &[id]).await?.remove(&id).unwrap_or_default();
    // Both sides in the order the database returns them (alphabetical), so an unchanged set
    // of topics never reads as a change.
    let mut new_topics = input.topics.clone();
    new_topics.sort_by_key(|t| t.as_str());
    let changed: Vec<&str> = [
        ("held_at", before.held_at != input.held_at),
        ("status", before.status != input.status),
        ("channel", before.channel != input.channel),
        ("topics", old_topics != new_topics),
        ("summary", before.summary != input.summary),
        (
            "next_follow_up_on",
            before.next_follow_up_on != input.next_follow_up_on,
        ),
    ]
    .into_iter()
    .filter(|(_, c)| *c)
    .map(|(f, _)| f)
    .collect();
    let result = consultations::Entity::update_many()
        .col_expr(consultations::Column::HeldAt, Expr::value(input.held_at))
        .col_expr(
            consultations::Column::Status,
            Expr::value(input.status.as_str()),
        )
        .col_expr(consultations::Column::Channel, Expr::value(input.channel))
        .col_expr(
            consultations::Column::Summary,
            Expr::value(input.summary.clone()),
        )
        .col_expr(
            consultations::Column::NextFollowUpOn,
            Expr::value(input.next_follow_up_on),
        )
        .col_expr(consultations::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            consultations::Column::Version,
            Expr::col(consultations::Column::Version).add(1),
        )
        .filter(consultations::Column::Id.eq(id))
        .filter(consultations::Column::Version.eq(version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(ConsultationError::Stale);
    }
    replace_topics(txn, id, input).await?;
    refresh_contact(txn, before.leaver_id).await?;
    let mut summary = format!("leaver {}; ", before.leaver_id);
    if changed.is_empty() {
        summary.push_str("no change");
    } else {
        summary.push_str(&format!("changed: {}", changed.join(", ")));
        if before.status != input.status {
            summary.push_str(&format!(
                "; status: {} → {}",
                before.status.as_str(),
                input.status.as_str()
            ));
        }
    }
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(actor),
            action: "update",
            entity: ENTITY,
            entity_id: Some(id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok(())
}

/// Topic codes of each consultation, in one query.
pub async fn topics_of(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<entity::consultation_topics::Topic>>, DbErr> {
    let mut map: HashMap<i32, Vec<entity::consultation_topics::Topic>> = HashMap::new();
    if ids.is_empty() {
        return Ok(map);
    }
    let rows = consultation_topics::Entity::find()
        .filter(consultation_topics::Column::ConsultationId.is_in(ids.to_vec()))
        .order_by_asc(consultation_topics::Column::Topic)
        .all(db)
        .await?;
    for r in rows {
        map.entry(r.consultation_id).or_default().push(r.topic);
    }
    Ok(map)
}

/// What a leaver's timeline shows of a consultation (and no more: a person well into their
/// support has a hundred of them, and every column read costs on each view of their page).
#[derive(Clone, Debug, FromQueryResult)]
pub struct TimelineLine {
    pub id: i32,
    pub held_at: DateTime<Utc>,
    pub status: Status,
    pub channel: consultations::Channel,
    pub summary: Option<String>,
    pub next_follow_up_on: Option<NaiveDate>,
    /// The young person's answer, for a planned appointment.
    pub response: Option<consultations::Response>,
}

/// A leaver's consultations for the timeline: planned appointments first (soonest first),
/// then everything else newest first.
pub async fn timeline(
    db: &impl ConnectionTrait,
    leaver_id: i32,
) -> Result<Vec<TimelineLine>, DbErr> {
    use consultations::Column as C;
    let mut all = consultations::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::HeldAt,
            C::Status,
            C::Channel,
            C::Summary,
            C::NextFollowUpOn,
            C::Response,
        ])
        .filter(C::LeaverId.eq(leaver_id))
        .order_by_desc(C::HeldAt)
        .order_by_desc(C::Id)
        .into_model::<TimelineLine>()
        .all(db)
        .await?;
    let (mut upcoming, rest): (Vec<_>, Vec<_>) =
        all.drain(..).partition(|c| c.status == Status::Planned);
    upcoming.reverse();
    upcoming.extend(rest);
    Ok(upcoming)
}

/// The last held consultation's time, and the open follow-up date: the one set by the latest
/// consultation that set one, unless a consultation was held after it.
pub fn contact_summary(
    consultations: &[TimelineLine],
) -> (Option<DateTime<Utc>>, Option<NaiveDate>) {
    let last_held = consultations
        .iter()
        .filter(|c| c.status == Status::Held)
        .map(|c| c.held_at)
        .max();
    let latest_follow_up = consultations
        .iter()
        .filter(|c| c.status != Status::Cancelled && c.next_follow_up_on.is_some())
        .max_by_key(|c| (c.held_at, c.id));
    let open = latest_follow_up
        .filter(|c| last_held.is_none_or(|h| h <= c.held_at))
        .and_then(|c| c.next_follow_up_on);
    (last_held, open)
}
