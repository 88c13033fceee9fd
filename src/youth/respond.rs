//! The person's forms: answering an appointment, checking in, asking to be contacted; and
//! a coordinator acknowledging what they said.
use askama::Template;
use entity::consultations::Response as Answer;
use poem::{
    Response, handler,
    web::{Form, Path},
};
use serde::Deserialize;

use crate::{
    db,
    error::{AppError, AppResult},
    web::{
        context::Ctx,
        forms::{FormErrors, has_forbidden_text_character},
        render::{render, render_refused, safe_next, see_other},
    },
    youth::{
        answers::{self, Kind},
        me::{audit_own_view, person},
        session::Me,
    },
};

/// The longest message a check-in may carry.
pub const MESSAGE_MAX_CHARS: usize = 2000;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RespondForm {
    response: String,
}

/// `POST /me/appointments/{id}/respond`.
#[handler]
pub async fn respond(
    ctx: &Ctx,
    me: Me,
    Path(id): Path<i32>,
    Form(f): Form<RespondForm>,
) -> AppResult<Response> {
    let Some(answer) = Answer::parse(&f.response) else {
        return Err(AppError::invalid());
    };
    let l = person(ctx, me).await?;
    let txn = db::begin_write(&ctx.app.db).await?;
    match answers::respond(&txn, &ctx.app, ctx.now(), &l, id, answer).await? {
        Ok(()) => {
            txn.commit().await?;
            ctx.flash_success("me-answer-saved");
            Ok(see_other("/me#appointments"))
        }
        // Not one of their appointments still to come: nothing to answer.
        Err(_) => Err(AppError::NotFound),
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CheckInForm {
    pub feeling: String,
    pub message: String,
}

/// A check-in as sent: what the person said, and their words if any.
pub struct CheckIn {
    pub kind: Kind,
    pub message: Option<String>,
}

impl CheckInForm {
    /// Every mistake at once; `None` when there was one.
    pub fn parse(&self, errors: &mut FormErrors) -> Option<CheckIn> {
        let kind = match Kind::parse(&self.feeling) {
            Some(k @ (Kind::Ok | Kind::NeedHelp | Kind::ContactMe)) => Some(k),
            _ => {
                errors.add("feeling", "me-check-in-choose");
                None
            }
        };
        let message = self.message.trim().replace("\r\n", "\n");
        if message.chars().count() > MESSAGE_MAX_CHARS || has_forbidden_text_character(&message) {
            errors.add("message", "me-check-in-message-too-long");
        }
        let kind = kind?;
        errors.is_empty().then(|| CheckIn {
            kind,
            message: (!message.is_empty()).then_some(message),
        })
    }
}

#[derive(Template)]
#[template(path = "youth/check_in.html")]
struct CheckInPage<'a> {
    ctx: &'a Ctx,
    form: CheckInForm,
    errors: FormErrors,
}

/// `GET /me/check-in`.
#[handler]
pub async fn check_in_form(ctx: &Ctx, me: Me) -> AppResult<Response> {
    audit_own_view(ctx, me.leaver_id, "/me/check-in").await?;
    render(&CheckInPage {
        ctx,
        form: CheckInForm::default(),
        errors: FormErrors::default(),
    })
}

/// `POST /me/check-in`: "I'm OK", "I need help" (with an optional message), or "please
/// contact me" (from their page).
#[handler]
pub async fn check_in(ctx: &Ctx, me: Me, Form(f): Form<CheckInForm>) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let Some(c) = f.parse(&mut errors) else {
        let why = AppError::Invalid(errors.clone());
        return render_refused(
            &CheckInPage {
                ctx,
                form: f,
                errors,
            },
            &why,
        );
    };
    let l = person(ctx, me).await?;
    let txn = db::begin_write(&ctx.app.db).await?;
    answers::record(&txn, &ctx.app, ctx.now(), &l, c.kind, None, c.message).await?;
    txn.commit().await?;
    ctx.flash_success(match c.kind {
        Kind::Ok => "me-check-in-thanks-ok",
        _ => "me-check-in-thanks-help",
    });
    Ok(see_other("/me"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AcknowledgeForm {
    next: String,
}

/// `POST /check-ins/{id}/acknowledge` (those who keep the register).
#[handler]
pub async fn acknowledge(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(f): Form<AcknowledgeForm>,
) -> AppResult<Response> {
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    let leaver = answers::acknowledge(&txn, ctx.now(), actor, id)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    ctx.flash_success("youth-answer-acknowledged");
    let next = if f.next.trim().is_empty() {
        format!("/leavers/{leaver}#youth-answers")
    } else {
        safe_next(Some(&f.next))
    };
    Ok(see_other(&next))
}
