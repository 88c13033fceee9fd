//! Database schema migrations, one file per change; landed migrations are never edited.
pub use sea_orm_migration::prelude::*;

mod m20261125_000001_foundation;
mod m20261125_000002_leavers;
mod m20261125_000003_consultations;
mod m20261125_000004_allowances;
mod m20261125_000005_reminders;
mod m20261125_000006_extensions;
mod m20261125_000007_plans;
mod m20261125_000008_audit_append_only;
mod m20261125_000009_retention;
mod m20261125_000010_disclosures;
mod m20261127_000011_audit_leavers;
mod m20261127_000012_login_failures_client;
mod m20261127_000013_health_checks;
mod m20261128_000014_attention_indexes;
mod m20261128_000015_leavers_last_held;
mod m20261128_000016_leavers_follow_up;
mod m20261128_000017_youth_link;
mod m20261128_000018_second_factor;
mod m20261128_000019_integrations;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_foundation::Migration),
            Box::new(m20261125_000002_leavers::Migration),
            Box::new(m20261125_000003_consultations::Migration),
            Box::new(m20261125_000004_allowances::Migration),
            Box::new(m20261125_000005_reminders::Migration),
            Box::new(m20261125_000006_extensions::Migration),
            Box::new(m20261125_000007_plans::Migration),
            Box::new(m20261125_000008_audit_append_only::Migration),
            Box::new(m20261125_000009_retention::Migration),
            Box::new(m20261125_000010_disclosures::Migration),
            Box::new(m20261127_000011_audit_leavers::Migration),
            Box::new(m20261127_000012_login_failures_client::Migration),
            Box::new(m20261127_000013_health_checks::Migration),
            Box::new(m20261128_000014_attention_indexes::Migration),
            Box::new(m20261128_000015_leavers_last_held::Migration),
            Box::new(m20261128_000016_leavers_follow_up::Migration),
            Box::new(m20261128_000017_youth_link::Migration),
            Box::new(m20261128_000018_second_factor::Migration),
            Box::new(m20261128_000019_integrations::Migration),
        ]
    }
}
