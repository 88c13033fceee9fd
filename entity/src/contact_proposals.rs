use sea_orm::entity::prelude::*;

crate::stored_codes!(
    /// Where a proposed change of contact details stands.
    Status, "proposal-status", [
    Waiting => "waiting",
    Accepted => "accepted",
    Declined => "declined",
]);

/// New contact details the young person proposed; they wait for the coordinator.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_proposals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub leaver_id: i32,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    pub created_at: DateTimeUtc,
    pub status: Status,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
