//! Upgrading a database that already holds records: what a migration derives from them.
use chrono::{TimeZone, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, EntityTrait, Value};

use crate::helpers::fresh_database;

/// The migration that keeps each person's last held consultation on their record.
const BEFORE_LAST_HELD: u32 = 14;

#[tokio::test]
async fn an_upgrade_fills_in_each_persons_last_contact_and_follow_up_from_their_history() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let db = aftercare::db::connect(&url).await.unwrap();
    Migrator::up(&db, Some(BEFORE_LAST_HELD)).await.unwrap();
    let backend = db.get_database_backend();
    let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 10, d, h, 0, 0).unwrap();
    // Two people as the earlier version stored them: one met twice (and once missed, later),
    // one only ever planned.
    for (id, case) in [(1, "UP-1"), (2, "UP-2")] {
        let values: Vec<Value> = vec![
            id.into(),
            case.into(),
            chrono::NaiveDate::from_ymd_opt(2005, 4, 1).unwrap().into(),
            chrono::NaiveDate::from_ymd_opt(2025, 3, 31).unwrap().into(),
            at(1, 0).into(),
        ];
        db.execute_raw(aftercare::db::statement(
            backend,
            "INSERT INTO leavers (id, case_number, family_name, given_name, date_of_birth, \
             placement_type, placement_ended_on, contact_consent, status, support_starts_on, \
             support_ends_on, sort_key, search_key, version, created_at, updated_at) \
             VALUES (?, ?, 'A', 'B', ?, 'foster_care', ?, FALSE, 'active', '2025-04-01', \
             '2027-03-31', 'a b', 'a b', 1, ?, '2026-10-01 00:00:00+00:00')",
            values,
        ))
        .await
        .unwrap();
    }
    let on = |d: u32| Some(chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap());
    // UP-1's latest follow-up was set on the 20th (the one set later was cancelled); UP-2's on
    // the 30th.
    for (leaver, when, status, follow_up) in [
        (1, at(3, 9), "held", on(1)),
        (1, at(20, 15), "held", on(5)),
        (1, at(25, 10), "missed", None),
        (1, at(26, 10), "cancelled", on(9)),
        (2, at(30, 10), "planned", on(12)),
    ] {
        db.execute_raw(aftercare::db::statement(
            backend,
            "INSERT INTO consultations (leaver_id, held_at, status, channel, \
             next_follow_up_on, version, created_at, updated_at) \
             VALUES (?, ?, ?, 'phone', ?, 1, ?, ?)",
            vec![
                leaver.into(),
                when.into(),
                status.into(),
                follow_up.into(),
                when.into(),
                when.into(),
            ],
        ))
        .await
        .unwrap();
    }
    Migrator::up(&db, None).await.unwrap();
    let contact = |id: i32| {
        let db = db.clone();
        async move {
            let l = entity::leavers::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            (l.last_held_at, l.follow_up_on, l.follow_up_set_at)
        }
    };
    assert_eq!(
        contact(1).await,
        (Some(at(20, 15)), on(5), Some(at(20, 15)))
    );
    assert_eq!(contact(2).await, (None, on(12), Some(at(30, 10))));
}
