use askama::Template;
use poem::{
    Response, handler,
    web::{Form, Path},
};
use serde::Deserialize;

use crate::{
    db,
    error::{AppError, AppResult},
    leavers::{
        queries::{self, StatusChange},
        rules::{Status, StatusRefusal, StatusRules},
    },
    web::{
        context::Ctx, forms::FormErrors, render::render, render::render_refused, render::see_other,
        render::take_refusal,
    },
};

use super::{full_name, load, profile::show_page};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    status: String,
    closed_reason: String,
    version: String,
    /// `yes` from the confirmation step; without it the change is shown, not made.
    confirm: String,
}

#[derive(Template)]
#[template(path = "leavers/confirm_status.html")]
struct ConfirmStatusPage<'a> {
    ctx: &'a Ctx,
    id: i32,
    case_number: String,
    name: String,
    from: String,
    to: String,
    to_code: &'static str,
    closing: bool,
    closed_reason: String,
    version: i32,
}

#[handler]
pub async fn change_status(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    let l = load(ctx, id).await?;
    let actor = ctx.user()?.id;
    let from = l.status;
    let (case_number, name, stored_version) = (l.case_number.clone(), full_name(&l), l.version);
    let refused = |message| async move {
        let page = show_page(ctx, l, Some(message)).await?;
        render_refused(&page, &AppError::invalid())
    };
    let (Some(to), Some(version)) = (
        Status::parse(&f.status),
        f.version.trim().parse::<i32>().ok(),
    ) else {
        return refused("leaver-status-invalid").await;
    };
    let reason = Some(f.closed_reason.as_str()).filter(|r| !r.trim().is_empty());
    if reason.is_some_and(|r| !crate::web::forms::is_storable_text(r)) {
        return refused("leaver-text-too-long").await;
    }
    if f.confirm != "yes" {
        // Checked now so that the confirmation is only asked for a change that can be made.
        let message = match from.transition(to, reason) {
            Ok(_) if version != stored_version => Some("form-stale"),
            Ok(_) => None,
            Err(StatusRefusal::ReasonRequired) => Some("leaver-closed-reason-required"),
            Err(StatusRefusal::AlreadyClosed) => Some("leaver-already-closed"),
            Err(StatusRefusal::Unchanged) => Some("leaver-status-unchanged"),
        };
        if let Some(message) = message {
            return refused(message).await;
        }
        // The confirmation names the person: a view like any other.
        ctx.audit_view(vec![id]).await?;
        return render(&ConfirmStatusPage {
            ctx,
            id,
            case_number,
            name,
            from: ctx.t(&from.message_id()),
            to: ctx.t(&to.message_id()),
            to_code: to.as_str(),
            closing: to == Status::Closed,
            closed_reason: reason.unwrap_or("").trim().to_string(),
            version,
        });
    }
    let txn = db::begin_write(&ctx.app.db).await?;
    match queries::change_status(
        &txn,
        ctx.now(),
        ctx.today(),
        Some(actor),
        id,
        &StatusChange {
            version,
            to,
            reason,
        },
    )
    .await
    {
        Ok(()) => {
            txn.commit().await?;
            ctx.flash_success("leaver-status-changed");
            Ok(see_other(&format!("/leavers/{id}")))
        }
        Err(e) => {
            drop(txn);
            let mut errors = FormErrors::default();
            take_refusal(e, &mut errors)?;
            refused(errors.problem().unwrap_or("leaver-status-invalid")).await
        }
    }
}
