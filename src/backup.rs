//! `aftercare backup PATH` and `aftercare restore PATH`: a consistent, verified copy of the
//! database made while the server runs, and putting one back while it does not.
//!
//! A backup is a folder: `aftercare.db` (SQLite `VACUUM INTO`, checked with
//! `PRAGMA integrity_check`) and `manifest.json` (schema version, row counts, SHA-256), built
//! under a temporary name and renamed into place at the end. On PostgreSQL the folder holds
//! `aftercare.dump` from `pg_dump -Fc`.
use std::{
    collections::BTreeMap,
    fs::File,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;

pub const DB_FILE: &str = "aftercare.db";
pub const MANIFEST: &str = "manifest.json";
pub const LOCK_FILE: &str = "server.lock";

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub created_at: String,
    pub schema_version: String,
    pub file: String,
    pub sha256: String,
    pub integrity: String,
    pub rows: BTreeMap<String, i64>,
}

fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    let mut file = File::open(path)?;
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

async fn scalar_text(db: &DatabaseConnection, sql: &str) -> anyhow::Result<String> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .context("no answer")?;
    Ok(row.try_get_by_index::<String>(0)?)
}

async fn facts(db: &DatabaseConnection) -> anyhow::Result<(String, BTreeMap<String, i64>)> {
    let version = scalar_text(
        db,
        "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
    )
    .await?;
    let tables = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        ))
        .await?;
    let mut rows = BTreeMap::new();
    for t in tables {
        let name: String = t.try_get_by_index(0)?;
        let count = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) FROM \"{name}\""),
            ))
            .await?
            .context("count")?
            .try_get_by_index::<i64>(0)?;
        rows.insert(name, count);
    }
    Ok((version, rows))
}

async fn open_file(path: &Path) -> anyhow::Result<DatabaseConnection> {
    Ok(sea_orm::Database::connect(format!("sqlite://{}?mode=ro", path.display())).await?)
}

/// Checks a backup folder: the file matches the manifest's SHA-256 and passes SQLite's
/// integrity check.
pub async fn verify(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(MANIFEST);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is damaged or not a backup manifest ({e})",
            path.display()
        )
    })?;
    let file = dir.join(&manifest.file);
    let actual = sha256_file(&file).with_context(|| format!("reading {}", file.display()))?;
    if actual != manifest.sha256 {
        bail!(
            "{} does not match its manifest (SHA-256 differs)",
            file.display()
        );
    }
    if manifest.file == DB_FILE {
        let db = open_file(&file).await?;
        let integrity = scalar_text(&db, "PRAGMA integrity_check").await?;
        db.close().await.ok();
        if integrity != "ok" {
            bail!("integrity check failed: {integrity}");
        }
    }
    Ok(manifest)
}

