use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok_after_a_database_round_trip() {
    let app = spawn_app().await;
    let page = app.browser().get("/healthz").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body, "ok");
}

#[tokio::test]
async fn healthz_answers_503_when_the_database_does_not() {
    let app = spawn_app().await;
    app.state.db.close_by_ref().await.unwrap();
    let page = app.browser().get("/healthz").await;
    assert_eq!(page.status, 503);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let browser = app.browser();
    for path in [
        "/login",
        "/healthz",
        "/no-such-page",
        "/admin/users",
        "/static/app.css",
    ] {
        let page = browser.get(path).await;
        let h = |name: &str| {
            page.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{path} lacks {name}"))
                .to_string()
        };
        let csp = h("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(h("x-content-type-options"), "nosniff");
        assert_eq!(h("referrer-policy"), "no-referrer");
    }
}

#[tokio::test]
async fn unknown_pages_get_the_404_page_in_the_layout() {
    let app = spawn_app().await;
    let page = app.browser().get("/no-such-page").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Page not found"));
    assert!(page.body.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn an_internal_error_shows_only_a_request_id_and_logs_the_details_under_it() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(aftercare::roles::Role::Coordinator).await;
    app.state.db.close_by_ref().await.unwrap();
    let page = browser.get_account().await;
    assert_eq!(page.status, 500);
    assert!(page.body.contains("Something went wrong"));
    let id = page
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        page.body.contains(&format!("<code>{id}</code>")),
        "{}",
        page.body
    );
    for detail in ["pool", "Pool", "sqlx", "DbErr", "Connection", "panicked"] {
        assert!(!page.body.contains(detail), "the page leaks {detail}");
    }
    let logs = crate::helpers::captured_logs();
    let line = logs
        .lines()
        .find(|l| l.contains(&id) && l.contains("ERROR"))
        .unwrap_or_else(|| panic!("no error logged under {id}"));
    assert!(
        line.to_lowercase().contains("pool") || line.contains("database"),
        "{line}"
    );
}

/// While the database refuses writes, the health check says so, and recovers with it.
#[tokio::test]
async fn healthz_answers_503_while_the_database_refuses_writes() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let browser = app.browser();
    assert_eq!(browser.get("/healthz").await.status, 200);
    let (create, drop) = if app.state.config.is_sqlite() {
        (
            "CREATE TRIGGER refuse_writes BEFORE UPDATE ON health_checks \
             BEGIN SELECT RAISE(ABORT, 'read-only'); END",
            "DROP TRIGGER refuse_writes",
        )
    } else {
        (
            "CREATE RULE refuse_writes AS ON UPDATE TO health_checks DO INSTEAD \
             SELECT 1/0",
            "DROP RULE refuse_writes ON health_checks",
        )
    };
    app.state.db.execute_unprepared(create).await.unwrap();
    assert_eq!(browser.get("/healthz").await.status, 503);
    app.state.db.execute_unprepared(drop).await.unwrap();
    assert_eq!(browser.get("/healthz").await.status, 200);
}
