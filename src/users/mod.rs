//! Staff accounts: roles, validation of account forms, and the admin pages at `/admin/users`.
pub mod forms;
pub mod queries;
pub mod routes;

use poem::{EndpointExt, Route, get, post};

use crate::web::{ADMIN, require};

/// Every path of **Users**: administrators only.
pub fn mount(route: Route) -> Route {
    let admin = || require(ADMIN);
    route
        .at("/admin/users", get(routes::list).with(admin()))
        .at(
            "/admin/users/new",
            get(routes::new_form).post(routes::create).with(admin()),
        )
        .at(
            "/admin/users/:id/edit",
            get(routes::edit_form).post(routes::update).with(admin()),
        )
        .at(
            "/admin/users/:id/deactivate",
            post(routes::deactivate).with(admin()),
        )
        .at(
            "/admin/users/:id/reactivate",
            post(routes::reactivate).with(admin()),
        )
        .at(
            "/admin/users/:id/password",
            get(routes::password_form)
                .post(routes::set_password)
                .with(admin()),
        )
        .at(
            "/admin/users/:id/unlock",
            post(routes::unlock).with(admin()),
        )
}

use serde::{Deserialize, Serialize};

/// What a staff member may do (DESIGN 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Coordinator,
    Finance,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Coordinator, Role::Finance, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Catalog id of the role's name.
    pub fn message_id(self) -> &'static str {
        match self {
            Role::Coordinator => "role-coordinator",
            Role::Finance => "role-finance",
            Role::Admin => "role-admin",
        }
    }
}

#[cfg(test)]
mod tests {

    use super::Role;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::parse(""), None);
    }
}
