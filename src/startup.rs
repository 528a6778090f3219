//! Building the application: settings in, a bound server out.

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServiceResponse};
use actix_web::http::header;
use actix_web::http::header::{HeaderMap, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::api;
use crate::auth::{password, JwtKeys, LoginThrottle, UserCache};
use crate::config::Settings;
use crate::db::filing_queue::NotQueued;
use crate::db::tickets::{Filed, IdempotencyKey, Policy, TicketDraft};
use crate::db::{self, DatabaseUrl, DbConn, Pool};
use crate::domain::time::now;
use crate::domain::user::{Actor, Role};
use crate::error::{AppError, Problem, PROBLEM_JSON};
use crate::metrics::Metrics;
use crate::notify;
use std::sync::Arc;

/// What every handler shares.
pub struct AppState {
    pub pool: Pool,
    pub keys: JwtKeys,
    pub settings: Settings,
    pub metrics: Metrics,
    pub policy: Policy,
    /// Failed log-ins per account and per address, in this process.
    pub login_throttle: LoginThrottle,
    /// Callers' rights, remembered for `auth.user_cache_seconds`; whatever changes a user in
    /// this process must `forget` them once the change commits.
    pub user_cache: Arc<UserCache>,
    /// The database is an SQLite file opened by this process.
    pub embedded: bool,
    /// The queue whose thread commits concurrent filings together.
    pub filings: db::filing_queue::FilingQueue,
    /// Service levels already computed, by the revisions of the rows they come from.
    pub service_levels: crate::stats::service_levels::Cache,
    /// The database has been reached, migrated and seeded; until then every request that
    /// needs it answers 503 (see `prepare_in_background`).
    pub prepared: Arc<std::sync::atomic::AtomicBool>,
    /// When database work last answered 503 (a full disk, a read-only database, a server
    /// gone): `/ready` says not ready for `NOT_READY_AFTER_FAILURE` after it.
    pub last_unavailable: std::sync::Mutex<Option<Instant>>,
    /// The places of each user's requests (`server.max_concurrent_requests_per_user`).
    pub user_limits: Arc<crate::limits::UserLimits>,
}

/// How long `/ready` says not ready after database work answered 503.
pub const NOT_READY_AFTER_FAILURE: Duration = Duration::from_secs(5);

impl AppState {
    /// Runs database work on the blocking thread pool with a pooled connection, and answers
    /// 503 when it has not finished within `database.work_deadline()`: a database that takes
    /// connections and statements but never answers (a frozen server) holds that work's
    /// thread, not the request. The work itself goes on, and may still commit once the
    /// database answers again: 503 says the outcome is unknown.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.run_within(Some(self.settings.database.work_deadline()), work)
            .await
    }

    /// `run` without its deadline, for work that takes long by nature (an import of thousands
    /// of tickets), where a 503 before a later commit would make the client do it twice. Each
    /// of its statements still has `database.statement_timeout_seconds`.
    pub async fn run_unbounded<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.run_within(None, work).await
    }

    async fn run_within<T, F>(&self, deadline: Option<Duration>, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.check_prepared()?;
        let pool = self.pool.clone();
        let task = web::block(move || {
            let mut conn = pool.get()?;
            let result = work(&mut conn);
            if let Err(AppError::Unavailable(_)) = result {
                conn.mark_broken();
            }
            result
        });
        let done = match deadline {
            Some(deadline) => tokio::time::timeout(deadline, task)
                .await
                .map_err(|_| unanswered(deadline))?,
            None => task.await,
        };
        let result = done.map_err(AppError::internal)?;
        self.note(result)
    }

    /// Remembers when database work answered 503, for `/ready`.
    pub fn note<T>(&self, result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(AppError::Unavailable(_)) = &result {
            *self
                .last_unavailable
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        }
        result
    }

    /// Database work answered 503 a moment ago.
    pub fn failed_recently(&self) -> bool {
        self.last_unavailable
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|at| at.elapsed() < NOT_READY_AFTER_FAILURE)
    }

    /// Files a ticket with the next group of the filing queue; on PostgreSQL, one with an
    /// `Idempotency-Key` in a transaction of its own (see `db::filing_queue`).
    pub async fn file_ticket(
        state: &web::Data<Self>,
        draft: TicketDraft,
        actor: Actor,
        key: Option<IdempotencyKey>,
    ) -> Result<Filed, AppError> {
        state.check_prepared()?;
        let alone = if key.is_some() && state.is_postgres() {
            NotQueued { draft, actor, key }
        } else {
            match state.filings.submit(draft, actor, key) {
                Ok(answer) => {
                    let deadline = state.settings.database.work_deadline();
                    return state.note(match tokio::time::timeout(deadline, answer).await {
                        Ok(answer) => answer.unwrap_or_else(|_| {
                            Err(AppError::internal(
                                "the filing thread stopped before it answered",
                            ))
                        }),
                        Err(_) => Err(unanswered(deadline)),
                    });
                }
                Err(alone) => {
                    log::warn!("the filing thread is gone: filing on its own");
                    *alone
                }
            }
        };
        let app = state.clone();
        state
            .run(move |conn| {
                db::tickets::file(
                    conn,
                    &alone.draft,
                    &alone.actor,
                    alone.key.as_ref(),
                    &app.policy,
                )
            })
            .await
    }

    /// Runs a read of a few rows by key at once on this worker when the database is an SQLite
    /// file and a connection is free: such a read takes a few microseconds there, less than
    /// handing it to a blocking thread and back. Otherwise (PostgreSQL, a busy pool) it goes
    /// through `run`.
    pub async fn run_point_read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        if self.embedded && self.prepared.load(std::sync::atomic::Ordering::Acquire) {
            if let Some(mut conn) = self.pool.try_get() {
                return work(&mut conn);
            }
        }
        self.run(work).await
    }

    pub fn is_postgres(&self) -> bool {
        !self.embedded
    }

    /// 503 until the database has been prepared.
    pub fn check_prepared(&self) -> Result<(), AppError> {
        if self.prepared.load(std::sync::atomic::Ordering::Acquire) {
            Ok(())
        } else {
            Err(AppError::Unavailable(
                "the database has not been reached since the service started".into(),
            ))
        }
    }

    pub fn zone(&self) -> chrono_tz::Tz {
        self.settings.service.timezone
    }
}

