//! Sessions kept in the database, so several app instances can share them. The table holds a
//! digest of each session id, never the id itself; idle and absolute timeouts are enforced here.
//!
//! A session is read together with its account in one statement: the account, if it is still
//! active, is handed to the page context under [`SESSION_ACCOUNT`], read fresh on every request
//! (so a deactivated user is refused at once) and never written back.
use std::{collections::BTreeMap, time::Duration as StdDuration};

use chrono::Duration;
use entity::sessions;
use poem::session::SessionStorage;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, ExprTrait,
    FromQueryResult, QueryFilter, Set, prelude::DateTimeUtc, sea_query::Expr,
    sea_query::OnConflict,
};
use serde_json::Value;

use crate::{
    auth::account::CurrentUser, auth::tokens::sha256_hex, clock::Clock, db, error::AppError,
    i18n::Lang, roles::Role,
};

/// The session key that holds the signed-in user's id.
pub const SESSION_USER: &str = "uid";
/// The session key under which a loaded session carries its active account (a
/// [`CurrentUser`]). Read from the users table with the session, never stored.
pub const SESSION_ACCOUNT: &str = "account";

/// A session row and, when its user is active, that user's account.
#[derive(FromQueryResult)]
struct Loaded {
    data: String,
    created_at: DateTimeUtc,
    last_seen_at: DateTimeUtc,
    account_id: Option<i32>,
    name: Option<String>,
    email: Option<String>,
    role: Option<Role>,
    language: Option<Lang>,
    session_epoch: Option<i32>,
    mfa_enrolled_at: Option<DateTimeUtc>,
}

impl Loaded {
    fn account(&self) -> Option<CurrentUser> {
        Some(CurrentUser {
            id: self.account_id?,
            name: self.name.clone()?,
            email: self.email.clone()?,
            role: self.role?,
            language: self.language?,
            session_epoch: self.session_epoch?,
            mfa_enrolled: self.mfa_enrolled_at.is_some(),
        })
    }
}

async fn load(db: &impl ConnectionTrait, key: &str) -> Result<Option<Loaded>, DbErr> {
    let sql = "SELECT s.data, s.created_at, s.last_seen_at, u.id AS account_id, u.name, \
               u.email, u.role, u.language, u.session_epoch, u.mfa_enrolled_at \
               FROM sessions s LEFT JOIN users u ON u.id = s.user_id AND u.active = ? \
               WHERE s.id_hash = ?";
    let statement = db::statement(
        db.get_database_backend(),
        sql,
        vec![true.into(), key.into()],
    );
    Loaded::find_by_statement(statement).one(db).await
}

#[derive(Clone)]
pub struct DbSessionStore {
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub idle: Duration,
    pub absolute: Duration,
}

/// Activity is written back at most once a quarter of the idle timeout (and at most once a
/// minute), so reading pages does not write every time, yet a session in use never lapses.
fn touch_every(idle: Duration) -> Duration {
    (idle / 4).min(Duration::seconds(60))
}

fn internal(e: sea_orm::DbErr) -> poem::Error {
    AppError::Db(e).into()
}

impl DbSessionStore {
    /// Deletes sessions past either timeout; returns how many.
    pub async fn delete_expired(&self) -> Result<u64, sea_orm::DbErr> {
        let now = self.clock.now();
        let result = sessions::Entity::delete_many()
            .filter(
                sessions::Column::LastSeenAt
                    .lte(now - self.idle)
                    .or(sessions::Column::CreatedAt.lte(now - self.absolute)),
            )
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}

impl SessionStorage for DbSessionStore {
    async fn load_session<'a>(
        &'a self,
        session_id: &'a str,
    ) -> poem::Result<Option<BTreeMap<String, Value>>> {
        let key = sha256_hex(session_id);
        let Some(row) = load(&self.db, &key).await.map_err(internal)? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if now - row.last_seen_at >= self.idle || now - row.created_at >= self.absolute {
            sessions::Entity::delete_by_id(key)
                .exec(&self.db)
                .await
                .map_err(internal)?;
            return Ok(None);
        }
        if now - row.last_seen_at >= touch_every(self.idle) {
            sessions::Entity::update_many()
                .col_expr(sessions::Column::LastSeenAt, Expr::value(now))
                .filter(sessions::Column::IdHash.eq(key))
                .exec(&self.db)
                .await
                .map_err(internal)?;
        }
        let Ok(mut entries) = serde_json::from_str::<BTreeMap<String, Value>>(&row.data) else {
            return Ok(None);
        };
        entries.remove(SESSION_ACCOUNT);
        if let Some(account) = row.account() {
            let value = serde_json::to_value(account).map_err(|e| AppError::Internal(e.into()))?;
            entries.insert(SESSION_ACCOUNT.to_string(), value);
        }
        Ok(Some(entries))
    }

    async fn update_session<'a>(
        &'a self,
        session_id: &'a str,
        entries: &'a BTreeMap<String, Value>,
        _expires: Option<StdDuration>,
    ) -> poem::Result<()> {
        let now = self.clock.now();
        let user_id = entries
            .get(SESSION_USER)
            .and_then(Value::as_i64)
            .and_then(|v| i32::try_from(v).ok());
        let mut entries = entries.clone();
        entries.remove(SESSION_ACCOUNT);
        let data = serde_json::to_string(&entries).map_err(|e| AppError::Internal(e.into()))?;
        let row = sessions::ActiveModel {
            id_hash: Set(sha256_hex(session_id)),
            user_id: Set(user_id),
            data: Set(data),
            created_at: Set(now),
            last_seen_at: Set(now),
        };
        sessions::Entity::insert(row)
            .on_conflict(
                OnConflict::column(sessions::Column::IdHash)
                    .update_columns([
                        sessions::Column::UserId,
                        sessions::Column::Data,
                        sessions::Column::LastSeenAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn remove_session<'a>(&'a self, session_id: &'a str) -> poem::Result<()> {
        sessions::Entity::delete_by_id(sha256_hex(session_id))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::touch_every;
    use chrono::Duration;

    #[test]
    fn activity_is_written_often_enough_for_the_idle_timeout() {
        assert_eq!(touch_every(Duration::minutes(1)), Duration::seconds(15));
        assert_eq!(touch_every(Duration::minutes(2)), Duration::seconds(30));
        assert_eq!(touch_every(Duration::minutes(30)), Duration::seconds(60));
    }
}
