//! The register: creating, editing, status, search, filters, pages, and what each role sees.
use aftercare::roles::Role;
use chrono::NaiveDate;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::{as_refs, leaver_fields, spawn_app};

async fn leaver_count(app: &crate::helpers::TestApp) -> u64 {
    entity::leavers::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_coordinator_records_a_leaver_and_sees_the_support_window() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let mut fields = leaver_fields("SP-2024-001");
    fields.push(("coordinator_id", me.id.to_string()));
    let created = browser.post_new_leaver(&as_refs(&fields)).await;
    created.assert_redirect_under("/leavers/");
    let page = browser.get(created.location.as_deref().unwrap()).await;
    assert_eq!(page.status, 200);
    for text in [
        "山田 花子",
        "ヤマダ ハナコ",
        "SP-2024-001",
        "The record has been created.",
        "hanako@example.jp",
        "011-222-3333",
        "札幌市中央区北1条西2丁目",
        "Prefers evening calls",
        "Children&#39;s home",
        "coordinator user",
    ] {
        assert!(page.body.contains(text), "missing {text}");
    }
    // Born 2 April 2006: reaches 22 at the end of 1 April 2028, so support runs to the end
    // of fiscal year 2028. The test clock says 25 November 2026.
    assert!(
        page.body.contains("2024-04-01"),
        "support starts the day after the placement ended"
    );
    assert!(page.body.contains("2029-03-31"));
    let left = (NaiveDate::from_ymd_opt(2029, 3, 31).unwrap()
        - NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())
    .num_days();
    assert!(
        page.body.contains(&format!("{left} days of support left")),
        "{}",
        page.body
    );
    assert!(page.body.contains("age 20"));
    let audit = app.audit_rows().await;
    let row = audit
        .iter()
        .rfind(|r| r.1 == "leaver" && r.0 == "create")
        .unwrap();
    assert_eq!((row.0.as_str(), row.3), ("create", Some(me.id)));
    assert_eq!(
        row.4,
        "fields: case_number, family_name, given_name, date_of_birth, placement_type, \
         placement_ended_on, family_name_kana, given_name_kana, living_situation, email, phone, \
         address, contact_consent, coordinator_id, notes"
    );
    assert!(
        !row.4.contains("山田"),
        "no personal data in the audit summary"
    );
}

#[tokio::test]
async fn the_contact_cadence_is_suggested_from_the_setting_and_saved_from_the_form() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let form = browser.get_new_leaver().await;
    assert_eq!(
        crate::helpers::field_value(&form.body, "contact_every_days").as_deref(),
        Some("56")
    );
    let mut fields = leaver_fields("SP-CADENCE");
    fields.push(("coordinator_id", me.id.to_string()));
    fields.push(("contact_every_days", "400".into()));
    let refused = browser.post_new_leaver(&as_refs(&fields)).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        crate::helpers::field_value(&refused.body, "contact_every_days").as_deref(),
        Some("400"),
        "input kept"
    );
    fields.pop();
    fields.push(("contact_every_days", "21".into()));
    browser
        .post_new_leaver(&as_refs(&fields))
        .await
        .assert_redirect_under("/leavers/");
    let saved = entity::leavers::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.contact_every_days, Some(21));
}

#[tokio::test]
async fn the_support_window_follows_the_settings_and_shows_when_it_ended() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Admin).await;
    let old = app
        .create_leaver(
            "OLD-1",
            None,
            &[
                ("date_of_birth", "2000-01-01"),
                ("placement_ended_on", "2018-03-31"),
            ],
        )
        .await;
    let page = browser.get_leaver(old.id).await;
    assert!(page.body.contains("Support ended"));
    assert!(page.body.contains("2022-03-31"));
    let japanese = browser
        .get_with_language(&format!("/leavers/{}", old.id), "ja")
        .await;
    assert!(
        japanese.body.contains("Support ended"),
        "the user's saved language wins"
    );

    let other =
        crate::helpers::spawn_app_with(&[("AFTERCARE_SUPPORT_END_RULE", "day_before_birthday")])
            .await;
    let l = other
        .create_leaver(
            "B-1",
            None,
            &[
                ("date_of_birth", "2004-02-29"),
                ("placement_ended_on", "2022-03-31"),
            ],
        )
        .await;
    assert_eq!(
        l.support_ends_on,
        NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()
    );
}

