use aftercare::roles::Role;
use chrono::Duration;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};

#[tokio::test]
async fn signing_in_rotates_the_session_id_and_returns_to_the_asked_page() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, "admin@example.jp").await;
    let browser = app.browser();

    let asked = browser.get("/admin/users?x=1").await;
    asked.assert_redirect_to("/login?next=%2Fadmin%2Fusers%3Fx%3D1");
    // An anonymous session exists once the visitor picks a language.
    browser
        .post("/language", &[("lang", "en"), ("next", "/login")])
        .await;
    let before = browser
        .cookie("aftercare_session")
        .expect("anonymous session");

    let form = "/login?next=%2Fadmin%2Fusers%3Fx%3D1";
    let signed_in = browser
        .submit(
            form,
            "/login",
            &[
                ("email", "Admin@Example.jp "),
                ("password", PASSWORD),
                ("next", "/admin/users?x=1"),
            ],
        )
        .await;
    signed_in.assert_redirect_to("/admin/users?x=1");
    let set_cookie: Vec<_> = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with("aftercare_session="))
        .collect();
    assert_eq!(set_cookie.len(), 1, "{set_cookie:?}");
    assert!(set_cookie[0].contains("HttpOnly"));
    assert!(set_cookie[0].contains("SameSite=Lax"));
    assert!(!set_cookie[0].contains("Secure"));
    let after = browser.cookie("aftercare_session").unwrap();
    assert_ne!(before, after, "session id must change at sign-in");
    assert_eq!(browser.get("/admin/users?x=1").await.status, 200);
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "sign_in" && r.3 == Some(admin.id))
    );

    // Sign-in never sends anyone off the site.
    let other = app.browser();
    other
        .submit(
            "/login",
            "/login",
            &[
                ("email", "admin@example.jp"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await
        .assert_redirect_to("/");
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_setting_says_so() {
    let app = spawn_app_with(&[("AFTERCARE_COOKIE_SECURE", "true")]).await;
    app.create_user(Role::Coordinator, "c@example.jp").await;
    // A plain-HTTP client would not send a Secure cookie back, so look at the header itself.
    let page = app.browser().login("c@example.jp", PASSWORD).await;
    let cookie = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("aftercare_session="))
        .expect("session cookie")
        .to_string();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[tokio::test]
async fn a_wrong_email_or_password_gets_one_generic_message() {
    let app = spawn_app().await;
    app.create_user(Role::Coordinator, "c@example.jp").await;
    let browser = app.browser();
    let wrong_password = browser.login("c@example.jp", "not the password").await;
    let unknown = browser.login("nobody@example.jp", PASSWORD).await;
    for page in [&wrong_password, &unknown] {
        assert_eq!(page.status, 422);
        assert!(
            page.body
                .contains("The email address or password is wrong.")
        );
    }
    // The typed email is kept; the password is not sent back.
    assert!(unknown.body.contains("value=\"nobody@example.jp\""));
    assert!(!unknown.body.contains(PASSWORD));
    assert_eq!(browser.get_dashboard().await.status, 303);
    let failures: Vec<_> = app
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "sign_in_failed")
        .collect();
    assert_eq!(failures.len(), 2);
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes_whether_or_not_it_exists() {
    let app = spawn_app().await;
    app.create_user(Role::Coordinator, "c@example.jp").await;
    let browser = app.browser();
    for email in ["c@example.jp", "ghost@example.jp"] {
        for i in 1..=4 {
            let page = browser.login(email, "wrong password!").await;
            assert_eq!(page.status, 422, "attempt {i}");
            app.clock.advance(Duration::minutes(1));
        }
        let fifth = browser.login(email, "wrong password!").await;
        assert_eq!(fifth.status, 429);
        assert!(
            fifth.body.contains("Sign-in is paused for 15 minutes"),
            "{email}"
        );
    }
    // Locked: even the right password is refused, with the same message.
    let refused = browser.login("c@example.jp", PASSWORD).await;
    assert_eq!(refused.status, 429);
    assert!(refused.body.contains("Sign-in is paused"));
    // Another account is not affected.
    app.create_user(Role::Finance, "f@example.jp").await;
    assert_eq!(
        app.browser().login("f@example.jp", PASSWORD).await.status,
        303
    );

    // The lock lasts 15 minutes from the fifth failure, made at minute 4; it is minute 8 now.
    app.clock.advance(Duration::minutes(10));
    assert_eq!(browser.login("c@example.jp", PASSWORD).await.status, 429);
    app.clock.advance(Duration::minutes(1));
    browser
        .login("c@example.jp", PASSWORD)
        .await
        .assert_redirect_to("/");
}

#[tokio::test]
async fn lockout_numbers_are_settings() {
    let app = spawn_app_with(&[
        ("AFTERCARE_LOGIN_MAX_FAILURES", "2"),
        ("AFTERCARE_LOGIN_LOCKOUT_MINUTES", "3"),
    ])
    .await;
    app.create_user(Role::Coordinator, "c@example.jp").await;
    let browser = app.browser();
    assert_eq!(
        browser
            .login("c@example.jp", "wrong password!")
            .await
            .status,
        422
    );
    let second = browser.login("c@example.jp", "wrong password!").await;
    assert_eq!(second.status, 429);
    assert!(second.body.contains("paused for 3 minutes"));
    app.clock.advance(Duration::minutes(3));
    assert_eq!(browser.login("c@example.jp", PASSWORD).await.status, 303);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let (browser, user) = app.signed_in(Role::Coordinator).await;
    assert_eq!(browser.get_dashboard().await.status, 200);
    let old_cookie = browser.cookie("aftercare_session").unwrap();
    browser
        .post_logout()
        .await
        .assert_redirect_to("/login?signed_out=1");
    assert!(
        browser
            .get("/login?signed_out=1")
            .await
            .body
            .contains("You have signed out.")
    );
    browser
        .get_dashboard()
        .await
        .assert_redirect_to("/login?next=%2F");
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "sign_out" && r.3 == Some(user.id))
    );
    // The old session id no longer works even if replayed.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = replay
        .get(format!("{}/", app.address))
        .header("Cookie", format!("aftercare_session={old_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn an_idle_session_expires_after_thirty_minutes() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(browser.get_dashboard().await.status, 200);
    // Activity restarts the idle timer.
    app.clock.advance(Duration::minutes(29));
    assert_eq!(browser.get_dashboard().await.status, 200);
    app.clock.advance(Duration::minutes(30));
    browser
        .get_dashboard()
        .await
        .assert_redirect_to("/login?next=%2F");
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_however_active() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(browser.get_dashboard().await.status, 200);
    }
    // 11 h 40 min so far.
    app.clock.advance(Duration::minutes(20));
    browser
        .get_dashboard()
        .await
        .assert_redirect_to("/login?next=%2F");
}

#[tokio::test]
async fn session_timeouts_are_settings() {
    let app = spawn_app_with(&[("AFTERCARE_SESSION_IDLE_MINUTES", "5")]).await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    app.clock.advance(Duration::minutes(4));
    assert_eq!(browser.get_dashboard().await.status, 200);
    app.clock.advance(Duration::minutes(5));
    browser
        .get_dashboard()
        .await
        .assert_redirect_to("/login?next=%2F");
}

#[tokio::test]
async fn expired_sessions_are_deleted_from_the_database() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = spawn_app().await;
    let _ = app.signed_in(Role::Coordinator).await;
    let count = || async {
        entity::sessions::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 1);
    app.clock.advance(Duration::minutes(31));
    assert_eq!(app.state.session_store().delete_expired().await.unwrap(), 1);
    assert_eq!(count().await, 0);
}

#[tokio::test]
async fn sessions_are_stored_only_as_digests() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let (browser, user) = app.signed_in(Role::Coordinator).await;
    let id = browser.cookie("aftercare_session").unwrap();
    let rows = entity::sessions::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].id_hash, id);
    assert_eq!(rows[0].id_hash, aftercare::auth::tokens::sha256_hex(&id));
    assert_eq!(rows[0].user_id, Some(user.id));
}

