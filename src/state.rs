//! What every request handler shares: the pool, the keys, the settings, the caches, the filing
//! queue and the limits, with the way database work is run from a request.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;

use crate::auth::cache::UserCache;
use crate::auth::throttle::LoginThrottle;
use crate::auth::token::JwtKeys;
use crate::config::Settings;
use crate::db::{DbConn, Pool};
use crate::desk::filing_queue::NotQueued;
use crate::desk::tickets::{Filed, IdempotencyKey, TicketDraft};
use crate::desk::Policy;
use crate::domain::user::Actor;
use crate::error::AppError;
use crate::metrics::Metrics;

/// What every handler shares.
pub struct AppState {
    pub pool: Pool,
    pub keys: JwtKeys,
    pub settings: Settings,
    pub metrics: Arc<Metrics>,
    /// Held by the state alone: the background threads stop once it is gone.
    pub alive: Arc<()>,
    pub policy: Policy,
    /// Failed log-ins per account and per address, in this process.
    pub login_throttle: LoginThrottle,
    /// Callers' rights, remembered for `auth.user_cache_seconds`; whatever changes a user in
    /// this process must `forget` them once the change commits.
    pub user_cache: Arc<UserCache>,
    /// The database is an SQLite file opened by this process.
    pub embedded: bool,
    /// The queue whose thread commits concurrent filings together.
    pub filings: crate::desk::filing_queue::FilingQueue,
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
                crate::desk::tickets::file(
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
