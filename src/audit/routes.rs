//! `/admin/audit`: the audit log, newest first, paged, filtered by actor and entity.
use askama::Template;
use entity::audit_log;
use poem::{Response, handler, web::Query};
use serde::Deserialize;

use crate::{
    audit::queries,
    audit::words,
    error::AppResult,
    web::forms::SelectOption,
    web::{context::Ctx, render::render},
};

/// The kinds of record the log speaks of, for the filter.
pub const ENTITIES: &[&str] = &[
    "user",
    "leaver",
    "consultation",
    "allowance",
    "payment",
    "budget",
    "email",
    "extension",
    "plan",
    "api_token",
    "webhook",
    "webhook_delivery",
];

#[derive(Deserialize, Default)]
#[serde(default)]
struct Filter {
    actor: String,
    entity: String,
    page: String,
}

pub struct Row {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    /// What the entry is about: a record by its case number, anything else by kind and number.
    pub entity: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<Row>,
    actors: Vec<(String, String, bool)>,
    entities: Vec<SelectOption>,
    page_label: String,
    prev_link: Option<String>,
    next_link: Option<String>,
}

/// Audit entries as table rows in the reader's language, with actors' names and the people
/// named by their case numbers (two queries).
pub async fn rows(ctx: &Ctx, entries: Vec<audit_log::Model>) -> AppResult<Vec<Row>> {
    let names = queries::actor_names(&ctx.app.db).await?;
    let tokens = queries::token_names(&ctx.app.db).await?;
    let ids: Vec<i64> = entries
        .iter()
        .flat_map(|e| words::leaver_ids(&e.entity, e.entity_id, &e.summary))
        .collect();
    let cases = queries::case_numbers(&ctx.app.db, ids).await?;
    Ok(entries
        .into_iter()
        .map(|e| {
            // What the young person did or saw through their link names them as its actor.
            let by_person = e.actor_id.is_none() && words::is_by_person(&e.summary);
            let summary = words::without_person(&e.summary);
            Row {
                id: e.id,
                at: ctx.datetime(&e.at),
                actor: match e.actor_id.and_then(|a| names.get(&a).cloned()) {
                    Some(name) => name,
                    None if by_person => ctx.t("audit-actor-person"),
                    None => match words::token_of(&e.summary)
                        .or_else(|| {
                            (e.entity == "api_token" && e.actor_id.is_none())
                                .then(|| e.entity_id.and_then(|i| i32::try_from(i).ok()))
                                .flatten()
                        })
                        .and_then(|t| tokens.get(&t))
                    {
                        Some(name) => ctx.t_with("audit-actor-token", &[("name", name)]),
                        None => ctx.t("audit-actor-none"),
                    },
                },
                action: ctx.t(&format!("audit-action-{}", e.action.replace('_', "-"))),
                entity: words::subject(&ctx.tr, &e.entity, e.entity_id, &cases),
                summary: words::summary(&ctx.tr, &e.entity, &summary, &cases),
            }
        })
        .collect())
}

#[handler]
pub async fn list(ctx: &Ctx, Query(f): Query<Filter>) -> AppResult<Response> {
    let actor: Option<i32> = f.actor.trim().parse().ok();
    let entity = ENTITIES.iter().find(|e| **e == f.entity.trim()).copied();
    let page: u64 = f.page.trim().parse().unwrap_or(1u64).clamp(1, 1_000_000);

    let (entries, has_more) = queries::page(&ctx.app.db, actor, entity, page).await?;
    let staff = queries::staff_by_name(&ctx.app.db).await?;
    let rows = rows(ctx, entries).await?;
    let link = |p: u64| {
        format!(
            "/admin/audit?{}",
            serde_urlencoded::to_string([
                ("actor", f.actor.as_str()),
                ("entity", f.entity.as_str()),
                ("page", &p.to_string()),
            ])
            .unwrap_or_default()
        )
    };
    render(&ListPage {
        ctx,
        rows,
        actors: staff
            .iter()
            .map(|u| (u.id.to_string(), u.name.clone(), Some(u.id) == actor))
            .collect(),
        entities: ENTITIES
            .iter()
            .map(|e| SelectOption {
                value: e,
                label: ctx.t(&format!("audit-entity-{e}")),
                selected: Some(*e) == entity,
            })
            .collect(),
        page_label: ctx.t_with("pager-page", &[("page", &page.to_string())]),
        prev_link: (page > 1).then(|| link(page - 1)),
        next_link: has_more.then(|| link(page + 1)),
    })
}
