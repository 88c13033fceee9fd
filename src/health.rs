//! `GET /healthz`: 200 while the database answers and accepts writes, 503 while it does not,
//! so that a load balancer takes the instance out of service during a storage fault.
use std::sync::Arc;

use poem::{IntoResponse, Response, handler, http::StatusCode, web::Data};
use sea_orm::{ConnectionTrait, DbErr};

use crate::{app::state::AppState, db};

/// A write that proves the store accepts writes: one row, updated and committed.
async fn probe(state: &AppState) -> Result<(), DbErr> {
    let txn = db::begin_write(&state.db).await?;
    let stamp = state.clock.now().timestamp_millis();
    txn.execute_raw(db::statement(
        state.db.get_database_backend(),
        "UPDATE health_checks SET checked_at = ? WHERE id = 1",
        vec![stamp.into()],
    ))
    .await?;
    txn.commit().await
}

#[handler]
pub async fn healthz(state: Data<&Arc<AppState>>) -> Response {
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(5), probe(&state)).await;
    let problem = match outcome {
        // A small write can succeed in space the file already has while larger ones fail:
        // the page views' writer tells of those.
        Ok(Ok(()))
            if state
                .read_audit
                .failed_within(std::time::Duration::from_secs(5)) =>
        {
            Some("the latest page views could not be stored".to_string())
        }
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("timed out".to_string()),
    };
    match problem {
        None => "ok".into_response(),
        Some(why) => {
            tracing::warn!(problem = %why, "health check: database unavailable");
            "database unavailable"
                .with_status(StatusCode::SERVICE_UNAVAILABLE)
                .into_response()
        }
    }
}
