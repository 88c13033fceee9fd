//! sea-orm entities, one module per table. Plain data only: behaviour lives in the app crate.

/// A closed list of codes stored as text (sea-orm's `DeriveActiveEnum`, so the stored values
/// and the migrations stay as they are), with its names in the catalogs: `ALL`, `as_str`,
/// `parse` (for forms) and `message_id` (`<prefix>-<code>`, underscores as hyphens). A stored
/// value that is not in the list is an error when read, never a guess.
#[macro_export]
macro_rules! stored_codes {
    ($(#[$meta:meta])* $name:ident, $prefix:literal, [$($variant:ident => $code:literal),+ $(,)?]) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            sea_orm::EnumIter, sea_orm::DeriveActiveEnum,
        )]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $(#[sea_orm(string_value = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// A code named in a form.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s.trim())
            }

            /// Catalog id of its name.
            pub fn message_id(self) -> String {
                format!(concat!($prefix, "-{}"), self.as_str().replace('_', "-"))
            }
        }
    };
}
pub mod allowances;
pub mod api_tokens;
pub mod app_secrets;
pub mod audit_head;
pub mod audit_leavers;
pub mod audit_log;
pub mod budgets;
pub mod check_ins;
pub mod consultation_topics;
pub mod consultations;
pub mod contact_proposals;
pub mod disclosures;
pub mod extensions;
pub mod job_runs;
pub mod leases;
pub mod leavers;
pub mod link_requests;
pub mod login_failures;
pub mod money;
pub mod outbox;
pub mod payments;
pub mod plan_goals;
pub mod plans;
pub mod recovery_codes;
pub mod reminders;
pub mod sessions;
pub mod users;
pub mod webhook_deliveries;
pub mod webhooks;
pub mod youth_links;
pub mod youth_sessions;
