//! The second factor (DESIGN 2.10): enrolment before anything else for the roles that need
//! it, sign-in with a code (drift of one step, no replay), recovery codes, the lockout, an
//! administrator's reset, and the secret never stored in clear.
use aftercare::{auth::mfa, roles::Role};
use reqwest::StatusCode;

use crate::helpers::{Browser, TestApp, TestUser, spawn_app_with};

pub const REQUIRED: (&str, &str) = ("AFTERCARE_MFA_REQUIRED_ROLES", "admin,finance");

async fn account(app: &TestApp, id: i32) -> entity::users::Model {
    aftercare::users::queries::get(&app.state.db, id)
        .await
        .unwrap()
        .unwrap()
}

/// The code of the account's secret (pending or enrolled) at the app's time plus `steps`.
async fn code(app: &TestApp, user: &TestUser, steps: i64) -> String {
    let u = account(app, user.id).await;
    let sealed = u.mfa_secret.or(u.mfa_pending_secret).expect("a secret");
    let secret = app
        .state
        .secrets
        .open(&sealed)
        .expect("it opens with the key");
    let totp = mfa::totp(&secret, &u.email).unwrap();
    let at = app.clock.now().timestamp() + steps * 30;
    totp.generate(at as u64).to_string()
}

/// Enrols a signed-in user; returns their recovery codes.
pub async fn enrol(app: &TestApp, browser: &Browser, user: &TestUser) -> Vec<String> {
    let page = browser.get("/account/mfa").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let code = code(app, user, 0).await;
    let done = browser
        .submit("/account/mfa", "/account/mfa", &[("code", &code)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    done.body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split("</code>").next().unwrap().to_string())
        .collect()
}

/// A new browser that gave the user's password: waiting for the code.
pub async fn after_password(app: &TestApp, user: &TestUser) -> Browser {
    let b = app.browser();
    b.login(&user.email, &user.password)
        .await
        .assert_redirect_to("/login/mfa");
    b
}

#[tokio::test]
async fn an_administrator_must_enrol_before_reaching_anything() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    for path in ["/", "/leavers", "/admin/users", "/account"] {
        admin.get(path).await.assert_redirect_to("/account/mfa");
    }
    let refused = admin
        .submit(
            "/account/mfa",
            "/leavers/new",
            &crate::helpers::as_refs(&crate::helpers::leaver_fields("X-1")),
        )
        .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert!(
        aftercare::leavers::queries::by_ids(&app.state.db, [1])
            .await
            .unwrap()
            .is_empty(),
        "nothing written before enrolling"
    );
    let page = admin.get("/account/mfa").await;
    assert!(page.body.contains("<svg") && page.body.contains("mfa-secret"));
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");

    // A wrong code is refused; the right one turns it on and shows ten recovery codes once.
    let wrong = admin
        .submit("/account/mfa", "/account/mfa", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("The code is not right"));
    assert!(account(&app, user.id).await.mfa_enrolled_at.is_none());
    let codes = enrol(&app, &admin, &user).await;
    assert_eq!(codes.len(), 10);
    assert_eq!(admin.get("/").await.status, StatusCode::OK);
    let audit = app.audit_rows().await;
    assert!(
        audit
            .iter()
            .any(|(a, _, id, _, _)| a == "mfa_enrol" && *id == Some(user.id.into()))
    );

    // Finance too; a coordinator is not asked (but may enrol).
    let (finance, _) = app.signed_in(Role::Finance).await;
    finance.get("/").await.assert_redirect_to("/account/mfa");
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    assert_eq!(coordinator.get("/").await.status, StatusCode::OK);
    assert_eq!(coordinator.get("/account/mfa").await.status, StatusCode::OK);
}

