//! Allowances: requests, the decision rules, payments, CSV and budget.
use aftercare::roles::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::{Browser, Page, TestApp, spawn_app};

// The test clock stands at 2026-11-25 (Tokyo). The standard leaver (born 2006-04-02, placement
// ended 2024-03-31) is supported from 2024-04-01 to 2029-03-31.

async fn request(
    b: &Browser,
    leaver: i32,
    kind: &str,
    amount: &str,
    start: &str,
    end: &str,
) -> Page {
    b.post_new_allowance(
        leaver,
        &[
            ("kind", kind),
            ("monthly_amount", amount),
            ("start_month", start),
            ("end_month", end),
            ("reason", "Rent for the first flat"),
        ],
    )
    .await
}

fn id_of(page: &Page) -> i32 {
    page.location
        .as_deref()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Takes a step from the page a person takes it on, with the version shown there (a page that
/// offers no step to this user has none: the post then carries none either, as a forged one
/// would).
async fn step(b: &Browser, id: i32, action: &str, note: &str) -> Page {
    b.take_allowance_step(id, action, note).await
}

async fn lines(app: &TestApp, allowance: i32) -> Vec<entity::payments::Model> {
    entity::payments::Entity::find()
        .filter(entity::payments::Column::AllowanceId.eq(allowance))
        .order_by_asc(entity::payments::Column::Month)
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn status(app: &TestApp, id: i32) -> String {
    aftercare::allowances::queries::get(&app.state.db, id)
        .await
        .unwrap()
        .unwrap()
        .status
        .as_str()
        .to_string()
}

#[tokio::test]
async fn a_request_is_drafted_submitted_approved_and_scheduled_month_by_month() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (finance, f) = app.signed_in(Role::Finance).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let created = request(
        &coordinator,
        l.id,
        "housing",
        "45,000",
        "2026-12",
        "2027-03",
    )
    .await;
    created.assert_redirect_under("/allowances/");
    let id = id_of(&created);
    assert_eq!(status(&app, id).await, "draft");
    let page = coordinator.get_allowance(id).await;
    assert!(
        page.body.contains("¥45,000")
            && page.body.contains("¥180,000")
            && page.body.contains("2026-12 – 2027-03")
    );
    step(&coordinator, id, "submit", "")
        .await
        .assert_redirect_to(&format!("/allowances/{id}"));
    // The finance queue lists it with leaver, kind, amount, months and total.
    let queue = finance.get_allowances("status=submitted").await;
    assert!(
        queue.body.contains("山田 花子 (SP-1)")
            && queue.body.contains("Housing")
            && queue.body.contains("¥180,000")
    );
    step(&finance, id, "approve", "")
        .await
        .assert_redirect_to(&format!("/allowances/{id}"));
    assert_eq!(status(&app, id).await, "approved");
    let months: Vec<String> = lines(&app, id)
        .await
        .iter()
        .map(|p| format!("{} {} {}", p.month, p.amount, p.status.as_str()))
        .collect();
    assert_eq!(
        months,
        [
            "2026-12-01 45000 scheduled",
            "2027-01-01 45000 scheduled",
            "2027-02-01 45000 scheduled",
            "2027-03-01 45000 scheduled"
        ]
    );
    let audit = app.audit_rows().await;
    let steps: Vec<_> = audit
        .iter()
        .filter(|r| r.1 == "allowance")
        .map(|r| (r.0.clone(), r.3))
        .collect();
    assert_eq!(
        steps,
        [
            ("create".into(), Some(me.id)),
            ("submit".into(), Some(me.id)),
            ("approve".into(), Some(f.id))
        ]
    );
    // The leaver page: every role sees the request; coordinators see its payment lines.
    let for_finance = finance.get_leaver(l.id).await;
    assert!(for_finance.body.contains("Approved") && !for_finance.body.contains("payment-lines"));
    let for_coordinator = coordinator.get_leaver(l.id).await;
    assert!(
        for_coordinator.body.contains("payment-lines")
            && for_coordinator.body.contains("2027-03 ¥45,000 Scheduled")
    );
}

#[tokio::test]
async fn requests_breaking_a_rule_are_refused_with_input_kept() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let count = || async {
        entity::allowances::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap()
    };
    for (amount, start, end, message) in [
        ("0", "2026-12", "2027-03", "Enter whole yen, more than zero"),
        (
            "45000.5",
            "2026-12",
            "2027-03",
            "Enter whole yen, more than zero",
        ),
        ("50001", "2026-12", "2027-03", "above the monthly cap"),
        (
            "45000",
            "2027-03",
            "2026-12",
            "The last month cannot be before the first.",
        ),
        (
            "45000",
            "2029-01",
            "2029-04",
            "2029-04 lies outside the support window (2024-04-01 to 2029-03-31).",
        ),
        (
            "45000",
            "2024-03",
            "2024-05",
            "2024-03 lies outside the support window",
        ),
    ] {
        let page = request(&coordinator, l.id, "housing", amount, start, end).await;
        assert_eq!(page.status, 422, "{amount} {start} {end}");
        assert!(page.body.contains(message), "{message}");
        assert!(
            page.body.contains(&format!("value=\"{amount}\"")),
            "amount kept"
        );
    }
    // The cap is exactly allowed.
    let at_cap = request(&coordinator, l.id, "housing", "50000", "2026-12", "2027-03").await;
    at_cap.assert_redirect_under("/allowances/");
    assert_eq!(count().await, 1);
    // Overlap with a submitted request of the same kind; another kind is fine.
    step(&coordinator, id_of(&at_cap), "submit", "").await;
    let overlap = request(&coordinator, l.id, "housing", "10000", "2027-03", "2027-05").await;
    assert_eq!(overlap.status, 422);
    assert!(
        overlap
            .body
            .contains("overlap another submitted or approved request")
    );
    request(&coordinator, l.id, "living", "10000", "2027-03", "2027-05")
        .await
        .assert_redirect_under("/allowances/");
    request(&coordinator, l.id, "housing", "10000", "2027-04", "2027-05")
        .await
        .assert_redirect_under("/allowances/");
    // A closed record takes no request.
    coordinator
        .post_leaver_status(
            l.id,
            &[
                ("status", "closed"),
                ("closed_reason", "moved"),
                ("version", "1"),
                ("confirm", "yes"),
            ],
        )
        .await;
    let closed = request(&coordinator, l.id, "living", "10000", "2027-06", "2027-07").await;
    assert_eq!(closed.status, 422);
    assert!(closed.body.contains("record is closed"));
    assert_eq!(count().await, 3);
}

#[tokio::test]
async fn the_state_machine_over_http() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (colleague, _) = app.signed_in(Role::Coordinator).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;

    // Withdraw: only the requester, only while submitted.
    let a = id_of(&request(&coordinator, l.id, "housing", "30000", "2026-12", "2027-01").await);
    assert_eq!(
        step(&coordinator, a, "withdraw", "").await.status,
        409,
        "a draft cannot be withdrawn"
    );
    step(&coordinator, a, "submit", "").await;
    assert_eq!(step(&colleague, a, "withdraw", "").await.status, 403);
    step(&coordinator, a, "withdraw", "")
        .await
        .assert_redirect_under("/allowances/");
    assert_eq!(status(&app, a).await, "withdrawn");
    assert_eq!(step(&finance, a, "approve", "").await.status, 409);

    // Reject needs a note; only finance decides.
    let b = id_of(&request(&coordinator, l.id, "housing", "30000", "2026-12", "2027-01").await);
    step(&coordinator, b, "submit", "").await;
    assert_eq!(step(&coordinator, b, "approve", "").await.status, 403);
    assert_eq!(step(&coordinator, b, "reject", "no").await.status, 403);
    let no_note = step(&finance, b, "reject", "").await;
    assert_eq!(no_note.status, 422);
    assert!(no_note.body.contains("A note is required."));
    step(&finance, b, "reject", "Housing is covered elsewhere")
        .await
        .assert_redirect_under("/allowances/");
    assert_eq!(status(&app, b).await, "rejected");
    assert!(
        finance
            .get_allowance(b)
            .await
            .body
            .contains("Housing is covered elsewhere")
    );
    assert_eq!(step(&finance, b, "stop", "x").await.status, 409);

    // Stop: unpaid future months are cancelled, paid and current ones stay.
    let c = id_of(&request(&coordinator, l.id, "living", "20000", "2026-10", "2027-02").await);
    step(&coordinator, c, "submit", "").await;
    step(&finance, c, "approve", "").await;
    let october = lines(&app, c)
        .await
        .into_iter()
        .find(|p| p.month.to_string() == "2026-10-01")
        .unwrap();
    finance
        .post_mark_paid(
            "2026-10",
            october.id,
            &[("paid_on", "2026-11-25"), ("version", "1")],
        )
        .await
        .assert_redirect_to("/payments?month=2026-10");
    assert_eq!(step(&finance, c, "stop", "").await.status, 422);
    step(&finance, c, "stop", "Moved to Osaka")
        .await
        .assert_redirect_under("/allowances/");
    let states: Vec<String> = lines(&app, c)
        .await
        .iter()
        .map(|p| format!("{} {}", p.month, p.status.as_str()))
        .collect();
    assert_eq!(
        states,
        [
            "2026-10-01 paid",
            "2026-11-01 scheduled",
            "2026-12-01 cancelled",
            "2027-01-01 cancelled",
            "2027-02-01 cancelled"
        ]
    );
    assert_eq!(step(&coordinator, c, "submit", "").await.status, 409);
    // Every transition is in the audit log.
    let audit = app.audit_rows().await;
    for (action, id) in [("withdraw", a), ("reject", b), ("approve", c), ("stop", c)] {
        assert!(
            audit
                .iter()
                .any(|r| r.0 == action && r.1 == "allowance" && r.2 == Some(id.into())),
            "{action} of {id} is audited"
        );
    }
}

