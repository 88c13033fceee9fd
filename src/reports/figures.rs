//! The fiscal-year report's figures: people supported, started and ended, consultations by
//! channel and topic, allowance months and yen paid, extensions by reason.
use crate::{
    app::state::AppState, budget::figures::fiscal_year_bounds, clock::start_of, db::statement,
    i18n::Yen, leavers::window::age_on,
};
use chrono::{Days, NaiveDate};
use sea_orm::{DbErr, FromQueryResult};
use std::collections::BTreeMap;

/// Figures of one fiscal year. Maps are keyed by code (placement type, channel, …).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnnualReport {
    pub fy: i32,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub supported: u64,
    pub started: u64,
    pub ended: u64,
    pub by_placement: BTreeMap<String, u64>,
    /// Age on the last day of the year.
    pub by_age: BTreeMap<u32, u64>,
    pub consultations: u64,
    pub by_channel: BTreeMap<String, u64>,
    pub by_topic: BTreeMap<String, u64>,
    /// Kind → (months paid, yen paid).
    pub paid: BTreeMap<String, (u64, Yen)>,
    pub extensions: BTreeMap<String, u64>,
}

#[derive(FromQueryResult)]
struct PersonRow {
    date_of_birth: NaiveDate,
    placement_type: String,
    support_starts_on: NaiveDate,
    support_ends_on: NaiveDate,
    closed_on: Option<NaiveDate>,
}

#[derive(FromQueryResult)]
struct CountRow {
    code: String,
    n: i64,
}

#[derive(FromQueryResult)]
struct PaidRow {
    code: String,
    n: i64,
    yen: Yen,
}

pub async fn annual(state: &AppState, fy: i32) -> Result<AnnualReport, DbErr> {
    let db = &state.db;
    let backend = db.get_database_backend();
    let tz = state.config.time_zone;
    let (first, last) = fiscal_year_bounds(fy, state.config.window_rules.fiscal_year_start);
    let (from, until) = (start_of(first, tz), start_of(last + Days::new(1), tz));
    let mut r = AnnualReport {
        fy,
        first_day: first,
        last_day: last,
        ..Default::default()
    };

    // People whose support window meets the year and who were not closed before it began.
    let people = PersonRow::find_by_statement(statement(
        backend,
        "SELECT date_of_birth, placement_type, support_starts_on, support_ends_on, closed_on FROM leavers \
         WHERE support_starts_on <= ? AND support_ends_on >= ? AND (closed_on IS NULL OR closed_on >= ?)",
        vec![last.into(), first.into(), first.into()],
    ))
    .all(db)
    .await?;
    for p in &people {
        r.supported += 1;
        *r.by_placement.entry(p.placement_type.clone()).or_default() += 1;
        *r.by_age.entry(age_on(p.date_of_birth, last)).or_default() += 1;
        if (first..=last).contains(&p.support_starts_on) {
            r.started += 1;
        }
        let end = p
            .closed_on
            .map_or(p.support_ends_on, |c| c.min(p.support_ends_on));
        if (first..=last).contains(&end) {
            r.ended += 1;
        }
    }
    let counts = |sql: String, values: Vec<sea_orm::Value>| {
        CountRow::find_by_statement(statement(backend, &sql, values)).all(db)
    };
    let held = entity::consultations::Status::Held.as_str();
    for c in counts(
        format!(
            "SELECT channel AS code, COUNT(*) AS n FROM consultations \
             WHERE status = '{held}' AND held_at >= ? AND held_at < ? GROUP BY channel"
        ),
        vec![from.into(), until.into()],
    )
    .await?
    {
        r.consultations += c.n as u64;
        r.by_channel.insert(c.code, c.n as u64);
    }
    for c in counts(
        format!(
            "SELECT t.topic AS code, COUNT(*) AS n FROM consultation_topics t \
             JOIN consultations c ON c.id = t.consultation_id \
             WHERE c.status = '{held}' AND c.held_at >= ? AND c.held_at < ? GROUP BY t.topic"
        ),
        vec![from.into(), until.into()],
    )
    .await?
    {
        r.by_topic.insert(c.code, c.n as u64);
    }
    for p in PaidRow::find_by_statement(statement(
        backend,
        &format!(
            "SELECT kind AS code, COUNT(*) AS n, CAST(SUM(amount) AS BIGINT) AS yen FROM payments \
             WHERE status = '{}' AND month >= ? AND month <= ? GROUP BY kind",
            entity::payments::Status::Paid.as_str()
        ),
        vec![first.into(), last.into()],
    ))
    .all(db)
    .await?
    {
        r.paid.insert(p.code, (p.n as u64, p.yen));
    }
    for c in counts(
        format!(
            "SELECT reason AS code, COUNT(*) AS n FROM extensions \
             WHERE status = '{}' AND decided_at >= ? AND decided_at < ? GROUP BY reason",
            entity::extensions::Status::Approved.as_str()
        ),
        vec![from.into(), until.into()],
    )
    .await?
    {
        r.extensions.insert(c.code, c.n as u64);
    }
    Ok(r)
}

/// A count of people as published: below `min_cell` (but not zero) it reads `<min_cell`, so
/// nobody can be singled out.
pub fn people_cell(n: u64, min_cell: u64) -> String {
    if n > 0 && n < min_cell {
        format!("<{min_cell}")
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {

    use super::people_cell;

    #[test]
    fn small_cells_are_hidden() {
        assert_eq!(people_cell(0, 3), "0");
        assert_eq!(people_cell(1, 3), "<3");
        assert_eq!(people_cell(2, 3), "<3");
        assert_eq!(people_cell(3, 3), "3");
        assert_eq!(people_cell(4, 5), "<5");
    }
}
