//! What needs attention: follow-ups due and overdue, appointments, people not contacted within
//! their cadence, support ending. One set-based query each, whatever the number of leavers;
//! the dashboard shows them and the reminder run sends them.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};

use entity::{consultations::Status as ConsultationStatus, leavers::Status as LeaverStatus};

use crate::db::statement;

/// Days without a held consultation after which a leaver is due a contact: the person's own
/// cadence when recorded, else the `no_contact_days` setting. The dashboard widget, the
/// `no_contact` reminder and the escalation all count from this one figure.
pub fn contact_cadence(config: &crate::config::Config, cadence: Option<i32>) -> i64 {
    cadence
        .map(i64::from)
        .unwrap_or(config.no_contact_days.into())
}

/// Days without a held consultation after which the team leads are told: the contact
/// cadence plus `escalation_days`.
pub fn escalation_after(config: &crate::config::Config, cadence: Option<i32>) -> i64 {
    contact_cadence(config, cadence) + i64::from(config.escalation_days)
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

async fn items(
    db: &impl ConnectionTrait,
    sql: String,
    values: Vec<Value>,
) -> Result<Vec<Item>, DbErr> {
    let backend = db.get_database_backend();
    Item::find_by_statement(statement(backend, &sql, values))
        .all(db)
        .await
}

/// Open follow-ups dated from `from` to `to` (inclusive). A follow-up is the date set by the
/// latest consultation that set one; it is done once a consultation is held after it.
pub async fn follow_ups(
    db: &impl ConnectionTrait,
    scope: Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Item>, DbErr> {
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    let scope = scope_sql(scope, &mut values);
    let sql = format!(
        "SELECT {ITEM_COLUMNS}, c.next_follow_up_on AS on_date, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS at \
         FROM consultations c JOIN leavers l ON l.id = c.leaver_id \
         LEFT JOIN users u ON u.id = l.coordinator_id \
         WHERE c.next_follow_up_on IS NOT NULL AND c.status <> '{cancelled}' AND l.status <> '{closed}' \
           AND c.next_follow_up_on >= ? AND c.next_follow_up_on <= ?{scope} \
           AND NOT EXISTS (SELECT 1 FROM consultations c2 WHERE c2.leaver_id = c.leaver_id \
                 AND c2.next_follow_up_on IS NOT NULL AND c2.status <> '{cancelled}' \
                 AND (c2.held_at > c.held_at OR (c2.held_at = c.held_at AND c2.id > c.id))) \
           AND NOT EXISTS (SELECT 1 FROM consultations h WHERE h.leaver_id = c.leaver_id \
                 AND h.status = '{held}' AND h.held_at > c.held_at) \
         ORDER BY (u.name IS NULL), u.name, l.coordinator_id, c.next_follow_up_on, l.sort_key",
        cancelled = ConsultationStatus::Cancelled.as_str(),
        closed = LeaverStatus::Closed.as_str(),
        held = ConsultationStatus::Held.as_str()
    );
    items(db, sql, values).await
}

/// Planned appointments from `from` (inclusive) to `to` (exclusive).
pub async fn appointments(
    db: &impl ConnectionTrait,
    scope: Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Item>, DbErr> {
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    let scope = scope_sql(scope, &mut values);
    let sql = format!(
        "SELECT {ITEM_COLUMNS}, CAST(NULL AS DATE) AS on_date, c.held_at AS at \
         FROM consultations c JOIN leavers l ON l.id = c.leaver_id \
         LEFT JOIN users u ON u.id = l.coordinator_id \
         WHERE c.status = '{planned}' AND l.status <> '{closed}' \
           AND c.held_at >= ? AND c.held_at < ?{scope} \
         ORDER BY (u.name IS NULL), u.name, l.coordinator_id, c.held_at",
        closed = LeaverStatus::Closed.as_str(),
        planned = ConsultationStatus::Planned.as_str()
    );
    items(db, sql, values).await
}

/// An active leaver inside the support window, with what the contact cadence needs.
#[derive(Clone, Debug, FromQueryResult)]
pub struct CadenceRow {
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

impl CadenceRow {
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

/// Every active leaver inside the support window with their last held consultation (one
/// query); the caller applies each person's cadence.
pub async fn cadence(
    db: &impl ConnectionTrait,
    scope: Scope,
    today: NaiveDate,
) -> Result<Vec<CadenceRow>, DbErr> {
    let mut values: Vec<Value> = vec![today.into()];
    let scope = scope_sql(scope, &mut values);
    let sql = format!(
        "SELECT l.id AS leaver_id, l.case_number, l.family_name, l.given_name, l.coordinator_id,            u.name AS coordinator_name, l.contact_every_days, l.support_starts_on,            (SELECT MAX(h.held_at) FROM consultations h WHERE h.leaver_id = l.id AND h.status = '{held}') AS last_held          FROM leavers l LEFT JOIN users u ON u.id = l.coordinator_id          WHERE l.status = '{active}' AND l.support_ends_on >= ?{scope}          ORDER BY (u.name IS NULL), u.name, l.coordinator_id, l.sort_key",
        active = LeaverStatus::Active.as_str(),
        held = ConsultationStatus::Held.as_str()
    );
    CadenceRow::find_by_statement(statement(db.get_database_backend(), &sql, values))
        .all(db)
        .await
}

/// Whether a leaver has gone `days` without a held consultation on `today` (those never met
/// count from their support start).
pub fn quiet_for(row: &CadenceRow, days: i64, today: NaiveDate, tz: chrono_tz::Tz) -> bool {
    let Some(cutoff_day) = today.checked_sub_days(chrono::Days::new(days.max(0) as u64)) else {
        return false;
    };
    match row.last_held {
        Some(at) => at < crate::clock::start_of(cutoff_day, tz),
        None => row.support_starts_on <= cutoff_day,
    }
}

/// Leavers (not closed) whose support ends from `from` to `to`.
pub async fn support_ending(
    db: &impl ConnectionTrait,
    scope: Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Item>, DbErr> {
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    let scope = scope_sql(scope, &mut values);
    let sql = format!(
        "SELECT {ITEM_COLUMNS}, l.support_ends_on AS on_date, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS at \
         FROM leavers l LEFT JOIN users u ON u.id = l.coordinator_id \
         WHERE l.status <> '{closed}' AND l.support_ends_on >= ? AND l.support_ends_on <= ?{scope} \
         ORDER BY (u.name IS NULL), u.name, l.coordinator_id, l.support_ends_on, l.sort_key",
        closed = LeaverStatus::Closed.as_str()
    );
    items(db, sql, values).await
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

/// Every attention list of `scope` for `today`, in the order of `LIST_KEYS`.
pub async fn lists(
    db: &impl ConnectionTrait,
    config: &crate::config::Config,
    scope: Scope,
    today: NaiveDate,
) -> Result<Vec<(&'static str, Vec<Item>)>, DbErr> {
    use chrono::{Datelike, Days};
    let tz = config.time_zone;
    let due = follow_ups(db, scope, today, today + Days::new(FOLLOW_UP_DAYS)).await?;
    // Any date the databases can hold: PostgreSQL's dates start in 4713 BC.
    let long_ago = NaiveDate::from_ymd_opt(1900, 1, 1).expect("date");
    let overdue = follow_ups(db, scope, long_ago, today - Days::new(1)).await?;
    let monday = today - Days::new(today.weekday().num_days_from_monday().into());
    let week = appointments(
        db,
        scope,
        crate::clock::start_of(monday, tz),
        crate::clock::start_of(monday + Days::new(7), tz),
    )
    .await?;
    // Each person's own contact cadence when recorded, else the no-contact setting; the team
    // also sees escalations (that cadence plus `escalation_days`).
    let rows = cadence(db, scope, today).await?;
    let quiet_after = |days: fn(&crate::config::Config, Option<i32>) -> i64| -> Vec<Item> {
        rows.iter()
            .filter(|r| quiet_for(r, days(config, r.contact_every_days), today, tz))
            .map(CadenceRow::item)
            .collect()
    };
    let quiet = quiet_after(contact_cadence);
    let escalations = quiet_after(escalation_after);
    let ending = support_ending(db, scope, today, today + Days::new(SUPPORT_ENDING_DAYS)).await?;
    let mut lists = vec![
        ("follow-ups-due", due),
        ("follow-ups-overdue", overdue),
        ("appointments-week", week),
        ("no-contact", quiet),
        ("support-ending", ending),
    ];
    if matches!(scope, Scope::Team) {
        lists.push(("escalations", escalations));
    }
    Ok(lists)
}
