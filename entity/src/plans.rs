use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub leaver_id: i32,
    /// 1 for the first plan, then one more per review.
    pub number: i32,
    /// `draft` or `agreed`.
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub wishes: String,
    pub started_on: Date,
    pub review_on: Option<Date>,
    pub agreed_on: Option<Date>,
    pub created_by: Option<i32>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
