//! The dashboard's widgets on both sides of their boundary dates, and the monthly chart.
use aftercare::roles::Role;

use crate::helpers::{listed, spawn_app, spawn_app_with};

// The test clock stands at Wednesday 2026-11-25 09:00 in Tokyo.

#[tokio::test]
async fn follow_ups_due_and_overdue_around_their_boundaries() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let other = app.create_user(Role::Coordinator, "other@example.jp").await;
    for (case, follow_up) in [
        ("YESTERDAY", "2026-11-24"),
        ("TODAY", "2026-11-25"),
        ("IN7", "2026-12-02"),
        ("IN8", "2026-12-03"),
    ] {
        let l = app.create_leaver(case, Some(me.id), &[]).await;
        app.record_consultation(
            l.id,
            me.id,
            "2026-11-10T10:00",
            "held",
            "phone",
            Some(follow_up),
        )
        .await;
    }
    // Overdue but done: a consultation was held after the one that set the follow-up.
    let done = app.create_leaver("DONE", Some(me.id), &[]).await;
    app.record_consultation(
        done.id,
        me.id,
        "2026-11-01T10:00",
        "held",
        "phone",
        Some("2026-11-10"),
    )
    .await;
    app.record_consultation(done.id, me.id, "2026-11-12T10:00", "held", "phone", None)
        .await;
    // A missed appointment does not settle a follow-up.
    let missed = app.create_leaver("MISSED", Some(me.id), &[]).await;
    app.record_consultation(
        missed.id,
        me.id,
        "2026-11-01T10:00",
        "held",
        "phone",
        Some("2026-11-10"),
    )
    .await;
    app.record_consultation(
        missed.id,
        me.id,
        "2026-11-12T10:00",
        "missed",
        "phone",
        None,
    )
    .await;
    // Someone else's leaver.
    let theirs = app.create_leaver("THEIRS", Some(other.id), &[]).await;
    app.record_consultation(
        theirs.id,
        other.id,
        "2026-11-10T10:00",
        "held",
        "phone",
        Some("2026-11-26"),
    )
    .await;

    let page = browser.get_dashboard().await;
    assert_eq!(listed(&page.body, "follow-ups-due"), ["TODAY", "IN7"]);
    assert_eq!(
        listed(&page.body, "follow-ups-overdue"),
        ["MISSED", "YESTERDAY"]
    );

    // Admins see the whole team, each coordinator's people under their name.
    {
        use sea_orm::{ActiveModelTrait, Set};
        entity::users::ActiveModel {
            id: Set(other.id),
            name: Set("Sato Second".into()),
            ..Default::default()
        }
        .update(&app.state.db)
        .await
        .unwrap();
    }
    let (admin, _) = app.signed_in(Role::Admin).await;
    let team = admin.get_dashboard().await;
    // Groups in coordinators' name order: "Sato Second" before "coordinator user".
    assert_eq!(
        listed(&team.body, "follow-ups-due"),
        ["THEIRS", "TODAY", "IN7"]
    );
    let widget = &team.body[team.body.find("id=\"follow-ups-due\"").unwrap()..];
    let widget = &widget[..widget.find("</section>").unwrap()];
    let mine = widget
        .find("<h3 class=\"group\">coordinator user</h3>")
        .expect("my group");
    let theirs = widget
        .find("<h3 class=\"group\">Sato Second</h3>")
        .expect("their group");
    let (today, their_item) = (
        widget.find("TODAY").unwrap(),
        widget.find("THEIRS").unwrap(),
    );
    assert!(
        theirs < their_item && their_item < mine && mine < today,
        "each item under its own coordinator"
    );
}

#[tokio::test]
async fn appointments_this_week_from_monday_to_sunday() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    for (case, at) in [
        ("SUN-BEFORE", "2026-11-22T23:59"),
        ("MON", "2026-11-23T00:00"),
        ("SUN", "2026-11-29T23:59"),
        ("NEXT-MON", "2026-11-30T00:00"),
    ] {
        let l = app.create_leaver(case, Some(me.id), &[]).await;
        app.record_consultation(l.id, me.id, at, "planned", "online", None)
            .await;
    }
    // Held, not planned: not an appointment.
    app.record_consultation(l.id, me.id, "2026-11-24T10:00", "held", "phone", None)
        .await;
    let page = browser.get_dashboard().await;
    assert_eq!(listed(&page.body, "appointments-week"), ["MON", "SUN"]);
    assert!(page.body.contains("2026-11-29 23:59"));
}

