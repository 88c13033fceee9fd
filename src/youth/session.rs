//! The young person's session: its own cookie, separate from staff sessions, holding the id of
//! a session row that names one person. [`Me`] is what every `/me` page asks for; without a
//! live session the visitor is sent to "send me a new link".
use poem::{FromRequest, Request, RequestBody};

use crate::{error::AppError, web::context::Ctx};

/// The cookie of a young person's session.
pub const COOKIE: &str = "aftercare_me";

/// The session id in the request's cookie, if any.
pub fn cookie_value(req: &Request) -> Option<String> {
    crate::web::client::cookie(req, COOKIE)
}

/// Whether the request carries a young person's session cookie: staff paths answer 404 to it.
pub fn has_cookie(req: &Request) -> bool {
    cookie_value(req).is_some()
}

/// The paths a young person's browser may use: their own pages, opening a link, signing
/// out and the language switch.
pub fn is_youth_path(path: &str) -> bool {
    path == "/me"
        || path.starts_with("/me/")
        || path.starts_with("/y/")
        || path == "/logout"
        || path == "/language"
}

/// The `Set-Cookie` value that starts a session.
pub fn set_cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The person whose session this request belongs to.
#[derive(Clone, Copy, Debug)]
pub struct Me {
    pub leaver_id: i32,
}

impl<'a> FromRequest<'a> for Me {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let ctx = <&Ctx>::from_request(req, body).await?;
        let person = match cookie_value(req) {
            Some(id) => super::links::session_person(&ctx.app.db, ctx.now(), &id)
                .await
                .map_err(AppError::from)?,
            None => None,
        };
        person
            .map(|leaver_id| Me { leaver_id })
            .ok_or_else(|| AppError::LinkEnded.into())
    }
}
