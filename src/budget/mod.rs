//! Annual budgets per allowance kind and fiscal year, and the figures beside them: committed
//! (scheduled, unpaid lines) and paid. `/budget?fy=YYYY` shows them with a monthly chart.
pub mod figures;
pub mod views;

use crate::web::{guard::FINANCE, guard::require};
use poem::{EndpointExt, Route, get};

/// Every path of the budget: finance only.
pub fn mount(route: Route) -> Route {
    route.at(
        "/budget",
        get(views::show).post(views::set).with(require(FINANCE)),
    )
}
