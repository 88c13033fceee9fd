//! Support plans (継続支援計画): the young person's wishes in their own words, goals with who
//! does what by when, agreed on a date and then read-only; a review starts a new version.
pub mod queries;
pub mod views;

use poem::{Route, get, post};

/// `/plans/{id}…`; listing and starting plans are mounted under the leaver's path.
pub fn routes() -> Route {
    Route::new()
        .at("/:id", get(views::show))
        .at("/:id/edit", get(views::edit_form).post(views::update))
        .at("/:id/goals", post(views::add_goal))
        .at("/:id/agree", post(views::agree))
        .at("/:id/print", get(views::print))
}
