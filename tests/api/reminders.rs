//! The reminder job: each rule around its boundary dates, digests, exactly-once keys, the
//! outbox with retries, the schedule with its lease and catch-up, and the dry run.
use aftercare::{
    i18n::Lang,
    jobs::{lease, scheduler},
    reminders::{self, delivery},
    roles::Role,
};
use chrono::{Days, NaiveDate, TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn emails(app: &TestApp) -> Vec<entity::outbox::Model> {
    entity::outbox::Entity::find()
        .order_by_asc(entity::outbox::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

/// Rules and case numbers of the reminders recorded for `day`.
async fn sent_on(app: &TestApp, day: &str) -> Vec<String> {
    let mut keys: Vec<String> = entity::reminders::Entity::find()
        .filter(entity::reminders::Column::RunDate.eq(d(day)))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {}", r.rule, r.subject_id))
        .collect();
    keys.sort();
    keys
}

async fn run(app: &TestApp, day: &str) -> reminders::run::RunReport {
    reminders::run::run_for_day(&app.state, d(day))
        .await
        .unwrap()
}

/// One coordinator with one leaver whose follow-up falls due on 2026-11-25.
pub async fn one_follow_up_due_on_25_november(app: &TestApp) {
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    let l = app.create_leaver("SP-1", Some(c.id), &[]).await;
    app.record_consultation(
        l.id,
        c.id,
        "2026-11-10T10:00",
        "held",
        "phone",
        Some("2026-11-25"),
    )
    .await;
}

#[tokio::test]
async fn follow_ups_due_and_overdue_around_their_boundaries() {
    let app = spawn_app().await;
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    let mut ids = std::collections::HashMap::new();
    for (case, due) in [
        ("TODAY", "2026-11-25"),
        ("TOMORROW", "2026-11-26"),
        ("LATER", "2026-11-27"),
        ("YESTERDAY", "2026-11-24"),
    ] {
        let l = app.create_leaver(case, Some(c.id), &[]).await;
        app.record_consultation(l.id, c.id, "2026-11-10T10:00", "held", "phone", Some(due))
            .await;
        ids.insert(case, l.id);
    }
    run(&app, "2026-11-25").await;
    let mut expected = vec![
        format!("follow_up_due {}", ids["TODAY"]),
        format!("follow_up_due {}", ids["TOMORROW"]),
        format!("follow_up_overdue {}", ids["YESTERDAY"]),
    ];
    expected.sort();
    let follow_ups: Vec<String> = sent_on(&app, "2026-11-25")
        .await
        .into_iter()
        .filter(|k| k.starts_with("follow_up"))
        .collect();
    assert_eq!(follow_ups, expected);
    // Overdue repeats at most weekly: nothing new six days later, again on the eighth day over.
    run(&app, "2026-11-30").await;
    assert!(
        !sent_on(&app, "2026-11-30")
            .await
            .iter()
            .any(|k| k.contains(&format!("overdue {}", ids["YESTERDAY"])))
    );
    run(&app, "2026-12-02").await;
    assert!(
        sent_on(&app, "2026-12-02")
            .await
            .contains(&format!("follow_up_overdue {}", ids["YESTERDAY"]))
    );
}

#[tokio::test]
async fn no_contact_allowance_ending_and_support_ending() {
    let app = spawn_app_with(&[("AFTERCARE_SUPPORT_END_RULE", "day_before_birthday")]).await;
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    let (coordinator, _) = {
        let b = app.browser();
        b.login("c@example.jp", crate::helpers::PASSWORD).await;
        (b, ())
    };
    // No contact: last held 60 days before 2026-11-25 is fine, 61 is not.
    let q60 = app
        .create_leaver("Q60", Some(c.id), &[("date_of_birth", "2006-04-02")])
        .await;
    app.record_consultation(q60.id, c.id, "2026-09-26T10:00", "held", "phone", None)
        .await;
    let q61 = app
        .create_leaver("Q61", Some(c.id), &[("date_of_birth", "2006-04-02")])
        .await;
    app.record_consultation(q61.id, c.id, "2026-09-25T10:00", "held", "phone", None)
        .await;
    // Support ends the day before the 22nd birthday: 2027-02-23 is 90 days away, 2027-02-24 91.
    let e90 = app
        .create_leaver("E90", Some(c.id), &[("date_of_birth", "2005-02-24")])
        .await;
    let e91 = app
        .create_leaver("E91", Some(c.id), &[("date_of_birth", "2005-02-25")])
        .await;
    for l in [&e90, &e91] {
        app.record_consultation(l.id, c.id, "2026-11-20T10:00", "held", "phone", None)
            .await;
    }
    // An approved allowance for 2026-12 to 2027-01: its last day is 2027-01-31.
    let a = app.create_allowance(q60.id, c.id).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    for (b, action) in [(&coordinator, "submit"), (&finance, "approve")] {
        b.take_allowance_step(a.id, action, "")
            .await
            .assert_redirect_under("/allowances/");
    }
    run(&app, "2026-11-25").await;
    let today = sent_on(&app, "2026-11-25").await;
    assert!(
        today.contains(&format!("no_contact {}", q61.id))
            && !today.contains(&format!("no_contact {}", q60.id))
    );
    assert!(
        today.contains(&format!("support_ending {}", e90.id))
            && !today.contains(&format!("support_ending {}", e91.id))
    );
    assert!(!today.iter().any(|k| k.starts_with("allowance_ending")));
    // 31 days before the last day: not yet; 30 days before: yes.
    run(&app, "2026-12-31").await;
    assert!(
        !sent_on(&app, "2026-12-31")
            .await
            .contains(&format!("allowance_ending {}", a.id))
    );
    run(&app, "2027-01-01").await;
    assert!(
        sent_on(&app, "2027-01-01")
            .await
            .contains(&format!("allowance_ending {}", a.id))
    );
    // Support ending again within 30 days: 2027-01-24 is 30 days before 2027-02-23.
    run(&app, "2027-01-23").await;
    assert!(
        !sent_on(&app, "2027-01-23")
            .await
            .contains(&format!("support_ending {}", e90.id))
    );
    run(&app, "2027-01-24").await;
    assert!(
        sent_on(&app, "2027-01-24")
            .await
            .contains(&format!("support_ending {}", e90.id))
    );
}

#[tokio::test]
async fn approvals_waiting_go_to_every_finance_user_and_appointments_to_consenting_leavers() {
    let app = spawn_app().await;
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    let f1 = app.create_user(Role::Finance, "f1@example.jp").await;
    let f2 = app
        .create_user_lang(Role::Finance, "f2@example.jp", Lang::Ja)
        .await;
    let l = app.create_leaver("SP-1", Some(c.id), &[]).await;
    let quiet = app
        .create_leaver("NOCONSENT", Some(c.id), &[("contact_consent", "")])
        .await;
    let no_address = app
        .create_leaver("NOEMAIL", Some(c.id), &[("email", "")])
        .await;
    let a = app.create_allowance(l.id, c.id).await;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let mut am = a.into_active_model();
    am.status = Set(entity::allowances::Status::Submitted);
    am.submitted_at = Set(Some(app.clock.now()));
    am.update(&app.state.db).await.unwrap();
    for (leaver, at) in [
        (l.id, "2026-11-26T10:00"),
        (quiet.id, "2026-11-26T11:00"),
        (no_address.id, "2026-11-26T12:00"),
        (l.id, "2026-11-27T10:00"),
    ] {
        app.record_consultation(leaver, c.id, at, "planned", "in_person", None)
            .await;
    }
    run(&app, "2026-11-25").await;
    let all = emails(&app).await;
    let to: Vec<&str> = all.iter().map(|e| e.to_address.as_str()).collect();
    assert!(to.contains(&"f1@example.jp") && to.contains(&"f2@example.jp"));
    assert!(
        to.contains(&"hanako@example.jp"),
        "the consenting leaver hears of tomorrow's appointment"
    );
    assert_eq!(
        all.iter()
            .filter(|e| e.to_address == "hanako@example.jp")
            .count(),
        1,
        "only tomorrow's"
    );
    assert_eq!(
        all.len(),
        4,
        "two finance users, the coordinator's digest and one leaver: {to:?}"
    );
    let leaver_mail = all
        .iter()
        .find(|e| e.to_address == "hanako@example.jp")
        .unwrap();
    assert!(
        leaver_mail
            .body_text
            .contains("2026年11月26日 10:00（対面）"),
        "{}",
        leaver_mail.body_text
    );
    assert!(!leaver_mail.body_text.contains("SP-1") && !leaver_mail.body_text.contains("summary"));
    let ja = all
        .iter()
        .find(|e| e.to_address == "f2@example.jp")
        .unwrap();
    assert!(
        ja.subject.starts_with("アフターケア") && ja.body_text.contains("決裁待ち 1件"),
        "{}",
        ja.body_text
    );
    let en = all
        .iter()
        .find(|e| e.to_address == "f1@example.jp")
        .unwrap();
    assert!(en.subject.starts_with("Aftercare: one reminder for"));
    assert!(
        en.body_text
            .contains("http://127.0.0.1:8080/allowances?status=submitted")
    );
    let _ = (f1, f2);
}

#[tokio::test]
async fn one_digest_per_recipient_with_links_and_no_consultation_content() {
    let app = spawn_app_with(&[("AFTERCARE_BASE_URL", "https://aftercare.example.jp")]).await;
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    let other = app.create_user(Role::Coordinator, "o@example.jp").await;
    let a = app.create_leaver("A-1", Some(c.id), &[]).await;
    let b = app.create_leaver("B-1", Some(c.id), &[]).await;
    let x = app.create_leaver("X-1", Some(other.id), &[]).await;
    for l in [&a, &b, &x] {
        app.record_consultation(
            l.id,
            c.id,
            "2026-11-10T10:00",
            "held",
            "phone",
            Some("2026-11-25"),
        )
        .await;
    }
    let report = run(&app, "2026-11-25").await;
    assert_eq!(report.emails, 2, "one email per coordinator");
    let mine = emails(&app)
        .await
        .into_iter()
        .find(|e| e.to_address == "c@example.jp")
        .unwrap();
    assert!(mine.body_text.contains("A-1 山田 花子") && mine.body_text.contains("B-1 山田 花子"));
    assert!(!mine.body_text.contains("X-1"));
    assert!(
        mine.body_text
            .contains(&format!("https://aftercare.example.jp/leavers/{}", a.id))
    );
    assert!(mine.body_html.contains(&format!(
        "<a href=\"https://aftercare.example.jp/leavers/{}\">",
        a.id
    )));
    assert!(
        !mine.body_text.contains("summary of"),
        "no consultation content"
    );
    // Delivered to the outbox folder as .eml files.
    let delivered = delivery::deliver_due(&app.state, "test").await.unwrap();
    assert_eq!(delivered.sent, 2);
    let files = std::fs::read_dir(app.state.config.outbox_dir())
        .unwrap()
        .count();
    assert_eq!(files, 2);
    assert!(
        emails(&app)
            .await
            .iter()
            .all(|e| e.status == entity::outbox::Status::Sent)
    );
}

#[tokio::test]
async fn running_twice_for_one_day_sends_nothing_twice() {
    let app = spawn_app().await;
    one_follow_up_due_on_25_november(&app).await;
    assert_eq!(run(&app, "2026-11-25").await.emails, 1);
    assert_eq!(
        run(&app, "2026-11-25").await,
        reminders::run::RunReport::default()
    );
    assert_eq!(emails(&app).await.len(), 1);
}

#[tokio::test]
async fn a_dry_run_sends_and_records_nothing() {
    let app = spawn_app().await;
    one_follow_up_due_on_25_november(&app).await;
    let plan = reminders::run::dry_run(&app.state, d("2026-11-25"))
        .await
        .unwrap();
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].0.email, "c@example.jp");
    assert_eq!(
        entity::reminders::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    assert!(emails(&app).await.is_empty());
}

#[tokio::test]
async fn a_failed_send_is_retried_with_backoff_then_marked_failed_and_retried_by_an_admin() {
    // Port 9 on loopback: nothing listens, every send fails.
    let app = spawn_app_with(&[("AFTERCARE_SMTP_URL", "smtp://127.0.0.1:9")]).await;
    one_follow_up_due_on_25_november(&app).await;
    run(&app, "2026-11-25").await;
    let first = delivery::deliver_due(&app.state, "test").await.unwrap();
    assert_eq!(first.retrying, 1);
    let e = &emails(&app).await[0];
    assert_eq!((e.status.as_str(), e.attempts), ("pending", 1));
    assert!(e.last_error.as_deref().is_some_and(|m| !m.is_empty()));
    // Not due again before the backoff has passed: waiting, not sent.
    assert_eq!(
        delivery::deliver_due(&app.state, "test").await.unwrap(),
        delivery::Delivered {
            waiting: 1,
            ..Default::default()
        }
    );
    for _ in 1..delivery::MAX_ATTEMPTS {
        app.clock.advance(chrono::Duration::hours(7));
        delivery::deliver_due(&app.state, "test").await.unwrap();
    }
    let e = &emails(&app).await[0];
    assert_eq!(
        (e.status.as_str(), e.attempts),
        ("failed", delivery::MAX_ATTEMPTS)
    );
    let (admin, _) = app.signed_in(Role::Admin).await;
    let page = admin.get("/admin/reminders?status=failed").await;
    assert!(page.body.contains("c@example.jp") && page.body.contains("Failed"));
    let error = e.last_error.clone().unwrap();
    let shown = error
        .replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;");
    assert!(
        page.body.contains(&error) || page.body.contains(&shown),
        "the last error is shown: {error}"
    );
    admin
        .post(&format!("/admin/reminders/{}/retry", e.id), &[])
        .await
        .assert_redirect_to("/admin/reminders");
    let e = &emails(&app).await[0];
    assert_eq!(
        (e.status.as_str(), e.attempts),
        ("pending", 1),
        "retried at once, still failing"
    );
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "retry" && r.1 == "email")
    );
}

