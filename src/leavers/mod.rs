//! The register of care leavers: `/leavers` (search, filters, pages), the profile with its
//! support window, creating and editing records, and status changes.
pub mod bulk;
pub mod forms;
pub mod import;
pub mod import_page;
pub mod page;
pub mod queries;
pub mod rules;
pub mod search;
pub mod views;
pub mod window;
pub mod windows;

use crate::web::guard::{ADMIN, ANY_ROLE, KEEPERS, require};
use poem::{EndpointExt, Route, get, post};

/// Every path of the register, with who may use it: any role reads it (finance sees identity
/// and the support window only); those who keep it create, edit and change status; admins
/// import.
pub fn mount(route: Route) -> Route {
    route
        .at("/leavers", get(views::list).with(require(ANY_ROLE)))
        .at(
            "/leavers/new",
            get(views::new_form)
                .post(views::create)
                .with(require(KEEPERS)),
        )
        .at("/leavers/:id", get(views::show).with(require(ANY_ROLE)))
        .at(
            "/leavers/:id/edit",
            get(views::edit_form)
                .post(views::update)
                .with(require(KEEPERS)),
        )
        .at(
            "/leavers/:id/status",
            post(views::change_status).with(require(KEEPERS)),
        )
        .at(
            "/admin/import",
            get(import_page::form)
                .post(import_page::upload)
                .with(require(ADMIN)),
        )
}
