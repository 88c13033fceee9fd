//! `/metrics`: Prometheus text behind a bearer token, with the figures an operator alerts on.
use aftercare::roles::Role;
use reqwest::StatusCode;

use crate::helpers::{spawn_app, spawn_app_with};

const TOKEN: &str = "a-metrics-token-for-tests";

async fn scrape(address: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut request = reqwest::Client::new().get(format!("{address}/metrics"));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let resp = request.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn metrics_exist_only_with_a_token_and_answer_only_to_it() {
    let app = spawn_app().await;
    assert_eq!(
        scrape(&app.address, Some(TOKEN)).await.0,
        StatusCode::NOT_FOUND
    );
    let app = spawn_app_with(&[("AFTERCARE_METRICS_TOKEN", TOKEN)]).await;
    assert_eq!(scrape(&app.address, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app.address, Some("a-wrong-token-of-length"))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(scrape(&app.address, Some(TOKEN)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_scrape_after_a_reminder_run_shows_requests_the_outbox_jobs_audit_and_pool() {
    let app = spawn_app_with(&[("AFTERCARE_METRICS_TOKEN", TOKEN)]).await;
    crate::reminders::one_follow_up_due_on_25_november(&app).await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    browser.get("/leavers?coordinator=all").await;
    let report = aftercare::reminders::run::run_for_day(&app.state, "2026-11-25".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(report.emails, 1);
    let (status, text) = scrape(&app.address, Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    for series in [
        "aftercare_http_requests_total{route=\"/leavers\",status=\"200\"}",
        "aftercare_http_request_duration_seconds_bucket{route=\"/leavers\"",
        "aftercare_outbox_emails{status=\"pending\"} 1",
        "aftercare_outbox_oldest_waiting_seconds",
        "aftercare_job_last_success_timestamp_seconds{job=\"reminders\"}",
        "aftercare_job_duration_seconds_count{job=\"reminders\"}",
        "aftercare_audit_batch_size_count",
        "aftercare_db_pool_connections{state=\"open\"}",
    ] {
        assert!(text.contains(series), "{series} missing from:\n{text}");
    }
    assert!(!text.contains("/leavers/1"), "ids are not labels");
}

#[tokio::test]
async fn a_separate_metrics_address_serves_them_there_only() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap().to_string();
    drop(free);
    let app = spawn_app_with(&[
        ("AFTERCARE_METRICS_TOKEN", TOKEN),
        ("AFTERCARE_METRICS_LISTEN", &addr),
    ])
    .await;
    assert_eq!(
        scrape(&app.address, Some(TOKEN)).await.0,
        StatusCode::NOT_FOUND
    );
    let mut answer = None;
    for _ in 0..50 {
        if let Ok(r) = reqwest::get(format!("http://{addr}/metrics")).await {
            answer = Some((r.status(), r.text().await.unwrap()));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (status, text) = answer.expect("the metrics address answers");
    assert_eq!(status, StatusCode::OK);
    for series in [
        "aftercare_webhook_deliveries{status=\"pending\"}",
        "aftercare_webhook_oldest_waiting_seconds",
        "aftercare_outbox_emails{status=\"pending\"}",
    ] {
        assert!(text.contains(series), "{series} missing");
    }
}
