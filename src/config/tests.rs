//! The settings' defaults, bounds and sources.
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
