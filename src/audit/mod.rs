//! The audit log: `chain::record` appends one hash-chained entry inside the caller's
//! transaction; `routes` shows the log to admins.
pub mod access_log;
pub mod chain;
pub mod index;
pub mod queries;
pub mod reads;
pub mod routes;
pub mod words;

use poem::{EndpointExt, Route, get};

use crate::web::{guard::ADMIN, guard::require};

/// Every path of the audit log: administrators only (the log, and each person's access log).
pub fn mount(route: Route) -> Route {
    route
        .at("/admin/audit", get(routes::list).with(require(ADMIN)))
        .at(
            "/leavers/:id/access-log",
            get(access_log::show).with(require(ADMIN)),
        )
}
