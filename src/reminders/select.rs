//! Selecting: which reminders are due on a day, read from the register with set-based queries
//! (the same "what needs attention" queries the dashboard shows), and the addresses of those
//! who receive them. Reads only.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::{allowances, consultations, leavers, users};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::{
    item::{Address, Detail, Item, Recipient},
    routing::{self, Staff},
    rules::{self, Rule, key},
};
use crate::{
    attention::{self as widgets, Scope},
    clock::{Month, start_of},
    config::Config,
    i18n::Lang,
    roles::Role,
};

/// Evaluates every rule for `day` with a handful of set-based queries; the reminders are
/// routed to who can receive them (see `routing`).
pub async fn evaluate(
    db: &impl ConnectionTrait,
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
    for i in widgets::follow_ups(db, Scope::Team, day, day + lead).await? {
        let due = i.on_date.unwrap_or(day);
        items.extend(leaver_item(
            Rule::FollowUpDue,
            &i,
            due.to_string(),
            Detail::Date(due),
        ));
    }
    let long_ago = NaiveDate::from_ymd_opt(1900, 1, 1).expect("date");
    for i in widgets::follow_ups(db, Scope::Team, long_ago, day - Days::new(1)).await? {
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
    for i in widgets::support_ending(db, Scope::Team, day, horizon).await? {
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

/// `plan_missing` and `plan_review_due` to coordinators, `contact_escalation` and
/// `extension_waiting` to every admin (DESIGN 2.6).
async fn plans_and_cadence(
    db: &impl ConnectionTrait,
    config: &Config,
    staff: &Staff,
    day: NaiveDate,
) -> Result<Vec<Item>, DbErr> {
    use entity::plans;
    let tz = config.time_zone;
    let mut items = Vec::new();
    let rows = widgets::cadence(db, Scope::Team, day).await?;
    // Agreed plans only (drafts and superseded versions play no part), the latest last.
    let agreed_plans = plans::Entity::find()
        .filter(plans::Column::Status.eq(plans::Status::Agreed))
        .order_by_asc(plans::Column::Number)
        .all(db)
        .await?;
    let mut latest_agreed: HashMap<i32, &plans::Model> = HashMap::new();
    for p in &agreed_plans {
        latest_agreed.insert(p.leaver_id, p);
    }
    let name = |r: &widgets::CadenceRow| format!("{} {}", r.family_name, r.given_name);
    // The period of a contact reminder: the last held consultation, so a new contact starts
    // a new period.
    let since = |r: &widgets::CadenceRow| {
        r.last_held
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "never".into())
    };
    let admins = &staff.admins;
    for r in &rows {
        let due = r.support_starts_on + Days::new(rules::PLAN_MISSING_DAYS);
        if due <= day && !latest_agreed.contains_key(&r.leaver_id) {
            items.push(Item {
                rule: Rule::PlanMissing,
                key: key(
                    Rule::PlanMissing,
                    &format!("leaver:{}", r.leaver_id),
                    &r.support_starts_on.to_string(),
                ),
                recipient: routing::coordinator(r.coordinator_id),
                subject_id: r.leaver_id,
                leaver_id: Some(r.leaver_id),
                case_number: r.case_number.clone(),
                name: name(r),
                detail: Detail::Date(due),
            });
        }
        if let Some(plan) = latest_agreed.get(&r.leaver_id)
            && let Some(review) = plan.review_on
            && review <= day + Days::new(rules::PLAN_REVIEW_LEAD_DAYS)
        {
            items.push(Item {
                rule: Rule::PlanReviewDue,
                key: key(
                    Rule::PlanReviewDue,
                    &format!("plan:{}", plan.id),
                    &review.to_string(),
                ),
                recipient: routing::coordinator(r.coordinator_id),
                subject_id: plan.id,
                leaver_id: Some(r.leaver_id),
                case_number: r.case_number.clone(),
                name: name(r),
                detail: Detail::Date(review),
            });
        }
        let cadence = widgets::contact_cadence(config, r.contact_every_days);
        if widgets::quiet_for(r, cadence, day, tz) {
            items.push(Item {
                rule: Rule::NoContact,
                key: key(
                    Rule::NoContact,
                    &format!("leaver:{}", r.leaver_id),
                    &since(r),
                ),
                recipient: routing::coordinator(r.coordinator_id),
                subject_id: r.leaver_id,
                leaver_id: Some(r.leaver_id),
                case_number: r.case_number.clone(),
                name: name(r),
                detail: Detail::LastContact(r.last_held),
            });
        }
        let after = widgets::escalation_after(config, r.contact_every_days);
        if widgets::quiet_for(r, after, day, tz) {
            let since = since(r);
            for admin in admins {
                items.push(Item {
                    rule: Rule::ContactEscalation,
                    key: key(
                        Rule::ContactEscalation,
                        &format!("leaver:{}/admin:{admin}", r.leaver_id),
                        &since,
                    ),
                    recipient: Recipient::User(*admin),
                    subject_id: r.leaver_id,
                    leaver_id: Some(r.leaver_id),
                    case_number: r.case_number.clone(),
                    name: name(r),
                    detail: Detail::LastContact(r.last_held),
                });
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
                    // Young people get Japanese; the register keeps no language for them.
                    language: Lang::Ja,
                },
            );
        }
    }
    Ok(out)
}
