//! Hostile input: bodies larger than the limits, values that once made a handler panic, and
//! the headers every answer carries, refusals included.
use std::time::Duration;

use aftercare::roles::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    command_line::Server,
    helpers::{Browser, field_value, spawn_app, spawn_app_with},
};

/// Sends a POST by hand: the headers, then up to `send` bytes of body (stopping quietly when
/// the server stops reading), and returns the status line and headers of the answer, if any.
async fn raw_post(
    base: &str,
    path: &str,
    headers: &[(&str, &str)],
    declared: Option<u64>,
    send: u64,
) -> Option<String> {
    let addr = base.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    match declared {
        Some(n) => head.push_str(&format!("Content-Length: {n}\r\n")),
        None => head.push_str("Transfer-Encoding: chunked\r\n"),
    }
    head.push_str("\r\n");
    let answer = tokio::spawn(async move {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match tokio::time::timeout(Duration::from_secs(30), reader.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                Ok(Ok(n)) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
        (!buf.is_empty()).then(|| String::from_utf8_lossy(&buf).into_owned())
    });
    if writer.write_all(head.as_bytes()).await.is_ok() {
        let block = vec![b'a'; 64 * 1024];
        let mut sent = 0u64;
        while sent < send {
            let piece = if declared.is_some() {
                writer.write_all(&block).await
            } else {
                writer
                    .write_all(format!("{:x}\r\n", block.len()).as_bytes())
                    .await
                    .and(Ok(()))
            };
            let piece = match (piece, declared) {
                (Ok(()), None) => {
                    let r = writer.write_all(&block).await;
                    r.and(writer.write_all(b"\r\n").await)
                }
                (r, _) => r,
            };
            if piece.is_err() {
                break;
            }
            sent += block.len() as u64;
        }
    }
    answer.await.unwrap()
}

/// The CSRF cookie and token of a fresh visit to the sign-in page.
async fn csrf_of(base: &str) -> (String, String) {
    let browser = Browser::at(base);
    let page = browser.get_login().await;
    let token = field_value(&page.body, "csrf_token").unwrap();
    let cookies = ["aftercare_csrf", "aftercare_session"]
        .iter()
        .filter_map(|n| browser.cookie(n).map(|v| format!("{n}={v}")))
        .collect::<Vec<_>>()
        .join("; ");
    (cookies, token)
}

/// 100 MB posted to the sign-in page with the CSRF token in the header, not the body: refused
/// with 413 before it is read, and the server's memory does not grow.
#[tokio::test]
async fn a_huge_body_is_refused_before_it_is_read_whoever_sends_it() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = Server::start(dir.path());
    let (cookie, token) = csrf_of(&base).await;
    let headers = [
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", token.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let before = server.rss_kib();
    const MB: u64 = 1024 * 1024;
    // A declared length over the limit: refused at once.
    let answer = raw_post(&base, "/login", &headers, Some(100 * MB), 100 * MB)
        .await
        .expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let lower = answer.to_lowercase();
    assert!(lower.contains("cache-control: no-store"), "{answer}");
    assert!(lower.contains("content-security-policy"), "{answer}");
    // No length, chunks: read up to the limit only.
    if let Some(answer) = raw_post(&base, "/login", &headers, None, 100 * MB).await {
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    }
    // A form to a signed-in page, and an upload, the same way.
    let answer = raw_post(&base, "/leavers/new", &headers, Some(50 * MB), 50 * MB)
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let upload = [
        ("Cookie", cookie.as_str()),
        ("Content-Type", "multipart/form-data; boundary=x"),
    ];
    let answer = raw_post(
        &base,
        "/admin/import?csrf_token=x",
        &upload,
        Some(20 * MB),
        20 * MB,
    )
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let after = server.rss_kib();
    assert!(
        after < before + 8 * 1024,
        "memory grew from {before} KiB to {after} KiB"
    );
    // The server still answers.
    assert_eq!(Browser::at(&base).get_login().await.status, 200);
}

#[tokio::test]
async fn the_too_large_page_is_the_error_page_in_the_users_language() {
    let app = spawn_app().await;
    let browser = app.browser();
    let token = browser.get_login().await.csrf_token();
    // Just over the limit: small enough to be sent whole before the answer comes back.
    let big = "x".repeat(2 * 1024 * 1024 + 1024);
    let resp = browser
        .http
        .post(format!("{}/login", app.address))
        .header("Accept-Language", "ja")
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "a@b.jp"),
            ("password", &big),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(resp.headers().contains_key("permissions-policy"));
    let body = resp.text().await.unwrap();
    assert!(body.contains("送信されたデータが大きすぎます"), "{body}");
}

