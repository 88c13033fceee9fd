//! A person's open follow-up, kept on their record, follows every change to their
//! consultations: the dashboard's lists and the reminders read it from there.
use aftercare::roles::Role;

use crate::helpers::{listed, spawn_app};

// The test clock stands at Wednesday 2026-11-25 09:00 in Tokyo.

#[tokio::test]
async fn the_open_follow_up_follows_every_change_to_a_consultation() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("FU", Some(me.id), &[]).await;
    let lists = || async {
        let body = browser.get_dashboard().await.body;
        (
            listed(&body, "follow-ups-due"),
            listed(&body, "follow-ups-overdue"),
        )
    };
    let due = (vec!["FU".to_string()], Vec::<String>::new());
    let overdue = (Vec::<String>::new(), vec!["FU".to_string()]);
    let neither = (Vec::<String>::new(), Vec::<String>::new());
    let edit = |id: i32, fields: Vec<(&'static str, String)>| {
        let browser = &browser;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser
                .post_edit_consultation(id, &fields)
                .await
                .assert_redirect_to(&format!("/leavers/{}#consultations", l.id));
        }
    };
    let fields = |held_at: &str, status: &str, follow_up: &str, version: i32| {
        vec![
            ("held_at", held_at.to_string()),
            ("status", status.to_string()),
            ("channel", "phone".to_string()),
            ("summary", "Met".to_string()),
            ("next_follow_up_on", follow_up.to_string()),
            ("version", version.to_string()),
        ]
    };
    assert_eq!(lists().await, neither);

    // Set today: due.
    let a = app
        .record_consultation(
            l.id,
            me.id,
            "2026-11-10T10:00",
            "held",
            "phone",
            Some("2026-11-25"),
        )
        .await;
    assert_eq!(lists().await, due);
    // Moved to last week: overdue.
    edit(a.id, fields("2026-11-10T10:00", "held", "2026-11-20", 1)).await;
    assert_eq!(lists().await, overdue);
    // A later appointment sets a follow-up of its own next week: that one is open.
    let b = app
        .record_consultation(
            l.id,
            me.id,
            "2026-11-30T10:00",
            "planned",
            "phone",
            Some("2026-12-01"),
        )
        .await;
    assert_eq!(lists().await, due);
    // Cancelled: the earlier follow-up is open again.
    edit(
        b.id,
        fields("2026-11-30T10:00", "cancelled", "2026-12-01", 1),
    )
    .await;
    assert_eq!(lists().await, overdue);
    // A consultation held after it settles it.
    let c = app
        .record_consultation(l.id, me.id, "2026-11-22T10:00", "held", "phone", None)
        .await;
    assert_eq!(lists().await, neither);
    // Moved to before the follow-up was set: it no longer settles it.
    edit(c.id, fields("2026-11-05T10:00", "held", "", 1)).await;
    assert_eq!(lists().await, overdue);
    // The follow-up taken off: nothing open.
    edit(a.id, fields("2026-11-10T10:00", "held", "", 2)).await;
    assert_eq!(lists().await, neither);
}

#[tokio::test]
async fn ties_at_one_time_and_closed_records_around_the_open_follow_up() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let at = "2026-11-10T10:00";
    // Two consultations at the same time set follow-ups: the one recorded last counts.
    let tie = app.create_leaver("TIE", Some(me.id), &[]).await;
    for follow_up in ["2026-11-20", "2026-11-25"] {
        app.record_consultation(tie.id, me.id, at, "held", "phone", Some(follow_up))
            .await;
    }
    // A consultation held at the very time the follow-up was set does not settle it: only one
    // held after it does.
    let same = app.create_leaver("SAME", Some(me.id), &[]).await;
    app.record_consultation(same.id, me.id, at, "planned", "phone", Some("2026-11-20"))
        .await;
    app.record_consultation(same.id, me.id, at, "held", "phone", None)
        .await;
    // A closed record's follow-up is nobody's to chase.
    let closed = app.create_leaver("CLOSED", Some(me.id), &[]).await;
    app.record_consultation(closed.id, me.id, at, "held", "phone", Some("2026-11-20"))
        .await;
    app.close_leaver(closed.id, "2026-11-15").await;

    let body = browser.get_dashboard().await.body;
    assert_eq!(listed(&body, "follow-ups-due"), ["TIE"]);
    assert_eq!(listed(&body, "follow-ups-overdue"), ["SAME"]);
}
