//! Consultations and appointments: recording a contact with a young person, planning the
//! next one, and the timeline on the leaver's page.
pub mod forms;
pub mod queries;
pub mod rules;
pub mod views;

use poem::{Route, get};

/// `/consultations/{id}/edit`; recording a new one is mounted under the leaver's path.
pub fn routes() -> Route {
    Route::new().at("/:id/edit", get(views::edit_form).post(views::update))
}
