//! The one error type of request handlers, and the status each variant maps to.
use poem::{error::ResponseError, http::StatusCode};
use sea_orm::DbErr;

use crate::web::forms::FormErrors;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in: the visitor is sent to the sign-in page and back afterwards.
    #[error("not signed in")]
    Unauthenticated,
    /// A young person's page without a live session of theirs: the visitor is offered a new
    /// link, and the ended session's cookie goes.
    #[error("no live personal-link session")]
    LinkEnded,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// A POST without a valid CSRF token.
    #[error("missing or invalid CSRF token")]
    Csrf,
    /// A request body larger than the limit for its kind.
    #[error("request body too large")]
    TooLarge,
    /// What was sent breaks a rule: the form is shown again with a message beside each field
    /// named here (and a problem above the form when none is).
    #[error("input refused")]
    Invalid(FormErrors),
    /// The record changed since the page was loaded, or is no longer in a state that allows
    /// the step: the page is shown again as it is now.
    #[error("the record changed meanwhile")]
    Conflict,
    /// Too many failed attempts: the door stays shut for a while.
    #[error("locked after too many attempts")]
    Locked,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("template error: {0}")]
    Render(#[from] askama::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ResponseError for AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::LinkEnded => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict => StatusCode::CONFLICT,
            AppError::Locked => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound | AppError::Db(DbErr::RecordNotFound(_)) => StatusCode::NOT_FOUND,
            AppError::Db(_) | AppError::Render(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl AppError {
    /// Input refused with no field to point at (the page says what is wrong).
    pub fn invalid() -> Self {
        AppError::Invalid(FormErrors::default())
    }

    /// Input refused as a whole, with a message above the form.
    pub fn invalid_form(message_id: &'static str) -> Self {
        AppError::Invalid(FormErrors::problem_only(message_id))
    }

    /// The messages a form shows for this refusal, or the error itself when it is not one a
    /// form can show (it goes on to the error page).
    pub fn form_errors(&self) -> Option<&FormErrors> {
        match self {
            AppError::Invalid(errors) => Some(errors),
            _ => None,
        }
    }

    /// Input refused because of one field.
    pub fn invalid_field(field: &'static str, message_id: &'static str) -> Self {
        let mut errors = FormErrors::default();
        errors.add(field, message_id);
        AppError::Invalid(errors)
    }
}

pub type AppResult<T> = Result<T, AppError>;
