//! Recording consultations, planning appointments, the timeline, and what finance never sees.
use aftercare::roles::Role;

use crate::helpers::spawn_app;

// The test clock stands at 2026-11-25 09:00 in Tokyo.

#[tokio::test]
async fn a_coordinator_records_a_held_consultation() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let new = format!("/leavers/{}/consultations/new", l.id);
    let form = browser.get(&new).await;
    assert!(
        form.body.contains("value=\"2026-11-25T09:00\""),
        "defaults to now"
    );
    let saved = browser
        .post_new_consultation(
            l.id,
            &[
                ("held_at", "2026-11-25T08:30"),
                ("status", "held"),
                ("channel", "phone"),
                ("topics", "housing"),
                ("topics", "money"),
                ("summary", "Rent arrears discussed"),
                ("next_follow_up_on", "2026-12-02"),
            ],
        )
        .await;
    saved.assert_redirect_to(&format!("/leavers/{}#consultations", l.id));
    let page = browser.get_leaver(l.id).await;
    for text in [
        "Rent arrears discussed",
        "Housing, Money",
        "Phone",
        "Held",
        "The consultation has been saved.",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    assert!(
        page.body
            .contains("<dd class=\"last-contact\">2026-11-25 08:30</dd>")
    );
    assert!(
        page.body
            .contains("<dd class=\"next-follow-up\">2026-12-02</dd>")
    );
    let row = app
        .audit_rows()
        .await
        .into_iter()
        .rfind(|r| r.1 == "consultation")
        .unwrap();
    assert_eq!((row.0.as_str(), row.3), ("create", Some(me.id)));
    assert_eq!(row.4, format!("leaver {}; status: held", l.id));
    assert!(
        !row.4.contains("Rent"),
        "no consultation content in the audit log"
    );
}

