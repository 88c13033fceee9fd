//! Extensions past the default end: proposed by a coordinator, decided by another admin,
//! and then the effective end everywhere.
use aftercare::roles::Role;
use chrono::NaiveDate;

use crate::helpers::{Browser, as_refs, leaver_fields, spawn_app, spawn_app_with};

// The standard leaver (born 2006-04-02) is supported to 2029-03-31 by default.

async fn propose(b: &Browser, leaver: i32, end: &str) -> crate::helpers::Page {
    b.post_new_extension(
        leaver,
        &[
            ("new_end_on", end),
            ("reason", "studying"),
            ("reason_detail", "University until 2030"),
            ("review_on", "2027-03-31"),
        ],
    )
    .await
}

async fn ext_id(app: &crate::helpers::TestApp) -> i32 {
    use sea_orm::{EntityTrait, QueryOrder};
    entity::extensions::Entity::find()
        .order_by_desc(entity::extensions::Column::Id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn an_approved_extension_becomes_the_support_end_everywhere() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (admin, boss) = app.signed_in(Role::Admin).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let late = [
        ("kind", "living"),
        ("monthly_amount", "20000"),
        ("start_month", "2029-04"),
        ("end_month", "2029-06"),
        ("reason", "University"),
    ];
    // Before the extension: April 2029 lies outside the window.
    let refused = coordinator.post_new_allowance(l.id, &late).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("2029-04 lies outside the support window")
    );

    propose(&coordinator, l.id, "2030-03-31")
        .await
        .assert_redirect_to(&format!("/leavers/{}#extensions", l.id));
    let id = ext_id(&app).await;
    let page = admin.get_leaver(l.id).await;
    assert!(
        page.body.contains("Waiting for a decision")
            && page.body.contains(&format!("/extensions/{id}/approve"))
    );
    admin
        .post_extension_decision(l.id, id, "approve", &[("version", "1")])
        .await
        .assert_redirect_to(&format!("/leavers/{}#extensions", l.id));
    let after = coordinator.get_leaver(l.id).await;
    assert!(after.body.contains("2030-03-31"));
    assert!(after.body.contains(&format!("decided by {}", "admin user")));
    let stored = aftercare::leavers::queries::get(&app.state.db, l.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.support_ends_on,
        NaiveDate::from_ymd_opt(2030, 3, 31).unwrap()
    );
    // Finance sees the new end too, but not the extension's reasons.
    let f = finance.get_leaver(l.id).await;
    assert!(f.body.contains("2030-03-31") && !f.body.contains("University until 2030"));
    // The list filter uses it: 2030-03-31 is 1222 days after 2026-11-25.
    let list = coordinator.get_leavers("ends_within=1222").await;
    assert!(list.body.contains("SP-1"));
    assert!(
        !coordinator
            .get_leavers("ends_within=1221")
            .await
            .body
            .contains("SP-1")
    );
    // After the approval the same request is accepted.
    coordinator
        .post_new_allowance(l.id, &late)
        .await
        .assert_redirect_under("/allowances/");
    // Editing the record keeps the extended end.
    let mut fields = leaver_fields("SP-1");
    fields.push(("coordinator_id", me.id.to_string()));
    fields.push(("version", stored.version.to_string()));
    coordinator
        .post_edit_leaver(l.id, &as_refs(&fields))
        .await
        .assert_redirect_to(&format!("/leavers/{}", l.id));
    let kept = aftercare::leavers::queries::get(&app.state.db, l.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        kept.support_ends_on,
        NaiveDate::from_ymd_opt(2030, 3, 31).unwrap()
    );
    let row = app
        .audit_rows()
        .await
        .into_iter()
        .rfind(|r| r.0 == "approve" && r.1 == "extension")
        .unwrap();
    assert_eq!(row.3, Some(boss.id));
    assert!(
        row.4.ends_with("support end: 2029-03-31 → 2030-03-31"),
        "{}",
        row.4
    );
}

