//! Extensions of support past the default end: a coordinator proposes, an admin (never the
//! proposer) approves or rejects; the latest approved extension's end becomes the effective
//! support end everywhere.
pub mod queries;
pub mod rules;
pub mod views;

use poem::{Route, post};

/// `/extensions/{id}/{approve,reject}`; proposing is mounted under the leaver's path.
pub fn routes() -> Route {
    Route::new().at("/:id/:decision", post(views::decide))
}
