//! The safety net: a scheduled job finds what needs attention and emails the right person —
//! one digest per recipient per run, each reminder exactly once (by key), through an outbox
//! that retries failed deliveries.
pub mod delivery;
pub mod email;
pub mod rules;
pub mod scheduler;
pub mod views;

use poem::{EndpointExt, Route, get, post};

use crate::web::{ADMIN, require};

/// Every path of **Email**: administrators only.
pub fn mount(route: Route) -> Route {
    route
        .at("/admin/reminders", get(views::list).with(require(ADMIN)))
        .at(
            "/admin/reminders/:id/retry",
            post(views::retry).with(require(ADMIN)),
        )
}

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::{allowances, consultations, leavers, reminders, users};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, sea_query::OnConflict,
};

use crate::{
    app::AppState,
    audit::{self, Entry},
    clock::Month,
    clock::start_of,
    dashboard::{queries as widgets, queries::Scope},
    db,
    i18n::Lang,
    roles::Role,
};
use rules::{Rule, key};

/// Who receives a reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Recipient {
    User(i32),
    Leaver(i32),
}

/// What a reminder says, beyond its rule and record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    Date(NaiveDate),
    LastContact(Option<DateTime<Utc>>),
    Waiting {
        count: u64,
        oldest: Option<DateTime<Utc>>,
    },
    Appointment {
        at: DateTime<Utc>,
        channel: entity::consultations::Channel,
    },
}

/// One reminder, before it is sent.
#[derive(Clone, Debug)]
pub struct Item {
    pub rule: Rule,
    pub key: String,
    pub recipient: Recipient,
    /// The record the reminder is about (a leaver, an allowance, a consultation…).
    pub subject_id: i32,
    pub leaver_id: Option<i32>,
    pub case_number: String,
    pub name: String,
    pub detail: Detail,
}

/// Where a digest goes.
#[derive(Clone, Debug)]
pub struct Address {
    pub email: String,
    pub name: String,
    pub language: Lang,
}

/// Evaluates every rule for `day` with a handful of set-based queries.
pub async fn evaluate(state: &AppState, day: NaiveDate) -> Result<Vec<Item>, DbErr> {
    let db = &state.db;
    let mut items = Vec::new();
    let leaver_item = |rule: Rule, i: &widgets::Item, period: String, detail: Detail| {
        Some(Item {
            rule,
            key: key(rule, &format!("leaver:{}", i.leaver_id), &period),
            recipient: coordinator(i.coordinator_id),
            subject_id: i.leaver_id,
            leaver_id: Some(i.leaver_id),
            case_number: i.case_number.clone(),
            name: format!("{} {}", i.family_name, i.given_name),
            detail,
        })
    };

    let lead = Days::new(state.config.follow_up_lead_days.into());
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
    items.extend(plans_and_cadence(state, day).await?);
    items.extend(allowances_ending(db, day).await?);
    items.extend(approvals_waiting(db, day).await?);
    items.extend(appointments_tomorrow(state, day).await?);
    route_to_team_leads(db, items).await
}

/// No account has this id: the recipient of reminders about a leaver without an assigned
/// coordinator, until `route_to_team_leads` hands them on.
const UNASSIGNED: i32 = 0;

/// The assigned coordinator as a recipient.
fn coordinator(coordinator_id: Option<i32>) -> Recipient {
    Recipient::User(coordinator_id.unwrap_or(UNASSIGNED))
}

/// Reminders for a coordinator who cannot receive them (none assigned, or the account is
/// deactivated) go to every active administrator instead, each under a key of its own, so
/// that nothing is dropped because of a gap in the caseload.
async fn route_to_team_leads(
    db: &DatabaseConnection,
    items: Vec<Item>,
) -> Result<Vec<Item>, DbErr> {
    let staff = users::Entity::find()
        .filter(users::Column::Active.eq(true))
        .all(db)
        .await?;
    let active: HashSet<i32> = staff.iter().map(|u| u.id).collect();
    let admins: Vec<i32> = staff
        .iter()
        .filter(|u| u.role == Role::Admin)
        .map(|u| u.id)
        .collect();
    let mut out = Vec::with_capacity(items.len());
    let mut stranded = 0usize;
    for item in items {
        match item.recipient {
            Recipient::User(id) if !active.contains(&id) => {
                if admins.is_empty() {
                    stranded += 1;
                }
                for admin in &admins {
                    out.push(Item {
                        key: format!("{}/lead:{admin}", item.key),
                        recipient: Recipient::User(*admin),
                        ..item.clone()
                    });
                }
            }
            _ => out.push(item),
        }
    }
    if stranded > 0 {
        tracing::warn!(
            reminders = stranded,
            "reminders without an active coordinator and no active administrator to receive them"
        );
    }
    Ok(out)
}

