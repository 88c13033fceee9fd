//! Webhooks: endpoints registered by admins are told of events through a queue written in the
//! event's transaction, signed (`Aftercare-Signature`), retried; a receiver written here
//! checks every signature with its own HMAC and drops an event id it has seen.
use std::sync::{Arc, Mutex};

use aftercare::{roles::Role, webhooks::delivery::deliver_due};
use hmac::{Hmac, Mac};
use poem::{EndpointExt, Request, Response, handler, http::StatusCode, web::Data};
use serde_json::Value;

use crate::{api_v1::scheduled_payments, helpers::spawn_app};

#[derive(Clone, Default)]
struct Receiver {
    /// (signature header, body) of every request, in order.
    seen: Arc<Mutex<Vec<(String, String)>>>,
    /// Statuses to answer, first to last; 200 once they run out.
    answers: Arc<Mutex<Vec<u16>>>,
}

#[handler]
async fn receive(req: &Request, body: String, Data(r): Data<&Receiver>) -> Response {
    let signature = req
        .headers()
        .get("aftercare-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    r.seen.lock().unwrap().push((signature, body));
    let status = {
        let mut answers = r.answers.lock().unwrap();
        if answers.is_empty() {
            200
        } else {
            answers.remove(0)
        }
    };
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .finish()
}

/// Starts the receiver on a free port; returns its address.
async fn start(receiver: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let app = poem::Route::new()
        .at("/hooks", poem::post(receive))
        .data(receiver);
    tokio::spawn(poem::Server::new(poem::listener::TcpListener::bind(addr.to_string())).run(app));
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    format!("http://{addr}/hooks")
}

/// What a receiver does, written from the description alone: `t=<unix>,v1=<hex>` where the
/// hex is HMAC-SHA256 of `"<t>.<body>"`, and `t` close to its clock.
fn verified(secret: &str, header: &str, body: &str, now: i64) -> bool {
    let parts: std::collections::HashMap<&str, &str> = header
        .split(',')
        .filter_map(|p| p.split_once('='))
        .collect();
    let (Some(t), Some(v1)) = (parts.get("t"), parts.get("v1")) else {
        return false;
    };
    let Ok(t_num) = t.parse::<i64>() else {
        return false;
    };
    let Ok(given) = hex::decode(v1) else {
        return false;
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    (now - t_num).abs() <= 300 && mac.verify_slice(&given).is_ok()
}

#[tokio::test]
async fn a_receiver_verifies_every_signed_delivery_and_sees_each_event_once() {
    let app = spawn_app().await;
    let receiver = Receiver::default();
    // The first delivery is refused: it is sent again later, with the same event id.
    receiver.answers.lock().unwrap().push(500);
    let url = start(receiver.clone()).await;
    let (admin, _) = app.signed_in(Role::Admin).await;

    let refused = admin
        .submit(
            "/admin/webhooks",
            "/admin/webhooks",
            &[("url", "http://finance.example.jp/hooks")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Enter an https:// address"));
    assert!(refused.body.contains("Choose at least one event"));
    assert!(
        refused
            .body
            .contains("value=\"http://finance.example.jp/hooks\"")
    );

    let added = admin
        .submit(
            "/admin/webhooks",
            "/admin/webhooks",
            &[
                ("url", &url),
                ("events", "allowance.approved"),
                ("events", "payment.scheduled"),
                ("events", "payment.paid"),
            ],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let secret = crate::helpers::between(&added.body, "<p class=\"api-secret\"><code>", "</code>")
        .unwrap()
        .to_string();
    assert!(secret.starts_with("whsec_"));
    // The secret is stored sealed, never in clear.
    let stored = entity::webhooks::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(!stored[0].secret.contains(&secret[6..]));
    assert!(!admin.get("/admin/webhooks").await.body.contains(&secret));

    // An approval of two months: three events, queued with the approval itself.
    scheduled_payments(&app).await;
    let queued = entity::webhook_deliveries::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let kinds: Vec<&str> = queued.iter().map(|d| d.event.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "allowance.approved",
            "payment.scheduled",
            "payment.scheduled"
        ]
    );

    let first = deliver_due(&app.state, "test").await.unwrap();
    assert_eq!((first.sent, first.retrying), (2, 1));
    let page = admin.get("/admin/webhooks").await;
    assert!(
        page.body.contains("the endpoint answered 500"),
        "the last error is shown"
    );
    // Not yet due again; then due after the backoff.
    assert_eq!(deliver_due(&app.state, "test").await.unwrap().sent, 0);
    app.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(deliver_due(&app.state, "test").await.unwrap().sent, 1);

    let seen = receiver.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4);
    let now = app.clock.now().timestamp();
    let mut ids = std::collections::BTreeSet::new();
    for (signature, body) in &seen {
        assert!(
            verified(&secret, signature, body, now),
            "{signature} {body}"
        );
        assert!(!verified("whsec_other", signature, body, now));
        assert!(!verified(&secret, signature, &format!("{body} "), now));
        let event: Value = serde_json::from_str(body).unwrap();
        ids.insert(event["id"].as_str().unwrap().to_string());
        // Ids and codes only.
        assert!(!body.contains("Rent") && !body.contains("C-001"), "{body}");
    }
    assert_eq!(ids.len(), 3, "the retry carries the same event id");
    let repeated: Vec<_> = seen.iter().map(|(_, b)| b.clone()).collect();
    assert_eq!(repeated[0], repeated[3], "the same body is sent again");
}

#[tokio::test]
async fn a_failed_delivery_is_retried_by_an_admin_and_a_removed_endpoint_gets_nothing() {
    let app = spawn_app().await;
    let receiver = Receiver::default();
    receiver.answers.lock().unwrap().extend([503; 12]);
    let url = start(receiver.clone()).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    admin
        .submit(
            "/admin/webhooks",
            "/admin/webhooks",
            &[("url", &url), ("events", "leaver.closed")],
        )
        .await;
    let leaver = app.create_leaver("C-002", None, &[]).await;
    app.close_leaver(leaver.id, "2026-11-20").await;
    for _ in 0..12 {
        deliver_due(&app.state, "test").await.unwrap();
        app.clock.advance(chrono::Duration::hours(7));
    }
    let d = entity::webhook_deliveries::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.status, entity::outbox::Status::Failed);
    assert_eq!(d.attempts, 12);
    let body: Value = serde_json::from_str(&d.body).unwrap();
    assert_eq!(body["type"], "leaver.closed");
    assert_eq!(body["data"]["leaver_id"], leaver.id);
    // Days have passed: the admin signs in again.
    let (admin, _) = app.signed_in(Role::Admin).await;
    assert!(
        admin
            .get("/admin/webhooks")
            .await
            .body
            .contains("the endpoint answered 503")
    );

    let retried = admin
        .post(&format!("/admin/webhooks/deliveries/{}/retry", d.id), &[])
        .await;
    retried.assert_redirect_to("/admin/webhooks");
    assert_eq!(deliver_due(&app.state, "test").await.unwrap().sent, 1);
    assert_eq!(receiver.seen.lock().unwrap().len(), 13);

    // The person's access log shows what was sent about them.
    let access = admin
        .get(&format!("/leavers/{}/access-log", leaver.id))
        .await;
    assert!(access.body.contains("leaver.closed"), "{}", access.body);

    // A delivery still waiting when its endpoint is removed is not sent, nor retried; and
    // the next event is not queued for it.
    let waiting = app.create_leaver("C-004", None, &[]).await;
    app.close_leaver(waiting.id, "2026-11-20").await;
    admin
        .post(&format!("/admin/webhooks/{}/remove", d.webhook_id), &[])
        .await
        .assert_redirect_to("/admin/webhooks");
    let left = entity::webhook_deliveries::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(left.status, entity::outbox::Status::Failed);
    assert_eq!(left.last_error.as_deref(), Some("the endpoint was removed"));
    admin
        .post(
            &format!("/admin/webhooks/deliveries/{}/retry", left.id),
            &[],
        )
        .await;
    assert_eq!(deliver_due(&app.state, "test").await.unwrap().sent, 0);
    assert_eq!(receiver.seen.lock().unwrap().len(), 13);
    let other = app.create_leaver("C-003", None, &[]).await;
    app.close_leaver(other.id, "2026-11-20").await;
    let count = entity::webhook_deliveries::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .len();
    assert_eq!(count, 2, "nothing queued after the removal");
    let rows = app.audit_rows().await;
    for action in ["create", "remove", "retry"] {
        assert!(
            rows.iter()
                .any(|r| r.0 == action && r.1.starts_with("webhook")),
            "{action}"
        );
    }
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    assert_eq!(coordinator.get("/admin/webhooks").await.status, 403);
}

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[tokio::test]
async fn every_event_is_queued_by_the_change_that_makes_it() {
    use aftercare::webhooks::{endpoints, events::Event};
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, "hooks@example.jp").await;
    let txn = aftercare::db::begin_write(&app.state.db).await.unwrap();
    endpoints::register(
        &txn,
        app.clock.now(),
        admin.id,
        &app.state.secrets,
        "https://finance.example.jp/hooks",
        &Event::ALL,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();

    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 1, 3, 0, 0).unwrap());
    let lines = scheduled_payments(&app).await;
    let token = crate::api_v1::issue(
        &app,
        "Finance system",
        &[aftercare::api::tokens::Scope::PaymentsWrite],
    )
    .await;
    let paid = crate::api_v1::call(
        &app,
        "POST",
        &format!("/api/v1/payments/{}/paid", lines[0].id),
        Some(&token),
        &[],
        Some(serde_json::json!({"paid_on": "2026-12-01"})),
    )
    .await;
    assert_eq!(paid.status, 200);
    let (finance, _) = app.signed_in(Role::Finance).await;
    finance
        .take_allowance_step(lines[0].allowance_id, "stop", "moved away")
        .await
        .assert_redirect_to(&format!("/allowances/{}", lines[0].allowance_id));
    let leaver = aftercare::leavers::queries::get(&app.state.db, lines[0].leaver_id)
        .await
        .unwrap()
        .unwrap();
    let txn = aftercare::db::begin_write(&app.state.db).await.unwrap();
    aftercare::youth::answers::record(
        &txn,
        &app.state,
        app.clock.now(),
        &leaver,
        aftercare::youth::answers::Kind::NeedHelp,
        None,
        Some("private words".into()),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    app.close_leaver(leaver.id, "2026-12-01").await;

    let queued = entity::webhook_deliveries::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let kinds: Vec<&str> = queued.iter().map(|d| d.event.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "allowance.approved",
            "payment.scheduled",
            "payment.scheduled",
            "payment.paid",
            "allowance.stopped",
            "check_in.need_help",
            "leaver.closed",
        ]
    );
    let paid: Value = serde_json::from_str(&queued[3].body).unwrap();
    assert_eq!(paid["data"]["payment_id"], lines[0].id);
    assert_eq!(paid["data"]["paid_on"], "2026-12-01");
    assert!(queued.iter().all(|d| !d.body.contains("private words")));
}

