use sea_orm::entity::prelude::*;

/// An endpoint that is told of events. `events` is a comma-separated list of event names;
/// `secret` is the signing secret, sealed (never stored in clear).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    #[sea_orm(column_type = "Text")]
    pub events: String,
    #[sea_orm(column_type = "Text")]
    pub secret: String,
    pub created_by: i32,
    pub created_at: DateTimeUtc,
    pub removed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
