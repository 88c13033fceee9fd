use sea_orm::entity::prelude::*;

/// Where the young person lived before leaving care (DESIGN 2.2), stored as its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum PlacementType {
    #[sea_orm(string_value = "childrens_home")]
    ChildrensHome,
    #[sea_orm(string_value = "foster_care")]
    FosterCare,
    #[sea_orm(string_value = "family_home")]
    FamilyHome,
    #[sea_orm(string_value = "self_reliance_home")]
    SelfRelianceHome,
    #[sea_orm(string_value = "therapeutic_facility")]
    TherapeuticFacility,
    #[sea_orm(string_value = "reform_facility")]
    ReformFacility,
    #[sea_orm(string_value = "other")]
    Other,
}

impl PlacementType {
    pub const ALL: [PlacementType; 7] = [
        PlacementType::ChildrensHome,
        PlacementType::FosterCare,
        PlacementType::FamilyHome,
        PlacementType::SelfRelianceHome,
        PlacementType::TherapeuticFacility,
        PlacementType::ReformFacility,
        PlacementType::Other,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PlacementType::ChildrensHome => "childrens_home",
            PlacementType::FosterCare => "foster_care",
            PlacementType::FamilyHome => "family_home",
            PlacementType::SelfRelianceHome => "self_reliance_home",
            PlacementType::TherapeuticFacility => "therapeutic_facility",
            PlacementType::ReformFacility => "reform_facility",
            PlacementType::Other => "other",
        }
    }

    /// A placement type named in a form or a file.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }

    /// Catalog id of its name.
    pub fn message_id(self) -> String {
        format!("placement-{}", self.as_str().replace('_', "-"))
    }
}

/// Where a record stands, stored as its name. A value the application does not know is an
/// error when read, never a guess.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum Status {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "lost_contact")]
    LostContact,
    #[sea_orm(string_value = "closed")]
    Closed,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Active, Status::LostContact, Status::Closed];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::LostContact => "lost_contact",
            Status::Closed => "closed",
        }
    }

    /// A status named in a form, a filter or a file.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s.trim())
    }

    /// Catalog id of its name.
    pub fn message_id(self) -> String {
        format!("leaver-status-{}", self.as_str().replace('_', "-"))
    }
}

crate::stored_codes!(
    /// Why a record is under legal hold (kept past its retention date).
    HoldReason, "hold-reason", [
    Disclosure => "disclosure",
    Appeal => "appeal",
    Litigation => "litigation",
    Inquiry => "inquiry",
]);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "leavers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub case_number: String,
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub date_of_birth: Date,
    pub placement_type: PlacementType,
    pub placement_ended_on: Date,
    #[sea_orm(column_type = "Text", nullable)]
    pub living_situation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    pub contact_consent: bool,
    pub coordinator_id: Option<i32>,
    pub status: Status,
    #[sea_orm(column_type = "Text", nullable)]
    pub closed_reason: Option<String>,
    pub closed_on: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub support_starts_on: Date,
    /// The effective support end (extensions included), kept for filtering and sorting.
    pub support_ends_on: Date,
    /// Kana (or name) for sorting in Japanese order.
    pub sort_key: String,
    /// Normalised case number, names and kana, for partial search.
    #[sea_orm(column_type = "Text")]
    pub search_key: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    /// Days between contacts for this person (the setting's default when empty).
    pub contact_every_days: Option<i32>,
    /// Reason code of a legal hold in force (blocks anonymisation).
    pub legal_hold: Option<HoldReason>,
    pub legal_hold_since: Option<Date>,
    /// Set once the personal fields have been erased.
    pub anonymised_on: Option<Date>,
    pub updated_at: DateTimeUtc,
    /// When the person's last held consultation took place (none held: empty). Derived from
    /// the consultations, and rewritten by every write of one.
    pub last_held_at: Option<DateTimeUtc>,
    /// The follow-up date set by the person's latest consultation that set one (not
    /// cancelled), and when that consultation took place: the follow-up is open while nothing
    /// was held after it. Derived like `last_held_at`.
    pub follow_up_on: Option<Date>,
    pub follow_up_set_at: Option<DateTimeUtc>,
    /// The language of the person's own page and of the emails they receive.
    pub language: crate::users::Language,
    /// When the person last answered through their link (a self-reported contact: counts for
    /// the contact cadence, not as a held consultation).
    pub last_self_report_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
