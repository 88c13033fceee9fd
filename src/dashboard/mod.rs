//! `/`: the start page. Coordinators see their follow-ups, appointments, leavers without
//! recent contact and support ending soon; admins see the same for the whole team, grouped
//! by coordinator; both see consultations held per month.
pub mod chart;

use askama::Template;
use chrono::NaiveDate;
use poem::{EndpointExt, Response, Route, get, handler};

use crate::{
    attention::{self as queries, Item, Scope},
    db::Listed,
};
use crate::{
    clock::start_of,
    consultations::rules::Channel,
    error::AppResult,
    roles::Role,
    web::{context::Ctx, guard::ANY_ROLE, guard::require, render::render},
};

/// The start page: any signed-in role (each sees what their role may).
pub fn mount(route: Route) -> Route {
    route.at("/", get(show).with(require(ANY_ROLE)))
}

pub struct Line {
    pub leaver_id: i32,
    pub href: String,
    pub case_number: String,
    pub name: String,
    pub detail: String,
}

pub struct Group {
    key: Option<i32>,
    pub coordinator: Option<String>,
    pub lines: Vec<Line>,
}

pub struct Widget {
    pub key: &'static str,
    pub title: String,
    pub groups: Vec<Group>,
    pub count: usize,
    /// When the list is longer than it shows: the words and the link to all of it.
    pub more: Option<(String, String)>,
}

/// The most lines a widget shows; the rest are a link away.
pub const WIDGET_LINES: usize = 10;

pub struct LegendEntry {
    pub label: String,
    pub fill: &'static str,
    pub y: u32,
}

pub struct ChartView {
    pub bars: Vec<chart::Bar>,
    /// Each month's total above its bar: x, y, total.
    pub totals: Vec<(u32, u32, u32)>,
    pub month_labels: Vec<(u32, String)>,
    pub legend: Vec<LegendEntry>,
    pub channels: Vec<String>,
    pub rows: Vec<(String, Vec<u32>, u32)>,
}

/// What finance sees first: the queue, this month's payments, this year's budget.
pub struct FinanceView {
    pub waiting: String,
    pub month: String,
    pub month_label: String,
    pub month_totals: Vec<(String, String, String)>,
    pub fy: String,
    pub budget: Vec<crate::budget::views::Row>,
}

#[derive(Template)]
#[template(path = "dashboard/show.html")]
struct DashboardPage<'a> {
    ctx: &'a Ctx,
    greeting: String,
    intro: String,
    widgets: Vec<Widget>,
    chart: Option<ChartView>,
    finance: Option<FinanceView>,
    backup: Option<String>,
    /// What young people said through their link, waiting for someone (urgent first).
    answers: Vec<AnswerLine>,
}

pub struct AnswerLine {
    pub id: i32,
    pub href: String,
    pub who: String,
    pub what: String,
    pub when: String,
    pub urgent: bool,
}

/// The open answers of the scope, recorded as a view of the people they name.
async fn answer_lines(ctx: &Ctx, scope: Scope) -> AppResult<Vec<AnswerLine>> {
    use crate::youth::answers;
    let open = answers::open_answers(&ctx.app.db, scope).await?;
    let mut ids: Vec<i32> = open.iter().map(|a| a.leaver_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ctx.audit_view(ids).await?;
    Ok(open
        .into_iter()
        .map(|a| AnswerLine {
            id: a.id,
            href: format!("/leavers/{}#youth-answers", a.leaver_id),
            who: format!("{} {} {}", a.case_number, a.family_name, a.given_name),
            what: ctx.t(&a.kind.message_id()),
            when: ctx.datetime(&a.created_at),
            urgent: answers::is_urgent(a.kind),
        })
        .collect())
}

/// The last scheduled backup, and whether it was written and verified (admins).
async fn backup_line(ctx: &Ctx) -> AppResult<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let last = entity::job_runs::Entity::find()
        .filter(entity::job_runs::Column::Job.eq(crate::jobs::scheduler::BACKUP_JOB))
        .order_by_desc(entity::job_runs::Column::FireAt)
        .one(&ctx.app.db)
        .await?;
    Ok(match last {
        Some(r) if r.emails == 1 => ctx.t_with(
            "dashboard-backup-ok",
            &[("when", &ctx.datetime(&r.finished_at))],
        ),
        Some(r) => ctx.t_with(
            "dashboard-backup-failed",
            &[("when", &ctx.datetime(&r.finished_at))],
        ),
        None => ctx.t("dashboard-backup-none"),
    })
}