#[tokio::test]
async fn signing_in_takes_the_password_then_a_code_used_once_within_a_step_of_drift() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    enrol(&app, &admin, &user).await;
    app.clock.advance(chrono::Duration::minutes(2));

    let b = app.browser();
    b.get("/login").await;
    let before = b.cookie("aftercare_session");
    b.login(&user.email, &user.password)
        .await
        .assert_redirect_to("/login/mfa");
    let half_id = b.cookie("aftercare_session");
    assert!(
        half_id.is_some() && half_id != before,
        "a new session id after the password"
    );
    // Half signed in: nothing but the code page (and signing out).
    for path in ["/", "/leavers", "/account", "/admin/users"] {
        let page = b.get(path).await;
        assert!(
            page.redirect_location().starts_with("/login?"),
            "{path}: {:?}",
            page.location
        );
    }
    assert_eq!(b.get("/login/mfa").await.status, StatusCode::OK);
    let wrong = b
        .submit("/login/mfa", "/login/mfa", &[("code", "123456")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("The code is not right"));
    // One step late is accepted.
    let late = code(&app, &user, -1).await;
    b.submit("/login/mfa", "/login/mfa", &[("code", &late)])
        .await
        .assert_redirect_to("/");
    assert_ne!(
        b.cookie("aftercare_session"),
        half_id,
        "and another after the code"
    );
    assert_eq!(b.get("/").await.status, StatusCode::OK);

    // The same code again, elsewhere: refused. Two steps off: refused. The next one: accepted.
    let again = after_password(&app, &user).await;
    let replay = again
        .submit("/login/mfa", "/login/mfa", &[("code", &late)])
        .await;
    assert_eq!(replay.status, StatusCode::UNPROCESSABLE_ENTITY);
    let too_late = code(&app, &user, -2).await;
    let early = code(&app, &user, 2).await;
    for c in [too_late, early] {
        let page = again
            .submit("/login/mfa", "/login/mfa", &[("code", &c)])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let next = code(&app, &user, 1).await;
    again
        .submit("/login/mfa", "/login/mfa", &[("code", &next)])
        .await
        .assert_redirect_to("/");
}

#[tokio::test]
async fn a_recovery_code_works_once_and_says_how_many_remain() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    let codes = enrol(&app, &admin, &user).await;
    let b = after_password(&app, &user).await;
    b.submit(
        "/login/mfa",
        "/login/mfa",
        &[("recovery_code", &codes[3].to_uppercase())],
    )
    .await
    .assert_redirect_to("/");
    let home = b.get("/").await;
    assert!(
        home.body.contains("9 recovery codes are left"),
        "{}",
        home.body
    );
    let again = after_password(&app, &user).await;
    let reused = again
        .submit("/login/mfa", "/login/mfa", &[("recovery_code", &codes[3])])
        .await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let audit = app.audit_rows().await;
    assert_eq!(
        audit
            .iter()
            .filter(|(a, _, _, _, _)| a == "mfa_recovery_used")
            .count(),
        1
    );
}

#[tokio::test]
async fn wrong_codes_count_towards_the_sign_in_lockout() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    enrol(&app, &admin, &user).await;
    app.clock.advance(chrono::Duration::minutes(1));
    let b = after_password(&app, &user).await;
    for _ in 0..5 {
        b.submit("/login/mfa", "/login/mfa", &[("code", "000000")])
            .await;
    }
    let right = code(&app, &user, 0).await;
    let locked = b
        .submit("/login/mfa", "/login/mfa", &[("code", &right)])
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(b.get("/").await.redirect_location(), "/login?next=%2F");
}

#[tokio::test]
async fn an_administrator_resets_another_users_factor_but_not_their_own() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (first, first_user) = app.signed_in(Role::Admin).await;
    enrol(&app, &first, &first_user).await;
    let (second, second_user) = app.signed_in(Role::Admin).await;
    enrol(&app, &second, &second_user).await;

    let own = second
        .submit(
            "/admin/users",
            &format!("/admin/users/{}/mfa/reset", second_user.id),
            &[],
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    second
        .submit(
            "/admin/users",
            &format!("/admin/users/{}/mfa/reset", first_user.id),
            &[],
        )
        .await
        .assert_redirect_to("/admin/users");
    let reset = account(&app, first_user.id).await;
    assert!(reset.mfa_secret.is_none() && reset.mfa_enrolled_at.is_none());
    // Their session ended; at the next sign-in they enrol again.
    assert!(
        first
            .get("/")
            .await
            .redirect_location()
            .starts_with("/login")
    );
    let again = app.browser();
    again
        .login(&first_user.email, &first_user.password)
        .await
        .assert_redirect_to("/account/mfa");
    again.get("/").await.assert_redirect_to("/account/mfa");
    let audit = app.audit_rows().await;
    assert!(audit.iter().any(|(a, _, id, actor, _)| a == "mfa_reset"
        && *id == Some(first_user.id.into())
        && *actor == Some(second_user.id)));
}

