//! `aftercare serve`: the web server until a signal.

use crate::{app::Application, clock::Clock, config::Config};

use super::*;

pub(super) async fn serve(config: Config) -> Outcome {
    let base_url = config.base_url.clone();
    // Held while serving, so that `restore` refuses to swap the database under us.
    let _serving = match crate::backup::hold_while_serving(&config) {
        Ok(f) => f,
        Err(e) => return Outcome::Failed(format!("{e:#}")),
    };
    let app = match Application::build(config, Clock::system()).await {
        Ok(app) => app,
        Err(e) => return Outcome::Failed(format!("cannot start: {e:#}")),
    };
    // The setup link comes first: whoever waits for "listening on" has it already.
    if let Some(token) = app.setup_token() {
        tracing::warn!(
            "no account exists yet: create the first administrator at {base_url}/setup?token={token}"
        );
    }
    tracing::info!(address = %app.local_addr(), "listening on http://{}", app.local_addr());
    match app.run_until(shutdown_signal()).await {
        Ok(()) => Outcome::Success,
        Err(e) => Outcome::Failed(format!("server stopped: {e:#}")),
    }
}

pub(super) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
