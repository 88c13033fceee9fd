//! Signing in and out, sessions, first-run setup, and the language switch.
pub mod account;
pub mod failures;
pub mod lockout;
pub mod login;
pub mod mfa;
pub mod password;
pub mod second_factor;
pub mod secret_box;
pub mod secrets;
pub mod session_store;
pub mod setup;
pub mod tokens;

use poem::{EndpointExt, Route, get, post};

use crate::web::guard::{ADMIN, ANY_ROLE, require};

/// Every path of signing in: open to everyone (each handler decides what a signed-in user
/// sees), first-run setup included (it needs its one-time token).
pub fn mount(route: Route) -> Route {
    route
        .at("/login", get(login::login_form).post(login::login))
        .at("/logout", post(login::logout))
        .at("/language", post(login::switch_language))
        .at("/setup", get(setup::form).post(setup::create))
        .at(
            "/login/mfa",
            get(second_factor::code_form).post(second_factor::check_code),
        )
        .at(
            "/account/mfa",
            get(second_factor::enrol_form)
                .post(second_factor::enrol)
                .with(require(ANY_ROLE)),
        )
        .at(
            "/admin/users/:id/mfa/reset",
            post(second_factor::reset).with(require(ADMIN)),
        )
}