#[tokio::test]
async fn a_bad_form_is_refused_beside_each_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    let mut fields = leaver_fields("SP-9");
    for (k, v) in fields.iter_mut() {
        match *k {
            "given_name" => *v = String::new(),
            "family_name_kana" => *v = "Yamada".into(),
            "date_of_birth" => *v = "2006-02-30".into(),
            "placement_ended_on" => *v = "2030-01-01".into(),
            "email" => *v = "not-an-email".into(),
            _ => {}
        }
    }
    let page = browser.post_new_leaver(&as_refs(&fields)).await;
    assert_eq!(page.status, 422);
    for message in [
        "Enter the name.",
        "Use katakana",
        "Enter a real date as YYYY-MM-DD.",
        "The placement end cannot be in the future.",
        "Enter an email address",
    ] {
        assert!(page.body.contains(message), "{message}");
    }
    for kept in [
        "value=\"SP-9\"",
        "value=\"山田\"",
        "value=\"Yamada\"",
        "value=\"2006-02-30\"",
        "value=\"not-an-email\"",
        "Prefers evening calls",
        "<option value=\"childrens_home\" selected>",
    ] {
        assert!(page.body.contains(kept), "input kept: {kept}");
    }
    assert_eq!(leaver_count(&app).await, 0);

    let mut young = leaver_fields("SP-10");
    young.retain(|(k, _)| *k != "placement_ended_on");
    young.push(("placement_ended_on", "2021-04-01".into()));
    let page = browser.post_new_leaver(&as_refs(&young)).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("younger than 15"));
    assert_eq!(leaver_count(&app).await, 0);

    // An address mail cannot reach: a domain without a dot.
    let mut nowhere = leaver_fields("SP-11");
    nowhere.retain(|(k, _)| *k != "email");
    nowhere.push(("email", "yui@example".into()));
    let page = browser.post_new_leaver(&as_refs(&nowhere)).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Enter an email address"));
    assert!(page.body.contains("value=\"yui@example\""));
    assert_eq!(leaver_count(&app).await, 0);
}

#[tokio::test]
async fn a_duplicate_case_number_gets_a_friendly_message() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    app.create_leaver("SP-1", None, &[]).await;
    // Full-width digits are the same case number.
    let page = browser
        .post_new_leaver(&as_refs(&leaver_fields("ＳＰ-１")))
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("Another record already has this case number.")
    );
    assert_eq!(leaver_count(&app).await, 1);
}

#[tokio::test]
async fn edits_name_the_changed_fields_and_a_stale_form_is_refused_with_input_kept() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let edit = format!("/leavers/{}/edit", l.id);
    let form = browser.get(&edit).await;
    assert!(form.body.contains("name=\"version\" value=\"1\""));
    assert!(form.body.contains("value=\"ヤマダ\""));

    let mut fields = leaver_fields("SP-1");
    fields.push(("coordinator_id", me.id.to_string()));
    fields.push(("version", "1".into()));
    for (k, v) in fields.iter_mut() {
        match *k {
            "phone" => *v = "090-1111-2222".into(),
            "address" => *v = "札幌市北区".into(),
            _ => {}
        }
    }
    browser
        .post_edit_leaver(l.id, &as_refs(&fields))
        .await
        .assert_redirect_to(&format!("/leavers/{}", l.id));
    let row = app
        .audit_rows()
        .await
        .into_iter()
        .rfind(|r| r.0 == "update")
        .unwrap();
    assert_eq!(row.4, "changed: phone, address");
    assert!(!row.4.contains("090"), "values stay out of the log");

    // Someone who opened the form before that save still posts version 1.
    for (k, v) in fields.iter_mut() {
        if *k == "notes" {
            *v = "My late note".into();
        }
    }
    let stale = browser.post_edit_leaver(l.id, &as_refs(&fields)).await;
    assert_eq!(stale.status, 422);
    assert!(stale.body.contains("Someone else changed this record"));
    assert!(stale.body.contains("My late note"));
    let now = aftercare::leavers::queries::get(&app.state.db, l.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (now.version, now.notes.as_deref()),
        (2, Some("Prefers evening calls"))
    );
}

