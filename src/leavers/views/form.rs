use askama::Template;
use poem::{
    Response, handler,
    web::{Form, Path},
};

use crate::{
    db,
    error::{AppError, AppResult},
    leavers::{forms::LeaverForm, queries, rules::PlacementType},
    roles::Role,
    web::forms::SelectOption,
    web::{
        context::Ctx, forms::FormErrors, render::render, render::render_refused, render::see_other,
        render::take_refusal,
    },
};

use super::{load, opt};

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

#[handler]
pub async fn create(ctx: &Ctx, Form(form): Form<LeaverForm>) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let Some(input) = form.parse(ctx.today(), &mut errors) else {
        let page = form_page(ctx, form, None, errors, None).await?;
        return render_refused(&page, &AppError::invalid());
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
            let why = take_refusal(e, &mut errors)?;
            let problem = errors.problem();
            let page = form_page(ctx, form, None, errors, problem).await?;
            render_refused(&page, &why)
        }
    }
}

#[handler]
pub async fn edit_form(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let l = crate::leavers::page::load_for_page(ctx, id).await?;
    let form = LeaverForm {
        case_number: l.case_number.clone(),
        family_name: l.family_name.clone(),
        given_name: l.given_name.clone(),
        family_name_kana: opt(&l.family_name_kana),
        given_name_kana: opt(&l.given_name_kana),
        date_of_birth: l.date_of_birth.to_string(),
        placement_type: l.placement_type.as_str().to_string(),
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
        language: l.language.as_str().to_string(),
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
        return render_refused(&page, &AppError::invalid());
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
            let why = take_refusal(e, &mut errors)?;
            let problem = errors.problem();
            let page = form_page(ctx, form, Some(id), errors, problem).await?;
            render_refused(&page, &why)
        }
    }
}

// ---------------------------------------------------------------- profile
