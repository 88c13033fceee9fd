//! The route × role matrix: every route, every role, the answer each one gets.
use aftercare::roles::Role;

use crate::{csrf::post_routes, helpers::spawn_app};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    /// Exists only with the setup token while no account exists.
    SetupOnly,
    Public,
    AnyRole,
    /// Coordinators and admins, who keep the register.
    Keepers,
    Finance,
    Admin,
    /// The young person's own pages: only their link's session opens them.
    Person,
}

fn get_routes(
    user_id: i32,
    leaver_id: i32,
    consultation_id: i32,
    allowance_id: i32,
    _extension_id: i32,
    plan_id: i32,
) -> Vec<(String, Access)> {
    vec![
        ("/healthz".into(), Access::Public),
        ("/static/app.css".into(), Access::Public),
        ("/static/print.js".into(), Access::Public),
        ("/login".into(), Access::Public),
        ("/setup".into(), Access::SetupOnly),
        ("/".into(), Access::AnyRole),
        ("/account".into(), Access::AnyRole),
        ("/admin/users".into(), Access::Admin),
        ("/admin/users/new".into(), Access::Admin),
        (format!("/admin/users/{user_id}/edit"), Access::Admin),
        (format!("/admin/users/{user_id}/password"), Access::Admin),
        ("/admin/audit".into(), Access::Admin),
        ("/admin/import".into(), Access::Admin),
        (
            format!("/leavers/{leaver_id}/consultations/new"),
            Access::Keepers,
        ),
        (
            format!("/consultations/{consultation_id}/edit"),
            Access::Keepers,
        ),
        ("/allowances".into(), Access::AnyRole),
        (format!("/allowances/{allowance_id}"), Access::AnyRole),
        (
            format!("/leavers/{leaver_id}/allowances/new"),
            Access::Keepers,
        ),
        ("/payments".into(), Access::Finance),
        ("/payments.csv".into(), Access::Finance),
        ("/budget".into(), Access::Finance),
        ("/admin/reminders".into(), Access::Admin),
        ("/reports/annual?fy=2026".into(), Access::AnyRole),
        ("/admin/retention".into(), Access::Admin),
        ("/admin/api-tokens".into(), Access::Admin),
        ("/admin/webhooks".into(), Access::Admin),
        (format!("/leavers/{leaver_id}/access-log"), Access::Admin),
        (format!("/leavers/{leaver_id}/disclosure"), Access::Admin),
        ("/reports/annual.csv?fy=2026".into(), Access::AnyRole),
        (
            format!("/leavers/{leaver_id}/extensions/new"),
            Access::Keepers,
        ),
        (format!("/leavers/{leaver_id}/plans"), Access::Keepers),
        (format!("/leavers/{leaver_id}/plans/new"), Access::Keepers),
        (format!("/plans/{plan_id}"), Access::Keepers),
        (format!("/plans/{plan_id}/edit"), Access::Keepers),
        (format!("/plans/{plan_id}/print"), Access::Keepers),
        (format!("/plans/{plan_id}/agree"), Access::Keepers),
        ("/payments/paid?month=2026-11".into(), Access::Finance),
        ("/leavers".into(), Access::AnyRole),
        ("/leavers/new".into(), Access::Keepers),
        (format!("/leavers/{leaver_id}"), Access::AnyRole),
        (format!("/leavers/{leaver_id}/edit"), Access::Keepers),
        ("/me".into(), Access::Person),
        (format!("/me/plans/{plan_id}"), Access::Person),
        ("/me/link".into(), Access::Public),
        ("/account/mfa".into(), Access::AnyRole),
        (format!("/y/{}", "0".repeat(64)), Access::Person),
    ]
}

fn post_access(path: &str) -> Access {
    if path.starts_with("/extensions/")
        || path.starts_with("/admin/")
        || path.ends_with("/hold")
        || path.ends_with("/hold/release")
        || path.ends_with("/disclosure")
    {
        Access::Admin
    } else if path.starts_with("/payments") || path.starts_with("/budget") {
        Access::Finance
    } else if path.starts_with("/allowances/") {
        // The step decides: requesters submit and withdraw, finance decides.
        if ["/approve", "/reject", "/stop"]
            .iter()
            .any(|a| path.ends_with(a))
        {
            Access::Finance
        } else {
            Access::Keepers
        }
    } else if path.starts_with("/leavers/")
        || path.starts_with("/consultations/")
        || path.starts_with("/plans/")
        || path.starts_with("/check-ins/")
        || path.starts_with("/contact-proposals/")
    {
        Access::Keepers
    } else if path.starts_with("/admin/") {
        Access::Admin
    } else if path.starts_with("/account/") {
        Access::AnyRole
    } else {
        Access::Public
    }
}

