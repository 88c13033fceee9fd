use sea_orm::entity::prelude::*;

/// What a staff member may do (DESIGN 1).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[sea_orm(string_value = "coordinator")]
    Coordinator,
    #[sea_orm(string_value = "finance")]
    Finance,
    #[sea_orm(string_value = "admin")]
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Coordinator, Role::Finance, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Catalog id of the role's name.
    pub fn message_id(self) -> &'static str {
        match self {
            Role::Coordinator => "role-coordinator",
            Role::Finance => "role-finance",
            Role::Admin => "role-admin",
        }
    }
}

crate::stored_codes!(
    /// The languages the interface speaks, and that an account or an email is written in.
    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    Language, "language", [
    En => "en",
    Ja => "ja",
]);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    pub role: Role,
    pub language: Language,
    pub password_hash: String,
    pub active: bool,
    /// Raised whenever the account's sessions must end; a session signed in under an
    /// older epoch is no longer accepted.
    pub session_epoch: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The TOTP secret, encrypted (never stored in clear); empty until enrolled.
    #[sea_orm(column_type = "Text", nullable)]
    pub mfa_secret: Option<String>,
    /// The secret being enrolled, encrypted, until a code confirms it.
    #[sea_orm(column_type = "Text", nullable)]
    pub mfa_pending_secret: Option<String>,
    pub mfa_enrolled_at: Option<DateTimeUtc>,
    /// The last time step a code was accepted for: no code of it or before is accepted again.
    pub mfa_last_step: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
