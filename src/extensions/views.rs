//! Proposing an extension from the leaver page, and admins' decisions.
use askama::Template;
use entity::{extensions, leavers};
use poem::{
    Response, handler,
    web::{Form, Path},
};
use serde::Deserialize;

use crate::{
    db,
    error::{AppError, AppResult},
    extensions::{
        queries::{self, Proposal, Ruling},
        rules::{Decision, Reason, Refusal, may_decide},
    },
    web::forms::SelectOption,
    web::forms::{is_storable_text, parse_date},
    web::{
        context::Ctx, forms::FormErrors, render::render, render::render_refused, render::see_other,
    },
};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExtensionForm {
    pub new_end_on: String,
    pub reason: String,
    pub reason_detail: String,
    pub review_on: String,
}

#[derive(Template)]
#[template(path = "extensions/form.html")]
struct FormPage<'a> {
    ctx: &'a Ctx,
    leaver_id: i32,
    leaver: String,
    current_end: String,
    /// The latest end an extension may reach (`max_extension_years` after the usual end).
    latest_end: String,
    form: ExtensionForm,
    errors: FormErrors,
    reasons: Vec<SelectOption>,
}

fn page<'a>(
    ctx: &'a Ctx,
    l: &leavers::Model,
    form: ExtensionForm,
    errors: FormErrors,
) -> FormPage<'a> {
    FormPage {
        leaver_id: l.id,
        leaver: format!("{} {} ({})", l.family_name, l.given_name, l.case_number),
        current_end: ctx.tr.date(l.support_ends_on),
        latest_end: ctx.tr.date(latest_end(ctx, l)),
        reasons: Reason::ALL
            .iter()
            .map(|r| SelectOption {
                value: r.as_str(),
                label: ctx.t(&r.message_id()),
                selected: r.as_str() == form.reason,
            })
            .collect(),
        ctx,
        form,
        errors,
    }
}

impl ExtensionForm {
    /// Checks the proposal against the leaver's current effective end and `today`.
    pub fn parse(
        &self,
        (current_end, latest_end): (chrono::NaiveDate, chrono::NaiveDate),
        today: chrono::NaiveDate,
        errors: &mut FormErrors,
    ) -> Option<Proposal> {
        let new_end = parse_date(&self.new_end_on);
        match new_end {
            None => errors.add("new_end_on", "leaver-date-invalid"),
            Some(d) if d <= current_end => errors.add("new_end_on", "extension-end-not-later"),
            Some(d) if d > latest_end => errors.add("new_end_on", "extension-end-too-late"),
            _ => {}
        }
        let review = parse_date(&self.review_on);
        match (review, new_end) {
            (None, _) => errors.add("review_on", "leaver-date-invalid"),
            (Some(r), _) if r < today => errors.add("review_on", "extension-review-past"),
            (Some(r), Some(e)) if r > e => errors.add("review_on", "extension-review-after-end"),
            _ => {}
        }
        let reason = Reason::parse(&self.reason);
        if reason.is_none() {
            errors.add("reason", "extension-reason-invalid");
        }
        let detail = self.reason_detail.trim().to_string();
        if !is_storable_text(&detail) {
            errors.add("reason_detail", "leaver-text-too-long");
        } else if reason == Some(Reason::Other) && detail.is_empty() {
            errors.add("reason_detail", "extension-detail-required");
        }
        if !errors.is_empty() {
            return None;
        }
        Some(Proposal {
            new_end_on: new_end?,
            reason: reason?,
            reason_detail: (!detail.is_empty()).then_some(detail),
            review_on: review?,
        })
    }
}

/// `max_extension_years` after the end of support without any extension.
fn latest_end(ctx: &Ctx, l: &leavers::Model) -> chrono::NaiveDate {
    let usual = crate::leavers::window::support_window(
        l.date_of_birth,
        l.placement_ended_on,
        &ctx.app.config.window_rules,
    )
    .default_end;
    usual + chrono::Months::new(12 * ctx.app.config.max_extension_years)
}

#[handler]
pub async fn new_form(ctx: &Ctx, Path(leaver_id): Path<i32>) -> AppResult<Response> {
    let l = crate::leavers::page::load_for_page(ctx, leaver_id).await?;
    render(&page(
        ctx,
        &l,
        ExtensionForm::default(),
        FormErrors::default(),
    ))
}

