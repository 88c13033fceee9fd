use sea_orm::entity::prelude::*;

/// A session a personal link opened: for that one person, with its own cookie.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "youth_sessions")]
pub struct Model {
    /// SHA-256 of the session id: the id itself lives only in the browser's cookie.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_hash: String,
    pub link_id: i32,
    pub leaver_id: i32,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