#[tokio::test]
async fn nobody_decides_on_their_own_request() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let id = id_of(&request(&coordinator, l.id, "housing", "30000", "2026-12", "2027-01").await);
    step(&coordinator, id, "submit", "").await;
    // The requester later moves to finance.
    let edit = format!("/admin/users/{}/edit", me.id);
    admin
        .submit(
            &edit,
            &edit,
            &[
                ("name", "Moved"),
                ("email", &me.email),
                ("role", "finance"),
                ("language", "en"),
                ("version", "1"),
            ],
        )
        .await
        .assert_redirect_to("/admin/users");
    coordinator
        .login(&me.email, crate::helpers::PASSWORD)
        .await
        .assert_redirect_to("/");
    let page = coordinator.get_allowance(id).await;
    assert!(
        !page.body.contains("/approve") && !page.body.contains("/reject"),
        "no decision buttons on one's own request"
    );
    assert_eq!(step(&coordinator, id, "approve", "").await.status, 403);
    assert_eq!(step(&coordinator, id, "reject", "mine").await.status, 403);
    assert_eq!(status(&app, id).await, "submitted");
    // Another finance user sees the buttons and decides.
    let (finance, _) = app.signed_in(Role::Finance).await;
    assert!(
        finance
            .get_allowance(id)
            .await
            .body
            .contains(&format!("/allowances/{id}/approve"))
    );
}

