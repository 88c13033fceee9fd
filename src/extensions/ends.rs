//! The support ends that approved extensions set: what the register reads to compute a
//! leaver's effective support end. Reads only, below the register's queries.
use std::collections::HashMap;

use chrono::NaiveDate;
use entity::extensions;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// The end of the latest approved extension of one leaver.
pub async fn latest_approved_end(
    db: &impl ConnectionTrait,
    leaver_id: i32,
) -> Result<Option<NaiveDate>, DbErr> {
    Ok(extensions::Entity::find()
        .filter(extensions::Column::LeaverId.eq(leaver_id))
        .filter(extensions::Column::Status.eq(extensions::Status::Approved))
        .order_by_desc(extensions::Column::DecidedAt)
        .order_by_desc(extensions::Column::Id)
        .one(db)
        .await?
        .map(|e| e.new_end_on))
}

/// The latest approved extension's end of every leaver that has one (one query).
pub async fn latest_approved_ends(
    db: &impl ConnectionTrait,
) -> Result<HashMap<i32, NaiveDate>, DbErr> {
    let mut out = HashMap::new();
    for e in extensions::Entity::find()
        .filter(extensions::Column::Status.eq(extensions::Status::Approved))
        .order_by_asc(extensions::Column::DecidedAt)
        .order_by_asc(extensions::Column::Id)
        .all(db)
        .await?
    {
        out.insert(e.leaver_id, e.new_end_on);
    }
    Ok(out)
}
