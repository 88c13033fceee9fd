//! Support plans (継続支援計画): the young person's wishes in their own words, goals with who
//! does what by when, agreed on a date and then read-only; a review starts a new version.
pub mod agree;
pub mod queries;
pub mod rules;
pub mod views;

use poem::{EndpointExt, Route, get, post};

use crate::web::guard::{KEEPERS, require};

/// Every path of support plans: the young person's own words, for those who keep the register
/// and never for finance.
pub fn mount(route: Route) -> Route {
    route
        .at(
            "/leavers/:id/plans",
            get(views::list).with(require(KEEPERS)),
        )
        .at(
            "/leavers/:id/plans/new",
            get(views::new_form)
                .post(views::create)
                .with(require(KEEPERS)),
        )
        .at("/plans/:id", get(views::show).with(require(KEEPERS)))
        .at(
            "/plans/:id/edit",
            get(views::edit_form)
                .post(views::update)
                .with(require(KEEPERS)),
        )
        .at(
            "/plans/:id/goals",
            post(views::add_goal).with(require(KEEPERS)),
        )
        .at(
            "/plans/:id/agree",
            get(agree::confirm)
                .post(agree::agree)
                .with(require(KEEPERS)),
        )
        .at("/plans/:id/print", get(views::print).with(require(KEEPERS)))
}