#[tokio::test]
async fn status_moves_between_active_and_lost_contact_and_closes_with_a_reason() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", None, &[]).await;
    let show = format!("/leavers/{}", l.id);
    browser
        .post_leaver_status(
            l.id,
            &[
                ("status", "lost_contact"),
                ("version", "1"),
                ("confirm", "yes"),
            ],
        )
        .await
        .assert_redirect_to(&show);
    browser
        .post_leaver_status(
            l.id,
            &[("status", "active"), ("version", "2"), ("confirm", "yes")],
        )
        .await
        .assert_redirect_to(&show);
    let no_reason = browser
        .post_leaver_status(
            l.id,
            &[("status", "closed"), ("version", "3"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    assert!(
        no_reason
            .body
            .contains("Give the reason for closing the record.")
    );
    browser
        .post_leaver_status(
            l.id,
            &[
                ("status", "closed"),
                ("closed_reason", "Moved to Osaka"),
                ("version", "3"),
                ("confirm", "yes"),
            ],
        )
        .await
        .assert_redirect_to(&show);
    let page = browser.get(&show).await;
    assert!(page.body.contains("Closed") && page.body.contains("Moved to Osaka"));
    assert!(
        !page.body.contains("action=\"/leavers/"),
        "no status form on a closed record"
    );
    let again = browser
        .post_leaver_status(
            l.id,
            &[("status", "active"), ("version", "4"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("This record is closed"));
    let changes: Vec<_> = app
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "status")
        .map(|r| r.4)
        .collect();
    assert_eq!(
        changes,
        [
            "status: active → lost_contact",
            "status: lost_contact → active",
            "status: active → closed"
        ]
    );
}

#[tokio::test]
async fn search_filters_sorting_and_pages() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let colleague = app
        .create_user(Role::Coordinator, "colleague@example.jp")
        .await;
    app.create_leaver(
        "A-001",
        Some(me.id),
        &[
            ("family_name", "佐藤"),
            ("given_name", "一郎"),
            ("family_name_kana", "サトウ"),
            ("given_name_kana", "イチロウ"),
        ],
    )
    .await;
    let lost = app
        .create_leaver(
            "A-002",
            Some(me.id),
            &[
                ("family_name", "鈴木"),
                ("given_name", "二郎"),
                ("family_name_kana", "スズキ"),
                ("given_name_kana", "ジロウ"),
                ("date_of_birth", "2004-06-01"),
                ("placement_ended_on", "2022-03-31"),
            ],
        )
        .await;
    app.create_leaver(
        "B-001",
        Some(colleague.id),
        &[
            ("family_name", "高橋"),
            ("given_name", "三郎"),
            ("family_name_kana", "タカハシ"),
            ("given_name_kana", "サブロウ"),
        ],
    )
    .await;
    browser
        .post_leaver_status(
            lost.id,
            &[
                ("status", "lost_contact"),
                ("version", "1"),
                ("confirm", "yes"),
            ],
        )
        .await;

    let names = |body: &str| -> Vec<String> {
        body.split("class=\"leaver-row\"")
            .skip(1)
            .map(|r| {
                let start = r.find("\">").unwrap() + 2;
                r[start..].split('<').next().unwrap().to_string()
            })
            .collect()
    };
    // "Mine" is the default for coordinators.
    let mine = browser.get_leavers("").await;
    assert_eq!(names(&mine.body), ["A-001", "A-002"]);
    assert!(mine.body.contains("<option value=\"mine\" selected>"));
    let all = browser.get_leavers("coordinator=all").await;
    assert_eq!(
        names(&all.body),
        ["A-001", "A-002", "B-001"],
        "sorted by kana: サトウ, スズキ, タカハシ"
    );
    let theirs = browser
        .get(&format!("/leavers?coordinator={}", colleague.id))
        .await;
    assert_eq!(names(&theirs.body), ["B-001"]);
    // Search: kanji, kana typed in hiragana, part of a case number.
    for (q, expected) in [
        ("高橋", "B-001"),
        ("たかはし", "B-001"),
        ("ｻﾄｳ", "A-001"),
        ("a-002", "A-002"),
        ("三郎", "B-001"),
    ] {
        let page = browser
            .get(&format!("/leavers?coordinator=all&q={}", urlencode(q)))
            .await;
        assert_eq!(names(&page.body), [expected], "q={q}");
    }
    // A coordinator's search covers the whole register: a colleague's record is found.
    let found = browser
        .get(&format!("/leavers?q={}", urlencode("高橋")))
        .await;
    assert_eq!(names(&found.body), ["B-001"]);
    assert!(found.body.contains("<option value=\"all\" selected>"));
    // When a filter hides records, the page says so and links to them all.
    assert!(
        mine.body.contains(
            "<p class=\"filter-hides\">One more record matches, but the filters hide it. <a href=\"/leavers?q=&#38;coordinator=all&#38;sort=name\">Show every matching record</a></p>"
        ),
        "{}",
        mine.body
    );
    assert!(!all.body.contains("filter-hides"), "nothing is hidden");
    let lost_only = browser
        .get_leavers("coordinator=all&status=lost_contact")
        .await;
    assert_eq!(names(&lost_only.body), ["A-002"]);
    assert!(
        lost_only
            .body
            .contains("2 more records match, but the filters hide them.")
    );
    // Support ends: A-002 (born 2004-06-01) on 2027-03-31, the others on 2029-03-31.
    let soon = browser.get_leavers("coordinator=all&ends_within=126").await;
    assert_eq!(names(&soon.body), ["A-002"]);
    let not_yet = browser.get_leavers("coordinator=all&ends_within=125").await;
    assert!(names(&not_yet.body).is_empty());
    let by_end = browser
        .get_leavers("coordinator=all&sort=support_end")
        .await;
    assert_eq!(names(&by_end.body)[0], "A-002");
    let by_case = browser
        .get_leavers("coordinator=all&sort=case_number")
        .await;
    assert_eq!(names(&by_case.body), ["A-001", "A-002", "B-001"]);
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap()[2..].to_string()
}

#[tokio::test]
async fn the_list_shows_fifty_per_page_with_page_links() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Admin).await;
    for i in 0..120 {
        app.create_leaver(&format!("P-{i:03}"), None, &[]).await;
    }
    let first = browser.get_leavers("sort=case_number").await;
    assert_eq!(first.body.matches("class=\"leaver-row\"").count(), 50);
    assert!(first.body.contains("120 records · page 1 of 3"));
    assert!(first.body.contains("P-000") && !first.body.contains("P-050"));
    assert!(first.body.contains("page=3"));
    let third = browser.get_leavers("sort=case_number&page=3").await;
    assert_eq!(third.body.matches("class=\"leaver-row\"").count(), 20);
    assert!(third.body.contains("P-119"));
    assert_eq!(
        browser
            .get_leavers("page=99999999999999999999")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn finance_sees_identity_and_support_window_only() {
    let app = spawn_app().await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let l = app
        .create_leaver("SP-1", None, &[("living_situation", "Lives with a friend")])
        .await;
    let page = finance.get_leaver(l.id).await;
    assert_eq!(page.status, 200);
    for shown in ["SP-1", "山田 花子", "2006-04-02", "2029-03-31"] {
        assert!(page.body.contains(shown), "finance sees {shown}");
    }
    for hidden in [
        "hanako@example.jp",
        "011-222-3333",
        "札幌市中央区",
        "Prefers evening calls",
        "Lives with a friend",
        "ヤマダ",
        "Children&#39;s home",
        "/edit",
    ] {
        assert!(
            !page.body.contains(hidden),
            "finance must not receive {hidden}"
        );
    }
    let list = finance.get_leavers("").await;
    assert!(list.body.contains("SP-1"));
    assert!(!list.body.contains("ヤマダ") && !list.body.contains("Add a care leaver"));
    assert_eq!(finance.get_new_leaver().await.status, 403);
    assert_eq!(finance.get_edit_leaver(l.id).await.status, 403);
    let post = finance
        .post(
            &format!("/leavers/{}/status", l.id),
            &[
                ("status", "lost_contact"),
                ("version", "1"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(post.status, 403);
}

#[tokio::test]
async fn missing_records_are_404() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    assert_eq!(browser.get("/leavers/999").await.status, 404);
    assert_eq!(browser.get("/leavers/x").await.status, 404);
    assert_eq!(browser.get("/leavers/999/edit").await.status, 404);
}

#[tokio::test]
async fn stored_windows_follow_changed_settings_at_start_up() {
    let app = spawn_app().await;
    let l = app.create_leaver("SP-1", None, &[]).await;
    assert_eq!(
        l.support_ends_on,
        NaiveDate::from_ymd_opt(2029, 3, 31).unwrap()
    );
    let url = app.state.config.database_url.clone();
    let _restarted = crate::helpers::spawn_app_with(&[
        ("AFTERCARE_DATABASE_URL", url.as_str()),
        ("AFTERCARE_MAX_AGE", "20"),
    ])
    .await;
    let now = aftercare::leavers::queries::get(&app.state.db, l.id)
        .await
        .unwrap()
        .unwrap();
    // Born 2006-04-02: reaches 20 on 2026-04-01, so fiscal year 2026 ends support.
    assert_eq!(
        now.support_ends_on,
        NaiveDate::from_ymd_opt(2027, 3, 31).unwrap()
    );
    let row = app
        .audit_rows()
        .await
        .into_iter()
        .rfind(|r| r.0 == "recompute")
        .unwrap();
    assert!(
        row.4
            .starts_with("support windows recomputed for 1 records"),
        "{}",
        row.4
    );
}

#[tokio::test]
async fn only_an_active_coordinator_can_be_assigned() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Admin).await;
    let finance = app.create_user(Role::Finance, "f@example.jp").await;
    let mut fields = leaver_fields("SP-1");
    fields.push(("coordinator_id", finance.id.to_string()));
    let page = browser.post_new_leaver(&as_refs(&fields)).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Choose an active coordinator."));
    assert_eq!(leaver_count(&app).await, 0);
}

#[tokio::test]
async fn a_status_change_on_an_old_page_is_refused() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", None, &[]).await;
    browser
        .post_leaver_status(
            l.id,
            &[
                ("status", "lost_contact"),
                ("version", "1"),
                ("confirm", "yes"),
            ],
        )
        .await;
    let stale = browser
        .post_leaver_status(
            l.id,
            &[
                ("status", "closed"),
                ("closed_reason", "x"),
                ("version", "1"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(stale.status, 422);
    assert!(stale.body.contains("Someone else changed this record"));
    let now = aftercare::leavers::queries::get(&app.state.db, l.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.status.as_str(), "lost_contact");
}

#[tokio::test]
async fn finance_can_neither_see_nor_filter_by_status_or_coordinator() {
    let app = spawn_app().await;
    let coordinator = app.create_user(Role::Coordinator, "c@example.jp").await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let l = app.create_leaver("SP-1", Some(coordinator.id), &[]).await;
    app.create_leaver("SP-2", None, &[]).await;
    admin
        .post_leaver_status(
            l.id,
            &[
                ("status", "closed"),
                ("closed_reason", "moved"),
                ("version", "1"),
                ("confirm", "yes"),
            ],
        )
        .await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let list = finance.get_leavers("").await;
    assert!(!list.body.contains("coordinator user") && !list.body.contains("Closed"));
    for query in [
        "status=closed",
        "status=active",
        &format!("coordinator={}", coordinator.id),
    ] {
        let page = finance.get(&format!("/leavers?{query}")).await;
        assert!(
            page.body.contains("SP-1") && page.body.contains("SP-2"),
            "{query} has no effect"
        );
    }
    // The same filter works for those who keep the register.
    let closed = admin.get_leavers("coordinator=all&status=closed").await;
    assert!(closed.body.contains("SP-1") && !closed.body.contains("SP-2"));
}

/// The status form starts on the record's own status, so its button alone changes nothing;
/// a change is shown for confirmation first, and closing is refused without a reason.
#[tokio::test]
async fn the_status_form_starts_on_the_current_status_and_a_change_is_confirmed() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", None, &[]).await;
    let show = format!("/leavers/{}", l.id);
    let status = format!("{show}/status");
    let page = browser.get(&show).await;
    let select = page.body.split("<select id=\"status\"").nth(1).unwrap();
    let select = select.split("</select>").next().unwrap();
    assert!(
        select.contains("<option value=\"active\" selected>"),
        "{select}"
    );
    assert_eq!(select.matches(" selected").count(), 1, "{select}");
    let stored = || async {
        aftercare::leavers::queries::get(&app.state.db, l.id)
            .await
            .unwrap()
            .unwrap()
    };

    // The button pressed without choosing: nothing changes.
    let same = browser
        .post_leaver_status(l.id, &[("status", "active"), ("version", "1")])
        .await;
    assert_eq!(same.status, 422);
    assert!(
        same.body
            .contains("Choose a status other than the current one.")
    );
    assert_eq!(stored().await.version, 1);

    // A change is shown first, and only the confirmation makes it.
    let check = browser
        .post_leaver_status(l.id, &[("status", "lost_contact"), ("version", "1")])
        .await;
    assert_eq!(check.status, 200);
    assert!(check.body.contains("Check the status change"));
    assert!(check.body.contains("Lost contact") && check.body.contains("Active"));
    assert!(
        check.body.contains(&format!("href=\"{show}\"")),
        "a way back"
    );
    assert_eq!(stored().await.status.as_str(), "active");
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "view" && r.2 == Some(l.id.into()) && r.4 == status),
        "the confirmation names the person: its view is recorded"
    );
    browser
        .post_leaver_status(
            l.id,
            &[
                ("status", "lost_contact"),
                ("version", "1"),
                ("confirm", "yes"),
            ],
        )
        .await
        .assert_redirect_to(&show);
    assert_eq!(stored().await.status.as_str(), "lost_contact");

    // Closing without a reason is refused before any confirmation.
    let no_reason = browser
        .post_leaver_status(l.id, &[("status", "closed"), ("version", "2")])
        .await;
    assert_eq!(no_reason.status, 422);
    assert!(
        no_reason
            .body
            .contains("Give the reason for closing the record.")
    );
    let check = browser
        .post_leaver_status(
            l.id,
            &[
                ("status", "closed"),
                ("closed_reason", "Moved to Osaka"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(check.status, 200);
    assert!(check.body.contains("Closing is final") && check.body.contains("Moved to Osaka"));
    assert_eq!(stored().await.status.as_str(), "lost_contact");

    // In Japanese too.
    let ja = app
        .create_user_lang(
            Role::Coordinator,
            "ja@example.jp",
            aftercare::i18n::Lang::Ja,
        )
        .await;
    let jb = app.browser();
    jb.login(&ja.email, &ja.password).await;
    let check = jb
        .post_leaver_status(l.id, &[("status", "active"), ("version", "2")])
        .await;
    assert!(check.body.contains("状態の変更の確認"), "{}", check.body);
}

/// A status the application does not know, found in the database, is an error shown as such,
/// never read as some other status.
#[tokio::test]
async fn an_unknown_stored_status_is_an_error_not_a_guess() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", None, &[]).await;
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE leavers SET status = 'paused' WHERE id = {}",
            l.id
        ))
        .await
        .unwrap();
    assert!(
        aftercare::leavers::queries::get(&app.state.db, l.id)
            .await
            .is_err()
    );
    let page = browser.get_leaver(l.id).await;
    assert_eq!(page.status, 500);
    assert!(!page.body.contains("Active"));
}

#[tokio::test]
async fn an_unknown_stored_channel_or_language_is_an_error_not_a_guess() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", None, &[]).await;
    let c = app
        .record_consultation(l.id, me.id, "2026-11-20T10:00", "held", "phone", None)
        .await;
    assert_eq!(browser.get_leaver(l.id).await.status, 200);
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE consultations SET channel = 'pigeon' WHERE id = {}",
            c.id
        ))
        .await
        .unwrap();
    assert_eq!(browser.get_leaver(l.id).await.status, 500);
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE users SET language = 'fr' WHERE id = {}",
            me.id
        ))
        .await
        .unwrap();
    assert!(
        aftercare::users::queries::get(&app.state.db, me.id)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_leaver_page_reads_summary_first_then_the_timeline() {
    let app = spawn_app().await;
    let (b, me) = app.signed_in(Role::Coordinator).await;
    // Entered 200 days ago and never contacted; support ends 2027-03-31.
    let l = app
        .create_leaver_days_ago(
            200,
            "SP-9",
            Some(me.id),
            &[
                ("date_of_birth", "2004-04-02"),
                ("placement_ended_on", "2022-03-31"),
            ],
        )
        .await;
    let page = b.get_leaver(l.id).await;
    assert!(
        page.body
            .contains("<a class=\"back-link\" href=\"/leavers\">Back to the register</a>")
    );
    assert!(
        page.body
            .contains("<li class=\"alert\">Never contacted since the record was made.</li>"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("Support ends in"),
        "126 days is not yet close"
    );
    // Summary, then consultations, allowances, extensions, and the details last.
    let at = |marker: &str| {
        page.body
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} missing"))
    };
    let order = [
        at("class=\"summary-card"),
        at("class=\"last-contact\""),
        at("id=\"consultations\""),
        at("id=\"allowances\""),
        at("id=\"extensions\""),
        at("id=\"details\""),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    // Finance sees the summary's identity part and the allowances, never the timeline.
    let (finance, _) = app.signed_in(Role::Finance).await;
    let seen = finance.get_leaver(l.id).await;
    assert!(seen.body.contains("class=\"summary-card"));
    assert!(!seen.body.contains("id=\"consultations\"") && !seen.body.contains("class=\"alert\""));

    // Seventy-five days before the end, the summary says so.
    app.clock.set("2027-01-15T03:00:00Z".parse().unwrap());
    let b = app.browser();
    b.login(&me.email, &me.password).await;
    let later = b.get_leaver(l.id).await;
    assert!(
        later
            .body
            .contains("<li class=\"alert\">Support ends in 75 days.</li>"),
        "{}",
        later.body
    );
    // A closed record raises no alert.
    app.close_leaver(l.id, "2027-01-10").await;
    let closed = b.get_leaver(l.id).await;
    assert!(!closed.body.contains("class=\"alert\""), "{}", closed.body);
}

#[tokio::test]
async fn optional_fields_say_so_and_required_ones_do_not() {
    let app = spawn_app().await;
    let (b, _) = app.signed_in(Role::Coordinator).await;
    let form = b.get("/leavers/new").await;
    let label = |id: &str| -> String {
        let start = form.body.find(&format!("<label for=\"{id}\">")).unwrap();
        form.body[start..start + form.body[start..].find("</label>").unwrap()].to_string()
    };
    for id in ["email", "phone", "address", "notes", "family_name_kana"] {
        assert!(label(id).contains("(optional)"), "{id}: {}", label(id));
    }
    for id in [
        "case_number",
        "family_name",
        "date_of_birth",
        "placement_ended_on",
    ] {
        assert!(!label(id).contains("(optional)"), "{id}");
    }
    assert!(
        form.body.contains("novalidate"),
        "the server's messages, not the browser's"
    );
}
