//! Building the application: database, migrations, router, listener. Tests call the same functions.
use crate::config::Config;
use crate::{
    admin_routes, attachment_routes, export_routes, import_routes, middleware as mw, report_routes,
    routes, security_headers, telemetry,
};
use anyhow::Context as _;
use app::app::{App, shell};
use app::server::attachments;
use app::server::{context::AppContext, use_case::Clock};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::DefaultBodyLimit;
use axum::extract::FromRef;
use axum::http::Method;
use axum::http::Request;
use axum::routing::{MethodRouter, get, post};
use hyper::body::Incoming;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use metrics_exporter_prometheus::PrometheusHandle;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub metrics: PrometheusHandle,
    /// Sign-in attempts per client address and per username; token attempts per client address.
    pub limits: crate::rate_limit::AuthLimiters,
}

impl AppState {
    /// What pages and server functions take from the server (see [`AppContext`]).
    pub fn context(&self) -> AppContext {
        AppContext {
            db: self.db.clone(),
            clock: self.clock.clone(),
            attachments_dir: self.config.attachments_dir.clone(),
            secure_cookies: self.config.secure_cookies,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// Connects and brings the schema up to date.
pub async fn connect_and_migrate(url: &str) -> anyhow::Result<DatabaseConnection> {
    let db = app::server::db::connect(url).await?;
    Migrator::up(&db, None)
        .await
        .context("running migrations")?;
    Ok(db)
}

/// Brings the schema up to date over the owner's connection (`MIGRATION_DATABASE_URL`), then
/// connects as the application (`DATABASE_URL`); one connection when they are the same.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let owner = config.owner_database_url();
    if owner == config.database_url {
        return connect_and_migrate(owner).await;
    }
    let migrated = connect_and_migrate(owner)
        .await
        .context("migrating over MIGRATION_DATABASE_URL")?;
    migrated.close().await.ok();
    app::server::db::connect(&config.database_url)
        .await
        .context("connecting to DATABASE_URL")
}

/// Installs `AUDIT_HMAC_KEY` and makes sure the chain ends in an event keyed with it (see
/// [`app::server::audit::key_chain`]). Refuses when the newest event does not verify with the key:
/// a server started with the wrong key would write a trail nobody could verify.
pub async fn key_audit_chain(
    config: &Config,
    db: &DatabaseConnection,
    clock: &Clock,
) -> anyhow::Result<()> {
    use app::server::audit::{self, Keying};
    audit::install_key(&config.audit_key)?;
    match audit::key_chain(db, clock.now()).await? {
        Keying::Empty | Keying::Keyed => {}
        Keying::KeyedNow { event_id } => tracing::info!(
            event_id,
            "the audit chain is keyed from here on (audit.keyed); earlier events keep their \
             unkeyed hashes"
        ),
        Keying::Mismatch { event_id } => anyhow::bail!(
            "the newest audit event ({event_id}) does not verify with AUDIT_HMAC_KEY: it is not the \
             key the trail was written with, or the event was changed (run `server verify-audit`)"
        ),
    }
    Ok(())
}

mod router;
pub use router::{http_routes, route_table, router};

/// A built application bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    /// How long a connection may take to send a request's head.
    header_read_timeout: Duration,
    /// The reminder scheduler, stopped with the server (also when the serving future is dropped).
    scheduler: Option<AbortOnDrop>,
    /// The outbox worker, likewise.
    mailer: Option<AbortOnDrop>,
}

/// Aborts a background task when its owner goes away.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Application {
    pub async fn build(config: Config, clock: Clock) -> anyhow::Result<Self> {
        let db = connect(&config).await?;
        key_audit_chain(&config, &db, &clock).await?;
        Self::build_with_db(config, db, clock).await
    }

    pub async fn build_with_db(
        config: Config,
        db: DatabaseConnection,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        // One process writes its audit events under one key.
        app::server::audit::install_key(&config.audit_key)?;
        let listener = TcpListener::bind(config.site_addr)
            .await
            .with_context(|| format!("binding {}", config.site_addr))?;
        let scheduler = config.reminder_tick.map(|tick| {
            AbortOnDrop(app::server::reminders::spawn(
                db.clone(),
                clock.clone(),
                tick,
            ))
        });
        let mailer = match config.mail.poll {
            Some(poll) => {
                let worker = crate::mail::Worker::new(db.clone(), Arc::new(config.mail.clone()))?;
                Some(AbortOnDrop(worker.spawn(poll)))
            }
            None => None,
        };
        let limits = crate::rate_limit::AuthLimiters::new(config.auth_rate, config.auth_user_rate);
        let header_read_timeout = config.header_read_timeout;
        let state = AppState {
            leptos: config.leptos.clone(),
            db,
            config: Arc::new(config),
            clock,
            metrics: telemetry::metrics(),
            limits,
        };
        Ok(Application {
            listener,
            router: router(state),
            header_read_timeout,
            scheduler,
            mailer,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let served = serve(
            self.listener,
            self.router,
            self.header_read_timeout,
            shutdown_signal(),
        )
        .await;
        drop(self.scheduler);
        drop(self.mailer);
        served
    }
}

/// Accepts connections and serves HTTP/1.1 on them until `shutdown` completes, then stops
/// accepting and waits for the requests in flight (idle connections are closed). This is
/// `axum::serve` with what it does not offer: a limit on the time a client may take to send a
/// request's head, so that a client trickling header bytes (slow loris) cannot hold connections
/// open (OWASP ASVS 5.0 15.2.2). The same limit closes idle keep-alive connections. Each request
/// carries its peer as `ConnectInfo<SocketAddr>`, as with `axum::serve`.
async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin (as axum::serve does).
                    tracing::error!(%error, "accepting a connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                // A client that went away or was too slow: nothing to do but note it.
                tracing::debug!(%error, %peer, "connection ended");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
