//! Building the application: settings in, a bound server out.

use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::middleware::ErrorHandlers;
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::api;
use crate::api::middleware::{
    add_cors_headers, add_security_headers, allowed_origin, has_foreign_body, is_preflight,
    preflight, problem_for_bare_errors, RefusalOrCall,
};
use crate::auth::{JwtKeys, LoginThrottle, UserCache};
use crate::bootstrap::{ensure_someone_can_log_in, jwt_secret};
use crate::config::Settings;
use crate::db::{self, DatabaseUrl, Pool};
use crate::domain::time::now;
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::notify;
use crate::state::AppState;
use std::sync::Arc;

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Opens the database (applying migrations), makes sure someone can log in, and binds.
    pub fn build(settings: Settings) -> anyhow::Result<Application> {
        crate::memory::return_large_blocks_to_the_system();
        let url = DatabaseUrl::parse(&settings.database.url).map_err(anyhow::Error::msg)?;
        let data_dir = data_dir(&settings, &url);
        let secret = jwt_secret(&settings, &url, &data_dir)?;
        let pool = db::pool(
            &url,
            settings.database.pool_size,
            settings.database.limits(),
        );
        // An SQLite file is opened now, and a failure is the service's to report. PostgreSQL
        // may be down while the service starts: it is prepared when it comes.
        let prepared = Arc::new(std::sync::atomic::AtomicBool::new(false));
        match prepare_database(&settings, &url)
            .and_then(|()| ensure_someone_can_log_in(&pool, &data_dir))
        {
            Ok(()) => prepared.store(true, std::sync::atomic::Ordering::Release),
            Err(e) if url.is_postgres() => {
                log::warn!("starting without the database, which is not ready: {e:#}");
                prepare_in_background(
                    settings.clone(),
                    url.clone(),
                    pool.clone(),
                    data_dir.clone(),
                    prepared.clone(),
                )
                .context("cannot start the thread that prepares the database")?;
            }
            Err(e) => return Err(e),
        }

        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| {
                format!(
                    "cannot listen on {}:{}",
                    settings.server.host, settings.server.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let workers = match settings.server.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        // Every blocking task holds a pooled connection (`AppState::run`), so the workers
        // together need no more blocking threads than the pool has connections: more would
        // only wait for one, each with its stack and, past a few, its own malloc arena where
        // freed memory stays (actix allows 512 by default; the benchmark's load reached 150).
        let blocking_threads = (settings.database.pool_size as usize)
            .div_ceil(workers)
            .max(1);
        let filings = crate::desk::filing_queue::FilingQueue::start(
            pool.clone(),
            crate::desk::Policy::of(&settings),
            crate::desk::filing_queue::threads_for(&url),
        )
        .context("cannot start the filing threads")?;
        let state = web::Data::new(AppState {
            filings,
            service_levels: Default::default(),
            pool,
            keys: JwtKeys::new(secret.as_bytes(), settings.auth.token_ttl_minutes),
            policy: crate::desk::Policy::of(&settings),
            login_throttle: LoginThrottle::new(settings.auth.login_limits()),
            user_cache: Arc::new(UserCache::new(Duration::from_secs(
                settings.auth.user_cache_seconds,
            ))),
            user_limits: crate::limits::UserLimits::new(
                settings.server.max_concurrent_requests_per_user,
                settings.server.max_waiting_requests_per_user,
            ),
            settings,
            metrics: Arc::new(Metrics::default()),
            alive: Arc::new(()),
            embedded: !url.is_postgres(),
            prepared,
            last_unavailable: Default::default(),
        });
        notify::worker::spawn(
            notify::worker::Workers {
                pool: state.pool.clone(),
                mail: state.settings.mail.clone(),
                policy: state.policy.clone(),
                metrics: state.metrics.clone(),
            },
            Arc::downgrade(&state.alive),
        )
        .context("cannot start the mail worker")?;
        if let DatabaseUrl::Sqlite(_) = url {
            checkpoint_in_background(Arc::downgrade(&state.clone().into_inner()))
                .context("cannot start the checkpoint thread")?;
        }
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(|cfg| api::configure(cfg, &state.settings))
                .configure(crate::web::configure)
                .default_service(web::to(api::route_not_found))
                .wrap_fn(|mut req, srv| -> RefusalOrCall {
                    use actix_web::dev::Service;
                    // HEAD is answered as GET; the connection sends the headers alone (it knows
                    // the request was HEAD whatever the method is now).
                    if req.method() == actix_web::http::Method::HEAD {
                        req.head_mut().method = actix_web::http::Method::GET;
                    }
                    if has_foreign_body(&req) && !crate::web::errors::is_console_path(req.path()) {
                        let response = req.error_response(AppError::UnsupportedMediaType);
                        return Box::pin(async move { Ok(response) });
                    }
                    if let Some(field) =
                        api::json::query_parameter_with_control_character(req.query_string())
                    {
                        let error = api::json::control_character_error(&field);
                        let response = req.error_response(error);
                        return Box::pin(async move { Ok(response) });
                    }
                    let call = srv.call(req);
                    Box::pin(async move { Ok(call.await?.map_into_boxed_body()) })
                })
                .wrap_fn(|req, srv| {
                    use actix_web::dev::Service;
                    // The console's errors are pages, not problem+json.
                    let console = crate::web::errors::is_console_request(&req);
                    let call = srv.call(req);
                    async move {
                        let response = call.await?;
                        Ok(if console {
                            crate::web::errors::page_for_error(response)
                        } else {
                            response
                        })
                    }
                })
                .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
                .wrap_fn(|mut req, srv| {
                    use actix_web::dev::Service;
                    let (body_timeout, write_timeout) = req
                        .app_data::<web::Data<AppState>>()
                        .map_or((20, 30), |state| {
                            let server = &state.settings.server;
                            (server.body_timeout_seconds, server.write_timeout_seconds)
                        });
                    let watch = crate::limits::before(&mut req, Duration::from_secs(body_timeout));
                    let call = srv.call(req);
                    async move {
                        let response = call.await?.map_into_boxed_body();
                        let write_timeout = Duration::from_secs(write_timeout);
                        Ok(crate::limits::after(watch, response, write_timeout))
                    }
                })
                .wrap_fn(|req, srv| -> RefusalOrCall {
                    use actix_web::dev::Service;
                    let origin = allowed_origin(&req);
                    if let Some(origin) = origin.clone().filter(|_| is_preflight(&req)) {
                        let response = preflight(origin);
                        return Box::pin(async move { Ok(req.into_response(response)) });
                    }
                    let call = srv.call(req);
                    Box::pin(async move {
                        let mut response = call.await?.map_into_boxed_body();
                        if let Some(origin) = origin {
                            add_cors_headers(response.headers_mut(), origin);
                        }
                        Ok(response)
                    })
                })
                .wrap_fn(|req, srv| {
                    use actix_web::dev::Service;
                    let path = req.path().to_string();
                    let call = srv.call(req);
                    async move {
                        let mut response = call.await?;
                        add_security_headers(&path, response.headers_mut());
                        Ok(response)
                    }
                })
                .wrap_fn(|req, srv| {
                    use actix_web::dev::Service;
                    let started = Instant::now();
                    let state = req.app_data::<web::Data<AppState>>().cloned();
                    let response = srv.call(req);
                    async move {
                        let response = response.await?;
                        if let Some(state) = state {
                            state.metrics.observe_request(
                                response.status().as_u16(),
                                started.elapsed().as_micros() as u64,
                            );
                        }
                        Ok(response)
                    }
                })
        })
        .on_connect(crate::limits::note_socket)
        .listen(listener)?
        // A client that closes its connection gives up its request: whatever is still waiting
        // for a place or running for it is dropped, not finished for nobody.
        .h1_allow_half_closed(false)
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads);
        Ok(Application {
            port,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// The server, to spawn it and stop it (tests restart the service this way).
    pub fn into_server(self) -> Server {
        self.server
    }
}

pub fn data_dir(settings: &Settings, url: &DatabaseUrl) -> PathBuf {
    settings
        .database
        .data_dir
        .clone()
        .unwrap_or_else(|| url.data_dir())
}

/// How often the write-ahead log of a SQLite file is copied back into it.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Copies the write-ahead log back into the SQLite file from a thread of its own, as long as
/// the application lives: no commit does it (`db::ConnectionManager`), so that no request waits
/// for the copy and its sync to disk (tens of milliseconds, after an import more); run often,
/// the copy is small, and the log starts over (`db::checkpoint`). It takes a free
/// connection; after a second without one it waits for the next.
fn checkpoint_in_background(state: std::sync::Weak<AppState>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("checkpoint".into())
        .spawn(move || {
            let mut missed = 0;
            loop {
                std::thread::sleep(CHECKPOINT_EVERY);
                let Some(state) = state.upgrade() else {
                    return;
                };
                let conn = match state.pool.try_get() {
                    Some(conn) => Some(conn),
                    None if missed >= 4 => state.pool.get().ok(),
                    None => None,
                };
                let Some(mut conn) = conn else {
                    missed += 1;
                    continue;
                };
                missed = 0;
                if let Err(e) = db::checkpoint(&mut conn) {
                    log::debug!("checkpoint: {e}");
                }
            }
        })
        .map(|_| ())
}

/// The pool, once migrations are applied.
pub fn open_database(settings: &Settings, url: &DatabaseUrl) -> anyhow::Result<Pool> {
    prepare_database(settings, url)?;
    Ok(db::pool(
        url,
        settings.database.pool_size,
        settings.database.limits(),
    ))
}

/// Creates the SQLite file's folder, applies the migrations not applied yet and seeds what an
/// empty database needs.
fn prepare_database(settings: &Settings, url: &DatabaseUrl) -> anyhow::Result<()> {
    if let DatabaseUrl::Sqlite(path) = url {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
    }
    // Migrations may rewrite large tables: their statements get more time than a request's.
    let limits = db::Limits {
        statement: Duration::from_secs(3600),
        ..settings.database.limits()
    };
    let mut conn = db::ConnectionManager::new(url.clone())
        .with_limits(limits)
        .connect_once()
        .with_context(|| {
            format!(
                "cannot open the database {}",
                redact(&settings.database.url)
            )
        })?;
    db::use_wal(&mut conn).context("cannot switch the database to WAL")?;
    let applied = db::migrate(&mut conn).map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    for name in applied {
        log::info!("applied migration {name}");
    }
    let seeded = db::categories::seed_default_tree(&mut conn, now())?;
    if seeded > 0 {
        log::info!("created the default category tree ({seeded} categories)");
    }
    drop(conn);
    Ok(())
}

/// Prepares a PostgreSQL database from a thread of its own, every `PREPARE_RETRY` until it
/// succeeds: a service started while its server is down answers 503 and says it is not ready
/// until then, instead of refusing to start.
fn prepare_in_background(
    settings: Settings,
    url: DatabaseUrl,
    pool: Pool,
    data_dir: PathBuf,
    prepared: Arc<std::sync::atomic::AtomicBool>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("prepare-database".into())
        .spawn(move || loop {
            std::thread::sleep(PREPARE_RETRY);
            if Arc::strong_count(&prepared) == 1 {
                return; // the application is gone
            }
            match prepare_database(&settings, &url)
                .and_then(|()| ensure_someone_can_log_in(&pool, &data_dir))
            {
                Ok(()) => {
                    log::info!("the database is reachable and prepared: serving");
                    prepared.store(true, std::sync::atomic::Ordering::Release);
                    return;
                }
                Err(e) => log::warn!("the database is not ready yet: {e:#}"),
            }
        })
        .map(|_| ())
}

/// How often a service started without its database tries to reach it again.
const PREPARE_RETRY: Duration = Duration::from_secs(1);

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