/// The answer to work the database has not finished within its deadline.
fn unanswered(deadline: Duration) -> AppError {
    AppError::Unavailable(
        format!(
            "the database did not answer within {} s",
            deadline.as_secs_f32()
        )
        .into(),
    )
}

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
        let filings = db::filing_queue::FilingQueue::start(
            pool.clone(),
            settings.policy(),
            db::filing_queue::threads_for(&url),
        )
        .context("cannot start the filing threads")?;
        let state = web::Data::new(AppState {
            filings,
            service_levels: Default::default(),
            pool,
            keys: JwtKeys::new(secret.as_bytes(), settings.auth.token_ttl_minutes),
            policy: settings.policy(),
            login_throttle: LoginThrottle::new(settings.auth.login_limits()),
            user_cache: Arc::new(UserCache::new(Duration::from_secs(
                settings.auth.user_cache_seconds,
            ))),
            user_limits: crate::limits::UserLimits::new(
                settings.server.max_concurrent_requests_per_user,
                settings.server.max_waiting_requests_per_user,
            ),
            settings,
            metrics: Metrics::default(),
            embedded: !url.is_postgres(),
            prepared,
            last_unavailable: Default::default(),
        });
        notify::worker::spawn(Arc::downgrade(&state.clone().into_inner()))
            .context("cannot start the mail worker")?;
        if let DatabaseUrl::Sqlite(_) = url {
            checkpoint_in_background(Arc::downgrade(&state.clone().into_inner()))
                .context("cannot start the checkpoint thread")?;
        }
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(|cfg| api::configure(cfg, &state.settings))
                .default_service(web::to(api::route_not_found))
                .wrap_fn(|mut req, srv| -> RefusalOrCall {
                    use actix_web::dev::Service;
                    // HEAD is answered as GET; the connection sends the headers alone (it knows
                    // the request was HEAD whatever the method is now).
                    if req.method() == actix_web::http::Method::HEAD {
                        req.head_mut().method = actix_web::http::Method::GET;
                    }
                    if has_foreign_body(&req) {
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
/// the copy is small, and the log starts over (`db::checkpoint_sqlite`). It takes a free
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
                if let DbConn::Sqlite(sqlite) = &mut **conn {
                    if let Err(e) = db::checkpoint_sqlite(sqlite) {
                        log::debug!("checkpoint: {e}");
                    }
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

/// The signing secret: configured, or for SQLite generated once and kept beside the database.
fn jwt_secret(settings: &Settings, url: &DatabaseUrl, data_dir: &Path) -> anyhow::Result<String> {
    if let Some(secret) = &settings.auth.jwt_secret {
        anyhow::ensure!(
            secret.len() >= 16,
            "auth.jwt_secret must be at least 16 characters"
        );
        return Ok(secret.clone());
    }
    anyhow::ensure!(
        !url.is_postgres(),
        "auth.jwt_secret is required with PostgreSQL: set HELPDESK__AUTH__JWT_SECRET"
    );
    let path = data_dir.join("jwt-secret");
    if let Ok(secret) = fs::read_to_string(&path) {
        let secret = secret.trim().to_string();
        if secret.len() >= 16 {
            return Ok(secret);
        }
    }
    let secret = password::random_secret(48);
    write_private(&path, &secret)?;
    log::info!("generated a JWT signing secret in {}", path.display());
    Ok(secret)
}

/// Writes a file only its owner may read.
fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(file, "{content}")?;
    Ok(())
}

pub const INITIAL_ADMIN_EMAIL: &str = "admin@helpdesk.local";

/// On an empty database, creates an admin whose password is written once to a private file.
fn ensure_someone_can_log_in(pool: &Pool, data_dir: &Path) -> anyhow::Result<()> {
    let mut conn = pool.get().context("cannot reach the database")?;
    if db::users::count(&mut conn)? > 0 {
        return Ok(());
    }
    let secret = password::random_secret(20);
    let path = data_dir.join("initial-admin-password.txt");
    let at = now();
    db::audit::create_user(
        &mut conn,
        &db::users::NewUser {
            email: INITIAL_ADMIN_EMAIL.into(),
            name: "Administrator".into(),
            role: Role::Admin.as_str().into(),
            member_id: None,
            password_hash: password::hash(&secret),
            disabled: false,
            created_at: at,
            updated_at: at,
        },
        &db::audit::AuditSource::default(),
    )?;
    write_private(
        &path,
        &format!("email: {INITIAL_ADMIN_EMAIL}\npassword: {secret}"),
    )?;
    log::warn!(
        "no user yet: created the admin {INITIAL_ADMIN_EMAIL}; its password is in {} \
         (readable by this account only): log in, then change it with PATCH /api/v1/users/{{id}}",
        path.display()
    );
    Ok(())
}

type RefusalOrCall =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<ServiceResponse, actix_web::Error>>>>;

/// The API serves JSON only: nothing in it may load, run or be framed.
const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// Swagger UI runs its own scripts and styles, sets inline styles and draws icons as data:
/// images; it fetches `/openapi.json` from the same origin.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'";

/// Headers on every response. There is no `Strict-Transport-Security`: the service speaks
/// plain HTTP (TLS, where there is any, ends at the proxy in front of it), browsers ignore HSTS
/// received over HTTP, and the proxy that serves HTTPS is the one to send it.
fn add_security_headers(path: &str, headers: &mut HeaderMap) {
    let csp = if path.starts_with("/docs/") {
        DOCS_CSP
    } else {
        API_CSP
    };
    let mut wanted = vec![
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, csp),
    ];
    // Answers of the API hold personal data and change all the time: no cache keeps them.
    if path == "/api/v1" || path.starts_with("/api/v1/") {
        wanted.push((header::CACHE_CONTROL, "no-store"));
    }
    for (name, value) in wanted {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

const CORS_METHODS: &str = "GET, POST, PATCH, DELETE";
const CORS_REQUEST_HEADERS: &str = "Authorization, Content-Type, If-Match, Idempotency-Key";
const CORS_EXPOSED_HEADERS: &str = "ETag, Location, Retry-After";

/// The request's `Origin` when it is one of `server.cors_origins`: CORS is closed otherwise.
fn allowed_origin(req: &actix_web::dev::ServiceRequest) -> Option<HeaderValue> {
    let origin = req.headers().get(header::ORIGIN)?;
    let state = req.app_data::<web::Data<AppState>>()?;
    state
        .settings
        .allows_origin(origin.to_str().ok()?)
        .then(|| origin.clone())
}

fn is_preflight(req: &actix_web::dev::ServiceRequest) -> bool {
    req.method() == actix_web::http::Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// The answer to a browser asking whether an allowed origin may call the API.
fn preflight(origin: HeaderValue) -> actix_web::HttpResponse {
    let mut response = actix_web::HttpResponse::NoContent()
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, CORS_METHODS))
        .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, CORS_REQUEST_HEADERS))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
        .finish();
    add_cors_headers(response.headers_mut(), origin);
    response
}

fn add_cors_headers(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(CORS_EXPOSED_HEADERS),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// A body declared as something other than JSON (no Content-Type is taken as JSON).
fn has_foreign_body(req: &actix_web::dev::ServiceRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(mime) = value.to_str().unwrap_or("").parse::<mime::Mime>() else {
        return true;
    };
    !(mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
}

/// Errors that the framework answers by itself (unknown method, bad path...) get a
/// problem+json body like every other error.
fn problem_for_bare_errors<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = match status.as_u16() {
        404 => "route_not_found",
        405 => "method_not_allowed",
        400 => "malformed_request",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        s if s >= 500 => "internal_error",
        _ => "error",
    };
    let detail = status.canonical_reason().unwrap_or("error").to_lowercase();
    let mut response = Problem::new(status, code, detail).response();
    for (name, value) in res.headers() {
        if name == header::ALLOW || name == header::RETRY_AFTER {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body::<B>(),
    ))
}