#[tokio::test]
async fn a_decision_on_a_stale_version_is_refused() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let id = id_of(&request(&coordinator, l.id, "housing", "30000", "2026-12", "2027-01").await);
    let page = format!("/allowances/{id}");
    // Finance opened the page while it was a draft (version 1); it has been submitted since.
    let old = finance.get(&page).await;
    step(&coordinator, id, "submit", "").await;
    let refused = finance
        .post_raw(
            &format!("{page}/approve"),
            &[("csrf_token", &old.csrf_token()), ("version", "1")],
        )
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused
            .body
            .contains("This request changed since you opened it.")
    );
    assert_eq!(status(&app, id).await, "submitted");
    assert!(lines(&app, id).await.is_empty());
}

#[tokio::test]
async fn two_finance_users_approving_at_once_exactly_one_wins() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (first, _) = app.signed_in(Role::Finance).await;
    let (second, _) = app.signed_in(Role::Finance).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let id = id_of(&request(&coordinator, l.id, "housing", "30000", "2026-12", "2027-05").await);
    step(&coordinator, id, "submit", "").await;
    let page = format!("/allowances/{id}");
    let (t1, t2) = (
        first.get(&page).await.csrf_token(),
        second.get(&page).await.csrf_token(),
    );
    let action = format!("{page}/approve");
    let (f1, f2) = (
        [("csrf_token", t1.as_str()), ("version", "2")],
        [("csrf_token", t2.as_str()), ("version", "2")],
    );
    let (a, b) = tokio::join!(first.post_raw(&action, &f1), second.post_raw(&action, &f2));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 409], "exactly one approval wins");
    let loser = if a.status == 409 { &a } else { &b };
    assert!(
        loser
            .body
            .contains("This request changed since you opened it."),
        "the other is told why"
    );
    assert_eq!(
        lines(&app, id).await.len(),
        6,
        "one payment line per month, not two"
    );
    let approvals = app
        .audit_rows()
        .await
        .iter()
        .filter(|r| r.0 == "approve")
        .count();
    assert_eq!(approvals, 1);
}

