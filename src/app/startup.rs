//! The boot: connecting, binding, the middleware around the features, serving, and the
//! background tasks of a running server.
use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use poem::{
    EndpointExt, IntoEndpoint, Route, Server, get,
    listener::{Acceptor, Listener, TcpListener},
    middleware::Csrf,
    session::{CookieConfig, ServerSession},
    web::cookie::SameSite,
};
use sea_orm::DatabaseConnection;

use crate::{
    account, allowances, app::state::AppState, audit, auth, budget, clock::Clock, config::Config,
    consultations, dashboard, db, disclosure, extensions, health, i18n::Catalogs, leavers, mail,
    payments, plans, reminders, reports, retention, users, web, youth,
};

/// The single place the features are mounted; each mounts all of its paths with the roles
/// that may use them (see the feature's `mount`).
pub fn build_app(state: Arc<AppState>, csrf_key: [u8; 32]) -> impl poem::Endpoint {
    let features: [fn(Route) -> Route; 19] = [
        auth::mount,
        dashboard::mount,
        account::mount,
        leavers::mount,
        consultations::mount,
        allowances::mount,
        payments::mount,
        budget::mount,
        extensions::mount,
        plans::mount,
        reports::mount,
        users::mount,
        audit::mount,
        retention::mount,
        disclosure::mount,
        reminders::mount,
        youth::mount,
        crate::api::mount,
        crate::webhooks::mount,
    ];
    let pages = features
        .into_iter()
        .fold(Route::new(), |route, mount| mount(route))
        .with(web::middleware::Context {
            state: state.clone(),
            csrf_key,
        })
        .with(
            Csrf::new()
                .key(csrf_key)
                .cookie_name("aftercare_csrf")
                .secure(state.config.cookie_secure)
                // Lax: arriving from a link elsewhere must not replace the cookie that forms
                // open in other tabs depend on.
                .same_site(SameSite::Lax)
                .ttl(Duration::from_secs(12 * 3600)),
        )
        .with(ServerSession::new(
            CookieConfig::default()
                .name("aftercare_session")
                .secure(state.config.cookie_secure)
                .http_only(true)
                .same_site(SameSite::Lax)
                .path("/"),
            state.session_store(),
        ));

    // The health check and the static files: no session, no page context.
    Route::new()
        .at("/healthz", get(health::healthz).data(state.clone()))
        .at(
            "/metrics",
            get(crate::monitoring::scrape::scrape).data(state.clone()),
        )
        .at("/static/:file", get(web::assets::serve))
        .nest(crate::api::spec::BASE, crate::api::endpoint(state.clone()))
        .nest("/", pages)
        .with(web::middleware::CatchPanics)
        .with(web::middleware::BodyLimit)
        // An error raised outside a page (a body too large, a panic, the session store
        // failing) still gets the error page.
        .with(web::middleware::CatchErrors {
            state: state.clone(),
        })
        .with(web::middleware::RequestLog)
        .with(web::middleware::SecurityHeaders)
        .into_endpoint()
}

/// A built, bound application, ready to serve (zero2prod's `Application`).
pub struct Application {
    acceptor: poem::listener::TcpAcceptor,
    addr: SocketAddr,
    state: Arc<AppState>,
    csrf_key: [u8; 32],
    setup_token: Option<String>,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listening socket
    /// (port 0 picks a free port).
    pub async fn build(config: Config, clock: Clock) -> anyhow::Result<Self> {
        let db = db::connect_and_migrate(&config).await?;
        Self::build_with_db(config, clock, db).await
    }

    pub async fn build_with_db(
        config: Config,
        clock: Clock,
        db: DatabaseConnection,
    ) -> anyhow::Result<Self> {
        let now = clock.now();
        let csrf_key = auth::secrets::csrf_key(&db, now).await?;
        let setup_token = auth::setup::prepare_token(&db, now).await?;
        let recomputed = leavers::windows::refresh_windows(&db, &config.window_rules, now).await?;
        if recomputed > 0 {
            tracing::info!(
                records = recomputed,
                "support windows recomputed for new settings"
            );
        }
        let acceptor = TcpListener::bind(config.listen.to_string())
            .into_acceptor()
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .ok_or_else(|| anyhow::anyhow!("listening socket has no address"))?;
        let mailer = mail::Mailer::from_config(&config)?;
        crate::monitoring::handle();
        let read_audit = audit::reads::ReadAudit::start(db.clone(), clock.clone());
        audit::index::start(db.clone(), clock.clone());
        let secrets =
            auth::secret_box::SecretBox::load(config.secret_key.as_deref(), &config.data_dir)?;
        auth::secret_box::check_key(&db, &secrets, now).await?;
        let state = Arc::new(AppState {
            read_audit,
            mailer,
            secrets,
            config,
            db,
            clock,
            catalogs: Catalogs::load()?,
        });
        Ok(Application {
            acceptor,
            addr,
            state,
            csrf_key,
            setup_token,
        })
    }

    /// The application's state without a listening socket or setup token: for the command
    /// line's `remind` and `report`.
    pub async fn open(config: Config, clock: Clock) -> anyhow::Result<Arc<AppState>> {
        let db = db::connect_and_migrate(&config).await?;
        leavers::windows::refresh_windows(&db, &config.window_rules, clock.now()).await?;
        let mailer = mail::Mailer::from_config(&config)?;
        let read_audit = audit::reads::ReadAudit::start(db.clone(), clock.clone());
        let secrets =
            auth::secret_box::SecretBox::load(config.secret_key.as_deref(), &config.data_dir)?;
        Ok(Arc::new(AppState {
            read_audit,
            mailer,
            secrets,
            config,
            db,
            clock,
            catalogs: Catalogs::load()?,
        }))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The one-time token of `/setup`, while no account exists.
    pub fn setup_token(&self) -> Option<&str> {
        self.setup_token.as_deref()
    }

    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then lets open requests finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let sweeper = tokio::spawn(sweep_sessions(self.state.clone()));
        let scheduler = self
            .state
            .config
            .scheduler
            .then(|| tokio::spawn(crate::jobs::scheduler::run(self.state.clone())));
        // Webhooks are posted by the instances that run the scheduled jobs.
        let webhooks = self
            .state
            .config
            .scheduler
            .then(|| tokio::spawn(crate::webhooks::delivery::run(self.state.clone())));
        let metrics = self.state.config.metrics_listen.map(|addr| {
            tokio::spawn(crate::monitoring::scrape::serve_separately(
                self.state.clone(),
                addr,
            ))
        });
        let app = build_app(self.state.clone(), self.csrf_key);
        let result = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app, shutdown, Some(Duration::from_secs(10)))
            .await;
        sweeper.abort();
        for task in [webhooks, metrics].into_iter().flatten() {
            task.abort();
        }
        if let Some(s) = scheduler {
            s.abort();
        }
        Ok(result?)
    }
}

/// Every ten minutes, deletes expired sessions and sign-in failures too old to matter.
async fn sweep_sessions(state: Arc<AppState>) {
    let store = state.session_store();
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match store.delete_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(sessions = n, "expired sessions deleted"),
            Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
        }
        let horizon = state.clock.now() - state.lockout_policy().lookback();
        if let Err(e) = auth::failures::forget_failures_before(&state.db, horizon).await {
            tracing::warn!(error = %e, "could not delete old sign-in failures");
        }
        if let Err(e) = youth::links::sweep(&state.db, state.clock.now()).await {
            tracing::warn!(error = %e, "could not delete ended personal-link sessions");
        }
    }
}
