//! Handlers and page structs of the register.
use std::collections::HashMap;

use askama::Template;
use entity::leavers;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Form, Path, Query},
};
use serde::Deserialize;

use crate::{
    db,
    error::{AppError, AppResult},
    leavers::{
        KEEPERS,
        forms::{LeaverForm, search_form},
        queries::{self, LeaverError, ListFilter, PAGE_SIZE, Sort, StatusChange},
        rules::{PlacementType, Status, StatusRefusal},
        window::{Standing, age_on, standing},
    },
    roles::Role,
    web::forms::SelectOption,
    web::{Ctx, FormErrors, render, render_status, see_other},
};

fn can_keep(ctx: &Ctx) -> bool {
    ctx.user.as_ref().is_some_and(|u| KEEPERS.contains(&u.role))
}

fn full_name(l: &leavers::Model) -> String {
    format!("{} {}", l.family_name, l.given_name)
}

fn kana_name(l: &leavers::Model) -> String {
    [l.family_name_kana.as_deref(), l.given_name_kana.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    status: String,
    coordinator: String,
    ends_within: String,
    sort: String,
    page: String,
}

pub struct ListRow {
    pub id: i32,
    pub case_number: String,
    pub name: String,
    pub kana: String,
    pub date_of_birth: String,
    pub support_end: String,
    pub status: String,
    pub coordinator: String,
}

pub struct PageLink {
    pub number: u64,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "leavers/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    keeper: bool,
    q: String,
    ends_within: String,
    statuses: Vec<SelectOption>,
    coordinators: Vec<(String, String, bool)>,
    sorts: Vec<SelectOption>,
    rows: Vec<ListRow>,
    summary: String,
    pages: Vec<PageLink>,
}

#[handler]
pub async fn list(ctx: &Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let user = ctx.user()?;
    let keeper = can_keep(ctx);
    // Status and coordinator are not identity: finance can neither see nor filter by them.
    let status = Status::parse(&q.status).filter(|_| keeper);
    let coordinator_choice = match q.coordinator.trim() {
        "" if user.role == Role::Coordinator => "mine".to_string(),
        "" => "all".to_string(),
        other => other.to_string(),
    };
    let coordinator = match coordinator_choice.as_str() {
        _ if !keeper => None,
        "mine" => Some(user.id),
        "all" => None,
        id => id.parse().ok(),
    };
    let ends_within_days = q
        .ends_within
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|d| *d <= 3660);
    let sort = Sort::parse(&q.sort).unwrap_or(Sort::Name);
    let filter = ListFilter {
        q: Some(search_form(&q.q.chars().take(100).collect::<String>())).filter(|s| !s.is_empty()),
        status,
        coordinator,
        ends_within_days,
        sort,
        page: q.page.trim().parse().unwrap_or(1u64).clamp(1, 1_000_000),
    };
    let (records, total) = queries::list(&ctx.app.db, &filter, ctx.today()).await?;
    ctx.audit_view(records.iter().map(|l| l.id).collect())
        .await?;
    let coordinators = queries::active_coordinators(&ctx.app.db).await?;
    let names: HashMap<i32, String> = if keeper {
        crate::users::queries::list(&ctx.app.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    } else {
        HashMap::new()
    };
    let rows = records
        .iter()
        .map(|l| ListRow {
            id: l.id,
            case_number: l.case_number.clone(),
            name: full_name(l),
            kana: kana_name(l),
            date_of_birth: ctx.tr.date(l.date_of_birth),
            support_end: ctx.tr.date(l.support_ends_on),
            status: Status::parse(&l.status)
                .map(|s| ctx.t(&s.message_id()))
                .unwrap_or_default(),
            coordinator: l
                .coordinator_id
                .and_then(|c| names.get(&c).cloned())
                .unwrap_or_else(|| ctx.t("leaver-unassigned")),
        })
        .collect();
    let last_page = total.div_ceil(PAGE_SIZE).max(1);
    let link = |page: u64| {
        let query = serde_urlencoded::to_string([
            ("q", q.q.as_str()),
            ("status", q.status.as_str()),
            ("coordinator", coordinator_choice.as_str()),
            ("ends_within", q.ends_within.as_str()),
            ("sort", sort.as_str()),
            ("page", &page.to_string()),
        ])
        .unwrap_or_default();
        format!("/leavers?{query}")
    };
    let pages = (1..=last_page)
        .filter(|p| *p <= 3 || *p + 2 >= last_page || p.abs_diff(filter.page) <= 2)
        .map(|p| PageLink {
            number: p,
            href: link(p),
            current: p == filter.page,
        })
        .collect();
    let mut coordinator_options = vec![
        (
            "mine".to_string(),
            ctx.t("leaver-filter-mine"),
            coordinator_choice == "mine",
        ),
        (
            "all".to_string(),
            ctx.t("filter-all"),
            coordinator_choice == "all",
        ),
    ];
    coordinator_options.extend(
        coordinators
            .into_iter()
            .map(|(id, name)| (id.to_string(), name, coordinator_choice == id.to_string())),
    );
    let statuses = Status::ALL
        .into_iter()
        .map(|s| SelectOption {
            value: s.as_str(),
            label: ctx.t(&s.message_id()),
            selected: Some(s) == status,
        })
        .collect();
    let sorts = Sort::ALL
        .into_iter()
        .map(|s| SelectOption {
            value: s.as_str(),
            label: ctx.t(&format!("leaver-sort-{}", s.as_str().replace('_', "-"))),
            selected: s == sort,
        })
        .collect();
    render(&ListPage {
        ctx,
        keeper,
        summary: ctx.t_with(
            "leaver-list-summary",
            &[
                ("total", &total.to_string()),
                ("page", &filter.page.to_string()),
                ("pages", &last_page.to_string()),
            ],
        ),
        q: q.q.clone(),
        ends_within: q.ends_within.clone(),
        statuses,
        coordinators: coordinator_options,
        sorts,
        rows,
        pages,
    })
}

// ---------------------------------------------------------------- form

#[derive(Template)]
#[template(path = "leavers/form.html")]
struct FormPage<'a> {
    ctx: &'a Ctx,
    form: LeaverForm,
    errors: FormErrors,
    editing: Option<i32>,
    problem: Option<&'static str>,
    placement_types: Vec<SelectOption>,
    coordinators: Vec<(String, String, bool)>,
}

