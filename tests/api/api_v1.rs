//! The JSON API (`/api/v1`): tokens issued by admins, scopes, paging, ETags, problem
//! documents, the audit of every call, and the finance system reporting a payment paid.
use aftercare::{
    api::tokens::{self, NewToken, Scope},
    roles::Role,
};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

/// Issues a token directly (as the admin page does) and returns its secret.
pub async fn issue(app: &TestApp, name: &str, scopes: &[Scope]) -> String {
    let admin = app
        .create_user(
            Role::Admin,
            &format!("{}@example.jp", name.replace(' ', "-")),
        )
        .await;
    let txn = aftercare::db::begin_write(&app.state.db).await.unwrap();
    let (_, secret) = tokens::issue(
        &txn,
        app.clock.now(),
        admin.id,
        NewToken {
            name,
            scopes,
            last_day: app.clock.today(app.state.config.time_zone) + chrono::Days::new(29),
            expires_at: app.clock.now() + chrono::Duration::days(30),
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    secret
}

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub etag: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

pub async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", app.address);
    let mut req = match method {
        "POST" => client.post(url),
        _ => client.get(url),
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let content_type = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let etag = headers.get("etag").map(|v| v.to_str().unwrap().to_string());
    let text = resp.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        etag,
        headers,
        json,
    }
}

async fn get(app: &TestApp, path: &str, token: &str) -> Answer {
    call(app, "GET", path, Some(token), &[], None).await
}

#[tokio::test]
async fn an_admin_issues_a_token_that_is_shown_once_kept_hashed_and_revoked_at_once() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    assert_eq!(coordinator.get("/admin/api-tokens").await.status, 403);

    // Every problem at once, what was typed kept.
    let refused = admin
        .submit(
            "/admin/api-tokens",
            "/admin/api-tokens",
            &[("name", "Finance\u{200b}"), ("expires_on", "2020-01-01")],
        )
        .await;
    assert_eq!(refused.status, 422);
    for message in [
        "without hidden characters",
        "Choose at least one scope",
        "Enter a day after today",
    ] {
        assert!(refused.body.contains(message), "{message}");
    }
    assert!(refused.body.contains("value=\"2020-01-01\""));

    let issued = admin
        .submit(
            "/admin/api-tokens",
            "/admin/api-tokens",
            &[
                ("name", "Finance system"),
                ("scopes", "payments:read"),
                ("scopes", "leavers:read"),
                ("expires_on", "2027-03-31"),
            ],
        )
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let secret = crate::helpers::between(&issued.body, "<p class=\"api-secret\"><code>", "</code>")
        .expect("the secret is shown")
        .to_string();
    assert!(
        secret.starts_with("aftercare_") && secret.len() == 74,
        "{secret}"
    );
    // Shown once: the list does not show it again, and the database keeps only its digest.
    assert!(!admin.get("/admin/api-tokens").await.body.contains(&secret));
    let stored = entity::api_tokens::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].secret_hash,
        aftercare::auth::tokens::sha256_hex(&secret)
    );
    assert_eq!(stored[0].scopes, "leavers:read,payments:read");
    // The same name again is refused beside the field.
    let again = admin
        .submit(
            "/admin/api-tokens",
            "/admin/api-tokens",
            &[
                ("name", "Finance system"),
                ("scopes", "payments:read"),
                ("expires_on", "2027-03-31"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("A token already has this name"));

    assert_eq!(get(&app, "/api/v1/leavers", &secret).await.status, 200);
    let list = admin.get("/admin/api-tokens").await;
    assert!(!list.body.contains("Never"), "last use is shown");

    let revoked = admin
        .post(&format!("/admin/api-tokens/{}/revoke", stored[0].id), &[])
        .await;
    revoked.assert_redirect_to("/admin/api-tokens");
    let refused = get(&app, "/api/v1/leavers", &secret).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.content_type, "application/problem+json");
    assert_eq!(refused.json["status"], 401);

    // Issuing and revoking are audited, by the admin.
    let rows = app.audit_rows().await;
    assert!(
        rows.iter()
            .any(|r| r.0 == "create" && r.1 == "api_token" && r.3.is_some())
    );
    assert!(rows.iter().any(|r| r.0 == "revoke" && r.1 == "api_token"));
}

use sea_orm::EntityTrait;