#[tokio::test]
async fn payments_are_marked_paid_and_exported_as_csv_for_excel() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let l1 = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let l2 = app
        .create_leaver(
            "SP-2",
            Some(me.id),
            &[("family_name", "鈴木"), ("given_name", "次郎")],
        )
        .await;
    for (l, kind, amount) in [
        (l1.id, "housing", "45000"),
        (l2.id, "housing", "30000"),
        (l2.id, "living", "12345"),
    ] {
        let id = id_of(&request(&coordinator, l, kind, amount, "2026-11", "2026-12").await);
        step(&coordinator, id, "submit", "").await;
        step(&finance, id, "approve", "").await;
    }
    let month = finance.get_payments("2026-11").await;
    assert_eq!(month.body.matches("class=\"payment-row\"").count(), 3);
    let first = entity::payments::Entity::find()
        .filter(entity::payments::Column::Amount.eq(45000))
        .filter(
            entity::payments::Column::Month
                .eq(chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()),
        )
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let bad_date = finance
        .post_mark_paid(
            "2026-11",
            first.id,
            &[("paid_on", "soon"), ("version", "1")],
        )
        .await;
    assert_eq!(bad_date.status, 422);
    finance
        .post_mark_paid(
            "2026-11",
            first.id,
            &[("paid_on", "2026-11-25"), ("version", "1")],
        )
        .await;
    let again = finance
        .post_mark_paid(
            "2026-11",
            first.id,
            &[("paid_on", "2026-11-25"), ("version", "1")],
        )
        .await;
    assert_eq!(again.status, 409, "a paid line is not paid twice");
    // Marking the month shows how many lines and how much first.
    let ask = finance.get("/payments/paid?month=2026-11").await;
    assert_eq!(ask.status, 200);
    assert!(
        ask.body
            .contains("2 payments are waiting to be recorded as paid")
            && ask.body.contains("<tr class=\"grand-total\">")
            && ask.body.contains("Record 2 payments as paid")
            && ask.body.contains("name=\"count\" value=\"2\""),
        "{}",
        ask.body
    );
    // The page names the lines it showed; other lines with the same count are refused.
    let lines = crate::helpers::field_value(&ask.body, "lines").unwrap();
    let other = finance
        .post_mark_month_paid(
            "2026-11",
            &[
                ("month", "2026-11"),
                ("paid_on", "2026-11-25"),
                ("count", "2"),
                ("lines", "1-1"),
            ],
        )
        .await;
    assert_eq!(other.status, 409, "{lines}");
    assert!(
        other
            .body
            .contains("The month changed since the page was opened")
    );
    finance
        .post_mark_month_paid(
            "2026-11",
            &[
                ("month", "2026-11"),
                ("paid_on", "2026-11-25"),
                ("count", "2"),
            ],
        )
        .await
        .assert_redirect_to("/payments?month=2026-11");
    let after = finance.get_payments("2026-11").await;
    assert!(after.body.contains("2 lines marked as paid."));
    assert!(
        !after.body.contains("href=\"/payments/paid?month=2026-11\""),
        "nothing is left to mark paid: the button is gone"
    );
    let next = finance.get_payments("2026-12").await;
    assert!(
        next.body.contains("href=\"/payments/paid?month=2026-12\""),
        "a month with scheduled lines offers to mark them all"
    );
    // A month that has not begun cannot be marked at once: the page says so, with no button.
    let early = finance.get("/payments/paid?month=2026-12").await;
    assert!(
        early
            .body
            .contains("Months that have not begun cannot be marked paid at once.")
            && !early.body.contains("action=\"/payments/paid\""),
        "{}",
        early.body
    );
    // So does one line, with a visible label on its date.
    let line_id =
        crate::helpers::between(&next.body, "<td><a href=\"/payments/", "/paid\"").unwrap();
    let one = finance.get(&format!("/payments/{line_id}/paid")).await;
    assert!(
        one.body.contains("<label for=\"paid_on\">") && one.body.contains("action=\"/payments/"),
        "each line's \"Paid on\" has a visible label"
    );

    assert!(after.body.contains(
        "<td>Housing (居住費支援)</td><td class=\"yen\">¥0</td><td class=\"yen\">¥75,000</td>"
    ));
    let paid: Vec<_> = entity::payments::Entity::find()
        .filter(entity::payments::Column::Status.eq(entity::payments::Status::Paid))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(paid.len(), 3);
    assert_eq!(
        paid.iter()
            .find(|p| p.id == first.id)
            .unwrap()
            .paid_on
            .unwrap()
            .to_string(),
        "2026-11-25"
    );

    let csv = finance
        .http
        .get(format!("{}/payments.csv?month=2026-11", finance.base))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(
        text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'),
        "CRLF line ends"
    );
    let rows: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(rows[0], "case_number,name,kind,month,amount,status,paid_on");
    assert!(
        rows.contains(&"SP-1,山田 花子,Housing (居住費支援),2026-11,45000,Paid,2026-11-25"),
        "{rows:?}"
    );
    // The totals stand apart: after an empty line, under their own header.
    let gap = rows.iter().position(|r| r.is_empty()).unwrap();
    assert!(
        rows[1..gap].iter().all(|r| !r.contains("total")),
        "no total among the lines: {rows:?}"
    );
    assert_eq!(rows[gap + 1], "totals by kind,month,scheduled,paid,total");
    assert_eq!(rows[gap + 2], "Housing (居住費支援),2026-11,0,75000,75000");
    assert_eq!(rows[gap + 3], "Living (生活費支援),2026-11,0,12345,12345");

    // In Japanese, the headers are Japanese.
    finance
        .post("/language", &[("lang", "ja"), ("next", "/")])
        .await;
    let ja = finance.download("/payments.csv?month=2026-11").await;
    let ja = std::str::from_utf8(&ja[3..]).unwrap();
    assert!(
        ja.starts_with("ケース番号,氏名,種類,対象月,金額,状態,支払日\r\n"),
        "{ja}"
    );
    assert!(
        ja.contains(
            "\r\n\r\n種類別の合計,対象月,予定,支払済み,合計\r\n居住費支援,2026-11,0,75000,75000\r\n"
        ),
        "{ja}"
    );
    assert_eq!(coordinator.get("/payments").await.status, 403);
}

