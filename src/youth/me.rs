//! The young person's own pages (`/me`): opening a link, their page with their coordinator,
//! appointments, agreed plans and allowances, and one agreed plan. Every page they open is a
//! `view` with the person as actor.
use askama::Template;
use chrono::{DateTime, Utc};
use entity::{consultations, leavers, plans};
use poem::{
    Response, handler,
    http::header,
    web::{Path, Query},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use crate::{
    allowances::views::LeaverAllowance,
    audit::chain::{self as audit, Entry},
    db,
    error::{AppError, AppResult},
    plans::views::GoalRow,
    web::{
        context::{Ctx, SESSION_LANG},
        render::{render, see_other},
    },
    youth::{links, session},
};

/// The audit summary part of everything the person does or sees: the access log names them
/// as its actor (本人).
pub const BY_PERSON: &str = "person";

/// Records that the person saw their own page `what`; the page is not shown if this fails.
pub async fn audit_own_view(ctx: &Ctx, leaver_id: i32, what: &str) -> AppResult<()> {
    ctx.app
        .read_audit
        .record(
            None,
            "view",
            vec![leaver_id],
            &format!("{what}; {BY_PERSON}"),
        )
        .await
        .map_err(AppError::Internal)
}

/// The person's record, while their session lasts.
pub async fn person(ctx: &Ctx, me: session::Me) -> AppResult<leavers::Model> {
    crate::leavers::queries::get(&ctx.app.db, me.leaver_id)
        .await?
        .ok_or(AppError::NotFound)
}

fn with_cookie(mut resp: Response, value: String) -> Response {
    if let Ok(v) = value.parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OpenQuery {
    next: String,
}

/// `GET /y/{token}`: opens the person's session and goes to their page; a link that no
/// longer works leads to "send me a new link".
#[handler]
pub async fn open(
    ctx: &Ctx,
    req: &poem::Request,
    Path(token): Path<String>,
    Query(q): Query<OpenQuery>,
) -> AppResult<Response> {
    let now = ctx.now();
    let secure = ctx.app.config.cookie_secure;
    let Some(link) = links::open_link(&ctx.app.db, now, &token).await? else {
        return Ok(see_other("/me/link?ended=1"));
    };
    if let Some(old) = session::cookie_value(req) {
        links::end_session(&ctx.app.db, &old).await?;
    }
    let txn = db::begin_write(&ctx.app.db).await?;
    let id = links::start_session(&txn, now, &link).await?;
    audit::record(
        &txn,
        now,
        Entry {
            actor_id: None,
            action: "open_link",
            entity: "youth_link",
            entity_id: Some(link.id.into()),
            summary: &format!("leaver {}; {BY_PERSON}", link.leaver_id),
        },
    )
    .await?;
    txn.commit().await?;
    if ctx.user.is_some() {
        // A device opened for the person's link is theirs: no staff session stays on it.
        ctx.session.purge();
    } else if let Some(l) = crate::leavers::queries::get(&ctx.app.db, link.leaver_id).await? {
        ctx.session.set(SESSION_LANG, l.language.as_str());
    }
    // A check-in request's link opens the check-in.
    let to = if q.next == "check-in" {
        "/me/check-in"
    } else {
        "/me"
    };
    Ok(with_cookie(see_other(to), session::set_cookie(&id, secure)))
}

pub struct Appointment {
    pub id: i32,
    pub when: String,
    pub how: String,
    /// The person's answer so far, in words (empty: none yet).
    pub answer: String,
    pub answer_code: &'static str,
}

pub struct PlanLink {
    pub id: i32,
    pub label: String,
}

#[derive(Template)]
#[template(path = "youth/me.html")]
struct MePage<'a> {
    ctx: &'a Ctx,
    given_name: String,
    coordinator: String,
    team_contact: String,
    appointments: Vec<Appointment>,
    plans: Vec<PlanLink>,
    allowances: Vec<LeaverAllowance>,
}

/// The person's next appointments (planned, from now on), soonest first.
pub async fn next_appointments(
    db: &impl sea_orm::ConnectionTrait,
    leaver_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<consultations::Model>, sea_orm::DbErr> {
    consultations::Entity::find()
        .filter(consultations::Column::LeaverId.eq(leaver_id))
        .filter(consultations::Column::Status.eq(consultations::Status::Planned))
        .filter(consultations::Column::HeldAt.gte(now))
        .order_by_asc(consultations::Column::HeldAt)
        .limit(10)
        .all(db)
        .await
}

async fn agreed_plans(
    db: &impl sea_orm::ConnectionTrait,
    leaver_id: i32,
) -> Result<Vec<plans::Model>, sea_orm::DbErr> {
    plans::Entity::find()
        .filter(plans::Column::LeaverId.eq(leaver_id))
        .filter(plans::Column::Status.eq(plans::Status::Agreed))
        .order_by_desc(plans::Column::Number)
        .all(db)
        .await
}

#[handler]
pub async fn page(ctx: &Ctx, me: session::Me) -> AppResult<Response> {
    let l = person(ctx, me).await?;
    audit_own_view(ctx, l.id, "/me").await?;
    let coordinator = match l.coordinator_id {
        Some(id) => crate::users::queries::get(&ctx.app.db, id)
            .await?
            .map(|u| u.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let appointments = next_appointments(&ctx.app.db, l.id, ctx.now())
        .await?
        .into_iter()
        .map(|c| Appointment {
            id: c.id,
            when: ctx.datetime(&c.held_at),
            how: ctx.t(&c.channel.message_id()),
            answer: c
                .response
                .map(|r| ctx.t(&format!("me-answer-{}", r.as_str().replace('_', "-"))))
                .unwrap_or_default(),
            answer_code: c.response.map(|r| r.as_str()).unwrap_or(""),
        })
        .collect();
    let plans = agreed_plans(&ctx.app.db, l.id)
        .await?
        .into_iter()
        .map(|p| PlanLink {
            id: p.id,
            label: ctx.t_with(
                "me-plan-agreed-on",
                &[(
                    "date",
                    &p.agreed_on.map(|d| ctx.tr.date(d)).unwrap_or_default(),
                )],
            ),
        })
        .collect();
    let allowances = crate::allowances::views::for_leaver_page(ctx, l.id, true)
        .await?
        .into_iter()
        .filter(|a| !a.is_draft)
        .collect();
    render(&MePage {
        ctx,
        given_name: l.given_name,
        coordinator,
        team_contact: ctx.app.config.team_contact.clone().unwrap_or_default(),
        appointments,
        plans,
        allowances,
    })
}

#[derive(Template)]
#[template(path = "youth/plan.html")]
struct PlanPage<'a> {
    ctx: &'a Ctx,
    agreed: String,
    review: String,
    wishes: String,
    goals: Vec<GoalRow>,
}

/// `GET /me/plans/{id}`: one of the person's agreed plans (a draft, or another person's plan,
/// is not found).
#[handler]
pub async fn plan(ctx: &Ctx, me: session::Me, Path(id): Path<i32>) -> AppResult<Response> {
    let p = crate::plans::queries::get(&ctx.app.db, id)
        .await?
        .filter(|p| p.leaver_id == me.leaver_id && p.status == plans::Status::Agreed)
        .ok_or(AppError::NotFound)?;
    audit_own_view(ctx, me.leaver_id, &format!("/me/plans/{id}")).await?;
    render(&PlanPage {
        ctx,
        agreed: p.agreed_on.map(|d| ctx.tr.date(d)).unwrap_or_default(),
        review: p.review_on.map(|d| ctx.tr.date(d)).unwrap_or_default(),
        wishes: p.wishes.clone(),
        goals: crate::plans::views::goal_rows(ctx, p.id).await?,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndedQuery {
    ended: String,
}

/// `GET /me/link`: "send me a new link".
#[handler]
pub async fn link_form(ctx: &Ctx, Query(q): Query<EndedQuery>) -> AppResult<Response> {
    super::request_link::form(ctx, !q.ended.is_empty())
}

/// Signing out of the person's session (from `/logout`): the session ends and the cookie
/// goes.
pub async fn sign_out(ctx: &Ctx, req: &poem::Request) -> AppResult<Option<String>> {
    match session::cookie_value(req) {
        Some(id) => {
            links::end_session(&ctx.app.db, &id).await?;
            Ok(Some(session::clear_cookie(ctx.app.config.cookie_secure)))
        }
        None => Ok(None),
    }
}
