use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_goals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_id: i32,
    /// A consultation topic code.
    pub domain: crate::consultation_topics::Topic,
    #[sea_orm(column_type = "Text")]
    pub goal: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub actions: Option<String>,
    pub target_on: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
