//! The reminder schedule: a cron expression in the team's time zone. Each fire runs once
//! across all instances (a lease row in the database), and a fire missed while the server was
//! down is made up once at the next start, not once per missed day.
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use entity::job_runs;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, sea_query::OnConflict};

use crate::{
    app::state::AppState,
    jobs::lease,
    reminders::run::{RunReport, run_for_day},
};

pub const JOB: &str = "reminders";

/// The latest fire time of `cron` at or before `now`, looking back at most eight days.
pub fn latest_fire(cron: &str, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let schedule = cron::Schedule::from_str(cron).ok()?;
    let start = (now - Duration::days(8)).with_timezone(&tz);
    schedule
        .after(&start)
        .take_while(|t| t.with_timezone(&Utc) <= now)
        .last()
        .map(|t| t.with_timezone(&Utc))
}

/// The fire time of the last completed run.
pub async fn last_run(state: &AppState) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    Ok(job_runs::Entity::find()
        .filter(job_runs::Column::Job.eq(JOB))
        .order_by_desc(job_runs::Column::FireAt)
        .one(&state.db)
        .await?
        .map(|r| r.fire_at))
}

/// One look at the schedule: runs the latest fire if no run answered it yet (and this
/// instance gets the lease), then delivers what is due.
pub async fn tick(state: &AppState, holder: &str) -> anyhow::Result<Option<RunReport>> {
    let now = state.clock.now();
    let tz = state.config.time_zone;
    let mut report = None;
    if let Some(fire) = latest_fire(&state.config.reminder_cron, tz, now)
        && last_run(state).await?.is_none_or(|done| done < fire)
        // The lease is released whatever happened, and delivery goes on.
        && let Some(outcome) =
            lease::with_lease(state, JOB, holder, run_fire(state, holder, fire)).await?
    {
        report = outcome?;
    }
    crate::reminders::delivery::deliver_due(state, holder).await?;
    Ok(report)
}

async fn run_fire(
    state: &AppState,
    holder: &str,
    fire: DateTime<Utc>,
) -> anyhow::Result<Option<RunReport>> {
    let tz = state.config.time_zone;
    let previous = last_run(state).await?;
    // Someone may have finished this fire while we waited for the lease.
    if previous.is_some_and(|done| done >= fire) {
        return Ok(None);
    }
    let day = fire.with_timezone(&tz).date_naive();
    let today = state.clock.today(tz);
    // The very first run answers today's fire only: an install does not send yesterday's
    // reminders (or "tomorrow" appointments that are today).
    let done = if previous.is_none() && day != today {
        RunReport::default()
    } else {
        run_for_day(state, day).await?
    };
    job_runs::Entity::insert(job_runs::ActiveModel {
        job: Set(JOB.into()),
        fire_at: Set(fire),
        run_date: Set(day),
        holder: Set(holder.to_string()),
        finished_at: Set(state.clock.now()),
        emails: Set(done.emails as i32),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([job_runs::Column::Job, job_runs::Column::FireAt])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    tracing::info!(%day, emails = done.emails, reminders = done.reminders, failed = done.failed, "reminder run");
    Ok(Some(done))
}

pub const BACKUP_JOB: &str = "backup";

/// The scheduled backup: like the reminder job, one instance runs each fire.
pub async fn backup_tick(
    state: &AppState,
    holder: &str,
) -> anyhow::Result<Option<std::path::PathBuf>> {
    let now = state.clock.now();
    let tz = state.config.time_zone;
    let Some(fire) = latest_fire(&state.config.backup_cron, tz, now) else {
        return Ok(None);
    };
    let last = job_runs::Entity::find()
        .filter(job_runs::Column::Job.eq(BACKUP_JOB))
        .order_by_desc(job_runs::Column::FireAt)
        .one(&state.db)
        .await?
        .map(|r| r.fire_at);
    if last.is_some_and(|done| done >= fire) {
        return Ok(None);
    }
    let run = async {
        let started = std::time::Instant::now();
        let outcome = crate::backup::scheduled(&state.config, &state.db, now).await;
        crate::monitoring::record_job(
            "backup",
            started.elapsed().as_secs_f64(),
            outcome.is_ok(),
            state.clock.now(),
        );
        record_backup(state, holder, fire, outcome).await
    };
    Ok(lease::with_lease(state, BACKUP_JOB, holder, run)
        .await?
        .transpose()?
        .flatten())
}

async fn record_backup(
    state: &AppState,
    holder: &str,
    fire: DateTime<Utc>,
    outcome: anyhow::Result<std::path::PathBuf>,
) -> anyhow::Result<Option<std::path::PathBuf>> {
    let tz = state.config.time_zone;
    let emails = i32::from(outcome.is_ok());
    job_runs::Entity::insert(job_runs::ActiveModel {
        job: Set(BACKUP_JOB.into()),
        fire_at: Set(fire),
        run_date: Set(fire.with_timezone(&tz).date_naive()),
        holder: Set(holder.to_string()),
        finished_at: Set(state.clock.now()),
        // For backups: 1 when the copy was written and verified, 0 when it failed.
        emails: Set(emails),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([job_runs::Column::Job, job_runs::Column::FireAt])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    match outcome {
        Ok(path) => {
            tracing::info!(path = %path.display(), "scheduled backup written and verified");
            Ok(Some(path))
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "scheduled backup failed");
            Ok(None)
        }
    }
}

/// Runs inside `aftercare serve`: looks at the schedule every 30 seconds.
pub async fn run(state: std::sync::Arc<AppState>) {
    let holder = format!(
        "{}-{}",
        std::process::id(),
        crate::auth::tokens::random_hex(4)
    );
    loop {
        if let Err(e) = tick(&state, &holder).await {
            tracing::warn!(error = %format!("{e:#}"), "reminder scheduler");
        }
        if let Err(e) = backup_tick(&state, &holder).await {
            tracing::warn!(error = %format!("{e:#}"), "backup scheduler");
        }
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_latest_fire_is_found_in_the_team_time_zone() {
        let tokyo = chrono_tz::Asia::Tokyo;
        // 2026-11-25 06:59 in Tokyo: the last 07:00 fire was the day before.
        let before = Utc.with_ymd_and_hms(2026, 11, 24, 21, 59, 0).unwrap();
        let fire = latest_fire("0 0 7 * * *", tokyo, before).unwrap();
        assert_eq!(fire, Utc.with_ymd_and_hms(2026, 11, 23, 22, 0, 0).unwrap());
        let after = Utc.with_ymd_and_hms(2026, 11, 24, 22, 0, 0).unwrap();
        assert_eq!(latest_fire("0 0 7 * * *", tokyo, after), Some(after));
        assert_eq!(latest_fire("not cron", tokyo, after), None);
    }
}
