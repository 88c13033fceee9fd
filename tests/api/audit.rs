use aftercare::{audit::chain as audit, roles::Role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_audit_page_lists_newest_first_with_filters_and_pages() {
    let app = spawn_app().await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    let other = app.create_user(Role::Coordinator, "other@example.jp").await;
    // 60 failed sign-ins with no actor, then one action by the admin.
    for i in 0..60 {
        app.browser()
            .login(&format!("ghost{i}@example.jp"), "wrong password!")
            .await;
    }
    let edit = format!("/admin/users/{}/edit", other.id);
    admin
        .submit(
            &edit,
            &edit,
            &[
                ("name", "Other"),
                ("email", "other@example.jp"),
                ("role", "finance"),
                ("language", "en"),
                ("version", "1"),
            ],
        )
        .await
        .assert_redirect_to("/admin/users");

    let first = admin.get_audit("").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body.matches("class=\"audit-row\"").count(), 50);
    let newest = first
        .body
        .find("Role: Support coordinator → Finance")
        .expect("the edit is listed");
    let a_failure = first.body.find("Sign-in failed").unwrap();
    assert!(newest < a_failure, "newest first");
    assert!(first.body.contains("rel=\"next\""));
    let second = admin.get_audit("page=2").await;
    assert!(second.body.matches("class=\"audit-row\"").count() >= 13);
    assert!(second.body.contains("rel=\"prev\""));

    let mine = admin.get_audit(&format!("actor={}", me.id)).await;
    assert!(mine.body.contains("Role: Support coordinator → Finance"));
    assert!(!mine.body.contains("Sign-in failed"));
    let users_only = admin.get_audit("entity=user").await;
    assert_eq!(users_only.status, 200);
    assert!(users_only.body.contains("<option value=\"user\" selected>"));
    assert!(
        users_only
            .body
            .contains("Role: Support coordinator → Finance")
    );
    // Filtering by entity leaves out everything else.
    app.create_leaver("SP-1", None, &[]).await;
    let leavers_only = admin.get_audit("entity=leaver").await;
    assert_eq!(leavers_only.body.matches("class=\"audit-row\"").count(), 1);
    assert!(
        !leavers_only.body.contains("Sign-in failed")
            && !leavers_only
                .body
                .contains("Role: Support coordinator → Finance")
    );
}

#[tokio::test]
async fn entries_form_one_hash_chain() {
    let app = spawn_app().await;
    let (_admin, _) = app.signed_in(Role::Admin).await;
    app.browser()
        .login("ghost@example.jp", "wrong password!")
        .await;
    let rows = entity::audit_log::Entity::find()
        .order_by_asc(entity::audit_log::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(rows.len() >= 3);
    let mut prev = "0".repeat(64);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.id, i as i64 + 1);
        assert_eq!(r.prev_hash, prev);
        let entry = audit::Entry {
            actor_id: r.actor_id,
            action: &r.action,
            entity: &r.entity,
            entity_id: r.entity_id,
            summary: &r.summary,
        };
        assert_eq!(
            r.hash,
            audit::entry_hash(&r.prev_hash, r.id, r.at, &entry),
            "row {}",
            r.id
        );
        prev = r.hash.clone();
    }
}

