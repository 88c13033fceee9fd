//! The one error type of request handlers, and the status each variant maps to.
use poem::{error::ResponseError, http::StatusCode};
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in: the visitor is sent to the sign-in page and back afterwards.
    #[error("not signed in")]
    Unauthenticated,
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
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::NotFound | AppError::Db(DbErr::RecordNotFound(_)) => StatusCode::NOT_FOUND,
            AppError::Db(_) | AppError::Render(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
