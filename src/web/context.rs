//! What every page needs to know about the request: who, in which language, CSRF token, flashes.
use std::sync::Arc;

use poem::{FromRequest, Request, RequestBody, session::Session};
use serde::{Deserialize, Serialize};

pub use crate::auth::account::CurrentUser;
use crate::{
    app::state::AppState,
    error::AppError,
    i18n::{Lang, Tr},
    roles::Role,
    web::forms::FormErrors,
};

/// Session keys (the signed-in user's is kept with the session store).
pub const SESSION_LANG: &str = "lang";
pub const SESSION_FLASH: &str = "flash";
pub const SESSION_EPOCH: &str = "epoch";
/// A random value set at sign-in: forms' CSRF tokens are bound to it, so a token from before
/// a sign-in, or from another session, is refused.
pub const SESSION_CSRF_NONCE: &str = "csrf";

/// A message shown once on the next page, stored as a catalog id so it is shown in the
/// language of the page that displays it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub message_id: String,
    #[serde(default)]
    pub args: Vec<(String, String)>,
}

impl Flash {
    /// The message in the page's language.
    pub fn text(&self, ctx: &Ctx) -> String {
        let args: Vec<(&str, &str)> = self
            .args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        ctx.t_with(&self.message_id, &args)
    }

    /// The style class of the message.
    pub fn class(&self) -> &'static str {
        match self.kind {
            FlashKind::Success => "flash flash-success",
            FlashKind::Error => "flash flash-error",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    Success,
    Error,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

pub struct Ctx {
    pub app: Arc<AppState>,
    pub user: Option<CurrentUser>,
    pub tr: Tr,
    pub csrf_token: String,
    pub request_id: String,
    /// Path and query of this request, for links back here (language switch).
    pub here: String,
    pub flashes: Vec<Flash>,
    pub session: Session,
    pub method_is_get: bool,
    /// The client's address: the peer, or whom a trusted proxy forwarded for.
    pub client: String,
    /// The browser's `User-Agent` (at most 300 characters), to name a session's device.
    pub user_agent: String,
}

/// The error summary at the top of a form: each message in the reader's language, a field's
/// linked to it.
pub struct ErrorSummary {
    pub items: Vec<(Option<&'static str>, String)>,
}

impl ErrorSummary {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// Nothing to focus on a field: the summary itself takes the focus.
    pub fn focus_self(&self) -> bool {
        self.items.iter().all(|(field, _)| field.is_none())
    }
}

impl Ctx {
    pub fn t(&self, id: &str) -> String {
        self.tr.t(id)
    }

    /// The summary of a form's errors, after a problem already put in words (if any).
    pub fn summary_with(&self, errors: &FormErrors, problem: &Option<String>) -> ErrorSummary {
        let mut items: Vec<(Option<&'static str>, String)> = Vec::new();
        items.extend(problem.iter().map(|p| (None, p.clone())));
        items.extend(errors.problem().map(|p| (None, self.t(p))));
        items.extend(errors.iter().map(|(f, m)| (Some(*f), self.t(m))));
        ErrorSummary { items }
    }

    /// The summary of a form's errors, with a problem given as a message id (if any).
    pub fn summary_of(&self, errors: &FormErrors, problem: &Option<&'static str>) -> ErrorSummary {
        self.summary_with(errors, &problem.map(|p| self.t(p)))
    }

    /// The summary of a problem with a whole form, as a message id.
    pub fn summary_id(&self, problem: &Option<&'static str>) -> ErrorSummary {
        self.summary_of(&FormErrors::default(), problem)
    }

    /// The summary of a problem with a whole form, already in words.
    pub fn summary_text(&self, problem: &Option<String>) -> ErrorSummary {
        self.summary_with(&FormErrors::default(), problem)
    }

    pub fn summary(&self, errors: &FormErrors) -> ErrorSummary {
        self.summary_with(errors, &None)
    }

    pub fn t_with(&self, id: &str, args: &[(&str, &str)]) -> String {
        self.tr.t_with(id, args)
    }

    pub fn lang(&self) -> &'static str {
        self.tr.lang.as_str()
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.app.clock.now()
    }

    /// Today in the team's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.app.clock.today(self.app.config.time_zone)
    }

    /// The signed-in user; handlers behind a role guard can rely on it.
    pub fn user(&self) -> Result<&CurrentUser, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }

    pub fn user_id(&self) -> Option<i32> {
        self.user.as_ref().map(|u| u.id)
    }

    /// Date and time in the team's time zone, `YYYY-MM-DD HH:MM`.
    pub fn datetime(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        let local = at.with_timezone(&self.app.config.time_zone);
        format!(
            "{} {}",
            self.tr.date(local.date_naive()),
            local.format("%H:%M")
        )
    }

    /// The navigation for the user's role.
    pub fn nav(&self) -> Vec<NavItem> {
        let Some(user) = &self.user else {
            return Vec::new();
        };
        let path = self.here.split('?').next().unwrap_or("/");
        let mut items = vec![
            ("/", "nav-dashboard"),
            ("/leavers", "nav-leavers"),
            ("/allowances", "nav-allowances"),
            ("/reports/annual", "nav-report"),
        ];
        if user.role == Role::Finance {
            items.push(("/payments", "nav-payments"));
            items.push(("/budget", "nav-budget"));
        }
        if user.role == Role::Admin {
            items.push(("/admin/users", "nav-users"));
            items.push(("/admin/audit", "nav-audit"));
            items.push(("/admin/import", "nav-import"));
            items.push(("/admin/reminders", "nav-reminders"));
            items.push(("/admin/retention", "nav-retention"));
            items.push(("/admin/api-tokens", "nav-integrations"));
        }
        items.push(("/account", "nav-account"));
        items
            .into_iter()
            .map(|(href, id)| NavItem {
                href,
                label: self.t(id),
                current: if href == "/" {
                    path == "/"
                } else {
                    path.starts_with(href)
                },
            })
            .collect()
    }

    /// Shows a message on the next page.
    pub fn flash(&self, kind: FlashKind, message_id: &str) {
        let mut flashes: Vec<Flash> = self.session.get(SESSION_FLASH).unwrap_or_default();
        flashes.push(Flash {
            kind,
            message_id: message_id.to_string(),
            args: Vec::new(),
        });
        self.session.set(SESSION_FLASH, flashes);
    }

    pub fn flash_success(&self, message_id: &str) {
        self.flash(FlashKind::Success, message_id);
    }

    /// A success message with arguments, translated when shown.
    pub fn flash_success_with(&self, message_id: &str, args: &[(&str, &str)]) {
        let mut flashes: Vec<Flash> = self.session.get(SESSION_FLASH).unwrap_or_default();
        flashes.push(Flash {
            kind: FlashKind::Success,
            message_id: message_id.to_string(),
            args: args
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        });
        self.session.set(SESSION_FLASH, flashes);
    }

    pub fn flash_error(&self, message_id: &str) {
        self.flash(FlashKind::Error, message_id);
    }

    /// Records that this user is shown these leavers' personal data; the page must not be
    /// sent if this fails.
    pub async fn audit_view(&self, leaver_ids: Vec<i32>) -> Result<(), AppError> {
        let path = self.here.split('?').next().unwrap_or("/");
        self.app
            .read_audit
            .record(self.user_id(), "view", leaver_ids, path)
            .await
            .map_err(AppError::Internal)
    }

    /// The same for a file handed out (CSV, export).
    pub async fn audit_export(&self, leaver_ids: Vec<i32>) -> Result<(), AppError> {
        let path = self.here.split('?').next().unwrap_or("/");
        self.app
            .read_audit
            .record(self.user_id(), "export", leaver_ids, path)
            .await
            .map_err(AppError::Internal)
    }

    pub fn other_languages(&self) -> Vec<(&'static str, String)> {
        Lang::ALL
            .iter()
            .filter(|l| **l != self.tr.lang)
            .map(|l| (l.as_str(), self.t(&format!("language-{}", l.as_str()))))
            .collect()
    }
}

impl<'a> FromRequest<'a> for &'a Ctx {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        req.extensions()
            .get::<Arc<Ctx>>()
            .map(|c| c.as_ref())
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing")).into())
    }
}
