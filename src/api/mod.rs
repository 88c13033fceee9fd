//! The JSON API under `/api/v1` (DESIGN 3.4), described by OpenAPI generated from this code
//! (`/api/v1/openapi.json`, read as a page at `/api/docs`), authorised by API tokens issued at
//! `/admin/api-tokens`; errors are problem documents.
pub mod admin;
pub mod caller;
pub mod docs;
pub mod money;
pub mod paging;
pub mod problem;
pub mod register;
pub mod report;
pub mod spec;
pub mod tags;
pub mod tokens;

use std::sync::Arc;

use poem::{Endpoint, EndpointExt, Route, get, post};

use crate::{
    app::state::AppState,
    web::{guard::ADMIN, guard::require},
};

/// The API's endpoint, nested at `BASE` outside the pages (no session, no CSRF: a token).
pub fn endpoint(state: Arc<AppState>) -> impl Endpoint {
    let service = spec::service();
    let spec = service.spec_endpoint();
    Route::new()
        .at("/openapi.json", spec)
        .nest("/", service)
        // A panic is an error like the others: a problem document, not the HTML page.
        .with(crate::web::limits::CatchPanics)
        .with(problem::Problems)
        .data(state)
}

/// The pages of the API: its documentation (anyone may read it: it holds no data) and the
/// administrators' tokens.
pub fn mount(route: Route) -> Route {
    let admin = || require(ADMIN);
    route
        .at("/api/docs", get(docs::page))
        .at(
            "/admin/api-tokens",
            get(admin::list).post(admin::create).with(admin()),
        )
        .at(
            "/admin/api-tokens/:id/revoke",
            post(admin::revoke).with(admin()),
        )
}
