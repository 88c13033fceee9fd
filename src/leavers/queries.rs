//! Reads and writes of the register. Every write records its audit entry in the same
//! transaction; entries name fields, never their values (personal data stays out of the log).
use chrono::{DateTime, NaiveDate, Utc};
use entity::{leavers, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, SqlErr, sea_query::Expr,
};

use crate::{
    audit::chain::{self as audit, Entry},
    error::AppError,
    leavers::{
        forms::{LeaverInput, search_form},
        rules::{Status, StatusRefusal, StatusRules},
        window::{WindowRules, effective_support_end, support_window},
    },
    roles::Role,
};

#[derive(Debug, thiserror::Error)]
pub enum LeaverError {
    #[error("the case number is used by another record")]
    CaseNumberTaken,
    #[error("the record changed since the form was opened")]
    Stale,
    #[error("no such record")]
    NotFound,
    #[error("the coordinator is not an active coordinator")]
    UnknownCoordinator,
    #[error("status change refused: {0:?}")]
    Refused(StatusRefusal),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<LeaverError> for AppError {
    fn from(e: LeaverError) -> Self {
        match e {
            LeaverError::CaseNumberTaken => {
                AppError::invalid_field("case_number", "leaver-case-number-taken")
            }
            LeaverError::UnknownCoordinator => {
                AppError::invalid_field("coordinator_id", "leaver-coordinator-invalid")
            }
            LeaverError::Stale => AppError::invalid_form("form-stale"),
            LeaverError::Refused(StatusRefusal::ReasonRequired) => {
                AppError::invalid_form("leaver-closed-reason-required")
            }
            LeaverError::Refused(StatusRefusal::AlreadyClosed) => {
                AppError::invalid_form("leaver-already-closed")
            }
            LeaverError::Refused(StatusRefusal::Unchanged) => {
                AppError::invalid_form("leaver-status-unchanged")
            }
            LeaverError::NotFound => AppError::NotFound,
            LeaverError::Db(e) => AppError::Db(e),
        }
    }
}

pub const ENTITY: &str = "leaver";

/// Values kept beside the record so lists can filter and sort in the database.
struct Derived {
    starts: NaiveDate,
    ends: NaiveDate,
    sort_key: String,
    search_key: String,
}

fn derive(input: &LeaverInput, rules: &WindowRules, extension_end: Option<NaiveDate>) -> Derived {
    let window = support_window(input.date_of_birth, input.placement_ended_on, rules);
    let kana_or =
        |kana: &Option<String>, name: &str| kana.clone().unwrap_or_else(|| name.to_string());
    Derived {
        starts: window.start,
        // The latest approved extension, if any, moves the end.
        ends: effective_support_end(&window, extension_end),
        sort_key: format!(
            "{} {}",
            kana_or(&input.family_name_kana, &input.family_name),
            kana_or(&input.given_name_kana, &input.given_name)
        )
        .chars()
        .take(120)
        .collect(),
        search_key: [
            search_form(&input.case_number),
            search_form(&format!("{}{}", input.family_name, input.given_name)),
            search_form(&format!(
                "{}{}",
                input.family_name_kana.as_deref().unwrap_or(""),
                input.given_name_kana.as_deref().unwrap_or("")
            )),
        ]
        .join("\n"),
    }
}

pub(crate) fn map_unique(e: DbErr) -> LeaverError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => LeaverError::CaseNumberTaken,
        _ => LeaverError::Db(e),
    }
}

