//! Selecting: which reminders are due on a day, read from the register with set-based queries
//! (the same "what needs attention" queries the dashboard shows), and the addresses of those
//! who receive them. Reads only.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::{allowances, consultations, leavers, users};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder,
};

use super::{
    item::{Address, Detail, Item, Recipient},
    routing::{self, Staff},
    rules::{self, Rule, key},
};
use crate::{
    attention::{self as widgets, Scope},
    clock::{Month, start_of},
    config::Config,
    db::{Reader, statement},
    roles::Role,
};

/// Evaluates every rule for `day` with a handful of set-based queries; the reminders are
/// routed to who can receive them (see `routing`).
pub async fn evaluate(
    db: &impl Reader,
    config: &Config,
    now: DateTime<Utc>,
    day: NaiveDate,
) -> Result<Vec<Item>, DbErr> {
    let staff = staff(db).await?;
    let mut items = Vec::new();
    let leaver_item = |rule: Rule, i: &widgets::Item, period: String, detail: Detail| {
        Some(Item {
            rule,
            key: key(rule, &format!("leaver:{}", i.leaver_id), &period),
            recipient: routing::coordinator(i.coordinator_id),
            subject_id: i.leaver_id,
            leaver_id: Some(i.leaver_id),
            case_number: i.case_number.clone(),
            name: format!("{} {}", i.family_name, i.given_name),
            detail,
        })
    };

    let lead = Days::new(config.follow_up_lead_days.into());
    for i in widgets::follow_ups(db, Scope::Team, day, day + lead, None)
        .await?
        .items
    {
        let due = i.on_date.unwrap_or(day);
        items.extend(leaver_item(
            Rule::FollowUpDue,
            &i,
            due.to_string(),
            Detail::Date(due),
        ));
    }
    let long_ago = NaiveDate::from_ymd_opt(1900, 1, 1).expect("date");
    for i in widgets::follow_ups(db, Scope::Team, long_ago, day - Days::new(1), None)
        .await?
        .items
    {
        let due = i.on_date.unwrap_or(day);
        if let Some(period) = rules::overdue_period(due, day) {
            items.extend(leaver_item(
                Rule::FollowUpOverdue,
                &i,
                format!("{due}/w{period}"),
                Detail::Date(due),
            ));
        }
    }
    let horizon = day + Days::new(rules::SUPPORT_ENDING_FIRST as u64);
    for i in widgets::support_ending(db, Scope::Team, day, horizon, None)
        .await?
        .items
    {
        let end = i.on_date.unwrap_or(day);
        if let Some(stage) = rules::support_ending_stage(end, day) {
            items.extend(leaver_item(
                Rule::SupportEnding,
                &i,
                format!("{end}/{stage}"),
                Detail::Date(end),
            ));
        }
    }
    items.extend(plans_and_cadence(db, config, &staff, day).await?);
    items.extend(allowances_ending(db, day).await?);
    items.extend(approvals_waiting(db, &staff, day).await?);
    items.extend(appointments_tomorrow(db, config, now, day).await?);
    items.extend(crate::youth::answers::waiting_reminders(db, now).await?);
    Ok(routing::to_team_leads(items, &staff))
}

/// The active staff, read once per run: who can receive reminders, and who the administrators
/// and finance staff are.
pub async fn staff(db: &impl ConnectionTrait) -> Result<Staff, DbErr> {
    let active = users::Entity::find()
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?;
    let with_role = |role: Role| -> Vec<i32> {
        active
            .iter()
            .filter(|u| u.role == role)
            .map(|u| u.id)
            .collect()
    };
    Ok(Staff {
        admins: with_role(Role::Admin),
        finance: with_role(Role::Finance),
        active: active.iter().map(|u| u.id).collect(),
    })
}

/// A person a plan reminder is about, with the plan's id and date (none for a missing plan).
#[derive(FromQueryResult)]
struct PlanRow {
    leaver_id: i32,
    case_number: String,
    family_name: String,
    given_name: String,
    coordinator_id: Option<i32>,
    plan_id: Option<i32>,
    on_date: NaiveDate,
}

/// The same text as a stored date column on both databases (`YYYY-MM-DD`).
fn date_text(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("to_char({column}, 'YYYY-MM-DD')"),
        _ => column.to_string(),
    }
}

