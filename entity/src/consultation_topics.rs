use sea_orm::entity::prelude::*;

crate::stored_codes!(
    /// What a consultation (or a plan goal) is about.
    Topic, "topic", [
    Housing => "housing",
    Work => "work",
    School => "school",
    Health => "health",
    Money => "money",
    Relationships => "relationships",
    Legal => "legal",
    DailyLiving => "daily_living",
    Other => "other",
]);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultation_topics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consultation_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic: Topic,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
