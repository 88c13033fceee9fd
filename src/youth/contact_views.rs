//! `/me/contact` (the person's contact details) and the coordinator's accept or decline.
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
    youth::{
        contact::{self, ContactForm},
        me::{audit_own_view, person},
        session::Me,
    },
};

#[derive(Template)]
#[template(path = "youth/contact.html")]
struct ContactPage<'a> {
    ctx: &'a Ctx,
    form: ContactForm,
    errors: FormErrors,
    /// A proposal still waiting for the coordinator, in words.
    waiting: Option<String>,
}

async fn waiting_words(ctx: &Ctx, leaver_id: i32) -> AppResult<Option<String>> {
    Ok(contact::waiting(&ctx.app.db, leaver_id).await?.map(|p| {
        ctx.t_with(
            "me-contact-waiting",
            &[("date", &ctx.datetime(&p.created_at))],
        )
    }))
}

/// `GET /me/contact`.
#[handler]
pub async fn form(ctx: &Ctx, me: Me) -> AppResult<Response> {
    let l = person(ctx, me).await?;
    audit_own_view(ctx, l.id, "/me/contact").await?;
    render(&ContactPage {
        ctx,
        form: ContactForm::of(&l),
        errors: FormErrors::default(),
        waiting: waiting_words(ctx, l.id).await?,
    })
}

/// `POST /me/contact`.
#[handler]
pub async fn submit(ctx: &Ctx, me: Me, Form(f): Form<ContactForm>) -> AppResult<Response> {
    let l = person(ctx, me).await?;
    let mut errors = FormErrors::default();
    let input = f.parse(&l, &mut errors);
    let Some(input) = input.filter(|_| errors.is_empty()) else {
        let why = AppError::Invalid(errors.clone());
        return render_refused(
            &ContactPage {
                ctx,
                form: f,
                errors,
                waiting: waiting_words(ctx, l.id).await?,
            },
            &why,
        );
    };
    let txn = db::begin_write(&ctx.app.db).await?;
    let changed = contact::submit(&txn, ctx.now(), &l, &input).await?;
    txn.commit().await?;
    ctx.flash_success(match (changed, input.proposes_anything()) {
        (false, _) => "me-contact-unchanged",
        (true, true) => "me-contact-proposed",
        (true, false) => "me-contact-consent-saved",
    });
    Ok(see_other("/me"))
}

async fn decide(ctx: &Ctx, id: i32, accepted: bool) -> AppResult<Response> {
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    let leaver = contact::decide(&txn, ctx.now(), actor, id, accepted)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    ctx.flash_success(if accepted {
        "youth-contact-accepted"
    } else {
        "youth-contact-declined"
    });
    Ok(see_other(&format!("/leavers/{leaver}#youth-contact")))
}

/// `POST /contact-proposals/{id}/accept` (those who keep the register).
#[handler]
pub async fn accept(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    decide(ctx, id, true).await
}

/// `POST /contact-proposals/{id}/decline` (those who keep the register).
#[handler]
pub async fn decline(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    decide(ctx, id, false).await
}
