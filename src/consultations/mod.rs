//! Consultations and appointments: recording a contact with a young person, planning the
//! next one, and the timeline on the leaver's page.
pub mod forms;
pub mod queries;
pub mod rules;
pub mod views;

use poem::{EndpointExt, Route, get};

use crate::web::guard::{KEEPERS, require};

/// Every path of consultations, with who may use it: their content is for those who keep the
/// register, never for finance.
pub fn mount(route: Route) -> Route {
    route
        .at(
            "/leavers/:id/consultations/new",
            get(views::new_form)
                .post(views::create)
                .with(require(KEEPERS)),
        )
        .at(
            "/consultations/:id/edit",
            get(views::edit_form)
                .post(views::update)
                .with(require(KEEPERS)),
        )
}