/// `plan_missing` and `plan_review_due` to coordinators, `contact_escalation` and
/// `extension_waiting` to every admin (DESIGN 2.6).
async fn plans_and_cadence(state: &AppState, day: NaiveDate) -> Result<Vec<Item>, DbErr> {
    use entity::plans;
    let db = &state.db;
    let tz = state.config.time_zone;
    let mut items = Vec::new();
    let rows = widgets::cadence(db, Scope::Team, day).await?;
    let all_plans = plans::Entity::find()
        .order_by_asc(plans::Column::Number)
        .all(db)
        .await?;
    let agreed: HashSet<i32> = all_plans
        .iter()
        .filter(|p| p.status == entity::plans::Status::Agreed)
        .map(|p| p.leaver_id)
        .collect();
    let mut latest_agreed: HashMap<i32, &plans::Model> = HashMap::new();
    for p in all_plans
        .iter()
        .filter(|p| p.status == entity::plans::Status::Agreed)
    {
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
    let admins: Vec<i32> = users::Entity::find()
        .filter(users::Column::Role.eq(Role::Admin))
        .filter(users::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    for r in &rows {
        let due = r.support_starts_on + Days::new(rules::PLAN_MISSING_DAYS);
        if due <= day && !agreed.contains(&r.leaver_id) {
            items.push(Item {
                rule: Rule::PlanMissing,
                key: key(
                    Rule::PlanMissing,
                    &format!("leaver:{}", r.leaver_id),
                    &r.support_starts_on.to_string(),
                ),
                recipient: coordinator(r.coordinator_id),
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
                recipient: coordinator(r.coordinator_id),
                subject_id: plan.id,
                leaver_id: Some(r.leaver_id),
                case_number: r.case_number.clone(),
                name: name(r),
                detail: Detail::Date(review),
            });
        }
        let cadence = crate::dashboard::contact_cadence(&state.config, r.contact_every_days);
        if widgets::quiet_for(r, cadence, day, tz) {
            items.push(Item {
                rule: Rule::NoContact,
                key: key(
                    Rule::NoContact,
                    &format!("leaver:{}", r.leaver_id),
                    &since(r),
                ),
                recipient: coordinator(r.coordinator_id),
                subject_id: r.leaver_id,
                leaver_id: Some(r.leaver_id),
                case_number: r.case_number.clone(),
                name: name(r),
                detail: Detail::LastContact(r.last_held),
            });
        }
        let after = crate::dashboard::escalation_after(&state.config, r.contact_every_days);
        if widgets::quiet_for(r, after, day, tz) {
            let since = since(r);
            for admin in &admins {
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
        for admin in &admins {
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

async fn allowances_ending(db: &DatabaseConnection, day: NaiveDate) -> Result<Vec<Item>, DbErr> {
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
                recipient: coordinator(l.coordinator_id),
                subject_id: a.id,
                leaver_id: Some(l.id),
                case_number: l.case_number.clone(),
                name: format!("{} {}", l.family_name, l.given_name),
                detail: Detail::Date(last_day),
            })
        })
        .collect())
}

async fn approvals_waiting(db: &DatabaseConnection, day: NaiveDate) -> Result<Vec<Item>, DbErr> {
    let waiting = allowances::Entity::find()
        .filter(allowances::Column::Status.eq(allowances::Status::Submitted))
        .order_by_asc(allowances::Column::SubmittedAt)
        .all(db)
        .await?;
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let oldest = waiting.first().and_then(|a| a.submitted_at);
    let finance = users::Entity::find()
        .filter(users::Column::Role.eq(Role::Finance))
        .filter(users::Column::Active.eq(true))
        .all(db)
        .await?;
    Ok(finance
        .into_iter()
        .map(|u| Item {
            rule: Rule::ApprovalsWaiting,
            key: key(
                Rule::ApprovalsWaiting,
                &format!("user:{}", u.id),
                &day.to_string(),
            ),
            recipient: Recipient::User(u.id),
            subject_id: u.id,
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

async fn appointments_tomorrow(state: &AppState, day: NaiveDate) -> Result<Vec<Item>, DbErr> {
    let tz = state.config.time_zone;
    let tomorrow = day + Days::new(1);
    let planned = consultations::Entity::find()
        .filter(consultations::Column::Status.eq(consultations::Status::Planned))
        .filter(consultations::Column::HeldAt.gte(start_of(tomorrow, tz).max(state.clock.now())))
        .filter(consultations::Column::HeldAt.lt(start_of(tomorrow + Days::new(1), tz)))
        .all(&state.db)
        .await?;
    let ids: Vec<i32> = planned.iter().map(|c| c.leaver_id).collect();
    // Only with recorded consent and an email on file.
    let people: HashMap<i32, leavers::Model> = leavers::Entity::find()
        .filter(leavers::Column::Id.is_in(ids))
        .filter(leavers::Column::ContactConsent.eq(true))
        .filter(leavers::Column::Email.is_not_null())
        .filter(leavers::Column::Status.ne(leavers::Status::Closed))
        .all(&state.db)
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
    db: &DatabaseConnection,
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

/// The digests of one run: items grouped by recipient (who has an address).
pub fn digests(
    items: Vec<Item>,
    addresses: &HashMap<Recipient, Address>,
) -> BTreeMap<Recipient, Vec<Item>> {
    let mut out: BTreeMap<Recipient, Vec<Item>> = BTreeMap::new();
    let mut unaddressed = 0usize;
    for item in items {
        if addresses.contains_key(&item.recipient) {
            out.entry(item.recipient).or_default().push(item);
        } else {
            unaddressed += 1;
        }
    }
    if unaddressed > 0 {
        tracing::warn!(
            reminders = unaddressed,
            "reminders whose recipient has no address"
        );
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| (a.rule, &a.case_number).cmp(&(b.rule, &b.case_number)));
    }
    out
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    pub emails: usize,
    pub reminders: usize,
    /// Recipients whose digest could not be queued (logged; retried on the next run).
    pub failed: usize,
}

/// Keys among `keys` that were already sent.
async fn already_sent(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashSet<String>, DbErr> {
    let mut out = HashSet::new();
    for chunk in keys.chunks(500) {
        for r in reminders::Entity::find()
            .filter(reminders::Column::Key.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            out.insert(r.key);
        }
    }
    Ok(out)
}

/// Queues one recipient's digest of the reminders not sent before; the number queued.
async fn enqueue_digest(
    state: &AppState,
    day: NaiveDate,
    address: &Address,
    list: Vec<Item>,
) -> anyhow::Result<usize> {
    let txn = db::begin_write(&state.db).await?;
    let now = state.clock.now();
    let mut fresh = Vec::new();
    for item in list {
        let (kind, id) = match item.recipient {
            Recipient::User(id) => ("user", id),
            Recipient::Leaver(id) => ("leaver", id),
        };
        let inserted = reminders::Entity::insert(reminders::ActiveModel {
            key: Set(item.key.clone()),
            rule: Set(item.rule.as_str().to_string()),
            recipient_kind: Set(kind.to_string()),
            recipient_id: Set(id),
            subject_id: Set(item.subject_id),
            run_date: Set(day),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(reminders::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted == 1 {
            fresh.push(item);
        }
    }
    if fresh.is_empty() {
        txn.rollback().await?;
        return Ok(0);
    }
    let message = email::render(state, address, &fresh, day)?;
    let outbox_id = delivery::enqueue(&txn, now, day, address, &message).await?;
    let keys: Vec<String> = fresh.iter().map(|i| i.key.clone()).collect();
    for chunk in keys.chunks(500) {
        reminders::Entity::update_many()
            .col_expr(
                reminders::Column::OutboxId,
                sea_orm::sea_query::Expr::value(Some(outbox_id)),
            )
            .filter(reminders::Column::Key.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
    }
    let mut rules: Vec<&str> = fresh.iter().map(|i| i.rule.as_str()).collect();
    rules.dedup();
    let summary = format!(
        "run {day}; reminders: {}; rules: {}",
        fresh.len(),
        rules.join(", ")
    );
    audit::record(
        &txn,
        now,
        Entry {
            actor_id: None,
            action: "enqueue",
            entity: "email",
            entity_id: Some(outbox_id.into()),
            summary: &summary,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(fresh.len())
}

/// Runs the rules for `day`: each recipient's new reminders become one email in the outbox.
/// Keys already sent are skipped, so a second run for the same day adds nothing.
pub async fn run_for_day(state: &AppState, day: NaiveDate) -> anyhow::Result<RunReport> {
    let items = evaluate(state, day).await?;
    let addresses = addresses(&state.db, &items).await?;
    let mut report = RunReport::default();
    for (recipient, list) in digests(items, &addresses) {
        let address = &addresses[&recipient];
        // One recipient's failure (a render error, a busy database) does not hold back the
        // others; their keys stay unsent, so the next run tries again.
        match enqueue_digest(state, day, address, list).await {
            Ok(0) => {}
            Ok(n) => {
                report.emails += 1;
                report.reminders += n;
            }
            Err(e) => {
                report.failed += 1;
                tracing::error!(error = %format!("{e:#}"), "reminder digest not queued");
            }
        }
    }
    Ok(report)
}

/// What a run for `day` would send, per recipient, without sending or recording anything.
pub async fn dry_run(
    state: &AppState,
    day: NaiveDate,
) -> anyhow::Result<Vec<(Address, Vec<Item>)>> {
    let items = evaluate(state, day).await?;
    let keys: Vec<String> = items.iter().map(|i| i.key.clone()).collect();
    let sent = already_sent(&state.db, &keys).await?;
    let items: Vec<Item> = items
        .into_iter()
        .filter(|i| !sent.contains(&i.key))
        .collect();
    let addresses = addresses(&state.db, &items).await?;
    Ok(digests(items, &addresses)
        .into_iter()
        .map(|(r, list)| (addresses[&r].clone(), list))
        .collect())
}
