//! Commands on the records: import, retention list, audit check, the annual report.

use crate::{app::Application, clock::Clock, config::Config, db, i18n::Lang};

use super::*;

pub(super) async fn import_leavers(config: Config, file: &std::path::Path) -> Outcome {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return Outcome::Usage(format!("cannot read {}: {e}", file.display())),
    };
    let result = async {
        let db = db::connect_and_migrate(&config).await?;
        let now = Clock::system().now();
        let today = now.with_timezone(&config.time_zone).date_naive();
        // Stored windows follow this run's settings before any record is added.
        crate::leavers::windows::refresh_windows(&db, &config.window_rules, now).await?;
        crate::leavers::import::import(&db, now, today, None, &bytes, &config.window_rules).await
    }
    .await;
    match result {
        Ok(crate::leavers::import::Outcome::Imported(n)) => {
            out!("imported {n} records");
            Outcome::Success
        }
        Ok(crate::leavers::import::Outcome::Rejected(errors)) => {
            let tr = crate::i18n::Catalogs::load().map(|c| c.translator(Lang::En));
            for e in &errors {
                let message = tr.as_ref().map(|t| t.t(e.message_id)).unwrap_or_default();
                eprintln!(
                    "row {}, {}: {message}",
                    e.line,
                    if e.field.is_empty() { "-" } else { &e.field }
                );
            }
            Outcome::Failed(format!(
                "{} problems found; nothing was imported",
                errors.len()
            ))
        }
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

pub(super) async fn retention_list(config: Config, date: Option<&str>) -> Outcome {
    let day = match date.map(crate::web::forms::parse_date) {
        None => Clock::system()
            .now()
            .with_timezone(&config.time_zone)
            .date_naive(),
        Some(Some(d)) => d,
        Some(None) => return Outcome::Usage("--date: not a date as YYYY-MM-DD".into()),
    };
    let result = async {
        let db = db::connect_and_migrate(&config).await?;
        Ok::<_, anyhow::Error>(
            crate::retention::lifecycle::due(&db, day, config.retention_years).await?,
        )
    }
    .await;
    match result {
        Ok(due) => {
            out!("{} records past their retention date on {day}", due.len());
            for l in due {
                let until = crate::retention::lifecycle::retention_date(&l, config.retention_years)
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                let hold = l
                    .legal_hold
                    .map(|h| format!(" (legal hold: {})", h.as_str()))
                    .unwrap_or_default();
                out!("  {}  kept until {until}{hold}", l.case_number);
            }
            Outcome::Success
        }
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

pub(super) async fn audit_verify(config: Config) -> Outcome {
    let result = async {
        let db = db::connect_and_migrate(&config).await?;
        Ok::<_, anyhow::Error>(crate::audit::chain::verify(&db).await?)
    }
    .await;
    match result {
        Ok(Ok(n)) => {
            out!("audit chain intact: {n} entries");
            Outcome::Success
        }
        Ok(Err(broken)) => Outcome::Failed(format!(
            "audit chain broken at entry {}: {}",
            broken.id, broken.problem
        )),
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

pub(super) async fn report(config: Config, fy: i32, csv: bool) -> Outcome {
    if !(2000..=2100).contains(&fy) {
        return Outcome::Usage(format!("--fy: a year from 2000 to 2100, not {fy}"));
    }
    let result: anyhow::Result<()> = async {
        let state = Application::open(config, Clock::system()).await?;
        let r = crate::reports::figures::annual(&state, fy).await?;
        let tr = state.catalogs.translator(Lang::Ja);
        let min = state.config.report_min_cell.into();
        use std::io::Write;
        if csv {
            let bytes = crate::reports::views::csv_bytes(&r, &tr, min)?;
            // A reader that stopped early (`| head`) is not an error.
            match std::io::stdout().write_all(&bytes) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
                _ => {}
            }
        } else {
            for [section, item, value] in crate::reports::views::rows(&r, &tr, min) {
                out!("{section}\t{item}\t{value}");
            }
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Outcome::Success,
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}
