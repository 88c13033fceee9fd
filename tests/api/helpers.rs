//! The black-box harness: each test starts the real application on 127.0.0.1:0 with its own
//! fresh database (SQLite in a temporary folder, or a new PostgreSQL database when
//! `AFTERCARE_TEST_DATABASE_URL` names a server) and a clock the test moves.
use std::sync::Arc;

use aftercare::{
    app::Application,
    app::state::AppState,
    auth::password,
    clock::Clock,
    config::{Config, Sources},
    db,
    i18n::Lang,
    roles::Role,
    users::{
        forms::{Email, UserDetails},
        queries,
    },
};
use chrono::{TimeZone, Utc};
use reqwest::{StatusCode, redirect::Policy};
use sea_orm::{ConnectionTrait, Database};

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub clock: Clock,
    pub state: Arc<AppState>,
    pub setup_token: Option<String>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _data_dir: tempfile::TempDir,
}

pub struct TestUser {
    pub id: i32,
    pub email: String,
    pub password: String,
}

/// A fresh database URL: a temporary SQLite file, or a new database on the PostgreSQL server
/// named by `AFTERCARE_TEST_DATABASE_URL`.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("AFTERCARE_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => {
            let name = format!("aftercare_test_{}", aftercare::auth::tokens::random_hex(8));
            let admin = Database::connect(&server)
                .await
                .expect("connect to the test PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let (base, query) = match server.split_once('?') {
                Some((b, q)) => (b.to_string(), format!("?{q}")),
                None => (server.clone(), String::new()),
            };
            let (prefix, _) = base.rsplit_once('/').expect("database URL has a path");
            format!("{prefix}/{name}{query}")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.join("aftercare.db").display()),
    }
}

/// Everything the application logged during this test run (all tests share one process).
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogSink;

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,sqlx=warn,sea_orm=warn")
            .with_ansi(false)
            .with_writer(|| LogSink)
            .try_init();
    });
}

pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the app with extra settings, e.g. `[("AFTERCARE_SESSION_IDLE_MINUTES", "5")]`.
pub async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    capture_logs();
    let dir = tempfile::tempdir().expect("temporary folder");
    let database_url = fresh_database(dir.path()).await;
    let data_dir = dir.path().display().to_string();
    let mut pairs = vec![
        ("AFTERCARE_LISTEN", "127.0.0.1:0"),
        ("AFTERCARE_DATA_DIR", data_dir.as_str()),
        ("AFTERCARE_DATABASE_URL", database_url.as_str()),
        // Tests run the reminder job themselves, with the clock they control.
        ("AFTERCARE_SCHEDULER", "false"),
    ];
    // Tests that do not exercise the second factor sign in with a password only; those that
    // do name the roles (the product's default is admin,finance).
    if !settings
        .iter()
        .any(|(k, _)| *k == "AFTERCARE_MFA_REQUIRED_ROLES")
    {
        pairs.push(("AFTERCARE_MFA_REQUIRED_ROLES", "none"));
    }
    pairs.extend_from_slice(settings);
    let config = Config::from_sources(&Sources::from_pairs(pairs)).expect("test configuration");
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap());
    let app = Application::build(config, clock.clone())
        .await
        .expect("application starts");
    let address = format!("http://{}", app.local_addr());
    let state = app.state();
    let setup_token = app.setup_token().map(str::to_string);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp {
        address,
        clock,
        state,
        setup_token,
        shutdown: Some(tx),
        _data_dir: dir,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl TestApp {
    /// A browser: keeps cookies, does not follow redirects (tests look at them).
    pub fn browser(&self) -> Browser {
        Browser::at(&self.address)
    }

    /// Creates an account directly (as the command line does).
    pub async fn create_user(&self, role: Role, email: &str) -> TestUser {
        self.create_user_lang(role, email, Lang::En).await
    }

    pub async fn create_user_lang(&self, role: Role, email: &str, language: Lang) -> TestUser {
        let details = UserDetails {
            name: format!("{} user", role.as_str()),
            email: Email::parse(email).expect("valid email"),
            role,
            language,
        };
        let hash = password::hash(PASSWORD.into()).await.unwrap();
        let txn = db::begin_write(&self.state.db).await.unwrap();
        let user = queries::create(&txn, self.clock.now(), None, "create", &details, hash)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        TestUser {
            id: user.id,
            email: user.email,
            password: PASSWORD.into(),
        }
    }

    /// A browser signed in as a new user of `role`.
    pub async fn signed_in(&self, role: Role) -> (Browser, TestUser) {
        let email = format!(
            "{}-{}@example.jp",
            role.as_str(),
            aftercare::auth::tokens::random_hex(3)
        );
        let user = self.create_user(role, &email).await;
        let browser = self.browser();
        let resp = browser.login(&user.email, &user.password).await;
        assert_eq!(
            resp.status,
            StatusCode::SEE_OTHER,
            "sign-in of {email}: {}",
            resp.body
        );
        (browser, user)
    }

    /// Audit rows as (action, entity, entity_id, actor_id, summary), oldest first.
    pub async fn audit_rows(&self) -> Vec<(String, String, Option<i64>, Option<i32>, String)> {
        use sea_orm::{EntityTrait, QueryOrder};
        entity::audit_log::Entity::find()
            .order_by_asc(entity::audit_log::Column::Id)
            .all(&self.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.entity, e.entity_id, e.actor_id, e.summary))
            .collect()
    }
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of the first `name="csrf_token"` field on the page.
    pub fn csrf_token(&self) -> String {
        field_value(&self.body, "csrf_token").expect("the page has a CSRF token")
    }

    /// A redirect to exactly `location`.
    #[track_caller]
    pub fn assert_redirect_to(&self, location: &str) {
        assert_eq!(
            self.redirect_location(),
            location,
            "redirected elsewhere than expected"
        );
    }

    /// A redirect to a page of the site under `path` (`/allowances/` and a new id, say).
    #[track_caller]
    pub fn assert_redirect_under(&self, path: &str) {
        assert!(path.starts_with('/') && !path.starts_with("//"));
        let loc = self.redirect_location();
        assert!(
            loc.starts_with(path) && !loc[path.len()..].contains("//"),
            "redirected to {loc}, expected a page under {path}"
        );
    }

    #[track_caller]
    pub fn redirect_location(&self) -> &str {
        assert!(
            self.status.is_redirection(),
            "expected a redirect, got {}: {}",
            self.status,
            self.body
        );
        self.location.as_deref().unwrap_or("")
    }
}

