//! sea-orm entities, one module per table. Plain data only: behaviour lives in the app crate.
pub mod allowances;
pub mod app_secrets;
pub mod audit_head;
pub mod audit_log;
pub mod budgets;
pub mod consultation_topics;
pub mod consultations;
pub mod extensions;
pub mod job_runs;
pub mod leases;
pub mod leavers;
pub mod login_failures;
pub mod outbox;
pub mod payments;
pub mod reminders;
pub mod sessions;
pub mod users;
