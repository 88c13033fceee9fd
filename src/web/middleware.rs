//! Request middleware: request ids and the access log line, and the page context (signed-in
//! user, language, CSRF enforcement, flashes, error pages).
pub use super::limits::{BodyLimit, CatchPanics, SecurityHeaders};
use super::{
    client::client_address,
    csrf::{csrf_binding, csrf_is_valid},
};
use std::{sync::Arc, time::Instant};

use askama::Template;
use poem::{
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{Method, StatusCode, header},
    session::Session,
    web::CsrfToken,
};
use tracing::Instrument;

use crate::{
    app::state::AppState,
    auth::session_store::{SESSION_ACCOUNT, SESSION_USER},
    error::AppError,
    i18n::Lang,
    web::context::{
        Ctx, CurrentUser, Flash, SESSION_CSRF_NONCE, SESSION_EPOCH, SESSION_FLASH, SESSION_LANG,
    },
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
        // The path only: query strings can carry tokens, and so does a personal link's path.
        let path = match req.uri().path() {
            p if p.starts_with("/y/") => "/y/…".to_string(),
            p => p.to_string(),
        };
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
            let seconds = started.elapsed().as_secs_f64();
            crate::monitoring::record_request(&path, resp.status().as_u16(), seconds);
            tracing::info!(
                %method,
                %path,
                status = resp.status().as_u16(),
                latency_ms = seconds * 1000.0,
                "request"
            );
            Ok(resp)
        }
        .instrument(span)
        .await
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
                    user_agent: String::new(),
                };
                Ok(error_page(&ctx, &e))
            }
        }
    }
}

fn browser_language(req: &Request) -> Lang {
    crate::i18n::negotiate(
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

        // The session store read the account with the session, in the same statement.
        let user = match session.get::<i32>(SESSION_USER) {
            Some(id) => match session.get::<CurrentUser>(SESSION_ACCOUNT) {
                Some(u)
                    if u.id == id && session.get::<i32>(SESSION_EPOCH) == Some(u.session_epoch) =>
                {
                    Some(u)
                }
                _ => {
                    // Deactivated, removed, or its sessions were ended (new password or
                    // role): this session ends now.
                    session.purge();
                    None
                }
            },
            None => None,
        };
        let path = req.uri().path().to_string();
        let youth_path = crate::youth::session::is_youth_path(&path);
        let lang = match &user {
            Some(u) => u.language,
            None => session
                .get::<String>(SESSION_LANG)
                .and_then(|l| Lang::parse(&l))
                // A young person's pages speak Japanese unless they switch (DESIGN 2.9).
                .unwrap_or_else(|| {
                    if youth_path && path != "/logout" && path != "/language" {
                        Lang::Ja
                    } else {
                        browser_language(&req)
                    }
                }),
        };
        // A browser holding a young person's session sees only their pages: every staff path
        // answers as if it did not exist.
        let youth_only = user.is_none() && !youth_path && crate::youth::session::has_cookie(&req);
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
            user_agent: req
                .headers()
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(300).collect())
                .unwrap_or_default(),
        });

        // A role that must use a second factor, not yet enrolled: nothing but enrolling (and
        // signing out) until it is done.
        if let Some(u) = &ctx.user
            && !u.mfa_enrolled
            && crate::auth::mfa::required(u.role, &self.state.config.mfa_required_roles)
            && !matches!(path.as_str(), "/account/mfa" | "/logout" | "/language")
        {
            return Ok(super::render::see_other("/account/mfa"));
        }
        // A cookie of an ended session does not keep the browser out of the staff pages:
        // it is removed, and the page is served.
        let mut clear_youth_cookie = false;
        if youth_only {
            let live = match crate::youth::session::cookie_value(&req) {
                Some(id) => crate::youth::links::session_person(&self.state.db, ctx.now(), &id)
                    .await
                    .map_err(AppError::from)?
                    .is_some(),
                None => false,
            };
            if live {
                return Ok(error_page(&ctx, &AppError::NotFound.into()));
            }
            clear_youth_cookie = true;
        }
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
        let mut resp = match self.inner.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => error_page(&ctx, &e),
        };
        if clear_youth_cookie {
            let cookie = crate::youth::session::clear_cookie(self.state.config.cookie_secure);
            if let Ok(v) = cookie.parse() {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        Ok(resp)
    }
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
        return super::render::see_other(&target);
    }
    if let Some(AppError::LinkEnded) = app_err {
        let mut resp = super::render::see_other("/me/link?ended=1");
        let cookie = crate::youth::session::clear_cookie(ctx.app.config.cookie_secure);
        if let Ok(v) = cookie.parse() {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
        return resp;
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
