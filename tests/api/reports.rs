//! The fiscal-year report over a small known population, every figure computed by hand.
use aftercare::roles::Role;
use sea_orm::{ActiveModelTrait, Set};

use crate::helpers::{TestApp, spawn_app};

/// Fiscal year 2026 runs from 2026-04-01 to 2027-03-31; the clock says 2026-11-25.
pub async fn population(app: &TestApp) -> i32 {
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    let admin = app.create_user(Role::Admin, "a@example.jp").await;
    // A: supported all year (2024-04-01 to 2029-03-31), 20 at the year's end.
    let a = app.create_leaver("A", Some(c.id), &[]).await;
    // B: starts 2026-04-01 (first day) and, born 2005-04-01, ends 2027-03-31; 21 at the end.
    app.create_leaver(
        "B",
        Some(c.id),
        &[
            ("date_of_birth", "2005-04-01"),
            ("placement_ended_on", "2026-03-31"),
            ("placement_type", "foster_care"),
        ],
    )
    .await;
    // C: born 2004-04-02, ends 2027-03-31; 22 at the end.
    app.create_leaver(
        "C",
        Some(c.id),
        &[
            ("date_of_birth", "2004-04-02"),
            ("placement_ended_on", "2022-03-31"),
        ],
    )
    .await;
    // D: born 2004-04-01, ended 2026-03-31, the day before the year: not counted.
    app.create_leaver(
        "D",
        Some(c.id),
        &[
            ("date_of_birth", "2004-04-01"),
            ("placement_ended_on", "2022-03-31"),
        ],
    )
    .await;
    // G: closed during the year (2026-11-25): supported and ended.
    let g = app.create_leaver("G", Some(c.id), &[]).await;
    let txn = aftercare::db::begin_write(&app.state.db).await.unwrap();
    let change = aftercare::leavers::queries::StatusChange {
        version: 1,
        to: aftercare::leavers::rules::Status::Closed,
        reason: Some("moved"),
    };
    let today = app.clock.today(app.state.config.time_zone);
    aftercare::leavers::queries::change_status(
        &txn,
        app.clock.now(),
        today,
        Some(c.id),
        g.id,
        &change,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    // Consultations: two held inside the year, one on each side outside, one missed.
    let inside = app
        .record_consultation(a.id, c.id, "2026-04-01T00:00", "held", "phone", None)
        .await;
    app.record_consultation(a.id, c.id, "2026-06-01T10:00", "held", "in_person", None)
        .await;
    app.record_consultation(a.id, c.id, "2026-03-31T23:59", "held", "phone", None)
        .await;
    app.record_consultation(a.id, c.id, "2027-04-01T00:00", "held", "phone", None)
        .await;
    app.record_consultation(a.id, c.id, "2026-07-01T10:00", "missed", "phone", None)
        .await;
    entity::consultation_topics::ActiveModel {
        consultation_id: Set(inside.id),
        topic: Set(entity::consultation_topics::Topic::Housing),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    // Payments: paid lines for 2026-04 and 2027-03 count, 2026-03 does not; a scheduled one neither.
    let allowance = app.create_allowance(a.id, c.id).await;
    for (month, status) in [
        ("2026-04-01", entity::payments::Status::Paid),
        ("2027-03-01", entity::payments::Status::Paid),
        ("2026-03-01", entity::payments::Status::Paid),
        ("2026-05-01", entity::payments::Status::Scheduled),
    ] {
        entity::payments::ActiveModel {
            allowance_id: Set(allowance.id),
            leaver_id: Set(a.id),
            kind: Set(entity::allowances::Kind::Housing),
            month: Set(month.parse().unwrap()),
            amount: Set(aftercare::i18n::Yen(10_000)),
            status: Set(status),
            version: Set(1),
            created_at: Set(app.clock.now()),
            updated_at: Set(app.clock.now()),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    // One extension approved during the year.
    approve_extension(app, a.id, c.id, admin.id).await;
    // E and F, born 2004-04-01, would have ended on 2026-03-31, the day before the year, but
    // were extended to 2030-03-31 (reason: studying): both are supported all year, 22 at its
    // end, and neither ends in it. E's extension was approved in the year, F's in March 2026
    // (the year before), so only E's counts among this year's extensions.
    let now = app.clock.now();
    for (case, decided) in [("E", now), ("F", "2026-03-20T01:00:00Z".parse().unwrap())] {
        let person = app
            .create_leaver(
                case,
                Some(c.id),
                &[
                    ("date_of_birth", "2004-04-01"),
                    ("placement_ended_on", "2022-03-31"),
                ],
            )
            .await;
        app.clock.set(decided);
        approve_extension(app, person.id, c.id, admin.id).await;
        app.clock.set(now);
    }
    a.id
}

/// An extension to 2030-03-31 proposed by `by` and approved by `admin` at the clock's time.
async fn approve_extension(app: &TestApp, leaver_id: i32, by: i32, admin: i32) {
    let ext = app.create_extension(leaver_id, by).await;
    let txn = aftercare::db::begin_write(&app.state.db).await.unwrap();
    let ruling = aftercare::extensions::queries::Ruling {
        version: 1,
        decision: aftercare::extensions::rules::Decision::Approve,
        note: None,
    };
    aftercare::extensions::queries::decide(
        &txn,
        app.clock.now(),
        admin,
        &ext,
        &ruling,
        &app.state.config.window_rules,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn every_figure_of_a_small_known_year() {
    let app = spawn_app().await;
    population(&app).await;
    let r = aftercare::reports::figures::annual(&app.state, 2026)
        .await
        .unwrap();
    assert_eq!((r.supported, r.started, r.ended), (6, 1, 3));
    assert_eq!(r.by_placement.get("childrens_home"), Some(&5));
    assert_eq!(r.by_placement.get("foster_care"), Some(&1));
    assert_eq!(
        r.by_age.iter().map(|(a, n)| (*a, *n)).collect::<Vec<_>>(),
        [(20, 2), (21, 1), (22, 3)]
    );
    assert_eq!(r.consultations, 2);
    assert_eq!(
        (r.by_channel.get("phone"), r.by_channel.get("in_person")),
        (Some(&1), Some(&1))
    );
    assert_eq!(r.by_topic.get("housing"), Some(&1));
    assert_eq!(
        r.paid.get("housing"),
        Some(&(2, aftercare::i18n::Yen(20_000)))
    );
    assert_eq!(
        r.extensions.get("studying"),
        Some(&2),
        "A's and E's, approved in the year; not F's"
    );
    // The year before counts F's.
    let before = aftercare::reports::figures::annual(&app.state, 2025)
        .await
        .unwrap();
    assert_eq!(before.extensions.get("studying"), Some(&1));
}

#[tokio::test]
async fn the_page_and_the_csv_hide_small_cells() {
    let app = spawn_app().await;
    population(&app).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let page = finance.get("/reports/annual?fy=2026").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("<th>Supported during the year</th><td class=\"num\">6</td>")
    );
    assert!(
        page.body
            .contains("<th>Support started in the year</th><td class=\"num\">&#60;3</td>")
            || page
                .body
                .contains("<th>Support started in the year</th><td class=\"num\">&lt;3</td>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("¥20,000") && page.body.contains("<svg"));
    // A hidden cell draws no bar: its length would give the number away.
    let row = page
        .body
        .split("<tr class=\"report-row\">")
        .find(|r| r.starts_with("<th>Support started in the year</th>"))
        .unwrap();
    assert!(row.contains("<rect width=\"0\""), "{row}");
    let csv = finance.download("/reports/annual.csv?fy=2026").await;
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&csv[3..]).unwrap();
    let rows: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(rows[0], "section,item,value");
    for expected in [
        "People,Supported during the year,6",
        "People,Support started in the year,<3",
        "People,Support ended in the year,3",
        "\"Supported, by placement\",Children's home (児童養護施設),5",
        "\"Supported, by placement\",Foster care (里親),<3",
        "\"Supported, by age at the end of the year\",20,<3",
        "Consultations,Consultations held,2",
        "Allowances paid (yen),Housing (居住費支援),20000",
        "Allowance months paid,Housing (居住費支援),2",
        "\"Extensions approved, by reason\",Still studying,<3",
    ] {
        assert!(rows.contains(&expected), "missing {expected}: {rows:?}");
    }
}
