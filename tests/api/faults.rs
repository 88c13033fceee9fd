//! Faults of the machine under the server: a full disk. Once the cause goes away, the server
//! serves again within seconds, without a restart, and `/healthz` tells the truth meanwhile.
use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use crate::{
    command_line::{Server, run_with_stdin},
    helpers::{Browser, PASSWORD, as_refs, leaver_fields},
};

/// A small tmpfs mounted at `dir/data`, unmounted on drop. `None` where mounting is not
/// allowed (not root, or no mount namespace for us).
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    fn mount(dir: &Path, megabytes: u32) -> Option<SmallDisk> {
        let path = dir.join("data");
        std::fs::create_dir_all(&path).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}M"), "tmpfs"])
            .arg(&path)
            .output()
            .ok()?
            .status
            .success();
        ok.then_some(SmallDisk { path })
    }

    /// Fills the disk to the last byte; returns the filler's path.
    fn fill(&self) -> PathBuf {
        let filler = self.path.join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let small = [0u8; 512];
        while f.write_all(&small).is_ok() {}
        let _ = f.write_all(&[0u8]);
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Polls `check` every 200 ms until it holds or `limit` passes; how long it took.
async fn within<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

#[tokio::test]
async fn after_the_disk_fills_and_frees_the_server_serves_again_within_seconds() {
    if std::env::var("AFTERCARE_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        // The fault is in SQLite's own files; PostgreSQL keeps its data elsewhere.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = SmallDisk::mount(dir.path(), 24) else {
        eprintln!("skipped: mounting a small tmpfs is not allowed here (needs root)");
        return;
    };
    let created = run_with_stdin(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "lead@example.jp",
            "--name",
            "Lead",
            "--role",
            "admin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(created.status.success(), "{created:?}");
    let (server, base) = Server::start(dir.path());
    let browser = Browser::at(&base);
    browser
        .login("lead@example.jp", PASSWORD)
        .await
        .assert_redirect_to("/");
    let new = browser
        .post_new_leaver(&as_refs(&leaver_fields("SP-1")))
        .await;
    new.assert_redirect_under("/leavers/");
    let show = new.location.clone().unwrap();
    let consult = format!("{show}/consultations/new");
    let post = |held_at: &'static str| {
        let browser = &browser;
        let consult = consult.clone();
        async move {
            browser
                .submit(
                    &consult,
                    &consult,
                    &[
                        ("held_at", held_at),
                        ("status", "held"),
                        ("channel", "phone"),
                        ("summary", "talked about the flat"),
                    ],
                )
                .await
        }
    };
    assert_eq!(post("2026-11-20T10:00").await.status, 303);

    let filler = disk.fill();
    // While the disk is full, writes fail and the health check says so.
    let write_failed = post("2026-11-21T10:00").await;
    assert_ne!(write_failed.status, 303, "a write on a full disk");
    let unhealthy = within(Duration::from_secs(10), || async {
        browser.get("/healthz").await.status == 503
    })
    .await;
    assert!(unhealthy.is_some(), "healthz stays 200 on a full disk");

    std::fs::remove_file(&filler).unwrap();
    let healthy = within(Duration::from_secs(10), || async {
        browser.get("/healthz").await.status == 200
    })
    .await;
    assert!(healthy.is_some(), "healthz recovers: {}", server.log());
    let served = within(Duration::from_secs(10), || async {
        browser.get(&show).await.status == 200 && browser.get_leavers("").await.status == 200
    })
    .await;
    assert!(served.is_some(), "pages recover: {}", server.log());
    let written = within(Duration::from_secs(10), || async {
        post("2026-11-22T10:00").await.status == 303
    })
    .await;
    assert!(written.is_some(), "writes recover: {}", server.log());
    drop(server);
}

/// A write that fails after SQLite has already rolled its transaction back (here a trigger
/// raising ROLLBACK; a full disk does the same) leaves the driver counting a transaction that
/// no longer exists. That connection must not go back into use holding the write lock: other
/// connections can write at once afterwards.
#[tokio::test]
async fn a_connection_left_in_a_failed_transaction_does_not_keep_the_write_lock() {
    use aftercare::db;
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = crate::helpers::spawn_app().await;
    if !app.state.config.is_sqlite() {
        return;
    }
    let url = app.state.config.database_url.clone();
    let pool = db::connect(&url).await.unwrap();
    pool.execute_unprepared(
        "CREATE TRIGGER refuse_health BEFORE INSERT ON health_checks \
         BEGIN SELECT RAISE(ROLLBACK, 'refused'); END",
    )
    .await
    .unwrap();
    let txn = db::begin_write(&pool).await.unwrap();
    let failed = txn
        .execute_unprepared("INSERT INTO health_checks (id, checked_at) VALUES (7, 0)")
        .await;
    assert!(failed.is_err());
    drop(txn);
    pool.execute_unprepared("DROP TRIGGER refuse_health")
        .await
        .unwrap();
    // The same pool goes on: a write begun and abandoned, as a refused form does.
    for _ in 0..3 {
        let txn = db::begin_write(&pool).await.unwrap();
        txn.execute_unprepared("UPDATE health_checks SET checked_at = 1 WHERE id = 1")
            .await
            .unwrap();
        drop(txn);
    }
    // Another connection writes without waiting.
    let other = sea_orm::Database::connect(url.as_str()).await.unwrap();
    other
        .execute_unprepared("PRAGMA busy_timeout = 1000")
        .await
        .unwrap();
    let started = Instant::now();
    let txn = other.begin().await.unwrap();
    let wrote = txn
        .execute_unprepared("UPDATE health_checks SET checked_at = 2 WHERE id = 1")
        .await;
    assert!(wrote.is_ok(), "the write lock was kept: {wrote:?}");
    txn.commit().await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(900));
}