async fn finance_view(ctx: &Ctx) -> AppResult<FinanceView> {
    use crate::i18n::{Yen, format_yen};
    use crate::{allowances::rules::Kind, clock::Month};
    use entity::{allowances, payments};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
    let db = &ctx.app.db;
    let queue = allowances::Entity::find()
        .filter(allowances::Column::Status.eq(allowances::Status::Submitted));
    let count = queue.clone().count(db).await?;
    let oldest = queue
        .order_by_asc(allowances::Column::SubmittedAt)
        .one(db)
        .await?
        .and_then(|a| a.submitted_at);
    let waiting = match oldest {
        Some(at) if count > 0 => ctx.t_with(
            "dashboard-waiting-count",
            &[
                ("count", &count.to_string()),
                ("oldest", &ctx.datetime(&at)),
            ],
        ),
        _ => ctx.t("dashboard-waiting-none"),
    };
    let month = Month::of(ctx.today());
    let lines = payments::Entity::find()
        .filter(payments::Column::Month.eq(month.first_day()))
        .all(db)
        .await?;
    let month_totals = Kind::ALL
        .into_iter()
        .map(|k| {
            let sum = |status: entity::payments::Status| {
                lines
                    .iter()
                    .filter(|p| p.kind == k && p.status == status)
                    .map(|p| p.amount)
                    .sum::<Yen>()
            };
            (
                ctx.t(&k.message_id()),
                format_yen(sum(entity::payments::Status::Scheduled)),
                format_yen(sum(entity::payments::Status::Paid)),
            )
        })
        .collect();
    let fy = crate::budget::views::current_fy(ctx);
    let figures =
        crate::budget::figures::figures(db, fy, ctx.app.config.window_rules.fiscal_year_start)
            .await?;
    Ok(FinanceView {
        waiting,
        month: month.to_string(),
        month_label: ctx.tr.month(month),
        month_totals,
        fy: ctx.t_with("budget-fiscal-year", &[("fy", &fy.to_string())]),
        budget: crate::budget::views::rows(ctx, &figures),
    })
}

/// Open disclosure requests with their deadline, soonest first (two queries).
async fn open_disclosures(db: &sea_orm::DatabaseConnection) -> AppResult<Vec<Item>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let open = entity::disclosures::Entity::find()
        .filter(entity::disclosures::Column::Status.eq(entity::disclosures::Status::Open))
        .order_by_asc(entity::disclosures::Column::DueOn)
        .all(db)
        .await?;
    let ids: Vec<i32> = open.iter().map(|d| d.leaver_id).collect();
    let people = crate::leavers::queries::by_ids(db, ids).await?;
    Ok(open
        .into_iter()
        .filter_map(|d| {
            let l = people.get(&d.leaver_id)?;
            Some(Item {
                leaver_id: l.id,
                case_number: l.case_number.clone(),
                family_name: l.family_name.clone(),
                given_name: l.given_name.clone(),
                coordinator_id: None,
                coordinator_name: None,
                on_date: Some(d.due_on),
                at: None,
            })
        })
        .collect())
}