/// The `value` of the input named `name` (first occurrence).
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&#43;", "+")
            .replace("&#47;", "/")
            .replace("&#61;", "=")
            .replace("&amp;", "&"),
    )
}

/// The text between the first `start` and the next `end` after it.
pub fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = html.find(start)? + start.len();
    let to = html[from..].find(end)? + from;
    Some(&html[from..to])
}

pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
}

impl Browser {
    /// A browser for the site at `base` (`http://127.0.0.1:PORT`), e.g. a server the test
    /// started as a process.
    pub fn at(base: &str) -> Browser {
        Self::build(base, reqwest::header::HeaderMap::new())
    }

    /// A browser behind a proxy that says it forwards for `client` (`X-Forwarded-For`).
    pub fn forwarded_for(base: &str, client: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", client.parse().unwrap());
        Self::build(base, headers)
    }

    /// A browser that names itself (`User-Agent`).
    pub fn with_user_agent(base: &str, user_agent: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("user-agent", user_agent.parse().unwrap());
        Self::build(base, headers)
    }

    fn build(base: &str, headers: reqwest::header::HeaderMap) -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        Browser {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(Policy::none())
                .default_headers(headers)
                .build()
                .expect("http client"),
            jar,
        }
    }

    /// The bytes of a file the site hands out (a CSV, a ZIP).
    pub async fn download(&self, path: &str) -> Vec<u8> {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    }

    /// The value of a cookie the browser holds for the site.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = reqwest::Url::parse(&self.base).unwrap();
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split("; ").find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    async fn read(resp: reqwest::Response) -> Page {
        Page {
            status: resp.status(),
            location: resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            headers: resp.headers().clone(),
            body: resp.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::read(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn get_with_language(&self, path: &str, accept_language: &str) -> Page {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header("Accept-Language", accept_language)
            .send()
            .await
            .unwrap();
        Self::read(resp).await
    }

    /// Posts exactly these fields (no CSRF token is added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap();
        Self::read(resp).await
    }

    /// Opens `page`, takes the CSRF token from its form, and posts to `action` a form body
    /// written by hand after the token (`&field=value…`, percent-encoded as the test wants:
    /// bytes that are not UTF-8, say).
    pub async fn submit_encoded(&self, page: &str, action: &str, rest: &str) -> Page {
        let token = self.get(page).await.csrf_token();
        let token = serde_urlencoded::to_string([("csrf_token", token.as_str())]).unwrap();
        let resp = self
            .http
            .post(format!("{}{action}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("{token}{rest}"))
            .send()
            .await
            .unwrap();
        Self::read(resp).await
    }

    /// Opens `page`, takes the CSRF token from its form, and posts `fields` to `action`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(page).await.csrf_token();
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    /// Posts `fields` to `action` with a CSRF token from a page of the site (every page's
    /// layout has one: the dashboard when signed in, else the sign-in page).
    pub async fn post(&self, action: &str, fields: &[(&str, &str)]) -> Page {
        let home = self.get("/").await;
        let page = if home.status == StatusCode::OK {
            "/"
        } else {
            "/login"
        };
        self.submit(page, action, fields).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Page {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

/// A complete, valid leaver form (DESIGN 2.2 field names).
pub fn leaver_fields(case_number: &str) -> Vec<(&'static str, String)> {
    vec![
        ("case_number", case_number.to_string()),
        ("family_name", "山田".into()),
        ("given_name", "花子".into()),
        ("family_name_kana", "やまだ".into()),
        ("given_name_kana", "ハナコ".into()),
        ("date_of_birth", "2006-04-02".into()),
        ("placement_type", "childrens_home".into()),
        ("placement_ended_on", "2024-03-31".into()),
        (
            "living_situation",
            "Shares a flat near Sapporo station".into(),
        ),
        ("email", "hanako@example.jp".into()),
        ("phone", "011-222-3333".into()),
        ("address", "札幌市中央区北1条西2丁目".into()),
        ("contact_consent", "on".into()),
        ("notes", "Prefers evening calls".into()),
    ]
}

impl TestApp {
    /// Stores a leaver directly (as an import would), with `changes` applied to the
    /// standard fields.
    pub async fn create_leaver(
        &self,
        case_number: &str,
        coordinator: Option<i32>,
        changes: &[(&str, &str)],
    ) -> entity::leavers::Model {
        use aftercare::leavers::{forms::LeaverForm, queries};
        let mut fields: std::collections::BTreeMap<&str, String> =
            leaver_fields(case_number).into_iter().collect();
        if let Some(c) = coordinator {
            fields.insert("coordinator_id", c.to_string());
        }
        for (k, v) in changes {
            fields.insert(k, v.to_string());
        }
        let form: LeaverForm =
            serde_urlencoded::from_str(&serde_urlencoded::to_string(&fields).unwrap()).unwrap();
        let today = self.clock.today(self.state.config.time_zone);
        let mut errors = aftercare::web::forms::FormErrors::default();
        let input = form
            .parse(today, &mut errors)
            .unwrap_or_else(|| panic!("{errors:?}"));
        let txn = db::begin_write(&self.state.db).await.unwrap();
        let saved = queries::create(
            &txn,
            self.clock.now(),
            None,
            &input,
            &self.state.config.window_rules,
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        saved
    }

    /// Creates a record as if it had been entered `days` ago (some dates may not be earlier
    /// than the record itself).
    pub async fn create_leaver_days_ago(
        &self,
        days: i64,
        case_number: &str,
        coordinator: Option<i32>,
        changes: &[(&str, &str)],
    ) -> entity::leavers::Model {
        let now = self.clock.now();
        self.clock.set(now - chrono::Duration::days(days));
        let l = self.create_leaver(case_number, coordinator, changes).await;
        self.clock.set(now);
        l
    }

    /// Closes a record as if it had been closed on `on` (a past day: retention counts from it).
    pub async fn close_leaver(&self, id: i32, on: &str) {
        use aftercare::leavers::{
            queries::{self, StatusChange},
            rules::Status,
        };
        let version = queries::get(&self.state.db, id)
            .await
            .unwrap()
            .unwrap()
            .version;
        let txn = db::begin_write(&self.state.db).await.unwrap();
        queries::change_status(
            &txn,
            self.clock.now(),
            on.parse().unwrap(),
            None,
            id,
            &StatusChange {
                version,
                to: Status::Closed,
                reason: Some("moved away"),
            },
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
    }
}

pub fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

impl TestApp {
    /// Stores a consultation directly. `held_at` is local time `YYYY-MM-DDTHH:MM`.
    pub async fn record_consultation(
        &self,
        leaver_id: i32,
        by: i32,
        held_at: &str,
        status: &str,
        channel: &str,
        follow_up: Option<&str>,
    ) -> entity::consultations::Model {
        use aftercare::consultations::{
            forms::{ConsultationInput, parse_local_datetime},
            queries,
            rules::{Channel, Status},
        };
        let input = ConsultationInput {
            held_at: parse_local_datetime(held_at, self.state.config.time_zone).unwrap(),
            status: Status::parse(status).unwrap(),
            channel: Channel::parse(channel).unwrap(),
            topics: Vec::new(),
            summary: Some(format!("summary of {held_at}")),
            next_follow_up_on: follow_up.map(|d| d.parse().unwrap()),
        };
        let txn = db::begin_write(&self.state.db).await.unwrap();
        let saved = queries::create(&txn, self.clock.now(), by, leaver_id, &input)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        saved
    }
}

impl TestApp {
    /// A draft housing request of ¥30,000 a month for 2026-12 to 2027-01, by `by`.
    pub async fn create_allowance(&self, leaver_id: i32, by: i32) -> entity::allowances::Model {
        use aftercare::allowances::{forms::AllowanceInput, queries, rules::Kind};
        use aftercare::clock::Month;
        let leaver = aftercare::leavers::queries::get(&self.state.db, leaver_id)
            .await
            .unwrap()
            .unwrap();
        let input = AllowanceInput {
            kind: Kind::Housing,
            monthly_amount: aftercare::i18n::Yen(30_000),
            start: Month::parse("2026-12").unwrap(),
            end: Month::parse("2027-01").unwrap(),
            reason: "Rent".into(),
        };
        let txn = db::begin_write(&self.state.db).await.unwrap();
        let saved = queries::create(&txn, self.clock.now(), by, &leaver, &input)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        saved
    }
}

impl TestApp {
    /// A proposed extension to 2030-03-31, by `by`.
    pub async fn create_extension(&self, leaver_id: i32, by: i32) -> entity::extensions::Model {
        use aftercare::extensions::{queries, rules::Reason};
        let proposal = queries::Proposal {
            new_end_on: "2030-03-31".parse().unwrap(),
            reason: Reason::Studying,
            reason_detail: None,
            review_on: "2027-03-31".parse().unwrap(),
        };
        let txn = db::begin_write(&self.state.db).await.unwrap();
        let saved = queries::propose(&txn, self.clock.now(), by, leaver_id, &proposal)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        saved
    }
}

impl TestApp {
    /// A draft support plan, started by `by`.
    pub async fn create_plan(&self, leaver_id: i32, by: i32) -> entity::plans::Model {
        use aftercare::plans::queries;
        let txn = db::begin_write(&self.state.db).await.unwrap();
        let new = queries::NewPlan {
            leaver_id,
            wishes: "A flat of my own",
            review_on: None,
            from: None,
        };
        let today = self.clock.today(self.state.config.time_zone);
        let saved = queries::start(&txn, self.clock.now(), today, by, &new)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        saved
    }

    /// A draft plan with one goal, ready to be agreed (its version counts the goal).
    pub async fn create_plan_with_goal(&self, leaver_id: i32, by: i32) -> entity::plans::Model {
        use aftercare::plans::queries;
        let plan = self.create_plan(leaver_id, by).await;
        let txn = db::begin_write(&self.state.db).await.unwrap();
        let goal = queries::NewGoal {
            domain: entity::consultation_topics::Topic::Housing,
            goal: "Find a flat".into(),
            actions: None,
            target_on: plan.started_on + chrono::Days::new(90),
        };
        queries::add_goal(&txn, self.clock.now(), by, &plan, &goal)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        queries::get(&self.state.db, plan.id)
            .await
            .unwrap()
            .unwrap()
    }
}

/// Case numbers listed in the dashboard widget with this id.
pub fn listed(body: &str, widget: &str) -> Vec<String> {
    let start = body
        .find(&format!("id=\"{widget}\""))
        .unwrap_or_else(|| panic!("no widget {widget}"));
    let section = &body[start..];
    let section = &section[..section.find("</section>").unwrap()];
    section
        .split("<li><a href=\"/leavers/")
        .skip(1)
        .map(|s| {
            s.split('>')
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}
