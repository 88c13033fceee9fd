//! What needs attention: follow-ups due and overdue, appointments, people not contacted within
//! their cadence, support ending. One set-based query each, whatever the number of leavers;
//! the dashboard shows them and the reminder run sends them.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};

use entity::{consultations::Status as ConsultationStatus, leavers::Status as LeaverStatus};

use crate::db::{AboutLeaver, Listed, Reader, listed, statement};

/// Days without a held consultation after which a leaver is due a contact: the person's own
/// cadence when recorded, else the `no_contact_days` setting. The dashboard widget, the
/// `no_contact` reminder and the escalation all count from this one figure.
pub fn contact_cadence(config: &crate::config::Config, cadence: Option<i32>) -> i64 {
    cadence
        .map(i64::from)
        .unwrap_or(config.no_contact_days.into())
}

/// Whose records a query covers.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// Leavers assigned to this coordinator.
    Coordinator(i32),
    /// The whole team.
    Team,
}

/// One line of a widget.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Item {
    pub leaver_id: i32,
    pub case_number: String,
    pub family_name: String,
    pub given_name: String,
    pub coordinator_id: Option<i32>,
    pub coordinator_name: Option<String>,
    pub on_date: Option<NaiveDate>,
    pub at: Option<DateTime<Utc>>,
}

const ITEM_COLUMNS: &str = "l.id AS leaver_id, l.case_number, l.family_name, l.given_name, \
     l.coordinator_id, u.name AS coordinator_name";

fn scope_sql(scope: Scope, values: &mut Vec<Value>) -> &'static str {
    match scope {
        Scope::Coordinator(id) => {
            values.push(id.into());
            " AND l.coordinator_id = ?"
        }
        Scope::Team => "",
    }
}

impl AboutLeaver for Item {
    fn leaver_id(&self) -> i32 {
        self.leaver_id
    }
}

/// Open follow-ups dated from `from` to `to` (inclusive). A follow-up is the date set by the
/// latest consultation that set one; it is done once a consultation is held after it. Both are
/// kept on the person's record (`follow_up_on`, `follow_up_set_at`, `last_held_at`), so this
/// reads a range of one index whatever the length of the range or of anyone's history.
pub async fn follow_ups(
    db: &impl ConnectionTrait,
    scope: Scope,
    from: NaiveDate,
    to: NaiveDate,
    limit: Option<u64>,
) -> Result<Listed<Item>, DbErr> {
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    let scope = scope_sql(scope, &mut values);
    let sql = format!(
        "SELECT {ITEM_COLUMNS}, l.follow_up_on AS on_date, \
                CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS at \
         FROM leavers l LEFT JOIN users u ON u.id = l.coordinator_id \
         WHERE l.follow_up_on >= ? AND l.follow_up_on <= ?{scope} \
           AND l.status <> '{closed}' \
           AND (l.last_held_at IS NULL OR l.last_held_at <= l.follow_up_set_at)",
        closed = LeaverStatus::Closed.as_str(),
    );
    let order = "ORDER BY (u.name IS NULL), u.name, l.coordinator_id, l.follow_up_on, l.sort_key";
    listed(db, &sql, order, values, limit).await
}

/// Planned appointments from `from` (inclusive) to `to` (exclusive).
pub async fn appointments(
    db: &impl ConnectionTrait,
    scope: Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: Option<u64>,
) -> Result<Listed<Item>, DbErr> {
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    let scope = scope_sql(scope, &mut values);
    let sql = format!(
        "SELECT {ITEM_COLUMNS}, CAST(NULL AS DATE) AS on_date, c.held_at AS at \
         FROM consultations c JOIN leavers l ON l.id = c.leaver_id \
         LEFT JOIN users u ON u.id = l.coordinator_id \
         WHERE c.status = '{planned}' AND l.status <> '{closed}' \
           AND c.held_at >= ? AND c.held_at < ?{scope}",
        closed = LeaverStatus::Closed.as_str(),
        planned = ConsultationStatus::Planned.as_str()
    );
    let order = "ORDER BY (u.name IS NULL), u.name, l.coordinator_id, c.held_at";
    listed(db, &sql, order, values, limit).await
}