/// Young people's answers to the planned appointments around now, by person and time.
async fn appointment_answers(
    db: &sea_orm::DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<
    std::collections::HashMap<
        (i32, chrono::DateTime<chrono::Utc>),
        entity::consultations::Response,
    >,
> {
    use entity::consultations;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(consultations::Entity::find()
        .filter(consultations::Column::Status.eq(consultations::Status::Planned))
        .filter(consultations::Column::Response.is_not_null())
        .filter(consultations::Column::HeldAt.gte(now - chrono::Duration::days(8)))
        .filter(consultations::Column::HeldAt.lt(now + chrono::Duration::days(15)))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|c| Some(((c.leaver_id, c.held_at), c.response?)))
        .collect())
}

fn widget(
    ctx: &Ctx,
    key: &'static str,
    list: Listed<Item>,
    grouped: bool,
    detail: impl Fn(&Item) -> String,
) -> Widget {
    let count = list.count as usize;
    // Only a list the register can show whole is cut short (by its query); the others are
    // shown in full.
    let linked = queries::LIST_KEYS.contains(&key);
    let people = list.people;
    let mut groups: Vec<Group> = Vec::new();
    for item in list.items {
        let line = Line {
            leaver_id: item.leaver_id,
            href: format!("/leavers/{}", item.leaver_id),
            case_number: item.case_number.clone(),
            name: format!("{} {}", item.family_name, item.given_name),
            detail: detail(&item),
        };
        let coordinator = grouped.then(|| {
            item.coordinator_name
                .clone()
                .unwrap_or_else(|| ctx.t("leaver-unassigned"))
        });
        match groups.last_mut() {
            Some(g) if g.key == item.coordinator_id => g.lines.push(line),
            _ => groups.push(Group {
                key: item.coordinator_id,
                coordinator,
                lines: vec![line],
            }),
        }
    }
    // A long list shows its first lines and links to all of them in the register.
    let more = (count > WIDGET_LINES && linked).then(|| {
        (
            ctx.t_with("dashboard-see-all", &[("count", &people.to_string())]),
            format!("/leavers?attention={key}&coordinator=all"),
        )
    });
    Widget {
        key,
        title: ctx.t(&format!("dashboard-{key}")),
        groups,
        count,
        more,
    }
}

