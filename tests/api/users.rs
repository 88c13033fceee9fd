use aftercare::{roles::Role, users::queries};

use crate::helpers::{PASSWORD, spawn_app};

const NEW_PASSWORD: &str = "a brand new passphrase";

#[tokio::test]
async fn an_admin_creates_an_account_that_can_sign_in() {
    let app = spawn_app().await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    let created = admin
        .post_new_user(&[
            ("name", "Suzuki Ken"),
            ("email", "Suzuki@Example.jp"),
            ("role", "finance"),
            ("language", "ja"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ])
        .await;
    created.assert_redirect_to("/admin/users");
    let list = admin.get_admin_users().await;
    assert!(list.body.contains("The account has been created."));
    assert!(list.body.contains("Suzuki Ken") && list.body.contains("suzuki@example.jp"));
    let user = queries::find_by_email(&app.state.db, "suzuki@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (user.role.as_str(), user.language.as_str()),
        ("finance", "ja")
    );
    let audit = app.audit_rows().await;
    let row = audit
        .iter()
        .find(|r| r.0 == "create" && r.2 == Some(user.id.into()))
        .unwrap();
    assert_eq!(row.3, Some(me.id));
    assert_eq!(row.4, "role: finance; language: ja");
    // The new account signs in and sees Japanese.
    let b = app.browser();
    b.login("suzuki@example.jp", PASSWORD)
        .await
        .assert_redirect_to("/");
    assert!(
        b.get_dashboard()
            .await
            .body
            .contains("ようこそ、Suzuki Kenさん（経理担当）")
    );
}

#[tokio::test]
async fn a_bad_account_form_is_refused_beside_each_field_with_input_kept() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    app.create_user(Role::Coordinator, "taken@example.jp").await;
    let before = queries::count(&app.state.db).await.unwrap();
    let page = admin
        .post_new_user(&[
            ("name", ""),
            ("email", "nope"),
            ("role", "root"),
            ("language", "en"),
            ("password", "short"),
            ("password_confirm", "short"),
        ])
        .await;
    assert_eq!(page.status, 422);
    for message in [
        "Enter a name of 1 to 100 characters",
        "Enter an email address",
        "Choose a role.",
        "Use at least 12 characters.",
    ] {
        assert!(page.body.contains(message), "{message}");
    }
    assert!(page.body.contains("value=\"nope\""));
    assert!(
        !page.body.contains("value=\"short\""),
        "passwords are not sent back"
    );

    let mismatch = admin
        .post_new_user(&[
            ("name", "X"),
            ("email", "Taken@example.jp"),
            ("role", "admin"),
            ("language", "en"),
            ("password", PASSWORD),
            ("password_confirm", "something else"),
        ])
        .await;
    assert_eq!(mismatch.status, 422);
    assert!(
        mismatch
            .body
            .contains("The two passwords are not the same.")
    );

    let taken = admin
        .post_new_user(&[
            ("name", "X"),
            ("email", "Taken@example.jp"),
            ("role", "admin"),
            ("language", "en"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ])
        .await;
    assert_eq!(taken.status, 422);
    assert!(
        taken
            .body
            .contains("Another account already uses this email address.")
    );
    assert!(taken.body.contains("<option value=\"admin\" selected>"));
    assert_eq!(queries::count(&app.state.db).await.unwrap(), before);
}

#[tokio::test]
async fn editing_records_the_changed_fields_and_refuses_a_stale_form() {
    let app = spawn_app().await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    let target = app.create_user(Role::Coordinator, "c@example.jp").await;
    let edit = format!("/admin/users/{}/edit", target.id);
    let form = admin.get(&edit).await;
    assert!(form.body.contains("name=\"version\" value=\"1\""));

    let saved = admin
        .submit(
            &edit,
            &edit,
            &[
                ("name", "Tanaka"),
                ("email", "c@example.jp"),
                ("role", "finance"),
                ("language", "en"),
                ("version", "1"),
            ],
        )
        .await;
    saved.assert_redirect_to("/admin/users");
    let row = app
        .audit_rows()
        .await
        .into_iter()
        .rfind(|r| r.0 == "update")
        .unwrap();
    assert_eq!(row.3, Some(me.id));
    assert_eq!(row.4, "role: coordinator → finance; name changed");

    // A second form opened before that save still says version 1.
    let stale = admin
        .submit(
            &edit,
            &edit,
            &[
                ("name", "Someone Else"),
                ("email", "c@example.jp"),
                ("role", "coordinator"),
                ("language", "en"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(stale.status, 422);
    assert!(stale.body.contains("Someone else changed this record"));
    assert!(stale.body.contains("value=\"Someone Else\""));
    let t = queries::get(&app.state.db, target.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (t.name.as_str(), t.role.as_str(), t.version),
        ("Tanaka", "finance", 2)
    );

    assert_eq!(admin.get("/admin/users/9999/edit").await.status, 404);
    assert_eq!(admin.get("/admin/users/abc/edit").await.status, 404);
}

#[tokio::test]
async fn a_deactivated_user_is_signed_out_at_the_next_request_and_cannot_sign_in() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (coordinator, user) = app.signed_in(Role::Coordinator).await;
    assert_eq!(coordinator.get_dashboard().await.status, 200);

    admin
        .post(
            &format!("/admin/users/{}/deactivate", user.id),
            &[("version", "1")],
        )
        .await
        .assert_redirect_to("/admin/users");
    coordinator
        .get_dashboard()
        .await
        .assert_redirect_to("/login?next=%2F");
    assert_eq!(app.browser().login(&user.email, PASSWORD).await.status, 422);
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "deactivate" && r.2 == Some(user.id.into()))
    );

    admin
        .post(
            &format!("/admin/users/{}/reactivate", user.id),
            &[("version", "2")],
        )
        .await
        .assert_redirect_to("/admin/users");
    app.browser()
        .login(&user.email, PASSWORD)
        .await
        .assert_redirect_to("/");
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_removed() {
    let app = spawn_app().await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    // Not themselves by deactivation…
    admin
        .post(
            &format!("/admin/users/{}/deactivate", me.id),
            &[("version", "1")],
        )
        .await;
    assert!(
        admin
            .get_admin_users()
            .await
            .body
            .contains("You cannot deactivate your own account.")
    );
    // …nor by giving up the role.
    let edit = format!("/admin/users/{}/edit", me.id);
    let page = admin
        .submit(
            &edit,
            &edit,
            &[
                ("name", "Me"),
                ("email", &me.email),
                ("role", "coordinator"),
                ("language", "en"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("At least one active administrator must remain.")
    );
    let row = queries::get(&app.state.db, me.id).await.unwrap().unwrap();
    assert!(row.active && row.role == Role::Admin);
}

#[tokio::test]
async fn an_admin_sets_a_new_password_which_ends_the_users_sessions() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (coordinator, user) = app.signed_in(Role::Coordinator).await;
    let form = format!("/admin/users/{}/password", user.id);
    let short = admin
        .submit(
            &form,
            &form,
            &[("password", "short"), ("password_confirm", "short")],
        )
        .await;
    assert_eq!(short.status, 422);
    admin
        .submit(
            &form,
            &form,
            &[
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await
        .assert_redirect_to("/admin/users");
    coordinator
        .get_dashboard()
        .await
        .assert_redirect_to("/login?next=%2F");
    assert_eq!(app.browser().login(&user.email, PASSWORD).await.status, 422);
    app.browser()
        .login(&user.email, NEW_PASSWORD)
        .await
        .assert_redirect_to("/");
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "password_set" && r.2 == Some(user.id.into()))
    );
}

#[tokio::test]
async fn users_change_their_own_password_and_language() {
    let app = spawn_app().await;
    let (browser, user) = app.signed_in(Role::Finance).await;
    let (other_device, _) = {
        let b = app.browser();
        b.login(&user.email, PASSWORD).await.assert_redirect_to("/");
        (b, ())
    };
    let wrong = browser
        .post_change_password(&[
            ("current_password", "not my password"),
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("This is not your current password."));

    browser
        .post_change_password(&[
            ("current_password", PASSWORD),
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
        .await
        .assert_redirect_to("/account");
    // This browser stays signed in; the other device is signed out.
    assert!(
        browser
            .get_account()
            .await
            .body
            .contains("Your password has been changed.")
    );
    other_device
        .get_dashboard()
        .await
        .assert_redirect_to("/login?next=%2F");
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "password_change" && r.3 == Some(user.id))
    );

    browser
        .submit("/account", "/account/language", &[("language", "ja")])
        .await
        .assert_redirect_to("/account");
    let page = browser.get_account().await;
    assert!(page.body.contains("<html lang=\"ja\">"));
    assert!(page.body.contains("言語を保存しました。"));
    let row = app
        .audit_rows()
        .await
        .into_iter()
        .rfind(|r| r.0 == "update")
        .unwrap();
    assert_eq!(
        (row.3, row.4.as_str()),
        (Some(user.id), "language: en → ja")
    );
}