#[tokio::test]
async fn concurrent_writers_still_form_one_chain() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let email = format!("ghost{i}@example.jp");
        let b = app.browser();
        tasks.push(tokio::spawn(async move {
            for _ in 0..3 {
                b.login(&email, "wrong password!").await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let rows = entity::audit_log::Entity::find()
        .order_by_asc(entity::audit_log::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 24);
    for pair in rows.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
}

#[tokio::test]
async fn the_log_refuses_changes_and_verify_names_the_first_altered_entry() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let app = spawn_app().await;
    let (_admin, _) = app.signed_in(Role::Admin).await;
    for i in 0..3 {
        app.browser()
            .login(&format!("ghost{i}@example.jp"), "wrong password!")
            .await;
    }
    let n = audit::verify(&app.state.db).await.unwrap().unwrap();
    assert!(n >= 5);
    let db = &app.state.db;
    assert!(
        db.execute_unprepared("UPDATE audit_log SET summary = 'x' WHERE id = 3")
            .await
            .is_err()
    );
    assert!(
        db.execute_unprepared("DELETE FROM audit_log WHERE id = 3")
            .await
            .is_err()
    );
    // The index of whom each entry is about is append-only too.
    app.create_leaver("SP-1", None, &[]).await;
    aftercare::audit::index::catch_up(db, &app.clock)
        .await
        .unwrap();
    {
        use sea_orm::PaginatorTrait;
        assert!(
            entity::audit_leavers::Entity::find()
                .count(db)
                .await
                .unwrap()
                > 0,
            "entries were indexed"
        );
    }
    let mut changes = vec![
        "UPDATE audit_leavers SET leaver_id = leaver_id + 1",
        "DELETE FROM audit_leavers",
    ];
    if db.get_database_backend() == DbBackend::Postgres {
        changes.extend(["TRUNCATE audit_log", "TRUNCATE audit_leavers"]);
    }
    for change in changes {
        assert!(db.execute_unprepared(change).await.is_err(), "{change}");
    }
    // Someone with the database in hand drops the protection and edits an entry.
    match db.get_database_backend() {
        DbBackend::Postgres => db
            .execute_unprepared("DROP TRIGGER audit_log_append_only ON audit_log")
            .await
            .unwrap(),
        _ => db
            .execute_unprepared("DROP TRIGGER audit_log_no_update")
            .await
            .unwrap(),
    };
    db.execute_unprepared("UPDATE audit_log SET summary = 'nothing happened' WHERE id = 3")
        .await
        .unwrap();
    let broken = audit::verify(db).await.unwrap().unwrap_err();
    assert_eq!(broken.id, 3);
}

#[tokio::test]
async fn views_of_personal_data_are_recorded_and_shown_in_the_access_log() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (finance, f) = app.signed_in(Role::Finance).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let other = app.create_leaver("SP-2", Some(me.id), &[]).await;
    coordinator.get_leaver(l.id).await;
    finance.get_leavers("").await;
    let views: Vec<_> = app
        .audit_rows()
        .await
        .into_iter()
        .filter(|r| r.0 == "view")
        .collect();
    assert!(views.iter().any(|r| r.2 == Some(l.id.into())
        && r.3 == Some(me.id)
        && r.4 == format!("/leavers/{}", l.id)));
    // The list is one entry naming everyone on the page, indexed under each of them.
    let (first, second) = (l.id.min(other.id), l.id.max(other.id));
    let list_view = format!("/leavers; leavers {first},{second}");
    assert!(
        views
            .iter()
            .any(|r| r.2.is_none() && r.3 == Some(f.id) && r.4 == list_view),
        "the list records each person shown: {views:?}"
    );
    let finance_log = admin.get_access_log(other.id).await;
    // Shown about one person, the entry leaves out the others on the page.
    assert!(
        finance_log.body.contains("<td>/leavers</td>") && !finance_log.body.contains("; leavers")
    );
    let log = admin.get_access_log(l.id).await;
    assert_eq!(log.status, 200);
    assert!(
        log.body.contains("Viewed")
            && log.body.contains("coordinator user")
            && log.body.contains("finance user")
    );
    assert!(log.body.contains("Created"));
    assert_eq!(coordinator.get_access_log(l.id).await.status, 403);
    assert_eq!(finance.get_access_log(l.id).await.status, 403);
}

#[tokio::test]
async fn every_page_and_file_with_a_persons_data_records_who_saw_it() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (finance, f) = app.signed_in(Role::Finance).await;
    let (admin, boss) = app.signed_in(Role::Admin).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let c = app
        .record_consultation(
            l.id,
            me.id,
            "2026-11-20T10:00",
            "held",
            "phone",
            Some("2026-11-27"),
        )
        .await;
    let plan = app.create_plan_with_goal(l.id, me.id).await;
    let a = app.create_allowance(l.id, me.id).await;
    for (b, action) in [(&coordinator, "submit"), (&finance, "approve")] {
        let page = if action == "submit" {
            b.get_allowance(a.id).await
        } else {
            b.get(&format!("/allowances/{}/{action}", a.id)).await
        };
        let v = crate::helpers::field_value(&page.body, "version").unwrap();
        b.submit(
            &format!("/allowances/{}", a.id),
            &format!("/allowances/{}/{action}", a.id),
            &[("version", &v)],
        )
        .await
        .assert_redirect_under("/allowances/");
    }
    let approved = format!("/allowances/{}/approve", a.id);
    assert!(
        app.audit_rows().await.iter().any(|r| r.0 == "view"
            && r.1 == "leaver"
            && r.2 == Some(l.id.into())
            && r.3 == Some(f.id)
            && r.4 == approved),
        "a step taken on a request's page records a view of the person"
    );
    let line = entity::payments::Entity::find()
        .order_by_asc(entity::payments::Column::Month)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    finance
        .post_mark_paid(
            "2026-12",
            line.id,
            &[("paid_on", "2026-11-25"), ("version", "1")],
        )
        .await
        .assert_redirect_to("/payments?month=2026-12");
    coordinator
        .post_agree_plan(
            plan.id,
            &[
                ("agreed_on", "2026-11-25"),
                ("version", &plan.version.to_string()),
            ],
        )
        .await
        .assert_redirect_to(&format!("/plans/{}", plan.id));

    let pages = [
        (
            &coordinator,
            me.id,
            format!("/consultations/{}/edit", c.id),
            "view",
        ),
        (&coordinator, me.id, format!("/plans/{}", plan.id), "view"),
        (
            &coordinator,
            me.id,
            format!("/plans/{}/print", plan.id),
            "view",
        ),
        (
            &coordinator,
            me.id,
            format!("/leavers/{}/plans", l.id),
            "view",
        ),
        (&finance, f.id, format!("/allowances/{}", a.id), "view"),
        (&finance, f.id, "/allowances".to_string(), "view"),
        (&finance, f.id, "/payments".to_string(), "view"),
        (&finance, f.id, "/payments.csv".to_string(), "export"),
        (&coordinator, me.id, "/".to_string(), "view"),
        (
            &admin,
            boss.id,
            format!("/leavers/{}/access-log", l.id),
            "view",
        ),
    ];
    for (browser, actor, path, action) in &pages {
        let query = match path.as_str() {
            "/payments" | "/payments.csv" => "?month=2026-12",
            "/allowances" => "?status=approved",
            _ => "",
        };
        let before = app.audit_rows().await.len();
        let page = browser.get(&format!("{path}{query}")).await;
        assert_eq!(page.status, 200, "{path}");
        let added = app.audit_rows().await.split_off(before);
        assert!(
            added.iter().any(|r| r.0 == *action
                && r.1 == "leaver"
                && r.2 == Some(l.id.into())
                && r.3 == Some(*actor)
                && r.4 == *path),
            "{path} records a {action} of the person: {added:?}"
        );
    }
    // The access log shows the changes made through the allowance, the payment and the plan.
    let log = admin.get_access_log(l.id).await;
    assert_eq!(log.status, 200);
    for label in ["Submitted", "Approved", "Paid", "Agreed", "Exported"] {
        assert!(log.body.contains(label), "access log shows {label}");
    }
    // Views written in batches and changes written one by one form one intact chain.
    assert!(audit::verify(&app.state.db).await.unwrap().is_ok());
}

