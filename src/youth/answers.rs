//! What the young person says through their link: answers to appointments, check-ins ("I'm
//! OK" / "I need help"), and "please contact me". Each is an audited write with the person as
//! actor. Urgent ones ("I need help", "please contact me", "please call me") reach the
//! assigned coordinator at once by email (the administrators when nobody can receive it),
//! with no message text, and stay on the dashboard until someone acknowledges them.
use chrono::{DateTime, Utc};
use entity::{check_ins, consultations, leavers, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, Set, sea_query::Expr,
};

use crate::{
    app::state::AppState,
    audit::chain::{self as audit, Entry},
    reminders::{
        delivery,
        email::{Line, Section, compose},
        item::Address,
    },
    roles::Role,
    youth::me::BY_PERSON,
};

pub use check_ins::Kind;

/// Whether an answer needs someone at once.
pub fn is_urgent(kind: Kind) -> bool {
    matches!(kind, Kind::NeedHelp | Kind::ContactMe | Kind::CallMe)
}

/// Whether an answer is a check-in: a self-reported contact that counts for the cadence.
pub fn is_check_in(kind: Kind) -> bool {
    matches!(kind, Kind::Ok | Kind::NeedHelp)
}

/// Why an answer was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not one of the person's planned appointments still to come.
    NoSuchAppointment,
}

/// Stores the person's answer to an appointment of theirs; "can't come" and "call me" also
/// become open items for the coordinator (and "call me" an email at once).
pub async fn respond(
    txn: &impl ConnectionTrait,
    state: &AppState,
    now: DateTime<Utc>,
    leaver: &leavers::Model,
    consultation_id: i32,
    response: consultations::Response,
) -> Result<Result<(), Refused>, DbErr> {
    let updated = consultations::Entity::update_many()
        .col_expr(consultations::Column::Response, Expr::value(Some(response)))
        .col_expr(consultations::Column::ResponseAt, Expr::value(Some(now)))
        .filter(consultations::Column::Id.eq(consultation_id))
        .filter(consultations::Column::LeaverId.eq(leaver.id))
        .filter(consultations::Column::Status.eq(consultations::Status::Planned))
        .filter(consultations::Column::HeldAt.gte(now))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(Err(Refused::NoSuchAppointment));
    }
    audit::record(
        txn,
        now,
        Entry {
            actor_id: None,
            action: "respond",
            entity: "consultation",
            entity_id: Some(consultation_id.into()),
            summary: &format!(
                "leaver {}; response: {}; {BY_PERSON}",
                leaver.id,
                response.as_str()
            ),
        },
    )
    .await?;
    let kind = match response {
        consultations::Response::Coming => return Ok(Ok(())),
        consultations::Response::NotComing => Kind::NotComing,
        consultations::Response::CallMe => Kind::CallMe,
    };
    record(txn, state, now, leaver, kind, Some(consultation_id), None).await?;
    Ok(Ok(()))
}

