//! The young person's link (DESIGN 2.9): handing it over, the session it opens for that one
//! person, its scope, its end (a new link, revoking, closing, expiry, idle time) and the
//! audit of what the person sees.
use aftercare::roles::Role;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, QueryOrder};

use crate::helpers::{Browser, TestApp, TestUser, between, spawn_app, spawn_app_with};

/// The token of the link a "show" page displays.
fn shown_token(body: &str) -> String {
    let url = between(body, "<code>", "</code>").expect("the page shows the link");
    url.rsplit("/y/").next().unwrap().to_string()
}

/// A coordinator's browser, the coordinator, and a record assigned to them.
async fn coordinator_with_person(app: &TestApp) -> (Browser, TestUser, entity::leavers::Model) {
    let (browser, coordinator) = app.signed_in(Role::Coordinator).await;
    let l = app
        .create_leaver("A-100", Some(coordinator.id), &[("given_name", "Hanako")])
        .await;
    (browser, coordinator, l)
}

/// Shows a new link for the person and returns its token.
pub async fn show_link(staff: &Browser, leaver_id: i32) -> String {
    let page = staff
        .submit(
            &format!("/leavers/{leaver_id}"),
            &format!("/leavers/{leaver_id}/link"),
            &[("handover", "show")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    shown_token(&page.body)
}

/// A fresh browser that opened the link.
pub async fn opened(app: &TestApp, token: &str) -> Browser {
    let person = app.browser();
    let page = person.get(&format!("/y/{token}")).await;
    page.assert_redirect_to("/me");
    assert!(person.cookie("aftercare_me").is_some());
    person
}

/// The person's record as stored now.
async fn record_now(app: &TestApp, id: i32) -> entity::leavers::Model {
    aftercare::leavers::queries::get(&app.state.db, id)
        .await
        .unwrap()
        .unwrap()
}

async fn outbox(app: &TestApp) -> Vec<entity::outbox::Model> {
    entity::outbox::Entity::find()
        .order_by_asc(entity::outbox::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_shown_link_opens_the_persons_own_page() {
    let app = spawn_app().await;
    let (staff, coordinator, l) = coordinator_with_person(&app).await;
    let page = staff
        .submit(
            &format!("/leavers/{}", l.id),
            &format!("/leavers/{}/link", l.id),
            &[("handover", "show")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers.get("cache-control").unwrap(),
        "no-store",
        "the link is shown once"
    );
    assert!(page.body.contains("<svg"), "a QR code drawn on the server");
    let token = shown_token(&page.body);
    assert_eq!(token.len(), 64, "256 random bits");
    // Only a digest is stored.
    let stored = entity::youth_links::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token);
    assert!(!stored[0].token_hash.contains(&token));

    let person = opened(&app, &token).await;
    let me = person.get("/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(me.body.contains("Hanako"), "{}", me.body);
    assert!(
        me.body
            .contains(&format!("{} user", coordinator_role_name()))
    );
    assert!(me.body.contains("lang=\"ja\""), "Japanese by default");
    assert!(
        !me.body.contains(&l.case_number),
        "no case number on their page"
    );
    let _ = coordinator;

    // The leaver page says a link is in force.
    let record = staff.get(&format!("/leavers/{}", l.id)).await;
    assert!(
        between(&record.body, "youth-link-state\">", "</p>")
            .unwrap()
            .contains("Link in force until"),
        "{}",
        record.body
    );
}

fn coordinator_role_name() -> &'static str {
    Role::Coordinator.as_str()
}

#[tokio::test]
async fn the_link_reaches_no_staff_page_and_no_other_persons_data() {
    let app = spawn_app().await;
    let (staff, coordinator, l) = coordinator_with_person(&app).await;
    let other = app.create_leaver("B-200", Some(coordinator.id), &[]).await;
    let other_plan = app.create_plan_with_goal(other.id, coordinator.id).await;
    let own_draft = app.create_plan(l.id, coordinator.id).await;
    let allowance = app.create_allowance(l.id, coordinator.id).await;
    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;

    for path in [
        "/".to_string(),
        "/login".into(),
        "/setup".into(),
        "/account".into(),
        "/leavers".into(),
        format!("/leavers/{}", l.id),
        format!("/leavers/{}", other.id),
        format!("/plans/{}", own_draft.id),
        format!("/allowances/{}", allowance.id),
        "/admin/users".into(),
        "/payments".into(),
        "/reports/annual".into(),
    ] {
        let page = person.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Another person's plan, and the person's own draft, are not theirs to see.
    for id in [other_plan.id, own_draft.id] {
        let page = person.get(&format!("/me/plans/{id}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "plan {id}");
    }
    // A staff form posted from the person's browser, with a valid token, is not found either.
    let token_field = person.get("/me").await.csrf_token();
    let page = person
        .post_raw(
            &format!("/leavers/{}/link", other.id),
            &[("csrf_token", &token_field), ("handover", "show")],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(
        entity::youth_links::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len(),
        1,
        "no link made for the other person"
    );
    // Without the link, /me leads to "send me a new link".
    let stranger = app.browser();
    stranger
        .get("/me")
        .await
        .assert_redirect_to("/me/link?ended=1");
}

#[tokio::test]
async fn a_new_link_revoking_and_closing_each_end_the_link_at_once() {
    let app = spawn_app().await;
    let (staff, _, l) = coordinator_with_person(&app).await;
    let first = show_link(&staff, l.id).await;
    let person = opened(&app, &first).await;
    assert_eq!(person.get("/me").await.status, StatusCode::OK);

    // A new link ends the old one and the page it opened.
    let second = show_link(&staff, l.id).await;
    person
        .get("/me")
        .await
        .assert_redirect_to("/me/link?ended=1");
    app.browser()
        .get(&format!("/y/{first}"))
        .await
        .assert_redirect_to("/me/link?ended=1");
    let person = opened(&app, &second).await;
    assert_eq!(person.get("/me").await.status, StatusCode::OK);

    // Revoking ends it.
    let page = staff
        .submit(
            &format!("/leavers/{}", l.id),
            &format!("/leavers/{}/link/revoke", l.id),
            &[],
        )
        .await;
    page.assert_redirect_to(&format!("/leavers/{}#youth-link", l.id));
    person
        .get("/me")
        .await
        .assert_redirect_to("/me/link?ended=1");
    app.browser()
        .get(&format!("/y/{second}"))
        .await
        .assert_redirect_to("/me/link?ended=1");
    let audit = app.audit_rows().await;
    assert!(
        audit
            .iter()
            .any(|(action, entity, id, _, _)| action == "revoke_link"
                && entity == "leaver"
                && *id == Some(l.id.into())),
        "{audit:?}"
    );

    // Closing the record ends it.
    let third = show_link(&staff, l.id).await;
    let person = opened(&app, &third).await;
    app.close_leaver(l.id, "2026-11-25").await;
    person
        .get("/me")
        .await
        .assert_redirect_to("/me/link?ended=1");
    app.browser()
        .get(&format!("/y/{third}"))
        .await
        .assert_redirect_to("/me/link?ended=1");
    // And a closed record gets no new link.
    let record = staff.get(&format!("/leavers/{}", l.id)).await;
    assert!(!record.body.contains("name=\"handover\""));
}

#[tokio::test]
async fn a_link_expires_after_its_days_and_a_session_after_thirty_idle_minutes() {
    let app = spawn_app_with(&[("AFTERCARE_YOUTH_LINK_DAYS", "2")]).await;
    let (staff, _, l) = coordinator_with_person(&app).await;
    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;

    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(person.get("/me").await.status, StatusCode::OK);
    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(
        person.get("/me").await.status,
        StatusCode::OK,
        "used within the half hour: still open"
    );
    app.clock.advance(chrono::Duration::minutes(30));
    person
        .get("/me")
        .await
        .assert_redirect_to("/me/link?ended=1");
    assert!(
        person.cookie("aftercare_me").is_none(),
        "the ended session's cookie is removed"
    );

    // Within its days the link opens a new session; after them, it does not.
    let person = opened(&app, &token).await;
    assert_eq!(person.get("/me").await.status, StatusCode::OK);
    app.clock.advance(chrono::Duration::days(2));
    app.browser()
        .get(&format!("/y/{token}"))
        .await
        .assert_redirect_to("/me/link?ended=1");
    person
        .get("/me")
        .await
        .assert_redirect_to("/me/link?ended=1");
}

#[tokio::test]
async fn emailing_the_link_needs_consent_and_an_address_and_carries_no_case_content() {
    let app = spawn_app_with(&[("AFTERCARE_TEAM_CONTACT", "011-555-0101")]).await;
    let (staff, coordinator) = app.signed_in(Role::Coordinator).await;
    let without = app
        .create_leaver("N-1", Some(coordinator.id), &[("contact_consent", "")])
        .await;
    let page = staff.get(&format!("/leavers/{}", without.id)).await;
    assert!(!page.body.contains("value=\"email\""), "no email button");
    let page = staff
        .submit(
            &format!("/leavers/{}", without.id),
            &format!("/leavers/{}/link", without.id),
            &[("handover", "email")],
        )
        .await;
    page.assert_redirect_to(&format!("/leavers/{}#youth-link", without.id));
    assert!(
        outbox(&app).await.is_empty(),
        "nothing sent without consent"
    );
    assert!(
        entity::youth_links::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .is_empty()
    );

    let with = app
        .create_leaver("Y-2", Some(coordinator.id), &[("given_name", "Yui")])
        .await;
    let page = staff
        .submit(
            &format!("/leavers/{}", with.id),
            &format!("/leavers/{}/link", with.id),
            &[("handover", "email")],
        )
        .await;
    page.assert_redirect_to(&format!("/leavers/{}#youth-link", with.id));
    let sent = outbox(&app).await;
    assert_eq!(sent.len(), 1);
    let email = &sent[0];
    assert_eq!(email.to_address, "hanako@example.jp");
    assert_eq!(email.subject, "アフターケアチームのあなたのページ");
    assert!(email.body_text.contains("Yuiさん"));
    assert!(
        email.body_text.contains("011-555-0101"),
        "the team's contact"
    );
    assert!(!email.body_text.contains("Y-2"), "no case number");
    assert!(
        !email.body_text.contains("Sapporo station"),
        "no case content"
    );
    let token = email
        .body_text
        .split("/y/")
        .nth(1)
        .unwrap()
        .chars()
        .take(64)
        .collect::<String>();
    let person = opened(&app, &token).await;
    assert!(person.get("/me").await.body.contains("Yui"));

    // "How are you doing?" from the leaver page: its own email, with a new link.
    staff
        .submit(
            &format!("/leavers/{}", with.id),
            &format!("/leavers/{}/link", with.id),
            &[("handover", "check_in")],
        )
        .await
        .assert_redirect_to(&format!("/leavers/{}#youth-link", with.id));
    let sent = outbox(&app).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].subject, "最近どうですか？");
    assert!(sent[1].body_text.contains("?next=check-in"));
    person
        .get("/me")
        .await
        .assert_redirect_to("/me/link?ended=1");
}

#[tokio::test]
async fn what_the_person_sees_is_logged_with_them_as_its_actor() {
    let app = spawn_app().await;
    let (staff, coordinator, l) = coordinator_with_person(&app).await;
    let plan = app.create_plan_with_goal(l.id, coordinator.id).await;
    let agreed = staff
        .submit(
            &format!("/plans/{}", plan.id),
            &format!("/plans/{}/agree", plan.id),
            &[
                ("agreed_on", "2026-11-25"),
                ("version", &plan.version.to_string()),
            ],
        )
        .await;
    assert_eq!(agreed.status, StatusCode::SEE_OTHER, "{}", agreed.body);
    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;
    let me = person.get("/me").await;
    assert!(me.body.contains(&format!("/me/plans/{}", plan.id)));
    let shown = person.get(&format!("/me/plans/{}", plan.id)).await;
    assert_eq!(shown.status, StatusCode::OK);

    let audit = app.audit_rows().await;
    let views: Vec<_> = audit
        .iter()
        .filter(|(action, _, id, actor, _)| {
            action == "view" && *id == Some(l.id.into()) && actor.is_none()
        })
        .map(|(_, _, _, _, summary)| summary.as_str())
        .collect();
    assert_eq!(
        views,
        ["/me; person", &format!("/me/plans/{}; person", plan.id)]
    );
    let (admin, _) = app.signed_in(Role::Admin).await;
    let log = admin.get(&format!("/leavers/{}/access-log", l.id)).await;
    assert!(log.body.contains("The person themselves"), "{}", log.body);
}

async fn check_ins(app: &TestApp) -> Vec<entity::check_ins::Model> {
    entity::check_ins::Entity::find()
        .order_by_asc(entity::check_ins::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn consultation(app: &TestApp, id: i32) -> entity::consultations::Model {
    entity::consultations::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn answers_to_appointments_are_stored_and_reach_the_coordinator() {
    let app = spawn_app().await;
    let (staff, coordinator, l) = coordinator_with_person(&app).await;
    let other = app.create_leaver("B-200", Some(coordinator.id), &[]).await;
    let planned = app
        .record_consultation(
            l.id,
            coordinator.id,
            "2026-11-27T10:00",
            "planned",
            "in_person",
            None,
        )
        .await;
    let past = app
        .record_consultation(
            l.id,
            coordinator.id,
            "2026-11-20T10:00",
            "planned",
            "phone",
            None,
        )
        .await;
    let theirs = app
        .record_consultation(
            other.id,
            coordinator.id,
            "2026-11-27T11:00",
            "planned",
            "phone",
            None,
        )
        .await;
    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;
    let me = person.get("/me").await;
    assert!(
        me.body
            .contains(&format!("/me/appointments/{}/respond", planned.id))
    );
    assert!(
        !me.body
            .contains(&format!("/me/appointments/{}/respond", past.id))
    );

    let respond = |id: i32, answer: &'static str| {
        let person = &person;
        async move {
            person
                .submit(
                    "/me",
                    &format!("/me/appointments/{id}/respond"),
                    &[("response", answer)],
                )
                .await
        }
    };
    respond(planned.id, "coming")
        .await
        .assert_redirect_to("/me#appointments");
    let dashboard = staff.get("/").await;
    let week = between(&dashboard.body, "id=\"appointments-week\"", "</section>").unwrap();
    assert!(
        week.contains("I&#39;ll come"),
        "the answer on the dashboard: {week}"
    );
    let c = consultation(&app, planned.id).await;
    assert_eq!(c.response, Some(entity::consultations::Response::Coming));
    assert_eq!(
        c.version, planned.version,
        "the coordinator's form does not go stale"
    );
    assert!(check_ins(&app).await.is_empty(), "coming needs nobody");
    let record = staff.get(&format!("/leavers/{}", l.id)).await;
    assert!(
        record.body.contains("Their answer: I&#39;ll come"),
        "{}",
        record.body
    );
    assert!(
        person
            .get("/me")
            .await
            .body
            .contains("あなたの返事: 行きます")
    );

    // Another person's appointment, a past one, or an answer not on the list: nothing stored.
    assert_eq!(
        respond(theirs.id, "coming").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        respond(past.id, "coming").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(consultation(&app, theirs.id).await.response, None);
    assert_eq!(
        respond(planned.id, "maybe").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // "I can't come" waits on the dashboard, with no email at once.
    respond(planned.id, "not_coming").await;
    assert_eq!(
        consultation(&app, planned.id).await.response,
        Some(entity::consultations::Response::NotComing)
    );
    assert!(outbox(&app).await.is_empty());
    let dashboard = staff.get("/").await;
    let answers = between(&dashboard.body, "id=\"youth-answers\"", "</section>").unwrap();
    assert!(
        answers.contains("A-100") && answers.contains("I can&#39;t come"),
        "{answers}"
    );

    // "Please call me" is emailed to the coordinator at once.
    respond(planned.id, "call_me").await;
    let sent = outbox(&app).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to_address, coordinator.email);
    assert!(sent[0].subject.contains("A-100") && sent[0].subject.contains("Please call me"));
    let open = check_ins(&app).await;
    assert_eq!(open.len(), 2);
    assert!(open.iter().all(|a| a.acknowledged_at.is_none()));
    let audit = app.audit_rows().await;
    assert!(
        audit
            .iter()
            .any(|(action, entity, id, actor, summary)| action == "respond"
                && entity == "consultation"
                && *id == Some(planned.id.into())
                && actor.is_none()
                && summary.ends_with("; person"))
    );

    // Both wait for the coordinator in their next digest, once.
    run_reminders(&app, "2026-11-25").await;
    let digests: Vec<_> = outbox(&app)
        .await
        .into_iter()
        .filter(|e| e.to_address == coordinator.email && e.body_text.contains("I can't come"))
        .collect();
    assert_eq!(digests.len(), 1, "one digest");
    assert!(digests[0].body_text.contains("I can't come"));
    assert!(digests[0].body_text.contains("Please call me"));
    run_reminders(&app, "2026-11-25").await;
    run_reminders(&app, "2026-11-26").await;
    let digests = outbox(&app)
        .await
        .into_iter()
        .filter(|e| e.to_address == coordinator.email && e.body_text.contains("I can't come"))
        .count();
    assert_eq!(digests, 1, "in one digest only");
    let keys = entity::reminders::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.rule == "youth_answer")
        .count();
    assert_eq!(keys, 2, "one reminder for each answer");
}

#[tokio::test]
async fn a_check_in_is_a_self_reported_contact_and_need_help_alerts_without_the_message() {
    let app = spawn_app().await;
    let (staff, coordinator, l) = coordinator_with_person(&app).await;
    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;
    let form = person.get("/me/check-in").await;
    assert_eq!(form.status, StatusCode::OK);

    // Every mistake at once, and what was typed is kept.
    let long = "あ".repeat(2001);
    let refused = person
        .submit("/me/check-in", "/me/check-in", &[("message", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"feeling-error\""));
    assert!(refused.body.contains("id=\"message-error\""));
    assert!(refused.body.contains(&long));
    assert!(check_ins(&app).await.is_empty());

    // "I'm OK": a self-reported contact, not a held consultation; nobody needs to act.
    person
        .submit("/me/check-in", "/me/check-in", &[("feeling", "ok")])
        .await
        .assert_redirect_to("/me");
    let stored = record_now(&app, l.id).await;
    assert_eq!(stored.last_self_report_at, Some(app.clock.now()));
    assert_eq!(stored.last_held_at, None, "not a held consultation");
    assert!(check_ins(&app).await[0].acknowledged_at.is_some());
    let record = staff.get(&format!("/leavers/{}", l.id)).await;
    let timeline = between(&record.body, "class=\"timeline\"", "</ol>").unwrap();
    assert!(
        timeline.contains("Self-reported contact") && timeline.contains("Message"),
        "{timeline}"
    );
    assert!(outbox(&app).await.is_empty());

    // "I need help": the coordinator is emailed at once, without the person's words.
    app.clock.advance(chrono::Duration::minutes(5));
    person
        .submit(
            "/me/check-in",
            "/me/check-in",
            &[
                ("feeling", "need_help"),
                ("message", "I lost my job and the rent is due"),
            ],
        )
        .await
        .assert_redirect_to("/me");
    let sent = outbox(&app).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to_address, coordinator.email);
    assert!(
        !sent[0].body_text.contains("rent"),
        "no message text in the email"
    );
    assert!(!sent[0].body_html.contains("rent"));
    let record = staff.get(&format!("/leavers/{}", l.id)).await;
    assert!(record.body.contains("I lost my job and the rent is due"));
    let dashboard = staff.get("/").await;
    let answers = between(&dashboard.body, "id=\"youth-answers\"", "</section>").unwrap();
    assert!(answers.contains("urgent") && answers.contains("I need help"));

    // Acknowledged: audited, and off the dashboard.
    let open = check_ins(&app)
        .await
        .into_iter()
        .find(|a| a.acknowledged_at.is_none())
        .unwrap();
    staff
        .submit(
            "/",
            &format!("/check-ins/{}/acknowledge", open.id),
            &[("next", "/")],
        )
        .await
        .assert_redirect_to("/");
    assert!(!staff.get("/").await.body.contains("id=\"youth-answers\""));
    let audit = app.audit_rows().await;
    assert!(
        audit
            .iter()
            .any(|(action, entity, id, actor, _)| action == "acknowledge"
                && entity == "check_in"
                && *id == Some(open.id.into())
                && *actor == Some(coordinator.id))
    );
    assert!(
        audit
            .iter()
            .all(|(_, _, _, _, summary)| !summary.contains("rent")),
        "the audit keeps no message text"
    );
}

#[tokio::test]
async fn please_contact_me_reaches_the_administrators_when_no_coordinator_can_receive_it() {
    let app = spawn_app().await;
    let (staff, coordinator, l) = coordinator_with_person(&app).await;
    let (admin, admin_user) = app.signed_in(Role::Admin).await;
    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;
    admin
        .post(
            &format!("/admin/users/{}/deactivate", coordinator.id),
            &[("version", "1")],
        )
        .await
        .assert_redirect_to("/admin/users");
    person
        .submit("/me", "/me/check-in", &[("feeling", "contact_me")])
        .await
        .assert_redirect_to("/me");
    let sent = outbox(&app).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to_address, admin_user.email);
    let dashboard = admin.get("/").await;
    assert!(
        between(&dashboard.body, "id=\"youth-answers\"", "</section>")
            .unwrap()
            .contains("Please contact me")
    );
}

#[tokio::test]
async fn proposed_contact_details_wait_for_the_coordinator_and_consent_applies_at_once() {
    let app = spawn_app().await;
    let (staff, coordinator, l) = coordinator_with_person(&app).await;
    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;
    let form = person.get("/me/contact").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("011-222-3333"), "what is on file");

    // Every mistake at once, what was typed kept, nothing stored.
    let refused = person
        .submit(
            "/me/contact",
            "/me/contact",
            &[
                ("email", "not an address"),
                ("phone", "call me"),
                ("contact_consent", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("id=\"email-error\"") && refused.body.contains("id=\"phone-error\"")
    );
    assert!(refused.body.contains("not an address"));
    assert!(
        entity::contact_proposals::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .is_empty()
    );

    // A new phone number waits for the coordinator; the record is unchanged meanwhile.
    person
        .submit(
            "/me/contact",
            "/me/contact",
            &[
                ("email", "hanako@example.jp"),
                ("phone", "090-1111-2222"),
                ("address", "札幌市北区北8条西5丁目"),
                ("contact_consent", "on"),
            ],
        )
        .await
        .assert_redirect_to("/me");
    let stored = record_now(&app, l.id).await;
    assert_eq!(stored.phone.as_deref(), Some("011-222-3333"));
    let record = staff.get(&format!("/leavers/{}", l.id)).await;
    let proposal = between(&record.body, "id=\"youth-contact\"", "</section>").unwrap();
    assert!(proposal.contains("090-1111-2222") && proposal.contains("北8条"));
    assert!(
        !proposal.contains("hanako@example.jp"),
        "an unchanged field is not proposed"
    );
    let waiting = entity::contact_proposals::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);

    // Accepted: on the record, audited without the values.
    staff
        .submit(
            &format!("/leavers/{}", l.id),
            &format!("/contact-proposals/{}/accept", waiting[0].id),
            &[],
        )
        .await
        .assert_redirect_to(&format!("/leavers/{}#youth-contact", l.id));
    let stored = record_now(&app, l.id).await;
    assert_eq!(stored.phone.as_deref(), Some("090-1111-2222"));
    assert_eq!(stored.address.as_deref(), Some("札幌市北区北8条西5丁目"));
    assert_eq!(stored.version, l.version + 1);
    let audit = app.audit_rows().await;
    let steps: Vec<_> = audit
        .iter()
        .filter(|(_, entity, _, _, _)| entity == "contact_proposal")
        .map(|(action, _, _, actor, summary)| (action.as_str(), *actor, summary.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "propose",
                None,
                format!("leaver {}; fields: phone, address; person", l.id).as_str()
            ),
            (
                "accept",
                Some(coordinator.id),
                format!("leaver {}; fields: phone, address", l.id).as_str()
            ),
        ]
    );
    assert!(
        audit.iter().all(|(_, _, _, _, s)| !s.contains("090-1111")),
        "no values in the audit"
    );
    // Deciding twice finds nothing waiting.
    let again = staff
        .submit(
            &format!("/leavers/{}", l.id),
            &format!("/contact-proposals/{}/decline", waiting[0].id),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // Withdrawing consent applies at once.
    person
        .submit(
            "/me/contact",
            "/me/contact",
            &[("email", "hanako@example.jp"), ("phone", "090-1111-2222")],
        )
        .await
        .assert_redirect_to("/me");
    let stored = record_now(&app, l.id).await;
    assert!(!stored.contact_consent);
    let page = staff.get(&format!("/leavers/{}", l.id)).await;
    assert!(
        !page.body.contains("value=\"email\""),
        "no emailing the link any more"
    );
}

#[tokio::test]
async fn a_new_link_is_sent_only_to_a_consenting_address_with_the_same_answer_for_any_address() {
    let app = spawn_app().await;
    let (_, coordinator) = app.signed_in(Role::Coordinator).await;
    let l = app
        .create_leaver(
            "K-1",
            Some(coordinator.id),
            &[("email", "known@example.jp")],
        )
        .await;
    app.create_leaver(
        "Q-2",
        Some(coordinator.id),
        &[("email", "quiet@example.jp"), ("contact_consent", "")],
    )
    .await;
    let visitor = app.browser();
    let form = visitor.get("/me/link?ended=1").await;
    assert_eq!(form.status, StatusCode::OK);
    let answer =
        |page: &crate::helpers::Page| between(&page.body, "<main", "</main>").unwrap().to_string();

    let known = visitor
        .submit("/me/link", "/me/link", &[("email", "Known@Example.jp")])
        .await;
    assert_eq!(known.status, StatusCode::OK);
    let sent = outbox(&app).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to_address, "known@example.jp");
    assert!(sent[0].body_text.contains("/y/"));
    let links = entity::youth_links::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].leaver_id, l.id);

    let unknown = visitor
        .submit("/me/link", "/me/link", &[("email", "nobody@example.jp")])
        .await;
    let no_consent = visitor
        .submit("/me/link", "/me/link", &[("email", "quiet@example.jp")])
        .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(answer(&unknown), answer(&known), "the same answer");
    assert_eq!(answer(&no_consent), answer(&known));
    assert_eq!(
        outbox(&app).await.len(),
        1,
        "nothing sent to unknown or unconsenting"
    );

    let invalid = visitor
        .submit("/me/link", "/me/link", &[("email", "not an address")])
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.body.contains("id=\"email-error\""));

    // Three an address an hour; the fourth is refused and sends nothing.
    for _ in 0..2 {
        visitor
            .submit("/me/link", "/me/link", &[("email", "known@example.jp")])
            .await;
    }
    assert_eq!(outbox(&app).await.len(), 3);
    let limited = visitor
        .submit("/me/link", "/me/link", &[("email", "known@example.jp")])
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(outbox(&app).await.len(), 3);
    // Ten a client an hour, whatever the addresses.
    for i in 0..5 {
        let page = visitor
            .submit(
                "/me/link",
                "/me/link",
                &[("email", &format!("other{i}@example.jp"))],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "request {i}");
    }
    let limited = visitor
        .submit("/me/link", "/me/link", &[("email", "another@example.jp")])
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    // An hour later the door opens again.
    app.clock.advance(chrono::Duration::minutes(61));
    let page = visitor
        .submit("/me/link", "/me/link", &[("email", "known@example.jp")])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(outbox(&app).await.len(), 4);
}

/// Emails to the young people of the check-in test.
async fn to_person(app: &TestApp) -> Vec<entity::outbox::Model> {
    outbox(app)
        .await
        .into_iter()
        .filter(|e| e.to_address == "c1@example.jp" || e.to_address == "c2@example.jp")
        .collect()
}

async fn run_reminders(app: &TestApp, day: &str) -> aftercare::reminders::run::RunReport {
    aftercare::reminders::run::run_for_day(&app.state, day.parse().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_check_in_rule_asks_once_per_cadence_in_the_days_before_it_lapses() {
    let app = spawn_app_with(&[("AFTERCARE_CHECK_IN_BEFORE_DAYS", "7")]).await;
    let coordinator = app.create_user(Role::Coordinator, "c@example.jp").await;
    // Last met 5 November, every 20 days: the cadence lapses on 25 November, asked from the 18th.
    let l = app
        .create_leaver(
            "C-1",
            Some(coordinator.id),
            &[
                ("contact_every_days", "20"),
                ("email", "c1@example.jp"),
                ("language", "en"),
            ],
        )
        .await;
    let quiet = app
        .create_leaver(
            "C-2",
            Some(coordinator.id),
            &[
                ("contact_every_days", "20"),
                ("email", "c2@example.jp"),
                ("contact_consent", ""),
            ],
        )
        .await;
    for who in [l.id, quiet.id] {
        app.record_consultation(
            who,
            coordinator.id,
            "2026-11-05T10:00",
            "held",
            "phone",
            None,
        )
        .await;
    }
    run_reminders(&app, "2026-11-17").await;
    assert!(to_person(&app).await.is_empty(), "a day before the window");
    run_reminders(&app, "2026-11-18").await;
    let sent = to_person(&app).await;
    assert_eq!(sent.len(), 1, "only the person who agreed to emails");
    assert_eq!(sent[0].to_address, "c1@example.jp");
    assert_eq!(
        sent[0].subject, "How are you doing?",
        "in the person's language"
    );
    assert!(!sent[0].body_text.contains("C-1"), "no case content");
    let keys: Vec<String> = entity::reminders::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.rule == "check_in")
        .map(|r| r.key)
        .collect();
    assert_eq!(keys, [format!("check_in|leaver:{}|2026-11-25", l.id)]);
    // Once a cadence period: not again on the next days, nor on the day it lapses.
    run_reminders(&app, "2026-11-18").await;
    run_reminders(&app, "2026-11-19").await;
    run_reminders(&app, "2026-11-25").await;
    assert_eq!(to_person(&app).await.len(), 1);

    // The link in it opens the check-in; an answer starts a new cadence period.
    let token: String = sent[0]
        .body_text
        .split("/y/")
        .nth(1)
        .unwrap()
        .chars()
        .take(64)
        .collect();
    let person = app.browser();
    person
        .get(&format!("/y/{token}?next=check-in"))
        .await
        .assert_redirect_to("/me/check-in");
    person
        .submit("/me/check-in", "/me/check-in", &[("feeling", "ok")])
        .await
        .assert_redirect_to("/me");
    // Self-reported on 25 November: lapses 15 December, asked from 8 December.
    run_reminders(&app, "2026-12-07").await;
    assert_eq!(to_person(&app).await.len(), 1);
    run_reminders(&app, "2026-12-08").await;
    assert_eq!(to_person(&app).await.len(), 2);
}

#[tokio::test]
async fn a_self_reported_contact_counts_for_the_cadence_but_not_as_a_held_consultation() {
    let app = spawn_app().await;
    let (staff, coordinator, l) = coordinator_with_person(&app).await;
    app.record_consultation(
        l.id,
        coordinator.id,
        "2026-06-01T10:00",
        "held",
        "phone",
        None,
    )
    .await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let dashboard = admin.get("/").await;
    assert_eq!(
        crate::helpers::listed(&dashboard.body, "escalations"),
        ["A-100"]
    );
    assert_eq!(
        crate::helpers::listed(&dashboard.body, "no-contact"),
        ["A-100"]
    );

    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;
    person
        .submit("/me/check-in", "/me/check-in", &[("feeling", "ok")])
        .await
        .assert_redirect_to("/me");
    let dashboard = admin.get("/").await;
    assert!(crate::helpers::listed(&dashboard.body, "escalations").is_empty());
    assert_eq!(
        crate::helpers::listed(&dashboard.body, "no-contact"),
        ["A-100"],
        "still no held consultation"
    );
}

#[tokio::test]
async fn the_persons_language_is_kept_on_the_record_and_used_for_their_page_and_emails() {
    let app = spawn_app().await;
    let (staff, _) = app.signed_in(Role::Coordinator).await;
    let mut fields = crate::helpers::leaver_fields("L-1");
    fields.push(("language", "en".into()));
    let created = staff
        .submit(
            "/leavers/new",
            "/leavers/new",
            &crate::helpers::as_refs(&fields),
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id: i32 = created
        .redirect_location()
        .trim_start_matches("/leavers/")
        .parse()
        .unwrap();
    let stored = record_now(&app, id).await;
    assert_eq!(stored.language, aftercare::i18n::Lang::En);
    let mut wrong = crate::helpers::leaver_fields("L-2");
    wrong.push(("language", "fr".into()));
    let refused = staff
        .submit(
            "/leavers/new",
            "/leavers/new",
            &crate::helpers::as_refs(&wrong),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"language-error\""));

    staff
        .submit(
            &format!("/leavers/{id}"),
            &format!("/leavers/{id}/link"),
            &[("handover", "email")],
        )
        .await;
    let sent = outbox(&app).await;
    assert_eq!(sent[0].subject, "Your page at the aftercare team");
    let token: String = sent[0]
        .body_text
        .split("/y/")
        .nth(1)
        .unwrap()
        .chars()
        .take(64)
        .collect();
    let person = opened(&app, &token).await;
    let me = person.get("/me").await;
    assert!(me.body.contains("lang=\"en\"") && me.body.contains("Your next appointments"));
}

#[tokio::test]
async fn the_disclosure_export_holds_what_the_person_said_and_anonymising_erases_it() {
    let app = spawn_app().await;
    let (staff, _, l) = coordinator_with_person(&app).await;
    let admin = app.create_user(Role::Admin, "lead@example.jp").await;
    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;
    person
        .submit(
            "/me/check-in",
            "/me/check-in",
            &[("feeling", "need_help"), ("message", "words of my own")],
        )
        .await
        .assert_redirect_to("/me");
    person
        .submit(
            "/me/contact",
            "/me/contact",
            &[("phone", "090-3333-4444"), ("contact_consent", "on")],
        )
        .await
        .assert_redirect_to("/me");

    let stored = record_now(&app, l.id).await;
    let sections = aftercare::disclosure::export::record(&app.state.db, &stored)
        .await
        .unwrap();
    let section = |name: &str| {
        serde_json::to_string(&sections.iter().find(|(k, _)| *k == name).unwrap().1).unwrap()
    };
    assert!(section("check_ins").contains("words of my own"));
    assert!(section("check_ins").contains("need_help"));
    assert!(section("contact_proposals").contains("090-3333-4444"));

    // Anonymising erases their words and proposals, and ends the link.
    app.close_leaver(l.id, "2026-11-25").await;
    let txn = aftercare::db::begin_write(&app.state.db).await.unwrap();
    aftercare::retention::lifecycle::anonymise(
        &txn,
        app.clock.now(),
        "2040-01-01".parse().unwrap(),
        admin.id,
        l.id,
        5,
    )
    .await
    .unwrap()
    .unwrap();
    txn.commit().await.unwrap();
    assert!(check_ins(&app).await.iter().all(|a| a.message.is_none()));
    assert!(
        entity::contact_proposals::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        entity::youth_links::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .iter()
            .all(|k| k.revoked_at.is_some())
    );
}

#[tokio::test]
async fn the_persons_forms_need_their_csrf_token() {
    let app = spawn_app().await;
    let (staff, coordinator, l) = coordinator_with_person(&app).await;
    let planned = app
        .record_consultation(
            l.id,
            coordinator.id,
            "2026-11-27T10:00",
            "planned",
            "phone",
            None,
        )
        .await;
    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;
    for (path, fields) in [
        ("/me/check-in".to_string(), vec![("feeling", "need_help")]),
        (
            format!("/me/appointments/{}/respond", planned.id),
            vec![("response", "call_me")],
        ),
        ("/me/contact".to_string(), vec![("phone", "090-5555-6666")]),
    ] {
        let page = person.post_raw(&path, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path} without a token");
        let mut with_wrong = vec![("csrf_token", "forged.token")];
        with_wrong.extend(fields.iter().copied());
        let page = person.post_raw(&path, &with_wrong).await;
        assert_eq!(
            page.status,
            StatusCode::FORBIDDEN,
            "{path} with a forged token"
        );
    }
    assert!(check_ins(&app).await.is_empty());
    assert!(outbox(&app).await.is_empty());
    assert_eq!(consultation(&app, planned.id).await.response, None);
    assert!(
        entity::contact_proposals::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn asking_for_a_new_link_does_not_sign_out_an_open_page_and_sent_links_are_not_kept() {
    let app = spawn_app().await;
    let (staff, _, l) = coordinator_with_person(&app).await;
    staff
        .submit(
            &format!("/leavers/{}", l.id),
            &format!("/leavers/{}/link", l.id),
            &[("handover", "email")],
        )
        .await;
    let first = outbox(&app).await;
    let token: String = first[0]
        .body_text
        .split("/y/")
        .nth(1)
        .unwrap()
        .chars()
        .take(64)
        .collect();
    let person = opened(&app, &token).await;
    // Someone who knows the address asks for a new link: the open page stays open.
    app.browser()
        .submit("/me/link", "/me/link", &[("email", "hanako@example.jp")])
        .await;
    assert_eq!(outbox(&app).await.len(), 2);
    assert_eq!(person.get("/me").await.status, StatusCode::OK);
    // The old link no longer opens anything.
    app.browser()
        .get(&format!("/y/{token}"))
        .await
        .assert_redirect_to("/me/link?ended=1");

    // Once sent, an email with a link keeps no trace of it.
    let holder = "test";
    aftercare::reminders::delivery::deliver_due(&app.state, holder)
        .await
        .unwrap();
    for email in outbox(&app).await {
        assert_eq!(email.status, entity::outbox::Status::Sent);
        assert!(!email.body_text.contains("/y/") && !email.body_html.contains("/y/"));
        assert_eq!(
            email.body_text,
            aftercare::reminders::delivery::LINK_REMOVED
        );
    }
    assert!(
        !crate::helpers::captured_logs().contains(&token),
        "the token is never logged"
    );
}

#[tokio::test]
async fn an_ended_link_session_does_not_keep_staff_out_of_their_pages() {
    let app = spawn_app().await;
    let (staff, user, l) = coordinator_with_person(&app).await;
    let token = show_link(&staff, l.id).await;
    let shared = opened(&app, &token).await;
    assert_eq!(shared.get("/login").await.status, StatusCode::NOT_FOUND);
    // The coordinator ends the link; on the same computer, staff can sign in again.
    staff
        .submit(
            &format!("/leavers/{}", l.id),
            &format!("/leavers/{}/link/revoke", l.id),
            &[],
        )
        .await;
    let login = shared.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        shared.cookie("aftercare_me").is_none(),
        "the dead cookie is removed"
    );
    let signed_in = shared.login(&user.email, &user.password).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(shared.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn asking_for_help_again_before_anyone_answered_sends_one_email() {
    let app = spawn_app().await;
    let (staff, _, l) = coordinator_with_person(&app).await;
    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;
    for _ in 0..3 {
        person
            .submit("/me/check-in", "/me/check-in", &[("feeling", "need_help")])
            .await
            .assert_redirect_to("/me");
    }
    assert_eq!(check_ins(&app).await.len(), 3, "each is on the list");
    assert_eq!(outbox(&app).await.len(), 1, "one email while it waits");
    for a in check_ins(&app).await {
        staff
            .submit(
                "/",
                &format!("/check-ins/{}/acknowledge", a.id),
                &[("next", "/")],
            )
            .await;
    }
    person
        .submit("/me/check-in", "/me/check-in", &[("feeling", "need_help")])
        .await;
    assert_eq!(
        outbox(&app).await.len(),
        2,
        "a new request once the last was answered"
    );
}

#[tokio::test]
async fn the_person_sees_their_allowances_with_each_months_payment_but_no_drafts_or_notes() {
    let app = spawn_app().await;
    let (staff, coordinator, l) = coordinator_with_person(&app).await;
    let approved = app.create_allowance(l.id, coordinator.id).await;
    staff
        .take_allowance_step(approved.id, "submit", "")
        .await
        .assert_redirect_to(&format!("/allowances/{}", approved.id));
    let (finance, _) = app.signed_in(Role::Finance).await;
    let decided = finance
        .take_allowance_step(approved.id, "approve", "Approved after the housing visit")
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let draft_fields = [
        ("kind", "living"),
        ("monthly_amount", "20000"),
        ("start_month", "2027-02"),
        ("end_month", "2027-02"),
        ("reason", "A draft not yet sent"),
    ];
    let draft = staff.post_new_allowance(l.id, &draft_fields).await;
    assert_eq!(draft.status, StatusCode::SEE_OTHER, "{}", draft.body);

    let token = show_link(&staff, l.id).await;
    let person = opened(&app, &token).await;
    let me = person.get("/me").await;
    let section = between(&me.body, "id=\"allowances\"", "</section>").unwrap();
    assert!(
        section.contains("居住費支援") && section.contains("¥30,000"),
        "{section}"
    );
    assert!(section.contains("承認済み"), "its status");
    assert_eq!(
        section.matches("<tr><td>").count(),
        2,
        "one line a month: {section}"
    );
    assert!(!section.contains("生活費支援"), "a draft is not shown");
    assert!(!me.body.contains("housing visit"), "no finance notes");
    assert!(!me.body.contains("Rent"), "no reason text");
}

#[tokio::test]
async fn the_check_in_rule_leaves_out_people_not_in_active_support() {
    let app = spawn_app().await;
    let coordinator = app.create_user(Role::Coordinator, "c@example.jp").await;
    let lost = app
        .create_leaver(
            "C-3",
            Some(coordinator.id),
            &[("contact_every_days", "20"), ("email", "c1@example.jp")],
        )
        .await;
    let closed = app
        .create_leaver(
            "C-4",
            Some(coordinator.id),
            &[("contact_every_days", "20"), ("email", "c2@example.jp")],
        )
        .await;
    for who in [lost.id, closed.id] {
        app.record_consultation(
            who,
            coordinator.id,
            "2026-11-05T10:00",
            "held",
            "phone",
            None,
        )
        .await;
    }
    let txn = aftercare::db::begin_write(&app.state.db).await.unwrap();
    aftercare::leavers::queries::change_status(
        &txn,
        app.clock.now(),
        app.clock.today(app.state.config.time_zone),
        None,
        lost.id,
        &aftercare::leavers::queries::StatusChange {
            version: lost.version,
            to: aftercare::leavers::rules::Status::LostContact,
            reason: None,
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    app.close_leaver(closed.id, "2026-11-20").await;
    run_reminders(&app, "2026-11-20").await;
    assert!(to_person(&app).await.is_empty());
}
