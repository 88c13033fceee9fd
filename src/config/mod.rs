//! Reads the `AFTERCARE_*` settings once into a typed `Config`; errors name the variable.
use std::{net::SocketAddr, path::PathBuf, str::FromStr};

use chrono_tz::Tz;

use crate::leavers::window::{EndRule, WindowRules};

mod sources;

pub use sources::{ConfigError, Sources};
use sources::{invalid, parse_bool, parse_mfa_roles, parse_networks, parse_positive};

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub base_url: String,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub time_zone: Tz,
    pub reminder_cron: String,
    pub cookie_secure: bool,
    pub log_format: LogFormat,
    pub session_idle_minutes: u32,
    pub session_absolute_hours: u32,
    pub login_max_failures: u32,
    pub login_window_minutes: u32,
    pub login_lockout_minutes: u32,
    /// Failures from one client address, on any accounts, that pause its sign-ins
    /// (`AFTERCARE_LOGIN_CLIENT_MAX_FAILURES`, 20).
    pub login_client_max_failures: u32,
    /// Failures on one account, from any clients, that pause all its sign-ins: the backstop
    /// (`AFTERCARE_LOGIN_ACCOUNT_MAX_FAILURES`, 50).
    pub login_account_max_failures: u32,
    /// Proxies whose `X-Forwarded-For` names the client (`AFTERCARE_TRUSTED_PROXIES`: addresses
    /// or networks, comma-separated; none by default, when the peer address is the client).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Years after the usual end of support that an extension may reach
    /// (`AFTERCARE_MAX_EXTENSION_YEARS`, 5).
    pub max_extension_years: u32,
    /// Support window rules: `AFTERCARE_MAX_AGE`, `AFTERCARE_FISCAL_YEAR_START`,
    /// `AFTERCARE_SUPPORT_END_RULE`.
    pub window_rules: WindowRules,
    /// Days without a held consultation before an active leaver is flagged
    /// (`AFTERCARE_NO_CONTACT_DAYS`).
    pub no_contact_days: u32,
    /// Monthly caps in whole yen (`AFTERCARE_HOUSING_CAP`, `AFTERCARE_LIVING_CAP`).
    pub allowance_caps: crate::allowances::rules::Caps,
    /// Days before a follow-up it is announced (`AFTERCARE_FOLLOW_UP_LEAD_DAYS`).
    pub follow_up_lead_days: u32,
    /// Whether `serve` runs the reminder scheduler (`AFTERCARE_SCHEDULER`, default true).
    pub scheduler: bool,
    /// The default contact cadence in days (`AFTERCARE_CONTACT_EVERY_DAYS`, 56).
    pub contact_every_days: u32,
    /// Days past the cadence before admins are told (`AFTERCARE_ESCALATION_DAYS`, 14).
    pub escalation_days: u32,
    /// Months after agreement a plan is reviewed (`AFTERCARE_PLAN_REVIEW_MONTHS`, 6).
    pub plan_review_months: u32,
    /// Report cells counting fewer people read `<N` (`AFTERCARE_REPORT_MIN_CELL`, 3).
    pub report_min_cell: u32,
    /// Years personal data is kept after support ended and the record closed
    /// (`AFTERCARE_RETENTION_YEARS`, 5).
    pub retention_years: u32,
    /// Days to answer a disclosure request, counted from the next day
    /// (`AFTERCARE_DISCLOSURE_DAYS`, 14).
    pub disclosure_days: u32,
    /// When the scheduled backup runs (`AFTERCARE_BACKUP_CRON`, 02:00 daily).
    pub backup_cron: String,
    /// Days a young person's personal link works (`AFTERCARE_YOUTH_LINK_DAYS`, 30).
    pub youth_link_days: u32,
    /// Days before a person's contact cadence lapses that the `check_in` rule asks them how
    /// they are (`AFTERCARE_CHECK_IN_BEFORE_DAYS`, 7).
    pub check_in_before_days: u32,
    /// The team's phone and address as shown to young people (`AFTERCARE_TEAM_CONTACT`).
    pub team_contact: Option<String>,
    /// Roles that must sign in with a second factor (`AFTERCARE_MFA_REQUIRED_ROLES`:
    /// `admin,finance` by default, `all`, `none`, or a list of roles).
    pub mfa_required_roles: Vec<crate::roles::Role>,
    /// The key that encrypts stored secrets (`AFTERCARE_SECRET_KEY`: 64 hex digits); when
    /// unset, a key is created once in the data folder (`secret.key`, mode 0600).
    pub secret_key: Option<String>,
    /// The bearer token that opens `/metrics` (`AFTERCARE_METRICS_TOKEN`; unset: no `/metrics`).
    pub metrics_token: Option<String>,
    /// A separate address that serves only `/metrics`, without a token
    /// (`AFTERCARE_METRICS_LISTEN`); when set, the main address has no `/metrics`.
    pub metrics_listen: Option<SocketAddr>,
}

