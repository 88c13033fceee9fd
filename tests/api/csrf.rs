//! Every POST route refuses a missing or wrong CSRF token with a 403 page and changes nothing.
use aftercare::roles::Role;

use crate::helpers::{PASSWORD, spawn_app};

/// Every POST route of the application, with fields that would otherwise be accepted.
pub fn post_routes(
    user_id: i32,
    leaver_id: i32,
    consultation_id: i32,
    allowance_id: i32,
    extension_id: i32,
    plan_id: i32,
) -> Vec<(String, Vec<(&'static str, String)>)> {
    let pw = PASSWORD.to_string();
    vec![
        (
            "/login".into(),
            vec![
                ("email", "admin@example.jp".into()),
                ("password", pw.clone()),
            ],
        ),
        ("/logout".into(), vec![]),
        (
            "/language".into(),
            vec![("lang", "ja".into()), ("next", "/".into())],
        ),
        ("/setup".into(), vec![("token", "x".into())]),
        ("/account/language".into(), vec![("language", "ja".into())]),
        (
            "/account/password".into(),
            vec![
                ("current_password", pw.clone()),
                ("password", "another long password".into()),
                ("password_confirm", "another long password".into()),
            ],
        ),
        (
            "/admin/users/new".into(),
            vec![
                ("name", "New".into()),
                ("email", "new@example.jp".into()),
                ("role", "finance".into()),
                ("language", "en".into()),
                ("password", pw.clone()),
                ("password_confirm", pw.clone()),
            ],
        ),
        (
            format!("/admin/users/{user_id}/edit"),
            vec![
                ("name", "Renamed".into()),
                ("email", "c@example.jp".into()),
                ("role", "admin".into()),
                ("language", "ja".into()),
                ("version", "1".into()),
            ],
        ),
        (
            format!("/admin/users/{user_id}/deactivate"),
            vec![("version", "1".into())],
        ),
        (
            format!("/admin/users/{user_id}/reactivate"),
            vec![("version", "1".into())],
        ),
        (format!("/admin/users/{user_id}/unlock"), vec![]),
        (
            format!("/admin/users/{user_id}/password"),
            vec![
                ("password", "another long password".into()),
                ("password_confirm", "another long password".into()),
            ],
        ),
        (
            format!("/leavers/{leaver_id}/consultations/new"),
            vec![
                ("held_at", "2026-11-25T08:00".into()),
                ("status", "held".into()),
                ("channel", "phone".into()),
                ("summary", "posted".into()),
            ],
        ),
        (
            format!("/consultations/{consultation_id}/edit"),
            vec![
                ("held_at", "2026-11-20T10:00".into()),
                ("status", "cancelled".into()),
                ("channel", "phone".into()),
                ("version", "1".into()),
            ],
        ),
        ("/admin/import".into(), vec![]),
        ("/admin/reminders/1/retry".into(), vec![]),
        (
            "/admin/api-tokens".into(),
            vec![
                ("name", "Forged".into()),
                ("scopes", "payments:write".into()),
                ("expires_on", "2027-01-01".into()),
            ],
        ),
        ("/admin/api-tokens/1/revoke".into(), vec![]),
        (
            "/admin/webhooks".into(),
            vec![
                ("url", "https://evil.example/".into()),
                ("events", "payment.paid".into()),
            ],
        ),
        ("/admin/webhooks/1/remove".into(), vec![]),
        ("/admin/webhooks/deliveries/1/retry".into(), vec![]),
        (
            format!("/leavers/{leaver_id}/hold"),
            vec![("reason", "appeal".into())],
        ),
        (
            format!("/leavers/{leaver_id}/hold/release"),
            vec![("reason", "settled".into())],
        ),
        (
            format!("/leavers/{leaver_id}/disclosure"),
            vec![
                ("action", "record".into()),
                ("requested_on", "2026-11-20".into()),
            ],
        ),
        (
            "/admin/retention/anonymise".into(),
            vec![("ids", leaver_id.to_string()), ("confirm", "yes".into())],
        ),
        (
            format!("/leavers/{leaver_id}/extensions/new"),
            vec![
                ("new_end_on", "2031-03-31".into()),
                ("reason", "illness".into()),
                ("review_on", "2027-06-30".into()),
            ],
        ),
        (
            format!("/extensions/{extension_id}/approve"),
            vec![("version", "1".into())],
        ),
        (
            format!("/leavers/{leaver_id}/plans/new"),
            vec![("wishes", "w".into()), ("review_on", "".into())],
        ),
        (
            format!("/plans/{plan_id}/edit"),
            vec![("wishes", "w2".into()), ("version", "1".into())],
        ),
        (
            format!("/plans/{plan_id}/goals"),
            vec![
                ("domain", "work".into()),
                ("goal", "g".into()),
                ("target_on", "2027-01-01".into()),
            ],
        ),
        (
            format!("/plans/{plan_id}/agree"),
            vec![("agreed_on", "2026-11-25".into()), ("version", "1".into())],
        ),
        (
            format!("/extensions/{extension_id}/reject"),
            vec![("version", "1".into()), ("note", "n".into())],
        ),
        (
            format!("/leavers/{leaver_id}/allowances/new"),
            vec![
                ("kind", "living".into()),
                ("monthly_amount", "10000".into()),
                ("start_month", "2027-02".into()),
                ("end_month", "2027-02".into()),
                ("reason", "posted".into()),
            ],
        ),
        (
            format!("/allowances/{allowance_id}/submit"),
            vec![("version", "1".into())],
        ),
        (
            format!("/allowances/{allowance_id}/withdraw"),
            vec![("version", "1".into())],
        ),
        (
            format!("/allowances/{allowance_id}/approve"),
            vec![("version", "1".into())],
        ),
        (
            format!("/allowances/{allowance_id}/reject"),
            vec![("version", "1".into()), ("note", "n".into())],
        ),
        (
            format!("/allowances/{allowance_id}/stop"),
            vec![("version", "1".into()), ("note", "n".into())],
        ),
        (
            "/payments/1/paid".into(),
            vec![("paid_on", "2026-11-25".into()), ("version", "1".into())],
        ),
        (
            "/payments/paid".into(),
            vec![
                ("month", "2026-12".into()),
                ("paid_on", "2026-11-25".into()),
            ],
        ),
        (
            "/budget".into(),
            vec![
                ("fy", "2026".into()),
                ("kind", "housing".into()),
                ("amount", "1000".into()),
            ],
        ),
        (
            "/leavers/new".into(),
            crate::helpers::leaver_fields("NEW-1"),
        ),
        (format!("/leavers/{leaver_id}/edit"), {
            let mut f = crate::helpers::leaver_fields("EDITED-1");
            f.push(("version", "1".into()));
            f
        }),
        (
            format!("/leavers/{leaver_id}/status"),
            vec![
                ("status", "lost_contact".into()),
                ("version", "1".into()),
                ("confirm", "yes".into()),
            ],
        ),
        (
            format!("/leavers/{leaver_id}/link"),
            vec![("handover", "show".into())],
        ),
        (format!("/leavers/{leaver_id}/link/revoke"), vec![]),
        ("/check-ins/1/acknowledge".into(), vec![]),
        ("/account/sessions/end-others".into(), vec![]),
        (format!("/admin/users/{user_id}/mfa/reset"), vec![]),
        ("/contact-proposals/1/accept".into(), vec![]),
        ("/contact-proposals/1/decline".into(), vec![]),
    ]
}

#[tokio::test]
async fn every_post_without_a_valid_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (browser, admin) = app.signed_in(Role::Admin).await;
    let target = app.create_user(Role::Coordinator, "c@example.jp").await;
    let leaver = app.create_leaver("SP-1", None, &[]).await;
    let consultation = app
        .record_consultation(
            leaver.id,
            target.id,
            "2026-11-20T10:00",
            "held",
            "phone",
            None,
        )
        .await;
    let allowance = app.create_allowance(leaver.id, target.id).await;
    let extension = app.create_extension(leaver.id, target.id).await;
    let plan = app.create_plan(leaver.id, target.id).await;
    // Writes only: showing the dashboard records a view of the people on it.
    let writes = || async {
        app.audit_rows()
            .await
            .into_iter()
            .filter(|r| r.0 != "view")
            .count()
    };
    let audit_before = writes().await;
    let cookie_token = browser.get_dashboard().await.csrf_token();
    for (path, fields) in post_routes(
        target.id,
        leaver.id,
        consultation.id,
        allowance.id,
        extension.id,
        plan.id,
    ) {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let missing = browser.post_raw(&path, &fields).await;
        assert_eq!(missing.status, 403, "{path} without a token");
        assert!(missing.body.contains("Form expired"), "{path}");
        let mut wrong = fields.clone();
        wrong.push(("csrf_token", "AAAAbm90IGEgdG9rZW4="));
        assert_eq!(
            browser.post_raw(&path, &wrong).await.status,
            403,
            "{path} with a wrong token"
        );
        // A token from another browser's cookie does not fit this browser's cookie.
        let stranger = app.browser().get_login().await.csrf_token();
        let mut foreign = fields.clone();
        foreign.push(("csrf_token", stranger.as_str()));
        assert_eq!(
            browser.post_raw(&path, &foreign).await.status,
            403,
            "{path} with a foreign token"
        );
    }
    assert_eq!(writes().await, audit_before, "nothing was written");
    // Still signed in, nothing changed.
    assert_eq!(browser.get_dashboard().await.status, 200);
    let t = aftercare::users::queries::get(&app.state.db, target.id)
        .await
        .unwrap()
        .unwrap();
    assert!(t.active && t.name == "coordinator user" && t.version == 1);
    let me = aftercare::users::queries::get(&app.state.db, admin.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(me.language.as_str(), "en");
    assert!(!cookie_token.is_empty());
    let l = aftercare::leavers::queries::get(&app.state.db, leaver.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((l.version, l.case_number.as_str()), (1, "SP-1"));
}

/// A form's token belongs to one session: one from before signing in, or from a session that
/// was signed out of, is refused in the next one, even in the same browser.
#[tokio::test]
async fn a_token_does_not_outlive_its_session() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Coordinator, "c@example.jp").await;
    let browser = app.browser();
    let anonymous = browser.get_login().await.csrf_token();
    browser
        .login(&user.email, PASSWORD)
        .await
        .assert_redirect_to("/");
    let refused = browser
        .post_raw(
            "/language",
            &[("csrf_token", &anonymous), ("lang", "ja"), ("next", "/")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let first = browser.get_dashboard().await.csrf_token();
    browser
        .post_raw("/logout", &[("csrf_token", &first)])
        .await
        .assert_redirect_to("/login?signed_out=1");
    browser
        .login(&user.email, PASSWORD)
        .await
        .assert_redirect_to("/");
    let refused = browser
        .post_raw(
            "/language",
            &[("csrf_token", &first), ("lang", "ja"), ("next", "/")],
        )
        .await;
    assert_eq!(refused.status, 403);
    // The header carries the same token.
    let second = browser.get_dashboard().await.csrf_token();
    let resp = browser
        .http
        .post(format!("{}/language", app.address))
        .header("X-CSRF-Token", &first)
        .form(&[("lang", "ja"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    browser
        .post_raw(
            "/language",
            &[("csrf_token", &second), ("lang", "ja"), ("next", "/")],
        )
        .await
        .assert_redirect_to("/");
}

/// A session ended elsewhere (a new password set by an admin) still lets its browser sign in
/// again: the sign-in form it is shown carries a token for the session it will have.
#[tokio::test]
async fn a_browser_whose_session_was_ended_can_sign_in_again() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let new_password = "tram gull ink pillow 4";
    admin
        .submit(
            &format!("/admin/users/{}/password", me.id),
            &format!("/admin/users/{}/password", me.id),
            &[
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await
        .assert_redirect_to("/admin/users");
    browser
        .get_dashboard()
        .await
        .assert_redirect_to("/login?next=%2F");
    browser
        .login(&me.email, new_password)
        .await
        .assert_redirect_to("/");
}
