//! Benchmark of the register list: loads 10,000 fictional leavers into a fresh SQLite
//! database, then times the list page's queries and the whole `/leavers` page over HTTP, and
//! the list and a leaver's page under 64 concurrent connections with and without read
//! auditing.
//!
//! cargo run --release --example bench_register [-- RECORDS]
#[path = "support/seed.rs"]
mod support;

use std::time::{Duration, Instant};

use aftercare::{
    app::Application,
    clock::Clock,
    config::{Config, Sources},
    db,
    leavers::{
        rules::Status,
        search::{self, ListFilter, Sort},
    },
};
use chrono::Utc;
use sea_orm::EntityTrait;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let records: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let data_dir = dir.path().display().to_string();
    let config = Config::from_sources(&Sources::from_pairs([
        ("AFTERCARE_LISTEN", "127.0.0.1:0"),
        ("AFTERCARE_DATA_DIR", data_dir.as_str()),
        ("AFTERCARE_DATABASE_URL", url.as_str()),
    ]))?;
    let app = Application::build(config.clone(), Clock::system()).await?;
    let state = app.state();
    let today = Utc::now().with_timezone(&config.time_zone).date_naive();

    let started = Instant::now();
    support::seed_leavers(&state, &config, records, None).await?;
    println!(
        "loaded {records} leavers in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let cases: Vec<(&str, ListFilter)> = vec![
        (
            "all, by name, page 1",
            filter(None, None, None, Sort::Name, 1),
        ),
        (
            "all, by name, page 100",
            filter(None, None, None, Sort::Name, 100),
        ),
        (
            "search '高橋'",
            filter(Some("高橋"), None, None, Sort::Name, 1),
        ),
        (
            "search 'b-0042'",
            filter(Some("b-0042"), None, None, Sort::CaseNumber, 1),
        ),
        (
            "status active, by support end",
            filter(None, Some(Status::Active), None, Sort::SupportEnd, 1),
        ),
        (
            "support ends within 90 days",
            filter(None, None, Some(90), Sort::SupportEnd, 1),
        ),
    ];
    println!(
        "{:<34} {:>10} {:>8}",
        "list query (count + page)", "median", "rows"
    );
    for (name, f) in &cases {
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..30 {
            let t = Instant::now();
            let (_, n) = search::list(&state.db, f, today).await?;
            times.push(t.elapsed());
            total = n;
        }
        println!(
            "{name:<34} {:>8.2}ms {total:>8}",
            median(times).as_secs_f64() * 1000.0
        );
    }

    // The whole page over HTTP, signed in as an administrator.
    let address = format!("http://{}", app.local_addr());
    let setup = app.setup_token().map(str::to_string);
    tokio::spawn(app.run_until(std::future::pending()));
    let http = reqwest::Client::builder().cookie_store(true).build()?;
    if let Some(token) = setup {
        let page = http
            .get(format!("{address}/setup?token={token}"))
            .send()
            .await?
            .text()
            .await?;
        let csrf = support::csrf_token(&page);
        let pw = "benchmark password";
        http.post(format!("{address}/setup"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("token", &token),
                ("name", "Bench"),
                ("email", "bench@example.com"),
                ("password", pw),
                ("password_confirm", pw),
            ])
            .send()
            .await?;
    }
    for path in [
        "/leavers?coordinator=all",
        "/leavers?coordinator=all&q=高橋&page=3",
        "/leavers?coordinator=all&sort=support_end&ends_within=365",
    ] {
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            let resp = http.get(format!("{address}{path}")).send().await?;
            assert!(resp.status().is_success(), "{path}: {}", resp.status());
            resp.text().await?;
            times.push(t.elapsed());
        }
        println!(
            "GET {path:<60} {:>8.2}ms",
            median(times).as_secs_f64() * 1000.0
        );
    }

    // How fast the audit log itself takes entries, in batches as group commit writes them.
    {
        let entries: Vec<aftercare::audit::chain::Entry> = (0..1_000)
            .map(|i| aftercare::audit::chain::Entry {
                actor_id: Some(1),
                action: "view",
                entity: "leaver",
                entity_id: Some(i),
                summary: "/leavers/1",
            })
            .collect();
        let t = Instant::now();
        for _ in 0..20 {
            let txn = db::begin_write(&state.db).await?;
            aftercare::audit::chain::append(&txn, Utc::now(), &entries).await?;
            txn.commit().await?;
        }
        println!(
            "\naudit log: {:.0} entries/s in batches of 1,000",
            20_000.0 / t.elapsed().as_secs_f64()
        );
    }

    // What recording views costs under load: 64 connections on the list and on a person's
    // page, with read auditing on and then off (group commit writes each batch of views in
    // one transaction).
    let someone = entity::leavers::Entity::find()
        .one(&state.db)
        .await?
        .expect("leavers were loaded");
    println!(
        "\n{:<44} {:>12} {:>12} {:>7}",
        "64 connections", "audited r/s", "unaudited", "loss"
    );
    for (path, requests) in [
        ("/leavers?coordinator=all".to_string(), 1_500),
        (format!("/leavers/{}", someone.id), 3_000),
    ] {
        let url = format!("{address}{path}");
        load(&http, &url, 200, CONNECTIONS).await?; // warm-up
        // Alternating rounds, the median of each: the machine's own noise is of the same
        // order as what is measured.
        let (mut audited, mut unaudited) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            // Nothing left over from the round before is indexed during this one.
            aftercare::audit::index::catch_up(&state.db, &state.clock).await?;
            state.read_audit.set_recording_for_benchmark(false);
            let t = Instant::now();
            load(&http, &url, requests, CONNECTIONS).await?;
            unaudited.push(requests as f64 / t.elapsed().as_secs_f64());
            // The audited round pays for indexing its own entries too.
            state.read_audit.set_recording_for_benchmark(true);
            let t = Instant::now();
            load(&http, &url, requests, CONNECTIONS).await?;
            aftercare::audit::index::catch_up(&state.db, &state.clock).await?;
            audited.push(requests as f64 / t.elapsed().as_secs_f64());
        }
        let median_of = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (audited, unaudited) = (median_of(audited), median_of(unaudited));
        println!(
            "GET {path:<40} {audited:>12.0} {unaudited:>12.0} {:>6.1}%",
            (1.0 - audited / unaudited) * 100.0
        );
    }
    Ok(())
}

const CONNECTIONS: usize = 64;
const ROUNDS: usize = 5;

/// `requests` GETs of `url` over `connections` concurrent connections.
async fn load(
    http: &reqwest::Client,
    url: &str,
    requests: usize,
    connections: usize,
) -> anyhow::Result<()> {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (http, url, next) = (http.clone(), url.to_string(), next.clone());
        workers.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let resp = http.get(&url).send().await?;
                anyhow::ensure!(resp.status().is_success(), "{url}: {}", resp.status());
                resp.bytes().await?;
            }
            anyhow::Ok(())
        }));
    }
    for w in workers {
        w.await??;
    }
    Ok(())
}

fn filter(
    q: Option<&str>,
    status: Option<Status>,
    ends: Option<u32>,
    sort: Sort,
    page: u64,
) -> ListFilter {
    ListFilter {
        q: q.map(aftercare::leavers::forms::search_form),
        status,
        coordinator: None,
        ends_within_days: ends,
        only: None,
        sort,
        page,
    }
}
