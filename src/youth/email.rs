//! Emails to the young person: a greeting, their link and the team's contact details, in
//! their language. Never anything about their case.
use crate::{
    app::state::AppState,
    i18n::Lang,
    reminders::email::{Line, Rendered, Section, compose},
};

/// Why the person is written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Their personal link, sent by their coordinator or asked for by themselves.
    Link,
    /// "How are you doing?": a check-in request.
    CheckIn,
}

/// The email carrying `link` to a person called `name`.
pub fn render(
    state: &AppState,
    lang: Lang,
    name: &str,
    purpose: Purpose,
    link: &str,
) -> anyhow::Result<Rendered> {
    let tr = state.catalogs.translator(lang);
    let (subject, intro, label) = match purpose {
        Purpose::Link => (
            "me-email-link-subject",
            "me-email-link-intro",
            "me-email-link-open",
        ),
        Purpose::CheckIn => (
            "me-email-check-in-subject",
            "me-email-check-in-intro",
            "me-email-check-in-open",
        ),
    };
    let footer = match &state.config.team_contact {
        Some(contact) => tr.t_with("me-email-footer-contact", &[("contact", contact)]),
        None => tr.t("me-email-footer"),
    };
    compose(
        lang,
        tr.t(subject),
        &tr.t_with("me-email-greeting", &[("name", name)]),
        &tr.t(intro),
        &[Section {
            title: tr.t(label),
            lines: vec![Line {
                text: link.to_string(),
                link: link.to_string(),
            }],
        }],
        &footer,
    )
}