#[tokio::test]
async fn a_message_the_server_refuses_is_kept_and_retried_with_its_answer() {
    let Some(smtp) = crate::smtp::TestSmtp::reserve() else {
        return;
    };
    let _server = smtp.start_refusing();
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let app = spawn_app_with(&[("AFTERCARE_SMTP_URL", url.as_str())]).await;
    one_follow_up_due_on_25_november(&app).await;
    run(&app, "2026-11-25").await;
    let first = delivery::deliver_due(&app.state, "test").await.unwrap();
    assert_eq!((first.sent, first.retrying), (0, 1));
    let e = &emails(&app).await[0];
    assert_eq!((e.status.as_str(), e.attempts), ("pending", 1));
    assert!(
        e.last_error.as_deref().is_some_and(|m| m.contains("550")),
        "{:?}",
        e.last_error
    );
}

#[tokio::test]
async fn a_real_smtp_server_down_then_up_gets_every_email_once() {
    let Some(smtp) = crate::smtp::TestSmtp::reserve() else {
        return;
    };
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let app = spawn_app_with(&[("AFTERCARE_SMTP_URL", url.as_str())]).await;
    one_follow_up_due_on_25_november(&app).await;
    run(&app, "2026-11-25").await;
    assert_eq!(
        delivery::deliver_due(&app.state, "test")
            .await
            .unwrap()
            .retrying,
        1,
        "server down"
    );
    let server = smtp.start();
    app.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(
        delivery::deliver_due(&app.state, "test")
            .await
            .unwrap()
            .sent,
        1,
        "server up"
    );
    app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(
        delivery::deliver_due(&app.state, "test").await.unwrap(),
        delivery::Delivered::default()
    );
    let received = server.messages();
    assert_eq!(received.len(), 1, "delivered once");
    assert!(received[0].contains("To: c@example.jp"));
}

