//! One helper per page and per form, so a test reads as what a person does: open the leaver's
//! page, record a consultation, approve a request. A form helper opens the page the form is on
//! (taking its CSRF token, as a browser would) and posts the fields.
use crate::helpers::{Browser, Page};

impl Browser {
    // ------------------------------------------------------------ signing in, account

    pub async fn get_login(&self) -> Page {
        self.get("/login").await
    }

    pub async fn get_dashboard(&self) -> Page {
        self.get("/").await
    }

    pub async fn get_account(&self) -> Page {
        self.get("/account").await
    }

    pub async fn post_change_password(&self, fields: &[(&str, &str)]) -> Page {
        self.submit("/account", "/account/password", fields).await
    }

    pub async fn post_logout(&self) -> Page {
        self.post("/logout", &[]).await
    }

    // ------------------------------------------------------------ the register

    /// The register's list; `query` is the query string without `?` (may be empty).
    pub async fn get_leavers(&self, query: &str) -> Page {
        if query.is_empty() {
            self.get("/leavers").await
        } else {
            self.get(&format!("/leavers?{query}")).await
        }
    }

    pub async fn get_leaver(&self, id: i32) -> Page {
        self.get(&format!("/leavers/{id}")).await
    }

    pub async fn get_new_leaver(&self) -> Page {
        self.get("/leavers/new").await
    }

    pub async fn post_new_leaver(&self, fields: &[(&str, &str)]) -> Page {
        self.submit("/leavers/new", "/leavers/new", fields).await
    }

    pub async fn get_edit_leaver(&self, id: i32) -> Page {
        self.get(&format!("/leavers/{id}/edit")).await
    }

    pub async fn post_edit_leaver(&self, id: i32, fields: &[(&str, &str)]) -> Page {
        let edit = format!("/leavers/{id}/edit");
        self.submit(&edit, &edit, fields).await
    }

    /// The status form on the leaver's page (a change is confirmed on a second step).
    pub async fn post_leaver_status(&self, id: i32, fields: &[(&str, &str)]) -> Page {
        self.submit(
            &format!("/leavers/{id}"),
            &format!("/leavers/{id}/status"),
            fields,
        )
        .await
    }

    /// Takes a step on a request as a person does: submitting from the request's page, every
    /// other step from its confirmation page, with the version that page shows.
    pub async fn take_allowance_step(&self, id: i32, action: &str, note: &str) -> Page {
        let page = if action == "submit" {
            self.get_allowance(id).await
        } else {
            self.get(&format!("/allowances/{id}/{action}")).await
        };
        let version = crate::helpers::field_value(&page.body, "version").unwrap_or_default();
        self.post_allowance_step(id, action, &[("version", &version), ("note", note)])
            .await
    }

    pub async fn get_access_log(&self, id: i32) -> Page {
        self.get(&format!("/leavers/{id}/access-log")).await
    }

    // ------------------------------------------------------------ consultations

    pub async fn post_new_consultation(&self, leaver_id: i32, fields: &[(&str, &str)]) -> Page {
        let new = format!("/leavers/{leaver_id}/consultations/new");
        self.submit(&new, &new, fields).await
    }

    pub async fn get_edit_consultation(&self, id: i32) -> Page {
        self.get(&format!("/consultations/{id}/edit")).await
    }

    pub async fn post_edit_consultation(&self, id: i32, fields: &[(&str, &str)]) -> Page {
        let edit = format!("/consultations/{id}/edit");
        self.submit(&edit, &edit, fields).await
    }

    // ------------------------------------------------------------ allowances and payments

    pub async fn get_allowances(&self, query: &str) -> Page {
        if query.is_empty() {
            self.get("/allowances").await
        } else {
            self.get(&format!("/allowances?{query}")).await
        }
    }

    pub async fn get_allowance(&self, id: i32) -> Page {
        self.get(&format!("/allowances/{id}")).await
    }

