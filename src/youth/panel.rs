//! The young person's link as the leaver page shows it to those who keep the register:
//! whether a link is in force, until when, how it was handed over, and what can be done.
use entity::leavers;

use crate::{
    error::AppResult,
    web::context::Ctx,
    youth::{answers, links},
};

pub struct Panel {
    /// "Link in force until …, sent by email" or "no link".
    pub state: String,
    pub hint: String,
    pub active: bool,
    pub can_email: bool,
    /// Closed or anonymised records get no link.
    pub can_issue: bool,
    /// What the person said through the link, newest first.
    pub answers: Vec<AnswerRow>,
    /// Contact details the person proposed, waiting to be accepted or declined.
    pub proposal: Option<Proposal>,
}

pub struct Proposal {
    pub id: i32,
    pub when: String,
    /// (field label, proposed value) for each field proposed.
    pub fields: Vec<(String, String)>,
}

/// One thing the person said, as the leaver page and the dashboard list it.
pub struct AnswerRow {
    pub id: i32,
    pub leaver_id: i32,
    pub when: String,
    pub what: String,
    pub message: String,
    pub urgent: bool,
    /// Waiting for someone to acknowledge it.
    pub open: bool,
    /// Who acknowledged it, and when (empty while open).
    pub acknowledged: String,
}

/// The rows of a list of answers, in the reader's language.
pub async fn answer_rows(
    ctx: &Ctx,
    items: Vec<entity::check_ins::Model>,
) -> AppResult<Vec<AnswerRow>> {
    let names = crate::audit::queries::actor_names(&ctx.app.db).await?;
    Ok(items
        .into_iter()
        .map(|a| AnswerRow {
            id: a.id,
            leaver_id: a.leaver_id,
            when: ctx.datetime(&a.created_at),
            what: ctx.t(&a.kind.message_id()),
            message: a.message.unwrap_or_default(),
            urgent: answers::is_urgent(a.kind),
            open: a.acknowledged_at.is_none(),
            acknowledged: match (a.acknowledged_at, a.acknowledged_by) {
                (Some(at), Some(by)) => format!(
                    "{} · {}",
                    names.get(&by).cloned().unwrap_or_default(),
                    ctx.datetime(&at)
                ),
                _ => String::new(),
            },
        })
        .collect())
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
        answers: answer_rows(ctx, answers::of_person(&ctx.app.db, l.id).await?).await?,
        proposal: super::contact::waiting(&ctx.app.db, l.id)
            .await?
            .map(|p| Proposal {
                id: p.id,
                when: ctx.datetime(&p.created_at),
                fields: [
                    ("leaver-field-email", p.email),
                    ("leaver-field-phone", p.phone),
                    ("leaver-field-address", p.address),
                ]
                .into_iter()
                .filter_map(|(label, value)| Some((ctx.t(label), value?)))
                .collect(),
            }),
    })
}
