//! Handlers and page structs for allowance requests and decisions.
use std::collections::HashMap;

use askama::Template;
use entity::{allowances, leavers, payments};
use poem::{
    Response, handler,
    web::{Form, Path, Query},
};
use serde::Deserialize;

use crate::{
    allowances::{
        forms::AllowanceForm,
        queries::{self, AllowanceError},
        rules::{Action, Actor, Caps, Kind, Status, transition},
    },
    clock::Month,
    db,
    error::{AppError, AppResult},
    i18n::{Yen, format_yen},
    roles::Role,
    web::forms::SelectOption,
    web::{
        context::Ctx, forms::FormErrors, render::render, render::render_refused, render::see_other,
    },
};

pub(crate) fn caps(ctx: &Ctx) -> Caps {
    ctx.app.config.allowance_caps
}

pub(crate) fn leaver_label(l: &leavers::Model) -> String {
    format!("{} {} ({})", l.family_name, l.given_name, l.case_number)
}

// ---------------------------------------------------------------- new request

#[derive(Template)]
#[template(path = "allowances/form.html")]
pub(crate) struct FormPage<'a> {
    ctx: &'a Ctx,
    /// Where the form posts, and the draft's id and version when a draft is changed.
    pub(crate) post_to: String,
    pub(crate) draft: Option<(i32, i32)>,
    leaver_id: i32,
    leaver: String,
    form: AllowanceForm,
    errors: FormErrors,
    problem: Option<String>,
    kinds: Vec<SelectOption>,
    caps: String,
}

pub(crate) fn form_page<'a>(
    ctx: &'a Ctx,
    leaver: &leavers::Model,
    form: AllowanceForm,
    errors: FormErrors,
    problem: Option<String>,
) -> FormPage<'a> {
    let c = caps(ctx);
    FormPage {
        post_to: format!("/leavers/{}/allowances/new", leaver.id),
        draft: None,
        leaver_id: leaver.id,
        leaver: leaver_label(leaver),
        kinds: Kind::ALL
            .into_iter()
            .map(|k| SelectOption {
                value: k.as_str(),
                label: ctx.t(&k.message_id()),
                selected: k.as_str() == form.kind,
            })
            .collect(),
        caps: ctx.t_with(
            "allowance-caps",
            &[
                ("housing", &format_yen(c.housing)),
                ("living", &format_yen(c.living)),
            ],
        ),
        ctx,
        form,
        errors,
        problem,
    }
}

#[handler]
pub async fn new_form(ctx: &Ctx, Path(leaver_id): Path<i32>) -> AppResult<Response> {
    let leaver = crate::leavers::page::load_for_page(ctx, leaver_id).await?;
    let next = Month::of(ctx.today()).next().to_string();
    let form = AllowanceForm {
        kind: Kind::Housing.as_str().into(),
        start_month: next.clone(),
        end_month: next,
        ..Default::default()
    };
    render(&form_page(ctx, &leaver, form, FormErrors::default(), None))
}

/// Words for a refusal that concerns the register (window, overlap, closed record).
pub(crate) fn fit_problem(
    ctx: &Ctx,
    e: &AllowanceError,
    leaver: &leavers::Model,
) -> Option<String> {
    match e {
        AllowanceError::LeaverClosed => Some(ctx.t("allowance-leaver-closed")),
        AllowanceError::OutsideWindow(m) => Some(ctx.t_with(
            "allowance-outside-window",
            &[
                ("month", &ctx.tr.month(*m)),
                ("start", &ctx.tr.date(leaver.support_starts_on)),
                ("end", &ctx.tr.date(leaver.support_ends_on)),
            ],
        )),
        AllowanceError::Overlap => Some(ctx.t("allowance-overlap")),
        _ => None,
    }
}

