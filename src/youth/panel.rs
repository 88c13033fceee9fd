//! The young person's link as the leaver page shows it to those who keep the register:
//! whether a link is in force, until when, how it was handed over, and what can be done.
use entity::leavers;

use crate::{error::AppResult, web::context::Ctx, youth::links};

pub struct Panel {
    /// "Link in force until …, sent by email" or "no link".
    pub state: String,
    pub hint: String,
    pub active: bool,
    pub can_email: bool,
    /// Closed or anonymised records get no link.
    pub can_issue: bool,
}

pub async fn panel(ctx: &Ctx, l: &leavers::Model) -> AppResult<Panel> {
    let current = links::current(&ctx.app.db, ctx.now(), l.id).await?;
    let state = match &current {
        Some(k) => ctx.t_with(
            "youth-link-in-force",
            &[
                ("date", &ctx.datetime(&k.expires_at)),
                ("how", &ctx.t(&k.handed_over.message_id())),
            ],
        ),
        None => ctx.t("youth-link-none"),
    };
    Ok(Panel {
        state,
        hint: ctx.t_with(
            "youth-link-hint",
            &[("days", &ctx.app.config.youth_link_days.to_string())],
        ),
        active: current.is_some(),
        can_email: super::handover::can_email(l),
        can_issue: l.status != leavers::Status::Closed && l.anonymised_on.is_none(),
    })
}
