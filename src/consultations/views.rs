//! Handlers and page structs for recording and editing consultations.
use askama::Template;
use chrono::Timelike;
use entity::{consultations, leavers};
use poem::{
    Response, handler,
    web::{Form, Path},
};

use crate::{
    consultations::{
        forms::{ConsultationForm, local_input_value},
        queries,
        rules::{Channel, Status, StatusRules, Topic},
    },
    db,
    error::{AppError, AppResult},
    web::forms::SelectOption,
    web::{
        context::Ctx, forms::FormErrors, render::render, render::render_refused, render::see_other,
        render::take_refusal,
    },
};

#[derive(Template)]
#[template(path = "consultations/form.html")]
struct FormPage<'a> {
    ctx: &'a Ctx,
    leaver_id: i32,
    leaver_label: String,
    action: String,
    editing: bool,
    form: ConsultationForm,
    errors: FormErrors,
    problem: Option<&'static str>,
    statuses: Vec<SelectOption>,
    channels: Vec<SelectOption>,
    topics: Vec<SelectOption>,
}

fn options<T: Copy>(
    ctx: &Ctx,
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> String,
    selected: impl Fn(&str) -> bool,
) -> Vec<SelectOption> {
    all.iter()
        .map(|t| SelectOption {
            value: code(*t),
            label: ctx.t(&label(*t)),
            selected: selected(code(*t)),
        })
        .collect()
}

fn page<'a>(
    ctx: &'a Ctx,
    leaver: &leavers::Model,
    editing: Option<(i32, Status)>,
    form: ConsultationForm,
    errors: FormErrors,
    problem: Option<&'static str>,
) -> FormPage<'a> {
    let choices = Status::choices(editing.map(|(_, s)| s));
    FormPage {
        leaver_id: leaver.id,
        leaver_label: format!(
            "{} {} ({})",
            leaver.family_name, leaver.given_name, leaver.case_number
        ),
        action: match editing {
            Some((id, _)) => format!("/consultations/{id}/edit"),
            None => format!("/leavers/{}/consultations/new", leaver.id),
        },
        editing: editing.is_some(),
        statuses: options(ctx, &choices, Status::as_str, Status::message_id, |c| {
            c == form.status
        }),
        channels: options(
            ctx,
            Channel::ALL,
            Channel::as_str,
            Channel::message_id,
            |c| c == form.channel,
        ),
        topics: options(ctx, Topic::ALL, Topic::as_str, Topic::message_id, |c| {
            form.has_topic(c)
        }),
        ctx,
        form,
        errors,
        problem,
    }
}

#[handler]
pub async fn new_form(ctx: &Ctx, Path(leaver_id): Path<i32>) -> AppResult<Response> {
    let leaver = crate::leavers::page::load_for_page(ctx, leaver_id).await?;
    let now = ctx.now().with_nanosecond(0).unwrap_or(ctx.now());
    let form = ConsultationForm {
        held_at: local_input_value(now, ctx.app.config.time_zone),
        status: Status::Held.as_str().into(),
        channel: Channel::InPerson.as_str().into(),
        ..Default::default()
    };
    render(&page(ctx, &leaver, None, form, FormErrors::default(), None))
}

#[handler]
pub async fn create(
    ctx: &Ctx,
    Path(leaver_id): Path<i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let leaver = crate::leavers::page::load_for_page(ctx, leaver_id).await?;
    let form = ConsultationForm::from_pairs(pairs);
    let mut errors = FormErrors::default();
    let Some(input) = form.parse(ctx.app.config.time_zone, ctx.now(), None, &mut errors) else {
        let p = page(ctx, &leaver, None, form, errors, None);
        return render_refused(&p, &AppError::invalid());
    };
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    queries::create(&txn, ctx.now(), actor, leaver_id, &input).await?;
    txn.commit().await?;
    ctx.flash_success("consultation-saved");
    Ok(see_other(&format!("/leavers/{leaver_id}#consultations")))
}

async fn load(ctx: &Ctx, id: i32) -> AppResult<(consultations::Model, leavers::Model)> {
    let c = queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let leaver = crate::leavers::page::load_for_page(ctx, c.leaver_id).await?;
    Ok((c, leaver))
}

fn status_of(c: &consultations::Model) -> Status {
    c.status
}

#[handler]
pub async fn edit_form(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let (c, leaver) = load(ctx, id).await?;
    let topics = queries::topics_of(&ctx.app.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect();
    let form = ConsultationForm {
        held_at: local_input_value(c.held_at, ctx.app.config.time_zone),
        status: c.status.as_str().to_string(),
        channel: c.channel.as_str().to_string(),
        topics,
        summary: c.summary.clone().unwrap_or_default(),
        next_follow_up_on: c
            .next_follow_up_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        version: c.version.to_string(),
    };
    let status = status_of(&c);
    let problem = (status == Status::Cancelled).then_some("consultation-cancelled-final");
    render(&page(
        ctx,
        &leaver,
        Some((id, status)),
        form,
        FormErrors::default(),
        problem,
    ))
}

#[handler]
pub async fn update(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (c, leaver) = load(ctx, id).await?;
    let status = status_of(&c);
    let form = ConsultationForm::from_pairs(pairs);
    let mut errors = FormErrors::default();
    if form.version() != Some(c.version) {
        // The rules would be checked against a state the user has not seen.
        let p = page(
            ctx,
            &leaver,
            Some((id, status)),
            form,
            errors,
            Some("form-stale"),
        );
        return render_refused(&p, &AppError::invalid());
    }
    let before = Some((status, c.held_at));
    let input = form.parse(ctx.app.config.time_zone, ctx.now(), before, &mut errors);
    let version = form.version();
    let (Some(input), Some(version)) = (input, version) else {
        let problem = version.is_none().then_some("form-stale");
        let p = page(ctx, &leaver, Some((id, status)), form, errors, problem);
        return render_refused(&p, &AppError::invalid());
    };
    let actor = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    match queries::update(&txn, ctx.now(), actor, id, version, &input).await {
        Ok(()) => {
            txn.commit().await?;
            ctx.flash_success("consultation-saved");
            Ok(see_other(&format!("/leavers/{}#consultations", leaver.id)))
        }
        Err(e) => {
            drop(txn);
            let why = take_refusal(e, &mut errors)?;
            let problem = errors.problem();
            let p = page(ctx, &leaver, Some((id, status)), form, errors, problem);
            render_refused(&p, &why)
        }
    }
}
