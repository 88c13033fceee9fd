//! `/admin/webhooks`: administrators register endpoints (address and events; the signing
//! secret is shown once), remove them, and see each delivery with its last error, retrying a
//! failed one.
use askama::Template;
use poem::{
    Response, handler,
    web::{Form, Path},
};

use crate::{
    db,
    error::{AppError, AppResult},
    web::{
        context::Ctx,
        forms::FormErrors,
        render::{render, render_refused, see_other},
    },
    webhooks::{
        delivery::retry_now,
        endpoints::{self, is_endpoint_url},
        events::{Event, events_of},
    },
};

#[derive(Default)]
pub struct HookForm {
    pub url: String,
    pub events: Vec<String>,
}

impl HookForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> HookForm {
        let mut form = HookForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "url" => form.url = v,
                "events" => form.events.push(v),
                _ => {}
            }
        }
        form
    }

    fn parse(&self) -> Result<Vec<Event>, FormErrors> {
        let mut errors = FormErrors::default();
        if self.url.trim().is_empty() {
            errors.add("url", "webhook-url-required");
        } else if !is_endpoint_url(&self.url) {
            errors.add("url", "webhook-url-invalid");
        }
        let events: Vec<Event> = Event::ALL
            .into_iter()
            .filter(|e| self.events.iter().any(|x| x == e.as_str()))
            .collect();
        if events.is_empty() || events.len() != self.events.len() {
            errors.add("events", "webhook-events-required");
        }
        if errors.any() {
            Err(errors)
        } else {
            Ok(events)
        }
    }
}

pub struct HookRow {
    pub id: i32,
    pub url: String,
    pub events: String,
    pub created: String,
}

pub struct DeliveryRow {
    pub id: i32,
    pub webhook_id: i32,
    pub event: String,
    pub event_id: String,
    pub status: String,
    pub failed: bool,
    pub attempts: i32,
    pub when: String,
    pub last_error: String,
}

pub struct EventChoice {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "webhooks/list.html")]
struct HooksPage<'a> {
    ctx: &'a Ctx,
    hooks: Vec<HookRow>,
    deliveries: Vec<DeliveryRow>,
    form: HookForm,
    events: Vec<EventChoice>,
    errors: FormErrors,
    /// The new endpoint's address and secret, shown this once.
    issued: Option<(String, String)>,
}

async fn page<'a>(
    ctx: &'a Ctx,
    form: HookForm,
    errors: FormErrors,
    issued: Option<(String, String)>,
) -> AppResult<HooksPage<'a>> {
    let hooks = endpoints::live(&ctx.app.db)
        .await?
        .into_iter()
        .map(|h| HookRow {
            id: h.id,
            events: events_of(&h)
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            created: ctx.datetime(&h.created_at),
            url: h.url,
        })
        .collect();
    let deliveries = endpoints::recent_deliveries(&ctx.app.db, 50)
        .await?
        .into_iter()
        .map(|d| DeliveryRow {
            id: d.id,
            webhook_id: d.webhook_id,
            status: ctx.t(&format!("webhook-delivery-{}", d.status.as_str())),
            failed: d.status == entity::outbox::Status::Failed
                && d.last_error.as_deref() != Some(endpoints::REMOVED),
            attempts: d.attempts,
            when: ctx.datetime(&d.delivered_at.unwrap_or(d.created_at)),
            last_error: d.last_error.unwrap_or_default(),
            event: d.event,
            event_id: d.event_id,
        })
        .collect();
    let events = Event::ALL
        .into_iter()
        .map(|e| EventChoice {
            value: e.as_str(),
            label: ctx.t(&e.message_id()),
            checked: form.events.iter().any(|x| x == e.as_str()),
        })
        .collect();
    Ok(HooksPage {
        ctx,
        hooks,
        deliveries,
        form,
        events,
        errors,
        issued,
    })
}

/// `GET /admin/webhooks`.
#[handler]
pub async fn list(ctx: &Ctx) -> AppResult<Response> {
    render(&page(ctx, HookForm::default(), FormErrors::default(), None).await?)
}

/// `POST /admin/webhooks`: registers an endpoint and shows its secret once.
#[handler]
pub async fn create(ctx: &Ctx, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let admin = ctx.user()?.id;
    let form = HookForm::from_pairs(pairs);
    let events = match form.parse() {
        Ok(e) => e,
        Err(errors) => {
            return render_refused(&page(ctx, form, errors, None).await?, &AppError::invalid());
        }
    };
    let txn = db::begin_write(&ctx.app.db).await?;
    let (hook, secret) =
        endpoints::register(&txn, ctx.now(), admin, &ctx.app.secrets, &form.url, &events).await?;
    txn.commit().await?;
    render(
        &page(
            ctx,
            HookForm::default(),
            FormErrors::default(),
            Some((hook.url, secret)),
        )
        .await?,
    )
}

/// `POST /admin/webhooks/{id}/remove`.
#[handler]
pub async fn remove(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let admin = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    let done = endpoints::remove(&txn, ctx.now(), admin, id).await?;
    txn.commit().await?;
    if done {
        ctx.flash_success("webhook-removed");
    }
    Ok(see_other("/admin/webhooks"))
}

/// `POST /admin/webhooks/deliveries/{id}/retry`.
#[handler]
pub async fn retry(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let admin = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    let done = retry_now(&txn, ctx.now(), admin, id).await?;
    txn.commit().await?;
    if done {
        ctx.flash_success("webhook-retried");
    }
    Ok(see_other("/admin/webhooks"))
}
