//! Disclosure requests: the deadline on the admin dashboard, and the ZIP of everything held.
use std::io::Read;

use aftercare::users::Role;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_request_is_recorded_and_the_record_exported_as_a_verified_zip() {
    let app = spawn_app().await;
    let c = app.create_user(Role::Coordinator, "c@example.jp").await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    let l = app.create_leaver("SP-1", Some(c.id), &[]).await;
    app.record_consultation(l.id, c.id, "2026-11-20T10:00", "held", "phone", None)
        .await;
    let page = format!("/leavers/{}/disclosure", l.id);
    let bad = admin
        .submit(
            &page,
            &page,
            &[("action", "record"), ("requested_on", "2026-12-01")],
        )
        .await;
    assert_eq!(bad.status, 422);
    admin
        .submit(
            &page,
            &page,
            &[("action", "record"), ("requested_on", "2026-11-20")],
        )
        .await
        .assert_redirect_to(&page);
    let shown = admin.get(&page).await;
    assert!(
        shown.body.contains("2026-12-04"),
        "14 days counted from the next day"
    );
    let dash = admin.get("/").await;
    let widget = &dash.body[dash.body.find("id=\"disclosures\"").unwrap()..];
    assert!(widget[..widget.find("</section>").unwrap()].contains("SP-1"));

    let request = crate::helpers::field_value(&shown.body, "disclosure_id").unwrap();
    let resp = admin
        .http
        .post(format!("{}{page}", admin.base))
        .form(&[
            ("csrf_token", shown.csrf_token().as_str()),
            ("action", "export"),
            ("disclosure_id", &request),
        ])
        .send()
        .await
        .unwrap();
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
            && record.contains("access_log")
    );
    assert!(html.contains("Personal record"));
    for foreign in ["ZZOTHERPERSON", "OTHER-9", "summary of 2026-11-21"] {
        assert!(
            !record.contains(foreign) && !html.contains(foreign),
            "another person's data: {foreign}"
        );
    }
    assert_eq!(manifest["counts"]["consultations"], 1);
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
    let dash = admin.get("/").await;
    let widget = &dash.body[dash.body.find("id=\"disclosures\"").unwrap()..];
    assert!(!widget[..widget.find("</section>").unwrap()].contains("SP-1"));
    // Only admins.
    let (coordinator, _) = app.signed_in(Role::Coordinator).await;
    assert_eq!(coordinator.get(&page).await.status, 403);
}