/// A password over 1,024 characters is refused at sign-in without being hashed.
#[tokio::test]
async fn a_very_long_password_at_sign_in_is_refused() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Admin, "lead@example.jp").await;
    let resp = app
        .browser()
        .login(&user.email, &"p".repeat(1_500_000))
        .await;
    assert_eq!(resp.status, 422);
    assert!(
        resp.body
            .contains("The email address or password is wrong."),
        "{}",
        resp.body
    );
}

/// Values that once sliced inside a multi-byte character: a 422 with the value kept, never
/// a dropped connection; and nothing of it in the log.
#[tokio::test]
async fn odd_characters_in_a_date_and_time_get_a_message_not_a_panic() {
    let app = spawn_app().await;
    let (browser, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let c = app
        .record_consultation(l.id, me.id, "2026-11-20T10:00", "held", "phone", None)
        .await;
    let new = format!("/leavers/{}/consultations/new", l.id);
    let edit = format!("/consultations/{}/edit", c.id);
    for (page, version) in [(&new, None), (&edit, Some("1"))] {
        for held_at in [
            "\u{200F}\u{200E}2026-11-20T10:00",
            "xx\u{3042}2026-11-20T10:00",
            "\u{FFFD}2026-11-20T10:00",
        ] {
            let mut fields = vec![
                ("held_at", held_at),
                ("status", "held"),
                ("channel", "phone"),
                ("summary", "talked"),
            ];
            if let Some(v) = version {
                fields.push(("version", v));
            }
            let resp = browser.submit(page, page, &fields).await;
            assert_eq!(resp.status, 422, "{held_at:?} on {page}");
            assert!(resp.body.contains(held_at), "{held_at:?} kept on {page}");
        }
    }
    // Invalid UTF-8, percent-encoded.
    let resp = browser
        .submit_encoded(
            &new,
            &new,
            "&held_at=%FF%FE2026-11-20T10%3A00&status=held&channel=phone",
        )
        .await;
    assert_eq!(resp.status, 422);
    assert!(!crate::helpers::captured_logs().contains("2026-11-20T10:00`"));
}

/// The CSRF refusal carries the same headers as every page.
#[tokio::test]
async fn refusals_carry_the_security_headers_and_are_never_cached() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.get_login().await;
    let refused = browser
        .post_raw("/login", &[("email", "a@example.jp"), ("password", "x")])
        .await;
    assert_eq!(refused.status, 403);
    for (name, value) in [
        ("cache-control", "no-store"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(refused.headers[name], value, "{name}");
    }
    let policy = refused.headers["permissions-policy"].to_str().unwrap();
    for feature in ["camera=()", "microphone=()", "geolocation=()", "payment=()"] {
        assert!(policy.contains(feature), "{policy}");
    }
    // A page too, and the static files keep their own caching.
    let page = browser.get_login().await;
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(page.headers.contains_key("permissions-policy"));
    let css = browser.get("/static/app.css").await;
    assert_eq!(css.headers["cache-control"], "public, max-age=3600");
    let missing = browser.get("/no-such-page").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.headers["cache-control"], "no-store");
}

/// Passwords a strength estimator rates weak, control and invisible characters, and invalid
/// encodings are refused with a message that helps.
#[tokio::test]
async fn weak_or_odd_passwords_are_refused_with_a_message() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let before = aftercare::users::queries::count(&app.state.db)
        .await
        .unwrap();
    let create = |password: &'static str| {
        let admin = &admin;
        async move {
            admin
                .post_new_user(&[
                    ("name", "Hanako Sato"),
                    ("email", "hanako.sato@example.jp"),
                    ("role", "coordinator"),
                    ("language", "en"),
                    ("password", password),
                    ("password_confirm", password),
                ])
                .await
        }
    };
    for weak in [
        "aaaaaaaaaaaa",
        "123456789012",
        "passwordpassword",
        "hanako.sato@example.jp",
        "            ",
    ] {
        let page = create(weak).await;
        assert_eq!(page.status, 422, "{weak:?}");
        assert!(page.body.contains("too easy to guess"), "{weak:?}");
    }
    for odd in ["tram gull ink 4\u{7}", "tram gull\u{200B}ink 4"] {
        let page = create(odd).await;
        assert_eq!(page.status, 422, "{odd:?}");
        assert!(
            page.body.contains("control or invisible characters"),
            "{odd:?}"
        );
    }
    // Invalid UTF-8 is not silently turned into something else.
    let resp = admin
        .submit_encoded(
            "/admin/users/new",
            "/admin/users/new",
            "&name=Hanako&email=h%40example.jp&role=coordinator&language=en\
             &password=tram%20gull%20ink%FF%204&password_confirm=tram%20gull%20ink%FF%204",
        )
        .await;
    assert_eq!(resp.status, 422);
    assert!(resp.body.contains("control or invisible characters"));
    assert_eq!(
        aftercare::users::queries::count(&app.state.db)
            .await
            .unwrap(),
        before
    );
    // A good one passes.
    create("tram gull ink 4")
        .await
        .assert_redirect_to("/admin/users");
}

