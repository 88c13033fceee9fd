//! Benchmark of the reminder job: fills a fresh SQLite database with LEAVERS leavers and
//! CONSULTATIONS consultations (default 100,000 and 1,000,000), then times a full run of the
//! rules (evaluation, digests, outbox) and prints the run time and the peak memory.
//!
//! cargo run --release --example bench_reminders [-- LEAVERS CONSULTATIONS]
use std::time::Instant;

use aftercare::{
    app::Application,
    clock::Clock,
    config::{Config, Sources},
    reminders,
};
use chrono::{Days, Duration, NaiveDate, TimeZone, Utc};
use entity::{consultations, leavers, users};
use sea_orm::{EntityTrait, Set};

fn memory_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n_leavers: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let n_consultations: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    // BENCH_DB_DIR keeps the database for a look with `sqlite3` afterwards, and a copy of it
    // as loaded (`seed-LEAVERS-CONSULTATIONS.db`), which the next run of the same size in the
    // same folder starts from instead of loading again.
    let dir = tempfile::tempdir()?;
    let kept = std::env::var_os("BENCH_DB_DIR").map(std::path::PathBuf::from);
    let path = kept.clone().unwrap_or_else(|| dir.path().to_path_buf());
    let seed = path.join(format!("seed-{n_leavers}-{n_consultations}.db"));
    let reuse = kept.is_some() && seed.exists();
    // The previous run's database goes: each run starts from a fresh or a loaded copy.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(path.join(format!("bench.db{suffix}")));
    }
    if reuse {
        std::fs::copy(&seed, path.join("bench.db"))?;
    }
    let url = format!("sqlite://{}?mode=rwc", path.join("bench.db").display());
    let data_dir = path.display().to_string();
    let config = Config::from_sources(&Sources::from_pairs([
        ("AFTERCARE_LISTEN", "127.0.0.1:0"),
        ("AFTERCARE_DATA_DIR", data_dir.as_str()),
        ("AFTERCARE_DATABASE_URL", url.as_str()),
        ("AFTERCARE_SCHEDULER", "false"),
    ]))?;
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
    let app = Application::build(config, Clock::manual(now)).await?;
    let state = app.state();
    let db = &state.db;
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();

    if reuse {
        println!("started from {}", seed.display());
    } else {
        load(db, now, today, n_leavers, n_consultations).await?;
        if kept.is_some() {
            use sea_orm::ConnectionTrait;
            db.execute_unprepared(&format!("VACUUM INTO '{}'", seed.display()))
                .await?;
        }
    }
    if let Some(mib) = memory_mib("VmHWM:") {
        println!("peak memory while loading: {mib:.0} MiB");
    }
    // From here the high-water mark is the job's own: the loading above is not part of a run.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    if let Some(mib) = memory_mib("VmRSS:") {
        println!("resident before the run: {mib:.0} MiB");
    }

    let t = Instant::now();
    let items = reminders::run::evaluate(&state, today).await?;
    println!(
        "evaluate rules: {:.2} s, {} reminders",
        t.elapsed().as_secs_f64(),
        items.len()
    );
    if let Some(mib) = memory_mib("VmHWM:") {
        println!("peak memory while evaluating: {mib:.0} MiB");
    }
    drop(items);
    let t = Instant::now();
    let report = reminders::run::run_for_day(&state, today).await?;
    println!(
        "full run (rules, digests, outbox): {:.2} s, {} emails with {} reminders",
        t.elapsed().as_secs_f64(),
        report.emails,
        report.reminders
    );
    let t = Instant::now();
    let again = reminders::run::run_for_day(&state, today).await?;
    println!(
        "second run, same day: {:.2} s, {} emails",
        t.elapsed().as_secs_f64(),
        again.emails
    );
    // The runs' peak; the report's own is measured apart.
    if let Some(mib) = memory_mib("VmHWM:") {
        println!("peak memory: {mib:.0} MiB");
    }
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let t = Instant::now();
    let report = aftercare::reports::figures::annual(&state, 2026).await?;
    println!(
        "fiscal-year report 2026: {:.2} s ({} people supported, {} consultations held)",
        t.elapsed().as_secs_f64(),
        report.supported,
        report.consultations
    );
    if let Some(mib) = memory_mib("VmHWM:") {
        println!("peak memory of the report: {mib:.0} MiB");
    }
    Ok(())
}