#[tokio::test]
async fn when_the_view_cannot_be_recorded_the_data_is_not_shown() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let l = app
        .create_leaver("SP-1", Some(me.id), &[("notes", "Very private note")])
        .await;
    let db = &app.state.db;
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared("CREATE FUNCTION block_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'blocked'; END; $$ LANGUAGE plpgsql").await.unwrap();
            db.execute_unprepared("CREATE TRIGGER block_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION block_audit()").await.unwrap();
        }
        _ => {
            db.execute_unprepared("CREATE TRIGGER block_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'blocked'); END").await.unwrap();
        }
    }
    let page = coordinator.get_leaver(l.id).await;
    assert_eq!(page.status, 500);
    assert!(!page.body.contains("Very private note") && !page.body.contains("山田"));
    let list = coordinator.get_leavers("").await;
    assert_eq!(list.status, 500);
    assert!(!list.body.contains("SP-1"));
}

#[tokio::test]
async fn the_scheduled_backup_runs_once_per_fire_and_shows_on_the_admin_dashboard() {
    use aftercare::jobs::scheduler;
    let app = spawn_app().await;
    if app.state.db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return; // PostgreSQL backups need pg_dump; the command-line tests cover SQLite.
    }
    let (admin, _) = app.signed_in(Role::Admin).await;
    assert!(
        admin
            .get_dashboard()
            .await
            .body
            .contains("No scheduled backup has run yet.")
    );
    let path = scheduler::backup_tick(&app.state, "one")
        .await
        .unwrap()
        .expect("a backup");
    assert!(path.join("manifest.json").exists() && path.join("aftercare.db").exists());
    assert!(
        scheduler::backup_tick(&app.state, "two")
            .await
            .unwrap()
            .is_none(),
        "once per fire"
    );
    aftercare::backup::verify(&path).await.unwrap();
    assert!(
        admin
            .get_dashboard()
            .await
            .body
            .contains("written and verified")
    );
}

#[tokio::test]
async fn the_per_person_index_follows_the_log_in_the_background() {
    use sea_orm::PaginatorTrait;
    let app = spawn_app().await;
    let l = app.create_leaver("SP-1", None, &[]).await;
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    coordinator.get_leavers("coordinator=all").await;
    // Nobody reads the access log: the background task files both entries within seconds.
    let started = std::time::Instant::now();
    loop {
        let filed = entity::audit_leavers::Entity::find()
            .filter(entity::audit_leavers::Column::LeaverId.eq(l.id))
            .count(&app.state.db)
            .await
            .unwrap();
        if filed >= 2 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the index did not catch up: {filed}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_audit_log_reads_in_the_readers_language_naming_people_by_case_number() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let l = app.create_leaver("SP-77", None, &[]).await;
    admin
        .post_leaver_status(
            l.id,
            &[
                ("status", "lost_contact"),
                ("version", "1"),
                ("confirm", "yes"),
            ],
        )
        .await;
    admin
        .post("/language", &[("lang", "ja"), ("next", "/")])
        .await;
    let page = admin.get_audit("entity=leaver").await;
    assert!(page.body.contains("支援対象者 SP-77"), "{}", page.body);
    assert!(
        page.body.contains("状態: 支援中 → 連絡途絶"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!("支援対象者 {}", l.id)));
    let access = admin.get(&format!("/leavers/{}/access-log", l.id)).await;
    assert!(access.body.contains("支援対象者 SP-77"));
}