async fn widgets(ctx: &Ctx, scope: Scope) -> AppResult<(Vec<Widget>, ChartView)> {
    let db = &ctx.app.db;
    let tz = ctx.app.config.time_zone;
    let today = ctx.app.clock.today(tz);
    let grouped = matches!(scope, Scope::Team);
    let date = |d: Option<NaiveDate>| d.map(|d| ctx.tr.date(d)).unwrap_or_default();

    let limit = Some(WIDGET_LINES as u64);
    let mut lists = queries::lists(db, &ctx.app.config, scope, today, limit).await?;
    let answers = appointment_answers(db, ctx.now()).await?;
    let mut take = |key: &str| {
        lists
            .iter_mut()
            .find(|(k, _)| *k == key)
            .map(|(_, items)| std::mem::take(items))
            .unwrap_or_default()
    };
    let last_contact = |i: &Item| match i.at {
        Some(t) => ctx.t_with("dashboard-last-contact", &[("when", &ctx.datetime(&t))]),
        None => ctx.t("dashboard-never-contacted"),
    };
    let mut widgets = vec![
        widget(
            ctx,
            "follow-ups-due",
            take("follow-ups-due"),
            grouped,
            |i| date(i.on_date),
        ),
        widget(
            ctx,
            "follow-ups-overdue",
            take("follow-ups-overdue"),
            grouped,
            |i| date(i.on_date),
        ),
        widget(
            ctx,
            "appointments-week",
            take("appointments-week"),
            grouped,
            |i| {
                let when = i.at.map(|t| ctx.datetime(&t)).unwrap_or_default();
                // The young person's answer, when they gave one through their link.
                match i.at.and_then(|t| answers.get(&(i.leaver_id, t))) {
                    Some(r) => format!(
                        "{when} · {}",
                        ctx.t(&format!("me-answer-{}", r.as_str().replace('_', "-")))
                    ),
                    None => when,
                }
            },
        ),
        widget(ctx, "no-contact", take("no-contact"), grouped, last_contact),
        widget(
            ctx,
            "support-ending",
            take("support-ending"),
            grouped,
            |i| date(i.on_date),
        ),
    ];
    if grouped {
        widgets.push(widget(
            ctx,
            "escalations",
            take("escalations"),
            grouped,
            last_contact,
        ));
        let disclosures = Listed::whole(open_disclosures(db).await?);
        widgets.push(widget(ctx, "disclosures", disclosures, grouped, |i| {
            date(i.on_date)
        }));
        let waiting = Listed::whole(crate::extensions::queries::waiting(db).await?);
        widgets.push(widget(ctx, "extensions-waiting", waiting, grouped, |i| {
            date(i.on_date)
        }));
    }

    // The widgets name people: recorded as a view of each of them before the page is sent.
    let mut shown: Vec<i32> = widgets
        .iter()
        .flat_map(|w| w.groups.iter())
        .flat_map(|g| g.lines.iter().map(|l| l.leaver_id))
        .collect();
    shown.sort_unstable();
    shown.dedup();
    ctx.audit_view(shown).await?;

    let held = queries::held_since(db, scope, start_of(chart::first_month(today), tz)).await?;
    let monthly = chart::monthly(&held, tz, today);
    let channels: Vec<String> = Channel::ALL
        .iter()
        .map(|c| ctx.t(&c.message_id()))
        .collect();
    let bars = chart::bars(&monthly, &channels);
    let chart_view = ChartView {
        totals: chart::totals(&bars, &monthly),
        bars,
        month_labels: monthly
            .months
            .iter()
            .enumerate()
            .map(|(i, (_, m))| {
                (
                    i as u32 * (chart::WIDTH / 12) + chart::WIDTH / 24,
                    ctx.tr.month_number(*m),
                )
            })
            .collect(),
        legend: channels
            .iter()
            .enumerate()
            .map(|(i, label)| LegendEntry {
                label: label.clone(),
                fill: chart::COLOURS[i % chart::COLOURS.len()],
                y: 14 + i as u32 * 18,
            })
            .collect(),
        rows: monthly
            .months
            .iter()
            .zip(&monthly.counts)
            .map(|((y, m), counts)| {
                (
                    crate::clock::Month::parse(&chart::month_label(*y, *m))
                        .map(|month| ctx.tr.month(month))
                        .unwrap_or_else(|| chart::month_label(*y, *m)),
                    counts.clone(),
                    counts.iter().sum(),
                )
            })
            .collect(),
        channels,
    };
    Ok((widgets, chart_view))
}

#[handler]
pub async fn show(ctx: &Ctx) -> AppResult<Response> {
    let user = ctx.user()?;
    let intro_id = match user.role {
        Role::Coordinator => "dashboard-intro-coordinator",
        Role::Finance => "dashboard-intro-finance",
        Role::Admin => "dashboard-intro-admin",
    };
    let scope = match user.role {
        Role::Coordinator => Some(Scope::Coordinator(user.id)),
        Role::Admin => Some(Scope::Team),
        Role::Finance => None,
    };
    let (widgets, chart, answers) = match scope {
        Some(scope) => {
            let (w, c) = widgets(ctx, scope).await?;
            (w, Some(c), answer_lines(ctx, scope).await?)
        }
        None => (Vec::new(), None, Vec::new()),
    };
    render(&DashboardPage {
        ctx,
        greeting: ctx.t_with(
            "dashboard-greeting",
            &[
                ("name", &user.name),
                ("role", &ctx.t(user.role.message_id())),
            ],
        ),
        intro: ctx.t(intro_id),
        widgets,
        chart,
        answers,
        backup: if user.role == Role::Admin {
            Some(backup_line(ctx).await?)
        } else {
            None
        },
        finance: if user.role == Role::Finance {
            Some(finance_view(ctx).await?)
        } else {
            None
        },
    })
}
