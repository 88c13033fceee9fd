//! "Send me a new link" (`POST /me/link`): the person types their email address; a new link
//! goes only to an address on file with consent to emails. The answer is the same whether or
//! not the address is known, and requests are limited per address and per client.
use askama::Template;
use chrono::{DateTime, Duration, Utc};
use entity::{leavers, link_requests, youth_links::HandedOver};
use poem::{Response, handler, web::Form};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use serde::Deserialize;

use crate::{
    app::state::AppState,
    auth::tokens::sha256_hex,
    db,
    error::{AppError, AppResult},
    reminders::{delivery, item::Address},
    users::forms::Email,
    web::{
        context::Ctx,
        forms::FormErrors,
        render::{render, render_refused},
    },
    youth::{email, links, links::link_url},
};

/// Requests for one address within [`WINDOW`] before the next is refused.
pub const PER_ADDRESS: u64 = 3;
/// Requests from one client within [`WINDOW`] before the next is refused.
pub const PER_CLIENT: u64 = 10;
pub const WINDOW: Duration = Duration::hours(1);

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LinkForm {
    email: String,
}

#[derive(Template)]
#[template(path = "youth/link.html")]
struct LinkPage<'a> {
    ctx: &'a Ctx,
    ended: bool,
    email: String,
    errors: FormErrors,
    sent: bool,
}

/// How many requests matched `column = value` within the window.
async fn recent(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
    column: link_requests::Column,
    value: &str,
) -> Result<u64, DbErr> {
    link_requests::Entity::find()
        .filter(column.eq(value))
        .filter(link_requests::Column::At.gt(since))
        .count(db)
        .await
}

/// Sends a new link to every open record with this address and consent (normally one).
async fn send_links(
    txn: &impl ConnectionTrait,
    state: &AppState,
    now: DateTime<Utc>,
    address: &str,
) -> anyhow::Result<()> {
    let people = leavers::Entity::find()
        .filter(leavers::Column::Email.eq(address))
        .filter(leavers::Column::ContactConsent.eq(true))
        .filter(leavers::Column::Status.ne(leavers::Status::Closed))
        .filter(leavers::Column::AnonymisedOn.is_null())
        .all(txn)
        .await?;
    let today = now.with_timezone(&state.config.time_zone).date_naive();
    for l in people {
        let issued = links::issue(
            txn,
            now,
            state.config.youth_link_days,
            None,
            l.id,
            HandedOver::Email,
            links::Issuer::PersonOrRule,
        )
        .await?;
        let url = link_url(&state.config.base_url, &issued.token);
        let message = email::render(state, l.language, &l.given_name, email::Purpose::Link, &url)?;
        let to = Address {
            email: address.to_string(),
            name: l.given_name.clone(),
            language: l.language,
        };
        delivery::enqueue_with_link(txn, now, today, &to, &message).await?;
    }
    Ok(())
}

/// The form, after a link that no longer works (`ended`) or not.
pub fn form(ctx: &Ctx, ended: bool) -> AppResult<Response> {
    render(&LinkPage {
        ctx,
        ended,
        email: String::new(),
        errors: FormErrors::default(),
        sent: false,
    })
}

/// `POST /me/link`.
#[handler]
pub async fn request(ctx: &Ctx, Form(f): Form<LinkForm>) -> AppResult<Response> {
    let page = |errors: FormErrors, sent: bool| LinkPage {
        ctx,
        ended: false,
        email: f.email.clone(),
        errors,
        sent,
    };
    let Some(address) = Email::parse(&f.email) else {
        let mut errors = FormErrors::default();
        errors.add("email", "field-email-invalid");
        let why = AppError::Invalid(errors.clone());
        return render_refused(&page(errors, false), &why);
    };
    let now = ctx.now();
    let since = now - WINDOW;
    let key = sha256_hex(address.as_str());
    // Counted inside the writing transaction: on SQLite writers take turns, so requests sent
    // at once cannot all pass the count before any is recorded.
    let txn = db::begin_write(&ctx.app.db).await?;
    if recent(&txn, since, link_requests::Column::EmailHash, &key).await? >= PER_ADDRESS
        || recent(&txn, since, link_requests::Column::Client, &ctx.client).await? >= PER_CLIENT
    {
        txn.rollback().await?;
        tracing::warn!("new-link requests refused: too many");
        let errors = FormErrors::problem_only("me-link-too-many");
        return render_refused(&page(errors, false), &AppError::Locked);
    }
    link_requests::ActiveModel {
        email_hash: Set(key),
        client: Set(ctx.client.chars().take(64).collect()),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    send_links(&txn, &ctx.app, now, address.as_str()).await?;
    txn.commit().await?;
    render(&page(FormErrors::default(), true))
}
