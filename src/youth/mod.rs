//! The young person's own door (DESIGN 2.9): the personal link a coordinator hands over, the
//! session it opens for that one person, and their pages under `/me`.
pub mod answers;
pub mod check_in_rule;
pub mod contact;
pub mod contact_views;
pub mod email;
pub mod handover;
pub mod links;
pub mod me;
pub mod panel;
pub mod request_link;
pub mod respond;
pub mod session;

use poem::{EndpointExt, Route, get, post};

use crate::web::guard::{KEEPERS, require};

/// Every path of the young person's link: those who keep the register hand links over and
/// end them; the person's own pages answer only to their session (see [`session::Me`]), and
/// a browser holding such a session reaches no other path (the page context answers 404).
pub fn mount(route: Route) -> Route {
    route
        .at(
            "/leavers/:id/link",
            post(handover::send_or_show).with(require(KEEPERS)),
        )
        .at(
            "/leavers/:id/link/revoke",
            post(handover::revoke).with(require(KEEPERS)),
        )
        .at("/y/:token", get(me::open))
        .at("/me", get(me::page))
        .at("/me/plans/:id", get(me::plan))
        .at("/me/link", get(me::link_form).post(request_link::request))
        .at(
            "/me/contact",
            get(contact_views::form).post(contact_views::submit),
        )
        .at(
            "/contact-proposals/:id/accept",
            post(contact_views::accept).with(require(KEEPERS)),
        )
        .at(
            "/contact-proposals/:id/decline",
            post(contact_views::decline).with(require(KEEPERS)),
        )
        .at("/me/appointments/:id/respond", post(respond::respond))
        .at(
            "/me/check-in",
            get(respond::check_in_form).post(respond::check_in),
        )
        .at(
            "/check-ins/:id/acknowledge",
            post(respond::acknowledge).with(require(KEEPERS)),
        )
}
