use sea_orm::entity::prelude::*;

crate::stored_codes!(
    /// How a personal link reached the young person.
    HandedOver, "youth-link-handed", [
    Email => "email",
    Shown => "shown",
]);

/// A young person's personal link (DESIGN 2.9): only a digest of its token is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "youth_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub leaver_id: i32,
    /// SHA-256 of the token: the token itself is only in the link.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub handed_over: HandedOver,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
