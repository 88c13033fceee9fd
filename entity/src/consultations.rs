use sea_orm::entity::prelude::*;

crate::stored_codes!(
    /// The young person's answer to an appointment.
    Response, "response", [
    Coming => "coming",
    NotComing => "not_coming",
    CallMe => "call_me",
]);

/// Where a consultation stands, stored as its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum Status {
    #[sea_orm(string_value = "planned")]
    Planned,
    #[sea_orm(string_value = "held")]
    Held,
    #[sea_orm(string_value = "missed")]
    Missed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Planned,
        Status::Held,
        Status::Missed,
        Status::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::Held => "held",
            Status::Missed => "missed",
            Status::Cancelled => "cancelled",
        }
    }

    /// A status named in a form.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// Catalog id of its name.
    pub fn message_id(self) -> String {
        format!("consultation-status-{}", self.as_str())
    }
}

crate::stored_codes!(
    /// How a consultation was held.
    Channel, "channel", [
    InPerson => "in_person",
    Phone => "phone",
    HomeVisit => "home_visit",
    Online => "online",
    Message => "message",
]);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub leaver_id: i32,
    pub held_at: DateTimeUtc,
    pub status: Status,
    pub channel: Channel,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    pub next_follow_up_on: Option<Date>,
    pub recorded_by: Option<i32>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The young person's answer to a planned appointment, through their link.
    pub response: Option<Response>,
    pub response_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