#[tokio::test]
async fn the_budget_shows_committed_and_paid_and_asks_before_going_over() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    finance
        .post_budget(
            2026,
            &[("fy", "2026"), ("kind", "housing"), ("amount", "200000")],
        )
        .await
        .assert_redirect_to("/budget?fy=2026");
    assert_eq!(
        finance
            .post_budget(
                2026,
                &[("fy", "2026"), ("kind", "housing"), ("amount", "-5")]
            )
            .await
            .status,
        422
    );
    let a = id_of(&request(&coordinator, l.id, "housing", "50000", "2026-12", "2027-02").await);
    step(&coordinator, a, "submit", "").await;
    step(&finance, a, "approve", "")
        .await
        .assert_redirect_under("/allowances/");
    let dec = lines(&app, a).await.into_iter().next().unwrap();
    finance
        .post_mark_paid(
            "2026-12",
            dec.id,
            &[("paid_on", "2026-11-25"), ("version", "1")],
        )
        .await;
    let page = finance.get_budget(2026).await;
    assert!(page.body.contains("<tr class=\"budget-row\" data-kind=\"housing\"><th>Housing (居住費支援)</th><td class=\"yen\">¥200,000</td><td class=\"yen\">¥100,000</td><td class=\"yen\">¥50,000</td><td class=\"yen\">¥50,000</td></tr>"), "{}", page.body);
    // The monthly chart: December paid, January and February scheduled, nothing in March.
    for (month, paid, scheduled) in [
        ("2026-12", "¥50,000", "¥0"),
        ("2027-01", "¥0", "¥50,000"),
        ("2027-02", "¥0", "¥50,000"),
        ("2027-03", "¥0", "¥0"),
    ] {
        let title = format!("<title>{month} · Paid: {paid} · Scheduled: {scheduled}</title>");
        assert!(page.body.contains(&title), "missing {title}");
    }
    // 2027-03 to 2027-04: ¥50,000 in FY2026 (fits exactly: 150,000 + 50,000) and ¥50,000 in FY2027 (no budget).
    let b = id_of(&request(&coordinator, l.id, "housing", "50000", "2027-03", "2027-04").await);
    step(&coordinator, b, "submit", "").await;
    step(&finance, b, "approve", "")
        .await
        .assert_redirect_under("/allowances/");
    // One more month in FY2026 goes over by ¥30,000: confirmation first.
    let c = id_of(&request(&coordinator, l.id, "living", "30000", "2027-01", "2027-01").await);
    finance
        .post_budget(
            2026,
            &[("fy", "2026"), ("kind", "living"), ("amount", "10000")],
        )
        .await;
    step(&coordinator, c, "submit", "").await;
    let ask = step(&finance, c, "approve", "").await;
    assert_eq!(ask.status, 200);
    assert!(
        ask.body
            .contains("Fiscal year 2026 Living (生活費支援): over the budget by ¥20,000."),
        "{}",
        ask.body
    );
    assert!(
        ask.body
            .contains("name=\"confirm_over_budget\" value=\"yes\"")
    );
    assert_eq!(status(&app, c).await, "submitted");
    let confirm = finance
        .post_raw(
            &format!("/allowances/{c}/approve"),
            &[
                ("csrf_token", &ask.csrf_token()),
                ("version", "2"),
                ("confirm_over_budget", "yes"),
            ],
        )
        .await;
    confirm.assert_redirect_under("/allowances/");
    assert_eq!(status(&app, c).await, "approved");
    // The finance dashboard's summary has the same figures: ¥10,000 of living budget, ¥30,000
    // committed, ¥20,000 over.
    let dash = finance.get_dashboard().await;
    let summary = &dash.body[dash.body.find("id=\"budget-summary\"").unwrap()..];
    let summary = &summary[..summary.find("</section>").unwrap()];
    assert!(
        summary.contains("<tr class=\"budget-row\" data-kind=\"living\"><th>Living (生活費支援)</th><td class=\"yen\">¥10,000</td><td class=\"yen\">¥30,000</td><td class=\"yen\">¥0</td><td class=\"yen\">-¥20,000</td></tr>"),
        "{summary}"
    );
}

