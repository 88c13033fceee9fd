//! Errors of the JSON API as RFC 9457 problem documents (`application/problem+json`): the
//! same refusals as the pages (a missing or wrong token, a scope not given, a record not
//! found, a record that changed, input that breaks a rule with a problem per field).
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, http::header};
use poem_openapi::{ApiResponse, Object, payload::Json};

/// A problem document.
#[derive(Object, Debug, Clone)]
pub struct ProblemDoc {
    /// A URI naming the kind of problem (`about:blank` when the status says it all).
    #[oai(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    /// For refused input: what is wrong with each field, every one at once.
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<FieldProblem>>,
}

/// What is wrong with one field of a request.
#[derive(Object, Debug, Clone)]
pub struct FieldProblem {
    pub field: String,
    /// A stable code for the problem (the catalog's message id).
    pub code: String,
    pub detail: String,
}

/// Every refusal an operation can answer with.
#[derive(ApiResponse, Debug)]
pub enum Problem {
    /// The request is malformed (a parameter that cannot be read).
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<ProblemDoc>),
    /// No token, or a token that is wrong, expired or revoked.
    #[oai(status = 401, content_type = "application/problem+json")]
    // `WWW-Authenticate: Bearer` is added to every 401 by `Problems`.
    Unauthorized(Json<ProblemDoc>),
    /// The token was not given the scope this needs.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<ProblemDoc>),
    /// No such record (or path).
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<ProblemDoc>),
    /// The record is not in a state that allows the step.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<ProblemDoc>),
    /// `If-Match` names a version that is no longer current.
    #[oai(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Json<ProblemDoc>),
    /// The input breaks a rule: a problem per field.
    #[oai(status = 422, content_type = "application/problem+json")]
    Invalid(Json<ProblemDoc>),
    /// Something failed on the server; the details are in its log, not here.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<ProblemDoc>),
}

fn doc(status: u16, title: &str, detail: Option<String>) -> Json<ProblemDoc> {
    Json(ProblemDoc {
        kind: "about:blank".into(),
        title: title.into(),
        status,
        detail,
        errors: None,
    })
}

impl Problem {
    pub fn unauthorized() -> Problem {
        Problem::Unauthorized(doc(
            401,
            "Unauthorized",
            Some("Send a live API token as `Authorization: Bearer …`.".into()),
        ))
    }

    pub fn forbidden(scope: &str) -> Problem {
        Problem::Forbidden(doc(
            403,
            "Forbidden",
            Some(format!("This needs the scope `{scope}`.")),
        ))
    }

    pub fn bad_request(detail: &str) -> Problem {
        Problem::BadRequest(doc(400, "Bad Request", Some(detail.into())))
    }

    pub fn not_found() -> Problem {
        Problem::NotFound(doc(404, "Not Found", None))
    }

    pub fn conflict(detail: &str) -> Problem {
        Problem::Conflict(doc(409, "Conflict", Some(detail.into())))
    }

    pub fn precondition_failed() -> Problem {
        Problem::PreconditionFailed(doc(
            412,
            "Precondition Failed",
            Some("The record changed since that version: read it again.".into()),
        ))
    }

    pub fn invalid(errors: Vec<FieldProblem>) -> Problem {
        let mut d = doc(
            422,
            "Unprocessable Content",
            Some("The input breaks a rule: see `errors`.".into()),
        );
        d.0.errors = Some(errors);
        Problem::Invalid(d)
    }

    pub fn internal() -> Problem {
        Problem::Internal(doc(500, "Internal Server Error", None))
    }
}

impl From<sea_orm::DbErr> for Problem {
    fn from(e: sea_orm::DbErr) -> Problem {
        tracing::error!(error = %e, "database error in the JSON API");
        Problem::internal()
    }
}

impl From<anyhow::Error> for Problem {
    fn from(e: anyhow::Error) -> Problem {
        tracing::error!(error = %e, "error in the JSON API");
        Problem::internal()
    }
}

/// Turns every other error of the API (a path that does not exist, a parameter or body that
/// cannot be read) into a problem document too.
pub struct Problems;

impl<E: Endpoint> Middleware<E> for Problems {
    type Output = ProblemsEndpoint<E>;
    fn transform(&self, inner: E) -> Self::Output {
        ProblemsEndpoint { inner }
    }
}

pub struct ProblemsEndpoint<E> {
    inner: E,
}

const PROBLEM_JSON: &str = "application/problem+json";

impl<E: Endpoint> Endpoint for ProblemsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let err = match self.inner.call(req).await {
            Ok(r) => return Ok(r.into_response()),
            Err(e) => e,
        };
        let detail = err.to_string();
        let resp = err.into_response();
        let is_problem = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
        if is_problem {
            return Ok(with_challenge(resp));
        }
        let status = resp.status();
        let mut body = serde_json::json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
        });
        // What went wrong inside stays in the log.
        if !status.is_server_error() {
            body["detail"] = detail.into();
        }
        Ok(with_challenge(
            Response::builder()
                .status(status)
                .content_type(PROBLEM_JSON)
                .body(body.to_string()),
        ))
    }
}

/// A 401 says how to authenticate.
fn with_challenge(mut resp: Response) -> Response {
    if resp.status() == poem::http::StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"aftercare\""),
        );
    }
    resp
}