#[tokio::test]
async fn attempts_sent_in_parallel_still_stop_at_the_limit() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Coordinator, "c@example.jp").await;
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let b = app.browser();
        tasks.push(tokio::spawn(async move {
            b.login("c@example.jp", "wrong password!")
                .await
                .status
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let audit = app.audit_rows().await;
    let checked = audit.iter().filter(|r| r.0 == "sign_in_failed").count();
    let refused = audit.iter().filter(|r| r.0 == "sign_in_locked").count();
    assert!(
        checked <= 5,
        "{checked} passwords were checked: {statuses:?}"
    );
    assert_eq!(checked + refused, 12);
    assert!(
        statuses.iter().filter(|s| **s == 429).count() >= 7,
        "{statuses:?}"
    );
    assert_eq!(app.browser().login(&user.email, PASSWORD).await.status, 429);
}

#[tokio::test]
async fn next_with_hidden_characters_never_leaves_the_site() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    for next in [
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%5Cevil.example",
        "//evil.example",
    ] {
        browser
            .get(&format!("/login?next={next}"))
            .await
            .assert_redirect_to("/");
    }
}

#[tokio::test]
async fn a_session_written_back_after_its_account_was_signed_out_is_refused() {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (coordinator, user) = app.signed_in(Role::Coordinator).await;
    let rows = entity::sessions::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let theirs = rows
        .into_iter()
        .find(|r| r.user_id == Some(user.id))
        .unwrap();
    // The admin gives them a new role, which ends their sessions…
    let edit = format!("/admin/users/{}/edit", user.id);
    admin
        .submit(
            &edit,
            &edit,
            &[
                ("name", "C"),
                ("email", &user.email),
                ("role", "finance"),
                ("language", "en"),
                ("version", "1"),
            ],
        )
        .await
        .assert_redirect_to("/admin/users");
    // …and a request of theirs that was still running writes its session back.
    theirs
        .into_active_model()
        .reset_all()
        .insert(&app.state.db)
        .await
        .unwrap();
    coordinator
        .get_dashboard()
        .await
        .assert_redirect_to("/login?next=%2F");
}

#[tokio::test]
async fn two_instances_on_one_database_share_sessions_and_form_tokens() {
    let first = spawn_app().await;
    let url = first.state.config.database_url.clone();
    let second = spawn_app_with(&[("AFTERCARE_DATABASE_URL", url.as_str())]).await;
    let user = first.create_user(Role::Coordinator, "c@example.jp").await;
    let browser = first.browser();
    browser
        .login(&user.email, PASSWORD)
        .await
        .assert_redirect_to("/");
    let token = browser.get_account().await.csrf_token();
    // The same browser talks to the other instance (a load balancer could send it anywhere).
    let on_second = crate::helpers::Browser {
        base: second.address.clone(),
        http: browser.http.clone(),
        jar: browser.jar.clone(),
    };
    // Cookies are kept per host and port: copy them to the second address.
    let url2 = reqwest::Url::parse(&second.address).unwrap();
    for name in ["aftercare_session", "aftercare_csrf"] {
        let value = browser.cookie(name).unwrap();
        browser
            .jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &url2);
    }
    assert_eq!(on_second.get_account().await.status, 200);
    on_second
        .post_raw(
            "/account/language",
            &[("csrf_token", &token), ("language", "ja")],
        )
        .await
        .assert_redirect_to("/account");
    assert!(
        browser
            .get_account()
            .await
            .body
            .contains("<html lang=\"ja\">")
    );
}

