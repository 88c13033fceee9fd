//! The `aftercare` binary as an operator runs it. Tests that also run the application in this
//! process use a multi-threaded runtime: a command waited for synchronously must not stop the
//! in-process server's tasks halfway through a write transaction.
use std::{
    io::{BufRead, BufReader, Write},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use reqwest::redirect::Policy;

use crate::helpers::{PASSWORD, field_value};

pub(crate) fn aftercare(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aftercare"));
    cmd.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("AFTERCARE_") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    cmd
}

#[test]
fn an_invalid_setting_stops_with_one_line_naming_it_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value) in [
        ("AFTERCARE_LISTEN", "nowhere"),
        ("AFTERCARE_TIME_ZONE", "Mars/Olympus"),
        ("AFTERCARE_COOKIE_SECURE", "perhaps"),
        ("AFTERCARE_SMTP_URL", "http://user:secret@mail"),
        ("AFTERCARE_SMTP_URL", "smtp://user:secret@mail:notaport"),
    ] {
        let out = aftercare(dir.path())
            .arg("serve")
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(var), "{stderr}");
        assert!(
            !stderr.contains("secret") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
    assert!(!dir.path().join("data").exists(), "nothing was created");
}

/// An unreachable PostgreSQL is named with its variable, its address and the cause, at once.
#[test]
fn an_unreachable_database_is_reported_at_once_with_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = aftercare(dir.path())
        .arg("serve")
        .env(
            "AFTERCARE_DATABASE_URL",
            "postgres://app:s3cret@127.0.0.1:5999/aftercare",
        )
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    for part in [
        "AFTERCARE_DATABASE_URL",
        "127.0.0.1:5999",
        "connection refused",
    ] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    assert!(
        !stderr.contains("s3cret") && !stderr.contains("pool timed out"),
        "{stderr}"
    );
    assert!(!stderr.contains(".rs:"), "no source locations: {stderr}");
}

