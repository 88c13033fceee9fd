//! Connecting to SQLite or PostgreSQL, applying migrations, and starting write transactions.
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, FromQueryResult, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    Value,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::Config;

/// Opens the database named by the configuration (creating the SQLite file and its folder
/// when needed) and brings its schema up to date.
pub async fn connect_and_migrate(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let db = connect(&config.database_url).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// One direct connection first, with a short timeout: an unreachable server is reported at
/// once with its real cause (a pool would wait and say only that it timed out).
async fn check_reachable(url: &str) -> anyhow::Result<()> {
    use sea_orm::sqlx::Connection;
    let place = url::Url::parse(url)
        .ok()
        .map(|u| {
            format!(
                "{}:{}",
                u.host_str().unwrap_or("localhost"),
                u.port().unwrap_or(5432)
            )
        })
        .unwrap_or_else(|| "the server".into());
    let attempt = tokio::time::timeout(
        Duration::from_secs(5),
        sea_orm::sqlx::PgConnection::connect(url),
    )
    .await;
    let cause = match attempt {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            return Ok(());
        }
        Ok(Err(sea_orm::sqlx::Error::Io(e))) => match e.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
            std::io::ErrorKind::TimedOut => "timed out".to_string(),
            _ => e.to_string(),
        },
        Ok(Err(sea_orm::sqlx::Error::Database(e))) => e.message().to_string(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => "no answer within 5 seconds".to_string(),
    };
    anyhow::bail!("cannot connect to the database at {place} (AFTERCARE_DATABASE_URL): {cause}")
}

pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        check_reachable(url).await?;
    }
    let mut options = ConnectOptions::new(url.to_string());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        if let Some(dir) = sqlite_file(url).and_then(|f| f.parent().map(|p| p.to_path_buf()))
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(&dir)?;
        }
        options.max_connections(8).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Erased personal data must not linger in free pages of the file.
                .pragma("secure_delete", "ON")
                // 4 MiB of page cache a connection (SQLite's default is 2 MiB). Each of the
                // eight connections keeps its own, so this bounds the pool's cache at 32 MiB;
                // pages beyond it come from the operating system's file cache. 16 MiB a
                // connection measured no faster on the pages; on a reminder run over 100,000
                // people it was faster in some runs, within the machine's noise, and peaked
                // 30-70 MiB higher (README, "Reminder emails").
                .pragma("cache_size", "-4096")
        });
        options.map_sqlx_sqlite_pool_opts(|o| {
            o.after_release(|conn, _| Box::pin(async move { Ok(still_usable(conn).await) }))
        });
    } else {
        options.max_connections(16);
        options.map_sqlx_postgres_pool_opts(|o| {
            o.after_release(|conn, _| Box::pin(async move { Ok(still_usable(conn).await) }))
        });
    }
    Ok(Database::connect(options).await?)
}

/// Whether a connection going back to the pool is fit to be used again: outside any
/// transaction. A transaction that failed to commit (a full disk, a write error) can leave the
/// driver counting one transaction too many, and every later rollback on that connection then
/// only rolls back to a savepoint, keeping the write lock: such a connection is closed instead,
/// which releases whatever it holds, and the pool opens a fresh one.
async fn still_usable<C: sea_orm::sqlx::Connection>(conn: &mut C) -> bool {
    if !conn.is_in_transaction() {
        return true;
    }
    // A rollback may still be queued behind the release: let it run, then look again.
    if conn.ping().await.is_err() {
        return false;
    }
    let usable = !conn.is_in_transaction();
    if !usable {
        tracing::warn!("a database connection left in a failed transaction is closed");
    }
    usable
}

pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Starts a transaction for a write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so a read-then-write transaction never fails halfway on a busy database.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    } else {
        db.begin().await
    }
}

/// A raw statement whose `?` placeholders are written the way the backend wants them
/// (`$1, $2…` on PostgreSQL). For the few reports that read best as SQL.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            match backend {
                DbBackend::Postgres => out.push_str(&format!("${n}")),
                _ => out.push('?'),
            }
        } else {
            out.push(c);
        }
    }
    Statement::from_sql_and_values(backend, out, values)
}

/// A connection or transaction that can also stream a long result row by row.
pub trait Reader: ConnectionTrait + sea_orm::StreamTrait + Send + Sync {}
impl<T: ConnectionTrait + sea_orm::StreamTrait + Send + Sync> Reader for T {}

/// A list as a page shows it: its first lines (all of them without a limit), and how many
/// lines and people it has in all.
#[derive(Clone, Debug)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub count: u64,
    pub people: u64,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Listed {
            items: Vec::new(),
            count: 0,
            people: 0,
        }
    }
}

impl<T: AboutLeaver> Listed<T> {
    /// A list shown whole.
    pub fn whole(items: Vec<T>) -> Self {
        let mut people: Vec<i32> = items.iter().map(AboutLeaver::leaver_id).collect();
        people.sort_unstable();
        people.dedup();
        Listed {
            count: items.len() as u64,
            people: people.len() as u64,
            items,
        }
    }
}

/// A line about one person.
pub trait AboutLeaver {
    fn leaver_id(&self) -> i32;
}

/// Runs a list's query (`sql` selects a `leaver_id` column), in `order`, cut to `limit`
/// lines; the totals are counted by the database only when the list is longer.
pub async fn listed<T: FromQueryResult + AboutLeaver>(
    db: &impl ConnectionTrait,
    sql: &str,
    order: &str,
    values: Vec<Value>,
    limit: Option<u64>,
) -> Result<Listed<T>, DbErr> {
    let backend = db.get_database_backend();
    let mut page_values = values.clone();
    let page_sql = match limit {
        Some(n) => {
            page_values.push(n.into());
            format!("{sql} {order} LIMIT ?")
        }
        None => format!("{sql} {order}"),
    };
    let items = T::find_by_statement(statement(backend, &page_sql, page_values))
        .all(db)
        .await?;
    if limit.is_none_or(|n| (items.len() as u64) < n) {
        return Ok(Listed::whole(items));
    }
    #[derive(FromQueryResult)]
    struct Totals {
        count: i64,
        people: i64,
    }
    let totals = Totals::find_by_statement(statement(
        backend,
        &format!("SELECT COUNT(*) AS count, COUNT(DISTINCT x.leaver_id) AS people FROM ({sql}) x"),
        values,
    ))
    .one(db)
    .await?;
    let (count, people) = totals.map_or((0, 0), |t| (t.count, t.people));
    Ok(Listed {
        items,
        count: count.max(0) as u64,
        people: people.max(0) as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        let s = statement(
            DbBackend::Postgres,
            "a = ? AND b = ?",
            vec![1.into(), 2.into()],
        );
        assert_eq!(s.sql, "a = $1 AND b = $2");
        let s = statement(
            DbBackend::Sqlite,
            "a = ? AND b = ?",
            vec![1.into(), 2.into()],
        );
        assert_eq!(s.sql, "a = ? AND b = ?");
    }

    #[test]
    fn sqlite_file_is_read_from_the_url() {
        assert_eq!(
            sqlite_file("sqlite://./data/aftercare.db?mode=rwc"),
            Some("./data/aftercare.db".into())
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }
}