#[tokio::test]
async fn an_integration_pages_through_the_register_and_each_call_is_audited_under_its_name() {
    let app = spawn_app().await;
    for i in 1..=5 {
        app.create_leaver(&format!("C-{i:03}"), None, &[]).await;
    }
    let reader = issue(&app, "Child guidance", &[Scope::LeaversRead]).await;
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/leavers?limit=2&cursor={c}"),
            None => "/api/v1/leavers?limit=2".into(),
        };
        let page = get(&app, &path, &reader).await;
        assert_eq!(page.status, 200);
        pages += 1;
        for item in page.json["items"].as_array().unwrap() {
            assert!(
                item.get("contact").is_none(),
                "no contact without the scope"
            );
            seen.push(item["case_number"].as_str().unwrap().to_string());
        }
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["C-001", "C-002", "C-003", "C-004", "C-005"]);

    let contact = issue(
        &app,
        "Contact reader",
        &[Scope::LeaversRead, Scope::LeaversContact],
    )
    .await;
    let one = get(&app, "/api/v1/leavers/1", &contact).await;
    assert_eq!(one.json["contact"]["phone"], "011-222-3333");

    // Filters as on the pages; a wrong one is a problem per field.
    let closed = get(&app, "/api/v1/leavers?status=closed", &reader).await;
    assert_eq!(closed.json["items"].as_array().unwrap().len(), 0);
    let bad = get(&app, "/api/v1/leavers?status=gone", &reader).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.content_type, "application/problem+json");
    assert_eq!(bad.json["errors"][0]["field"], "status");

    // Every call is recorded like a page view, with the token as its actor.
    let views: Vec<_> = app
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "view")
        .collect();
    assert!(views.iter().all(|r| r.3.is_none()));
    assert!(
        views
            .iter()
            .any(|r| r.4 == "GET /api/v1/leavers; token 1; leavers 1,2")
    );
    let (admin, _) = app.signed_in(Role::Admin).await;
    let log = admin.get("/admin/audit").await;
    let row =
        crate::helpers::between(&log.body, "GET /api/v1/leavers", "</tr>").unwrap_or_default();
    let before = log.body.split("GET /api/v1/leavers").next().unwrap();
    let cells = &before[before.rfind("<tr").unwrap()..];
    assert!(
        cells.contains("API token") && cells.contains("Child guidance"),
        "{cells}{row}"
    );
    assert!(
        !row.contains("token 1"),
        "the actor part is not repeated in the details"
    );
    let access = admin.get("/leavers/1/access-log").await;
    assert!(access.body.contains("Child guidance"));
}

#[tokio::test]
async fn scopes_tokens_and_paths_are_refused_with_problem_documents() {
    let app = spawn_app().await;
    let reader = issue(&app, "Reader", &[Scope::LeaversRead]).await;
    let forbidden = get(&app, "/api/v1/payments", &reader).await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.content_type, "application/problem+json");
    assert!(
        forbidden.json["detail"]
            .as_str()
            .unwrap()
            .contains("payments:read")
    );
    let none = call(&app, "GET", "/api/v1/leavers", None, &[], None).await;
    assert_eq!(none.status, 401);
    assert!(none.headers.contains_key("www-authenticate"));
    let wrong = get(
        &app,
        "/api/v1/leavers",
        &format!("aftercare_{}", "0".repeat(64)),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let missing = get(&app, "/api/v1/leavers/999", &reader).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.content_type, "application/problem+json");
    let nowhere = get(&app, "/api/v1/nothing-here", &reader).await;
    assert_eq!(nowhere.status, 404);
    assert_eq!(nowhere.content_type, "application/problem+json");
    let foreign_cursor = get(&app, "/api/v1/leavers?cursor=page-two", &reader).await;
    assert_eq!(foreign_cursor.status, 400);
    assert_eq!(foreign_cursor.content_type, "application/problem+json");
    let unreadable = get(&app, "/api/v1/leavers?limit=many", &reader).await;
    assert_eq!(unreadable.status, 400);
    assert_eq!(unreadable.content_type, "application/problem+json");
    // No token reaches a step of the separation of duties: there is no such operation.
    let approve = call(
        &app,
        "POST",
        "/api/v1/allowances/1/approve",
        Some(&reader),
        &[],
        None,
    )
    .await;
    assert_eq!(approve.status, 404);
    // An expired token opens nothing.
    app.clock.advance(chrono::Duration::days(31));
    assert_eq!(get(&app, "/api/v1/leavers", &reader).await.status, 401);
}

#[tokio::test]
async fn single_resources_carry_an_etag_and_answer_not_modified() {
    let app = spawn_app().await;
    let leaver = app.create_leaver("C-001", None, &[]).await;
    let reader = issue(&app, "Reader", &[Scope::LeaversRead]).await;
    let path = format!("/api/v1/leavers/{}", leaver.id);
    let first = get(&app, &path, &reader).await;
    let etag = first.etag.clone().expect("an ETag");
    let header = [("if-none-match", etag.as_str())];
    let if_none_match = || call(&app, "GET", &path, Some(&reader), &header, None);
    let again = if_none_match().await;
    assert_eq!(again.status, 304);
    app.close_leaver(leaver.id, "2026-11-01").await;
    let changed = if_none_match().await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed.json["status"], "closed");
    assert_ne!(changed.etag.unwrap(), etag);
}

