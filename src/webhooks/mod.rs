//! Webhooks (DESIGN 3.4): endpoints registered by administrators are told of events, each
//! delivery queued in the event's own transaction and posted signed, with retries.
pub mod admin;
pub mod delivery;
pub mod endpoints;
pub mod events;
pub mod sign;

use poem::{EndpointExt, Route, get, post};

use crate::web::{guard::ADMIN, guard::require};

/// Every path of webhooks: administrators only.
pub fn mount(route: Route) -> Route {
    let admin = || require(ADMIN);
    route
        .at(
            "/admin/webhooks",
            get(admin::list).post(admin::create).with(admin()),
        )
        .at(
            "/admin/webhooks/:id/remove",
            post(admin::remove).with(admin()),
        )
        .at(
            "/admin/webhooks/deliveries/:id/retry",
            post(admin::retry).with(admin()),
        )
}