#[tokio::test]
async fn nobody_decides_their_own_proposal_and_only_admins_decide() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", None, &[]).await;
    propose(&admin, l.id, "2030-03-31").await;
    let id = ext_id(&app).await;
    let page = admin.get_leaver(l.id).await;
    assert!(
        !page.body.contains(&format!("/extensions/{id}/approve")),
        "no buttons on one's own proposal"
    );
    let own = admin
        .post_extension_decision(l.id, id, "approve", &[("version", "1")])
        .await;
    assert_eq!(own.status, 403);
    let by_coordinator = coordinator
        .post_extension_decision(l.id, id, "approve", &[("version", "1")])
        .await;
    assert_eq!(by_coordinator.status, 403);
    let stored = aftercare::leavers::queries::get(&app.state.db, l.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.support_ends_on,
        NaiveDate::from_ymd_opt(2029, 3, 31).unwrap()
    );
}

#[tokio::test]
async fn rejecting_needs_a_note_and_a_stale_decision_applies_nothing() {
    let app = spawn_app().await;
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    let (first, _) = app.signed_in(Role::Admin).await;
    let (second, _) = app.signed_in(Role::Admin).await;
    let l = app.create_leaver("SP-1", None, &[]).await;
    propose(&coordinator, l.id, "2030-03-31").await;
    let id = ext_id(&app).await;
    let show = format!("/leavers/{}", l.id);
    let no_note = first
        .post_extension_decision(l.id, id, "reject", &[("version", "1")])
        .await;
    // Refused: back to the person's page, which says why.
    no_note.assert_redirect_to(&format!("{show}#extensions"));
    assert!(
        first
            .get_leaver(l.id)
            .await
            .body
            .contains("A note is required to reject.")
    );
    // The second admin opened the page before the first rejected.
    let token = second.get_leaver(l.id).await.csrf_token();
    first
        .post_extension_decision(
            l.id,
            id,
            "reject",
            &[("version", "1"), ("note", "Work is stable")],
        )
        .await
        .assert_redirect_to(&format!("{show}#extensions"));
    let stale = second
        .post_raw(
            &format!("/extensions/{id}/approve"),
            &[("csrf_token", &token), ("version", "1")],
        )
        .await;
    stale.assert_redirect_to(&format!("{show}#extensions"));
    assert!(
        second
            .get_leaver(l.id)
            .await
            .body
            .contains("Nothing was applied.")
    );
    let stored = aftercare::leavers::queries::get(&app.state.db, l.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.support_ends_on,
        NaiveDate::from_ymd_opt(2029, 3, 31).unwrap()
    );
    assert!(first.get_leaver(l.id).await.body.contains("Rejected"));
}

#[tokio::test]
async fn proposals_are_checked() {
    let app = spawn_app().await;
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", None, &[]).await;
    let page = coordinator
        .post_new_extension(
            l.id,
            &[
                ("new_end_on", "2029-03-31"),
                ("reason", "other"),
                ("reason_detail", ""),
                ("review_on", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    for m in [
        "The new end must be after the current end of support.",
        "The review date cannot be in the past.",
        "Describe the reason.",
    ] {
        assert!(page.body.contains(m), "{m}");
    }
    assert!(page.body.contains("value=\"2029-03-31\""));
}

#[tokio::test]
async fn an_extension_survives_a_change_of_the_window_settings() {
    let app = spawn_app().await;
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let l = app.create_leaver("SP-1", None, &[]).await;
    propose(&coordinator, l.id, "2030-03-31").await;
    let id = ext_id(&app).await;
    admin
        .post_extension_decision(l.id, id, "approve", &[("version", "1")])
        .await;
    let url = app.state.config.database_url.clone();
    let _restarted = spawn_app_with(&[
        ("AFTERCARE_DATABASE_URL", url.as_str()),
        ("AFTERCARE_MAX_AGE", "20"),
    ])
    .await;
    let stored = aftercare::leavers::queries::get(&app.state.db, l.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.support_ends_on,
        NaiveDate::from_ymd_opt(2030, 3, 31).unwrap()
    );
}
