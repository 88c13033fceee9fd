//! Rendering a recipient's digest in their language, as plain text and HTML, from the
//! templates under `templates/emails/`. Staff emails carry case numbers, names and links,
//! never consultation content; a young person's email says only when and how they meet.
use askama::Template;
use chrono::NaiveDate;

use crate::{
    app::state::AppState,
    i18n::Tr,
    reminders::{item::Address, item::Detail, item::Item, rules::Rule},
};

pub struct Line {
    pub text: String,
    pub link: String,
}

pub struct Section {
    pub title: String,
    pub lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "emails/digest.txt")]
struct DigestText<'a> {
    greeting: &'a str,
    intro: &'a str,
    sections: &'a [Section],
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "emails/digest.html")]
struct DigestHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    greeting: &'a str,
    intro: &'a str,
    sections: &'a [Section],
    footer: &'a str,
}

/// A rendered email.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn datetime(tr: &Tr, state: &AppState, at: &chrono::DateTime<chrono::Utc>) -> String {
    let local = at.with_timezone(&state.config.time_zone);
    format!("{} {}", tr.date(local.date_naive()), local.format("%H:%M"))
}

fn line(state: &AppState, tr: &Tr, item: &Item) -> Line {
    let base = &state.config.base_url;
    let who = format!("{} {}", item.case_number, item.name);
    let leaver_link = item
        .leaver_id
        .map(|id| format!("{base}/leavers/{id}"))
        .unwrap_or_default();
    match (&item.rule, &item.detail) {
        (Rule::ExtensionWaiting, Detail::Waiting { count, oldest }) => Line {
            text: tr.t_with(
                "reminder-waiting-line",
                &[
                    ("count", &count.to_string()),
                    (
                        "oldest",
                        &oldest.map(|o| datetime(tr, state, &o)).unwrap_or_default(),
                    ),
                ],
            ),
            link: format!("{base}/"),
        },
        (Rule::ApprovalsWaiting, Detail::Waiting { count, oldest }) => Line {
            text: tr.t_with(
                "reminder-waiting-line",
                &[
                    ("count", &count.to_string()),
                    (
                        "oldest",
                        &oldest.map(|o| datetime(tr, state, &o)).unwrap_or_default(),
                    ),
                ],
            ),
            link: format!("{base}/allowances?status=submitted"),
        },
        (Rule::AllowanceEnding, Detail::Date(d)) => Line {
            text: tr.t_with(
                "reminder-dated-line",
                &[("who", &who), ("date", &tr.date(*d))],
            ),
            link: format!("{base}/allowances/{}", item.subject_id),
        },
        (Rule::Appointment, Detail::Appointment { at, channel }) => Line {
            text: tr.t_with(
                "reminder-appointment-line",
                &[
                    ("when", &datetime(tr, state, at)),
                    ("how", &tr.t(&channel.message_id())),
                ],
            ),
            link: String::new(),
        },
        (_, Detail::Answer { kind, at }) => Line {
            text: tr.t_with(
                "reminder-answer-line",
                &[
                    ("who", &who),
                    ("what", &tr.t(&kind.message_id())),
                    ("when", &datetime(tr, state, at)),
                ],
            ),
            link: format!("{leaver_link}#youth-answers"),
        },
        (_, Detail::LastContact(Some(at))) => Line {
            text: tr.t_with(
                "reminder-last-contact-line",
                &[("who", &who), ("date", &datetime(tr, state, at))],
            ),
            link: leaver_link,
        },
        (_, Detail::LastContact(None)) => Line {
            text: tr.t_with("reminder-never-contacted-line", &[("who", &who)]),
            link: leaver_link,
        },
        (_, Detail::Date(d)) => Line {
            text: tr.t_with(
                "reminder-dated-line",
                &[("who", &who), ("date", &tr.date(*d))],
            ),
            link: leaver_link,
        },
        _ => Line {
            text: who,
            link: leaver_link,
        },
    }
}

pub fn render(
    state: &AppState,
    to: &Address,
    items: &[Item],
    day: NaiveDate,
) -> anyhow::Result<Rendered> {
    let tr = state.catalogs.translator(to.language);
    let appointment_only = items.iter().all(|i| i.rule == Rule::Appointment);
    let mut sections: Vec<Section> = Vec::new();
    for item in items {
        let title = tr.t(&item.rule.message_id());
        let l = line(state, &tr, item);
        match sections.last_mut() {
            Some(s) if s.title == title => s.lines.push(l),
            _ => sections.push(Section {
                title,
                lines: vec![l],
            }),
        }
    }
    let (subject, greeting, intro, footer) = if appointment_only {
        (
            tr.t("reminder-appointment-subject"),
            tr.t_with("reminder-greeting-leaver", &[("name", &to.name)]),
            tr.t("reminder-appointment-intro"),
            tr.t("reminder-appointment-footer"),
        )
    } else {
        (
            tr.t_with(
                "reminder-subject",
                &[("count", &items.len().to_string()), ("date", &tr.date(day))],
            ),
            tr.t_with("reminder-greeting-staff", &[("name", &to.name)]),
            tr.t("reminder-intro"),
            tr.t_with("reminder-footer", &[("link", &state.config.base_url)]),
        )
    };
    compose(to.language, subject, &greeting, &intro, &sections, &footer)
}

/// An email from its parts, as plain text and HTML in the digest's layout.
pub fn compose(
    lang: crate::i18n::Lang,
    subject: String,
    greeting: &str,
    intro: &str,
    sections: &[Section],
    footer: &str,
) -> anyhow::Result<Rendered> {
    let text = DigestText {
        greeting,
        intro,
        sections,
        footer,
    }
    .render()?;
    let html = DigestHtml {
        lang: lang.as_str(),
        subject: &subject,
        greeting,
        intro,
        sections,
        footer,
    }
    .render()?;
    Ok(Rendered {
        subject,
        text,
        html,
    })
}
