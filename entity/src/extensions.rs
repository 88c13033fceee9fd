use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "extensions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub leaver_id: i32,
    pub new_end_on: Date,
    pub reason: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason_detail: Option<String>,
    pub review_on: Date,
    /// `proposed`, `approved` or `rejected`.
    pub status: String,
    pub proposed_by: Option<i32>,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_note: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
