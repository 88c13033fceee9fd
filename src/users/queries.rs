//! Reads and writes of staff accounts; every write records its audit entry in the same
//! transaction.
use chrono::{DateTime, Utc};
use entity::{sessions, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, SqlErr, sea_query::Expr,
};

use crate::{
    audit::chain::{self as audit, Entry},
    error::AppError,
    i18n::Lang,
    roles::Role,
    users::forms::UserDetails,
    web::context::CurrentUser,
};

/// Why an account change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("the email address is used by another account")]
    EmailTaken,
    #[error("the account changed since the form was opened")]
    Stale,
    #[error("at least one active administrator must remain")]
    LastAdmin,
    #[error("no such account")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<ChangeError> for AppError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::EmailTaken => AppError::invalid_field("email", "field-email-taken"),
            ChangeError::Stale => AppError::invalid_form("form-stale"),
            ChangeError::LastAdmin => AppError::invalid_form("users-last-admin"),
            ChangeError::NotFound => AppError::NotFound,
            ChangeError::Db(e) => AppError::Db(e),
        }
    }
}

fn role_of(model: &users::Model) -> Role {
    model.role
}

pub fn to_current(model: users::Model) -> CurrentUser {
    CurrentUser {
        id: model.id,
        role: role_of(&model),
        language: model.language,
        session_epoch: model.session_epoch,
        mfa_enrolled: model.mfa_enrolled_at.is_some(),
        name: model.name,
        email: model.email,
    }
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(db)
        .await
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find_by_id(id).one(db).await
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<users::Model>, DbErr> {
    users::Entity::find()
        .order_by_desc(users::Column::Active)
        .order_by_asc(users::Column::Name)
        .order_by_asc(users::Column::Id)
        .all(db)
        .await
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    users::Entity::find().count(db).await
}

fn map_unique(e: DbErr) -> ChangeError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ChangeError::EmailTaken,
        _ => ChangeError::Db(e),
    }
}

/// Creates an account. `actor` is the admin creating it (`None` for setup and the command line).
pub async fn create(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: Option<i32>,
    action: &str,
    details: &UserDetails,
    password_hash: String,
) -> Result<users::Model, ChangeError> {
    if find_by_email(txn, details.email.as_str()).await?.is_some() {
        return Err(ChangeError::EmailTaken);
    }
    let model = users::ActiveModel {
        email: Set(details.email.as_str().to_string()),
        name: Set(details.name.clone()),
        role: Set(details.role),
        language: Set(details.language),
        password_hash: Set(password_hash),
        active: Set(true),
        session_epoch: Set(1),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(map_unique)?;
    let summary = format!(
        "role: {}; language: {}",
        details.role.as_str(),
        details.language.as_str()
    );
    audit::record(
        txn,
        now,
        Entry {
            actor_id: actor,
            action,
            entity: "user",
            entity_id: Some(model.id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok(model)
}

async fn other_active_admins(txn: &impl ConnectionTrait, id: i32) -> Result<u64, DbErr> {
    users::Entity::find()
        .filter(users::Column::Role.eq(Role::Admin))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Id.ne(id))
        .count(txn)
        .await
}

/// Applies `set` to the account if its version is still `version`; bumps the version.
async fn update_versioned(
    txn: &impl ConnectionTrait,
    id: i32,
    version: i32,
    now: DateTime<Utc>,
    set: impl FnOnce(sea_orm::UpdateMany<users::Entity>) -> sea_orm::UpdateMany<users::Entity>,
) -> Result<(), ChangeError> {
    let update = users::Entity::update_many()
        .col_expr(
            users::Column::Version,
            Expr::col(users::Column::Version).add(1),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(now));
    let result = set(update)
        .filter(users::Column::Id.eq(id))
        .filter(users::Column::Version.eq(version))
        .exec(txn)
        .await
        .map_err(map_unique)?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(ChangeError::Stale)
    }
}

/// Edits name, email, role and language (optimistic lock on `version`).
pub async fn update_details(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    id: i32,
    version: i32,
    details: &UserDetails,
) -> Result<(), ChangeError> {
    // Rules that read other rows (the last admin) are checked under the write lock, so
    // two admins demoting each other at once are serialised on PostgreSQL too.
    audit::lock_chain(txn).await?;
    let before = get(txn, id).await?.ok_or(ChangeError::NotFound)?;
    if before.version != version {
        return Err(ChangeError::Stale);
    }
    if let Some(other) = find_by_email(txn, details.email.as_str()).await?
        && other.id != id
    {
        return Err(ChangeError::EmailTaken);
    }
    if role_of(&before) == Role::Admin
        && details.role != Role::Admin
        && before.active
        && other_active_admins(txn, id).await? == 0
    {
        return Err(ChangeError::LastAdmin);
    }
    let (name, email) = (details.name.clone(), details.email.as_str().to_string());
    let (role, lang) = (details.role.as_str(), details.language.as_str());
    update_versioned(txn, id, version, now, |u| {
        u.col_expr(users::Column::Name, Expr::value(name))
            .col_expr(users::Column::Email, Expr::value(email))
            .col_expr(users::Column::Role, Expr::value(role))
            .col_expr(users::Column::Language, Expr::value(lang))
    })
    .await?;
    // Names and addresses of staff are named as changed; their values stay out of the log.
    let mut summary = audit::describe_changes(&[
        ("role", before.role.as_str().to_string(), role.to_string()),
        (
            "language",
            before.language.as_str().to_string(),
            lang.to_string(),
        ),
    ]);
    for (field, changed) in [
        ("name", before.name != details.name),
        ("email", before.email != details.email.as_str()),
    ] {
        if changed {
            if !summary.is_empty() {
                summary.push_str("; ");
            }
            summary.push_str(field);
            summary.push_str(" changed");
        }
    }
    if summary.is_empty() {
        summary.push_str("no change");
    }
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(actor),
            action: "update",
            entity: "user",
            entity_id: Some(id.into()),
            summary: &summary,
        },
    )
    .await?;
    if role_of(&before) != details.role {
        // A new role takes effect with a new sign-in.
        end_sessions(txn, id).await?;
    }
    Ok(())
}