/// Fills the database: 50 coordinators, `n_leavers` leavers and `n_consultations`
/// consultations spread over them.
async fn load(
    db: &sea_orm::DatabaseConnection,
    now: chrono::DateTime<Utc>,
    today: NaiveDate,
    n_leavers: usize,
    n_consultations: usize,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let coordinators: Vec<i32> = {
        let mut ids = Vec::new();
        for i in 0..50 {
            let r = users::Entity::insert(users::ActiveModel {
                email: Set(format!("c{i}@example.com")),
                name: Set(format!("Coordinator {i}")),
                role: Set(aftercare::roles::Role::Coordinator),
                language: Set(if i % 2 == 0 {
                    users::Language::Ja
                } else {
                    users::Language::En
                }),
                password_hash: Set("x".into()),
                active: Set(true),
                session_epoch: Set(1),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec(db)
            .await?;
            ids.push(r.last_insert_id);
        }
        ids
    };
    for chunk in (0..n_leavers).collect::<Vec<_>>().chunks(1000) {
        let rows = chunk.iter().map(|&n| {
            let dob =
                NaiveDate::from_ymd_opt(2003, 4, 2).unwrap() + Days::new((n * 37 % 2500) as u64);
            leavers::ActiveModel {
                case_number: Set(format!("B-{n:07}")),
                family_name: Set("山田".into()),
                given_name: Set(format!("太郎{n}")),
                family_name_kana: Set(Some("ヤマダ".into())),
                given_name_kana: Set(Some("タロウ".into())),
                date_of_birth: Set(dob),
                placement_type: Set(entity::leavers::PlacementType::ChildrensHome),
                placement_ended_on: Set(NaiveDate::from_ymd_opt(2024, 3, 31).unwrap()),
                contact_consent: Set(n % 3 == 0),
                email: Set((n % 3 == 0).then(|| format!("l{n}@example.com"))),
                coordinator_id: Set(Some(coordinators[n % coordinators.len()])),
                status: Set(entity::leavers::Status::Active),
                support_starts_on: Set(NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()),
                support_ends_on: Set(
                    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + Days::new((n % 900) as u64)
                ),
                sort_key: Set(format!("ヤマダ {n}")),
                search_key: Set(format!("b-{n}")),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        });
        leavers::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    use entity::consultations::Status as C;
    let statuses = [
        C::Held,
        C::Held,
        C::Held,
        C::Missed,
        C::Planned,
        C::Cancelled,
    ];
    let channels = consultations::Channel::ALL;
    for chunk in (0..n_consultations).collect::<Vec<_>>().chunks(1000) {
        let rows = chunk.iter().map(|&n| {
            let status = statuses[n % statuses.len()];
            let offset = Duration::hours((n % (24 * 200)) as i64);
            let held_at = if status == C::Planned {
                now + offset
            } else {
                now - offset
            };
            consultations::ActiveModel {
                leaver_id: Set((n % n_leavers) as i32 + 1),
                held_at: Set(held_at),
                status: Set(status),
                channel: Set(channels[n % channels.len()]),
                summary: Set(Some("bench".into())),
                next_follow_up_on: Set(
                    (n % 4 == 0).then(|| today - Days::new(10) + Days::new((n % 20) as u64))
                ),
                recorded_by: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        });
        consultations::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    aftercare::consultations::queries::refresh_all_contact(db).await?;
    println!(
        "loaded {n_leavers} leavers and {n_consultations} consultations in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    Ok(())
}
