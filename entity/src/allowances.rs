use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allowances")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub leaver_id: i32,
    pub kind: String,
    /// Whole yen per month.
    pub monthly_amount: i64,
    /// First day of the first month.
    pub start_month: Date,
    /// First day of the last month.
    pub end_month: Date,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub status: String,
    pub requested_by: Option<i32>,
    pub submitted_at: Option<DateTimeUtc>,
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
