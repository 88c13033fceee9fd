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

#[tokio::test]
async fn months_and_money_read_naturally_in_japanese() {
    let app = spawn_app().await;
    let (b, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    // ¥30,000 a month, 2026-12 to 2027-01.
    let a = app.create_allowance(l.id, me.id).await;
    b.post("/language", &[("lang", "ja"), ("next", "/")]).await;
    let page = b.get(&format!("/allowances/{}", a.id)).await;
    assert!(page.body.contains("2026年12月〜2027年1月"), "{}", page.body);
    assert!(
        page.body
            .contains("<dt>月額</dt><dd class=\"yen\">¥30,000</dd>"),
        "the unit is said once, by the amount"
    );
    let en = app.browser();
    en.login(&me.email, &me.password).await;
    en.post("/language", &[("lang", "en"), ("next", "/")]).await;
    let english = en.get(&format!("/allowances/{}", a.id)).await;
    assert!(english.body.contains("2026-12 – 2027-01"));
    assert!(
        english
            .body
            .contains("<dt>Monthly amount</dt><dd class=\"yen\">¥30,000</dd>")
    );
}
