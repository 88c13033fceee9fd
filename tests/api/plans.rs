//! Support plans: start, goals, agreement, read-only afterwards, review as a new version,
//! the printable page, and finance kept out.
use aftercare::{i18n::Lang, roles::Role};

use crate::helpers::{PASSWORD, spawn_app};

async fn latest_plan(app: &crate::helpers::TestApp) -> entity::plans::Model {
    use sea_orm::{EntityTrait, QueryOrder};
    entity::plans::Entity::find()
        .order_by_desc(entity::plans::Column::Id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_plan_is_written_agreed_printed_and_reviewed() {
    let app = spawn_app().await;
    let (b, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let new = format!("/leavers/{}/plans/new", l.id);
    b.submit(
        &new,
        &new,
        &[
            (
                "wishes",
                "I want to finish vocational school and live alone.",
            ),
            ("review_on", ""),
        ],
    )
    .await
    .assert_redirect_under("/plans/");
    let plan = latest_plan(&app).await;
    let page = format!("/plans/{}", plan.id);
    b.post_plan_goal(
        plan.id,
        &[
            ("domain", "school"),
            ("goal", "Pass the first-year exams"),
            ("actions", "Coordinator checks in monthly"),
            ("target_on", "2027-03-15"),
        ],
    )
    .await
    .assert_redirect_to(&page);
    b.post_plan_goal(
        plan.id,
        &[
            ("domain", "housing"),
            ("goal", "Find a flat"),
            ("actions", ""),
            ("target_on", "2027-02-01"),
        ],
    )
    .await
    .assert_redirect_to(&page);
    // Refused: empty goal, target before the start, agreement in the future.
    let bad = b
        .post_plan_goal(
            plan.id,
            &[
                ("domain", "work"),
                ("goal", " "),
                ("target_on", "2026-11-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("Write the goal.")
            && bad
                .body
                .contains("The date must be after the plan started.")
    );
    let future = b
        .post_agree_plan(plan.id, &[("agreed_on", "2026-11-26"), ("version", "3")])
        .await;
    assert_eq!(future.status, 422);
    assert!(
        future
            .body
            .contains("The agreement date cannot be in the future.")
    );
    b.post_agree_plan(plan.id, &[("agreed_on", "2026-11-25"), ("version", "3")])
        .await
        .assert_redirect_to(&page);
    let agreed = latest_plan(&app).await;
    assert_eq!(agreed.status.as_str(), "agreed");
    assert_eq!(
        agreed.review_on.unwrap().to_string(),
        "2027-05-25",
        "six months after agreement"
    );
    // Read-only from now on.
    let edit = b
        .submit(
            &page,
            &format!("{page}/edit"),
            &[("wishes", "changed"), ("version", "4")],
        )
        .await;
    assert_eq!(edit.status, 422);
    let more = b
        .post_plan_goal(
            plan.id,
            &[
                ("domain", "work"),
                ("goal", "More"),
                ("target_on", "2027-03-01"),
            ],
        )
        .await;
    assert_eq!(more.status, 422);
    assert!(more.body.contains("can no longer be changed"));
    assert!(
        !b.get(&page)
            .await
            .body
            .contains(&format!("action=\"{page}/goals\""))
    );
    // The printable page puts the young person's wishes first.
    let print = b.get(&format!("{page}/print")).await;
    let wishes = print
        .body
        .find("I want to finish vocational school")
        .unwrap();
    let goal = print.body.find("Pass the first-year exams").unwrap();
    assert!(wishes < goal);
    assert!(print.body.contains("My support plan") && print.body.contains("2026-11-25"));
    // A review starts version 2 from the agreed plan; version 1 stays readable.
    b.submit(
        &new,
        &new,
        &[
            (
                "wishes",
                "I want to finish vocational school and live alone.",
            ),
            ("review_on", ""),
        ],
    )
    .await
    .assert_redirect_under("/plans/");
    let second = latest_plan(&app).await;
    assert_eq!((second.number, second.status.as_str()), (2, "draft"));
    let copy = b.get_plan(second.id).await;
    assert!(copy.body.contains("Pass the first-year exams") && copy.body.contains("Find a flat"));
    let list = b.get(&format!("/leavers/{}/plans", l.id)).await;
    assert_eq!(list.body.matches("class=\"plan-row\"").count(), 2);
    assert!(
        b.get(&page)
            .await
            .body
            .contains("Pass the first-year exams")
    );
    let audit = app.audit_rows().await;
    assert!(audit.iter().any(|r| r.0 == "agree" && r.1 == "plan"));
    assert!(
        !audit.iter().any(|r| r.4.contains("vocational")),
        "plan text stays out of the log"
    );
}

#[tokio::test]
async fn the_printed_plan_is_in_the_users_language() {
    let app = spawn_app().await;
    let me = app
        .create_user_lang(Role::Coordinator, "ja@example.jp", Lang::Ja)
        .await;
    let b = app.browser();
    b.login(&me.email, PASSWORD).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let new = format!("/leavers/{}/plans/new", l.id);
    b.submit(
        &new,
        &new,
        &[("wishes", "一人暮らしをしたい"), ("review_on", "")],
    )
    .await;
    let plan = latest_plan(&app).await;
    let print = b.get_plan_print(plan.id).await;
    assert!(print.body.contains("わたしの支援計画") && print.body.contains("一人暮らしをしたい"));
}

#[tokio::test]
async fn plans_are_checked_and_finance_never_sees_them() {
    let app = spawn_app().await;
    let (b, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let new = format!("/leavers/{}/plans/new", l.id);
    let bad = b
        .submit(&new, &new, &[("wishes", ""), ("review_on", "2026-11-01")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("Write the young person&#39;s wishes.")
            || bad.body.contains("Write the young person's wishes.")
    );
    assert!(
        bad.body
            .contains("The date must be after the plan started.")
    );
    b.submit(&new, &new, &[("wishes", "Secret wish"), ("review_on", "")])
        .await;
    let plan = latest_plan(&app).await;
    let (finance, _) = app.signed_in(Role::Finance).await;
    for path in [
        format!("/plans/{}", plan.id),
        format!("/plans/{}/print", plan.id),
        format!("/leavers/{}/plans", l.id),
        new.clone(),
    ] {
        assert_eq!(finance.get(&path).await.status, 403, "{path}");
    }
    let page = finance.get_leaver(l.id).await;
    assert!(!page.body.contains("Secret wish") && !page.body.contains("/plans"));
}

#[tokio::test]
async fn a_draft_plan_is_edited_and_refused_input_is_kept() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = spawn_app().await;
    let (b, me) = app.signed_in(Role::Coordinator).await;
    let l = app.create_leaver("SP-1", Some(me.id), &[]).await;
    let plan = app.create_plan(l.id, me.id).await;
    let page = format!("/plans/{}", plan.id);
    let edit = format!("{page}/edit");
    assert_eq!(b.get(&edit).await.status, 200);
    let bad = b
        .submit(
            &edit,
            &edit,
            &[
                ("wishes", "Live near my sister"),
                ("review_on", "2027-02-30"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Live near my sister") && bad.body.contains("2027-02-30"));
    assert!(bad.body.contains("Enter a real date"), "{}", bad.body);
    assert_eq!(
        latest_plan(&app).await.wishes,
        "A flat of my own",
        "nothing saved"
    );
    b.submit(
        &edit,
        &edit,
        &[
            ("wishes", "Live near my sister"),
            ("review_on", "2027-05-01"),
            ("version", "1"),
        ],
    )
    .await
    .assert_redirect_to(&page);
    let saved = latest_plan(&app).await;
    assert_eq!(
        (saved.wishes.as_str(), saved.review_on.unwrap().to_string()),
        ("Live near my sister", "2027-05-01".to_string())
    );
    assert!(app.audit_rows().await.iter().any(|r| r.0 == "update"
        && r.1 == "plan"
        && r.4 == format!("leaver {}; changed: wishes, review_on", l.id)));
    // A goal with an impossible date keeps what was typed.
    let goal = b
        .post_plan_goal(
            plan.id,
            &[
                ("domain", "work"),
                ("goal", "Keep the part-time job"),
                ("actions", "Weekly call"),
                ("target_on", "2027-13-01"),
            ],
        )
        .await;
    assert_eq!(goal.status, 422);
    assert!(goal.body.contains("Keep the part-time job") && goal.body.contains("Weekly call"));
    assert!(goal.body.contains("Enter a real date"));
    // A date left empty is asked for, not called unreal.
    let empty = b
        .post_plan_goal(
            plan.id,
            &[
                ("domain", "work"),
                ("goal", "Keep the part-time job"),
                ("actions", "Weekly call"),
                ("target_on", ""),
            ],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Enter the target date."));
    assert!(!empty.body.contains("Enter a real date"));
    assert_eq!(
        entity::plan_goals::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}
