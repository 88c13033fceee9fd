//! Disclosure (開示請求): an admin records a person's request; the deadline is
//! `disclosure_days` counted from the next day; the export is a ZIP with everything held about
//! the person (`record.json`, a printable `record.html`, `manifest.json` with counts and the
//! SHA-256 of each file), the access log included, audited with its hash.
pub mod export;
pub mod queries;
pub mod views;

use crate::web::{guard::ADMIN, guard::require};
use poem::{EndpointExt, Route, get};

/// Every path of disclosure requests: administrators only.
pub fn mount(route: Route) -> Route {
    route.at(
        "/leavers/:id/disclosure",
        get(views::show).post(views::post).with(require(ADMIN)),
    )
}
