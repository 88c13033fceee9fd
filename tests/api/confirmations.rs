//! Nothing irreversible happens on one click: each such step has a page that says what will
//! happen, and its button stands apart from the safe way back.
use aftercare::roles::Role;
use sea_orm::EntityTrait;

use crate::helpers::{field_value, spawn_app};

// The test clock stands at 2026-11-25 (Tokyo).

#[tokio::test]
async fn each_decision_on_a_request_is_confirmed_on_its_own_page() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    // ¥30,000 a month, 2026-12 to 2027-01.
    let a = app.create_allowance(l.id, me.id).await;
    coordinator
        .take_allowance_step(a.id, "submit", "")
        .await
        .assert_redirect_under("/allowances/");

    // The request's page offers approving and rejecting as links to their pages, apart.
    let page = finance.get_allowance(a.id).await;
    assert!(
        !page
            .body
            .contains(&format!("action=\"/allowances/{}/approve\"", a.id))
            && !page
                .body
                .contains(&format!("action=\"/allowances/{}/reject\"", a.id)),
        "no decision is a button on the request's page"
    );
    let approve_at = page
        .body
        .find(&format!("href=\"/allowances/{}/approve\"", a.id))
        .expect("a link to approve");
    let danger_at = page
        .body
        .find("class=\"danger-zone\"")
        .expect("a danger zone");
    let reject_at = page
        .body
        .find(&format!("href=\"/allowances/{}/reject\"", a.id))
        .expect("a link to reject");
    assert!(approve_at < danger_at && danger_at < reject_at);

    // Approving says how many payments, for how much, and that it is final.
    let ask = finance.get(&format!("/allowances/{}/approve", a.id)).await;
    assert_eq!(ask.status, 200);
    assert!(
        ask.body.contains("Approve this request?")
            && ask
                .body
                .contains("Approving schedules 2 monthly payments totalling ¥60,000.")
            && ask
                .body
                .contains(&format!("href=\"/allowances/{}\">Cancel", a.id)),
        "{}",
        ask.body
    );
    // Rejecting needs its note: refused with the message beside the field.
    let reject = finance.get(&format!("/allowances/{}/reject", a.id)).await;
    assert!(reject.body.contains("Reject this request?"));
    let version = field_value(&reject.body, "version").unwrap();
    let no_note = finance
        .post_allowance_step(a.id, "reject", &[("version", &version), ("note", " ")])
        .await;
    assert_eq!(no_note.status, 422);
    assert!(
        no_note.body.contains("id=\"note-error\"")
            && no_note.body.contains("aria-invalid=\"true\"")
            && no_note.body.contains("<title>Error: Reject this request?"),
        "{}",
        no_note.body
    );
    // Nothing was decided.
    let still = aftercare::allowances::queries::get(&app.state.db, a.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status.as_str(), "submitted");

    // Withdrawing is the requester's: their page asks for no note (none would be kept).
    let withdraw = coordinator
        .get(&format!("/allowances/{}/withdraw", a.id))
        .await;
    assert!(
        withdraw.body.contains("Withdraw this request?")
            && !withdraw.body.contains("name=\"note\""),
        "{}",
        withdraw.body
    );
    assert_eq!(
        finance
            .get(&format!("/allowances/{}/withdraw", a.id))
            .await
            .status,
        403
    );
    // A coordinator cannot open a decision's page; nobody can open one the request is past.
    assert_eq!(
        coordinator
            .get(&format!("/allowances/{}/approve", a.id))
            .await
            .status,
        403
    );
    finance
        .take_allowance_step(a.id, "approve", "")
        .await
        .assert_redirect_under("/allowances/");
    assert_eq!(
        finance
            .get(&format!("/allowances/{}/reject", a.id))
            .await
            .status,
        409
    );
    assert_eq!(
        finance
            .get(&format!("/allowances/{}/explode", a.id))
            .await
            .status,
        404
    );
    // Stopping says which payments it cancels: both months are still to come.
    let stop = finance.get(&format!("/allowances/{}/stop", a.id)).await;
    assert!(
        stop.body
            .contains("Stopping cancels the 2 payments still to come (¥60,000)."),
        "{}",
        stop.body
    );
}

