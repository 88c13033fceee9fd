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
    use entity::webhook_deliveries as hooks;
    for status in outbox::Status::ALL {
        let count = hooks::Entity::find()
            .filter(hooks::Column::Status.eq(status))
            .count(&state.db)
            .await?;
        metrics::gauge!("aftercare_webhook_deliveries", "status" => status.as_str())
            .set(count as f64);
    }
    let oldest = hooks::Entity::find()
        .filter(hooks::Column::Status.is_in([outbox::Status::Pending, outbox::Status::Sending]))
        .order_by_asc(hooks::Column::CreatedAt)
        .one(&state.db)
        .await?;
    let age = oldest
        .map(|d| (state.clock.now() - d.created_at).num_seconds().max(0))
        .unwrap_or(0);
    metrics::gauge!("aftercare_webhook_oldest_waiting_seconds").set(age as f64);
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

/// `GET /metrics` on the main address: with the bearer token of `AFTERCARE_METRICS_TOKEN`;
/// without the setting, or when the metrics have their own address, not found.
#[handler]
pub async fn scrape(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let Some(token) = state.config.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if state.config.metrics_listen.is_some() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let given = req
        .headers()
        .get(poem::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !crate::auth::tokens::same_secret(given, token) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    render(state).await
}

/// `GET /metrics` on `AFTERCARE_METRICS_LISTEN`: that address is reachable only by whom the
/// network lets in (the monitoring), so no token is asked.
#[handler]
pub async fn scrape_open(Data(state): Data<&Arc<AppState>>) -> Response {
    render(state).await
}

async fn render(state: &AppState) -> Response {
    if let Err(e) = refresh(state).await {
        tracing::warn!(error = %e, "metrics: the database did not answer");
    }
    super::handle()
        .render()
        .with_content_type("text/plain; version=0.0.4")
        .into_response()
}

/// Serves `/metrics` alone on `addr` until the task is stopped.
pub async fn serve_separately(state: Arc<AppState>, addr: std::net::SocketAddr) {
    use poem::EndpointExt;
    let app = poem::Route::new()
        .at("/metrics", poem::get(scrape_open))
        .data(state);
    if let Err(e) = poem::Server::new(poem::listener::TcpListener::bind(addr.to_string()))
        .run(app)
        .await
    {
        tracing::error!(error = %e, %addr, "cannot serve the metrics");
    }
}
