use sea_orm::entity::prelude::*;

/// Where a monthly payment line stands, stored as its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum Status {
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    #[sea_orm(string_value = "paid")]
    Paid,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Scheduled, Status::Paid, Status::Cancelled];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Paid => "paid",
            Status::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub allowance_id: i32,
    pub leaver_id: i32,
    pub kind: super::allowances::Kind,
    /// First day of the month paid for.
    pub month: Date,
    /// Whole yen.
    pub amount: crate::money::Yen,
    pub status: Status,
    pub paid_on: Option<Date>,
    pub paid_by: Option<i32>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
