use askama::Template;
use entity::leavers;
use poem::{Response, handler, web::Path};

use crate::{
    error::AppResult,
    leavers::{
        rules::{Status, StatusRules},
        window::{Standing, age_on, standing},
    },
    web::forms::SelectOption,
    web::{context::Ctx, render::render},
};

use super::{can_keep, full_name, kana_name, load, opt};

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
    /// The next planned appointment, if any.
    pub next_appointment: String,
    /// The latest plan: its id, version number and status.
    pub plan: Option<(i32, i32, String)>,
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
    /// The young person's answer to a planned appointment, in words.
    pub answer: String,
}

/// A consultation timeline with what the page's summary says about it.
struct Contact {
    entries: Vec<TimelineEntry>,
    last_contact: String,
    next_follow_up: String,
    next_appointment: String,
    /// Days since the last held consultation (none held: `None`).
    quiet_days: Option<i64>,
}

async fn timeline(ctx: &Ctx, leaver_id: i32) -> AppResult<Contact> {
    use crate::consultations::{queries as cq, rules::Status as CStatus};
    let items = cq::timeline(&ctx.app.db, leaver_id).await?;
    let (last_held, follow_up) = cq::contact_summary(&items);
    let now = ctx.now();
    let next_appointment = items
        .iter()
        .filter(|c| c.status == CStatus::Planned && c.held_at >= now)
        .map(|c| c.held_at)
        .min();
    let quiet_days = last_held.map(|t| (now - t).num_days());
    let ids: Vec<i32> = items.iter().map(|c| c.id).collect();
    let mut topics = cq::topics_of(&ctx.app.db, &ids).await?;
    let mut entries: Vec<(chrono::DateTime<chrono::Utc>, TimelineEntry)> = items
        .into_iter()
        .map(|c| {
            (
                c.held_at,
                TimelineEntry {
                    id: c.id,
                    when: ctx.datetime(&c.held_at),
                    status: ctx.t(&c.status.message_id()),
                    editable: c.status != CStatus::Cancelled,
                    status_code: c.status.as_str().to_string(),
                    channel: ctx.t(&c.channel.message_id()),
                    topics: topics
                        .remove(&c.id)
                        .unwrap_or_default()
                        .iter()
                        .map(|t| ctx.t(&t.message_id()))
                        .collect::<Vec<_>>()
                        .join(match ctx.tr.lang {
                            crate::i18n::Lang::En => ", ",
                            crate::i18n::Lang::Ja => "、",
                        }),
                    summary: c.summary.unwrap_or_default(),
                    follow_up: c
                        .next_follow_up_on
                        .map(|d| ctx.tr.date(d))
                        .unwrap_or_default(),
                    answer: c
                        .response
                        .map(|r| ctx.t(&format!("me-answer-{}", r.as_str().replace('_', "-"))))
                        .unwrap_or_default(),
                },
            )
        })
        .collect();
    // The person's own check-ins: self-reported contacts by message, newest first with the rest.
    entries.extend(
        crate::youth::answers::of_person(&ctx.app.db, leaver_id)
            .await?
            .into_iter()
            .filter(|a| crate::youth::answers::is_check_in(a.kind))
            .map(|a| {
                (
                    a.created_at,
                    TimelineEntry {
                        id: a.id,
                        when: ctx.datetime(&a.created_at),
                        status: ctx.t("youth-self-reported"),
                        status_code: "self-reported".into(),
                        channel: ctx.t(&entity::consultations::Channel::Message.message_id()),
                        topics: ctx.t(&a.kind.message_id()),
                        summary: a.message.unwrap_or_default(),
                        follow_up: String::new(),
                        editable: false,
                        answer: String::new(),
                    },
                )
            }),
    );
    // Planned appointments stay first, soonest first; the rest newest first.
    let (planned, mut rest): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .partition(|(_, e)| e.status_code == CStatus::Planned.as_str());
    rest.sort_by_key(|e| std::cmp::Reverse(e.0));
    let entries = planned.into_iter().chain(rest).map(|(_, e)| e).collect();
    let none = || ctx.t("consultation-none-yet");
    Ok(Contact {
        entries,
        last_contact: last_held.map(|t| ctx.datetime(&t)).unwrap_or_else(none),
        next_follow_up: follow_up.map(|d| ctx.tr.date(d)).unwrap_or_else(none),
        next_appointment: next_appointment
            .map(|t| ctx.datetime(&t))
            .unwrap_or_else(none),
        quiet_days,
    })
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
    /// What needs attention now, in words (no contact for too long, support ending).
    alerts: Vec<String>,
    status_error: Option<&'static str>,
    /// A refused release of the legal hold, beside its reason.
    pub hold_errors: crate::web::forms::FormErrors,
    allowances: Vec<crate::allowances::views::LeaverAllowance>,
    keeper: bool,
    extensions: Vec<crate::extensions::views::ExtensionRow>,
    /// The legal hold in force, if any (reason label, since).
    hold: Option<(String, String)>,
    hold_reasons: Vec<(&'static str, String)>,
    release_reasons: Vec<(&'static str, String)>,
    /// The young person's link and what they said through it (those who keep the register).
    youth: Option<crate::youth::panel::Panel>,
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
    let mut alerts = Vec::new();
    if let Some(days) = crate::reminders::rules::support_ending_stage(l.support_ends_on, today)
        .filter(|_| l.status != Status::Closed)
        .map(|_| (l.support_ends_on - today).num_days())
    {
        alerts.push(ctx.t_with(
            "leaver-alert-support-ending",
            &[("days", &days.to_string())],
        ));
    }
    let private = if can_keep(ctx) {
        let contact = timeline(ctx, l.id).await?;
        let cadence = crate::attention::contact_cadence(&ctx.app.config, l.contact_every_days);
        if l.status != Status::Closed && st != Standing::Ended {
            match contact.quiet_days {
                Some(days) if days > cadence => alerts.push(ctx.t_with(
                    "leaver-alert-no-contact",
                    &[("days", &days.to_string()), ("every", &cadence.to_string())],
                )),
                None if (today
                    - l.created_at
                        .with_timezone(&ctx.app.config.time_zone)
                        .date_naive())
                .num_days()
                    > cadence =>
                {
                    alerts.push(ctx.t("leaver-alert-never-contacted"))
                }
                _ => {}
            }
        }
        let plan = crate::plans::queries::for_leaver(&ctx.app.db, l.id)
            .await?
            .into_iter()
            .next()
            .map(|p| {
                let status = ctx.t(&format!("plan-status-{}", p.status.as_str()));
                (p.id, p.number, status)
            });
        let status = l.status;
        let coordinator = match l.coordinator_id {
            Some(c) => crate::users::queries::get(&ctx.app.db, c)
                .await?
                .map(|u| u.name)
                .unwrap_or_default(),
            None => ctx.t("leaver-unassigned"),
        };
        Some(Private {
            kana: kana_name(&l),
            placement_type: ctx.t(&l.placement_type.message_id()),
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
            timeline: contact.entries,
            last_contact: contact.last_contact,
            next_follow_up: contact.next_follow_up,
            next_appointment: contact.next_appointment,
            plan,
        })
    } else {
        None
    };
    let youth = if can_keep(ctx) {
        Some(crate::youth::panel::panel(ctx, &l).await?)
    } else {
        None
    };
    Ok(ShowPage {
        ctx,
        youth,
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
        hold: l.legal_hold.map(|r| {
            (
                ctx.t(&r.message_id()),
                l.legal_hold_since
                    .map(|d| ctx.tr.date(d))
                    .unwrap_or_default(),
            )
        }),
        release_reasons: crate::retention::lifecycle::ReleaseReason::ALL
            .iter()
            .map(|r| (r.as_str(), ctx.t(&r.message_id())))
            .collect(),
        hold_reasons: crate::retention::lifecycle::HoldReason::ALL
            .iter()
            .map(|r| (r.as_str(), ctx.t(&r.message_id())))
            .collect(),
        private,
        alerts,
        status_error,
        hold_errors: Default::default(),
    })
}

#[handler]
pub async fn show(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let l = load(ctx, id).await?;
    render(&show_page(ctx, l, None).await?)
}