/// Records one answer of the person (a check-in, "please contact me", or an appointment's
/// answer that needs the coordinator), with its audit entry; urgent ones are emailed at once.
pub async fn record(
    txn: &impl ConnectionTrait,
    state: &AppState,
    now: DateTime<Utc>,
    leaver: &leavers::Model,
    kind: Kind,
    consultation_id: Option<i32>,
    message: Option<String>,
) -> Result<check_ins::Model, DbErr> {
    let saved = check_ins::ActiveModel {
        leaver_id: Set(leaver.id),
        kind: Set(kind),
        consultation_id: Set(consultation_id),
        message: Set(message.clone()),
        created_at: Set(now),
        // An "I'm OK" needs nobody.
        acknowledged_at: Set((kind == Kind::Ok).then_some(now)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    if is_check_in(kind) {
        leavers::Entity::update_many()
            .col_expr(leavers::Column::LastSelfReportAt, Expr::value(Some(now)))
            .filter(leavers::Column::Id.eq(leaver.id))
            .exec(txn)
            .await?;
    }
    if kind == Kind::NeedHelp {
        // Who asked, never what they wrote.
        crate::webhooks::events::emit(
            txn,
            now,
            crate::webhooks::events::Event::CheckInNeedHelp,
            serde_json::json!({ "leaver_id": leaver.id, "check_in_id": saved.id }),
        )
        .await?;
    }
    // The words are the person's: the audit keeps only that there were some.
    let summary = format!(
        "leaver {}; kind: {}{}; {BY_PERSON}",
        leaver.id,
        kind.as_str(),
        if message.is_some() {
            "; with a message"
        } else {
            ""
        }
    );
    audit::record(
        txn,
        now,
        Entry {
            actor_id: None,
            action: "create",
            entity: "check_in",
            entity_id: Some(saved.id.into()),
            summary: &summary,
        },
    )
    .await?;
    // One email per open request: asking again before anyone acknowledged it adds to the
    // list, not to the coordinator's inbox.
    if is_urgent(kind) && !already_open(txn, saved.id, leaver.id, kind, consultation_id).await? {
        alert_team(txn, state, now, leaver, kind).await?;
    }
    Ok(saved)
}

/// Whether the same request of the person (same kind, same appointment) was already waiting.
async fn already_open(
    db: &impl ConnectionTrait,
    this: i32,
    leaver_id: i32,
    kind: Kind,
    consultation_id: Option<i32>,
) -> Result<bool, DbErr> {
    use sea_orm::PaginatorTrait;
    let mut q = check_ins::Entity::find()
        .filter(check_ins::Column::LeaverId.eq(leaver_id))
        .filter(check_ins::Column::Kind.eq(kind))
        .filter(check_ins::Column::AcknowledgedAt.is_null())
        .filter(check_ins::Column::Id.ne(this));
    q = match consultation_id {
        Some(c) => q.filter(check_ins::Column::ConsultationId.eq(c)),
        None => q.filter(check_ins::Column::ConsultationId.is_null()),
    };
    Ok(q.count(db).await? > 0)
}

/// Who is told at once: the assigned coordinator if their account is active, else every
/// active administrator.
async fn alert_recipients(
    db: &impl ConnectionTrait,
    coordinator_id: Option<i32>,
) -> Result<Vec<users::Model>, DbErr> {
    if let Some(id) = coordinator_id
        && let Some(u) = users::Entity::find_by_id(id)
            .filter(users::Column::Active.eq(true))
            .one(db)
            .await?
    {
        return Ok(vec![u]);
    }
    users::Entity::find()
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Role.eq(Role::Admin))
        .all(db)
        .await
}

/// Queues the at-once email about an urgent answer: the case number and a link, never the
/// person's words.
async fn alert_team(
    txn: &impl ConnectionTrait,
    state: &AppState,
    now: DateTime<Utc>,
    leaver: &leavers::Model,
    kind: Kind,
) -> Result<(), DbErr> {
    let today = now.with_timezone(&state.config.time_zone).date_naive();
    for u in alert_recipients(txn, leaver.coordinator_id).await? {
        let tr = state.catalogs.translator(u.language);
        let link = format!(
            "{}/leavers/{}#youth-answers",
            state.config.base_url.trim_end_matches('/'),
            leaver.id
        );
        let what = tr.t(&kind.message_id());
        let message = compose(
            u.language,
            tr.t_with(
                "youth-alert-subject",
                &[("case", &leaver.case_number), ("what", &what)],
            ),
            &tr.t_with("reminder-greeting-staff", &[("name", &u.name)]),
            &tr.t_with(
                "youth-alert-intro",
                &[("case", &leaver.case_number), ("what", &what)],
            ),
            &[Section {
                title: tr.t("youth-alert-open"),
                lines: vec![Line {
                    text: leaver.case_number.clone(),
                    link,
                }],
            }],
            &tr.t_with("reminder-footer", &[("link", &state.config.base_url)]),
        )
        .map_err(|e| DbErr::Custom(format!("alert email: {e}")))?;
        let to = Address {
            email: u.email.clone(),
            name: u.name.clone(),
            language: u.language,
        };
        let id = delivery::enqueue(txn, now, today, &to, &message).await?;
        audit::record(
            txn,
            now,
            Entry {
                actor_id: None,
                action: "enqueue",
                entity: "email",
                entity_id: Some(id.into()),
                summary: &format!("leaver {}; check_in: {}", leaver.id, kind.as_str()),
            },
        )
        .await?;
    }
    Ok(())
}

/// A coordinator or administrator acknowledges an open answer. False when it was no longer
/// open (acknowledged meanwhile, or not this person's).
pub async fn acknowledge(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    id: i32,
) -> Result<Option<i32>, DbErr> {
    let Some(item) = check_ins::Entity::find_by_id(id).one(txn).await? else {
        return Ok(None);
    };
    let updated = check_ins::Entity::update_many()
        .col_expr(check_ins::Column::AcknowledgedAt, Expr::value(Some(now)))
        .col_expr(check_ins::Column::AcknowledgedBy, Expr::value(Some(actor)))
        .filter(check_ins::Column::Id.eq(id))
        .filter(check_ins::Column::AcknowledgedAt.is_null())
        .exec(txn)
        .await?;
    if updated.rows_affected == 1 {
        audit::record(
            txn,
            now,
            Entry {
                actor_id: Some(actor),
                action: "acknowledge",
                entity: "check_in",
                entity_id: Some(id.into()),
                summary: &format!("leaver {}; kind: {}", item.leaver_id, item.kind.as_str()),
            },
        )
        .await?;
    }
    Ok(Some(item.leaver_id))
}

/// The person's answers, newest first (the leaver page's list, and the timeline's
/// self-reported contacts).
pub async fn of_person(
    db: &impl ConnectionTrait,
    leaver_id: i32,
) -> Result<Vec<check_ins::Model>, DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    check_ins::Entity::find()
        .filter(check_ins::Column::LeaverId.eq(leaver_id))
        .order_by_desc(check_ins::Column::CreatedAt)
        .order_by_desc(check_ins::Column::Id)
        .limit(50)
        .all(db)
        .await
}

