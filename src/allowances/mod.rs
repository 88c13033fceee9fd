//! Housing and living allowances: coordinators request, finance decides (never on their own
//! request), approval creates the monthly payment lines.
pub mod forms;
pub mod queries;
pub mod rules;
pub mod views;

use poem::{Route, get, post};

/// `/allowances…`; a new request is made under the leaver's path.
pub fn routes() -> Route {
    Route::new()
        .at("/", get(views::list))
        .at("/:id", get(views::show))
        .at("/:id/:action", post(views::act))
}