#[handler]
pub async fn create(
    ctx: &Ctx,
    Path(leaver_id): Path<i32>,
    Form(form): Form<AllowanceForm>,
) -> AppResult<Response> {
    let leaver = crate::leavers::page::load_for_page(ctx, leaver_id).await?;
    let mut errors = FormErrors::default();
    let Some(input) = form.parse(&caps(ctx), &mut errors) else {
        return render_refused(
            &form_page(ctx, &leaver, form, errors, None),
            &AppError::invalid(),
        );
    };
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    match queries::create(&txn, ctx.now(), actor, &leaver, &input).await {
        Ok(saved) => {
            txn.commit().await?;
            ctx.flash_success("allowance-saved-draft");
            Ok(see_other(&format!("/allowances/{}", saved.id)))
        }
        Err(e) => {
            drop(txn);
            match fit_problem(ctx, &e, &leaver) {
                Some(problem) => {
                    let field = match e {
                        AllowanceError::OutsideWindow(m) if m != input.start => "end_month",
                        _ => "start_month",
                    };
                    errors.add(field, "allowance-months-refused");
                    let page = form_page(ctx, &leaver, form, errors, Some(problem));
                    render_refused(&page, &AppError::invalid())
                }
                None => Err(match e {
                    AllowanceError::Db(e) => e.into(),
                    other => AppError::Internal(other.into()),
                }),
            }
        }
    }
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
}

pub struct Row {
    pub id: i32,
    pub leaver: String,
    pub kind: String,
    pub amount: String,
    pub months: String,
    pub total: String,
    pub status: String,
    pub submitted: String,
}

#[derive(Template)]
#[template(path = "allowances/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    statuses: Vec<SelectOption>,
    rows: Vec<Row>,
}

pub(crate) fn total(a: &allowances::Model) -> Yen {
    let (s, e) = queries::months(a);
    a.monthly_amount * s.through(e).len() as i64
}

#[handler]
pub async fn list(ctx: &Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let user = ctx.user()?;
    let status = match q.status.trim() {
        "" if user.role == Role::Finance => Some(Status::Submitted),
        "all" | "" => None,
        s => Status::parse(s),
    };
    let items = queries::list(&ctx.app.db, status).await?;
    let leaver_ids: Vec<i32> = items.iter().map(|a| a.leaver_id).collect();
    ctx.audit_view(leaver_ids.clone()).await?;
    let leavers = crate::leavers::queries::by_ids(&ctx.app.db, leaver_ids).await?;
    let rows = items
        .iter()
        .map(|a| {
            let (s, e) = queries::months(a);
            Row {
                id: a.id,
                leaver: leavers
                    .get(&a.leaver_id)
                    .map(leaver_label)
                    .unwrap_or_default(),
                kind: ctx.t(&a.kind.message_id()),
                amount: format_yen(a.monthly_amount),
                months: ctx.tr.months(s, e),
                total: format_yen(total(a)),
                status: ctx.t(&queries::status(a).message_id()),
                submitted: a.submitted_at.map(|t| ctx.datetime(&t)).unwrap_or_default(),
            }
        })
        .collect();
    let chosen = status.map(|s| s.as_str()).unwrap_or("all");
    let mut statuses = vec![SelectOption {
        value: "all",
        label: ctx.t("filter-all"),
        selected: chosen == "all",
    }];
    statuses.extend(Status::ALL.into_iter().map(|s| SelectOption {
        value: s.as_str(),
        label: ctx.t(&s.message_id()),
        selected: chosen == s.as_str(),
    }));
    render(&ListPage {
        ctx,
        statuses,
        rows,
    })
}

// ---------------------------------------------------------------- one request

pub struct PaymentLine {
    pub month: String,
    pub amount: String,
    pub status: String,
    pub paid_on: String,
}

/// A step the reader may take: submitting is a button; every other step opens its
/// confirmation, the dangerous ones apart from the rest.
pub struct ActionButton {
    pub action: &'static str,
    pub label: String,
    pub direct: bool,
    pub dangerous: bool,
}

#[derive(Template)]
#[template(path = "allowances/show.html")]
pub(crate) struct ShowPage<'a> {
    ctx: &'a Ctx,
    id: i32,
    leaver_id: i32,
    leaver: String,
    kind: String,
    amount: String,
    months: String,
    total: String,
    reason: String,
    status: String,
    requested_by: String,
    decided: Option<(String, String, String)>,
    version: i32,
    actions: Vec<ActionButton>,
    lines: Vec<PaymentLine>,
    pub(crate) problem: Option<String>,
    /// The requester may still change or delete it (a draft).
    editable: bool,
}

impl ShowPage<'_> {
    pub fn has_dangerous(&self) -> bool {
        self.actions.iter().any(|a| a.dangerous)
    }
}

