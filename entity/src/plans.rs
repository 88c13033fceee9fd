use sea_orm::entity::prelude::*;

/// Where a plan stands, stored as its name: a draft is edited, an agreed plan is read-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum Status {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "agreed")]
    Agreed,
}

impl Status {
    pub const ALL: [Status; 2] = [Status::Draft, Status::Agreed];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Agreed => "agreed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub leaver_id: i32,
    /// 1 for the first plan, then one more per review.
    pub number: i32,
    /// `draft` or `agreed`.
    pub status: Status,
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
