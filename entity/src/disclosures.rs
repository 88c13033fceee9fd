use sea_orm::entity::prelude::*;

crate::stored_codes!(
    /// Where a disclosure request stands: open until answered.
    Status, "disclosure-status", [
    Open => "open",
    Done => "done",
]);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "disclosures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub leaver_id: i32,
    pub requested_on: Date,
    /// The legal deadline (`disclosure_days` counted from the day after the request).
    pub due_on: Date,
    /// `open` or `done`.
    pub status: Status,
    pub completed_on: Option<Date>,
    pub export_sha256: Option<String>,
    pub recorded_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