#[handler]
pub async fn propose(
    ctx: &Ctx,
    Path(leaver_id): Path<i32>,
    Form(form): Form<ExtensionForm>,
) -> AppResult<Response> {
    let l = crate::leavers::page::load_for_page(ctx, leaver_id).await?;
    let mut errors = FormErrors::default();
    let ends = (l.support_ends_on, latest_end(ctx, &l));
    let Some(proposal) = form.parse(ends, ctx.today(), &mut errors) else {
        return render_refused(&page(ctx, &l, form, errors), &AppError::invalid());
    };
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    queries::propose(&txn, ctx.now(), actor, leaver_id, &proposal).await?;
    txn.commit().await?;
    ctx.flash_success("extension-proposed");
    Ok(see_other(&format!("/leavers/{leaver_id}#extensions")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    version: String,
    note: String,
}

#[handler]
pub async fn decide(
    ctx: &Ctx,
    Path((id, decision)): Path<(i32, String)>,
    Form(f): Form<DecisionForm>,
) -> AppResult<Response> {
    let Some(decision) = Decision::parse(&decision) else {
        return Err(AppError::NotFound);
    };
    let ext: extensions::Model = queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let user = ctx.user()?;
    let note = Some(f.note.as_str()).filter(|n| !n.trim().is_empty());
    let version = crate::web::forms::form_version(&f.version);
    // A refused decision goes back to the person's page, which says why; nothing changed.
    let back = format!("/leavers/{}#extensions", ext.leaver_id);
    let refuse = |message: &'static str| {
        ctx.flash_error(message);
        let back = back.clone();
        async move { AppResult::Ok(see_other(&back)) }
    };
    match may_decide(
        user.role,
        user.id,
        ext.proposed_by,
        ext.status,
        decision,
        note,
    ) {
        Err(Refusal::NotAdmin | Refusal::OwnProposal) => return Err(AppError::Forbidden),
        Err(Refusal::AlreadyDecided) => {
            return refuse("extension-stale").await;
        }
        Err(Refusal::NoteRequired) => {
            return refuse("extension-note-required").await;
        }
        Ok(()) => {}
    }
    if note.is_some_and(|n| !is_storable_text(n)) {
        return refuse("leaver-text-too-long").await;
    }
    let txn = db::begin_write(&ctx.app.db).await?;
    let ruling = Ruling {
        version,
        decision,
        note,
    };
    if !queries::decide(
        &txn,
        ctx.now(),
        user.id,
        &ext,
        &ruling,
        &ctx.app.config.window_rules,
    )
    .await?
    {
        drop(txn);
        return refuse("extension-stale").await;
    }
    txn.commit().await?;
    ctx.flash_success(&format!("extension-done-{}", decision.as_str()));
    Ok(see_other(&format!("/leavers/{}#extensions", ext.leaver_id)))
}

/// One extension on the leaver page, with the decision buttons this user may use.
pub struct ExtensionRow {
    pub id: i32,
    pub version: i32,
    pub new_end: String,
    pub reason: String,
    pub detail: String,
    pub review: String,
    pub status: String,
    pub proposed_by: String,
    pub decided: String,
    pub can_decide: bool,
}

pub async fn rows(ctx: &Ctx, leaver_id: i32) -> AppResult<Vec<ExtensionRow>> {
    let user = ctx.user()?;
    let names: std::collections::HashMap<i32, String> = crate::users::queries::list(&ctx.app.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let name = |id: Option<i32>| id.and_then(|i| names.get(&i).cloned()).unwrap_or_default();
    Ok(queries::for_leaver(&ctx.app.db, leaver_id)
        .await?
        .into_iter()
        .map(|e| ExtensionRow {
            id: e.id,
            version: e.version,
            new_end: ctx.tr.date(e.new_end_on),
            reason: ctx.t(&e.reason.message_id()),
            detail: e.reason_detail.clone().unwrap_or_default(),
            review: ctx.tr.date(e.review_on),
            status: ctx.t(&format!("extension-status-{}", e.status.as_str())),
            proposed_by: name(e.proposed_by),
            decided: e
                .decided_at
                .map(|at| {
                    let note = e.decision_note.clone().unwrap_or_default();
                    format!("{} · {} {}", name(e.decided_by), ctx.datetime(&at), note)
                        .trim()
                        .to_string()
                })
                .unwrap_or_default(),
            can_decide: may_decide(
                user.role,
                user.id,
                e.proposed_by,
                e.status,
                Decision::Approve,
                None,
            )
            .is_ok(),
        })
        .collect())
}
