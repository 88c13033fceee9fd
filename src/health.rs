//! `GET /healthz`: 200 when the database answers, 503 when it does not.
use std::sync::Arc;

use poem::{IntoResponse, Response, handler, http::StatusCode, web::Data};
use sea_orm::ConnectionTrait;

use crate::AppState;

#[handler]
pub async fn healthz(state: Data<&Arc<AppState>>) -> Response {
    let ping = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        state.db.execute_unprepared("SELECT 1"),
    )
    .await;
    match ping {
        Ok(Ok(_)) => "ok".into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: database error");
            "database unavailable"
                .with_status(StatusCode::SERVICE_UNAVAILABLE)
                .into_response()
        }
        Err(_) => {
            tracing::warn!("health check: database timed out");
            "database unavailable"
                .with_status(StatusCode::SERVICE_UNAVAILABLE)
                .into_response()
        }
    }
}
