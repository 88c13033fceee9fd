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
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_sources(&Sources::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn debug_output_hides_passwords_in_urls() {
        let c = load(&[
            (
                "AFTERCARE_DATABASE_URL",
                "postgres://app:pg-s3cret@db.local:5432/aftercare",
            ),
            (
                "AFTERCARE_SMTP_URL",
                "smtps://mailer:smtp-s3cret@mail.local:465",
            ),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://app:***@db.local:5432/aftercare"),
            "{shown}"
        );
        assert!(
            shown.contains("smtps://mailer:***@mail.local:465"),
            "{shown}"
        );
    }

    #[test]
    fn redact_url_boundaries() {
        assert_eq!(
            redact_url("sqlite://./data/a.db?mode=rwc"),
            "sqlite://./data/a.db?mode=rwc"
        );
        assert_eq!(redact_url("smtp://user@host:25"), "smtp://user@host:25");
        assert_eq!(redact_url("smtp://u:p@ss@host"), "smtp://u:***@host");
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(redact_url("http://h/path@x:y"), "http://h/path@x:y");
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let c = load(&[(
            "AFTERCARE_TRUSTED_PROXIES",
            " 10.0.0.5, 192.168.0.0/24,::1 ",
        )])
        .unwrap();
        let shown: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["10.0.0.5/32", "192.168.0.0/24", "::1/128"]);
        let e = load(&[("AFTERCARE_TRUSTED_PROXIES", "10.0.0.5,proxy.local")])
            .err()
            .unwrap();
        assert_eq!(e.variable, "AFTERCARE_TRUSTED_PROXIES");
    }

    #[test]
    fn defaults_match_the_design() {
        let c = load(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.database_url, "sqlite://./data/aftercare.db?mode=rwc");
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
        assert_eq!(c.time_zone, chrono_tz::Asia::Tokyo);
        assert_eq!(c.reminder_cron, "0 0 7 * * *");
        assert!(!c.cookie_secure);
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.session_idle_minutes, 30);
        assert_eq!(c.session_absolute_hours, 12);
        assert_eq!(
            (
                c.login_max_failures,
                c.login_window_minutes,
                c.login_lockout_minutes
            ),
            (5, 15, 15)
        );
        assert_eq!(c.window_rules, WindowRules::default());
        assert_eq!(c.no_contact_days, 60);
        assert_eq!((c.youth_link_days, c.check_in_before_days), (30, 7));
        assert_eq!(c.team_contact, None);
        use crate::roles::Role;
        assert_eq!(c.mfa_required_roles, [Role::Admin, Role::Finance]);
        assert_eq!(
            (c.login_client_max_failures, c.login_account_max_failures),
            (20, 50)
        );
        assert!(c.trusted_proxies.is_empty());
        assert_eq!(c.max_extension_years, 5);
    }

    #[test]
    fn support_window_rules_are_settings() {
        let c = load(&[
            ("AFTERCARE_MAX_AGE", "20"),
            ("AFTERCARE_FISCAL_YEAR_START", "01-01"),
            ("AFTERCARE_SUPPORT_END_RULE", "day_before_birthday"),
        ])
        .unwrap();
        assert_eq!(
            c.window_rules,
            WindowRules {
                max_age: 20,
                fiscal_year_start: (1, 1),
                end_rule: EndRule::DayBeforeBirthday
            }
        );
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        for (var, value) in [
            ("AFTERCARE_LISTEN", "nowhere"),
            ("AFTERCARE_DATABASE_URL", "mysql://x"),
            ("AFTERCARE_BASE_URL", "ftp://x"),
            ("AFTERCARE_SMTP_URL", "http://mail"),
            ("AFTERCARE_SMTP_URL", "smtp://mail:notaport"),
            ("AFTERCARE_MAIL_FROM", "not an address"),
            ("AFTERCARE_TIME_ZONE", "Mars/Olympus"),
            ("AFTERCARE_REMINDER_CRON", "every morning"),
            ("AFTERCARE_COOKIE_SECURE", "maybe"),
            ("AFTERCARE_LOG_FORMAT", "xml"),
            ("AFTERCARE_SESSION_IDLE_MINUTES", "0"),
            ("AFTERCARE_LOGIN_MAX_FAILURES", "many"),
            ("AFTERCARE_MAX_AGE", "12"),
            ("AFTERCARE_FISCAL_YEAR_START", "02-29"),
            ("AFTERCARE_FISCAL_YEAR_START", "April"),
            ("AFTERCARE_SUPPORT_END_RULE", "never"),
        ] {
            let err = load(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var, "{var}");
            if value.len() > 2 {
                assert!(!err.to_string().contains(value), "value echoed for {var}");
            }
        }
    }

    #[test]
    fn toml_keys_are_the_variable_names_without_prefix() {
        let mut s = Sources::default();
        s.merge_toml("listen = \"0.0.0.0:9000\"\ncookie_secure = true\nsession_idle_minutes = 10")
            .unwrap();
        let c = Config::from_sources(&s).unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
        assert!(c.cookie_secure);
        assert_eq!(c.session_idle_minutes, 10);
    }

    #[test]
    fn data_dir_moves_the_default_database() {
        let c = load(&[("AFTERCARE_DATA_DIR", "/var/lib/aftercare")]).unwrap();
        assert_eq!(
            c.database_url,
            "sqlite:///var/lib/aftercare/aftercare.db?mode=rwc"
        );
        assert_eq!(c.outbox_dir(), PathBuf::from("/var/lib/aftercare/outbox"));
    }
}