/// Active leavers inside the support window without an agreed plan `PLAN_MISSING_DAYS` after
/// their support started, and the latest agreed plans whose review is near. One query each;
/// a missing plan already reminded of (its key is on record) is left out by the database,
/// unless its coordinator cannot receive it any more (the team leads are then told, under keys
/// of their own: see `routing::to_team_leads`).
async fn plan_rows(db: &impl Reader, day: NaiveDate) -> Result<(Vec<Item>, Vec<PlanRow>), DbErr> {
    use futures_util::TryStreamExt;
    let backend = ConnectionTrait::get_database_backend(db);
    let active = entity::leavers::Status::Active.as_str();
    let agreed = entity::plans::Status::Agreed.as_str();
    let started_by = day - Days::new(rules::PLAN_MISSING_DAYS);
    let missing_key = format!(
        "'{}|leaver:' || CAST(l.id AS TEXT) || '|' || {}",
        Rule::PlanMissing.as_str(),
        date_text(backend, "l.support_starts_on")
    );
    let missing: Vec<Item> = PlanRow::find_by_statement(statement(
        backend,
        &format!(
            "SELECT l.id AS leaver_id, l.case_number, l.family_name, l.given_name, \
                    l.coordinator_id, CAST(NULL AS INTEGER) AS plan_id, \
                    l.support_starts_on AS on_date \
             FROM leavers l \
             WHERE l.status = '{active}' AND l.support_ends_on >= ? AND l.support_starts_on <= ? \
               AND NOT EXISTS (SELECT 1 FROM plans p WHERE p.leaver_id = l.id AND p.status = '{agreed}') \
               AND (NOT EXISTS (SELECT 1 FROM reminders r WHERE r.key = {missing_key}) \
                    OR NOT EXISTS (SELECT 1 FROM users c WHERE c.id = l.coordinator_id \
                                     AND c.active = ?))"
        ),
        vec![day.into(), started_by.into(), true.into()],
    ))
    // Streamed, each row made a reminder as it comes: on a first run this can be everyone.
    .stream(db)
    .await?
    .map_ok(missing_plan)
    .try_collect()
    .await?;
    let review = PlanRow::find_by_statement(statement(
        backend,
        &format!(
            "SELECT l.id AS leaver_id, l.case_number, l.family_name, l.given_name, \
                    l.coordinator_id, p.id AS plan_id, p.review_on AS on_date \
             FROM plans p JOIN leavers l ON l.id = p.leaver_id \
             WHERE p.status = '{agreed}' AND p.review_on <= ? \
               AND l.status = '{active}' AND l.support_ends_on >= ? \
               AND NOT EXISTS (SELECT 1 FROM plans p2 WHERE p2.leaver_id = p.leaver_id \
                     AND p2.status = '{agreed}' AND p2.number > p.number)"
        ),
        vec![
            (day + Days::new(rules::PLAN_REVIEW_LEAD_DAYS)).into(),
            day.into(),
        ],
    ))
    .all(db)
    .await?;
    Ok((missing, review))
}

/// The `plan_missing` reminder of a person without an agreed plan.
fn missing_plan(r: PlanRow) -> Item {
    Item {
        rule: Rule::PlanMissing,
        key: key(
            Rule::PlanMissing,
            &format!("leaver:{}", r.leaver_id),
            &r.on_date.to_string(),
        ),
        recipient: routing::coordinator(r.coordinator_id),
        subject_id: r.leaver_id,
        leaver_id: Some(r.leaver_id),
        name: format!("{} {}", r.family_name, r.given_name),
        case_number: r.case_number,
        detail: Detail::Date(r.on_date + Days::new(rules::PLAN_MISSING_DAYS)),
    }
}

