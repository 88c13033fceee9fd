//! `GET /metrics`: the figures read when scraped (the outbox, the database pool), then every
//! series in Prometheus text.
use std::sync::Arc;

use poem::{IntoResponse, Request, Response, handler, http::StatusCode, web::Data};

use crate::app::state::AppState;

/// Figures read when scraped: the outbox and the database pool.
async fn refresh(state: &AppState) -> Result<(), sea_orm::DbErr> {
    use entity::outbox;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
    for status in outbox::Status::ALL {
        let count = outbox::Entity::find()
            .filter(outbox::Column::Status.eq(status))
            .count(&state.db)
            .await?;
        metrics::gauge!("aftercare_outbox_emails", "status" => status.as_str()).set(count as f64);
    }
    let oldest = outbox::Entity::find()
        .filter(outbox::Column::Status.is_in([outbox::Status::Pending, outbox::Status::Sending]))
        .order_by_asc(outbox::Column::CreatedAt)
        .one(&state.db)
        .await?;
    let age = oldest
        .map(|e| (state.clock.now() - e.created_at).num_seconds().max(0))
        .unwrap_or(0);
    metrics::gauge!("aftercare_outbox_oldest_waiting_seconds").set(age as f64);
    let (size, idle) = if state.config.is_sqlite() {
        let pool = state.db.get_sqlite_connection_pool();
        (pool.size(), pool.num_idle())
    } else {
        let pool = state.db.get_postgres_connection_pool();
        (pool.size(), pool.num_idle())
    };
    metrics::gauge!("aftercare_db_pool_connections", "state" => "open").set(f64::from(size));
    metrics::gauge!("aftercare_db_pool_connections", "state" => "idle").set(idle as f64);
    Ok(())
}

/// `GET /metrics`: with the bearer token of `AFTERCARE_METRICS_TOKEN`; without the setting,
/// not found.
#[handler]
pub async fn scrape(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let Some(token) = state.config.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = req
        .headers()
        .get(poem::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !crate::auth::tokens::same_secret(given, token) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if let Err(e) = refresh(state).await {
        tracing::warn!(error = %e, "metrics: the database did not answer");
    }
    super::handle()
        .render()
        .with_content_type("text/plain; version=0.0.4")
        .into_response()
}