#[tokio::test]
async fn the_finance_dashboard_shows_the_queue_and_this_months_totals() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    assert!(
        finance
            .get_dashboard()
            .await
            .body
            .contains("No request is waiting.")
    );
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let a = id_of(&request(&coordinator, l.id, "housing", "30000", "2026-11", "2026-12").await);
    step(&coordinator, a, "submit", "").await;
    app.clock.advance(chrono::Duration::minutes(5));
    let b = id_of(&request(&coordinator, l.id, "living", "20000", "2026-11", "2026-11").await);
    step(&coordinator, b, "submit", "").await;
    let dash = finance.get_dashboard().await;
    assert!(
        dash.body
            .contains("2 waiting; the oldest was submitted 2026-11-25 09:00."),
        "{}",
        dash.body
    );
    // The queue, oldest first.
    let queue = finance.get_allowances("status=submitted").await.body;
    let (first, second) = (
        queue.find(&format!("href=\"/allowances/{a}\"")).unwrap(),
        queue.find(&format!("href=\"/allowances/{b}\"")).unwrap(),
    );
    assert!(first < second, "oldest first");
    step(&finance, a, "approve", "").await;
    // An approved request blocks an overlapping one as a submitted one does.
    let overlap = request(&coordinator, l.id, "housing", "10000", "2026-12", "2027-01").await;
    assert_eq!(overlap.status, 422);
    assert!(
        overlap.body.contains(
            "These months overlap another submitted or approved request of the same kind."
        )
    );
    let dash = finance.get_dashboard().await;
    assert!(dash.body.contains("<tr class=\"month-total\"><th>Housing (居住費支援)</th><td class=\"yen\">¥30,000</td><td class=\"yen\">¥0</td></tr>"));
}

#[tokio::test]
async fn months_of_a_stopped_allowance_are_not_paid_twice() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let a = id_of(&request(&coordinator, l.id, "housing", "30000", "2026-10", "2027-03").await);
    step(&coordinator, a, "submit", "").await;
    step(&finance, a, "approve", "").await;
    step(&finance, a, "stop", "Moved out")
        .await
        .assert_redirect_under("/allowances/");
    // October and November keep their lines: a new request may start in December.
    let again = request(&coordinator, l.id, "housing", "30000", "2026-11", "2027-03").await;
    assert_eq!(again.status, 422);
    assert!(
        again
            .body
            .contains("overlap another submitted or approved request")
    );
    request(&coordinator, l.id, "housing", "30000", "2026-12", "2027-03")
        .await
        .assert_redirect_under("/allowances/");
}

