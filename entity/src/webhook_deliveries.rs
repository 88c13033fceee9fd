use sea_orm::entity::prelude::*;

/// One event on its way to one endpoint: stored in the event's transaction, then posted,
/// retried with backoff like an email (the same statuses as the email outbox).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub webhook_id: i32,
    /// The event's id, the same for every endpoint and every attempt: receivers de-duplicate
    /// on it.
    pub event_id: String,
    pub event: String,
    /// The JSON body, exactly as it is signed and sent.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub status: crate::outbox::Status,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
