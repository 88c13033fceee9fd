//! Role guards, put on each group of routes where it is mounted.
use std::sync::Arc;

use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use crate::{error::AppError, roles::Role, web::context::Ctx};

pub const ANY_ROLE: &[Role] = &[Role::Coordinator, Role::Finance, Role::Admin];
pub const ADMIN: &[Role] = &[Role::Admin];
pub const FINANCE: &[Role] = &[Role::Finance];
/// Roles that keep the register (finance only reads identity and the support window).
pub const KEEPERS: &[Role] = &[Role::Coordinator, Role::Admin];

/// Lets through signed-in users with one of `roles`; others get a 403 page, and visitors who
/// are not signed in are sent to the sign-in page.
pub fn require(roles: &'static [Role]) -> RequireRole {
    RequireRole(roles)
}

pub struct RequireRole(&'static [Role]);

impl<E: Endpoint> Middleware<E> for RequireRole {
    type Output = RequireRoleEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequireRoleEndpoint {
            inner,
            roles: self.0,
        }
    }
}

pub struct RequireRoleEndpoint<E> {
    inner: E,
    roles: &'static [Role],
}

impl<E: Endpoint> Endpoint for RequireRoleEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let role = req
            .extensions()
            .get::<Arc<Ctx>>()
            .and_then(|c| c.user.as_ref().map(|u| u.role));
        match role {
            None => Err(AppError::Unauthenticated.into()),
            Some(r) if !self.roles.contains(&r) => Err(AppError::Forbidden.into()),
            Some(_) => Ok(self.inner.call(req).await?.into_response()),
        }
    }
}