async fn form_page<'a>(
    ctx: &'a Ctx,
    form: LeaverForm,
    editing: Option<i32>,
    errors: FormErrors,
    problem: Option<&'static str>,
) -> AppResult<FormPage<'a>> {
    let mut coordinators: Vec<(String, String, bool)> = queries::active_coordinators(&ctx.app.db)
        .await?
        .into_iter()
        .map(|(id, name)| {
            (
                id.to_string(),
                name,
                form.coordinator_id.trim() == id.to_string(),
            )
        })
        .collect();
    // A record may keep a coordinator who has since left.
    let chosen = form.coordinator_id.trim();
    if !chosen.is_empty()
        && !coordinators.iter().any(|(id, _, _)| id == chosen)
        && let Some(u) =
            crate::users::queries::get(&ctx.app.db, chosen.parse().unwrap_or(0)).await?
    {
        coordinators.push((u.id.to_string(), u.name, true));
    }
    Ok(FormPage {
        placement_types: PlacementType::ALL
            .into_iter()
            .map(|p| SelectOption {
                value: p.as_str(),
                label: ctx.t(&p.message_id()),
                selected: p.as_str() == form.placement_type,
            })
            .collect(),
        coordinators,
        ctx,
        form,
        errors,
        editing,
        problem,
    })
}

#[handler]
pub async fn new_form(ctx: &Ctx) -> AppResult<Response> {
    let user = ctx.user()?;
    let form = LeaverForm {
        contact_every_days: ctx.app.config.contact_every_days.to_string(),
        coordinator_id: if user.role == Role::Coordinator {
            user.id.to_string()
        } else {
            String::new()
        },
        ..Default::default()
    };
    render(&form_page(ctx, form, None, FormErrors::default(), None).await?)
}

