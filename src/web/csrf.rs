//! CSRF tokens: poem's cookie check, and a binding to the session so that a token outlives
//! neither its session nor a sign-in.
use poem::{Request, session::Session, web::CsrfVerifier};

use super::{
    context::SESSION_CSRF_NONCE,
    limits::{MAX_FORM_BYTES, is_multipart},
};

/// The part of a CSRF token that binds it to this session (its nonce, or none before sign-in).
pub(crate) fn csrf_binding(key: &[u8; 32], session: &Session) -> String {
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

/// Checks the `csrf_token` form field (or the `X-CSRF-Token` header) against the CSRF cookie,
/// leaving the body in place for the handler. (The body's size was checked by [`super::limits::BodyLimit`].)
pub(crate) async fn csrf_is_valid(
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