#[tokio::test]
async fn two_schedulers_on_one_database_make_one_run() {
    let first = spawn_app().await;
    let url = first.state.config.database_url.clone();
    let second = spawn_app_with(&[("AFTERCARE_DATABASE_URL", url.as_str())]).await;
    second.clock.set(first.clock.now());
    let c = first.create_user(Role::Coordinator, "c@example.jp").await;
    let l = first.create_leaver("SP-1", Some(c.id), &[]).await;
    first
        .record_consultation(
            l.id,
            c.id,
            "2026-11-10T10:00",
            "held",
            "phone",
            Some("2026-11-25"),
        )
        .await;
    let (a, b) = tokio::join!(
        scheduler::tick(&first.state, "one"),
        scheduler::tick(&second.state, "two")
    );
    let runs = [a.unwrap(), b.unwrap()].into_iter().flatten().count();
    assert_eq!(runs, 1, "exactly one instance ran the fire");
    assert_eq!(
        entity::job_runs::Entity::find()
            .count(&first.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(emails(&first).await.len(), 1);
    // Later ticks for the same fire do nothing.
    assert!(
        scheduler::tick(&second.state, "two")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_lease_of_a_crashed_instance_expires_and_another_takes_over() {
    let app = spawn_app().await;
    one_follow_up_due_on_25_november(&app).await;
    // An instance took the lease for today's fire and died without releasing it.
    let now = app.clock.now();
    assert!(
        lease::acquire_lease(
            &app.state.db,
            scheduler::JOB,
            "crashed",
            now,
            lease::LEASE_TTL,
        )
        .await
        .unwrap()
    );
    assert!(
        scheduler::tick(&app.state, "survivor")
            .await
            .unwrap()
            .is_none(),
        "a live lease is respected"
    );
    assert!(emails(&app).await.is_empty());
    app.clock
        .advance(lease::LEASE_TTL + chrono::Duration::seconds(1));
    assert!(
        scheduler::tick(&app.state, "survivor")
            .await
            .unwrap()
            .is_some(),
        "an expired lease is taken over"
    );
    assert_eq!(emails(&app).await.len(), 1);
}

#[tokio::test]
async fn a_missed_fire_is_made_up_once_at_start_up() {
    let app = spawn_app().await;
    // 09:00 in Tokyo: today's 07:00 fire has passed and no run is recorded.
    let done = scheduler::tick(&app.state, "me").await.unwrap();
    assert!(done.is_some());
    let runs = || async {
        entity::job_runs::Entity::find()
            .order_by_asc(entity::job_runs::Column::FireAt)
            .all(&app.state.db)
            .await
            .unwrap()
    };
    assert_eq!(runs().await[0].run_date, d("2026-11-25"));
    // The server is down for three days; at the next start the latest fire runs once.
    app.clock.advance(chrono::Duration::days(3));
    assert!(scheduler::tick(&app.state, "me").await.unwrap().is_some());
    assert!(scheduler::tick(&app.state, "me").await.unwrap().is_none());
    let dates: Vec<NaiveDate> = runs().await.iter().map(|r| r.run_date).collect();
    assert_eq!(dates, [d("2026-11-25"), d("2026-11-28")]);
    // Before 07:00 the previous day's fire is the latest.
    let app2 = spawn_app().await;
    app2.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 21, 0, 0).unwrap());
    scheduler::tick(&app2.state, "me").await.unwrap();
    let first = entity::job_runs::Entity::find()
        .one(&app2.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.run_date, d("2026-11-24"));
    assert_eq!(
        first.emails, 0,
        "a first start does not send yesterday's reminders"
    );
    let _ = Days::new(0);
}

#[tokio::test]
async fn plan_missing_and_plan_review_due() {
    let app = spawn_app().await;
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    // Support starts 2026-10-26: a plan is expected from 2026-11-25.
    let new = app
        .create_leaver("NEW", Some(c.id), &[("placement_ended_on", "2026-10-25")])
        .await;
    let with_plan = app
        .create_leaver(
            "PLANNED",
            Some(c.id),
            &[("placement_ended_on", "2026-10-25")],
        )
        .await;
    let plan = app.create_plan(with_plan.id, c.id).await;
    let txn = aftercare::db::begin_write(&app.state.db).await.unwrap();
    aftercare::plans::queries::agree(
        &txn,
        app.clock.now(),
        c.id,
        &plan,
        1,
        d("2026-11-25"),
        d("2026-12-09"),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    run(&app, "2026-11-24").await;
    assert!(
        !sent_on(&app, "2026-11-24")
            .await
            .iter()
            .any(|k| k.starts_with("plan_missing"))
    );
    run(&app, "2026-11-25").await;
    let today = sent_on(&app, "2026-11-25").await;
    assert!(today.contains(&format!("plan_missing {}", new.id)));
    assert!(!today.contains(&format!("plan_missing {}", with_plan.id)));
    // Review on 2026-12-09: announced from 14 days before, not 15.
    assert!(
        !sent_on(&app, "2026-11-24")
            .await
            .contains(&format!("plan_review_due {}", plan.id))
    );
    assert!(
        today.contains(&format!("plan_review_due {}", plan.id)),
        "{today:?}"
    );
    // No plan text in a staff email.
    for e in emails(&app).await {
        assert!(!e.body_text.contains(&plan.wishes) && !e.body_html.contains(&plan.wishes));
    }
    // A missing plan already reminded of is left out by the database itself the next day.
    let next = reminders::run::evaluate(&app.state, d("2026-11-26"))
        .await
        .unwrap();
    assert!(
        !next
            .iter()
            .any(|i| i.rule == reminders::rules::Rule::PlanMissing)
    );
}

#[tokio::test]
async fn escalations_and_waiting_extensions_go_to_every_admin() {
    let app = spawn_app().await;
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    let a1 = app.create_user(Role::Admin, "a1@example.jp").await;
    let a2 = app.create_user(Role::Admin, "a2@example.jp").await;
    // Cadence 56 + escalation 14 = 70 days: 2026-11-25 minus 70 days is 2026-09-16.
    let fine = app
        .create_leaver("FINE", Some(c.id), &[("contact_every_days", "56")])
        .await;
    app.record_consultation(fine.id, c.id, "2026-09-16T10:00", "held", "phone", None)
        .await;
    let lapsed = app
        .create_leaver("LAPSED", Some(c.id), &[("contact_every_days", "56")])
        .await;
    app.record_consultation(lapsed.id, c.id, "2026-09-15T10:00", "held", "phone", None)
        .await;
    app.create_extension(fine.id, c.id).await;
    run(&app, "2026-11-25").await;
    let today = sent_on(&app, "2026-11-25").await;
    assert_eq!(
        today
            .iter()
            .filter(|k| *k == &format!("contact_escalation {}", lapsed.id))
            .count(),
        2,
        "{today:?}"
    );
    assert!(!today.contains(&format!("contact_escalation {}", fine.id)));
    assert!(
        today.contains(&format!("extension_waiting {}", a1.id))
            && today.contains(&format!("extension_waiting {}", a2.id))
    );
    let mail = emails(&app)
        .await
        .into_iter()
        .find(|e| e.to_address == "a1@example.jp")
        .unwrap();
    assert!(mail.body_text.contains("LAPSED") && !mail.body_text.contains("summary of"));
    // The admin dashboard lists the escalation and the waiting extension.
    let (admin, _) = app.signed_in(Role::Admin).await;
    let page = admin.get_dashboard().await;
    let escalations = &page.body[page.body.find("id=\"escalations\"").unwrap()..];
    assert!(escalations[..escalations.find("</section>").unwrap()].contains("LAPSED"));
    let waiting = &page.body[page.body.find("id=\"extensions-waiting\"").unwrap()..];
    assert!(waiting[..waiting.find("</section>").unwrap()].contains("FINE"));
}

#[tokio::test]
async fn the_no_contact_widget_uses_each_persons_cadence() {
    let app = spawn_app().await;
    let (b, me) = app.signed_in(Role::Coordinator).await;
    // Every 10 days: 2026-11-15 is fine, 2026-11-14 is not.
    let ok = app
        .create_leaver("TEN-OK", Some(me.id), &[("contact_every_days", "10")])
        .await;
    app.record_consultation(ok.id, me.id, "2026-11-15T10:00", "held", "phone", None)
        .await;
    let late = app
        .create_leaver("TEN-LATE", Some(me.id), &[("contact_every_days", "10")])
        .await;
    app.record_consultation(late.id, me.id, "2026-11-14T10:00", "held", "phone", None)
        .await;
    let page = b.get_dashboard().await;
    let widget = &page.body[page.body.find("id=\"no-contact\"").unwrap()..];
    let widget = &widget[..widget.find("</section>").unwrap()];
    assert!(widget.contains("TEN-LATE") && !widget.contains("TEN-OK"));
    // The coordinator's no_contact reminder counts from the same cadence.
    run(&app, "2026-11-25").await;
    let today = sent_on(&app, "2026-11-25").await;
    assert!(
        today.contains(&format!("no_contact {}", late.id)),
        "{today:?}"
    );
    assert!(
        !today.contains(&format!("no_contact {}", ok.id)),
        "{today:?}"
    );
}

#[tokio::test]
async fn reminders_without_a_coordinator_to_receive_them_go_to_the_admins() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let lead = app.create_user(Role::Admin, "lead@example.jp").await;
    let leaving = app
        .create_user(Role::Coordinator, "leaving@example.jp")
        .await;
    let unassigned = app.create_leaver("NOBODY", None, &[]).await;
    let orphaned = app.create_leaver("ORPHANED", Some(leaving.id), &[]).await;
    for l in [&unassigned, &orphaned] {
        app.record_consultation(
            l.id,
            leaving.id,
            "2026-11-10T10:00",
            "held",
            "phone",
            Some("2026-11-25"),
        )
        .await;
    }
    admin
        .post(
            &format!("/admin/users/{}/deactivate", leaving.id),
            &[("version", "1")],
        )
        .await
        .assert_redirect_to("/admin/users");
    run(&app, "2026-11-25").await;
    let mail = emails(&app).await;
    assert!(
        !mail.iter().any(|e| e.to_address == "leaving@example.jp"),
        "a deactivated account receives nothing"
    );
    let to_lead = mail
        .iter()
        .find(|e| e.to_address == lead.email)
        .expect("the team lead is told");
    assert!(to_lead.body_text.contains("NOBODY") && to_lead.body_text.contains("ORPHANED"));
    // Every active admin gets the items, each under a key of its own; a second run adds
    // nothing.
    let due: Vec<String> = sent_on(&app, "2026-11-25")
        .await
        .into_iter()
        .filter(|k| k.starts_with("follow_up_due"))
        .collect();
    assert_eq!(due.len(), 4, "{due:?}");
    assert_eq!(run(&app, "2026-11-25").await.emails, 0);
}

#[tokio::test]
async fn a_claim_left_by_a_crashed_sender_is_retried_and_only_failed_emails_are_retried_by_hand() {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let app = spawn_app().await;
    one_follow_up_due_on_25_november(&app).await;
    run(&app, "2026-11-25").await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let e = emails(&app).await.remove(0);
    // Pending emails have no "retry now".
    assert_eq!(
        admin
            .post(&format!("/admin/reminders/{}/retry", e.id), &[])
            .await
            .status,
        404
    );
    // A sender crashed after claiming it: the claim runs out and the email goes out once.
    let mut am = e.into_active_model();
    am.status = Set(entity::outbox::Status::Sending);
    am.attempts = Set(1);
    am.next_attempt_at = Set(app.clock.now() + chrono::Duration::minutes(15));
    am.update(&app.state.db).await.unwrap();
    assert_eq!(
        delivery::deliver_due(&app.state, "test").await.unwrap(),
        delivery::Delivered {
            waiting: 1,
            ..Default::default()
        }
    );
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(
        delivery::deliver_due(&app.state, "test")
            .await
            .unwrap()
            .sent,
        1
    );
    assert_eq!(
        delivery::deliver_due(&app.state, "test").await.unwrap(),
        delivery::Delivered::default()
    );
    let e = emails(&app).await.remove(0);
    assert_eq!((e.status.as_str(), e.attempts), ("sent", 2));
}

/// A lease is short and renewed while its holder works: a long run keeps it, a released one
/// is free at once, and one whose work was dropped (a request abandoned, a shutdown) is no
/// longer renewed and lapses.
#[tokio::test]
async fn a_lease_is_renewed_while_its_holder_works() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let expiry = |name: &'static str| {
        let db = app.state.db.clone();
        async move {
            entity::leases::Entity::find_by_id(name.to_string())
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .expires_at
        }
    };
    let every = std::time::Duration::from_millis(100);
    let seen = lease::with_lease_renewed_every(&app.state, "long-job", "worker", every, async {
        // 25 s pass on the clock: without a renewal the lease would lapse in 5 more.
        app.clock.advance(chrono::Duration::seconds(25));
        let wanted = app.clock.now() + lease::LEASE_TTL;
        let mut renewed = None;
        for _ in 0..100 {
            tokio::time::sleep(every).await;
            if expiry("long-job").await == wanted {
                renewed = Some(wanted);
                break;
            }
        }
        let other = lease::acquire_lease(
            &app.state.db,
            "long-job",
            "other",
            app.clock.now() + chrono::Duration::seconds(10),
            lease::LEASE_TTL,
        )
        .await
        .unwrap();
        (renewed, other)
    })
    .await
    .unwrap()
    .unwrap();
    assert!(seen.0.is_some(), "renewed while working");
    assert!(!seen.1, "a renewed lease is not taken over");
    assert!(
        lease::acquire_lease(
            &app.state.db,
            "long-job",
            "other",
            app.clock.now(),
            lease::LEASE_TTL
        )
        .await
        .unwrap(),
        "released when the work is done"
    );

    // Work dropped halfway: the heartbeat stops with it.
    let abandoned = tokio::time::timeout(
        std::time::Duration::from_millis(250),
        lease::with_lease_renewed_every(
            &app.state,
            "dropped-job",
            "worker",
            every,
            std::future::pending::<()>(),
        ),
    )
    .await;
    assert!(abandoned.is_err(), "the work never finished");
    let left = expiry("dropped-job").await;
    app.clock.advance(chrono::Duration::seconds(5));
    tokio::time::sleep(every * 5).await;
    assert_eq!(
        expiry("dropped-job").await,
        left,
        "no renewal after the drop"
    );
    app.clock.advance(lease::LEASE_TTL);
    assert!(
        lease::acquire_lease(
            &app.state.db,
            "dropped-job",
            "other",
            app.clock.now(),
            lease::LEASE_TTL
        )
        .await
        .unwrap(),
        "and the lease lapses"
    );
}