/// A person who has gone quiet: an active leaver inside the support window, with the time of
/// their last held consultation (none: never met).
#[derive(Clone, Debug, FromQueryResult)]
pub struct QuietRow {
    pub leaver_id: i32,
    pub case_number: String,
    pub family_name: String,
    pub given_name: String,
    pub coordinator_id: Option<i32>,
    pub coordinator_name: Option<String>,
    pub contact_every_days: Option<i32>,
    pub support_starts_on: NaiveDate,
    pub last_held: Option<DateTime<Utc>>,
}

impl QuietRow {
    pub fn item(&self) -> Item {
        Item {
            leaver_id: self.leaver_id,
            case_number: self.case_number.clone(),
            family_name: self.family_name.clone(),
            given_name: self.given_name.clone(),
            coordinator_id: self.coordinator_id,
            coordinator_name: self.coordinator_name.clone(),
            on_date: None,
            at: self.last_held,
        }
    }
}

/// The day before which a leaver counts as quiet after `days` without a held consultation on
/// `today`, and the instant that day starts in the team's time zone (`None`: too far back).
pub fn quiet_cutoff(
    days: i64,
    today: NaiveDate,
    tz: chrono_tz::Tz,
) -> Option<(NaiveDate, DateTime<Utc>)> {
    let day = today.checked_sub_days(chrono::Days::new(days.max(0) as u64))?;
    Some((day, crate::clock::start_of(day, tz)))
}

impl AboutLeaver for QuietRow {
    fn leaver_id(&self) -> i32 {
        self.leaver_id
    }
}

/// The people of `scope` who have gone their contact cadence plus `extra_days` without a held
/// consultation on `today` (and, `with_self_reports`, without a self-reported contact through
/// their link either: the cadence counts those, `no_contact` does not), cut to `limit` lines. Each person's last held consultation is kept
/// on their record (`last_held_at`), so the database picks them out: one condition per
/// cadence in use (the setting's, and the few personal ones), each cutoff exact in the team's
/// time zone.
pub async fn quiet(
    db: &impl Reader,
    config: &crate::config::Config,
    scope: Scope,
    today: NaiveDate,
    extra_days: i64,
    with_self_reports: bool,
    limit: Option<u64>,
) -> Result<Listed<QuietRow>, DbErr> {
    use entity::leavers;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let personal: Vec<i32> = leavers::Entity::find()
        .select_only()
        .column(leavers::Column::ContactEveryDays)
        .distinct()
        .filter(leavers::Column::ContactEveryDays.is_not_null())
        .into_tuple::<Option<i32>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let mut values: Vec<Value> = vec![today.into()];
    let scope_filter = scope_sql(scope, &mut values);
    let mut clauses = Vec::new();
    let cadences = std::iter::once(None).chain(personal.into_iter().map(Some));
    for cadence in cadences {
        let days = contact_cadence(config, cadence) + extra_days;
        // A cadence beyond the calendar is never reached.
        let Some((cutoff_day, cutoff_at)) = quiet_cutoff(days, today, config.time_zone) else {
            continue;
        };
        let whose = match cadence {
            None => "l.contact_every_days IS NULL",
            Some(c) => {
                values.push(c.into());
                "l.contact_every_days = ?"
            }
        };
        // Those never met count from the start of their support.
        let self_reported = if with_self_reports {
            " AND (l.last_self_report_at IS NULL OR l.last_self_report_at < ?)"
        } else {
            ""
        };
        clauses.push(format!(
            "({whose} AND (l.last_held_at < ? \
               OR (l.last_held_at IS NULL AND l.support_starts_on <= ?)){self_reported})"
        ));
        values.push(cutoff_at.into());
        values.push(cutoff_day.into());
        if with_self_reports {
            values.push(cutoff_at.into());
        }
    }
    if clauses.is_empty() {
        return Ok(Listed::default());
    }
    let sql = format!(
        "SELECT l.id AS leaver_id, l.case_number, l.family_name, l.given_name, l.coordinator_id, \
                u.name AS coordinator_name, l.contact_every_days, l.support_starts_on, \
                l.last_held_at AS last_held \
         FROM leavers l LEFT JOIN users u ON u.id = l.coordinator_id \
         WHERE l.status = '{active}' AND l.support_ends_on >= ?{scope_filter} AND ({clauses})",
        active = LeaverStatus::Active.as_str(),
        clauses = clauses.join(" OR "),
    );
    // One coordinator's people in the order of their names, read in the order of the index.
    let order = match scope {
        Scope::Coordinator(_) => "ORDER BY l.sort_key, l.id",
        Scope::Team => "ORDER BY (u.name IS NULL), u.name, l.coordinator_id, l.sort_key, l.id",
    };
    listed(db, &sql, order, values, limit).await
}

