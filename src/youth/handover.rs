//! A coordinator hands a person their link: by email (with consent and an address), or shown
//! once as an address and a QR code to give in person; or ends it.
use askama::Template;
use entity::{leavers, youth_links::HandedOver};
use poem::{
    Response, handler,
    web::{Form, Path},
};
use serde::Deserialize;

use crate::{
    db,
    error::{AppError, AppResult},
    reminders::{delivery, item::Address},
    web::{context::Ctx, render::see_other},
    youth::{check_in_rule, email, links, links::link_url},
};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HandoverForm {
    /// `email` or `show`.
    handover: String,
}

/// Whether the person can be emailed: consent recorded and an address on file.
pub fn can_email(l: &leavers::Model) -> bool {
    l.contact_consent && l.email.as_deref().is_some_and(|e| !e.trim().is_empty())
}

#[derive(Template)]
#[template(path = "youth/shown.html")]
struct ShownPage<'a> {
    ctx: &'a Ctx,
    leaver_id: i32,
    name: String,
    url: String,
    qr_svg: String,
    expires: String,
}

async fn open_record(ctx: &Ctx, id: i32) -> AppResult<leavers::Model> {
    let l = crate::leavers::queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(l)
}

/// Whether a record can be given a link: open and not anonymised.
fn can_have_link(l: &leavers::Model) -> bool {
    l.status != leavers::Status::Closed && l.anonymised_on.is_none()
}

#[handler]
pub async fn send_or_show(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(f): Form<HandoverForm>,
) -> AppResult<Response> {
    let actor = ctx.user()?.id;
    let l = open_record(ctx, id).await?;
    let back = format!("/leavers/{id}#youth-link");
    if !can_have_link(&l) {
        ctx.flash_error("youth-link-refused-closed");
        return Ok(see_other(&back));
    }
    let (handed, check_in) = match f.handover.trim() {
        "email" => (HandedOver::Email, false),
        "check_in" => (HandedOver::Email, true),
        "show" => (HandedOver::Shown, false),
        _ => return Err(AppError::invalid()),
    };
    if handed == HandedOver::Email && !can_email(&l) {
        ctx.flash_error("youth-link-refused-no-consent");
        return Ok(see_other(&back));
    }
    let now = ctx.now();
    if check_in {
        let txn = db::begin_write(&ctx.app.db).await?;
        check_in_rule::request(
            &txn,
            &ctx.app,
            now,
            ctx.today(),
            l.id,
            &l.given_name,
            l.language,
            l.email.as_deref().unwrap_or_default(),
            Some(actor),
        )
        .await?;
        txn.commit().await?;
        ctx.flash_success("youth-check-in-sent");
        return Ok(see_other(&back));
    }
    let txn = db::begin_write(&ctx.app.db).await?;
    let issued = links::issue(
        &txn,
        now,
        ctx.app.config.youth_link_days,
        Some(actor),
        id,
        handed,
        links::Issuer::Staff,
    )
    .await?;
    let url = link_url(&ctx.app.config.base_url, &issued.token);
    if handed == HandedOver::Email {
        let to = Address {
            email: l.email.clone().unwrap_or_default(),
            name: l.given_name.clone(),
            language: l.language,
        };
        let message = email::render(
            &ctx.app,
            l.language,
            &l.given_name,
            email::Purpose::Link,
            &url,
        )?;
        delivery::enqueue_with_link(&txn, now, ctx.today(), &to, &message).await?;
        txn.commit().await?;
        ctx.flash_success("youth-link-sent");
        return Ok(see_other(&back));
    }
    txn.commit().await?;
    ctx.audit_view(vec![id]).await?;
    let page = ShownPage {
        ctx,
        leaver_id: id,
        name: format!("{} {}", l.family_name, l.given_name),
        qr_svg: crate::web::qr::svg(&url, 240)?,
        url,
        expires: ctx.datetime(&issued.link.expires_at),
    };
    // Shown once: like every page, sent `Cache-Control: no-store` (`SecurityHeaders`).
    crate::web::render::render(&page)
}

#[handler]
pub async fn revoke(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let actor = ctx.user()?.id;
    open_record(ctx, id).await?;
    let txn = db::begin_write(&ctx.app.db).await?;
    let ended = links::revoke(&txn, ctx.now(), actor, id).await?;
    txn.commit().await?;
    if ended {
        ctx.flash_success("youth-link-revoked");
    }
    Ok(see_other(&format!("/leavers/{id}#youth-link")))
}
