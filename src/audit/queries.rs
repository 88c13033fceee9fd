//! Reads of the audit log for its page: newest first, paged, filtered by actor and entity.
use std::collections::HashMap;

use entity::{audit_leavers, audit_log, users};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Entries per page.
pub const PAGE_SIZE: u64 = 50;

/// One page of entries (1 is the newest), and whether an older page exists.
pub async fn page(
    db: &impl ConnectionTrait,
    actor: Option<i32>,
    entity: Option<&str>,
    page: u64,
) -> Result<(Vec<audit_log::Model>, bool), DbErr> {
    let mut query = audit_log::Entity::find();
    if let Some(a) = actor {
        query = query.filter(audit_log::Column::ActorId.eq(a));
    }
    if let Some(e) = entity {
        query = query.filter(audit_log::Column::Entity.eq(e));
    }
    // One row more than a page tells whether an older page exists.
    let mut entries = query
        .order_by_desc(audit_log::Column::Id)
        .offset(page.max(1).saturating_sub(1).saturating_mul(PAGE_SIZE))
        .limit(PAGE_SIZE + 1)
        .all(db)
        .await?;
    let has_more = entries.len() as u64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    Ok((entries, has_more))
}

/// Every account's name by id: the actors of entries, deactivated ones included.
pub async fn actor_names(db: &impl ConnectionTrait) -> Result<HashMap<i32, String>, DbErr> {
    Ok(users::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// API tokens' names by id: the actor of the calls and changes they made.
pub async fn token_names(db: &impl ConnectionTrait) -> Result<HashMap<i32, String>, DbErr> {
    Ok(entity::api_tokens::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}

/// One page of the entries about one person (their record, consultations, allowances, plans
/// and extensions, and every page that showed them): one index lookup, then the page's rows.
/// The index must be caught up first (`index::catch_up`).
pub async fn about_person(
    db: &impl ConnectionTrait,
    leaver_id: i32,
    page: u64,
) -> Result<(Vec<audit_log::Model>, bool), DbErr> {
    let ids: Vec<i64> = audit_leavers::Entity::find()
        .select_only()
        .column(audit_leavers::Column::AuditId)
        .filter(audit_leavers::Column::LeaverId.eq(leaver_id))
        .order_by_desc(audit_leavers::Column::AuditId)
        .offset(page.max(1).saturating_sub(1).saturating_mul(PAGE_SIZE))
        .limit(PAGE_SIZE + 1)
        .into_tuple()
        .all(db)
        .await?;
    let mut entries = audit_log::Entity::find()
        .filter(audit_log::Column::Id.is_in(ids))
        .order_by_desc(audit_log::Column::Id)
        .all(db)
        .await?;
    let has_more = entries.len() as u64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    Ok((entries, has_more))
}

/// Every account, by name (the filter of the log's page).
pub async fn staff_by_name(db: &impl ConnectionTrait) -> Result<Vec<users::Model>, DbErr> {
    users::Entity::find()
        .order_by_asc(users::Column::Name)
        .all(db)
        .await
}

/// Case numbers of these records, by id (one query; erased records keep theirs).
pub async fn case_numbers(
    db: &impl ConnectionTrait,
    mut ids: Vec<i64>,
) -> Result<HashMap<i64, String>, DbErr> {
    ids.sort_unstable();
    ids.dedup();
    let ids: Vec<i32> = ids
        .into_iter()
        .filter_map(|i| i32::try_from(i).ok())
        .collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let found: Vec<(i32, String)> = entity::leavers::Entity::find()
        .select_only()
        .column(entity::leavers::Column::Id)
        .column(entity::leavers::Column::CaseNumber)
        .filter(entity::leavers::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(found
        .into_iter()
        .map(|(id, c)| (i64::from(id), c))
        .collect())
}