/// Identifiers and names hold nothing invisible or direction-changing; case numbers are
/// normalised; free text keeps line breaks and tabs but no reordering characters.
#[tokio::test]
async fn invisible_and_direction_changing_characters_are_refused() {
    use crate::helpers::{as_refs, leaver_fields};
    let app = spawn_app().await;
    let (browser, _) = app.signed_in(Role::Coordinator).await;
    let post = |changes: Vec<(&'static str, &'static str)>| {
        let browser = &browser;
        async move {
            let mut fields = leaver_fields("SP-1");
            for (k, v) in changes {
                fields.retain(|(f, _)| *f != k);
                fields.push((k, v.to_string()));
            }
            browser.post_new_leaver(&as_refs(&fields)).await
        }
    };
    for (field, value, message) in [
        (
            "case_number",
            "\u{202E}Z1txt.exe\u{202C}",
            "invisible characters",
        ),
        ("case_number", "SP\u{200B}1", "invisible characters"),
        ("case_number", "\u{FEFF}SP-1", "invisible characters"),
        ("case_number", "SP-\u{FFFD}", "invisible characters"),
        (
            "family_name",
            "山\u{2066}田\u{2069}",
            "invisible characters",
        ),
        ("given_name", "花子\u{200D}", "invisible characters"),
        (
            "notes",
            "call \u{202E}later",
            "direction-changing character",
        ),
    ] {
        let page = post(vec![(field, value)]).await;
        assert_eq!(page.status, 422, "{field} {value:?}");
        assert!(page.body.contains(message), "{field} {value:?}");
    }
    assert!(
        aftercare::leavers::queries::get(&app.state.db, 1)
            .await
            .unwrap()
            .is_none(),
        "nothing saved"
    );
    // Full-width case numbers are stored in their usual form; notes keep lines and tabs.
    post(vec![
        ("case_number", "ＳＰ－００１"),
        ("notes", "line one\n\tindented"),
    ])
    .await
    .assert_redirect_under("/leavers/");
    let l = aftercare::leavers::queries::get(&app.state.db, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(l.case_number, "SP-001");
    assert_eq!(l.notes.as_deref(), Some("line one\n\tindented"));
}

/// Dates from the domain's plausible range only: a date of birth, a disclosure request and an
/// extension's end, each with its own message.
#[tokio::test]
async fn implausible_dates_are_refused_each_with_its_own_message() {
    use crate::helpers::{as_refs, leaver_fields};
    let app = spawn_app_with(&[("AFTERCARE_MAX_EXTENSION_YEARS", "3")]).await;
    let (browser, _) = app.signed_in(Role::Admin).await;
    let mut fields = leaver_fields("SP-OLD");
    fields.retain(|(k, _)| *k != "date_of_birth");
    fields.push(("date_of_birth", "0001-01-01".into()));
    let page = browser.post_new_leaver(&as_refs(&fields)).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("over 40 when the placement ended"));
    assert!(page.body.contains("value=\"0001-01-01\""));

    // Entered today: a request cannot be older than the record, nor in the future.
    let l = app.create_leaver("SP-1", None, &[]).await;
    for (date, message) in [
        ("0001-01-01", "record was created"),
        ("2026-11-24", "record was created"),
        ("9999-12-31", "not in the future"),
    ] {
        let page = browser
            .post_disclosure(l.id, &[("action", "record"), ("requested_on", date)])
            .await;
        assert_eq!(page.status, 422, "{date}");
        assert!(page.body.contains(message), "{date}");
    }

    // Born 2006-04-02, placement ended 2024-03-31: support ends 2029-03-31 as usual, and an
    // extension may reach three years further.
    let new = format!("/leavers/{}/extensions/new", l.id);
    let propose = |end: &'static str| {
        let browser = &browser;
        let new = new.clone();
        async move {
            browser
                .submit(
                    &new,
                    &new,
                    &[
                        ("new_end_on", end),
                        ("reason", "illness"),
                        ("review_on", "2027-06-30"),
                    ],
                )
                .await
        }
    };
    let far = propose("9999-12-31").await;
    assert_eq!(far.status, 422);
    assert!(far.body.contains("latest possible end") && far.body.contains("2032-03-31"));
    assert_eq!(propose("2032-04-01").await.status, 422);
    propose("2032-03-31")
        .await
        .assert_redirect_to(&format!("/leavers/{}#extensions", l.id));
}
