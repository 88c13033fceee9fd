//! The jobs from the command line: a reminder run, demo data.

use crate::{app::Application, clock::Clock, config::Config, db};

use super::*;

pub(super) async fn remind(config: Config, date: Option<&str>, dry_run: bool) -> Outcome {
    let day = match date {
        None => None,
        Some(raw) => match crate::web::forms::parse_date(raw) {
            Some(d) => Some(d),
            None => return Outcome::Usage(format!("--date: not a date as YYYY-MM-DD: {raw}")),
        },
    };
    let result: anyhow::Result<Outcome> = async {
        let state = Application::open(config, Clock::system()).await?;
        let day = day.unwrap_or_else(|| state.clock.today(state.config.time_zone));
        if dry_run {
            let plan = crate::reminders::run::dry_run(&state, day).await?;
            out!(
                "dry run for {day}: {} emails would be sent (nothing sent or recorded)",
                plan.len()
            );
            for (to, items) in plan {
                out!("to {} <{}> ({} reminders)", to.name, to.email, items.len());
                for i in items {
                    out!("  - {} {} {}", i.rule.as_str(), i.case_number, i.name);
                }
            }
            return Ok(Outcome::Success);
        }
        let report = crate::reminders::run::run_for_day(&state, day).await?;
        let holder = format!("cli-{}", crate::auth::tokens::random_hex(4));
        let deliver = || crate::reminders::delivery::deliver_due(&state, &holder);
        let mut delivered = deliver().await?;
        // Another process holds delivery: if it crashed, its lease lapses within
        // LEASE_TTL; if it is alive, it sends these emails itself.
        let patience = crate::jobs::lease::LEASE_TTL + chrono::Duration::seconds(5);
        let started = std::time::Instant::now();
        while let Some((other, until)) = &delivered.held_by {
            if started.elapsed() > patience.to_std().unwrap_or_default() {
                break;
            }
            if started.elapsed().as_secs() == 0 {
                out!(
                    "delivery is held by {other} until {until}: waiting for it to finish or lapse"
                );
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            delivered = deliver().await?;
        }
        out!(
            "{day}: {} reminders in {} emails; sent {}, to retry {}, failed {}; {} emails waiting",
            report.reminders,
            report.emails,
            delivered.sent,
            delivered.retrying,
            delivered.failed,
            delivered.waiting
        );
        if let Some((other, until)) = &delivered.held_by {
            out!(
                "delivery is still held by {other} (until {until}, renewed while it works): \
                 it sends the waiting emails"
            );
        }
        Ok(Outcome::Success)
    }
    .await;
    result.unwrap_or_else(|e| Outcome::Failed(format!("{e:#}")))
}

pub(super) async fn demo(config: Config) -> Outcome {
    let result = async {
        let db = db::connect_and_migrate(&config).await?;
        let now = Clock::system().now();
        let today = now.with_timezone(&config.time_zone).date_naive();
        crate::leavers::windows::refresh_windows(&db, &config.window_rules, now).await?;
        crate::demo::load(&db, now, today, &config.window_rules).await
    }
    .await;
    match result {
        Ok(loaded) => {
            out!("loaded {} fictional care leavers", loaded.leavers);
            out!("demo accounts (passwords shown once):");
            for (email, password) in loaded.accounts {
                out!("  {email}  {password}");
            }
            Outcome::Success
        }
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}