#[tokio::test]
async fn no_contact_for_sixty_days() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    // 2026-11-25 minus 60 days is 2026-09-26.
    let recent = app.create_leaver("HELD-60", Some(me.id), &[]).await;
    app.record_consultation(recent.id, me.id, "2026-09-26T00:00", "held", "phone", None)
        .await;
    let old = app.create_leaver("HELD-61", Some(me.id), &[]).await;
    app.record_consultation(old.id, me.id, "2026-09-25T23:59", "held", "phone", None)
        .await;
    // Missed and planned contacts do not count.
    app.record_consultation(old.id, me.id, "2026-11-20T10:00", "missed", "phone", None)
        .await;
    app.create_leaver("NEVER", Some(me.id), &[]).await;
    let lost = app.create_leaver("LOST", Some(me.id), &[]).await;
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
    let page = browser.get_dashboard().await;
    assert_eq!(listed(&page.body, "no-contact"), ["HELD-61", "NEVER"]);
    assert!(
        page.body.contains("last contact 2026-09-25 23:59")
            && page.body.contains("never contacted")
    );

    let shorter = spawn_app_with(&[("AFTERCARE_NO_CONTACT_DAYS", "30")]).await;
    let (b, me) = shorter.signed_in(Role::Coordinator).await;
    let l = shorter.create_leaver("HELD-45", Some(me.id), &[]).await;
    shorter
        .record_consultation(l.id, me.id, "2026-10-11T10:00", "held", "phone", None)
        .await;
    assert_eq!(
        listed(&b.get_dashboard().await.body, "no-contact"),
        ["HELD-45"]
    );
}

#[tokio::test]
async fn support_ending_within_ninety_days() {
    // With this rule support ends the day before the 22nd birthday, so any date can be made.
    let app = spawn_app_with(&[("AFTERCARE_SUPPORT_END_RULE", "day_before_birthday")]).await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    // 2026-11-25 + 90 days = 2027-02-23.
    app.create_leaver(
        "END-90",
        Some(me.id),
        &[
            ("date_of_birth", "2005-02-24"),
            ("placement_ended_on", "2023-03-31"),
        ],
    )
    .await;
    app.create_leaver(
        "END-91",
        Some(me.id),
        &[
            ("date_of_birth", "2005-02-25"),
            ("placement_ended_on", "2023-03-31"),
        ],
    )
    .await;
    app.create_leaver(
        "END-TODAY",
        Some(me.id),
        &[
            ("date_of_birth", "2004-11-26"),
            ("placement_ended_on", "2023-03-31"),
        ],
    )
    .await;
    app.create_leaver(
        "ENDED",
        Some(me.id),
        &[
            ("date_of_birth", "2004-11-25"),
            ("placement_ended_on", "2023-03-31"),
        ],
    )
    .await;
    let page = browser.get_dashboard().await;
    assert_eq!(
        listed(&page.body, "support-ending"),
        ["END-TODAY", "END-90"]
    );
}

#[tokio::test]
async fn the_chart_counts_held_consultations_per_month_and_channel() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    for (at, status, channel) in [
        ("2026-11-01T00:00", "held", "phone"),
        ("2026-11-20T10:00", "held", "phone"),
        ("2026-11-21T10:00", "held", "in_person"),
        ("2026-11-22T10:00", "missed", "in_person"),
        ("2026-10-31T23:59", "held", "home_visit"),
        ("2025-12-01T00:00", "held", "online"),
        ("2025-11-30T23:59", "held", "online"),
    ] {
        app.record_consultation(l.id, me.id, at, status, channel, None)
            .await;
    }
    let page = browser.get_dashboard().await;
    let row = |month: &str| -> Vec<u32> {
        let start = page.body.find(&format!("data-month=\"{month}\"")).unwrap();
        let r = &page.body[start..];
        let r = &r[..r.find("</tr>").unwrap()];
        r.split("<td>")
            .skip(1)
            .map(|c| c.split('<').next().unwrap().parse().unwrap())
            .collect()
    };
    // Columns: in person, phone, home visit, online, message, total.
    assert_eq!(row("2026-11"), [1, 2, 0, 0, 0, 3]);
    assert_eq!(row("2026-10"), [0, 0, 1, 0, 0, 1]);
    assert_eq!(row("2025-12"), [0, 0, 0, 1, 0, 1]);
    assert!(
        !page.body.contains("data-month=\"2025-11\""),
        "twelve months only"
    );
    assert!(page.body.contains("<svg") && page.body.contains("2026-11 · Phone: 2"));
}

