//! Sessions kept in the database, so several app instances can share them. The table holds a
//! digest of each session id, never the id itself; idle and absolute timeouts are enforced here.
use std::{collections::BTreeMap, time::Duration as StdDuration};

use chrono::Duration;
use entity::sessions;
use poem::session::SessionStorage;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, ExprTrait, QueryFilter, Set, sea_query::Expr,
    sea_query::OnConflict,
};
use serde_json::Value;

use crate::{auth::tokens::sha256_hex, clock::Clock, error::AppError};

/// The session key that holds the signed-in user's id.
pub const SESSION_USER: &str = "uid";

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
        let Some(row) = sessions::Entity::find_by_id(key.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
        else {
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
        Ok(serde_json::from_str(&row.data).ok())
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
        let data = serde_json::to_string(entries).map_err(|e| AppError::Internal(e.into()))?;
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