#[tokio::test]
async fn a_draft_is_changed_or_deleted_by_its_requester_only() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let (other, _) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let a = app.create_allowance(l.id, me.id).await;

    let page = coordinator.get_allowance(a.id).await;
    assert!(
        page.body
            .contains(&format!("href=\"/allowances/{}/edit\"", a.id))
    );
    assert!(
        page.body
            .contains(&format!("href=\"/allowances/{}/delete\"", a.id))
    );
    assert!(
        !other
            .get_allowance(a.id)
            .await
            .body
            .contains(&format!("href=\"/allowances/{}/edit\"", a.id)),
        "only the requester is offered the change"
    );
    assert_eq!(
        other
            .get(&format!("/allowances/{}/edit", a.id))
            .await
            .status,
        403
    );

    // Changed, every mistake reported at once and what was typed kept.
    let edit = format!("/allowances/{}/edit", a.id);
    let form = coordinator.get(&edit).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"30000\""));
    let bad = coordinator
        .submit(
            &edit,
            &edit,
            &[
                ("version", "1"),
                ("kind", "housing"),
                ("monthly_amount", "lots"),
                ("start_month", "2027-02"),
                ("end_month", "2027-01"),
                ("reason", "Rent, and the deposit"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("href=\"#monthly_amount\"")
            && bad.body.contains("href=\"#end_month\"")
            && bad.body.contains("Rent, and the deposit"),
        "{}",
        bad.body
    );
    coordinator
        .submit(
            &edit,
            &edit,
            &[
                ("version", "1"),
                ("kind", "housing"),
                ("monthly_amount", "32000"),
                ("start_month", "2026-12"),
                ("end_month", "2027-02"),
                ("reason", "Rent, and the deposit"),
            ],
        )
        .await
        .assert_redirect_to(&format!("/allowances/{}", a.id));
    let changed = aftercare::allowances::queries::get(&app.state.db, a.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.monthly_amount.get(), 32_000);
    assert_eq!(changed.version, 2);
    // The old page's version no longer applies.
    let stale = coordinator
        .submit(
            &edit,
            &edit,
            &[
                ("version", "1"),
                ("kind", "housing"),
                ("monthly_amount", "1"),
                ("start_month", "2026-12"),
                ("end_month", "2026-12"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(stale.status, 409);
    // The page it shows carries the current version: sending it again applies.
    let current = crate::helpers::field_value(&stale.body, "version").unwrap();
    assert_eq!(current, "2");
    coordinator
        .submit(
            &edit,
            &edit,
            &[
                ("version", &current),
                ("kind", "housing"),
                ("monthly_amount", "32000"),
                ("start_month", "2026-12"),
                ("end_month", "2027-02"),
                ("reason", "Rent, the deposit and the key money"),
            ],
        )
        .await
        .assert_redirect_to(&format!("/allowances/{}", a.id));

    // Deleting asks first, then removes the draft; the audit log keeps that it existed.
    let ask = coordinator
        .get(&format!("/allowances/{}/delete", a.id))
        .await;
    assert!(ask.body.contains("Delete this draft request?"));
    assert!(ask.body.contains("¥96,000"), "{}", ask.body);
    let deleted = coordinator
        .submit(
            &format!("/allowances/{}/delete", a.id),
            &format!("/allowances/{}/delete", a.id),
            &[("version", "3")],
        )
        .await;
    deleted.assert_redirect_to(&format!("/leavers/{}", l.id));
    assert!(
        entity::allowances::Entity::find_by_id(a.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .is_none()
    );
    let rows = app.audit_rows().await;
    assert!(rows.iter().any(|r| r.0 == "update" && r.1 == "allowance"));
    assert!(
        rows.iter()
            .any(|r| r.0 == "delete" && r.1 == "allowance" && r.2 == Some(a.id.into()))
    );
}

#[tokio::test]
async fn a_submitted_request_can_no_longer_be_changed_or_deleted() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let a = app.create_allowance(l.id, me.id).await;
    coordinator
        .take_allowance_step(a.id, "submit", "")
        .await
        .assert_redirect_under("/allowances/");
    assert_eq!(
        coordinator
            .get(&format!("/allowances/{}/edit", a.id))
            .await
            .status,
        409
    );
    let delete = coordinator
        .post(&format!("/allowances/{}/delete", a.id), &[("version", "2")])
        .await;
    assert_eq!(delete.status, 409);
    assert!(
        entity::allowances::Entity::find_by_id(a.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_plan_is_agreed_after_a_confirmation_and_never_without_a_goal() {
    let app = spawn_app().await;
    let (coordinator, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let empty = app.create_plan(l.id, me.id).await;
    let page = coordinator.get(&format!("/plans/{}", empty.id)).await;
    assert!(
        !page
            .body
            .contains(&format!("action=\"/plans/{}/agree\"", empty.id))
            && page
                .body
                .contains("Add at least one goal before the plan can be agreed."),
        "{}",
        page.body
    );
    let refused = coordinator
        .post_agree_plan(
            empty.id,
            &[
                ("agreed_on", "2026-11-25"),
                ("version", &empty.version.to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("A plan without a goal cannot be agreed: add a goal first.")
    );
    let still = aftercare::plans::queries::get(&app.state.db, empty.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status.as_str(), "draft");

    let plan = app.create_plan_with_goal(l.id, me.id).await;
    let page = coordinator.get(&format!("/plans/{}", plan.id)).await;
    assert!(
        page.body
            .contains(&format!("href=\"/plans/{}/agree\"", plan.id))
    );
    let ask = coordinator.get(&format!("/plans/{}/agree", plan.id)).await;
    assert!(
        ask.body.contains("Agree this plan with the young person?")
            && ask.body.contains("Once agreed, the plan cannot be changed")
            && ask.body.contains("Find a flat")
            && ask
                .body
                .contains(&format!("href=\"/plans/{}\">Cancel", plan.id)),
        "{}",
        ask.body
    );
    // Both mistakes at once: no date, and a stale page is not the problem here.
    let bad = coordinator
        .post_agree_plan(
            plan.id,
            &[("agreed_on", ""), ("version", &plan.version.to_string())],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("There is a problem")
            && bad
                .body
                .contains("<a href=\"#agreed_on\">Enter the date of the agreement.</a>")
            && bad.body.contains("aria-describedby=\"agreed_on-error\"")
    );
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
    // Agreeing it again is refused as a conflict, with no form to send.
    let again = coordinator
        .post_agree_plan(
            plan.id,
            &[
                ("agreed_on", "2026-11-25"),
                ("version", &(plan.version + 1).to_string()),
            ],
        )
        .await;
    assert_eq!(again.status, 409);
    assert!(!again.body.contains("name=\"agreed_on\""));
    // An agreed plan's confirmation is gone: back to the plan.
    coordinator
        .get(&format!("/plans/{}/agree", plan.id))
        .await
        .assert_redirect_to(&format!("/plans/{}", plan.id));
    let print = coordinator.get(&format!("/plans/{}/print", plan.id)).await;
    assert!(
        print
            .body
            .contains(&format!("class=\"back-link\" href=\"/plans/{}\"", plan.id))
            && print.body.contains("data-print"),
        "the print page has a way back and a print button"
    );
}
