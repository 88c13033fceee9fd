//! Secrets the application keeps in its database, so every instance on one database shares them.
use chrono::{DateTime, Utc};
use entity::app_secrets;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, sea_query::OnConflict};

use super::tokens::random_hex;

pub const CSRF_KEY: &str = "csrf_key";
pub const SETUP_TOKEN: &str = "setup_token";

pub async fn get(db: &impl ConnectionTrait, name: &str) -> Result<Option<String>, DbErr> {
    Ok(app_secrets::Entity::find_by_id(name.to_string())
        .one(db)
        .await?
        .map(|s| s.value))
}

/// Stores `value` under `name`, replacing what was there.
pub async fn put(
    db: &impl ConnectionTrait,
    name: &str,
    value: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    app_secrets::Entity::insert(app_secrets::ActiveModel {
        name: Set(name.to_string()),
        value: Set(value),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(app_secrets::Column::Name)
            .update_columns([app_secrets::Column::Value, app_secrets::Column::CreatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Stores `value` under `name` unless something is there already: when two instances do it
/// at once, the first insert wins and the second does nothing.
pub async fn put_if_absent(
    db: &impl ConnectionTrait,
    name: &str,
    value: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    app_secrets::Entity::insert(app_secrets::ActiveModel {
        name: Set(name.to_string()),
        value: Set(value),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(app_secrets::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The key of the CSRF tokens: made once, then read by every instance.
pub async fn csrf_key(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<[u8; 32], DbErr> {
    if get(db, CSRF_KEY).await?.is_none() {
        put_if_absent(db, CSRF_KEY, random_hex(32), now).await?;
    }
    let stored = get(db, CSRF_KEY).await?.unwrap_or_default();
    let mut key = [0u8; 32];
    hex::decode_to_slice(&stored, &mut key)
        .map_err(|_| DbErr::Custom("the stored CSRF key is not 32 bytes of hex".into()))?;
    Ok(key)
}