pub fn payment_lines(ctx: &Ctx, lines: &[payments::Model]) -> Vec<PaymentLine> {
    lines
        .iter()
        .map(|p| PaymentLine {
            month: ctx.tr.month(Month::of(p.month)),
            amount: format_yen(p.amount),
            status: ctx.t(&format!("payment-status-{}", p.status.as_str())),
            paid_on: p.paid_on.map(|d| ctx.tr.date(d)).unwrap_or_default(),
        })
        .collect()
}

pub(crate) async fn show_page<'a>(ctx: &'a Ctx, a: allowances::Model) -> AppResult<ShowPage<'a>> {
    let user = ctx.user()?;
    let leaver = crate::leavers::page::load_for_page(ctx, a.leaver_id).await?;
    let status = queries::status(&a);
    let actor = Actor {
        id: user.id,
        role: user.role,
    };
    // A button is shown only when the rules would let this user take that step.
    let actions = Action::ALL
        .into_iter()
        .filter(|step| transition(status, *step, actor, a.requested_by, Some("note")).is_ok())
        .map(|step| ActionButton {
            action: step.as_str(),
            // A link to a confirmation says so (…); submitting is the button itself.
            label: match step {
                Action::Submit => ctx.t("allowance-action-submit"),
                other => ctx.t(&format!("allowance-open-{}", other.as_str())),
            },
            direct: step == Action::Submit,
            dangerous: matches!(step, Action::Reject | Action::Withdraw | Action::Stop),
        })
        .collect();
    let names: HashMap<i32, String> = crate::users::queries::list(&ctx.app.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let name = |id: Option<i32>| id.and_then(|i| names.get(&i).cloned()).unwrap_or_default();
    let lines = queries::payments_of(&ctx.app.db, &[a.id]).await?;
    let (s, e) = queries::months(&a);
    Ok(ShowPage {
        ctx,
        id: a.id,
        leaver_id: leaver.id,
        leaver: leaver_label(&leaver),
        kind: ctx.t(&a.kind.message_id()),
        amount: format_yen(a.monthly_amount),
        months: ctx.tr.months(s, e),
        total: format_yen(total(&a)),
        reason: a.reason.clone(),
        status: ctx.t(&status.message_id()),
        requested_by: name(a.requested_by),
        decided: a.decided_at.map(|at| {
            (
                name(a.decided_by),
                ctx.datetime(&at),
                a.decision_note.clone().unwrap_or_default(),
            )
        }),
        version: a.version,
        actions,
        lines: payment_lines(ctx, &lines),
        problem: None,
        editable: status == Status::Draft && a.requested_by == Some(user.id),
    })
}

pub(crate) async fn load(ctx: &Ctx, id: i32) -> AppResult<allowances::Model> {
    queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[handler]
pub async fn show(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let a = load(ctx, id).await?;
    render(&show_page(ctx, a).await?)
}

/// The allowances section of a leaver's page: every role sees requests, status and months;
/// those who keep the register also see the payment lines.
pub struct LeaverAllowance {
    pub id: i32,
    pub kind: String,
    pub amount: String,
    pub months: String,
    pub status: String,
    /// Still being written: not yet anything the young person is told about.
    pub is_draft: bool,
    pub lines: Vec<PaymentLine>,
}

pub async fn for_leaver_page(
    ctx: &Ctx,
    leaver_id: i32,
    with_lines: bool,
) -> AppResult<Vec<LeaverAllowance>> {
    let items = queries::for_leaver(&ctx.app.db, leaver_id).await?;
    let ids: Vec<i32> = items.iter().map(|a| a.id).collect();
    let lines = if with_lines {
        queries::payments_of(&ctx.app.db, &ids).await?
    } else {
        Vec::new()
    };
    Ok(items
        .into_iter()
        .map(|a| {
            let (s, e) = queries::months(&a);
            let mine: Vec<payments::Model> = lines
                .iter()
                .filter(|p| p.allowance_id == a.id)
                .cloned()
                .collect();
            LeaverAllowance {
                id: a.id,
                kind: ctx.t(&a.kind.message_id()),
                amount: format_yen(a.monthly_amount),
                months: ctx.tr.months(s, e),
                status: ctx.t(&queries::status(&a).message_id()),
                is_draft: a.status == entity::allowances::Status::Draft,
                lines: payment_lines(ctx, &mine),
            }
        })
        .collect())
}
