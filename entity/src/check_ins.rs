use sea_orm::entity::prelude::*;

crate::stored_codes!(
    /// What the young person said through their link: `need_help`, `contact_me` and `call_me`
    /// are urgent.
    Kind, "check-in-kind", [
    Ok => "ok",
    NeedHelp => "need_help",
    ContactMe => "contact_me",
    CallMe => "call_me",
    NotComing => "not_coming",
]);

/// One answer of the young person: a check-in, a request to be contacted, or an answer to an
/// appointment that needs the coordinator. Open until someone acknowledges it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "check_ins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub leaver_id: i32,
    pub kind: Kind,
    /// The appointment answered, for `call_me` and `not_coming`.
    pub consultation_id: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub message: Option<String>,
    pub created_at: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