#[tokio::test]
async fn the_secret_is_not_in_the_database_file_in_clear() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    let page = admin.get("/account/mfa").await;
    let shown = crate::helpers::between(&page.body, "class=\"mfa-secret\">", "</code>")
        .unwrap()
        .replace(' ', "");
    enrol(&app, &admin, &user).await;
    let u = account(&app, user.id).await;
    let secret = app
        .state
        .secrets
        .open(u.mfa_secret.as_deref().unwrap())
        .unwrap();
    assert!(
        !u.mfa_secret
            .as_deref()
            .unwrap()
            .contains(&hex::encode(&secret))
    );
    let Some(file) = aftercare::db::sqlite_file(&app.state.config.database_url) else {
        return; // PostgreSQL: the column was checked above.
    };
    // Everything written so far, main file and write-ahead log.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend(std::fs::read(file.with_extension("db-wal")).unwrap_or_default());
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(&shown), "the base32 secret is not stored");
    assert!(!text.contains(&hex::encode(&secret)));
    assert!(
        !bytes.windows(secret.len()).any(|w| w == secret.as_slice()),
        "the raw secret is not stored"
    );
}

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

#[tokio::test]
async fn a_user_sees_their_sessions_and_ends_one_or_all_the_others() {
    let app = spawn_app_with(&[]).await;
    let user = app.create_user(Role::Coordinator, "c@example.jp").await;
    let desk = Browser::with_user_agent(&app.address, FIREFOX);
    let phone = Browser::with_user_agent(&app.address, IPHONE);
    let third = app.browser();
    for b in [&desk, &phone, &third] {
        b.login(&user.email, &user.password)
            .await
            .assert_redirect_to("/");
    }
    let page = desk.get("/account").await;
    let table =
        crate::helpers::between(&page.body, "<table class=\"sessions\">", "</table>").unwrap();
    assert_eq!(table.matches("session-row").count(), 3, "{table}");
    assert!(table.contains("Firefox · Windows 10") && table.contains("iPhone"));
    assert!(table.contains("127.0.0.1"));
    let current = crate::helpers::between(table, "current-session", "</tr>").unwrap();
    assert!(current.contains("Firefox") && current.contains("this session"));
    assert!(
        !current.contains("/end\""),
        "this session is ended by signing out"
    );

    // End the phone's session: its cookie no longer works; the others go on.
    let phone_row = table
        .split("<tr class=\"session-row")
        .find(|r| r.contains("iPhone"))
        .unwrap();
    let id = phone_row
        .split("/account/sessions/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    desk.submit("/account", &format!("/account/sessions/{id}/end"), &[])
        .await
        .assert_redirect_to("/account#sessions");
    assert!(
        phone
            .get("/")
            .await
            .redirect_location()
            .starts_with("/login")
    );
    assert_eq!(third.get("/").await.status, StatusCode::OK);
    // Another account's session is not this user's to end.
    let (other, _) = app.signed_in(Role::Coordinator).await;
    let theirs = other
        .submit("/account", &format!("/account/sessions/{id}/end"), &[])
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);

    // Everywhere else.
    desk.submit("/account", "/account/sessions/end-others", &[])
        .await
        .assert_redirect_to("/account#sessions");
    assert!(
        third
            .get("/")
            .await
            .redirect_location()
            .starts_with("/login")
    );
    assert_eq!(desk.get("/").await.status, StatusCode::OK);
    let page = desk.get("/account").await;
    let rows = crate::helpers::between(&page.body, "<tbody>", "</tbody>").unwrap_or_default();
    assert_eq!(rows.matches("session-row").count(), 1, "{rows}");
    let audit = app.audit_rows().await;
    assert_eq!(
        audit
            .iter()
            .filter(|(a, _, id, _, _)| a == "session_end" && *id == Some(user.id.into()))
            .count(),
        2
    );

    // A new password ends the other sessions too.
    phone.login(&user.email, &user.password).await;
    desk.submit(
        "/account",
        "/account/password",
        &[
            ("current_password", &user.password),
            ("password", "a brand new passphrase 2026"),
            ("password_confirm", "a brand new passphrase 2026"),
        ],
    )
    .await
    .assert_redirect_to("/account");
    assert!(
        phone
            .get("/")
            .await
            .redirect_location()
            .starts_with("/login")
    );
    let after = desk.get("/account").await;
    let rows = crate::helpers::between(&after.body, "<tbody>", "</tbody>").unwrap_or_default();
    assert_eq!(rows.matches("session-row").count(), 1, "{rows}");
}