#[tokio::test]
async fn today_is_the_team_date_not_the_utc_date() {
    let app = spawn_app().await;
    // 15:30 UTC on the 24th is already 00:30 on the 25th in Tokyo.
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 24, 15, 30, 0).unwrap());
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("DUE-25", Some(me.id), &[]).await;
    app.record_consultation(
        l.id,
        me.id,
        "2026-11-10T10:00",
        "held",
        "phone",
        Some("2026-11-24"),
    )
    .await;
    let page = browser.get_dashboard().await;
    assert_eq!(
        listed(&page.body, "follow-ups-overdue"),
        ["DUE-25"],
        "the 24th is yesterday in Tokyo"
    );
    assert!(listed(&page.body, "follow-ups-due").is_empty());
}

#[tokio::test]
async fn a_long_list_shows_ten_and_links_to_all_of_it_in_the_register() {
    let app = spawn_app().await;
    let (b, me) = app.signed_in(Role::Coordinator).await;
    // Twelve records entered 200 days ago, never contacted.
    for n in 0..12 {
        app.create_leaver_days_ago(200, &format!("Q-{n:03}"), Some(me.id), &[])
            .await;
    }
    let dash = b.get_dashboard().await;
    let widget = &dash.body[dash.body.find("id=\"no-contact\"").unwrap()..];
    let widget = &widget[..widget.find("</section>").unwrap()];
    assert!(
        widget.contains("<span class=\"count-number\">12</span>"),
        "{widget}"
    );
    assert_eq!(widget.matches("<li>").count(), 10, "{widget}");
    let link = "/leavers?attention=no-contact&#38;coordinator=all";
    assert!(
        widget.contains(&format!(
            "<a href=\"{link}\">See all 12 in the register</a>"
        )),
        "{widget}"
    );
    // Finance reads the register's identity columns only: the list filter does not apply.
    let (finance, _) = app.signed_in(Role::Finance).await;
    let theirs = finance.get("/leavers?attention=no-contact").await;
    assert!(!theirs.body.contains("attention-filter"));
    let all = b.get("/leavers?attention=no-contact&coordinator=all").await;
    assert_eq!(all.body.matches("class=\"leaver-row\"").count(), 12);
    assert!(all.body.contains("Showing the dashboard list “No contact"));
    // The same filter never shows records outside the list: one marked "lost contact" is not
    // due a contact.
    let lost = app.create_leaver("Z-001", Some(me.id), &[]).await;
    b.post_leaver_status(
        lost.id,
        &[
            ("status", "lost_contact"),
            ("version", "1"),
            ("confirm", "yes"),
        ],
    )
    .await;
    let again = b.get("/leavers?attention=no-contact&coordinator=all").await;
    assert!(!again.body.contains("Z-001"), "{}", again.body);
    assert!(
        b.get("/leavers?coordinator=all")
            .await
            .body
            .contains("Z-001"),
        "the record exists"
    );
}

