//! The register of care leavers: `/leavers` (search, filters, pages), the profile with its
//! support window, creating and editing records, and status changes.
pub mod forms;
pub mod import;
pub mod import_page;
pub mod queries;
pub mod rules;
pub mod views;
pub mod window;

use poem::{EndpointExt, Route, get, post};

use crate::{users::Role, web::require};

/// Roles that keep the register (finance only reads identity and the support window).
pub const KEEPERS: &[Role] = &[Role::Coordinator, Role::Admin];

pub fn routes() -> Route {
    Route::new()
        .at("/", get(views::list))
        .at(
            "/new",
            get(views::new_form)
                .post(views::create)
                .with(require(KEEPERS)),
        )
        .at("/:id", get(views::show))
        .at(
            "/:id/edit",
            get(views::edit_form)
                .post(views::update)
                .with(require(KEEPERS)),
        )
        .at(
            "/:id/status",
            post(views::change_status).with(require(KEEPERS)),
        )
        .at(
            "/:id/consultations/new",
            get(crate::consultations::views::new_form)
                .post(crate::consultations::views::create)
                .with(require(KEEPERS)),
        )
        .at(
            "/:id/allowances/new",
            get(crate::allowances::views::new_form)
                .post(crate::allowances::views::create)
                .with(require(KEEPERS)),
        )
        .at(
            "/:id/extensions/new",
            get(crate::extensions::views::new_form)
                .post(crate::extensions::views::propose)
                .with(require(KEEPERS)),
        )
        .at(
            "/:id/plans",
            get(crate::plans::views::list).with(require(KEEPERS)),
        )
        .at(
            "/:id/plans/new",
            get(crate::plans::views::new_form)
                .post(crate::plans::views::create)
                .with(require(KEEPERS)),
        )
        .at(
            "/:id/access-log",
            get(crate::audit::access_log::show).with(require(crate::web::ADMIN)),
        )
        .at(
            "/:id/hold",
            post(crate::retention::views::hold).with(require(crate::web::ADMIN)),
        )
        .at(
            "/:id/hold/release",
            post(crate::retention::views::release).with(require(crate::web::ADMIN)),
        )
        .at(
            "/:id/disclosure",
            get(crate::disclosure::views::show)
                .post(crate::disclosure::views::post)
                .with(require(crate::web::ADMIN)),
        )
}
