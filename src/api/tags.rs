//! The groups the API's operations are listed in.
use poem_openapi::Tags;

#[derive(Tags)]
pub enum Tag {
    /// Care leavers and their consultations.
    Register,
    /// Allowances and their monthly payments.
    Money,
    /// The fiscal-year report's figures.
    Reports,
}