/// Makes a verified backup folder at `target` (which must not exist yet).
pub async fn backup(
    config: &Config,
    db: &DatabaseConnection,
    target: &Path,
) -> anyhow::Result<Manifest> {
    if target.exists() {
        bail!("{} already exists", target.display());
    }
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let partial = parent.join(format!(
        ".{}.partial-{}",
        target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("backup"),
        crate::auth::tokens::random_hex(4)
    ));
    std::fs::create_dir(&partial)?;
    let result = async {
        let manifest = match db.get_database_backend() {
            DbBackend::Sqlite => {
                let file = partial.join(DB_FILE);
                let escaped = file.display().to_string().replace('\'', "''");
                db.execute_unprepared(&format!("VACUUM INTO '{escaped}'")).await?;
                let copy = open_file(&file).await?;
                let integrity = scalar_text(&copy, "PRAGMA integrity_check").await?;
                let (schema_version, rows) = facts(&copy).await?;
                copy.close().await.ok();
                if integrity != "ok" {
                    bail!("the copy failed its integrity check: {integrity}");
                }
                Manifest {
                    created_at: chrono::Utc::now().to_rfc3339(),
                    schema_version,
                    file: DB_FILE.into(),
                    sha256: sha256_file(&file)?,
                    integrity,
                    rows,
                }
            }
            _ => {
                let dump = partial.join("aftercare.dump");
                // The password goes to pg_dump in its environment, not on its command line
                // where any local user's `ps` would show it.
                let (url, password) = without_password(&config.database_url);
                let mut command = std::process::Command::new("pg_dump");
                command.args(["-Fc", "-f"]).arg(&dump).arg(url);
                if let Some(password) = password {
                    command.env("PGPASSWORD", password);
                }
                let status = command.status();
                match status {
                    Err(_) => bail!("pg_dump is not installed: install PostgreSQL's client tools to back up a PostgreSQL database"),
                    Ok(s) if !s.success() => bail!("pg_dump failed ({s})"),
                    Ok(_) => {}
                }
                Manifest {
                    created_at: chrono::Utc::now().to_rfc3339(),
                    schema_version: scalar_text(db, "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1").await?,
                    file: "aftercare.dump".into(),
                    sha256: sha256_file(&dump)?,
                    integrity: "pg_dump".into(),
                    rows: BTreeMap::new(),
                }
            }
        };
        std::fs::write(partial.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
        std::fs::rename(&partial, target)?;
        Ok(manifest)
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    result
}

fn lock_file(config: &Config) -> anyhow::Result<File> {
    std::fs::create_dir_all(&config.data_dir)?;
    Ok(File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(config.data_dir.join(LOCK_FILE))?)
}

/// Held (shared) by every server on the data folder while it runs, so `restore` can tell.
pub fn hold_while_serving(config: &Config) -> anyhow::Result<File> {
    let file = lock_file(config)?;
    file.try_lock_shared()
        .map_err(|_| anyhow::anyhow!("a restore is running on {}", config.data_dir.display()))?;
    Ok(file)
}

/// A PostgreSQL URL without its password, and the password (percent-decoded).
fn without_password(database_url: &str) -> (String, Option<String>) {
    match url::Url::parse(database_url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let password = parsed.password().map(|p| {
                percent_encoding::percent_decode_str(p)
                    .decode_utf8_lossy()
                    .into_owned()
            });
            let _ = parsed.set_password(None);
            (parsed.to_string(), password)
        }
        _ => (database_url.to_string(), None),
    }
}

/// Puts a verified SQLite backup in place of the current database, keeping the current one
/// aside. Refused while a server runs on the data folder.
/// Restores the backup in `source`; returns where the database it replaced was set aside, or
/// `None` when there was none.
pub async fn restore(config: &Config, source: &Path) -> anyhow::Result<Option<PathBuf>> {
    if !config.is_sqlite() {
        bail!("restore works on the SQLite database; restore PostgreSQL with pg_restore");
    }
    let manifest = verify(source).await?;
    let lock = lock_file(config)?;
    lock.try_lock().map_err(|_| {
        anyhow::anyhow!(
            "a server is running on {}: stop it first",
            config.data_dir.display()
        )
    })?;
    let live = crate::db::sqlite_file(&config.database_url)
        .context("the SQLite file of AFTERCARE_DATABASE_URL")?;
    let dir = live.parent().map(Path::to_path_buf).unwrap_or_default();
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let name = live
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(DB_FILE)
        .to_string();
    let aside = dir.join(format!("{name}.before-restore-{stamp}"));
    let incoming = dir.join(format!(".{name}.restoring"));
    std::fs::copy(source.join(&manifest.file), &incoming)?;
    if sha256_file(&incoming)? != manifest.sha256 {
        let _ = std::fs::remove_file(&incoming);
        bail!("the copied file does not match the manifest");
    }
    let replaced = live.exists();
    if replaced {
        // Everything committed goes into the file itself first, so the write-ahead log set
        // aside below holds nothing the kept copy lacks.
        // A damaged database may refuse: it is set aside as it is, write-ahead log and all.
        let checkpoint = async {
            let current =
                sea_orm::Database::connect(format!("sqlite://{}?mode=rw", live.display())).await?;
            current
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
            current.close().await
        };
        if let Err(e) = checkpoint.await {
            tracing::warn!(error = %e, "the current database could not be checkpointed first");
        }
        // The current file stays in place (a second name keeps it aside) until the rename
        // below swaps the new one in, so there is never a moment without a database.
        if aside.exists() {
            let _ = std::fs::remove_file(&incoming);
            bail!("{} already exists: try again in a second", aside.display());
        }
        if std::fs::hard_link(&live, &aside).is_err() {
            std::fs::copy(&live, &aside)?;
        }
        for suffix in ["-wal", "-shm"] {
            let side = dir.join(format!("{name}{suffix}"));
            if side.exists() {
                std::fs::rename(
                    &side,
                    dir.join(format!("{name}.before-restore-{stamp}{suffix}")),
                )?;
            }
        }
    }
    std::fs::rename(&incoming, &live)?;
    Ok(replaced.then_some(aside))
}

/// Which scheduled backups to keep: the newest of each of the last 7 days, of the last 4
/// ISO weeks and of the last 12 months that have one. `taken` are the backups' times.
pub fn to_keep(
    taken: &[chrono::NaiveDateTime],
) -> std::collections::BTreeSet<chrono::NaiveDateTime> {
    use chrono::Datelike;
    let mut sorted = taken.to_vec();
    sorted.sort_by(|a, b| b.cmp(a));
    let mut keep = std::collections::BTreeSet::new();
    let mut pick = |key: &dyn Fn(&chrono::NaiveDateTime) -> (i32, u32), limit: usize| {
        let mut seen = Vec::new();
        for t in &sorted {
            let k = key(t);
            if !seen.contains(&k) {
                if seen.len() == limit {
                    break;
                }
                seen.push(k);
                keep.insert(*t);
            }
        }
    };
    pick(&|t| (t.year(), t.ordinal()), 7);
    pick(&|t| (t.iso_week().year(), t.iso_week().week()), 4);
    pick(&|t| (t.year(), t.month()), 12);
    keep
}

const STAMP: &str = "%Y%m%dT%H%M%S";

/// A scheduled backup into `DATA_DIR/backups/<time>`, then older ones pruned.
pub async fn scheduled(
    config: &Config,
    db: &DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<PathBuf> {
    let dir = config.data_dir.join("backups");
    let target = dir.join(now.format(STAMP).to_string());
    backup(config, db, &target).await?;
    let taken: Vec<(chrono::NaiveDateTime, PathBuf)> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            chrono::NaiveDateTime::parse_from_str(&name, STAMP)
                .ok()
                .map(|t| (t, e.path()))
        })
        .collect();
    let keep = to_keep(&taken.iter().map(|(t, _)| *t).collect::<Vec<_>>());
    for (t, path) in taken {
        if !keep.contains(&t) {
            std::fs::remove_dir_all(&path)?;
        }
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, NaiveDate};

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        assert_eq!(
            without_password("postgres://app:s%40cret@db:5432/aftercare?sslmode=require"),
            (
                "postgres://app@db:5432/aftercare?sslmode=require".to_string(),
                Some("s@cret".to_string())
            )
        );
        assert_eq!(
            without_password("postgres://app@db/aftercare"),
            ("postgres://app@db/aftercare".to_string(), None)
        );
    }

    #[test]
    fn seven_daily_four_weekly_twelve_monthly() {
        let start = NaiveDate::from_ymd_opt(2025, 1, 1)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap();
        // One backup a day for 500 days.
        let taken: Vec<_> = (0..500).map(|d| start + Duration::days(d)).collect();
        let keep = to_keep(&taken);
        let newest = *taken.last().unwrap();
        for d in 0..7 {
            assert!(keep.contains(&(newest - Duration::days(d))), "daily {d}");
        }
        assert!(keep.len() <= 7 + 4 + 12);
        assert!(keep.len() >= 12);
        // The oldest kept is about a year back, not 500 days.
        let oldest = keep.iter().next().unwrap();
        assert!(newest - *oldest < Duration::days(370));
    }

    /// What the scheduler does: a backup every day at 02:00, pruned right after, for 400
    /// days. Every day the set holds exactly the newest backup of each of the last 7 days,
    /// the last 4 ISO weeks and the last 12 months, and nothing else.
    #[test]
    fn pruning_every_day_for_400_days_keeps_exactly_the_rotation() {
        use chrono::Datelike;
        let start = NaiveDate::from_ymd_opt(2025, 11, 20)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap();
        let mut kept: std::collections::BTreeSet<chrono::NaiveDateTime> = Default::default();
        for day in 0..400 {
            let now = start + Duration::days(day);
            kept.insert(now);
            kept = to_keep(&kept.iter().copied().collect::<Vec<_>>());
            let taken: Vec<_> = (0..=day).map(|d| start + Duration::days(d)).collect();
            // The newest backup of each period, over everything ever taken.
            let newest_per = |key: &dyn Fn(&chrono::NaiveDateTime) -> (i32, u32), n: usize| {
                let mut periods: Vec<((i32, u32), chrono::NaiveDateTime)> = Vec::new();
                for t in taken.iter().rev() {
                    if !periods.iter().any(|(k, _)| *k == key(t)) {
                        periods.push((key(t), *t));
                    }
                }
                periods
                    .into_iter()
                    .take(n)
                    .map(|(_, t)| t)
                    .collect::<Vec<_>>()
            };
            let mut expected = std::collections::BTreeSet::new();
            expected.extend(newest_per(&|t| (t.year(), t.ordinal()), 7));
            expected.extend(newest_per(
                &|t| (t.iso_week().year(), t.iso_week().week()),
                4,
            ));
            expected.extend(newest_per(&|t| (t.year(), t.month()), 12));
            assert_eq!(kept, expected, "day {day} ({now})");
            assert!(kept.len() <= 7 + 4 + 12, "day {day}: {} kept", kept.len());
        }
        // After 400 days: the last 7 days, and the oldest is the end of a month a year back.
        let newest = start + Duration::days(399);
        for d in 0..7 {
            assert!(kept.contains(&(newest - Duration::days(d))));
        }
        let oldest = *kept.iter().next().unwrap();
        assert!(newest - oldest > Duration::days(300) && newest - oldest < Duration::days(370));
        assert_eq!(
            (oldest + Duration::days(1)).day(),
            1,
            "a month is kept by its last backup"
        );
    }
}
