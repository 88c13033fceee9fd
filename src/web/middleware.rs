//! Request middleware: request ids and the access log line, security headers, and the page
//! context (signed-in user, language, CSRF enforcement, flashes, error pages).
use std::{sync::Arc, time::Instant};

use askama::Template;
use poem::{
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{Method, StatusCode, header},
    session::Session,
    web::{CsrfToken, CsrfVerifier},
};
use tracing::Instrument;

use crate::{
    app::AppState,
    error::AppError,
    i18n::Lang,
    users,
    web::{Ctx, Flash},
};

/// The id of one request, shown on the 500 page and attached to every log line of the request.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub struct RequestLog;

impl<E: Endpoint> Middleware<E> for RequestLog {
    type Output = RequestLogEndpoint<E>;
    fn transform(&self, inner: E) -> Self::Output {
        RequestLogEndpoint { inner }
    }
}

pub struct RequestLogEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for RequestLogEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let id = crate::auth::tokens::random_hex(8);
        req.extensions_mut().insert(RequestId(id.clone()));
        let method = req.method().clone();
        // The path only: query strings can carry tokens.
        let path = req.uri().path().to_string();
        let started = Instant::now();
        let span = tracing::info_span!("request", request_id = %id);
        async move {
            let mut resp = match self.inner.call(req).await {
                Ok(r) => r.into_response(),
                Err(e) => {
                    if e.status().is_server_error() {
                        tracing::error!(error = %e, "request failed");
                    }
                    e.into_response()
                }
            };
            if let Ok(value) = id.parse() {
                resp.headers_mut().insert("x-request-id", value);
            }
            tracing::info!(
                %method,
                %path,
                status = resp.status().as_u16(),
                latency_ms = started.elapsed().as_secs_f64() * 1000.0,
                "request"
            );
            Ok(resp)
        }
        .instrument(span)
        .await
    }
}

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
fn is_multipart(headers: &header::HeaderMap) -> bool {
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

/// The outermost layer of the pages: an error raised before the page context exists (the
/// session store failing, say) still gets an error page, in the browser's language.
pub struct CatchErrors {
    pub state: Arc<AppState>,
}

impl<E: Endpoint> Middleware<E> for CatchErrors {
    type Output = CatchErrorsEndpoint<E>;
    fn transform(&self, inner: E) -> Self::Output {
        CatchErrorsEndpoint {
            inner,
            state: self.state.clone(),
        }
    }
}

pub struct CatchErrorsEndpoint<E> {
    inner: E,
    state: Arc<AppState>,
}

impl<E: Endpoint> Endpoint for CatchErrorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let here = req.uri().path().to_string();
        let lang = browser_language(&req);
        match self.inner.call(req).await {
            Ok(r) => Ok(r.into_response()),
            Err(e) => {
                let ctx = Ctx {
                    app: self.state.clone(),
                    user: None,
                    tr: self.state.catalogs.translator(lang),
                    csrf_token: String::new(),
                    request_id,
                    here,
                    flashes: Vec::new(),
                    session: Session::default(),
                    method_is_get: true,
                    client: String::new(),
                };
                Ok(error_page(&ctx, &e))
            }
        }
    }
}

fn browser_language(req: &Request) -> Lang {
    Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    )
}

pub struct Context {
    pub state: Arc<AppState>,
    /// The CSRF key: it also binds each token to its session.
    pub csrf_key: [u8; 32],
}

impl<E: Endpoint> Middleware<E> for Context {
    type Output = ContextEndpoint<E>;
    fn transform(&self, inner: E) -> Self::Output {
        ContextEndpoint {
            inner,
            state: self.state.clone(),
            csrf_key: self.csrf_key,
        }
    }
}

pub struct ContextEndpoint<E> {
    inner: E,
    state: Arc<AppState>,
    csrf_key: [u8; 32],
}

/// Session keys.
pub const SESSION_USER: &str = "uid";
pub const SESSION_LANG: &str = "lang";
pub const SESSION_FLASH: &str = "flash";
pub const SESSION_EPOCH: &str = "epoch";
/// A random value set at sign-in: forms' CSRF tokens are bound to it, so a token from before
/// a sign-in, or from another session, is refused.
pub const SESSION_CSRF_NONCE: &str = "csrf";

