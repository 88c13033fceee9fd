use aftercare::roles::Role;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn setup_needs_the_token_and_creates_the_first_admin_once() {
    let app = spawn_app().await;
    let token = app
        .setup_token
        .clone()
        .expect("a fresh install has a setup token");
    let browser = app.browser();

    assert_eq!(browser.get("/setup").await.status, 404);
    assert_eq!(browser.get("/setup?token=wrong").await.status, 404);
    let wrong = browser
        .post(
            "/setup",
            &[
                ("token", "wrong"),
                ("name", "A"),
                ("email", "a@example.jp"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, 404);

    let form = format!("/setup?token={token}");
    assert_eq!(browser.get(&form).await.status, 200);

    // Bad input: 422, typed values kept, nothing created.
    let bad = browser
        .submit(
            &form,
            "/setup",
            &[
                ("token", &token),
                ("name", "Sato Hanako"),
                ("email", "not-an-email"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("value=\"Sato Hanako\""));
    assert!(bad.body.contains("value=\"not-an-email\""));
    assert!(bad.body.contains("Enter an email address"));
    assert!(bad.body.contains("Use at least 12 characters"));
    assert_eq!(
        aftercare::users::queries::count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    let done = browser
        .submit(
            &form,
            "/setup",
            &[
                ("token", &token),
                ("name", "Sato Hanako"),
                ("email", "sato@example.jp"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    done.assert_redirect_to("/");
    // Signed in as the new administrator.
    let home = browser.get_dashboard().await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Welcome, Sato Hanako (Administrator)"));
    let admin = aftercare::users::queries::find_by_email(&app.state.db, "sato@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.role, Role::Admin);
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "setup" && r.2 == Some(admin.id.into()))
    );

    // Once an account exists the page is gone, even with the old token.
    assert_eq!(app.browser().get(&form).await.status, 404);
    let again = app
        .browser()
        .submit(
            "/login",
            "/setup",
            &[
                ("token", &token),
                ("name", "B"),
                ("email", "b@example.jp"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, 404);
    assert_eq!(
        aftercare::users::queries::count(&app.state.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn no_setup_token_is_issued_once_an_account_exists() {
    let app = spawn_app().await;
    app.create_user(Role::Coordinator, "c@example.jp").await;
    let token = aftercare::auth::setup::prepare_token(&app.state.db, app.clock.now())
        .await
        .unwrap();
    assert!(token.is_none());
}