/// `plan_missing` and `plan_review_due` to coordinators, `contact_escalation` and
/// `extension_waiting` to every admin (DESIGN 2.6).
async fn plans_and_cadence(
    db: &impl Reader,
    config: &Config,
    staff: &Staff,
    day: NaiveDate,
) -> Result<Vec<Item>, DbErr> {
    let mut items = Vec::new();
    let (missing, review) = plan_rows(db, day).await?;
    items.extend(missing);
    for r in review {
        let plan_id = r.plan_id.unwrap_or_default();
        items.push(Item {
            rule: Rule::PlanReviewDue,
            key: key(
                Rule::PlanReviewDue,
                &format!("plan:{plan_id}"),
                &r.on_date.to_string(),
            ),
            recipient: routing::coordinator(r.coordinator_id),
            subject_id: plan_id,
            leaver_id: Some(r.leaver_id),
            name: format!("{} {}", r.family_name, r.given_name),
            case_number: r.case_number,
            detail: Detail::Date(r.on_date),
        });
    }
    // The period of a contact reminder: the last held consultation, so a new contact starts
    // a new period.
    let since = |r: &widgets::QuietRow| {
        r.last_held
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "never".into())
    };
    let quiet_item = |rule: Rule, r: &widgets::QuietRow, subject: String, to: Recipient| Item {
        rule,
        key: key(rule, &subject, &since(r)),
        recipient: to,
        subject_id: r.leaver_id,
        leaver_id: Some(r.leaver_id),
        case_number: r.case_number.clone(),
        name: format!("{} {}", r.family_name, r.given_name),
        detail: Detail::LastContact(r.last_held),
    };
    for r in widgets::quiet(db, config, Scope::Team, day, 0, false, None)
        .await?
        .items
    {
        let to = routing::coordinator(r.coordinator_id);
        items.push(quiet_item(
            Rule::NoContact,
            &r,
            format!("leaver:{}", r.leaver_id),
            to,
        ));
    }
    let admins = &staff.admins;
    if !admins.is_empty() {
        let extra = i64::from(config.escalation_days);
        for r in widgets::quiet(db, config, Scope::Team, day, extra, true, None)
            .await?
            .items
        {
            for admin in admins {
                let subject = format!("leaver:{}/admin:{admin}", r.leaver_id);
                let to = Recipient::User(*admin);
                items.push(quiet_item(Rule::ContactEscalation, &r, subject, to));
            }
        }
    }
    let waiting = entity::extensions::Entity::find()
        .filter(entity::extensions::Column::Status.eq(entity::extensions::Status::Proposed))
        .order_by_asc(entity::extensions::Column::CreatedAt)
        .all(db)
        .await?;
    if !waiting.is_empty() {
        let oldest = waiting.first().map(|e| e.created_at);
        for admin in admins {
            items.push(Item {
                rule: Rule::ExtensionWaiting,
                key: key(
                    Rule::ExtensionWaiting,
                    &format!("user:{admin}"),
                    &day.to_string(),
                ),
                recipient: Recipient::User(*admin),
                subject_id: *admin,
                leaver_id: None,
                case_number: String::new(),
                name: String::new(),
                detail: Detail::Waiting {
                    count: waiting.len() as u64,
                    oldest,
                },
            });
        }
    }
    Ok(items)
}

async fn allowances_ending(db: &impl ConnectionTrait, day: NaiveDate) -> Result<Vec<Item>, DbErr> {
    let until = day + Days::new(rules::ALLOWANCE_ENDING_DAYS);
    let ending = allowances::Entity::find()
        .filter(allowances::Column::Status.eq(allowances::Status::Approved))
        .filter(allowances::Column::EndMonth.gte(Month::of(day).first_day()))
        .filter(allowances::Column::EndMonth.lte(until))
        .all(db)
        .await?;
    let ids: Vec<i32> = ending.iter().map(|a| a.leaver_id).collect();
    let people = crate::leavers::queries::by_ids(db, ids).await?;
    Ok(ending
        .into_iter()
        .filter_map(|a| {
            let last_day = Month::of(a.end_month).last_day();
            if last_day < day || last_day > until {
                return None;
            }
            let l = people.get(&a.leaver_id)?;
            Some(Item {
                rule: Rule::AllowanceEnding,
                key: key(
                    Rule::AllowanceEnding,
                    &format!("allowance:{}", a.id),
                    &last_day.to_string(),
                ),
                recipient: routing::coordinator(l.coordinator_id),
                subject_id: a.id,
                leaver_id: Some(l.id),
                case_number: l.case_number.clone(),
                name: format!("{} {}", l.family_name, l.given_name),
                detail: Detail::Date(last_day),
            })
        })
        .collect())
}

