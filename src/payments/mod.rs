//! `/payments?month=YYYY-MM`: finance records the month's payments (one line or the whole
//! month) and exports them as CSV that Excel in Japan opens correctly.
pub mod csv;
pub mod paying;
pub mod rules;
pub mod views;

use poem::{EndpointExt, Route, get};

use crate::web::{guard::FINANCE, guard::require};

/// Every path of payments: finance only.
pub fn mount(route: Route) -> Route {
    route
        .at("/payments", get(views::list).with(require(FINANCE)))
        .at("/payments.csv", get(csv::csv).with(require(FINANCE)))
        .at(
            "/payments/paid",
            get(paying::confirm_month)
                .post(paying::mark_month_paid)
                .with(require(FINANCE)),
        )
        .at(
            "/payments/:id/paid",
            get(paying::confirm_line)
                .post(paying::mark_paid)
                .with(require(FINANCE)),
        )
}