/// Turns a refused save into field messages or a page-level message.
fn refusal(err: LeaverError, errors: &mut FormErrors) -> AppResult<Option<&'static str>> {
    match err {
        LeaverError::CaseNumberTaken => {
            errors.add("case_number", "leaver-case-number-taken");
            Ok(None)
        }
        LeaverError::UnknownCoordinator => {
            errors.add("coordinator_id", "leaver-coordinator-invalid");
            Ok(None)
        }
        LeaverError::Stale => Ok(Some("form-stale")),
        LeaverError::NotFound => Err(AppError::NotFound),
        LeaverError::Refused(_) => Ok(Some("form-stale")),
        LeaverError::Db(e) => Err(e.into()),
    }
}

#[handler]
pub async fn create(ctx: &Ctx, Form(form): Form<LeaverForm>) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let Some(input) = form.parse(ctx.today(), &mut errors) else {
        let page = form_page(ctx, form, None, errors, None).await?;
        return render_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let txn = db::begin_write(&ctx.app.db).await?;
    match queries::create(
        &txn,
        ctx.now(),
        ctx.user_id(),
        &input,
        &ctx.app.config.window_rules,
    )
    .await
    {
        Ok(saved) => {
            txn.commit().await?;
            ctx.flash_success("leaver-created");
            Ok(see_other(&format!("/leavers/{}", saved.id)))
        }
        Err(e) => {
            drop(txn);
            let problem = refusal(e, &mut errors)?;
            let page = form_page(ctx, form, None, errors, problem).await?;
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

async fn load(ctx: &Ctx, id: i32) -> AppResult<leavers::Model> {
    queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

#[handler]
pub async fn edit_form(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let l = super::load_for_page(ctx, id).await?;
    let form = LeaverForm {
        case_number: l.case_number.clone(),
        family_name: l.family_name.clone(),
        given_name: l.given_name.clone(),
        family_name_kana: opt(&l.family_name_kana),
        given_name_kana: opt(&l.given_name_kana),
        date_of_birth: l.date_of_birth.to_string(),
        placement_type: l.placement_type.clone(),
        placement_ended_on: l.placement_ended_on.to_string(),
        living_situation: opt(&l.living_situation),
        email: opt(&l.email),
        phone: opt(&l.phone),
        address: opt(&l.address),
        contact_consent: if l.contact_consent {
            "on".into()
        } else {
            String::new()
        },
        coordinator_id: l.coordinator_id.map(|c| c.to_string()).unwrap_or_default(),
        notes: opt(&l.notes),
        contact_every_days: l
            .contact_every_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        version: l.version.to_string(),
    };
    render(&form_page(ctx, form, Some(id), FormErrors::default(), None).await?)
}

#[handler]
pub async fn update(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(form): Form<LeaverForm>,
) -> AppResult<Response> {
    load(ctx, id).await?;
    let mut errors = FormErrors::default();
    let input = form.parse(ctx.today(), &mut errors);
    let version = form.version();
    let (Some(input), Some(version)) = (input, version) else {
        let problem = version.is_none().then_some("form-stale");
        let page = form_page(ctx, form, Some(id), errors, problem).await?;
        return render_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    match queries::update(
        &txn,
        ctx.now(),
        actor,
        id,
        version,
        &input,
        &ctx.app.config.window_rules,
    )
    .await
    {
        Ok(()) => {
            txn.commit().await?;
            ctx.flash_success("leaver-saved");
            Ok(see_other(&format!("/leavers/{id}")))
        }
        Err(e) => {
            drop(txn);
            let problem = refusal(e, &mut errors)?;
            let page = form_page(ctx, form, Some(id), errors, problem).await?;
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

// ---------------------------------------------------------------- profile

/// What only those who keep the register may see.
pub struct Private {
    pub kana: String,
    pub placement_type: String,
    pub placement_ended_on: String,
    pub living_situation: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub contact_consent: bool,
    pub coordinator: String,
    pub status: String,
    pub closed: Option<(String, String)>,
    pub notes: String,
    pub version: i32,
    pub next_statuses: Vec<SelectOption>,
    pub timeline: Vec<TimelineEntry>,
    pub last_contact: String,
    pub next_follow_up: String,
}

/// One consultation on the leaver's timeline.
pub struct TimelineEntry {
    pub id: i32,
    pub when: String,
    pub status: String,
    pub status_code: String,
    pub channel: String,
    pub topics: String,
    pub summary: String,
    pub follow_up: String,
    pub editable: bool,
}

async fn timeline(ctx: &Ctx, leaver_id: i32) -> AppResult<(Vec<TimelineEntry>, String, String)> {
    use crate::consultations::{
        queries as cq,
        rules::{Channel, Status as CStatus, Topic},
    };
    let items = cq::timeline(&ctx.app.db, leaver_id).await?;
    let (last_held, follow_up) = cq::contact_summary(&items);
    let ids: Vec<i32> = items.iter().map(|c| c.id).collect();
    let mut topics = cq::topics_of(&ctx.app.db, &ids).await?;
    let entries = items
        .into_iter()
        .map(|c| TimelineEntry {
            id: c.id,
            when: ctx.datetime(&c.held_at),
            status: CStatus::parse(&c.status)
                .map(|s| ctx.t(&s.message_id()))
                .unwrap_or_default(),
            editable: c.status != CStatus::Cancelled.as_str(),
            status_code: c.status,
            channel: Channel::parse(&c.channel)
                .map(|s| ctx.t(&s.message_id()))
                .unwrap_or_default(),
            topics: topics
                .remove(&c.id)
                .unwrap_or_default()
                .iter()
                .filter_map(|t| Topic::parse(t))
                .map(|t| ctx.t(&t.message_id()))
                .collect::<Vec<_>>()
                .join("、"),
            summary: c.summary.unwrap_or_default(),
            follow_up: c
                .next_follow_up_on
                .map(|d| ctx.tr.date(d))
                .unwrap_or_default(),
        })
        .collect();
    let none = || ctx.t("consultation-none-yet");
    Ok((
        entries,
        last_held.map(|t| ctx.datetime(&t)).unwrap_or_else(none),
        follow_up.map(|d| ctx.tr.date(d)).unwrap_or_else(none),
    ))
}

#[derive(Template)]
#[template(path = "leavers/show.html")]
pub struct ShowPage<'a> {
    ctx: &'a Ctx,
    id: i32,
    case_number: String,
    name: String,
    date_of_birth: String,
    age: String,
    support_start: String,
    support_end: String,
    standing: String,
    ended: bool,
    private: Option<Private>,
    status_error: Option<&'static str>,
    allowances: Vec<crate::allowances::views::LeaverAllowance>,
    keeper: bool,
    extensions: Vec<crate::extensions::views::ExtensionRow>,
    /// The legal hold in force, if any (reason label, since).
    hold: Option<(String, String)>,
    hold_reasons: Vec<(&'static str, String)>,
}

pub async fn show_page<'a>(
    ctx: &'a Ctx,
    l: leavers::Model,
    status_error: Option<&'static str>,
) -> AppResult<ShowPage<'a>> {
    ctx.audit_view(vec![l.id]).await?;
    let today = ctx.today();
    let st = standing(l.support_starts_on, l.support_ends_on, today);
    let standing_text = match st {
        Standing::NotStarted { starts_in_days } => ctx.t_with(
            "leaver-window-not-started",
            &[("days", &starts_in_days.to_string())],
        ),
        Standing::Running { days_left } => ctx.t_with(
            "leaver-window-days-left",
            &[("days", &days_left.to_string())],
        ),
        Standing::Ended => ctx.t("leaver-window-ended"),
    };
    let private = if can_keep(ctx) {
        let (timeline, last_contact, next_follow_up) = timeline(ctx, l.id).await?;
        let status = Status::parse(&l.status).unwrap_or(Status::Active);
        let coordinator = match l.coordinator_id {
            Some(c) => crate::users::queries::get(&ctx.app.db, c)
                .await?
                .map(|u| u.name)
                .unwrap_or_default(),
            None => ctx.t("leaver-unassigned"),
        };
        Some(Private {
            kana: kana_name(&l),
            placement_type: PlacementType::parse(&l.placement_type)
                .map(|p| ctx.t(&p.message_id()))
                .unwrap_or_default(),
            placement_ended_on: ctx.tr.date(l.placement_ended_on),
            living_situation: opt(&l.living_situation),
            email: opt(&l.email),
            phone: opt(&l.phone),
            address: opt(&l.address),
            contact_consent: l.contact_consent,
            coordinator,
            status: ctx.t(&status.message_id()),
            closed: (status == Status::Closed).then(|| {
                (
                    l.closed_on.map(|d| ctx.tr.date(d)).unwrap_or_default(),
                    opt(&l.closed_reason),
                )
            }),
            notes: opt(&l.notes),
            version: l.version,
            // The current status first and chosen: a click on the button without a choice
            // changes nothing.
            next_statuses: if status.next().is_empty() {
                Vec::new()
            } else {
                std::iter::once(status)
                    .chain(status.next())
                    .map(|s| SelectOption {
                        value: s.as_str(),
                        label: ctx.t(&s.message_id()),
                        selected: s == status,
                    })
                    .collect()
            },
            timeline,
            last_contact,
            next_follow_up,
        })
    } else {
        None
    };
    Ok(ShowPage {
        ctx,
        id: l.id,
        name: full_name(&l),
        case_number: l.case_number,
        date_of_birth: ctx.tr.date(l.date_of_birth),
        age: ctx.t_with(
            "leaver-age-years",
            &[("age", &age_on(l.date_of_birth, today).to_string())],
        ),
        support_start: ctx.tr.date(l.support_starts_on),
        support_end: ctx.tr.date(l.support_ends_on),
        standing: standing_text,
        ended: st == Standing::Ended,
        allowances: crate::allowances::views::for_leaver_page(ctx, l.id, can_keep(ctx)).await?,
        keeper: can_keep(ctx),
        extensions: if can_keep(ctx) {
            crate::extensions::views::rows(ctx, l.id).await?
        } else {
            Vec::new()
        },
        hold: l.legal_hold.as_deref().map(|r| {
            (
                ctx.t(&format!("hold-reason-{r}")),
                l.legal_hold_since
                    .map(|d| ctx.tr.date(d))
                    .unwrap_or_default(),
            )
        }),
        hold_reasons: crate::retention::HOLD_REASONS
            .iter()
            .map(|r| (*r, ctx.t(&format!("hold-reason-{r}"))))
            .collect(),
        private,
        status_error,
    })
}

#[handler]
pub async fn show(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let l = load(ctx, id).await?;
    render(&show_page(ctx, l, None).await?)
}

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
    let from = Status::parse(&l.status).unwrap_or(Status::Active);
    let (case_number, name, stored_version) = (l.case_number.clone(), full_name(&l), l.version);
    let refused = |message| async move {
        let page = show_page(ctx, l, Some(message)).await?;
        render_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
    };
    let (Some(to), Some(version)) = (
        Status::parse(&f.status),
        f.version.trim().parse::<i32>().ok(),
    ) else {
        return refused("leaver-status-invalid").await;
    };
    let reason = Some(f.closed_reason.as_str()).filter(|r| !r.trim().is_empty());
    if reason
        .is_some_and(|r| r.chars().count() > 2000 || crate::web::forms::has_forbidden_control(r))
    {
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
            let message = match e {
                LeaverError::Refused(StatusRefusal::ReasonRequired) => {
                    "leaver-closed-reason-required"
                }
                LeaverError::Refused(StatusRefusal::AlreadyClosed) => "leaver-already-closed",
                LeaverError::Refused(StatusRefusal::Unchanged) => "leaver-status-unchanged",
                LeaverError::Stale => "form-stale",
                LeaverError::NotFound => return Err(AppError::NotFound),
                LeaverError::Db(e) => return Err(e.into()),
                _ => "leaver-status-invalid",
            };
            refused(message).await
        }
    }
}