/// Written by hand so that a logged `Config` never shows the passwords inside the
/// database or SMTP URLs.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("base_url", &self.base_url)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .field("time_zone", &self.time_zone)
            .field("reminder_cron", &self.reminder_cron)
            .field("backup_cron", &self.backup_cron)
            .field("cookie_secure", &self.cookie_secure)
            .field("log_format", &self.log_format)
            .field("scheduler", &self.scheduler)
            .finish_non_exhaustive()
    }
}

/// `scheme://user:password@host/...` becomes `scheme://user:***@host/...`.
fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

fn parse_window_rules(s: &Sources) -> Result<WindowRules, ConfigError> {
    let defaults = WindowRules::default();
    let max_age: u32 = s.parse("MAX_AGE", defaults.max_age, "an age from 18 to 30")?;
    if !(18..=30).contains(&max_age) {
        return Err(invalid("MAX_AGE", "an age from 18 to 30"));
    }
    let fiscal_year_start = match s.get("FISCAL_YEAR_START") {
        None => defaults.fiscal_year_start,
        Some(raw) => {
            let parsed = raw.split_once('-').and_then(|(m, d)| {
                let (m, d) = (m.parse::<u32>().ok()?, d.parse::<u32>().ok()?);
                // A month and day that exist every year: 2023 is a common year.
                chrono::NaiveDate::from_ymd_opt(2023, m, d).map(|_| (m, d))
            });
            parsed.ok_or_else(|| invalid("FISCAL_YEAR_START", "a month and day such as 04-01"))?
        }
    };
    let end_rule = match s.get("SUPPORT_END_RULE") {
        None | Some("fiscal_year") => EndRule::FiscalYearEnd,
        Some("day_before_birthday") => EndRule::DayBeforeBirthday,
        Some(_) => {
            return Err(invalid(
                "SUPPORT_END_RULE",
                "fiscal_year or day_before_birthday",
            ));
        }
    };
    Ok(WindowRules {
        max_age,
        fiscal_year_start,
        end_rule,
    })
}

impl Config {
    pub fn from_environment() -> Result<Self, ConfigError> {
        Self::from_sources(&Sources::from_environment()?)
    }