#[tokio::test]
async fn a_session_signed_in_with_the_password_alone_ends_when_the_factor_is_turned_on() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (first, user) = app.signed_in(Role::Admin).await;
    let second = app.browser();
    second
        .login(&user.email, &user.password)
        .await
        .assert_redirect_to("/account/mfa");
    enrol(&app, &second, &user).await;
    assert_eq!(second.get("/").await.status, StatusCode::OK);
    assert!(
        first
            .get("/account/mfa")
            .await
            .redirect_location()
            .starts_with("/login"),
        "the other password-only session ended"
    );
}

#[tokio::test]
async fn giving_the_password_again_does_not_reset_the_count_of_wrong_codes() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    enrol(&app, &admin, &user).await;
    app.clock.advance(chrono::Duration::minutes(1));
    let b = after_password(&app, &user).await;
    for _ in 0..4 {
        b.submit("/login/mfa", "/login/mfa", &[("code", "000000")])
            .await;
    }
    let b = after_password(&app, &user).await;
    b.submit("/login/mfa", "/login/mfa", &[("code", "000000")])
        .await;
    let right = code(&app, &user, 0).await;
    let locked = b
        .submit("/login/mfa", "/login/mfa", &[("code", &right)])
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_code_is_awaited_five_minutes_after_the_password() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    enrol(&app, &admin, &user).await;
    let b = after_password(&app, &user).await;
    app.clock.advance(chrono::Duration::minutes(6));
    b.get("/login/mfa").await.assert_redirect_to("/login");
    let c = code(&app, &user, 0).await;
    b.submit("/login", "/login/mfa", &[("code", &c)])
        .await
        .assert_redirect_to("/login");
}

#[tokio::test]
async fn a_different_secret_key_is_refused_once_second_factors_exist() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    enrol(&app, &admin, &user).await;
    let mut config = app.state.config.clone();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.secret_key = Some("ab".repeat(32));
    let refused = aftercare::app::Application::build(config.clone(), app.clock.clone()).await;
    let message = refused.err().expect("refused").to_string();
    assert!(message.contains("secret key"), "{message}");
    // The key the secrets were stored with is accepted.
    config.secret_key = None;
    assert!(
        aftercare::app::Application::build(config, app.clock.clone())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_account_page_title_is_plain_text() {
    let app = spawn_app_with(&[]).await;
    let (b, _) = app.signed_in(Role::Coordinator).await;
    let page = b.get("/account").await;
    let title = crate::helpers::between(&page.body, "<title>", "</title>").unwrap();
    assert!(!title.contains('<'), "{title}");
}

#[tokio::test]
async fn a_user_sets_up_a_new_phone_with_a_recovery_code_only() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    let codes = enrol(&app, &admin, &user).await;
    let without = admin
        .submit(
            "/account/mfa",
            "/account/mfa",
            &[("action", "new_phone"), ("recovery_code", "nothing-here")],
        )
        .await;
    assert_eq!(without.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(account(&app, user.id).await.mfa_enrolled_at.is_some());
    admin
        .submit(
            "/account/mfa",
            "/account/mfa",
            &[("action", "new_phone"), ("recovery_code", &codes[0])],
        )
        .await
        .assert_redirect_to("/account/mfa");
    assert!(account(&app, user.id).await.mfa_secret.is_none());
    // Gated again until the new phone is set up.
    admin.get("/").await.assert_redirect_to("/account/mfa");
    app.clock.advance(chrono::Duration::minutes(1));
    let fresh = enrol(&app, &admin, &user).await;
    assert_eq!(fresh.len(), 10);
    assert_eq!(admin.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_page_with_the_recovery_codes_keeps_working_forms() {
    let app = spawn_app_with(&[REQUIRED]).await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    admin.get("/account/mfa").await;
    let c = code(&app, &user, 0).await;
    let shown = admin
        .submit("/account/mfa", "/account/mfa", &[("code", &c)])
        .await;
    // Signing out from that page works (its CSRF token is still good).
    let token = shown.csrf_token();
    admin
        .post_raw("/logout", &[("csrf_token", &token)])
        .await
        .assert_redirect_to("/login?signed_out=1");
}