#[tokio::test]
async fn a_missing_plan_goes_to_the_admins_once_its_coordinator_leaves() {
    let app = spawn_app().await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    let leaving = app
        .create_user(Role::Coordinator, "leaving@example.jp")
        .await;
    // Support starts 2026-10-26: a plan is expected from 2026-11-25.
    let person = app
        .create_leaver(
            "NOPLAN",
            Some(leaving.id),
            &[("placement_ended_on", "2026-10-25")],
        )
        .await;
    run(&app, "2026-11-25").await;
    let mine = format!("plan_missing|leaver:{}|2026-10-26", person.id);
    let first: Vec<String> = reminder_keys(&app).await;
    assert!(first.contains(&mine), "{first:?}");
    admin
        .post(
            &format!("/admin/users/{}/deactivate", leaving.id),
            &[("version", "1")],
        )
        .await
        .assert_redirect_to("/admin/users");
    // The coordinator can no longer act on it: the team lead is told the next day.
    run(&app, "2026-11-26").await;
    let keys = reminder_keys(&app).await;
    let to_lead = format!("{mine}/lead:{}", me.id);
    assert!(keys.contains(&to_lead), "{keys:?}");
}

async fn reminder_keys(app: &TestApp) -> Vec<String> {
    use sea_orm::EntityTrait;
    entity::reminders::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect()
}