#[tokio::test]
async fn an_appointment_is_planned_then_marked_held() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    browser
        .post_new_consultation(
            l.id,
            &[
                ("held_at", "2026-11-27T14:00"),
                ("status", "planned"),
                ("channel", "in_person"),
            ],
        )
        .await
        .assert_redirect_to(&format!("/leavers/{}#consultations", l.id));
    let c = entity::consultations::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    // Marking it held before it happened is refused.
    let early = browser
        .post_edit_consultation(
            c.id,
            &[
                ("held_at", "2026-11-27T14:00"),
                ("status", "held"),
                ("channel", "in_person"),
                ("summary", "Met at the cafe"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(early.status, 422);
    assert!(
        early
            .body
            .contains("A held or missed consultation cannot be in the future.")
    );
    assert!(early.body.contains("Met at the cafe"), "input kept");

    app.clock.advance(chrono::Duration::days(3));
    // Three days on, the session has long expired: sign in again.
    browser
        .login(&me.email, crate::helpers::PASSWORD)
        .await
        .assert_redirect_to("/");
    let no_summary = browser
        .post_edit_consultation(
            c.id,
            &[
                ("held_at", "2026-11-27T14:00"),
                ("status", "held"),
                ("channel", "in_person"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(no_summary.status, 422);
    assert!(
        no_summary
            .body
            .contains("Write a summary of the consultation.")
    );
    browser
        .post_edit_consultation(
            c.id,
            &[
                ("held_at", "2026-11-27T14:00"),
                ("status", "held"),
                ("channel", "in_person"),
                ("topics", "work"),
                ("summary", "Met at the cafe"),
                ("version", "1"),
            ],
        )
        .await
        .assert_redirect_to(&format!("/leavers/{}#consultations", l.id));
    let row = app
        .audit_rows()
        .await
        .into_iter()
        .rfind(|r| r.1 == "consultation")
        .unwrap();
    assert_eq!(row.0, "update");
    assert_eq!(
        row.4,
        format!(
            "leaver {}; changed: status, topics, summary; status: planned → held",
            l.id
        )
    );

    // A form opened before that save is refused, with the input kept.
    let stale = browser
        .post_edit_consultation(
            c.id,
            &[
                ("held_at", "2026-11-27T14:00"),
                ("status", "missed"),
                ("channel", "in_person"),
                ("summary", "Did not come"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(stale.status, 422);
    assert!(
        stale.body.contains("Someone else changed this record")
            && stale.body.contains("Did not come")
    );
}

#[tokio::test]
async fn appointments_are_marked_missed_or_cancelled_and_a_cancelled_one_stays_cancelled() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    for at in ["2026-11-26T10:00", "2026-12-01T10:00"] {
        browser
            .post_new_consultation(
                l.id,
                &[("held_at", at), ("status", "planned"), ("channel", "phone")],
            )
            .await
            .assert_redirect_to(&format!("/leavers/{}#consultations", l.id));
    }
    let ids: Vec<i32> = entity::consultations::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    app.clock.advance(chrono::Duration::days(2));
    browser
        .login(&me.email, crate::helpers::PASSWORD)
        .await
        .assert_redirect_to("/");
    let mark = |id: i32, at: &'static str, status: &'static str| {
        let browser = &browser;
        async move {
            browser
                .post_edit_consultation(
                    id,
                    &[
                        ("held_at", at),
                        ("status", status),
                        ("channel", "phone"),
                        ("version", "1"),
                    ],
                )
                .await
        }
    };
    mark(ids[0], "2026-11-26T10:00", "missed")
        .await
        .assert_redirect_to(&format!("/leavers/{}#consultations", l.id));
    // Still ahead: it can be cancelled, not marked missed.
    assert_eq!(mark(ids[1], "2026-12-01T10:00", "missed").await.status, 422);
    mark(ids[1], "2026-12-01T10:00", "cancelled")
        .await
        .assert_redirect_to(&format!("/leavers/{}#consultations", l.id));
    let status = |id: i32| {
        let db = app.state.db.clone();
        async move {
            entity::consultations::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .status
        }
    };
    assert_eq!(status(ids[0]).await.as_str(), "missed");
    assert_eq!(status(ids[1]).await.as_str(), "cancelled");
    // A cancelled appointment is not brought back.
    let revived = browser
        .post_edit_consultation(
            ids[1],
            &[
                ("held_at", "2026-11-26T10:00"),
                ("status", "held"),
                ("channel", "phone"),
                ("summary", "Talked after all"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(revived.status, 422);
    assert!(revived.body.contains("Talked after all"), "input kept");
    assert_eq!(status(ids[1]).await.as_str(), "cancelled");
}

#[tokio::test]
async fn refusals_keep_the_input_and_save_nothing() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let past_plan = browser
        .post_new_consultation(
            l.id,
            &[
                ("held_at", "2026-11-24T10:00"),
                ("status", "planned"),
                ("channel", "phone"),
                ("topics", "health"),
                ("summary", "Check-up"),
            ],
        )
        .await;
    assert_eq!(past_plan.status, 422);
    assert!(
        past_plan
            .body
            .contains("A planned appointment must be in the future.")
    );
    assert!(
        past_plan.body.contains("value=\"health\" checked"),
        "topics kept"
    );
    assert!(past_plan.body.contains("value=\"2026-11-24T10:00\""));
    let bad = browser
        .post_new_consultation(
            l.id,
            &[
                ("held_at", "2026-13-01T10:00"),
                ("status", "held"),
                ("channel", "pigeon"),
                ("next_follow_up_on", "someday"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    for m in [
        "Enter a real date and time.",
        "Choose a channel.",
        "Enter a real date as YYYY-MM-DD.",
    ] {
        assert!(bad.body.contains(m), "{m}");
    }
    let cancelled = app
        .record_consultation(l.id, me.id, "2026-11-20T10:00", "cancelled", "phone", None)
        .await;
    let edit = format!("/consultations/{}/edit", cancelled.id);
    assert!(
        browser
            .get(&edit)
            .await
            .body
            .contains("it can no longer be changed")
    );
    let refused = browser
        .post_edit_consultation(
            cancelled.id,
            &[
                ("held_at", "2026-11-20T10:00"),
                ("status", "held"),
                ("channel", "phone"),
                ("summary", "x"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        entity::consultations::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(browser.get("/consultations/999/edit").await.status, 404);
    assert_eq!(
        browser.get("/leavers/999/consultations/new").await.status,
        404
    );
}

#[tokio::test]
async fn the_timeline_puts_planned_appointments_on_top_then_newest_first() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    for (at, status) in [
        ("2026-10-01T10:00", "held"),
        ("2026-12-10T10:00", "planned"),
        ("2026-11-20T10:00", "missed"),
        ("2026-12-01T10:00", "planned"),
        ("2026-11-01T10:00", "held"),
    ] {
        app.record_consultation(l.id, me.id, at, status, "phone", None)
            .await;
    }
    let page = browser.get_leaver(l.id).await;
    let order: Vec<&str> = page
        .body
        .split("class=\"when\"><strong>")
        .skip(1)
        .map(|s| &s[..16])
        .collect();
    assert_eq!(
        order,
        [
            "2026-12-01 10:00",
            "2026-12-10 10:00",
            "2026-11-20 10:00",
            "2026-11-01 10:00",
            "2026-10-01 10:00"
        ]
    );
    assert!(
        page.body
            .contains("<dd class=\"last-contact\">2026-11-01 10:00</dd>")
    );
}

#[tokio::test]
async fn a_follow_up_is_done_once_a_consultation_is_held_after_it() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    app.record_consultation(
        l.id,
        me.id,
        "2026-11-01T10:00",
        "held",
        "phone",
        Some("2026-11-15"),
    )
    .await;
    let page = browser.get_leaver(l.id).await;
    assert!(
        page.body
            .contains("<dd class=\"next-follow-up\">2026-11-15</dd>")
    );
    app.record_consultation(l.id, me.id, "2026-11-16T10:00", "held", "phone", None)
        .await;
    let page = browser.get_leaver(l.id).await;
    assert!(
        page.body
            .contains("<dd class=\"next-follow-up\">None yet</dd>")
    );
}

#[tokio::test]
async fn finance_never_receives_consultation_content() {
    let app = spawn_app().await;
    let coordinator = app.create_user(Role::Coordinator, "c@example.jp").await;
    let l = app.create_leaver("SP-1", Some(coordinator.id), &[]).await;
    let c = app
        .record_consultation(
            l.id,
            coordinator.id,
            "2026-11-20T10:00",
            "held",
            "home_visit",
            Some("2026-12-01"),
        )
        .await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let page = finance.get_leaver(l.id).await;
    assert_eq!(page.status, 200);
    for hidden in [
        "summary of 2026-11-20",
        "Home visit",
        "Consultations",
        "2026-12-01",
        "consultations/new",
    ] {
        assert!(
            !page.body.contains(hidden),
            "finance must not receive {hidden}"
        );
    }
    assert_eq!(finance.get_edit_consultation(c.id).await.status, 403);
    assert_eq!(
        finance
            .get(&format!("/leavers/{}/consultations/new", l.id))
            .await
            .status,
        403
    );
    let post = finance
        .post(
            &format!("/leavers/{}/consultations/new", l.id),
            &[
                ("held_at", "2026-11-25T08:00"),
                ("status", "held"),
                ("channel", "phone"),
                ("summary", "x"),
            ],
        )
        .await;
    assert_eq!(post.status, 403);
    let dashboard = finance.get_dashboard().await;
    assert!(!dashboard.body.contains("summary of") && !dashboard.body.contains("SP-1"));
}

use sea_orm::EntityTrait;

#[tokio::test]
async fn saving_without_changes_records_no_change() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    browser
        .post_new_consultation(
            l.id,
            &[
                ("held_at", "2026-11-25T08:30"),
                ("status", "held"),
                ("channel", "phone"),
                ("topics", "work"),
                ("topics", "health"),
                ("summary", "Job interview next week"),
            ],
        )
        .await;
    let c = entity::consultations::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let edit = format!("/consultations/{}/edit", c.id);
    let form = browser.get(&edit).await;
    assert!(
        form.body.contains("value=\"work\" checked")
            && form.body.contains("value=\"health\" checked")
    );
    browser
        .post_edit_consultation(
            c.id,
            &[
                ("held_at", "2026-11-25T08:30"),
                ("status", "held"),
                ("channel", "phone"),
                ("topics", "work"),
                ("topics", "health"),
                ("summary", "Job interview next week"),
                ("version", "1"),
            ],
        )
        .await
        .assert_redirect_to(&format!("/leavers/{}#consultations", l.id));
    let row = app
        .audit_rows()
        .await
        .into_iter()
        .rfind(|r| r.1 == "consultation")
        .unwrap();
    assert_eq!(row.4, format!("leaver {}; no change", l.id));
}
