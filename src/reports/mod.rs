//! The fiscal-year report (DESIGN 2.7): people supported, started and ended, by placement and
//! age; consultations by channel and topic; allowance months and yen paid; extensions by
//! reason. A fixed number of set-based queries, whatever the number of people.
pub mod figures;
pub mod views;

use crate::web::{guard::ANY_ROLE, guard::require};
use poem::{EndpointExt, Route, get};

/// Every path of the fiscal-year report: aggregate figures only, every role.
pub fn mount(route: Route) -> Route {
    route
        .at("/reports/annual", get(views::page).with(require(ANY_ROLE)))
        .at(
            "/reports/annual.csv",
            get(views::csv).with(require(ANY_ROLE)),
        )
}
