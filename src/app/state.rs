//! What every request handler and job can reach: settings, database, clock, catalogs, mailer.
use sea_orm::DatabaseConnection;

use crate::{
    audit::reads::ReadAudit,
    auth::{lockout::LockoutPolicy, secret_box::SecretBox, session_store::DbSessionStore},
    clock::Clock,
    config::Config,
    i18n::Catalogs,
    mail::Mailer,
};

/// What every request handler can reach.
pub struct AppState {
    pub config: Config,
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub catalogs: Catalogs,
    pub mailer: Mailer,
    pub read_audit: ReadAudit,
    /// Encrypts and decrypts stored secrets (second factors).
    pub secrets: SecretBox,
}

impl AppState {
    pub fn lockout_policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            max_failures: self.config.login_max_failures as usize,
            per_client: self.config.login_client_max_failures as usize,
            per_account: self.config.login_account_max_failures as usize,
            window: chrono::Duration::minutes(self.config.login_window_minutes.into()),
            lockout: chrono::Duration::minutes(self.config.login_lockout_minutes.into()),
        }
    }

    pub fn session_store(&self) -> DbSessionStore {
        DbSessionStore {
            db: self.db.clone(),
            clock: self.clock.clone(),
            idle: chrono::Duration::minutes(self.config.session_idle_minutes.into()),
            absolute: chrono::Duration::hours(self.config.session_absolute_hours.into()),
        }
    }
}
