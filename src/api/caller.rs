//! Who calls the JSON API: a bearer token checked on every call (live, not revoked, not
//! expired), with the scopes it was given. Every call is recorded like a page view, with the
//! token as its actor.
use std::sync::Arc;

use entity::api_tokens;
use poem::Request;
use poem_openapi::{SecurityScheme, auth::Bearer};

use crate::{
    api::{
        problem::Problem,
        tokens::{self, Scope},
    },
    app::state::AppState,
};

/// A caller whose token was accepted.
pub struct Caller {
    pub token: api_tokens::Model,
    pub scopes: Vec<Scope>,
    pub state: Arc<AppState>,
}

/// An API token: `Authorization: Bearer aftercare_…`, issued at `/admin/api-tokens`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check")]
pub struct Token(pub Caller);

async fn check(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    let state = req
        .data::<Arc<AppState>>()
        .cloned()
        .ok_or_else(|| poem::Error::from(Problem::internal()))?;
    let now = state.clock.now();
    let token = tokens::authenticate(&state.db, now, bearer.token.trim())
        .await
        .map_err(|e| poem::Error::from(Problem::from(e)))?
        .ok_or_else(|| poem::Error::from(Problem::unauthorized()))?;
    if let Err(e) = tokens::touch(&state.db, now, &token).await {
        tracing::warn!(error = %e, "could not note an API token's last use");
    }
    Ok(Caller {
        scopes: tokens::scopes_of(&token),
        token,
        state,
    })
}

impl Caller {
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Refuses the call unless the token has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if self.has(scope) {
            Ok(())
        } else {
            Err(Problem::forbidden(scope.as_str()))
        }
    }

    /// Records the call (`what`: its method and path) and the people whose data it returns,
    /// before the answer is sent.
    pub async fn record(&self, what: &str, leaver_ids: Vec<i32>) -> Result<(), Problem> {
        self.state
            .read_audit
            .record_call(self.token.id, leaver_ids, what)
            .await
            .map_err(Problem::from)
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.state.clock.now()
    }
}
