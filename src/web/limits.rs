//! What every request gets whatever it asks: the body limit, a panic turned into an error,
//! and the security headers.
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result, http::header};

use crate::error::AppError;

/// Headers sent with every response, refusals and errors included. Responses that do not
/// say how they may be cached (everything but the static files) are never stored: pages carry
/// personal data.
pub struct SecurityHeaders;

impl<E: Endpoint> Middleware<E> for SecurityHeaders {
    type Output = SecurityHeadersEndpoint<E>;
    fn transform(&self, inner: E) -> Self::Output {
        SecurityHeadersEndpoint { inner }
    }
}

pub struct SecurityHeadersEndpoint<E> {
    inner: E,
}

const SECURITY_HEADERS: [(header::HeaderName, &str); 5] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), \
         bluetooth=(), hid=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), \
         display-capture=(), screen-wake-lock=(), xr-spatial-tracking=(), \
         publickey-credentials-get=(), browsing-topics=(), interest-cohort=()",
    ),
];

impl<E: Endpoint> Endpoint for SecurityHeadersEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let mut resp = match self.inner.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        let headers = resp.headers_mut();
        for (name, value) in SECURITY_HEADERS {
            headers.insert(name, header::HeaderValue::from_static(value));
        }
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
        }
        Ok(resp)
    }
}

/// The largest body of a form post.
pub const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;
/// The largest body of a file upload (multipart): the largest file and its form around it.
pub const MAX_UPLOAD_BYTES: usize = 9 * 1024 * 1024;

/// One body limit for every request, applied before anything reads the body: a declared
/// length over the limit is refused at once (413); a body sent without a length is read up
/// to the limit and refused past it, so memory stays bounded either way.
pub struct BodyLimit;

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;
    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint { inner }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
}

/// Whether a request's body is multipart (a file upload).
pub(crate) fn is_multipart(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        })
}

/// The limit for a request with these headers.
pub fn body_limit(headers: &header::HeaderMap) -> usize {
    if is_multipart(headers) {
        MAX_UPLOAD_BYTES
    } else {
        MAX_FORM_BYTES
    }
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let limit = body_limit(req.headers());
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .map(|v| v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()));
        match declared {
            // The server reads no more than a declared length.
            Some(Some(n)) if n <= limit as u64 => {}
            Some(_) => return Err(AppError::TooLarge.into()),
            // Chunked (or no body at all): read it now, within the limit.
            None => {
                let body = req
                    .take_body()
                    .into_bytes_limit(limit)
                    .await
                    .map_err(|e| match e {
                        poem::error::ReadBodyError::PayloadTooLarge => {
                            poem::Error::from(AppError::TooLarge)
                        }
                        other => other.into(),
                    })?;
                req.set_body(body);
            }
        }
        self.inner.call(req).await
    }
}

/// A panic in a handler becomes the 500 page with the request id (by [`CatchErrors`]) rather
/// than a dropped connection. What the panic said is not logged: it may quote the request.
pub struct CatchPanics;

impl<E: Endpoint> Middleware<E> for CatchPanics {
    type Output = CatchPanicsEndpoint<E>;
    fn transform(&self, inner: E) -> Self::Output {
        CatchPanicsEndpoint { inner }
    }
}

pub struct CatchPanicsEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for CatchPanicsEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        use futures_util::FutureExt;
        match std::panic::AssertUnwindSafe(self.inner.call(req))
            .catch_unwind()
            .await
        {
            Ok(result) => result,
            Err(_) => Err(AppError::Internal(anyhow::anyhow!("a request handler panicked")).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use poem::{EndpointExt, Request, http::StatusCode};

    use super::{BodyLimit, CatchPanics};

    #[tokio::test]
    async fn a_panic_becomes_an_internal_error_not_a_dropped_connection() {
        let ep = poem::endpoint::make_sync(|_| -> &'static str { panic!("held_at=secret") })
            .with(CatchPanics);
        let err = poem::Endpoint::call(&ep, Request::default())
            .await
            .expect_err("the panic is an error");
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!err.to_string().contains("secret"));
    }

    #[tokio::test]
    async fn bodies_are_limited_by_their_kind() {
        let ep = poem::endpoint::make(|mut req: Request| async move {
            req.take_body()
                .into_bytes()
                .await
                .map(|b| b.len().to_string())
        })
        .with(BodyLimit);
        let post = |len: usize, kind: &str, declared: bool| {
            let mut req = Request::builder()
                .method(poem::http::Method::POST)
                .content_type(kind);
            if declared {
                req = req.header("content-length", len.to_string());
            }
            req.body(vec![b'a'; len])
        };
        let form = "application/x-www-form-urlencoded";
        let upload = "multipart/form-data; boundary=x";
        for declared in [true, false] {
            let ok = poem::Endpoint::call(&ep, post(super::MAX_FORM_BYTES, form, declared)).await;
            assert_eq!(ok.unwrap(), super::MAX_FORM_BYTES.to_string());
            let over = poem::Endpoint::call(&ep, post(super::MAX_FORM_BYTES + 1, form, declared))
                .await
                .unwrap_err();
            assert_eq!(over.status(), StatusCode::PAYLOAD_TOO_LARGE);
            let file =
                poem::Endpoint::call(&ep, post(super::MAX_FORM_BYTES + 1, upload, declared)).await;
            assert!(file.is_ok());
            let over =
                poem::Endpoint::call(&ep, post(super::MAX_UPLOAD_BYTES + 1, upload, declared))
                    .await
                    .unwrap_err();
            assert_eq!(over.status(), StatusCode::PAYLOAD_TOO_LARGE);
        }
    }
}