/// Failures count per account and client: a stranger's guesses pause the stranger, not the
/// account's owner; one client trying many addresses is paused; many clients on one account
/// reach the account-wide backstop; an admin can lift a lock, and that is audited.
#[tokio::test]
async fn a_stranger_cannot_lock_the_owner_out_and_guessing_across_accounts_is_slowed() {
    use crate::helpers::Browser;
    let app = spawn_app_with(&[
        ("AFTERCARE_TRUSTED_PROXIES", "127.0.0.1"),
        ("AFTERCARE_LOGIN_ACCOUNT_MAX_FAILURES", "12"),
    ])
    .await;
    let lead = app.create_user(Role::Admin, "lead@example.jp").await;
    let from = |client: &str| Browser::forwarded_for(&app.address, client);

    let stranger = from("203.0.113.9");
    for i in 1..=4 {
        let page = stranger.login(&lead.email, "wrong password!").await;
        assert_eq!(page.status, 422, "attempt {i}");
    }
    assert_eq!(
        stranger.login(&lead.email, "wrong password!").await.status,
        429
    );
    assert_eq!(stranger.login(&lead.email, PASSWORD).await.status, 429);
    // The owner, elsewhere, signs in.
    from("198.51.100.7")
        .login(&lead.email, PASSWORD)
        .await
        .assert_redirect_to("/");

    // One client, one password, many addresses: paused at the 20th failure, for every account.
    let sprayer = from("203.0.113.50");
    for i in 1..=19 {
        let page = sprayer
            .login(&format!("user{i}@example.jp"), "Winter2026!!")
            .await;
        assert_eq!(page.status, 422, "address {i}");
    }
    let page = sprayer.login("user20@example.jp", "Winter2026!!").await;
    assert_eq!(page.status, 429);
    let finance = app.create_user(Role::Finance, "f@example.jp").await;
    assert_eq!(sprayer.login(&finance.email, PASSWORD).await.status, 429);
    from("198.51.100.8")
        .login(&finance.email, PASSWORD)
        .await
        .assert_redirect_to("/");

    // Guesses on one account from many clients: 5 so far, the backstop is 12.
    for i in 1..=6 {
        let page = from(&format!("192.0.2.{i}"))
            .login(&lead.email, "wrong password!")
            .await;
        assert_eq!(page.status, 422, "client {i}");
    }
    assert_eq!(
        from("192.0.2.7")
            .login(&lead.email, "wrong password!")
            .await
            .status,
        429
    );
    let owner = from("198.51.100.7");
    assert_eq!(owner.login(&lead.email, PASSWORD).await.status, 429);

    // An admin sees the failures and lifts the lock.
    let (admin, me) = app.signed_in(Role::Admin).await;
    let users = admin.get_admin_users().await;
    assert!(
        users.body.contains("Recent failed sign-ins: 12"),
        "{}",
        users.body
    );
    admin
        .post(&format!("/admin/users/{}/unlock", lead.id), &[])
        .await
        .assert_redirect_to("/admin/users");
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "unlock" && r.2 == Some(lead.id.into()) && r.3 == Some(me.id))
    );
    owner
        .login(&lead.email, PASSWORD)
        .await
        .assert_redirect_to("/");
    assert!(
        !admin
            .get_admin_users()
            .await
            .body
            .contains("Recent failed sign-ins")
    );
}

