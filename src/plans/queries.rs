//! Reads and writes of plans and goals; every write records its audit entry (field names
//! only: the plan's text is the young person's own words).
use chrono::{DateTime, NaiveDate, Utc};
use entity::{plan_goals, plans};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};

use crate::{
    audit::chain::{self as audit, Entry},
    plans::rules::{Step, transition},
};

pub const ENTITY: &str = "plan";

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<plans::Model>, DbErr> {
    plans::Entity::find_by_id(id).one(db).await
}

pub async fn for_leaver(
    db: &impl ConnectionTrait,
    leaver_id: i32,
) -> Result<Vec<plans::Model>, DbErr> {
    plans::Entity::find()
        .filter(plans::Column::LeaverId.eq(leaver_id))
        .order_by_desc(plans::Column::Number)
        .all(db)
        .await
}

pub async fn goals(
    db: &impl ConnectionTrait,
    plan_id: i32,
) -> Result<Vec<plan_goals::Model>, DbErr> {
    plan_goals::Entity::find()
        .filter(plan_goals::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_goals::Column::TargetOn)
        .order_by_asc(plan_goals::Column::Id)
        .all(db)
        .await
}

/// Records a change of a plan; the summary starts with the leaver's id so that the change
/// appears in that person's access log.
async fn record(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    action: &str,
    (id, leaver_id): (i32, i32),
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
            summary: &format!("leaver {leaver_id}; {summary}"),
        },
    )
    .await
    .map(|_| ())
}

/// Starts a draft. When `from` (the latest agreed plan) is given, its wishes and goals are
/// copied so the review starts from what was agreed.
pub struct NewPlan<'a> {
    pub leaver_id: i32,
    pub wishes: &'a str,
    pub review_on: Option<NaiveDate>,
    pub from: Option<&'a plans::Model>,
}

pub async fn start(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor: i32,
    new: &NewPlan<'_>,
) -> Result<plans::Model, DbErr> {
    let (leaver_id, wishes, review_on, from) = (new.leaver_id, new.wishes, new.review_on, new.from);
    let number = for_leaver(txn, leaver_id)
        .await?
        .first()
        .map(|p| p.number + 1)
        .unwrap_or(1);
    let saved = plans::ActiveModel {
        leaver_id: Set(leaver_id),
        number: Set(number),
        status: Set(plans::Status::Draft),
        wishes: Set(wishes.to_string()),
        started_on: Set(today),
        review_on: Set(review_on),
        created_by: Set(Some(actor)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    if let Some(previous) = from {
        let copied: Vec<plan_goals::ActiveModel> = goals(txn, previous.id)
            .await?
            .into_iter()
            .map(|g| plan_goals::ActiveModel {
                plan_id: Set(saved.id),
                domain: Set(g.domain),
                goal: Set(g.goal),
                actions: Set(g.actions),
                target_on: Set(g.target_on),
                created_at: Set(now),
                ..Default::default()
            })
            .collect();
        if !copied.is_empty() {
            plan_goals::Entity::insert_many(copied)
                .exec_without_returning(txn)
                .await?;
        }
    }
    let summary = match from {
        Some(p) => format!("version {number}; review of plan {}", p.id),
        None => format!("version {number}"),
    };
    record(txn, now, actor, "create", (saved.id, leaver_id), &summary).await?;
    Ok(saved)
}

/// Saves wishes and review date of a draft at `version`; false if it changed or is agreed.
pub async fn update(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    plan: &plans::Model,
    version: i32,
    wishes: &str,
    review_on: Option<NaiveDate>,
) -> Result<bool, DbErr> {
    let result = plans::Entity::update_many()
        .col_expr(plans::Column::Wishes, Expr::value(wishes))
        .col_expr(plans::Column::ReviewOn, Expr::value(review_on))
        .col_expr(plans::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            plans::Column::Version,
            Expr::col(plans::Column::Version).add(1),
        )
        .filter(plans::Column::Id.eq(plan.id))
        .filter(plans::Column::Version.eq(version))
        .filter(plans::Column::Status.eq(plans::Status::Draft))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    let mut changed = Vec::new();
    if plan.wishes != wishes {
        changed.push("wishes");
    }
    if plan.review_on != review_on {
        changed.push("review_on");
    }
    let summary = if changed.is_empty() {
        "no change".to_string()
    } else {
        format!("changed: {}", changed.join(", "))
    };
    record(
        txn,
        now,
        actor,
        "update",
        (plan.id, plan.leaver_id),
        &summary,
    )
    .await?;
    Ok(true)
}

pub struct NewGoal {
    pub domain: entity::consultation_topics::Topic,
    pub goal: String,
    pub actions: Option<String>,
    pub target_on: NaiveDate,
}

pub async fn add_goal(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    plan: &plans::Model,
    g: &NewGoal,
) -> Result<(), DbErr> {
    plan_goals::ActiveModel {
        plan_id: Set(plan.id),
        domain: Set(g.domain),
        goal: Set(g.goal.clone()),
        actions: Set(g.actions.clone()),
        target_on: Set(g.target_on),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    // Adding a goal changes the plan: forms opened before it are stale.
    plans::Entity::update_many()
        .col_expr(
            plans::Column::Version,
            Expr::col(plans::Column::Version).add(1),
        )
        .col_expr(plans::Column::UpdatedAt, Expr::value(now))
        .filter(plans::Column::Id.eq(plan.id))
        .exec(txn)
        .await?;
    record(
        txn,
        now,
        actor,
        "add_goal",
        (plan.id, plan.leaver_id),
        &format!("domain: {}", g.domain.as_str()),
    )
    .await
}

/// Records the day the plan was agreed with the young person; it is read-only from then on.
pub async fn agree(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    plan: &plans::Model,
    version: i32,
    agreed_on: NaiveDate,
    review_on: NaiveDate,
) -> Result<bool, DbErr> {
    let Ok(agreed) = transition(plan.status, Step::Agree) else {
        return Ok(false);
    };
    let result = plans::Entity::update_many()
        .col_expr(plans::Column::Status, Expr::value(agreed))
        .col_expr(plans::Column::AgreedOn, Expr::value(Some(agreed_on)))
        .col_expr(plans::Column::ReviewOn, Expr::value(Some(review_on)))
        .col_expr(plans::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            plans::Column::Version,
            Expr::col(plans::Column::Version).add(1),
        )
        .filter(plans::Column::Id.eq(plan.id))
        .filter(plans::Column::Version.eq(version))
        .filter(plans::Column::Status.eq(plans::Status::Draft))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    record(
        txn,
        now,
        actor,
        "agree",
        (plan.id, plan.leaver_id),
        &format!("agreed on {agreed_on}; review on {review_on}"),
    )
    .await?;
    Ok(true)
}
