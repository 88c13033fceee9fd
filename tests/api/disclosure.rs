//! Disclosure requests: the deadline on the admin dashboard, and the ZIP of everything held.
use std::io::Read;

use aftercare::roles::Role;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_request_is_recorded_and_the_record_exported_as_a_verified_zip() {
    let app = spawn_app().await;
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    let l = app
        .create_leaver_days_ago(60, "SP-1", Some(c.id), &[])
        .await;
    app.record_consultation(l.id, c.id, "2026-11-20T10:00", "held", "phone", None)
        .await;
    app.record_consultation(l.id, c.id, "2026-10-20T10:00", "held", "home_visit", None)
        .await;
    app.create_plan(l.id, c.id).await;
    let allowance = app.create_allowance(l.id, c.id).await;
    let coordinator_browser = app.browser();
    coordinator_browser
        .login("c@example.jp", crate::helpers::PASSWORD)
        .await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    for (b, action) in [(&coordinator_browser, "submit"), (&finance, "approve")] {
        let page = if action == "submit" {
            b.get_allowance(allowance.id).await
        } else {
            b.get(&format!("/allowances/{}/{action}", allowance.id))
                .await
        };
        let v = crate::helpers::field_value(&page.body, "version").unwrap();
        b.submit(
            &format!("/allowances/{}", allowance.id),
            &format!("/allowances/{}/{action}", allowance.id),
            &[("version", &v)],
        )
        .await
        .assert_redirect_under("/allowances/");
    }
    // Someone else, with a consultation, a plan and an allowance of their own.
    let other = app
        .create_leaver("OTHER-9", Some(c.id), &[("family_name", "ZZOTHERPERSON")])
        .await;
    app.record_consultation(other.id, c.id, "2026-11-21T10:00", "held", "phone", None)
        .await;
    app.create_plan(other.id, c.id).await;
    app.create_allowance(other.id, c.id).await;
    // A list page showed both people.
    coordinator_browser.get_leavers("coordinator=all").await;
    let page = format!("/leavers/{}/disclosure", l.id);
    let bad = admin
        .post_disclosure(
            l.id,
            &[("action", "record"), ("requested_on", "2026-12-01")],
        )
        .await;
    assert_eq!(bad.status, 422);
    admin
        .post_disclosure(
            l.id,
            &[("action", "record"), ("requested_on", "2026-11-20")],
        )
        .await
        .assert_redirect_to(&page);
    // The same request entered twice is one request.
    let twice = admin
        .post_disclosure(
            l.id,
            &[("action", "record"), ("requested_on", "2026-11-20")],
        )
        .await;
    assert_eq!(twice.status, 422);
    assert!(
        twice
            .body
            .contains("A request received on this day is already open.")
    );
    assert_eq!(
        sea_orm::PaginatorTrait::count(
            <entity::disclosures::Entity as sea_orm::EntityTrait>::find(),
            &app.state.db
        )
        .await
        .unwrap(),
        1
    );
    let shown = admin.get(&page).await;
    assert!(
        shown.body.contains("2026-12-04"),
        "14 days counted from the next day"
    );
    let dash = admin.get_dashboard().await;
    let widget = &dash.body[dash.body.find("id=\"disclosures\"").unwrap()..];
    assert!(widget[..widget.find("</section>").unwrap()].contains("SP-1"));

    let request = crate::helpers::field_value(&shown.body, "disclosure_id").unwrap();
    let export = |language: &'static str| {
        admin
            .http
            .post(format!("{}{page}", admin.base))
            .form(&[
                ("csrf_token", shown.csrf_token()),
                ("action", "export".into()),
                ("disclosure_id", request.clone()),
                ("language", language.into()),
            ])
            .send()
    };
    let resp = export("en").await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let bytes = resp.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let record = read("record.json");
    let html = read("record.html");
    let manifest: serde_json::Value = serde_json::from_str(&read("manifest.json")).unwrap();
    assert!(
        record.contains("山田")
            && record.contains("summary of 2026-11-20T10:00")
            && record.contains("summary of 2026-10-20T10:00")
            && record.contains("A flat of my own")
            && record.contains("access_log")
    );
    assert!(html.contains("Personal record") && html.contains("A flat of my own"));
    // A document with labelled fields, not raw data.
    assert!(html.contains("<dt>Case number</dt><dd>SP-1</dd>"), "{html}");
    assert!(
        html.split("<dt>")
            .nth(1)
            .unwrap()
            .starts_with("Case number"),
        "the person's fields in the register's order"
    );
    assert!(
        html.contains("<dt>Paid on</dt>") && html.contains("<dt>Amount (yen)</dt><dd>30000</dd>")
    );
    assert!(
        html.contains("<dd>Home visit</dd>") && html.contains("Children"),
        "{html}"
    );
    // Times in the team's time zone: held at 10:00 in Tokyo.
    assert!(html.contains("<dd>2026-11-20 10:00</dd>"), "{html}");
    for raw in [
        "paid_on",
        "monthly_amount",
        "{\"",
        "home_visit",
        "childrens_home",
    ] {
        assert!(
            !html.contains(raw),
            "raw data in the printable record: {raw}"
        );
    }
    for foreign in [
        "ZZOTHERPERSON",
        "OTHER-9",
        "summary of 2026-11-21",
        &format!("leaver {};", other.id),
        "; leavers ",
    ] {
        assert!(
            !record.contains(foreign) && !html.contains(foreign),
            "another person's data: {foreign}"
        );
    }
    // Every consultation, plan, allowance and payment of the person, as the manifest counts.
    let parsed: serde_json::Value = serde_json::from_str(&record).unwrap();
    assert!(
        parsed["access_log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["summary"] == "/leavers"),
        "the list page that showed them is in their access log"
    );
    for (section, expected) in [
        ("consultations", 2),
        ("plans", 1),
        ("allowances", 1),
        ("payments", 2),
        ("person", 1),
    ] {
        assert_eq!(manifest["counts"][section], expected, "{section}");
        assert_eq!(
            parsed[section].as_array().unwrap().len(),
            expected,
            "{section} in record.json"
        );
    }
    assert_eq!(
        manifest["counts"]["access_log"],
        parsed["access_log"].as_array().unwrap().len()
    );
    use sha2::Digest;
    assert_eq!(
        manifest["files"]["record.json"],
        hex::encode(sha2::Sha256::digest(record.as_bytes()))
    );
    assert_eq!(
        manifest["files"]["record.html"],
        hex::encode(sha2::Sha256::digest(html.as_bytes()))
    );
    // Audited with the ZIP's hash; the request is done and leaves the dashboard.
    let zip_hash = hex::encode(sha2::Sha256::digest(&bytes));
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "export" && r.3 == Some(me.id) && r.4.ends_with(&zip_hash))
    );
    let dash = admin.get_dashboard().await;
    let widget = &dash.body[dash.body.find("id=\"disclosures\"").unwrap()..];
    assert!(!widget[..widget.find("</section>").unwrap()].contains("SP-1"));
    // The printable record in the person's language, whatever the admin's.
    let japanese = export("ja").await.unwrap().bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(japanese.to_vec())).unwrap();
    let mut html = String::new();
    archive
        .by_name("record.html")
        .unwrap()
        .read_to_string(&mut html)
        .unwrap();
    assert!(
        html.contains("個人の記録") && html.contains("相談記録") && html.contains("lang=\"ja\"")
    );
    // Only admins.
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    assert_eq!(coordinator.get(&page).await.status, 403);
}