/// Leavers (not closed) whose support ends from `from` to `to`.
pub async fn support_ending(
    db: &impl ConnectionTrait,
    scope: Scope,
    from: NaiveDate,
    to: NaiveDate,
    limit: Option<u64>,
) -> Result<Listed<Item>, DbErr> {
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    let scope = scope_sql(scope, &mut values);
    let sql = format!(
        "SELECT {ITEM_COLUMNS}, l.support_ends_on AS on_date, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS at \
         FROM leavers l LEFT JOIN users u ON u.id = l.coordinator_id \
         WHERE l.status <> '{closed}' AND l.support_ends_on >= ? AND l.support_ends_on <= ?{scope}",
        closed = LeaverStatus::Closed.as_str()
    );
    let order =
        "ORDER BY (u.name IS NULL), u.name, l.coordinator_id, l.support_ends_on, l.sort_key";
    listed(db, &sql, order, values, limit).await
}

#[derive(Clone, Debug, FromQueryResult)]
pub struct HeldRow {
    pub held_at: DateTime<Utc>,
    pub channel: String,
}

/// Time and channel of every consultation held since `since` (for the monthly chart).
pub async fn held_since(
    db: &impl ConnectionTrait,
    scope: Scope,
    since: DateTime<Utc>,
) -> Result<Vec<HeldRow>, DbErr> {
    let mut values: Vec<Value> = vec![since.into()];
    let scope = scope_sql(scope, &mut values);
    let sql = format!(
        "SELECT c.held_at, c.channel FROM consultations c JOIN leavers l ON l.id = c.leaver_id \
         WHERE c.status = '{held}' AND c.held_at >= ?{scope}",
        held = ConsultationStatus::Held.as_str()
    );
    let backend = db.get_database_backend();
    HeldRow::find_by_statement(statement(backend, &sql, values))
        .all(db)
        .await
}

/// How far ahead follow-ups count as due, and support ends count as near (DESIGN 2.5).
pub const FOLLOW_UP_DAYS: u64 = 7;
pub const SUPPORT_ENDING_DAYS: u64 = 90;

/// The lists that need someone's attention, each under the key of its dashboard widget (and
/// of the register's `attention` filter). Escalations only for the whole team.
pub const LIST_KEYS: [&str; 6] = [
    "follow-ups-due",
    "follow-ups-overdue",
    "appointments-week",
    "no-contact",
    "support-ending",
    "escalations",
];

