//! The page benchmark: each main page's requests per second under `wrk` (2 threads, 64
//! connections), beside a poem "hello world" served by the same process in the same run as
//! the ceiling, and the 99th percentile latency. 10,000 fictional leavers in a fresh SQLite
//! database (or `AFTERCARE_DATABASE_URL`'s PostgreSQL), signed in as a coordinator whose
//! caseload is one in ten of them, read auditing on.
//!
//! apt-get install wrk; cargo run --release --example bench_pages [-- SECONDS]
#[path = "support/seed.rs"]
mod support;

use std::process::Command;

use aftercare::{
    app::Application,
    clock::Clock,
    config::{Config, Sources},
    db,
    roles::Role,
    users::{forms::Email, forms::UserDetails, queries},
};
use poem::{EndpointExt, Route, Server, get, handler, listener::TcpListener};

const PASSWORD: &str = "a long benchmark passphrase";

/// The benchmarked leaver's history: 100 consultations and 10 allowances, as a person well
/// into their support has.
async fn history(
    db: &sea_orm::DatabaseConnection,
    leaver_id: i32,
    coordinator: i32,
) -> anyhow::Result<()> {
    use chrono::{Duration, NaiveDate, Utc};
    use entity::{allowances, consultations};
    use sea_orm::{EntityTrait, Set};
    let now = Utc::now();
    let consultations = (0..100).map(|n: i64| {
        let planned = n < 5;
        consultations::ActiveModel {
            leaver_id: Set(leaver_id),
            held_at: Set(if planned {
                now + Duration::days(n + 1)
            } else {
                now - Duration::days(7 * n)
            }),
            status: Set(if planned {
                consultations::Status::Planned
            } else {
                consultations::Status::Held
            }),
            channel: Set(
                consultations::Channel::ALL[n as usize % consultations::Channel::ALL.len()]
            ),
            summary: Set(Some(format!("Consultation {n}: housing, work and health."))),
            next_follow_up_on: Set(None),
            recorded_by: Set(Some(coordinator)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
    });
    consultations::Entity::insert_many(consultations)
        .exec_without_returning(db)
        .await?;
    let allowances = (0..10).map(|n: u32| {
        let start =
            NaiveDate::from_ymd_opt(2024 + (n / 5) as i32, 4 + (n % 5) * 2, 1).expect("month");
        allowances::ActiveModel {
            leaver_id: Set(leaver_id),
            kind: Set(allowances::Kind::ALL[n as usize % 2]),
            monthly_amount: Set(entity::money::Yen(30_000 + 1_000 * i64::from(n))),
            start_month: Set(start),
            end_month: Set(start + chrono::Months::new(1)),
            reason: Set(format!("Request {n}")),
            status: Set(allowances::Status::Draft),
            requested_by: Set(Some(coordinator)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
    });
    allowances::Entity::insert_many(allowances)
        .exec_without_returning(db)
        .await?;
    aftercare::consultations::queries::refresh_contact(db, leaver_id).await?;
    Ok(())
}

#[handler]
fn hello() -> &'static str {
    "hello world"
}

/// The driver's floor: one statement through the app's pool and nothing else (no session,
/// no template), reading `?rows=` register rows (0 reads `SELECT 1`), or the same rows folded
/// into one JSON value by the database (`&json=1`).
#[handler]
async fn floor(
    poem::web::Data(db): poem::web::Data<&sea_orm::DatabaseConnection>,
    poem::web::Query(q): poem::web::Query<std::collections::HashMap<String, String>>,
) -> poem::Result<String> {
    use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
    let rows: u64 = q.get("rows").and_then(|r| r.parse().ok()).unwrap_or(0);
    let fail = |e: sea_orm::DbErr| {
        poem::Error::from_string(e.to_string(), poem::http::StatusCode::INTERNAL_SERVER_ERROR)
    };
    let backend = db.get_database_backend();
    let n = if rows == 0 {
        db.query_one_raw(sea_orm::Statement::from_string(backend, "SELECT 1"))
            .await
            .map_err(fail)?;
        1
    } else if q.contains_key("json") {
        let fields = "'id', id, 'family_name', family_name, 'given_name', given_name, \
             'case_number', case_number, 'status', status, 'support_ends_on', support_ends_on";
        let page = format!("(SELECT * FROM leavers ORDER BY id LIMIT {rows}) AS page");
        let sql = match backend {
            sea_orm::DbBackend::Postgres => {
                format!("SELECT json_agg(json_build_object({fields}))::text AS page FROM {page}")
            }
            _ => format!("SELECT json_group_array(json_object({fields})) AS page FROM {page}"),
        };
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .map_err(fail)?
            .ok_or_else(|| fail(sea_orm::DbErr::RecordNotFound("page".into())))?;
        let page: String = row.try_get("", "page").map_err(fail)?;
        let values: Vec<serde_json::Value> = serde_json::from_str(&page).unwrap_or_default();
        values.len()
    } else if q.contains_key("columns") {
        use entity::leavers::Column;
        entity::leavers::Entity::find()
            .select_only()
            .columns([
                Column::Id,
                Column::FamilyName,
                Column::GivenName,
                Column::CaseNumber,
                Column::Status,
                Column::SupportEndsOn,
            ])
            .limit(rows)
            .into_tuple::<(i32, String, String, String, String, chrono::NaiveDate)>()
            .all(db)
            .await
            .map_err(fail)?
            .len()
    } else {
        entity::leavers::Entity::find()
            .limit(rows)
            .all(db)
            .await
            .map_err(fail)?
            .len()
    };
    Ok(n.to_string())
}

thread_local! {
    /// `floor_direct`'s connection, one per thread that runs it.
    static DIRECT: std::cell::RefCell<Option<rusqlite::Connection>> =
        const { std::cell::RefCell::new(None) };
}

/// The same statements as `floor`, run with `rusqlite` on the calling thread (no hand-off to a
/// driver's thread), each thread with its own read-only connection: on a blocking thread of
/// the runtime, or with `&inline=1` on the async worker itself. Measures what a different
/// SQLite driver would give, for the note on the way past the floor.
#[handler]
async fn floor_direct(
    poem::web::Data(path): poem::web::Data<&std::path::PathBuf>,
    poem::web::Query(q): poem::web::Query<std::collections::HashMap<String, String>>,
) -> poem::Result<String> {
    let rows: u32 = q.get("rows").and_then(|r| r.parse().ok()).unwrap_or(0);
    let narrow = q.contains_key("columns");
    let path = path.clone();
    let read = move || -> rusqlite::Result<usize> {
        DIRECT.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                let c = rusqlite::Connection::open_with_flags(
                    &path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.pragma_update(None, "cache_size", -4096)?;
                *slot = Some(c);
            }
            let Some(conn) = slot.as_ref() else {
                return Ok(0);
            };
            if rows == 0 {
                conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
                return Ok(1);
            }
            if narrow {
                let mut stmt = conn.prepare_cached(
                    "SELECT id, family_name, given_name, case_number, status, support_ends_on \
                     FROM leavers LIMIT ?",
                )?;
                let lines = stmt
                    .query_map([rows], |r| {
                        let ends: String = r.get(5)?;
                        Ok((
                            r.get::<_, i32>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            chrono::NaiveDate::parse_from_str(&ends, "%Y-%m-%d").ok(),
                        ))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                return Ok(lines.len());
            }
            let mut stmt = conn.prepare_cached("SELECT * FROM leavers LIMIT ?")?;
            let width = stmt.column_count();
            let records = stmt
                .query_map([rows], |r| {
                    (0..width)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i))
                        .collect::<rusqlite::Result<Vec<_>>>()
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(records.len())
        })
    };
    let fail =
        |e: String| poem::Error::from_string(e, poem::http::StatusCode::INTERNAL_SERVER_ERROR);
    let n = if q.contains_key("inline") {
        read().map_err(|e| fail(e.to_string()))?
    } else {
        tokio::task::spawn_blocking(read)
            .await
            .map_err(|e| fail(e.to_string()))?
            .map_err(|e| fail(e.to_string()))?
    };
    Ok(n.to_string())
}

/// What `wrk` measured: requests per second and the 99th percentile in milliseconds.
fn wrk(url: &str, cookie: &str, seconds: u32) -> anyhow::Result<(f64, f64)> {
    let out = Command::new("wrk")
        .args(["-t2", "-c64", &format!("-d{seconds}s"), "--latency"])
        .args(["-H", &format!("Cookie: {cookie}"), url])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let rate = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("wrk printed no rate:\n{text}"))?;
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| {
            let v = v.trim();
            let (n, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
            let n: f64 = n.parse().unwrap_or(f64::NAN);
            match unit {
                "us" => n / 1000.0,
                "s" => n * 1000.0,
                _ => n,
            }
        })
        .unwrap_or(f64::NAN);
    if text.contains("Non-2xx") {
        anyhow::bail!("{url} answered with errors:\n{text}");
    }
    Ok((rate, p99))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    if Command::new("wrk").arg("--version").output().is_err() {
        anyhow::bail!("wrk is needed: apt-get install wrk");
    }
    let dir = tempfile::tempdir()?;
    let url = std::env::var("AFTERCARE_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let data_dir = dir.path().display().to_string();
    let config = Config::from_sources(&Sources::from_pairs([
        ("AFTERCARE_LISTEN", "127.0.0.1:0"),
        ("AFTERCARE_DATA_DIR", data_dir.as_str()),
        ("AFTERCARE_DATABASE_URL", url.as_str()),
        ("AFTERCARE_SCHEDULER", "false"),
        ("AFTERCARE_LOG_FORMAT", "json"),
    ]))?;
    let app = Application::build(config.clone(), Clock::system()).await?;
    let state = app.state();

    // A coordinator, then 10,000 leavers, one in ten theirs.
    let details = UserDetails {
        name: "Bench coordinator".into(),
        email: Email::parse("bench.coordinator@example.jp").expect("email"),
        role: Role::Coordinator,
        language: aftercare::i18n::Lang::En,
    };
    let hash = aftercare::auth::password::hash(PASSWORD.to_string()).await?;
    let txn = db::begin_write(&state.db).await?;
    let me = queries::create(&txn, chrono::Utc::now(), None, "create", &details, hash)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    txn.commit().await?;
    support::seed_leavers(&state, &config, 10_000, Some(me.id)).await?;
    let someone = <entity::leavers::Entity as sea_orm::EntityTrait>::find()
        .one(&state.db)
        .await?
        .expect("leavers were loaded");
    history(&state.db, someone.id, me.id).await?;

    // `BENCH_NO_AUDIT=1` serves the pages without recording their views, to measure what the
    // read audit costs (the targets are measured with it on).
    #[cfg(feature = "bench")]
    if std::env::var("BENCH_NO_AUDIT").is_ok() {
        state.read_audit.set_recording_for_benchmark(false);
    }
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));

    // Signed in like a browser; wrk then sends the session's cookie.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()?;
    let login = http
        .get(format!("{address}/login"))
        .send()
        .await?
        .text()
        .await?;
    let csrf = support::csrf_token(&login);
    let signed = http
        .post(format!("{address}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "bench.coordinator@example.jp"),
            ("password", PASSWORD),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        signed.url().path() == "/",
        "sign-in failed: {}",
        signed.url()
    );
    let cookie = reqwest::cookie::CookieStore::cookies(&*jar, &address.parse()?)
        .and_then(|h| h.to_str().ok().map(str::to_string))
        .unwrap_or_default();

    // The ceiling: a hello world on the same runtime, measured in the same run.
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let hello_addr = listener.local_addr()?;
    drop(listener);
    tokio::spawn(
        Server::new(TcpListener::bind(hello_addr.to_string())).run(
            Route::new()
                .at("/", get(hello))
                .at("/floor", get(floor))
                .at("/floor_direct", get(floor_direct))
                .with(poem::middleware::AddData::new(state.db.clone()))
                .with(poem::middleware::AddData::new(
                    aftercare::db::sqlite_file(&url).unwrap_or_default(),
                )),
        ),
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let pages = [
        ("hello world (the ceiling)", format!("http://{hello_addr}/")),
        ("floor: SELECT 1", format!("http://{hello_addr}/floor")),
        (
            "floor: 50 rows",
            format!("http://{hello_addr}/floor?rows=50"),
        ),
        (
            "floor: 50 rows, 6 columns",
            format!("http://{hello_addr}/floor?rows=50&columns=1"),
        ),
        (
            "floor: 50 rows as one JSON value",
            format!("http://{hello_addr}/floor?rows=50&json=1"),
        ),
        (
            "floor: 110 rows",
            format!("http://{hello_addr}/floor?rows=110"),
        ),
        (
            "rusqlite floor: SELECT 1",
            format!("http://{hello_addr}/floor_direct"),
        ),
        (
            "rusqlite floor: 50 rows",
            format!("http://{hello_addr}/floor_direct?rows=50"),
        ),
        (
            "rusqlite floor: 50 rows, 6 columns",
            format!("http://{hello_addr}/floor_direct?rows=50&columns=1"),
        ),
        (
            "rusqlite floor, inline: 50 rows, 6 columns",
            format!("http://{hello_addr}/floor_direct?rows=50&columns=1&inline=1"),
        ),
        (
            "rusqlite floor, inline: 50 rows",
            format!("http://{hello_addr}/floor_direct?rows=50&inline=1"),
        ),
        ("/healthz", format!("{address}/healthz")),
        ("/account", format!("{address}/account")),
        ("/ (coordinator dashboard)", format!("{address}/")),
        ("/leavers/{id}", format!("{address}/leavers/{}", someone.id)),
        (
            "/leavers?status=active&coordinator=all&page=3",
            format!("{address}/leavers?status=active&coordinator=all&page=3"),
        ),
    ];
    println!(
        "{:<48} {:>10} {:>9} {:>9}",
        "page (wrk -t2 -c64)", "req/s", "share", "p99 ms"
    );
    // `BENCH_ONLY=account,dashboard` measures only the pages whose name holds one of the words
    // (the ceiling always runs first).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let on_sqlite = url.starts_with("sqlite:");
    let chosen = |name: &str, first: bool| {
        (on_sqlite || !name.starts_with("rusqlite"))
            && (first || only.is_empty() || only.split(',').any(|w| name.contains(w.trim())))
    };
    let mut ceiling = f64::NAN;
    for (name, url) in pages {
        if !chosen(name, ceiling.is_nan()) {
            continue;
        }
        // A short warm-up, then the measured run.
        wrk(&url, &cookie, 1)?;
        let (rate, p99) = wrk(&url, &cookie, seconds)?;
        if ceiling.is_nan() {
            ceiling = rate;
        }
        println!(
            "{name:<48} {rate:>10.0} {:>8.1}% {p99:>9.1}",
            rate / ceiling * 100.0
        );
    }
    Ok(())
}
