//! Extensions of support past the default end: a coordinator proposes, an admin (never the
//! proposer) approves or rejects; the latest approved extension's end becomes the effective
//! support end everywhere.
pub mod ends;
pub mod queries;
pub mod rules;
pub mod views;

use poem::{EndpointExt, Route, get, post};

use crate::{
    web::guard::KEEPERS,
    web::{guard::ADMIN, guard::require},
};

/// Every path of extensions: those who keep the register propose; admins decide (never on
/// their own proposal: checked by the decision itself).
pub fn mount(route: Route) -> Route {
    route
        .at(
            "/leavers/:id/extensions/new",
            get(views::new_form)
                .post(views::propose)
                .with(require(KEEPERS)),
        )
        .at(
            "/extensions/:id/:decision",
            post(views::decide).with(require(ADMIN)),
        )
}