/// The records of `ids`, by id, in one query.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> Result<std::collections::HashMap<i32, leavers::Model>, DbErr> {
    let ids: Vec<i32> = ids.into_iter().collect();
    Ok(leavers::Entity::find()
        .filter(leavers::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect())
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<leavers::Model>, DbErr> {
    leavers::Entity::find_by_id(id).one(db).await
}

/// Active coordinators as (id, name), for the assignment list.
pub async fn active_coordinators(db: &impl ConnectionTrait) -> Result<Vec<(i32, String)>, DbErr> {
    Ok(users::Entity::find()
        .filter(users::Column::Role.eq(Role::Coordinator))
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

async fn check_coordinator(
    txn: &impl ConnectionTrait,
    coordinator: Option<i32>,
    unchanged_from: Option<i32>,
) -> Result<(), LeaverError> {
    let Some(id) = coordinator else { return Ok(()) };
    if Some(id) == unchanged_from {
        return Ok(());
    }
    let found = users::Entity::find_by_id(id)
        .filter(users::Column::Role.eq(Role::Coordinator))
        .filter(users::Column::Active.eq(true))
        .count(txn)
        .await?;
    if found == 1 {
        Ok(())
    } else {
        Err(LeaverError::UnknownCoordinator)
    }
}

async fn case_number_taken(
    txn: &impl ConnectionTrait,
    case_number: &str,
    except: Option<i32>,
) -> Result<bool, DbErr> {
    let mut q = leavers::Entity::find().filter(leavers::Column::CaseNumber.eq(case_number));
    if let Some(id) = except {
        q = q.filter(leavers::Column::Id.ne(id));
    }
    Ok(q.count(txn).await? > 0)
}

fn active_model(input: &LeaverInput, d: Derived, now: DateTime<Utc>) -> leavers::ActiveModel {
    leavers::ActiveModel {
        case_number: Set(input.case_number.clone()),
        family_name: Set(input.family_name.clone()),
        given_name: Set(input.given_name.clone()),
        family_name_kana: Set(input.family_name_kana.clone()),
        given_name_kana: Set(input.given_name_kana.clone()),
        date_of_birth: Set(input.date_of_birth),
        placement_type: Set(input.placement_type),
        placement_ended_on: Set(input.placement_ended_on),
        living_situation: Set(input.living_situation.clone()),
        email: Set(input.email.clone()),
        phone: Set(input.phone.clone()),
        address: Set(input.address.clone()),
        contact_consent: Set(input.contact_consent),
        coordinator_id: Set(input.coordinator_id),
        notes: Set(input.notes.clone()),
        contact_every_days: Set(input.contact_every_days),
        language: Set(input.language),
        support_starts_on: Set(d.starts),
        support_ends_on: Set(d.ends),
        sort_key: Set(d.sort_key),
        search_key: Set(d.search_key),
        updated_at: Set(now),
        ..Default::default()
    }
}

pub async fn create(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: Option<i32>,
    input: &LeaverInput,
    rules: &WindowRules,
) -> Result<leavers::Model, LeaverError> {
    if case_number_taken(txn, &input.case_number, None).await? {
        return Err(LeaverError::CaseNumberTaken);
    }
    check_coordinator(txn, input.coordinator_id, None).await?;
    let saved = new_record(input, rules, now)
        .insert(txn)
        .await
        .map_err(map_unique)?;
    let summary = format!("fields: {}", given_fields(input).join(", "));
    audit::record(
        txn,
        now,
        Entry {
            actor_id: actor,
            action: "create",
            entity: ENTITY,
            entity_id: Some(saved.id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok(saved)
}

/// A new, active record (one import writes many at once).
pub(crate) fn new_record(
    input: &LeaverInput,
    rules: &WindowRules,
    now: DateTime<Utc>,
) -> leavers::ActiveModel {
    let mut model = active_model(input, derive(input, rules, None), now);
    model.status = Set(Status::Active);
    model.version = Set(1);
    model.created_at = Set(now);
    model
}

/// Names of the fields a new record was given (names only: values are personal data).
pub fn given_fields(input: &LeaverInput) -> Vec<&'static str> {
    let optional = [
        ("family_name_kana", input.family_name_kana.is_some()),
        ("given_name_kana", input.given_name_kana.is_some()),
        ("living_situation", input.living_situation.is_some()),
        ("email", input.email.is_some()),
        ("phone", input.phone.is_some()),
        ("address", input.address.is_some()),
        ("contact_consent", input.contact_consent),
        ("coordinator_id", input.coordinator_id.is_some()),
        ("notes", input.notes.is_some()),
        ("contact_every_days", input.contact_every_days.is_some()),
    ];
    let mut fields = vec![
        "case_number",
        "family_name",
        "given_name",
        "date_of_birth",
        "placement_type",
        "placement_ended_on",
    ];
    fields.extend(optional.into_iter().filter(|(_, set)| *set).map(|(f, _)| f));
    fields
}

/// Names of the fields whose values differ between the stored record and the input.
pub fn changed_fields(before: &leavers::Model, input: &LeaverInput) -> Vec<&'static str> {
    let checks = [
        ("case_number", before.case_number == input.case_number),
        ("family_name", before.family_name == input.family_name),
        ("given_name", before.given_name == input.given_name),
        (
            "family_name_kana",
            before.family_name_kana == input.family_name_kana,
        ),
        (
            "given_name_kana",
            before.given_name_kana == input.given_name_kana,
        ),
        ("date_of_birth", before.date_of_birth == input.date_of_birth),
        (
            "placement_type",
            before.placement_type == input.placement_type,
        ),
        (
            "placement_ended_on",
            before.placement_ended_on == input.placement_ended_on,
        ),
        (
            "living_situation",
            before.living_situation == input.living_situation,
        ),
        ("email", before.email == input.email),
        ("phone", before.phone == input.phone),
        ("address", before.address == input.address),
        (
            "contact_consent",
            before.contact_consent == input.contact_consent,
        ),
        (
            "coordinator_id",
            before.coordinator_id == input.coordinator_id,
        ),
        ("notes", before.notes == input.notes),
        (
            "contact_every_days",
            before.contact_every_days == input.contact_every_days,
        ),
        ("language", before.language == input.language),
    ];
    checks
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(f, _)| f)
        .collect()
}

/// Saves an edit made on the form of `version`; refused if someone saved in between.
pub async fn update(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    id: i32,
    version: i32,
    input: &LeaverInput,
    rules: &WindowRules,
) -> Result<(), LeaverError> {
    let before = get(txn, id).await?.ok_or(LeaverError::NotFound)?;
    if before.version != version {
        return Err(LeaverError::Stale);
    }
    if case_number_taken(txn, &input.case_number, Some(id)).await? {
        return Err(LeaverError::CaseNumberTaken);
    }
    check_coordinator(txn, input.coordinator_id, before.coordinator_id).await?;
    let changed = changed_fields(&before, input);
    let extension_end = crate::extensions::ends::latest_approved_end(txn, id).await?;
    let mut model = active_model(input, derive(input, rules, extension_end), now);
    model.version = Set(version + 1);
    let result = leavers::Entity::update_many()
        .set(model)
        .filter(leavers::Column::Id.eq(id))
        .filter(leavers::Column::Version.eq(version))
        .exec(txn)
        .await
        .map_err(map_unique)?;
    if result.rows_affected != 1 {
        return Err(LeaverError::Stale);
    }
    let summary = if changed.is_empty() {
        "no change".to_string()
    } else {
        format!("changed: {}", changed.join(", "))
    };
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

/// A requested status change, made on the record as it was at `version`.
pub struct StatusChange<'a> {
    pub version: i32,
    pub to: Status,
    pub reason: Option<&'a str>,
}

pub async fn change_status(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor: Option<i32>,
    id: i32,
    change: &StatusChange<'_>,
) -> Result<(), LeaverError> {
    let (version, reason) = (change.version, change.reason);
    let before = get(txn, id).await?.ok_or(LeaverError::NotFound)?;
    if before.version != version {
        return Err(LeaverError::Stale);
    }
    let from = before.status;
    let to = from
        .transition(change.to, reason)
        .map_err(LeaverError::Refused)?;
    let closing = to == Status::Closed;
    let result = leavers::Entity::update_many()
        .col_expr(leavers::Column::Status, Expr::value(to))
        .col_expr(
            leavers::Column::ClosedReason,
            Expr::value(closing.then(|| reason.unwrap_or("").trim().to_string())),
        )
        .col_expr(
            leavers::Column::ClosedOn,
            Expr::value(closing.then_some(today)),
        )
        .col_expr(
            leavers::Column::Version,
            Expr::col(leavers::Column::Version).add(1),
        )
        .col_expr(leavers::Column::UpdatedAt, Expr::value(now))
        .filter(leavers::Column::Id.eq(id))
        .filter(leavers::Column::Version.eq(version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(LeaverError::Stale);
    }
    if closing {
        // A closed record's personal link stops working at once.
        crate::youth::links::end_links(txn, now, id).await?;
        crate::webhooks::events::emit(
            txn,
            now,
            crate::webhooks::events::Event::LeaverClosed,
            serde_json::json!({ "leaver_id": id, "closed_on": today }),
        )
        .await?;
    }
    let summary = audit::describe_changes(&[("status", from.as_str().into(), to.as_str().into())]);
    audit::record(
        txn,
        now,
        Entry {
            actor_id: actor,
            action: "status",
            entity: ENTITY,
            entity_id: Some(id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok(())
}