async fn approvals_waiting(
    db: &impl ConnectionTrait,
    staff: &Staff,
    day: NaiveDate,
) -> Result<Vec<Item>, DbErr> {
    let waiting = allowances::Entity::find()
        .filter(allowances::Column::Status.eq(allowances::Status::Submitted))
        .order_by_asc(allowances::Column::SubmittedAt)
        .all(db)
        .await?;
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let oldest = waiting.first().and_then(|a| a.submitted_at);
    Ok(staff
        .finance
        .iter()
        .map(|&id| Item {
            rule: Rule::ApprovalsWaiting,
            key: key(
                Rule::ApprovalsWaiting,
                &format!("user:{id}"),
                &day.to_string(),
            ),
            recipient: Recipient::User(id),
            subject_id: id,
            leaver_id: None,
            case_number: String::new(),
            name: String::new(),
            detail: Detail::Waiting {
                count: waiting.len() as u64,
                oldest,
            },
        })
        .collect())
}

async fn appointments_tomorrow(
    db: &impl ConnectionTrait,
    config: &Config,
    now: DateTime<Utc>,
    day: NaiveDate,
) -> Result<Vec<Item>, DbErr> {
    let tz = config.time_zone;
    let tomorrow = day + Days::new(1);
    let planned = consultations::Entity::find()
        .filter(consultations::Column::Status.eq(consultations::Status::Planned))
        .filter(consultations::Column::HeldAt.gte(start_of(tomorrow, tz).max(now)))
        .filter(consultations::Column::HeldAt.lt(start_of(tomorrow + Days::new(1), tz)))
        .all(db)
        .await?;
    let ids: Vec<i32> = planned.iter().map(|c| c.leaver_id).collect();
    // Only with recorded consent and an email on file.
    let people: HashMap<i32, leavers::Model> = leavers::Entity::find()
        .filter(leavers::Column::Id.is_in(ids))
        .filter(leavers::Column::ContactConsent.eq(true))
        .filter(leavers::Column::Email.is_not_null())
        .filter(leavers::Column::Status.ne(leavers::Status::Closed))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    Ok(planned
        .into_iter()
        .filter_map(|c| {
            let l = people.get(&c.leaver_id)?;
            Some(Item {
                rule: Rule::Appointment,
                key: key(
                    Rule::Appointment,
                    &format!("consultation:{}", c.id),
                    &c.held_at.to_rfc3339(),
                ),
                recipient: Recipient::Leaver(l.id),
                subject_id: c.id,
                leaver_id: Some(l.id),
                case_number: l.case_number.clone(),
                name: format!("{} {}", l.family_name, l.given_name),
                detail: Detail::Appointment {
                    at: c.held_at,
                    channel: c.channel,
                },
            })
        })
        .collect())
}

/// Email addresses of the recipients: active staff, and leavers who agreed to emails.
pub async fn addresses(
    db: &impl ConnectionTrait,
    items: &[Item],
) -> Result<HashMap<Recipient, Address>, DbErr> {
    let mut out = HashMap::new();
    let user_ids: HashSet<i32> = items
        .iter()
        .filter_map(|i| match i.recipient {
            Recipient::User(id) => Some(id),
            _ => None,
        })
        .collect();
    for u in users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .filter(users::Column::Active.eq(true))
        .all(db)
        .await?
    {
        out.insert(
            Recipient::User(u.id),
            Address {
                email: u.email,
                name: u.name,
                language: u.language,
            },
        );
    }
    let leaver_ids: HashSet<i32> = items
        .iter()
        .filter_map(|i| match i.recipient {
            Recipient::Leaver(id) => Some(id),
            _ => None,
        })
        .collect();
    for l in leavers::Entity::find()
        .filter(leavers::Column::Id.is_in(leaver_ids))
        .filter(leavers::Column::ContactConsent.eq(true))
        .all(db)
        .await?
    {
        if let Some(email) = l.email {
            out.insert(
                Recipient::Leaver(l.id),
                Address {
                    email,
                    name: format!("{} {}", l.family_name, l.given_name),
                    language: l.language,
                },
            );
        }
    }
    Ok(out)
}