    pub async fn post_new_allowance(&self, leaver_id: i32, fields: &[(&str, &str)]) -> Page {
        let new = format!("/leavers/{leaver_id}/allowances/new");
        self.submit(&new, &new, fields).await
    }

    /// A step on a request (submit, approve, reject, withdraw, stop), from its page.
    pub async fn post_allowance_step(
        &self,
        id: i32,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        self.submit(
            &format!("/allowances/{id}"),
            &format!("/allowances/{id}/{action}"),
            fields,
        )
        .await
    }

    pub async fn get_payments(&self, month: &str) -> Page {
        self.get(&format!("/payments?month={month}")).await
    }

    pub async fn post_mark_paid(&self, month: &str, line: i32, fields: &[(&str, &str)]) -> Page {
        self.submit(
            &format!("/payments?month={month}"),
            &format!("/payments/{line}/paid"),
            fields,
        )
        .await
    }

    pub async fn post_mark_month_paid(&self, month: &str, fields: &[(&str, &str)]) -> Page {
        self.submit(
            &format!("/payments?month={month}"),
            "/payments/paid",
            fields,
        )
        .await
    }

    pub async fn get_budget(&self, fy: i32) -> Page {
        self.get(&format!("/budget?fy={fy}")).await
    }

    pub async fn post_budget(&self, fy: i32, fields: &[(&str, &str)]) -> Page {
        self.submit(&format!("/budget?fy={fy}"), "/budget", fields)
            .await
    }

    // ------------------------------------------------------------ extensions and plans

    pub async fn post_new_extension(&self, leaver_id: i32, fields: &[(&str, &str)]) -> Page {
        let new = format!("/leavers/{leaver_id}/extensions/new");
        self.submit(&new, &new, fields).await
    }

    /// A decision on an extension (approve, reject), from the leaver's page.
    pub async fn post_extension_decision(
        &self,
        leaver_id: i32,
        id: i32,
        decision: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        self.submit(
            &format!("/leavers/{leaver_id}"),
            &format!("/extensions/{id}/{decision}"),
            fields,
        )
        .await
    }

    pub async fn get_plan(&self, id: i32) -> Page {
        self.get(&format!("/plans/{id}")).await
    }

    pub async fn get_plan_print(&self, id: i32) -> Page {
        self.get(&format!("/plans/{id}/print")).await
    }

    pub async fn post_plan_goal(&self, id: i32, fields: &[(&str, &str)]) -> Page {
        self.submit(
            &format!("/plans/{id}"),
            &format!("/plans/{id}/goals"),
            fields,
        )
        .await
    }

    pub async fn post_agree_plan(&self, id: i32, fields: &[(&str, &str)]) -> Page {
        self.submit(
            &format!("/plans/{id}"),
            &format!("/plans/{id}/agree"),
            fields,
        )
        .await
    }

    // ------------------------------------------------------------ administration

    pub async fn get_admin_users(&self) -> Page {
        self.get("/admin/users").await
    }

    pub async fn post_new_user(&self, fields: &[(&str, &str)]) -> Page {
        self.submit("/admin/users/new", "/admin/users/new", fields)
            .await
    }

    pub async fn get_audit(&self, query: &str) -> Page {
        if query.is_empty() {
            self.get("/admin/audit").await
        } else {
            self.get(&format!("/admin/audit?{query}")).await
        }
    }

    pub async fn get_retention(&self) -> Page {
        self.get("/admin/retention").await
    }

    pub async fn post_anonymise(&self, fields: &[(&str, &str)]) -> Page {
        self.submit("/admin/retention", "/admin/retention/anonymise", fields)
            .await
    }

    pub async fn post_disclosure(&self, leaver_id: i32, fields: &[(&str, &str)]) -> Page {
        let page = format!("/leavers/{leaver_id}/disclosure");
        self.submit(&page, &page, fields).await
    }
}