/// An allowance approved by finance: its months are scheduled payments.
pub async fn scheduled_payments(app: &TestApp) -> Vec<entity::payments::Model> {
    let (coordinator, c) = app.signed_in(Role::Coordinator).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let leaver = app.create_leaver("C-001", Some(c.id), &[]).await;
    let a = app.create_allowance(leaver.id, c.id).await;
    coordinator.take_allowance_step(a.id, "submit", "").await;
    let approved = finance.take_allowance_step(a.id, "approve", "").await;
    approved.assert_redirect_to(&format!("/allowances/{}", a.id));
    entity::payments::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_finance_system_reports_a_payment_paid_once_with_the_rules_of_the_form() {
    let app = spawn_app().await;
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 1, 3, 0, 0).unwrap());
    let lines = scheduled_payments(&app).await;
    app.clock.advance(chrono::Duration::days(9));
    assert_eq!(lines.len(), 2);
    let reader = issue(&app, "Reader", &[Scope::PaymentsRead]).await;
    let finance = issue(
        &app,
        "Finance system",
        &[Scope::PaymentsRead, Scope::PaymentsWrite],
    )
    .await;
    let listed = get(
        &app,
        "/api/v1/payments?month=2026-12&status=scheduled",
        &finance,
    )
    .await;
    assert_eq!(listed.json["items"].as_array().unwrap().len(), 1);
    let id = listed.json["items"][0]["id"].as_i64().unwrap();
    let paid_path = format!("/api/v1/payments/{id}/paid");
    let post = |token: String, headers: Vec<(&'static str, String)>, body: Value| {
        let app = &app;
        let path = paid_path.clone();
        async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            call(app, "POST", &path, Some(&token), &h, Some(body)).await
        }
    };
    // Reading is not reporting.
    let no_scope = post(
        reader.clone(),
        vec![],
        serde_json::json!({"paid_on": "2026-12-09"}),
    )
    .await;
    assert_eq!(no_scope.status, 403);
    // The form's rules, each beside its field.
    for (paid_on, code) in [
        ("", "payments-paid-on-required"),
        ("the ninth", "payments-paid-on-invalid"),
        ("2026-12-11", "payments-paid-on-future"),
        ("2026-11-30", "payments-paid-on-before-scheduled"),
    ] {
        let refused = post(
            finance.clone(),
            vec![],
            serde_json::json!({ "paid_on": paid_on }),
        )
        .await;
        assert_eq!(refused.status, 422, "{paid_on}");
        assert_eq!(refused.json["errors"][0]["field"], "paid_on");
        assert_eq!(refused.json["errors"][0]["code"], code, "{paid_on}");
    }
    // A version read before it changed is refused.
    let etag = get(&app, &format!("/api/v1/payments/{id}"), &finance)
        .await
        .etag
        .unwrap();
    let stale = post(
        finance.clone(),
        vec![("if-match", "\"0000\"".to_string())],
        serde_json::json!({"paid_on": "2026-12-09"}),
    )
    .await;
    assert_eq!(stale.status, 412);
    let paid = post(
        finance.clone(),
        vec![("if-match", etag.clone())],
        serde_json::json!({"paid_on": "2026-12-09"}),
    )
    .await;
    assert_eq!(paid.status, 200, "{:?}", paid.json);
    assert_eq!(paid.json["status"], "paid");
    assert_eq!(paid.json["paid_on"], "2026-12-09");
    // The same report again (a retry) is answered as it stands; another date conflicts.
    let retry = post(
        finance.clone(),
        vec![],
        serde_json::json!({"paid_on": "2026-12-09"}),
    )
    .await;
    assert_eq!(retry.status, 200);
    // Even with the ETag it first sent.
    let retry = post(
        finance.clone(),
        vec![("if-match", etag.clone())],
        serde_json::json!({"paid_on": "2026-12-09"}),
    )
    .await;
    assert_eq!(retry.status, 200);
    let other = post(
        finance.clone(),
        vec![],
        serde_json::json!({"paid_on": "2026-12-08"}),
    )
    .await;
    assert_eq!(other.status, 409);
    assert_eq!(other.content_type, "application/problem+json");
    // Written once, audited with the token as actor.
    let paid_entries: Vec<_> = app
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "paid")
        .collect();
    assert_eq!(paid_entries.len(), 1);
    assert_eq!(paid_entries[0].3, None);
    assert!(
        paid_entries[0].4.ends_with("; token 2"),
        "{}",
        paid_entries[0].4
    );
}