/// The part of a CSRF token that binds it to this session (its nonce, or none before sign-in).
fn csrf_binding(key: &[u8; 32], session: &Session) -> String {
    use sha2::Digest;
    let nonce = session
        .get::<String>(SESSION_CSRF_NONCE)
        .unwrap_or_default();
    let mut h = sha2::Sha256::new();
    h.update(key);
    h.update(b"csrf-session-binding");
    h.update(nonce.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// The cookie-checked token and the session binding, both of which must hold.
fn csrf_token_is_valid(verifier: &CsrfVerifier, binding: &str, token: &str) -> bool {
    use subtle::ConstantTimeEq;
    match token.rsplit_once('.') {
        Some((cookie_part, bound)) => {
            bool::from(bound.as_bytes().ct_eq(binding.as_bytes())) && verifier.is_valid(cookie_part)
        }
        None => false,
    }
}

impl<E: Endpoint> Endpoint for ContextEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let session = req
            .extensions()
            .get::<Session>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session middleware missing")))?;
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();

        let user = match session.get::<i32>(SESSION_USER) {
            Some(id) => match users::queries::find_active(&self.state.db, id).await {
                Ok(Some(u)) if session.get::<i32>(SESSION_EPOCH) == Some(u.session_epoch) => {
                    Some(u)
                }
                Ok(_) => {
                    // Deactivated, removed, or its sessions were ended (new password or
                    // role): this session ends now.
                    session.purge();
                    None
                }
                Err(e) => return Err(AppError::Db(e).into()),
            },
            None => None,
        };
        let lang = match &user {
            Some(u) => u.language,
            None => session
                .get::<String>(SESSION_LANG)
                .and_then(|l| Lang::parse(&l))
                .unwrap_or_else(|| browser_language(&req)),
        };
        let flashes = if req.method() == Method::GET {
            let f: Vec<Flash> = session.get(SESSION_FLASH).unwrap_or_default();
            if !f.is_empty() {
                session.remove(SESSION_FLASH);
            }
            f
        } else {
            Vec::new()
        };
        // After the session check: a session just ended must not bind tokens to its nonce. A
        // signed-in session from before nonces existed gets one now.
        if user.is_some() && session.get::<String>(SESSION_CSRF_NONCE).is_none() {
            session.set(SESSION_CSRF_NONCE, crate::auth::tokens::random_hex(16));
        }
        let binding = csrf_binding(&self.csrf_key, &session);
        let csrf_token = req
            .extensions()
            .get::<CsrfToken>()
            .map(|t| format!("{}.{binding}", t.0))
            .unwrap_or_default();
        let ctx = Arc::new(Ctx {
            app: self.state.clone(),
            user,
            tr: self.state.catalogs.translator(lang),
            csrf_token,
            request_id,
            here: req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
            flashes,
            session: session.clone(),
            method_is_get: req.method() == Method::GET,
            client: client_address(&req, &self.state.config.trusted_proxies),
        });

        if req.method() == Method::POST {
            match csrf_is_valid(&mut req, &binding).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!("POST refused: missing or invalid CSRF token");
                    return Ok(error_page(&ctx, &AppError::Csrf.into()));
                }
                Err(e) => return Ok(error_page(&ctx, &e.into())),
            }
        }

        req.extensions_mut().insert(ctx.clone());
        Ok(match self.inner.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => error_page(&ctx, &e),
        })
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy. (Entries further left
/// were written by the client and prove nothing.)
pub fn client_address(req: &Request, trusted: &[ipnet::IpNet]) -> String {
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_canonical());
    let Some(peer) = peer else {
        return String::new();
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    client_key(forwarded_client(peer, &forwarded, trusted))
}

/// How a client is counted: an IPv4 address, or an IPv6 address's /64 network (one
/// subscriber usually has a whole /64 to rotate through).
fn client_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => ipnet::Ipv6Net::new(v6, 64)
            .map(|n| n.trunc().to_string())
            .unwrap_or_else(|_| v6.to_string()),
    }
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]` or `[::1]:5678`.
fn parse_hop(hop: &str) -> Option<std::net::IpAddr> {
    let hop = hop.trim();
    hop.parse::<std::net::IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse().ok())
        })
}

fn forwarded_client(
    peer: std::net::IpAddr,
    forwarded: &[&str],
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        if !is_trusted(&client) {
            break;
        }
        match parse_hop(hop) {
            Some(ip) => client = ip.to_canonical(),
            // A hop that is not an address: stop at the last proxy we trust.
            None => break,
        }
    }
    client
}

/// Checks the `csrf_token` form field (or the `X-CSRF-Token` header) against the CSRF cookie,
/// leaving the body in place for the handler. (The body's size was checked by [`BodyLimit`].)
async fn csrf_is_valid(
    req: &mut Request,
    binding: &str,
) -> Result<bool, poem::error::ReadBodyError> {
    let Some(verifier) = req.extensions().get::<CsrfVerifier>().cloned() else {
        return Ok(false);
    };
    if let Some(token) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return Ok(csrf_token_is_valid(&verifier, binding, token));
    }
    // A file upload's body is multipart: its form carries the token in the action's query
    // string (kept out of logs, and out of Referer headers by the referrer policy).
    if is_multipart(req.headers()) {
        let token = req.uri().query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v)
        });
        return Ok(token.is_some_and(|t| csrf_token_is_valid(&verifier, binding, &t)));
    }
    let body = req.take_body().into_bytes_limit(MAX_FORM_BYTES).await?;
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .ok()
        .and_then(|fields| fields.into_iter().find(|(k, _)| k == "csrf_token"))
        .map(|(_, v)| v);
    req.set_body(body);
    Ok(token.is_some_and(|t| csrf_token_is_valid(&verifier, binding, &t)))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: &'a Ctx,
    title_id: &'static str,
    message_id: &'static str,
    show_request_id: bool,
}

/// Turns any error into a page in the layout; internal details go to the log only.
pub fn error_page(ctx: &Ctx, err: &poem::Error) -> Response {
    let app_err = err.downcast_ref::<AppError>();
    if let Some(AppError::Unauthenticated) = app_err {
        // After signing in, come back to the page asked for; a form post is not repeated.
        let next = if ctx.method_is_get {
            ctx.here.as_str()
        } else {
            "/"
        };
        let target = format!(
            "/login?{}",
            serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
        );
        return super::see_other(&target);
    }
    // A malformed id in the path names no record.
    let status = if err.is::<poem::error::ParsePathError>() {
        StatusCode::NOT_FOUND
    } else {
        err.status()
    };
    let (title_id, message_id) = match (status, app_err) {
        (_, Some(AppError::Csrf)) => ("error-csrf-title", "error-csrf-message"),
        (StatusCode::PAYLOAD_TOO_LARGE, _) => ("error-too-large-title", "error-too-large-message"),
        (StatusCode::FORBIDDEN, _) => ("error-forbidden-title", "error-forbidden-message"),
        (StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED, _) => {
            ("error-not-found-title", "error-not-found-message")
        }
        (s, _) if s.is_server_error() => ("error-internal-title", "error-internal-message"),
        _ => ("error-bad-request-title", "error-bad-request-message"),
    };
    if status.is_server_error() {
        tracing::error!(request_id = %ctx.request_id, error = %err, "internal error");
    }
    let status = if status == StatusCode::METHOD_NOT_ALLOWED {
        StatusCode::NOT_FOUND
    } else {
        status
    };
    let page = ErrorPage {
        ctx,
        title_id,
        message_id,
        show_request_id: status.is_server_error(),
    };
    match page.render() {
        Ok(html) => poem::web::Html(html).with_status(status).into_response(),
        Err(e) => {
            tracing::error!(request_id = %ctx.request_id, error = %e, "error page failed to render");
            status.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use poem::{EndpointExt, Request, http::StatusCode};

    use super::{BodyLimit, CatchPanics, client_key, forwarded_client};

    #[test]
    fn the_client_is_the_peer_unless_a_trusted_proxy_forwarded_for_someone() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // No trusted proxy: the header is ignored.
        assert_eq!(
            forwarded_client(ip("203.0.113.9"), &["198.51.100.1"], &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &["198.51.100.1"], &[]),
            ip("10.0.0.5")
        );
        // Through two trusted proxies: the first untrusted from the right.
        assert_eq!(
            forwarded_client(
                ip("10.0.0.5"),
                &["1.1.1.1", " 198.51.100.1", "10.0.0.9"],
                &trusted
            ),
            ip("198.51.100.1")
        );
        // Garbage stops the walk at the last trusted proxy.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &["nonsense"], &trusted),
            ip("10.0.0.5")
        );
        // Nothing forwarded: the proxy itself.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &[], &trusted),
            ip("10.0.0.5")
        );
        // Hops written with ports or brackets.
        for hop in ["198.51.100.1:4711", "[2001:db8::1]", "[2001:db8::1]:443"] {
            assert_ne!(
                forwarded_client(ip("10.0.0.5"), &[hop], &trusted),
                ip("10.0.0.5"),
                "{hop}"
            );
        }
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert_eq!(client_key(ip("203.0.113.9")), "203.0.113.9");
        assert_eq!(
            client_key(ip("2001:db8:1:2:aaaa::1")),
            client_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_eq!(client_key(ip("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_ne!(
            client_key(ip("2001:db8:1:2::1")),
            client_key(ip("2001:db8:1:3::1"))
        );
    }

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