/// The attention list under `key` (one of `LIST_KEYS`) of `scope` for `today`, cut to `limit`
/// lines (with its totals). Escalations are the team's only: `None` for a coordinator, as for
/// an unknown key.
pub async fn list(
    db: &impl Reader,
    config: &crate::config::Config,
    scope: Scope,
    today: NaiveDate,
    key: &str,
    limit: Option<u64>,
) -> Result<Option<Listed<Item>>, DbErr> {
    use chrono::{Datelike, Days};
    let tz = config.time_zone;
    // Any date the databases can hold: PostgreSQL's dates start in 4713 BC.
    let long_ago = NaiveDate::from_ymd_opt(1900, 1, 1).expect("date");
    let monday = today - Days::new(today.weekday().num_days_from_monday().into());
    // Each person's own contact cadence when recorded, else the no-contact setting; the team
    // also sees escalations (that cadence plus `escalation_days`).
    let as_items = |l: Listed<QuietRow>| Listed {
        items: l.items.iter().map(QuietRow::item).collect(),
        count: l.count,
        people: l.people,
    };
    Ok(Some(match key {
        "follow-ups-due" => {
            let to = today + Days::new(FOLLOW_UP_DAYS);
            follow_ups(db, scope, today, to, limit).await?
        }
        "follow-ups-overdue" => {
            follow_ups(db, scope, long_ago, today - Days::new(1), limit).await?
        }
        "appointments-week" => {
            let from = crate::clock::start_of(monday, tz);
            let to = crate::clock::start_of(monday + Days::new(7), tz);
            appointments(db, scope, from, to, limit).await?
        }
        "no-contact" => as_items(quiet(db, config, scope, today, 0, false, limit).await?),
        "support-ending" => {
            let to = today + Days::new(SUPPORT_ENDING_DAYS);
            support_ending(db, scope, today, to, limit).await?
        }
        "escalations" if matches!(scope, Scope::Team) => {
            let extra = i64::from(config.escalation_days);
            as_items(quiet(db, config, scope, today, extra, true, limit).await?)
        }
        _ => return Ok(None),
    }))
}

/// Every attention list of `scope` for `today`, in the order of `LIST_KEYS`, each cut to
/// `limit` lines (with its totals).
pub async fn lists(
    db: &impl Reader,
    config: &crate::config::Config,
    scope: Scope,
    today: NaiveDate,
    limit: Option<u64>,
) -> Result<Vec<(&'static str, Listed<Item>)>, DbErr> {
    let mut out = Vec::new();
    for key in LIST_KEYS {
        if let Some(l) = list(db, config, scope, today, key, limit).await? {
            out.push((key, l));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The rule `quiet` applies, said on its own: whether a leaver last met at
    /// `last_held` (support starting on `starts_on`) has gone `days` without a held
    /// consultation on `today` (those never met count from their support start).
    fn quiet_for(
        last_held: Option<DateTime<Utc>>,
        starts_on: NaiveDate,
        days: i64,
        today: NaiveDate,
        tz: chrono_tz::Tz,
    ) -> bool {
        let Some((cutoff_day, cutoff)) = quiet_cutoff(days, today, tz) else {
            return false;
        };
        match last_held {
            Some(at) => at < cutoff,
            None => starts_on <= cutoff_day,
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn quiet_counts_whole_days_in_the_teams_time_zone() {
        let tz = chrono_tz::Asia::Tokyo;
        let today = d("2026-11-25");
        // 30 days: quiet when the last contact was before 26 October, 00:00 in Tokyo.
        let (day, at) = quiet_cutoff(30, today, tz).unwrap();
        assert_eq!(day, d("2026-10-26"));
        assert_eq!(at, Utc.with_ymd_and_hms(2026, 10, 25, 15, 0, 0).unwrap());
        let starts = d("2025-04-01");
        let just_before = at - chrono::Duration::seconds(1);
        assert!(quiet_for(Some(just_before), starts, 30, today, tz));
        assert!(!quiet_for(Some(at), starts, 30, today, tz));
        // Never met: counted from the support start.
        assert!(quiet_for(None, d("2026-10-26"), 30, today, tz));
        assert!(!quiet_for(None, d("2026-10-27"), 30, today, tz));
        // A cadence beyond the calendar is never reached.
        assert!(quiet_cutoff(i64::MAX, today, tz).is_none());
        assert!(!quiet_for(None, starts, i64::MAX, today, tz));
    }
}
