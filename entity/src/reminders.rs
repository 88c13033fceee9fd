use sea_orm::entity::prelude::*;

crate::stored_codes!(
    /// Who a reminder went to: a member of staff or a young person.
    RecipientKind, "recipient-kind", [
    User => "user",
    Leaver => "leaver",
]);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Rule, subject and due date or period: a reminder is sent once per key.
    #[sea_orm(unique)]
    pub key: String,
    pub rule: String,
    pub recipient_kind: RecipientKind,
    pub recipient_id: i32,
    pub subject_id: i32,
    pub run_date: Date,
    pub outbox_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
