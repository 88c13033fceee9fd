//! Signing in and out, sessions, first-run setup, and the language switch.
pub mod account;
pub mod failures;
pub mod lockout;
pub mod login;
pub mod mfa;
pub mod password;
pub mod secret_box;
pub mod secrets;
pub mod session_store;
pub mod setup;
pub mod tokens;

use poem::{Route, get, post};

/// Every path of signing in: open to everyone (each handler decides what a signed-in user
/// sees), first-run setup included (it needs its one-time token).
pub fn mount(route: Route) -> Route {
    route
        .at("/login", get(login::login_form).post(login::login))
        .at("/logout", post(login::logout))
        .at("/language", post(login::switch_language))
        .at("/setup", get(setup::form).post(setup::create))
}
