use sea_orm::entity::prelude::*;

/// Which allowance (DESIGN 2.4), stored as its name; payment lines carry it too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum Kind {
    #[sea_orm(string_value = "housing")]
    Housing,
    #[sea_orm(string_value = "living")]
    Living,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Housing, Kind::Living];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Housing => "housing",
            Kind::Living => "living",
        }
    }

    /// A kind named in a form or a file.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// Catalog id of its name.
    pub fn message_id(self) -> String {
        format!("allowance-kind-{}", self.as_str())
    }
}

/// Where an allowance request stands, stored as its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum Status {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "submitted")]
    Submitted,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
    #[sea_orm(string_value = "stopped")]
    Stopped,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::Approved,
        Status::Rejected,
        Status::Withdrawn,
        Status::Stopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
            Status::Stopped => "stopped",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub fn message_id(self) -> String {
        format!("allowance-status-{}", self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allowances")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub leaver_id: i32,
    pub kind: Kind,
    /// Whole yen per month.
    pub monthly_amount: crate::money::Yen,
    /// First day of the first month.
    pub start_month: Date,
    /// First day of the last month.
    pub end_month: Date,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub status: Status,
    pub requested_by: Option<i32>,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_note: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
