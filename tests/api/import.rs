//! Getting data in: the CSV import (upload page and command line) and the demo data.
use aftercare::roles::Role;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::{TestApp, spawn_app};

const EXAMPLE: &str = include_str!("../data/leavers-example.csv");

async fn count(app: &TestApp) -> u64 {
    entity::leavers::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn upload(browser: &crate::helpers::Browser, bytes: Vec<u8>) -> crate::helpers::Page {
    let form_page = browser.get("/admin/import").await;
    let action = form_page
        .body
        .split("action=\"")
        .find(|s| s.starts_with("/admin/import?csrf_token="))
        .and_then(|s| s.split('"').next())
        .expect("the upload form")
        .replace("&amp;", "&");
    let part = reqwest::multipart::Part::bytes(bytes).file_name("register.csv");
    let resp = browser
        .http
        .post(format!("{}{action}", browser.base))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    crate::helpers::Page {
        status: resp.status(),
        location: resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    }
}

#[tokio::test]
async fn an_admin_imports_the_example_file() {
    let app = spawn_app().await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    let coordinator = app
        .create_user(Role::Coordinator, "coordinator@example.com")
        .await;
    let page = upload(&admin, EXAMPLE.as_bytes().to_vec()).await;
    page.assert_redirect_to("/leavers?coordinator=all");
    assert_eq!(count(&app).await, 3);
    let list = admin.get_leavers("coordinator=all").await;
    assert!(list.body.contains("The register has been imported."));
    let rows = entity::leavers::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let first = rows.iter().find(|l| l.case_number == "EX-0001").unwrap();
    assert_eq!(first.coordinator_id, Some(coordinator.id));
    assert!(first.contact_consent);
    let second = rows.iter().find(|l| l.case_number == "EX-0002").unwrap();
    assert_eq!(second.family_name_kana.as_deref(), Some("スズキ"));
    assert_eq!(second.status.as_str(), "lost_contact");
    let third = rows.iter().find(|l| l.case_number == "EX-0003").unwrap();
    assert_eq!(
        (third.status.as_str(), third.closed_reason.as_deref()),
        ("closed", Some("大阪へ転居"))
    );
    let audit = app.audit_rows().await;
    assert!(
        audit
            .iter()
            .any(|r| r.0 == "import" && r.3 == Some(me.id) && r.4 == "imported 3 records")
    );
    // One entry a record, naming it.
    let mut named: Vec<i64> = audit
        .iter()
        .filter(|r| r.0 == "create" && r.1 == "leaver")
        .filter_map(|r| r.2)
        .collect();
    named.sort_unstable();
    let mut ids: Vec<i64> = rows.iter().map(|l| l.id.into()).collect();
    ids.sort_unstable();
    assert_eq!(named, ids);
}

/// A record written between the file's check and its import (another admin, another
/// instance): the batch is refused at that record and nothing is kept.
#[tokio::test]
async fn a_case_number_taken_meanwhile_refuses_the_whole_batch_at_its_line() {
    use aftercare::leavers::{bulk, forms::LeaverForm, queries::LeaverError};
    let app = spawn_app().await;
    app.create_leaver("B-0150", None, &[]).await;
    let today = app.clock.today(app.state.config.time_zone);
    let inputs: Vec<_> = (0..250)
        .map(|n| {
            let fields = crate::helpers::leaver_fields(&format!("B-{n:04}"));
            let form: LeaverForm =
                serde_urlencoded::from_str(&serde_urlencoded::to_string(&fields).unwrap()).unwrap();
            let mut errors = aftercare::web::forms::FormErrors::default();
            form.parse(today, &mut errors).unwrap()
        })
        .collect();
    let refs: Vec<_> = inputs.iter().collect();
    let txn = aftercare::db::begin_write(&app.state.db).await.unwrap();
    let refused = bulk::create_many(
        &txn,
        app.clock.now(),
        None,
        &refs,
        &app.state.config.window_rules,
    )
    .await
    .unwrap_err();
    txn.rollback().await.unwrap();
    assert_eq!(refused.index, 150);
    assert!(matches!(refused.error, LeaverError::CaseNumberTaken));
    assert_eq!(count(&app).await, 1);

    // Without the clash all 250 are written, each with its audit entry, ids in order.
    let fresh: Vec<_> = refs
        .iter()
        .copied()
        .filter(|i| i.case_number != "B-0150")
        .collect();
    let txn = aftercare::db::begin_write(&app.state.db).await.unwrap();
    let ids = bulk::create_many(
        &txn,
        app.clock.now(),
        None,
        &fresh,
        &app.state.config.window_rules,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(ids.len(), 249);
    for (input, id) in fresh.iter().zip(&ids) {
        let saved = entity::leavers::Entity::find_by_id(*id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(saved.case_number, input.case_number);
    }
    assert_eq!(count(&app).await, 250);
}

#[tokio::test]
async fn a_file_with_bad_rows_imports_nothing_and_reports_each_problem() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    app.create_leaver("EX-0003", None, &[]).await;
    let bad = EXAMPLE
        .replace("2005-07-15", "2005-02-30")
        .replace("coordinator@example.com", "nobody@example.com");
    let page = upload(&admin, bad.into_bytes()).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Nothing was imported."));
    let report: Vec<_> = page
        .body
        .split("class=\"import-error\"")
        .skip(1)
        .map(|r| {
            let cells: Vec<_> = r
                .split("<td>")
                .skip(1)
                .map(|c| c.split('<').next().unwrap().to_string())
                .collect();
            cells
        })
        .collect();
    assert_eq!(report.len(), 3, "{report:?}");
    assert_eq!(report[0][0], "2");
    assert!(report[0][2].contains("active coordinator"));
    assert_eq!(report[1][0], "3");
    assert!(report[1][2].contains("real date"));
    assert_eq!(report[2][0], "4");
    assert!(report[2][2].contains("already has this case number"));
    assert_eq!(count(&app).await, 1, "nothing was imported");
}

#[tokio::test]
async fn a_shift_jis_file_from_excel_is_read() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    app.create_user(Role::Coordinator, "coordinator@example.com")
        .await;
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(EXAMPLE);
    assert!(!unmappable);
    let page = upload(&admin, sjis.into_owned()).await;
    page.assert_redirect_to("/leavers?coordinator=all");
    let rows = entity::leavers::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().any(|l| l.family_name == "山田"
            && l.address.as_deref() == Some("（架空）札幌市中央区1番地"))
    );
    // With a BOM too.
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(EXAMPLE.replace("EX-", "BOM-").as_bytes());
    upload(&admin, with_bom)
        .await
        .assert_redirect_to("/leavers?coordinator=all");
    assert_eq!(count(&app).await, 6);
}

#[tokio::test]
async fn only_admins_reach_the_import_and_an_upload_needs_its_token() {
    let app = spawn_app().await;
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    assert_eq!(coordinator.get("/admin/import").await.status, 403);
    let (admin, _) = app.signed_in(Role::Admin).await;
    let part = reqwest::multipart::Part::bytes(EXAMPLE.as_bytes().to_vec()).file_name("x.csv");
    let resp = admin
        .http
        .post(format!("{}/admin/import?csrf_token=forged", admin.base))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(count(&app).await, 0);
}