#[tokio::test]
async fn the_openapi_document_and_its_page_describe_every_operation() {
    let app = spawn_app().await;
    let doc = call(&app, "GET", "/api/v1/openapi.json", None, &[], None).await;
    assert_eq!(doc.status, 200);
    assert!(doc.json["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc.json["servers"][0]["url"], "/api/v1");
    let paid = &doc.json["paths"]["/payments/{id}/paid"]["post"];
    assert_eq!(paid["operationId"], "markPaymentPaid");
    assert!(paid["responses"]["422"].is_object());
    assert!(doc.json["components"]["securitySchemes"]["Token"]["scheme"] == "bearer");
    let page = app.browser().get("/api/docs").await;
    assert_eq!(page.status, 200);
    for op in [
        "GET /api/v1/leavers",
        "GET /api/v1/consultations/{id}",
        "POST /api/v1/payments/{id}/paid",
        "GET /api/v1/reports/fiscal-years/{year}",
    ] {
        assert!(page.body.contains(op), "{op}");
    }
    // Names written as code in the descriptions are shown as code.
    assert!(page.body.contains("<code>payments:write</code>"));
    assert!(!page.body.contains('`'));
}

#[tokio::test]
async fn report_figures_keep_small_counts_of_people_hidden() {
    let app = spawn_app().await;
    app.create_leaver("C-001", None, &[]).await;
    let token = issue(&app, "Statistics", &[Scope::ReportsRead]).await;
    let r = get(&app, "/api/v1/reports/fiscal-years/2026", &token).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    let supported = r.json["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["section"] == "people" && f["item"] == "supported")
        .unwrap()
        .clone();
    assert_eq!(supported["suppressed"], true);
    assert!(supported.get("value").is_none() || supported["value"].is_null());
    let out_of_range = get(&app, "/api/v1/reports/fiscal-years/1999", &token).await;
    assert_eq!(out_of_range.status, 422);
    // The call is recorded on the token: it returned nobody's data.
    assert!(app.audit_rows().await.iter().any(|r| r.0 == "view"
        && r.1 == "api_token"
        && r.4 == "GET /api/v1/reports/fiscal-years/2026"));
}

#[tokio::test]
async fn consultations_keep_their_summaries_to_their_scope_and_days_are_the_citys() {
    let app = spawn_app().await;
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    let leaver = app.create_leaver("C-001", Some(c.id), &[]).await;
    // 00:30 on the 20th in Sapporo is still the 19th in UTC.
    app.record_consultation(leaver.id, c.id, "2026-11-20T00:30", "held", "phone", None)
        .await;
    app.record_consultation(
        leaver.id,
        c.id,
        "2026-11-21T10:00",
        "held",
        "home_visit",
        None,
    )
    .await;
    let dates = issue(&app, "Dates", &[Scope::LeaversRead]).await;
    let notes = issue(&app, "Notes", &[Scope::ConsultationsRead]).await;
    let bare = get(&app, "/api/v1/consultations", &dates).await;
    assert_eq!(bare.status, 200);
    assert!(
        bare.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("summary").is_none())
    );
    let full = get(&app, "/api/v1/consultations", &notes).await;
    assert_eq!(
        full.json["items"][0]["summary"],
        "summary of 2026-11-20T00:30"
    );
    let day = get(
        &app,
        "/api/v1/consultations?from=2026-11-20&to=2026-11-20",
        &notes,
    )
    .await;
    let items = day.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{:?}", day.json);
    assert_eq!(items[0]["channel"], "phone");
    let far = get(&app, "/api/v1/consultations?from=0900-01-01", &notes).await;
    assert_eq!(far.status, 422);
    assert_eq!(far.json["errors"][0]["field"], "from");
    let none = issue(&app, "Nothing", &[Scope::ReportsRead]).await;
    assert_eq!(get(&app, "/api/v1/consultations", &none).await.status, 403);
}

#[tokio::test]
async fn allowances_are_read_with_their_scope_and_filters() {
    let app = spawn_app().await;
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 1, 3, 0, 0).unwrap());
    let lines = scheduled_payments(&app).await;
    let token = issue(&app, "Allowances", &[Scope::AllowancesRead]).await;
    let listed = get(
        &app,
        "/api/v1/allowances?status=approved&kind=housing",
        &token,
    )
    .await;
    assert_eq!(listed.status, 200);
    let items = listed.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["monthly_amount"], 30000);
    assert_eq!(items[0]["start_month"], "2026-12");
    assert!(
        items[0].get("reason").is_none(),
        "the reason is a person's words"
    );
    let one = get(
        &app,
        &format!("/api/v1/allowances/{}", lines[0].allowance_id),
        &token,
    )
    .await;
    assert_eq!(one.json["status"], "approved");
    assert!(one.etag.is_some());
    let bad = get(&app, "/api/v1/allowances?status=maybe&kind=food", &token).await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.json["errors"].as_array().unwrap().len(),
        2,
        "every problem at once"
    );
    assert_eq!(get(&app, "/api/v1/payments", &token).await.status, 403);
}