    pub fn from_sources(s: &Sources) -> Result<Self, ConfigError> {
        let listen = s.parse(
            "LISTEN",
            SocketAddr::from(([127, 0, 0, 1], 8080)),
            "an address such as 127.0.0.1:8080",
        )?;
        let data_dir = PathBuf::from(s.get("DATA_DIR").unwrap_or("./data"));
        let database_url = match s.get("DATABASE_URL") {
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("aftercare.db").display()
            ),
            Some(url)
                if url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://") =>
            {
                url.to_string()
            }
            Some(_) => {
                return Err(invalid("DATABASE_URL", "a sqlite: or postgres:// URL"));
            }
        };
        let base_url = s
            .get("BASE_URL")
            .unwrap_or("http://127.0.0.1:8080")
            .trim_end_matches('/')
            .to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://"))
            || base_url.len() <= "https://".len()
        {
            return Err(invalid("BASE_URL", "an http:// or https:// address"));
        }
        let smtp_url = s.get("SMTP_URL").map(str::to_string);
        if let Some(url) = &smtp_url
            && (!(url.starts_with("smtp://") || url.starts_with("smtps://"))
                || lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).is_err())
        {
            return Err(invalid("SMTP_URL", "an smtp:// or smtps:// URL"));
        }
        let mail_from = s
            .get("MAIL_FROM")
            .unwrap_or("aftercare@localhost")
            .to_string();
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(invalid("MAIL_FROM", "an email address"));
        }
        let time_zone = s.parse(
            "TIME_ZONE",
            chrono_tz::Asia::Tokyo,
            "a time zone such as Asia/Tokyo",
        )?;
        let reminder_cron = s.get("REMINDER_CRON").unwrap_or("0 0 7 * * *").to_string();
        if cron::Schedule::from_str(&reminder_cron).is_err() {
            return Err(invalid(
                "REMINDER_CRON",
                "a cron expression with seconds first, such as 0 0 7 * * *",
            ));
        }
        let cookie_secure = parse_bool(s, "COOKIE_SECURE", false)?;
        let log_format = match s.get("LOG_FORMAT").map(|v| v.to_ascii_lowercase()) {
            None => LogFormat::Pretty,
            Some(v) if v == "pretty" => LogFormat::Pretty,
            Some(v) if v == "json" => LogFormat::Json,
            Some(_) => return Err(invalid("LOG_FORMAT", "pretty or json")),
        };
        let window_rules = parse_window_rules(s)?;
        Ok(Config {
            window_rules,
            no_contact_days: parse_positive(s, "NO_CONTACT_DAYS", 60, 3660)?,
            follow_up_lead_days: s
                .parse("FOLLOW_UP_LEAD_DAYS", 1u32, "a number of days from 0 to 30")
                .ok()
                .filter(|d| *d <= 30)
                .ok_or_else(|| invalid("FOLLOW_UP_LEAD_DAYS", "a number of days from 0 to 30"))?,
            scheduler: parse_bool(s, "SCHEDULER", true)?,
            contact_every_days: parse_positive(s, "CONTACT_EVERY_DAYS", 56, 365)?,
            escalation_days: parse_positive(s, "ESCALATION_DAYS", 14, 365)?,
            plan_review_months: parse_positive(s, "PLAN_REVIEW_MONTHS", 6, 60)?,
            report_min_cell: parse_positive(s, "REPORT_MIN_CELL", 3, 100)?,
            retention_years: parse_positive(s, "RETENTION_YEARS", 5, 100)?,
            disclosure_days: parse_positive(s, "DISCLOSURE_DAYS", 14, 365)?,
            backup_cron: {
                let cron = s.get("BACKUP_CRON").unwrap_or("0 0 2 * * *").to_string();
                if cron::Schedule::from_str(&cron).is_err() {
                    return Err(invalid(
                        "BACKUP_CRON",
                        "a cron expression with seconds first, such as 0 0 2 * * *",
                    ));
                }
                cron
            },
            allowance_caps: crate::allowances::rules::Caps {
                housing: entity::money::Yen(
                    parse_positive(s, "HOUSING_CAP", 50_000, 10_000_000)?.into(),
                ),
                living: entity::money::Yen(
                    parse_positive(s, "LIVING_CAP", 50_000, 10_000_000)?.into(),
                ),
            },
            listen,
            data_dir,
            database_url,
            base_url,
            smtp_url,
            mail_from,
            time_zone,
            reminder_cron,
            cookie_secure,
            log_format,
            session_idle_minutes: parse_positive(s, "SESSION_IDLE_MINUTES", 30, 24 * 60)?,
            session_absolute_hours: parse_positive(s, "SESSION_ABSOLUTE_HOURS", 12, 24 * 7)?,
            login_max_failures: parse_positive(s, "LOGIN_MAX_FAILURES", 5, 100)?,
            login_window_minutes: parse_positive(s, "LOGIN_WINDOW_MINUTES", 15, 24 * 60)?,
            login_lockout_minutes: parse_positive(s, "LOGIN_LOCKOUT_MINUTES", 15, 24 * 60)?,
            login_client_max_failures: parse_positive(s, "LOGIN_CLIENT_MAX_FAILURES", 20, 10_000)?,
            login_account_max_failures: parse_positive(
                s,
                "LOGIN_ACCOUNT_MAX_FAILURES",
                50,
                10_000,
            )?,
            trusted_proxies: parse_networks(s, "TRUSTED_PROXIES")?,
            max_extension_years: parse_positive(s, "MAX_EXTENSION_YEARS", 5, 30)?,
            youth_link_days: parse_positive(s, "YOUTH_LINK_DAYS", 30, 365)?,
            check_in_before_days: parse_positive(s, "CHECK_IN_BEFORE_DAYS", 7, 365)?,
            mfa_required_roles: parse_mfa_roles(s.get("MFA_REQUIRED_ROLES")).ok_or_else(|| {
                invalid(
                    "MFA_REQUIRED_ROLES",
                    "all, none, or roles separated by commas (admin, finance, coordinator)",
                )
            })?,
            secret_key: match s.get("SECRET_KEY").map(str::trim) {
                None | Some("") => None,
                Some(k) if k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    Some(k.to_string())
                }
                Some(_) => return Err(invalid("SECRET_KEY", "64 hexadecimal digits (32 bytes)")),
            },
            metrics_token: match s.get("METRICS_TOKEN").map(str::trim) {
                None | Some("") => None,
                Some(t) if t.len() >= 16 => Some(t.to_string()),
                Some(_) => {
                    return Err(invalid("METRICS_TOKEN", "a token of 16 characters or more"));
                }
            },
            metrics_listen: match s.get("METRICS_LISTEN").map(str::trim) {
                None | Some("") => None,
                Some(a) => {
                    Some(a.parse().map_err(|_| {
                        invalid("METRICS_LISTEN", "an address such as 127.0.0.1:9464")
                    })?)
                }
            },
            team_contact: s
                .get("TEAM_CONTACT")
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| v.chars().take(500).collect()),
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// Folder where emails are written as `.eml` files when no SMTP server is configured.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

#[cfg(test)]
mod tests;
