//! The application as a whole: its state and its boot.
pub mod startup;
pub mod state;

pub use startup::{Application, build_app};
