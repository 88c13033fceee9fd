//! Answers of a handler: a page, a form shown again after a refusal, a redirect.
use askama::Template;
use poem::{IntoResponse, Response, http::StatusCode, web::Html};

use crate::{
    error::{AppError, AppResult},
    web::forms::FormErrors,
};

/// Renders a page with 200 OK.
pub fn render(page: &impl Template) -> AppResult<Response> {
    render_status(page, StatusCode::OK)
}

/// Shows a page again because what was sent was refused: the status is the refusal's (422
/// for input that breaks a rule, 409 for a record that changed meanwhile).
pub fn render_refused(page: &impl Template, why: &AppError) -> AppResult<Response> {
    render_status(page, poem::error::ResponseError::status(why))
}

/// Adds a feature's refusal to a form's messages, and gives it back for `render_refused`. An
/// error no form can show (not found, forbidden, the database) is returned for the error page.
pub fn take_refusal(err: impl Into<AppError>, errors: &mut FormErrors) -> AppResult<AppError> {
    let why = err.into();
    match (why.form_errors(), &why) {
        (Some(found), _) => {
            errors.merge(found);
            Ok(why)
        }
        // The record changed meanwhile: the form is shown again as it is now.
        (None, AppError::Conflict) => Ok(why),
        (None, _) => Err(why),
    }
}

/// Renders a page with the given status.
pub fn render_status(page: &impl Template, status: StatusCode) -> AppResult<Response> {
    Ok(Html(page.render()?).with_status(status).into_response())
}

/// A 303 redirect, the answer to a successful form post.
pub fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header("Location", location)
        .finish()
}

/// `next` targets accepted after sign-in or a language switch: paths on this site only.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n
                    .chars()
                    .any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/admin/users?page=2")),
            "/admin/users?page=2"
        );
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        // Browsers drop tabs and newlines from URLs: "/\t/evil" would become "//evil".
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
