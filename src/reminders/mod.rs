//! The safety net: a scheduled job finds what needs attention and emails the right person —
//! one digest per recipient per run, each reminder exactly once (by key), through an outbox
//! that retries failed deliveries.
pub mod delivery;
pub mod email;
pub mod item;
pub mod outbox;
pub mod routing;
pub mod rules;
pub mod run;
pub mod select;
pub mod views;

use crate::web::{guard::ADMIN, guard::require};
use poem::{EndpointExt, Route, get, post};

/// Every path of **Email**: administrators only.
pub fn mount(route: Route) -> Route {
    route
        .at("/admin/reminders", get(views::list).with(require(ADMIN)))
        .at(
            "/admin/reminders/:id/retry",
            post(views::retry).with(require(ADMIN)),
        )
}
