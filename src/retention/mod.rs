//! Retention (DESIGN 2.8): a leaver's personal data is kept `retention_years` after the later
//! of the effective support end and closing; then an admin anonymises it, unless a legal hold
//! is in force. Anonymising erases names, contact details and free text and keeps what the
//! statistics need.
pub mod lifecycle;
pub mod views;

use crate::web::{guard::ADMIN, guard::require};
use poem::{EndpointExt, Route, get, post};

/// Every path of retention and legal holds: administrators only.
pub fn mount(route: Route) -> Route {
    route
        .at("/admin/retention", get(views::list).with(require(ADMIN)))
        .at(
            "/admin/retention/anonymise",
            post(views::anonymise).with(require(ADMIN)),
        )
        .at("/leavers/:id/hold", post(views::hold).with(require(ADMIN)))
        .at(
            "/leavers/:id/hold/release",
            post(views::release).with(require(ADMIN)),
        )
}