fn allowed(access: Access, role: Role) -> bool {
    match access {
        Access::SetupOnly => false,
        Access::Public | Access::AnyRole => true,
        Access::Keepers => role != Role::Finance,
        Access::Finance => role == Role::Finance,
        Access::Admin => role == Role::Admin,
        Access::Person => false,
    }
}

/// The records every route of the matrices names: a coordinator and their leaver, with a
/// consultation, an allowance, an extension and a plan.
struct Records {
    ids: (i32, i32, i32, i32, i32, i32),
}

impl Records {
    async fn make(app: &crate::helpers::TestApp, coordinator: i32) -> Records {
        let leaver = app.create_leaver("SP-1", Some(coordinator), &[]).await;
        let consultation = app
            .record_consultation(
                leaver.id,
                coordinator,
                "2026-11-20T10:00",
                "held",
                "phone",
                None,
            )
            .await;
        let allowance = app.create_allowance(leaver.id, coordinator).await;
        let extension = app.create_extension(leaver.id, coordinator).await;
        let plan = app.create_plan(leaver.id, coordinator).await;
        Records {
            ids: (
                coordinator,
                leaver.id,
                consultation.id,
                allowance.id,
                extension.id,
                plan.id,
            ),
        }
    }

    fn leaver_id(&self) -> i32 {
        self.ids.1
    }

    fn gets(&self) -> Vec<(String, Access)> {
        let i = self.ids;
        get_routes(i.0, i.1, i.2, i.3, i.4, i.5)
    }

