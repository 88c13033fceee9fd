use aftercare::{i18n::Lang, roles::Role};

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn the_same_page_in_english_and_japanese_follows_accept_language() {
    let app = spawn_app().await;
    let browser = app.browser();
    let en = browser.get_with_language("/login", "en-US,en;q=0.9").await;
    let ja = browser
        .get_with_language("/login", "ja-JP,ja;q=0.9,en;q=0.5")
        .await;
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("<h1>Sign in</h1>"));
    assert!(ja.body.contains("<html lang=\"ja\">") && ja.body.contains("<h1>ログイン</h1>"));
    let missing = browser.get_with_language("/nowhere", "ja").await;
    assert!(missing.body.contains("ページが見つかりません"));
}

#[tokio::test]
async fn a_users_saved_language_wins_over_the_browser() {
    let app = spawn_app().await;
    let user = app
        .create_user_lang(Role::Coordinator, "ja@example.jp", Lang::Ja)
        .await;
    let browser = app.browser();
    browser
        .login(&user.email, PASSWORD)
        .await
        .assert_redirect_to("/");
    let page = browser.get_with_language("/", "en-US").await;
    assert!(page.body.contains("ようこそ"), "{}", page.body);
}

#[tokio::test]
async fn the_language_switch_works_signed_out_and_is_saved_when_signed_in() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser
        .submit("/login", "/language", &[("lang", "ja"), ("next", "/login")])
        .await
        .assert_redirect_to("/login");
    assert!(
        browser
            .get_with_language("/login", "en")
            .await
            .body
            .contains("<h1>ログイン</h1>")
    );

    let (signed_in, user) = app.signed_in(Role::Finance).await;
    signed_in
        .post("/language", &[("lang", "ja"), ("next", "/account")])
        .await
        .assert_redirect_to("/account");
    let saved = aftercare::users::queries::get(&app.state.db, user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.language.as_str(), "ja");
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "update" && r.4 == "language: en → ja")
    );
    // The switch never redirects off the site.
    signed_in
        .post(
            "/language",
            &[("lang", "en"), ("next", "https://evil.example/")],
        )
        .await
        .assert_redirect_to("/");
}
