use std::collections::HashMap;

use askama::Template;
use poem::{Response, handler, web::Query};
use serde::Deserialize;

use crate::{
    error::AppResult,
    leavers::{
        forms::search_form,
        queries,
        rules::Status,
        search::{self, ListFilter, PAGE_SIZE, Sort},
    },
    roles::Role,
    web::forms::SelectOption,
    web::{context::Ctx, render::render},
};

use super::{can_keep, kana_of, name_of};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    status: String,
    coordinator: String,
    ends_within: String,
    attention: String,
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
    /// How many more records the search finds than the filters let through, and the link
    /// that shows them all.
    hidden: Option<(String, String)>,
    /// The dashboard list shown whole: its key and its title.
    attention: Option<(&'static str, String)>,
}

#[handler]
pub async fn list(ctx: &Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let user = ctx.user()?;
    let keeper = can_keep(ctx);
    // Status and coordinator are not identity: finance can neither see nor filter by them.
    let status = Status::parse(&q.status).filter(|_| keeper);
    // A coordinator starts on their own caseload; a search covers the whole register.
    let coordinator_choice = match q.coordinator.trim() {
        "" if user.role == Role::Coordinator && q.q.trim().is_empty() => "mine".to_string(),
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
    // A dashboard list, whole: the same records the widget counts, for the same people.
    let attention = crate::attention::LIST_KEYS
        .into_iter()
        .find(|k| *k == q.attention.trim())
        .filter(|_| keeper);
    let only = match attention {
        Some(key) => {
            let scope = if ctx.is_admin() {
                crate::attention::Scope::Team
            } else {
                crate::attention::Scope::Coordinator(user.id)
            };
            let (config, today) = (&ctx.app.config, ctx.today());
            let list = crate::attention::list(&ctx.app.db, config, scope, today, key, None).await?;
            let mut ids: Vec<i32> = list
                .map(|l| l.items.into_iter().map(|i| i.leaver_id).collect())
                .unwrap_or_default();
            ids.sort_unstable();
            ids.dedup();
            Some(ids)
        }
        None => None,
    };
    let filter = ListFilter {
        q: Some(search_form(&q.q.chars().take(100).collect::<String>())).filter(|s| !s.is_empty()),
        status,
        coordinator,
        ends_within_days,
        only,
        sort,
        page: q.page.trim().parse().unwrap_or(1u64).clamp(1, 1_000_000),
    };
    let (records, total) = search::list(&ctx.app.db, &filter, ctx.today()).await?;
    // What the filters hide: the records the search text alone would find, less those shown.
    let filtered = filter.status.is_some()
        || filter.coordinator.is_some()
        || filter.ends_within_days.is_some()
        || filter.only.is_some();
    let hidden = if filtered {
        let everything = ListFilter {
            status: None,
            coordinator: None,
            ends_within_days: None,
            only: None,
            page: 1,
            ..filter.clone()
        };
        let all = search::count(&ctx.app.db, &everything, ctx.today()).await?;
        all.saturating_sub(total)
    } else {
        0
    };
    let show_all = {
        let query = serde_urlencoded::to_string([
            ("q", q.q.as_str()),
            ("coordinator", "all"),
            ("sort", sort.as_str()),
        ])
        .unwrap_or_default();
        format!("/leavers?{query}")
    };
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
    // Each label is put in words once a page, not once a row.
    let status_labels: Vec<(Status, String)> = Status::ALL
        .into_iter()
        .map(|st| (st, ctx.t(&st.message_id())))
        .collect();
    let status_label = |st: Status| {
        status_labels
            .iter()
            .find(|(s, _)| *s == st)
            .map(|(_, label)| label.clone())
            .unwrap_or_default()
    };
    let unassigned = ctx.t("leaver-unassigned");
    let rows = records
        .iter()
        .map(|l| ListRow {
            id: l.id,
            case_number: l.case_number.clone(),
            name: name_of(&l.family_name, &l.given_name),
            kana: kana_of(l.family_name_kana.as_deref(), l.given_name_kana.as_deref()),
            date_of_birth: ctx.tr.date(l.date_of_birth),
            support_end: ctx.tr.date(l.support_ends_on),
            status: status_label(l.status),
            coordinator: l
                .coordinator_id
                .and_then(|c| names.get(&c).cloned())
                .unwrap_or_else(|| unassigned.clone()),
        })
        .collect();
    let last_page = total.div_ceil(PAGE_SIZE).max(1);
    let link = |page: u64| {
        let query = serde_urlencoded::to_string([
            ("q", q.q.as_str()),
            ("status", q.status.as_str()),
            ("coordinator", coordinator_choice.as_str()),
            ("ends_within", q.ends_within.as_str()),
            ("attention", attention.unwrap_or_default()),
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
        hidden: (hidden > 0).then(|| {
            (
                ctx.t_with("leaver-filter-hides", &[("count", &hidden.to_string())]),
                show_all,
            )
        }),
        attention: attention.map(|k| (k, ctx.t(&format!("dashboard-{k}")))),
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