    fn posts(&self) -> Vec<(String, Vec<(&'static str, String)>)> {
        let i = self.ids;
        post_routes(i.0, i.1, i.2, i.3, i.4, i.5)
    }
}

#[tokio::test]
async fn every_get_route_answers_each_role_as_declared() {
    let app = spawn_app().await;
    let target = app
        .create_user(Role::Coordinator, "target@example.jp")
        .await;
    let leaver = app.create_leaver("SP-1", None, &[]).await;
    let consultation = app
        .record_consultation(
            leaver.id,
            target.id,
            "2026-11-20T10:00",
            "held",
            "phone",
            None,
        )
        .await;
    let allowance = app.create_allowance(leaver.id, target.id).await;
    let extension = app.create_extension(leaver.id, target.id).await;
    let plan = app.create_plan(leaver.id, target.id).await;
    let anonymous = app.browser();
    for (path, access) in get_routes(
        target.id,
        leaver.id,
        consultation.id,
        allowance.id,
        extension.id,
        plan.id,
    ) {
        let page = anonymous.get(&path).await;
        match access {
            Access::SetupOnly => assert_eq!(page.status, 404, "anonymous GET {path}"),
            Access::Public => assert_eq!(page.status, 200, "anonymous GET {path}"),
            Access::Person => page.assert_redirect_to("/me/link?ended=1"),
            _ => page.assert_redirect_to(&format!(
                "/login?{}",
                serde_urlencoded::to_string([("next", path.as_str())]).unwrap()
            )),
        }
    }
    for role in Role::ALL {
        let (browser, _) = app.signed_in(role).await;
        for (path, access) in get_routes(
            target.id,
            leaver.id,
            consultation.id,
            allowance.id,
            extension.id,
            plan.id,
        ) {
            let page = browser.get(&path).await;
            let expected = match (access, path.as_str()) {
                // A signed-in user asking for the sign-in page goes home.
                (Access::Public, "/login") => 303,
                (Access::SetupOnly, _) => 404,
                // Staff have no session of a young person's: they are offered a new link.
                (Access::Person, _) => 303,
                // A draft plan exists: starting one opens it instead.
                (a, p) if allowed(a, role) && p.ends_with("/plans/new") => 303,
                (a, _) if allowed(a, role) => 200,
                _ => 403,
            };
            assert_eq!(page.status.as_u16(), expected, "{role:?} GET {path}");
            if expected == 403 {
                assert!(
                    page.body.contains("Not allowed"),
                    "403 page for {role:?} {path}"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_post_route_refuses_roles_it_does_not_declare() {
    let app = spawn_app().await;
    let target = app
        .create_user(Role::Coordinator, "target@example.jp")
        .await;
    let leaver = app.create_leaver("SP-1", None, &[]).await;
    let consultation = app
        .record_consultation(
            leaver.id,
            target.id,
            "2026-11-20T10:00",
            "held",
            "phone",
            None,
        )
        .await;
    let allowance = app.create_allowance(leaver.id, target.id).await;
    let extension = app.create_extension(leaver.id, target.id).await;
    let plan = app.create_plan(leaver.id, target.id).await;
    for role in [Role::Coordinator, Role::Finance] {
        let (browser, _) = app.signed_in(role).await;
        let audit_before = app.audit_rows().await.len();
        for (path, fields) in post_routes(
            target.id,
            leaver.id,
            consultation.id,
            allowance.id,
            extension.id,
            plan.id,
        ) {
            if allowed(post_access(&path), role) {
                continue;
            }
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let page = browser.post(&path, &fields).await;
            assert_eq!(page.status, 403, "{role:?} POST {path}");
        }
        assert_eq!(
            app.audit_rows().await.len(),
            audit_before,
            "{role:?} changed nothing"
        );
    }
    let anonymous = app.browser();
    for (path, fields) in post_routes(
        target.id,
        leaver.id,
        consultation.id,
        allowance.id,
        extension.id,
        plan.id,
    ) {
        if post_access(&path) == Access::Public {
            continue;
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        anonymous
            .post(&path, &fields)
            .await
            .assert_redirect_to("/login?next=%2F");
    }
    let t = aftercare::users::queries::get(&app.state.db, target.id)
        .await
        .unwrap()
        .unwrap();
    assert!(t.active && t.version == 1 && t.role == Role::Coordinator);
}

#[tokio::test]
async fn a_young_persons_link_reaches_only_their_own_pages() {
    let app = spawn_app().await;
    let (staff, target) = app.signed_in(Role::Coordinator).await;
    let records = Records::make(&app, target.id).await;
    let token = crate::youth::show_link(&staff, records.leaver_id()).await;
    let person = crate::youth::opened(&app, &token).await;
    for (path, access) in records.gets() {
        let page = person.get(&path).await;
        let open_to_all = path.starts_with("/healthz") || path.starts_with("/static/");
        let expected = if open_to_all || path == "/me" || path == "/me/link" {
            200
        } else if path.starts_with("/me/plans/") {
            // A draft plan is not the person's to see.
            404
        } else if path.starts_with("/y/") {
            303
        } else {
            404
        };
        assert_eq!(
            page.status.as_u16(),
            expected,
            "person GET {path} ({access:?})"
        );
    }
    let audit_before = app.audit_rows().await.len();
    let posts: Vec<_> = records
        .posts()
        .into_iter()
        .filter(|(path, _)| path != "/logout" && path != "/language")
        .collect();
    for (path, fields) in &posts {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = person.submit("/me", path, &fields).await;
        assert_eq!(page.status, 404, "person POST {path}");
    }
    assert_eq!(
        app.audit_rows().await.len(),
        audit_before + posts.len(),
        "only the views of /me were recorded"
    );
}

#[tokio::test]
async fn half_signed_in_only_the_code_page_and_signing_out_answer() {
    let app = crate::helpers::spawn_app_with(&[crate::mfa::REQUIRED]).await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    crate::mfa::enrol(&app, &admin, &user).await;
    let target = app
        .create_user(Role::Coordinator, "target@example.jp")
        .await;
    let records = Records::make(&app, target.id).await;
    let half = crate::mfa::after_password(&app, &user).await;
    for (path, access) in records.gets() {
        let page = half.get(&path).await;
        match access {
            Access::Public | Access::SetupOnly | Access::Person => continue,
            _ => page.assert_redirect_to(&format!(
                "/login?{}",
                serde_urlencoded::to_string([("next", path.as_str())]).unwrap()
            )),
        }
    }
    assert_eq!(half.get("/login/mfa").await.status, 200);
    let audit_before = app.audit_rows().await.len();
    for (path, fields) in records.posts() {
        if post_access(&path) == Access::Public {
            continue;
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        half.submit("/login/mfa", &path, &fields)
            .await
            .assert_redirect_to("/login?next=%2F");
    }
    assert_eq!(
        app.audit_rows().await.len(),
        audit_before,
        "nothing changed"
    );
    // Signing out ends the half-signed-in session.
    half.submit("/login/mfa", "/logout", &[])
        .await
        .assert_redirect_to("/login?signed_out=1");
    half.get("/login/mfa").await.assert_redirect_to("/login");
}

#[tokio::test]
async fn not_yet_enrolled_a_role_that_needs_a_second_factor_reaches_only_its_setup() {
    let app = crate::helpers::spawn_app_with(&[crate::mfa::REQUIRED]).await;
    let target = app
        .create_user(Role::Coordinator, "target@example.jp")
        .await;
    let records = Records::make(&app, target.id).await;
    for role in [Role::Admin, Role::Finance] {
        let (browser, _) = app.signed_in(role).await;
        for (path, access) in records.gets() {
            if matches!(access, Access::Public | Access::SetupOnly) {
                continue;
            }
            let page = browser.get(&path).await;
            if path == "/account/mfa" {
                assert_eq!(page.status, 200, "{role:?} {path}");
            } else {
                page.assert_redirect_to("/account/mfa");
            }
        }
        let audit_before = app.audit_rows().await.len();
        for (path, fields) in records.posts() {
            if post_access(&path) == Access::Public {
                continue;
            }
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser
                .submit("/account/mfa", &path, &fields)
                .await
                .assert_redirect_to("/account/mfa");
        }
        assert_eq!(
            app.audit_rows().await.len(),
            audit_before,
            "{role:?} changed nothing"
        );
    }
}