#[tokio::test]
async fn a_request_answered_another_way_is_marked_done_and_leaves_the_dashboard() {
    let app = spawn_app().await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    let l = app.create_leaver_days_ago(60, "SP-1", None, &[]).await;
    let page = format!("/leavers/{}/disclosure", l.id);
    admin
        .post_disclosure(
            l.id,
            &[("action", "record"), ("requested_on", "2026-11-24")],
        )
        .await
        .assert_redirect_to(&page);
    let widget = |body: &str| {
        let start = body.find("id=\"disclosures\"").unwrap();
        let rest = &body[start..];
        rest[..rest.find("</section>").unwrap()].to_string()
    };
    assert!(widget(&admin.get_dashboard().await.body).contains("SP-1"));
    let shown = admin.get(&page).await;
    let request = crate::helpers::field_value(&shown.body, "disclosure_id").unwrap();
    admin
        .post_disclosure(l.id, &[("action", "done"), ("disclosure_id", &request)])
        .await
        .assert_redirect_to(&page);
    let after = admin.get(&page).await;
    assert!(after.body.contains("Answered") && !after.body.contains("Mark as answered"));
    assert!(!widget(&admin.get_dashboard().await.body).contains("SP-1"));
    assert!(
        app.audit_rows()
            .await
            .iter()
            .any(|r| r.0 == "disclosure_done" && r.2 == Some(l.id.into()) && r.3 == Some(me.id))
    );
}
