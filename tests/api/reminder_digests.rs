//! Queueing a run's digests: each recipient's digest in a savepoint of the run's transaction,
//! so that a reminder recorded meanwhile or a digest the database refuses touches that
//! recipient's email only.
use aftercare::{reminders, roles::Role};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set};

use crate::helpers::{TestApp, TestUser, spawn_app};

fn day() -> NaiveDate {
    "2026-11-25".parse().unwrap()
}

/// A leaver of `coordinator` whose follow-up falls due on 2026-11-25.
async fn follow_up_due(app: &TestApp, case_number: &str, coordinator: &TestUser) {
    let l = app
        .create_leaver(case_number, Some(coordinator.id), &[])
        .await;
    app.record_consultation(
        l.id,
        coordinator.id,
        "2026-11-10T10:00",
        "held",
        "phone",
        Some("2026-11-25"),
    )
    .await;
}

/// The queued emails' addresses with their plain-text bodies.
async fn emails(app: &TestApp) -> Vec<(String, String)> {
    entity::outbox::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.to_address, e.body_text))
        .collect()
}

async fn enqueue_entries(app: &TestApp) -> u64 {
    use sea_orm::PaginatorTrait;
    entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("enqueue"))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reminder_recorded_by_another_run_meanwhile_is_left_out_of_its_digest() {
    let app = spawn_app().await;
    // Queued first (the lowest id), so it is in the run's open transaction when the next
    // recipient's savepoint is undone.
    let first = app.create_user(Role::Coordinator, "first@example.jp").await;
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    let other = app.create_user(Role::Coordinator, "other@example.jp").await;
    follow_up_due(&app, "SP-0", &first).await;
    follow_up_due(&app, "SP-1", &c).await;
    follow_up_due(&app, "SP-2", &c).await;
    follow_up_due(&app, "SP-3", &other).await;
    let items = reminders::run::evaluate(&app.state, day()).await.unwrap();
    let about = |case: &str| items.iter().filter(|i| i.case_number == case).count();
    assert!(about("SP-0") >= 1 && about("SP-1") >= 1 && about("SP-2") >= 1 && about("SP-3") >= 1);
    let (all, of_sp1) = (items.len(), about("SP-1"));

    // Another run records SP-1's reminder after this one read what was unsent.
    let taken = items
        .iter()
        .find(|i| i.case_number == "SP-1" && i.rule == reminders::rules::Rule::FollowUpDue)
        .expect("SP-1's follow-up is due")
        .clone();
    entity::reminders::Entity::insert(entity::reminders::ActiveModel {
        key: Set(taken.key.clone()),
        rule: Set(taken.rule.as_str().to_string()),
        recipient_kind: Set(entity::reminders::RecipientKind::User),
        recipient_id: Set(c.id),
        subject_id: Set(taken.subject_id),
        run_date: Set(day()),
        outbox_id: Set(None),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    })
    .exec(&app.state.db)
    .await
    .unwrap();

    // One transaction for the whole run.
    let report = reminders::run::queue(&app.state, day(), items, usize::MAX)
        .await
        .unwrap();
    assert_eq!(
        (report.emails, report.reminders, report.failed),
        (3, all - 1, 0)
    );
    let sent = emails(&app).await;
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(
        sent.iter()
            .any(|(to, b)| to == "first@example.jp" && b.contains("SP-0"))
    );
    let (_, to_c) = sent
        .iter()
        .find(|(to, _)| to == "c@example.jp")
        .expect("c's digest is queued");
    assert!(to_c.contains("SP-2"), "{to_c}");
    assert_eq!(
        to_c.matches("SP-1").count(),
        of_sp1 - 1,
        "sent twice: {to_c}"
    );
    assert!(
        sent.iter()
            .any(|(to, b)| to == "other@example.jp" && b.contains("SP-3"))
    );
    // The other run's record of it stands as it was.
    let kept = entity::reminders::Entity::find()
        .filter(entity::reminders::Column::Key.eq(taken.key.as_str()))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("still on record");
    assert_eq!(kept.outbox_id, None);
    // One audit entry per email queued; the undone attempt left none.
    assert_eq!(enqueue_entries(&app).await, 3);
}

#[tokio::test]
async fn a_digest_the_database_refuses_does_not_hold_back_the_others() {
    // Committed after each digest, and all in one transaction.
    for commit_every in [1, usize::MAX] {
        refused_digest_alone(commit_every).await;
    }
}

async fn refused_digest_alone(commit_every: usize) {
    let app = spawn_app().await;
    let before = app
        .create_user(Role::Coordinator, "before@example.jp")
        .await;
    let refused = app
        .create_user(Role::Coordinator, "refused@example.jp")
        .await;
    let after = app.create_user(Role::Coordinator, "after@example.jp").await;
    follow_up_due(&app, "SP-1", &before).await;
    follow_up_due(&app, "SP-2", &refused).await;
    follow_up_due(&app, "SP-3", &after).await;

    // The database refuses the middle recipient's reminders (digests are queued in the order
    // of their recipients' ids), once the email itself is already in the outbox, as a broken
    // constraint would.
    let db = &app.state.db;
    let (create, drop) = match db.get_database_backend() {
        DbBackend::Postgres => (
            vec![
                format!(
                    "CREATE FUNCTION refuse_reminder() RETURNS trigger AS $$ BEGIN \
                     IF NEW.recipient_id = {} THEN RAISE EXCEPTION 'refused'; END IF; \
                     RETURN NEW; END $$ LANGUAGE plpgsql",
                    refused.id
                ),
                "CREATE TRIGGER refuse_reminder BEFORE INSERT ON reminders FOR EACH ROW \
                 EXECUTE FUNCTION refuse_reminder()"
                    .to_string(),
            ],
            "DROP TRIGGER refuse_reminder ON reminders",
        ),
        _ => (
            vec![format!(
                "CREATE TRIGGER refuse_reminder BEFORE INSERT ON reminders \
                 WHEN NEW.recipient_id = {} BEGIN SELECT RAISE(ABORT, 'refused'); END",
                refused.id
            )],
            "DROP TRIGGER refuse_reminder",
        ),
    };
    for sql in &create {
        db.execute_unprepared(sql).await.unwrap();
    }
    let items = reminders::run::evaluate(&app.state, day()).await.unwrap();
    let of = |who: &TestUser| {
        items
            .iter()
            .filter(|i| i.recipient == reminders::item::Recipient::User(who.id))
            .count()
    };
    let (held_back, queued) = (of(&refused), of(&before) + of(&after));
    assert!(held_back >= 1 && of(&before) >= 1 && of(&after) >= 1);
    let report = reminders::run::queue(&app.state, day(), items, commit_every)
        .await
        .unwrap();
    assert_eq!(
        (report.emails, report.reminders, report.failed),
        (2, queued, 1),
        "committing every {commit_every}"
    );
    let mut to: Vec<String> = emails(&app).await.into_iter().map(|(to, _)| to).collect();
    to.sort();
    assert_eq!(
        to,
        ["after@example.jp", "before@example.jp"],
        "nothing of the refused digest is kept, nothing of the others lost"
    );
    assert_eq!(enqueue_entries(&app).await, 2);

    // Once the database takes it, the next run sends what was held back, and only that.
    db.execute_unprepared(drop).await.unwrap();
    let report = reminders::run::run_for_day(&app.state, day())
        .await
        .unwrap();
    assert_eq!(
        (report.emails, report.reminders, report.failed),
        (1, held_back, 0)
    );
    let sent = emails(&app).await;
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter()
            .any(|(to, b)| to == "refused@example.jp" && b.contains("SP-2"))
    );
}