/// Without trusted proxies, `X-Forwarded-For` is the client's own claim: ignored.
#[tokio::test]
async fn a_forwarded_address_counts_only_from_a_trusted_proxy() {
    use crate::helpers::Browser;
    let app = spawn_app().await;
    let lead = app.create_user(Role::Admin, "lead@example.jp").await;
    let stranger = Browser::forwarded_for(&app.address, "203.0.113.9");
    for _ in 1..=5 {
        stranger.login(&lead.email, "wrong password!").await;
    }
    let claimed = Browser::forwarded_for(&app.address, "198.51.100.7");
    assert_eq!(claimed.login(&lead.email, PASSWORD).await.status, 429);
    // Only admins lift locks.
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    assert_eq!(
        coordinator
            .post(&format!("/admin/users/{}/unlock", lead.id), &[])
            .await
            .status,
        403
    );
}

/// With a one-minute idle timeout, a session used every 20 seconds stays alive.
#[tokio::test]
async fn a_short_idle_timeout_is_kept_alive_by_activity() {
    let app = spawn_app_with(&[("AFTERCARE_SESSION_IDLE_MINUTES", "1")]).await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    for i in 0..12 {
        app.clock.advance(Duration::seconds(20));
        assert_eq!(
            browser.get_dashboard().await.status,
            200,
            "after {}s",
            (i + 1) * 20
        );
    }
    app.clock.advance(Duration::seconds(61));
    browser
        .get_dashboard()
        .await
        .assert_redirect_to("/login?next=%2F");
}

#[tokio::test]
async fn the_account_read_with_a_session_is_never_stored_in_it() {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let app = spawn_app().await;
    let (browser, user) = app.signed_in(Role::Coordinator).await;
    let data = || async {
        entity::sessions::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.user_id == Some(user.id))
            .unwrap()
    };
    let before = data().await.data;
    // A flash is written into the session while the account is loaded with it.
    browser
        .submit("/account", "/account/language", &[("language", "ja")])
        .await
        .assert_redirect_to("/account");
    let row = data().await;
    assert_ne!(row.data, before, "the session was written back");
    let stored: serde_json::Value = serde_json::from_str(&row.data).unwrap();
    assert!(stored.get("uid").is_some(), "{stored}");
    assert!(stored.get("account").is_none(), "{stored}");

    // An account written into a session's data is thrown away: only an active row of the users
    // table counts, so a deactivated user stays out whatever the session holds.
    let account = entity::users::Entity::find_by_id(user.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut forged = stored.clone();
    forged["account"] = serde_json::json!({
        "id": user.id, "name": "X", "email": user.email, "role": "admin",
        "language": "en", "session_epoch": account.session_epoch,
    });
    let mut active = row.into_active_model();
    active.data = Set(forged.to_string());
    active.update(&app.state.db).await.unwrap();
    let mut deactivated = account.into_active_model();
    deactivated.active = Set(false);
    deactivated.update(&app.state.db).await.unwrap();
    browser
        .get("/account")
        .await
        .assert_redirect_to("/login?next=%2Faccount");
}
