//! Housing and living allowances: coordinators request, finance decides (never on their own
//! request), approval creates the monthly payment lines.
pub mod decide;
pub mod draft_views;
pub mod drafts;
pub mod forms;
pub mod queries;
pub mod rules;
pub mod views;

use poem::{EndpointExt, Route, get};

use crate::{
    web::guard::KEEPERS,
    web::{guard::ANY_ROLE, guard::require},
};

/// Every path of allowances, with who may use it. Those who keep the register request them
/// (and change or delete their own drafts); every role reads them; each step checks the
/// actor's role itself (finance decides, never on their own request: `rules::transition`).
pub fn mount(route: Route) -> Route {
    route
        .at(
            "/leavers/:id/allowances/new",
            get(views::new_form)
                .post(views::create)
                .with(require(KEEPERS)),
        )
        .at("/allowances", get(views::list).with(require(ANY_ROLE)))
        .at("/allowances/:id", get(views::show).with(require(ANY_ROLE)))
        .at(
            "/allowances/:id/edit",
            get(draft_views::edit_form)
                .post(draft_views::update)
                .with(require(KEEPERS)),
        )
        .at(
            "/allowances/:id/delete",
            get(draft_views::delete_form)
                .post(draft_views::delete)
                .with(require(KEEPERS)),
        )
        .at(
            "/allowances/:id/:action",
            get(decide::confirm)
                .post(decide::act)
                .with(require(ANY_ROLE)),
        )
}