#[tokio::test]
async fn payment_rules_refuse_what_was_not_seen() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let l = app.create_leaver("=HYPERLINK(1)", Some(me.id), &[]).await;
    let a = id_of(&request(&coordinator, l.id, "housing", "30000", "2026-11", "2026-12").await);
    step(&coordinator, a, "submit", "").await;
    step(&finance, a, "approve", "").await;
    // A future month cannot be marked paid at once; a stale count is refused.
    let future = finance
        .post_mark_month_paid(
            "2026-12",
            &[
                ("month", "2026-12"),
                ("paid_on", "2026-11-25"),
                ("count", "1"),
            ],
        )
        .await;
    assert_eq!(future.status, 422);
    let stale = finance
        .post_mark_month_paid(
            "2026-11",
            &[
                ("month", "2026-11"),
                ("paid_on", "2026-11-25"),
                ("count", "0"),
            ],
        )
        .await;
    assert_eq!(stale.status, 409);
    let bad_month = finance
        .submit(
            "/payments",
            "/payments/paid",
            &[("month", "soon"), ("paid_on", "2026-11-25"), ("count", "1")],
        )
        .await;
    assert_eq!(bad_month.status, 422);
    assert_eq!(
        entity::payments::Entity::find()
            .filter(entity::payments::Column::Status.eq(entity::payments::Status::Paid))
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    // A budget for a year that cannot be read is refused, not saved elsewhere.
    assert_eq!(
        finance
            .submit(
                "/budget",
                "/budget",
                &[("fy", "FY2026"), ("kind", "housing"), ("amount", "1000")]
            )
            .await
            .status,
        422
    );
    assert_eq!(
        entity::budgets::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    // Text that Excel would run as a formula is neutralised.
    let csv = finance
        .http
        .get(format!("{}/payments.csv?month=2026-11", finance.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("'=HYPERLINK(1)"), "{csv}");
}

/// A payment date is plausible: not before the line was scheduled, not in the future; a
/// refused date stays in its field; and the budget's amount too.
#[tokio::test]
async fn implausible_payment_dates_are_refused_and_what_was_typed_is_kept() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let a = id_of(&request(&coordinator, l.id, "housing", "30000", "2026-11", "2026-12").await);
    step(&coordinator, a, "submit", "").await;
    step(&finance, a, "approve", "")
        .await
        .assert_redirect_under("/allowances/");
    let november = lines(&app, a).await.into_iter().next().unwrap();
    let list = "/payments?month=2026-11";
    for (date, message) in [
        ("9999-12-31", "cannot be in the future"),
        ("2026-11-26", "cannot be in the future"),
        ("0001-01-01", "before the payment was scheduled"),
        ("1900-01-01", "before the payment was scheduled"),
        ("2026-11-24", "before the payment was scheduled"),
        ("someday", "Enter the payment date"),
    ] {
        let one = finance
            .submit(
                list,
                &format!("/payments/{}/paid", november.id),
                &[("paid_on", date), ("version", "1")],
            )
            .await;
        assert_eq!(one.status, 422, "{date}");
        assert!(one.body.contains(message), "{date}");
        assert!(
            one.body
                .contains(&format!("name=\"paid_on\" value=\"{date}\"")),
            "{date} kept in its line's field"
        );
        let all = finance
            .submit(
                list,
                "/payments/paid",
                &[("month", "2026-11"), ("paid_on", date), ("count", "1")],
            )
            .await;
        assert_eq!(all.status, 422, "{date}");
        assert!(all.body.contains(message), "{date}");
        assert!(
            all.body
                .contains(&format!("name=\"paid_on\" value=\"{date}\"")),
            "{date} kept in the month's field"
        );
    }
    assert!(
        lines(&app, a)
            .await
            .iter()
            .all(|p| p.status == entity::payments::Status::Scheduled)
    );
    finance
        .submit(
            list,
            &format!("/payments/{}/paid", november.id),
            &[("paid_on", "2026-11-25"), ("version", "1")],
        )
        .await
        .assert_redirect_to(list);

    let budget = finance
        .post_budget(
            2026,
            &[("fy", "2026"), ("kind", "living"), ("amount", "12,3x")],
        )
        .await;
    assert_eq!(budget.status, 422);
    assert!(budget.body.contains("value=\"12,3x\""), "{}", budget.body);
}
