//! Staff accounts: roles, validation of account forms, and the admin pages at `/admin/users`.
pub mod forms;
pub mod queries;
pub mod routes;

use poem::{EndpointExt, Route, get, post};

use crate::web::{guard::ADMIN, guard::require};

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
