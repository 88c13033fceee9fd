use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub allowance_id: i32,
    pub leaver_id: i32,
    pub kind: String,
    /// First day of the month paid for.
    pub month: Date,
    /// Whole yen.
    pub amount: i64,
    pub status: String,
    pub paid_on: Option<Date>,
    pub paid_by: Option<i32>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