#[tokio::test]
async fn an_endpoint_that_is_down_does_not_hold_up_the_others() {
    let app = spawn_app().await;
    // Nothing listens on the first address.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down_url = format!("http://{}/hooks", free.local_addr().unwrap());
    drop(free);
    let up = Receiver::default();
    let up_url = start(up.clone()).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    for url in [&down_url, &up_url] {
        admin
            .submit(
                "/admin/webhooks",
                "/admin/webhooks",
                &[("url", url), ("events", "leaver.closed")],
            )
            .await;
    }
    for case in ["C-010", "C-011"] {
        let l = app.create_leaver(case, None, &[]).await;
        app.close_leaver(l.id, "2026-11-20").await;
    }
    let round = deliver_due(&app.state, "test").await.unwrap();
    assert_eq!((round.sent, round.retrying), (2, 1));
    assert_eq!(up.seen.lock().unwrap().len(), 2);
    let attempts: Vec<i32> = entity::webhook_deliveries::Entity::find()
        .filter(entity::webhook_deliveries::Column::WebhookId.eq(1))
        .all(&app.state.db)
        .await
        .unwrap()
        .iter()
        .map(|d| d.attempts)
        .collect();
    assert_eq!(
        attempts,
        [1, 0],
        "the unreachable endpoint is tried once in the round"
    );
}