/// Deactivates or reactivates an account. Deactivation ends its sessions at once.
pub async fn set_active(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    id: i32,
    version: i32,
    active: bool,
) -> Result<(), ChangeError> {
    // Rules that read other rows (the last admin) are checked under the write lock, so
    // two admins demoting each other at once are serialised on PostgreSQL too.
    audit::lock_chain(txn).await?;
    let before = get(txn, id).await?.ok_or(ChangeError::NotFound)?;
    if !active && role_of(&before) == Role::Admin && other_active_admins(txn, id).await? == 0 {
        return Err(ChangeError::LastAdmin);
    }
    update_versioned(txn, id, version, now, |u| {
        u.col_expr(users::Column::Active, Expr::value(active))
    })
    .await?;
    if !active {
        end_sessions(txn, id).await?;
    }
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(actor),
            action: if active { "reactivate" } else { "deactivate" },
            entity: "user",
            entity_id: Some(id.into()),
            summary: "",
        },
    )
    .await?;
    Ok(())
}

/// Replaces the password hash and ends the account's sessions.
/// `action` is `password_set` (by an admin) or `password_change` (by the user).
pub async fn set_password(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    id: i32,
    action: &str,
    password_hash: String,
) -> Result<i32, ChangeError> {
    let result = users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            users::Column::Version,
            Expr::col(users::Column::Version).add(1),
        )
        .filter(users::Column::Id.eq(id))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(ChangeError::NotFound);
    }
    let epoch = end_sessions(txn, id).await?;
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(actor),
            action,
            entity: "user",
            entity_id: Some(id.into()),
            summary: "",
        },
    )
    .await?;
    Ok(epoch)
}

/// A user's own choice of interface language.
pub async fn set_language(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    id: i32,
    lang: Lang,
) -> Result<(), ChangeError> {
    // Rules that read other rows (the last admin) are checked under the write lock, so
    // two admins demoting each other at once are serialised on PostgreSQL too.
    audit::lock_chain(txn).await?;
    let before = get(txn, id).await?.ok_or(ChangeError::NotFound)?;
    if before.language == lang {
        return Ok(());
    }
    users::Entity::update_many()
        .col_expr(users::Column::Language, Expr::value(lang))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            users::Column::Version,
            Expr::col(users::Column::Version).add(1),
        )
        .filter(users::Column::Id.eq(id))
        .exec(txn)
        .await?;
    let summary = audit::describe_changes(&[(
        "language",
        before.language.as_str().into(),
        lang.as_str().into(),
    )]);
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(id),
            action: "update",
            entity: "user",
            entity_id: Some(id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok(())
}

/// Ends every session of an account (deactivation, new password, new role): deletes the
/// stored sessions and raises the account's session epoch, so that a session written back by
/// a request still in flight is refused at its next use. Returns the new epoch.
pub async fn end_sessions(txn: &impl ConnectionTrait, user_id: i32) -> Result<i32, DbErr> {
    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    users::Entity::update_many()
        .col_expr(
            users::Column::SessionEpoch,
            Expr::col(users::Column::SessionEpoch).add(1),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(txn)
        .await?;
    Ok(get(txn, user_id)
        .await?
        .map(|u| u.session_epoch)
        .unwrap_or_default())
}