#[tokio::test]
async fn the_last_contact_follows_every_change_to_a_consultation() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("MET", Some(me.id), &[]).await;
    let last_held = || async {
        use sea_orm::EntityTrait;
        entity::leavers::Entity::find_by_id(l.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .last_held_at
    };
    // Never met, and their support started more than sixty days ago: quiet.
    assert_eq!(last_held().await, None);
    assert_eq!(
        listed(&browser.get_dashboard().await.body, "no-contact"),
        ["MET"]
    );
    let c = app
        .record_consultation(l.id, me.id, "2026-11-20T10:00", "held", "phone", None)
        .await;
    assert_eq!(last_held().await, Some(c.held_at));
    assert!(listed(&browser.get_dashboard().await.body, "no-contact").is_empty());
    // Moved back beyond sixty days: quiet again.
    let moved = [
        ("held_at", "2026-09-01T10:00"),
        ("status", "held"),
        ("channel", "phone"),
        ("summary", "Met at the office"),
        ("version", "1"),
    ];
    browser
        .post_edit_consultation(c.id, &moved)
        .await
        .assert_redirect_to(&format!("/leavers/{}#consultations", l.id));
    assert_eq!(
        listed(&browser.get_dashboard().await.body, "no-contact"),
        ["MET"]
    );
    // Cancelled: nothing held at all.
    let missed = [
        ("held_at", "2026-09-01T10:00"),
        ("status", "cancelled"),
        ("channel", "phone"),
        ("summary", ""),
        ("version", "2"),
    ];
    browser
        .post_edit_consultation(c.id, &missed)
        .await
        .assert_redirect_to(&format!("/leavers/{}#consultations", l.id));
    assert_eq!(last_held().await, None);
    // A newer one held: off the list.
    let newer = app
        .record_consultation(l.id, me.id, "2026-11-24T09:00", "held", "phone", None)
        .await;
    assert_eq!(last_held().await, Some(newer.held_at));
    assert!(listed(&browser.get_dashboard().await.body, "no-contact").is_empty());
}

#[tokio::test]
async fn two_consultations_written_at_once_both_count_for_the_last_contact() {
    use aftercare::{
        consultations::{
            forms::{ConsultationInput, parse_local_datetime},
            queries,
            rules::{Channel, Status},
        },
        db,
    };
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let (_, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("BOTH", Some(me.id), &[]).await;
    let input = |at: &str| ConsultationInput {
        held_at: parse_local_datetime(at, app.state.config.time_zone).unwrap(),
        status: Status::Held,
        channel: Channel::Phone,
        topics: Vec::new(),
        summary: Some("Met".into()),
        next_follow_up_on: None,
    };
    let later = input("2026-11-20T10:00");
    let earlier = input("2026-11-03T10:00");
    // The later one is written first and not yet committed when the earlier one is written.
    let first = db::begin_write(&app.state.db).await.unwrap();
    queries::create(&first, app.clock.now(), me.id, l.id, &later)
        .await
        .unwrap();
    let second = {
        let db = app.state.db.clone();
        let now = app.clock.now();
        let (me, leaver) = (me.id, l.id);
        tokio::spawn(async move {
            let txn = db::begin_write(&db).await.unwrap();
            queries::create(&txn, now, me, leaver, &earlier)
                .await
                .unwrap();
            txn.commit().await.unwrap();
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.commit().await.unwrap();
    second.await.unwrap();
    let stored = entity::leavers::Entity::find_by_id(l.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.last_held_at, Some(later.held_at));
}

#[tokio::test]
async fn long_follow_up_lists_are_counted_in_full() {
    let app = spawn_app().await;
    let (b, me) = app.signed_in(Role::Coordinator).await;
    // Twelve people with a follow-up overdue, and twelve with one due this week.
    for n in 0..24 {
        let l = app
            .create_leaver(&format!("F-{n:03}"), Some(me.id), &[])
            .await;
        let follow_up = if n < 12 { "2026-11-10" } else { "2026-11-27" };
        app.record_consultation(
            l.id,
            me.id,
            "2026-11-01T10:00",
            "held",
            "phone",
            Some(follow_up),
        )
        .await;
    }
    let dash = b.get_dashboard().await;
    for key in ["follow-ups-overdue", "follow-ups-due"] {
        let widget = &dash.body[dash.body.find(&format!("id=\"{key}\"")).unwrap()..];
        let widget = &widget[..widget.find("</section>").unwrap()];
        assert!(
            widget.contains("<span class=\"count-number\">12</span>"),
            "{key}: {widget}"
        );
        assert_eq!(widget.matches("<li>").count(), 10, "{key}: {widget}");
        assert!(widget.contains("See all 12 in the register"), "{key}");
    }
}