/// An open answer with whom it is about, for the dashboard.
#[derive(Debug, FromQueryResult)]
pub struct OpenAnswer {
    pub id: i32,
    pub leaver_id: i32,
    pub kind: Kind,
    pub created_at: DateTime<Utc>,
    pub case_number: String,
    pub family_name: String,
    pub given_name: String,
}

/// Answers waiting for someone, urgent first then oldest first: of one coordinator's
/// caseload, or of the whole team.
pub async fn open_answers(
    db: &impl ConnectionTrait,
    scope: crate::attention::Scope,
) -> Result<Vec<OpenAnswer>, DbErr> {
    use crate::attention::Scope;
    let mut values: Vec<sea_orm::Value> = vec![leavers::Status::Closed.as_str().into()];
    let filter = match scope {
        Scope::Coordinator(id) => {
            values.push(id.into());
            " AND l.coordinator_id = ?"
        }
        Scope::Team => "",
    };
    let sql = format!(
        "SELECT a.id, a.leaver_id, a.kind, a.created_at, l.case_number, l.family_name, \
         l.given_name FROM check_ins a JOIN leavers l ON l.id = a.leaver_id \
         WHERE a.acknowledged_at IS NULL AND l.status <> ? AND l.anonymised_on IS NULL{filter} \
         ORDER BY CASE WHEN a.kind = ? THEN 1 ELSE 0 END, a.created_at, a.id LIMIT 200"
    );
    values.push(Kind::NotComing.as_str().into());
    let statement = crate::db::statement(db.get_database_backend(), &sql, values);
    OpenAnswer::find_by_statement(statement).all(db).await
}

/// The `youth_answer` reminders: every answer still waiting for someone, made before `now`,
/// once each (its key names the answer), to the person's coordinator.
pub async fn waiting_reminders(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<crate::reminders::item::Item>, DbErr> {
    use crate::reminders::{item::Detail, item::Item, routing, rules};
    let open = check_ins::Entity::find()
        .filter(check_ins::Column::AcknowledgedAt.is_null())
        .filter(check_ins::Column::CreatedAt.lte(now))
        .all(db)
        .await?;
    // A closed or anonymised record's answers wait for nobody.
    let people: std::collections::HashMap<i32, leavers::Model> = leavers::Entity::find()
        .filter(leavers::Column::Id.is_in(open.iter().map(|a| a.leaver_id)))
        .filter(leavers::Column::Status.ne(leavers::Status::Closed))
        .filter(leavers::Column::AnonymisedOn.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    Ok(open
        .into_iter()
        .filter_map(|a| {
            let l = people.get(&a.leaver_id)?;
            Some(Item {
                rule: rules::Rule::YouthAnswer,
                key: rules::key(rules::Rule::YouthAnswer, &format!("check_in:{}", a.id), ""),
                recipient: routing::coordinator(l.coordinator_id),
                subject_id: a.id,
                leaver_id: Some(l.id),
                case_number: l.case_number.clone(),
                name: format!("{} {}", l.family_name, l.given_name),
                detail: Detail::Answer {
                    kind: a.kind,
                    at: a.created_at,
                },
            })
        })
        .collect())
}