/// Output piped into a command that stopped reading (`| head -1`) ends quietly: here the
/// pipe's reading end is closed before the command writes anything.
#[test]
fn a_closed_output_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["demo"][..],
        &["remind", "--date", "2026-11-25", "--dry-run"][..],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = aftercare(dir.path())
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panic"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn bad_usage_exits_with_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = aftercare(dir.path())
        .args([
            "user",
            "create",
            "--email",
            "a@example.jp",
            "--name",
            "A",
            "--role",
            "root",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = aftercare(dir.path()).args(["frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Fails the test with the command's stderr unless it exited with code 0.
fn assert_succeeded(out: &std::process::Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn run_with_stdin(
    dir: &std::path::Path,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    let mut child = aftercare(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn user_create_reads_the_password_or_generates_one() {
    let dir = tempfile::tempdir().unwrap();
    let create = [
        "user",
        "create",
        "--email",
        "Admin@Example.jp",
        "--name",
        "Yamada Taro",
        "--role",
        "admin",
    ];
    let out = run_with_stdin(dir.path(), &create, &format!("{PASSWORD}\n"));
    assert_succeeded(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("created admin account admin@example.jp"),
        "{stdout}"
    );
    assert!(!stdout.contains(PASSWORD));

    let again = run_with_stdin(dir.path(), &create, &format!("{PASSWORD}\n"));
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let short = run_with_stdin(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "b@example.jp",
            "--name",
            "B",
            "--role",
            "finance",
        ],
        "short\n",
    );
    assert_eq!(short.status.code(), Some(2));

    let generated = run_with_stdin(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "c@example.jp",
            "--name",
            "C",
            "--role",
            "coordinator",
            "--language",
            "en",
        ],
        "",
    );
    assert_eq!(generated.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&generated.stdout);
    let pw = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .expect("the generated password is printed");
    assert_eq!(pw.chars().count(), 20);
    let migrate = aftercare(dir.path()).arg("migrate").output().unwrap();
    assert_eq!(migrate.status.code(), Some(0));
}

/// A running `aftercare serve` whose log lines are collected.
pub(crate) struct Server {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// The server with a password-only sign-in (the second factor has tests of its own).
    pub(crate) fn start(dir: &std::path::Path) -> (Server, String) {
        Self::start_with(dir, &[("AFTERCARE_MFA_REQUIRED_ROLES", "none")])
    }

    pub(crate) fn start_with(dir: &std::path::Path, env: &[(&str, &str)]) -> (Server, String) {
        let mut command = aftercare(dir);
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command
            .env("AFTERCARE_LISTEN", "127.0.0.1:0")
            .env(
                "RUST_LOG",
                "debug,sqlx=warn,sea_orm=warn,hyper=warn,h2=warn,tokio=warn",
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        // Owned by `server` from here on, so the process is killed and reaped on any exit.
        let server = Server {
            child,
            log: Arc::new(Mutex::new(String::new())),
        };
        let log = server.log.clone();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let started = Instant::now();
        loop {
            let text = log.lock().unwrap().clone();
            if let Some(rest) = text.split("listening on http://").nth(1) {
                let addr = rest.split_whitespace().next().unwrap().to_string();
                return (server, format!("http://{addr}"));
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "server did not start: {text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The server process's resident memory in KiB.
    pub(crate) fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_creates_the_database_and_setup_link_and_logs_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = Server::start_with(dir.path(), &[]);
    let log = server.log();
    let token = log
        .split("/setup?token=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("the setup link is logged")
        .to_string();
    assert!(dir.path().join("data/aftercare.db").exists());
    assert!(dir.path().join("data/outbox").is_dir());

    let jar = Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(Policy::none())
        .build()
        .unwrap();
    let form = http
        .get(format!("{base}/setup?token={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = field_value(&form, "csrf_token").unwrap();
    let resp = http
        .post(format!("{base}/setup"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", &token),
            ("name", "Admin"),
            ("email", "admin@example.jp"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let session = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("aftercare_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("signed in after setup");
    // The first administrator is led to set up their second factor before anything else.
    let home = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(home.status(), 303);
    assert_eq!(home.headers()["location"], "/account/mfa");
    let enrol = http
        .get(format!("{base}/account/mfa"))
        .send()
        .await
        .unwrap();
    assert_eq!(enrol.status(), 200);
    // A failed sign-in with a password-like string typed into the email field.
    let other = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = other
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf2 = field_value(&login, "csrf_token").unwrap();
    other
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf2.as_str()),
            ("email", "hunter2-typed-in-email"),
            ("password", "my secret attempt"),
        ])
        .send()
        .await
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let log = server.log();
    assert!(
        log.contains("method=POST") && log.contains("path=/setup") && log.contains("status=303"),
        "{log}"
    );
    assert!(log.contains("latency_ms="));
    for secret in [
        PASSWORD,
        "my secret attempt",
        "hunter2-typed-in-email",
        &session,
        &csrf,
        "admin@example.jp",
    ] {
        assert!(!log.contains(secret), "the log contains {secret:?}:\n{log}");
    }
    // The token appears only in the one-time setup link, never in request lines.
    assert_eq!(log.matches(&token).count(), 1, "{log}");
    drop(server);

    // The database runs in WAL mode.
    let db = sea_orm::Database::connect(format!(
        "sqlite://{}",
        dir.path().join("data/aftercare.db").display()
    ))
    .await
    .unwrap();
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA journal_mode",
        ))
        .await
        .unwrap()
        .unwrap();
    let mode: String = row.try_get_by_index(0).unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
}

#[test]
fn import_and_demo_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/leavers-example.csv"
    );
    // The example names a coordinator who does not exist yet: every problem is listed.
    let out = aftercare(dir.path())
        .args(["import", "leavers", example])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("row 2, coordinator_id: Choose an active coordinator."),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"));

    let user = run_with_stdin(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "coordinator@example.com",
            "--name",
            "C",
            "--role",
            "coordinator",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(user.status.code(), Some(0));
    let out = aftercare(dir.path())
        .args(["import", "leavers", example])
        .output()
        .unwrap();
    assert_succeeded(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 3 records"));

    let demo = aftercare(dir.path()).arg("demo").output().unwrap();
    assert_succeeded(&demo);
    let stdout = String::from_utf8_lossy(&demo.stdout);
    assert!(
        stdout.contains("loaded 200 fictional care leavers"),
        "{stdout}"
    );
    assert!(
        stdout.contains("demo.coordinator1@example.com")
            && stdout.contains("demo.admin@example.com")
    );
    let again = aftercare(dir.path()).arg("demo").output().unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already loaded"));
    let missing = aftercare(dir.path())
        .args(["import", "leavers", "no-such-file.csv"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn remind_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let dry = aftercare(dir.path())
        .args(["remind", "--date", "2026-11-25", "--dry-run"])
        .output()
        .unwrap();
    assert_succeeded(&dry);
    assert!(
        String::from_utf8_lossy(&dry.stdout)
            .contains("dry run for 2026-11-25: 0 emails would be sent")
    );
    let run = aftercare(dir.path())
        .args(["remind", "--date", "2026-11-25"])
        .output()
        .unwrap();
    assert_succeeded(&run);
    assert!(String::from_utf8_lossy(&run.stdout).contains("2026-11-25: 0 reminders in 0 emails"));
    let bad = aftercare(dir.path())
        .args(["remind", "--date", "someday"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// After a crash mid-delivery, the dead holder's lease keeps `remind` waiting no longer than
/// the lease lasts; it says who held delivery and sends what was waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remind_waits_out_a_crashed_holders_lease_and_delivers() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = crate::helpers::spawn_app().await;
    crate::reminders::one_follow_up_due_on_25_november(&app).await;
    aftercare::reminders::run::run_for_day(&app.state, "2026-11-25".parse().unwrap())
        .await
        .unwrap();
    // A server died while holding delivery; its lease has 3 s left.
    entity::leases::ActiveModel {
        name: Set("delivery".into()),
        holder: Set("crashed-4242".into()),
        expires_at: Set(chrono::Utc::now() + chrono::Duration::seconds(3)),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = aftercare(work.path())
        .args(["remind", "--date", "2026-11-25"])
        .env("AFTERCARE_DATA_DIR", &app.state.config.data_dir)
        .env("AFTERCARE_DATABASE_URL", &app.state.config.database_url)
        .output()
        .unwrap();
    assert_succeeded(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("delivery is held by crashed-4242"), "{text}");
    assert!(
        text.contains("sent 1, to retry 0, failed 0; 0 emails waiting"),
        "{text}"
    );
}

#[test]
fn the_annual_report_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = aftercare(dir.path())
        .args(["report", "annual", "--fy", "2026"])
        .output()
        .unwrap();
    assert_succeeded(&text);
    assert!(String::from_utf8_lossy(&text.stdout).contains("年度中に支援した人数\t0"));
    let csv = aftercare(dir.path())
        .args(["report", "annual", "--fy", "2026", "--csv"])
        .output()
        .unwrap();
    assert_eq!(csv.status.code(), Some(0));
    assert!(csv.stdout.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&csv.stdout).contains("区分,項目,値\r\n"));
    let bad = aftercare(dir.path())
        .args(["report", "annual", "--fy", "26"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn audit_verify_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let user = run_with_stdin(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "a@example.jp",
            "--name",
            "A",
            "--role",
            "admin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(user.status.code(), Some(0));
    let ok = aftercare(dir.path())
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert_succeeded(&ok);
    assert!(String::from_utf8_lossy(&ok.stdout).contains("audit chain intact: 1 entries"));
    // Tamper with the file directly.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(format!(
            "sqlite://{}",
            dir.path().join("data/aftercare.db").display()
        ))
        .await
        .unwrap();
        db.execute_unprepared("DROP TRIGGER audit_log_no_update")
            .await
            .unwrap();
        db.execute_unprepared("UPDATE audit_log SET summary = 'role: coordinator' WHERE id = 1")
            .await
            .unwrap();
    });
    let bad = aftercare(dir.path())
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("audit chain broken at entry 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_from_the_command_line() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let dir = tempfile::tempdir().unwrap();
    let create = |email: &str| {
        run_with_stdin(
            dir.path(),
            &[
                "user", "create", "--email", email, "--name", "N", "--role", "admin",
            ],
            &format!("{PASSWORD}\n"),
        )
    };
    assert_eq!(create("a@example.jp").status.code(), Some(0));
    let b1 = dir.path().join("backups/b1");
    let out = aftercare(dir.path())
        .arg("backup")
        .arg(&b1)
        .output()
        .unwrap();
    assert_succeeded(&out);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b1.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["rows"]["users"], 1);
    assert_eq!(manifest["integrity"], "ok");
    assert_eq!(manifest["sha256"].as_str().unwrap().len(), 64);
    assert!(
        manifest["schema_version"]
            .as_str()
            .unwrap()
            .starts_with("m2026")
    );
    assert_eq!(
        aftercare(dir.path())
            .arg("backup")
            .arg(&b1)
            .output()
            .unwrap()
            .status
            .code(),
        Some(1),
        "never overwritten"
    );

    // Changes after the backup are undone by the restore; the replaced database is kept.
    assert_eq!(create("b@example.jp").status.code(), Some(0));
    let restored = aftercare(dir.path())
        .arg("restore")
        .arg(&b1)
        .output()
        .unwrap();
    assert_succeeded(&restored);
    assert!(
        String::from_utf8_lossy(&restored.stdout).contains("the previous database is kept as"),
        "{restored:?}"
    );
    let db = sea_orm::Database::connect(format!(
        "sqlite://{}",
        dir.path().join("data/aftercare.db").display()
    ))
    .await
    .unwrap();
    assert_eq!(entity::users::Entity::find().count(&db).await.unwrap(), 1);
    db.close().await.unwrap();
    assert!(
        std::fs::read_dir(dir.path().join("data"))
            .unwrap()
            .any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("before-restore"))
    );

    // A damaged backup is refused.
    let b2 = dir.path().join("backups/b2");
    std::fs::create_dir_all(&b2).unwrap();
    std::fs::copy(b1.join("manifest.json"), b2.join("manifest.json")).unwrap();
    let mut bytes = std::fs::read(b1.join("aftercare.db")).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(b2.join("aftercare.db"), bytes).unwrap();
    let damaged = aftercare(dir.path())
        .arg("restore")
        .arg(&b2)
        .output()
        .unwrap();
    assert_eq!(damaged.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&damaged.stderr).contains("does not match its manifest"));
    // A damaged manifest is named as such.
    std::fs::write(b2.join("manifest.json"), b"{\n  \"file\": \"\\ud800\"").unwrap();
    let damaged = aftercare(dir.path())
        .arg("restore")
        .arg(&b2)
        .output()
        .unwrap();
    assert_eq!(damaged.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&damaged.stderr);
    assert!(
        stderr.contains("manifest.json is damaged or not a backup manifest"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    // Not while a server runs on the data folder.
    let (server, _) = Server::start(dir.path());
    let busy = aftercare(dir.path())
        .arg("restore")
        .arg(&b1)
        .output()
        .unwrap();
    assert_eq!(busy.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&busy.stderr).contains("a server is running"));
    // A backup works while it runs.
    let live = aftercare(dir.path())
        .arg("backup")
        .arg(dir.path().join("backups/b3"))
        .output()
        .unwrap();
    assert_succeeded(&live);
    drop(server);
}

/// The restore drill: while the server writes continuously, a backup is taken; restored into
/// a fresh data folder, the server starts on it and every row committed before the backup
/// began is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_drill_brings_back_every_row_committed_before_the_backup() {
    use aftercare::roles::Role;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use std::sync::atomic::{AtomicBool, Ordering};
    let app = crate::helpers::spawn_app().await;
    if app.state.db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return; // PostgreSQL is backed up with pg_dump (see the test below).
    }
    app.create_user(Role::Admin, "drill@example.jp").await;
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("drill-backup");
    let data_dir = app.state.config.data_dir.clone();
    let committed: Arc<Mutex<Vec<String>>> = Arc::default();
    let done = AtomicBool::new(false);
    let writing = async {
        let mut n = 0;
        while !done.load(Ordering::SeqCst) {
            let case = format!("DRILL-{n:05}");
            app.create_leaver(&case, None, &[]).await;
            committed.lock().unwrap().push(case);
            n += 1;
        }
    };
    let backing_up = async {
        while committed.lock().unwrap().len() < 20 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let before = committed.lock().unwrap().clone();
        let (cwd, target, data_dir) = (work.path().to_owned(), target.clone(), data_dir.clone());
        let out = tokio::task::spawn_blocking(move || {
            aftercare(&cwd)
                .arg("backup")
                .arg(&target)
                .env("AFTERCARE_DATA_DIR", &data_dir)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        // Writing goes on for a while after the copy.
        let seen = committed.lock().unwrap().len();
        while committed.lock().unwrap().len() < seen + 20 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        done.store(true, Ordering::SeqCst);
        (before, out)
    };
    let ((), (before, out)) = tokio::join!(writing, backing_up);
    assert_succeeded(&out);
    assert!(
        committed.lock().unwrap().len() > before.len(),
        "the server was writing during the backup"
    );

    let fresh = tempfile::tempdir().unwrap();
    let restored = aftercare(fresh.path())
        .arg("restore")
        .arg(&target)
        .output()
        .unwrap();
    assert_succeeded(&restored);
    let said = String::from_utf8_lossy(&restored.stdout);
    assert!(
        said.contains("there was no previous database") && !said.contains("is kept as"),
        "{said}"
    );
    let (server, address) = Server::start(fresh.path());
    let browser = crate::helpers::Browser::at(&address);
    assert_eq!(browser.get("/healthz").await.status, 200);
    // The administrator of the restored database signs in and finds the first record.
    let signed_in = browser.login("drill@example.jp", PASSWORD).await;
    assert_eq!(signed_in.status, 303, "{}", server.log());
    let found = browser
        .get_leavers("coordinator=all&q=DRILL-00000")
        .await
        .body;
    assert!(found.contains("DRILL-00000"));
    let db = sea_orm::Database::connect(format!(
        "sqlite://{}",
        fresh.path().join("data/aftercare.db").display()
    ))
    .await
    .unwrap();
    let there: std::collections::HashSet<String> = entity::leavers::Entity::find()
        .filter(entity::leavers::Column::CaseNumber.starts_with("DRILL-"))
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.case_number)
        .collect();
    db.close().await.unwrap();
    for case in &before {
        assert!(
            there.contains(case),
            "{case} was committed before the backup"
        );
    }
    drop(server);
}

/// On PostgreSQL, `aftercare backup` writes a `pg_dump -Fc` archive with its manifest, and
/// `pg_restore` can read it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_backup_is_a_pg_dump_archive() {
    let app = crate::helpers::spawn_app().await;
    if app.state.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return; // SQLite: the drill above.
    }
    app.create_leaver("PG-1", None, &[]).await;
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("pg-backup");
    let out = aftercare(work.path())
        .arg("backup")
        .arg(&target)
        .env("AFTERCARE_DATABASE_URL", &app.state.config.database_url)
        .output()
        .unwrap();
    if Command::new("pg_dump").arg("--version").output().is_err() {
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump is not installed"));
        return;
    }
    assert_succeeded(&out);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(target.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["file"], "aftercare.dump");
    let dump = std::fs::read(target.join("aftercare.dump")).unwrap();
    assert!(dump.starts_with(b"PGDMP"), "a custom-format archive");
    use sha2::Digest;
    assert_eq!(manifest["sha256"], hex::encode(sha2::Sha256::digest(&dump)));
    let listing = Command::new("pg_restore")
        .arg("--list")
        .arg(target.join("aftercare.dump"))
        .output()
        .unwrap();
    assert_succeeded(&listing);
    assert!(String::from_utf8_lossy(&listing.stdout).contains("TABLE DATA public leavers"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_lists_records_past_their_date_from_the_command_line() {
    let app = crate::helpers::spawn_app().await;
    // Support ended 2021-03-31, closed before: kept for five years, until 2026-03-31.
    let old = app
        .create_leaver(
            "OLD-1",
            None,
            &[
                ("date_of_birth", "1999-04-01"),
                ("placement_ended_on", "2017-03-31"),
            ],
        )
        .await;
    app.close_leaver(old.id, "2020-12-01").await;
    app.create_leaver("NEW-1", None, &[]).await;
    let work = tempfile::tempdir().unwrap();
    let list = |date: &str| {
        aftercare(work.path())
            .args(["retention", "--date", date])
            .env("AFTERCARE_DATA_DIR", &app.state.config.data_dir)
            .env("AFTERCARE_DATABASE_URL", &app.state.config.database_url)
            .output()
            .unwrap()
    };
    let on_the_day = list("2026-03-31");
    assert_succeeded(&on_the_day);
    let text = String::from_utf8_lossy(&on_the_day.stdout);
    assert!(text.starts_with("0 records"), "{text}");
    let after = list("2026-04-01");
    assert_succeeded(&after);
    let text = String::from_utf8_lossy(&after.stdout);
    assert!(text.starts_with("1 records"), "{text}");
    assert!(text.contains("OLD-1  kept until 2026-03-31") && !text.contains("NEW-1"));
    assert!(!text.contains("山田"), "no names on the terminal");
    assert_eq!(list("someday").status.code(), Some(2));
}

/// The command line prints the same figures as the page's CSV.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_command_gives_the_same_figures_as_the_csv_download() {
    use aftercare::{i18n::Lang, roles::Role};
    let app = crate::helpers::spawn_app().await;
    crate::reports::population(&app).await;
    let user = app
        .create_user_lang(Role::Finance, "kaikei@example.jp", Lang::Ja)
        .await;
    let browser = app.browser();
    browser.login(&user.email, PASSWORD).await;
    let download = browser.download("/reports/annual.csv?fy=2026").await;
    let work = tempfile::tempdir().unwrap();
    let out = aftercare(work.path())
        .args(["report", "annual", "--fy", "2026", "--csv"])
        .env("AFTERCARE_DATA_DIR", &app.state.config.data_dir)
        .env("AFTERCARE_DATABASE_URL", &app.state.config.database_url)
        .output()
        .unwrap();
    assert_succeeded(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("年度中に支援した人数,6"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&download)
    );
}

/// `remind --dry-run` on a database with work to do prints each recipient's items and
/// records nothing; the run itself then queues them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remind_dry_run_prints_per_recipient_and_records_nothing() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = crate::helpers::spawn_app().await;
    crate::reminders::one_follow_up_due_on_25_november(&app).await;
    let work = tempfile::tempdir().unwrap();
    let remind = |extra: &[&str]| {
        aftercare(work.path())
            .args(["remind", "--date", "2026-11-25"])
            .args(extra)
            .env("AFTERCARE_DATA_DIR", &app.state.config.data_dir)
            .env("AFTERCARE_DATABASE_URL", &app.state.config.database_url)
            .output()
            .unwrap()
    };
    let dry = remind(&["--dry-run"]);
    assert_succeeded(&dry);
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(
        text.contains("to coordinator user <c@example.jp>"),
        "{text}"
    );
    assert!(text.contains("follow_up_due SP-1"), "{text}");
    let count = || async {
        (
            entity::outbox::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            entity::reminders::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
        )
    };
    assert_eq!(count().await, (0, 0), "a dry run records nothing");
    let real = remind(&[]);
    assert_succeeded(&real);
    let (emails, reminders) = count().await;
    assert_eq!(emails, 1);
    assert!(reminders >= 1);
}
