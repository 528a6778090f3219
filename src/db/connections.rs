//! Connections and their pool: what each backend is set to on connecting, and when a pooled
//! connection is checked before it is handed out.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::backends::*;

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// The size a write-ahead log that grew is cut back to once started over (see
/// `Dialect::checkpoint`): a few rounds of filings between two checkpoints, kept so that commits
/// write into space already allocated.
pub(super) const SQLITE_LOG_KEPT_BYTES: i64 = 64 * 1024 * 1024;

/// A PostgreSQL connection back in the pool for less than this is handed out again without a
/// ping: it answered a moment ago, and a ping would cost every request a round trip to the
/// server, a large part of reading one ticket. One idle for longer, as after an outage,
/// is pinged first, and one whose work found the server gone is dropped (`mark_broken`).
pub(super) const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// A connection of the pool, with what the pool needs to hand it out without a ping.
pub struct Pooled {
    conn: DbConn,
    returned_at: Instant,
    broken: bool,
}

impl Pooled {
    /// The work done with this connection found the database gone: the pool drops it instead
    /// of handing it out again.
    pub fn mark_broken(&mut self) {
        self.broken = true;
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// Which database a URL names: chosen from its scheme, so that a PostgreSQL error is reported
/// as PostgreSQL's, not hidden behind a failed attempt at SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(url.to_string()))
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() || path == ":memory:" {
                return Err("sqlite URL needs a file path, e.g. sqlite://data/helpdesk.db".into());
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else {
            Err(format!(
                "unsupported database URL {url:?}: use sqlite://path or postgres://..."
            ))
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }

    /// The folder where the service keeps its own files next to the database.
    pub fn data_dir(&self) -> PathBuf {
        match self {
            DatabaseUrl::Sqlite(path) => match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            },
            DatabaseUrl::Postgres(_) => PathBuf::from("data"),
        }
    }
}

/// What the page caches of a pool's SQLite connections may hold together, in KiB. Each
/// connection has its own cache, which WAL mode empties whenever another connection has
/// written, while the operating system keeps the file's pages anyway. Full caches cost much
/// resident memory and made no measured difference to reads, searches, statistics or imports
/// (figures in `bench/README.md`).
pub(super) const SQLITE_POOL_CACHE_KIB: u32 = 8 * 1024;

/// How long a connection may take to open, and one statement to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub connect: Duration,
    pub statement: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect: Duration::from_secs(5),
            statement: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    /// Page cache of each SQLite connection, in KiB.
    sqlite_cache_kib: u32,
    limits: Limits,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            sqlite_cache_kib: 2000,
            limits: Limits::default(),
        }
    }

    /// A manager for a pool of `size` connections, whose SQLite page caches share
    /// `SQLITE_POOL_CACHE_KIB` (at least 256 KiB each, at most SQLite's default).
    pub fn for_pool(url: DatabaseUrl, size: u32) -> Self {
        Self {
            url,
            sqlite_cache_kib: (SQLITE_POOL_CACHE_KIB / size.max(1)).clamp(256, 2000),
            limits: Limits::default(),
        }
    }

    /// The same manager, its connections held to these limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn connect_once(&self) -> Result<DbConn, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(&with_connect_timeout(url, self.limits))
                    .map_err(r2d2::Error::ConnectionError)?;
                // The server cancels a statement that runs longer, a wait for a lock included.
                conn.batch_execute(&format!(
                    "SET statement_timeout = {}",
                    self.limits.statement.as_millis()
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Postgresql(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                leave_connections_unlocked();
                plan_statements_without_bound_values();
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                // WAL (set once on the file, see `use_wal`) lets readers go on while one writer
                // commits; FULL makes each commit durable. Statement journals (the undo of a
                // statement that fails half-way) stay in memory: in a file, an import of many
                // rows per statement spent a fifth of its time writing them. No commit copies
                // the log back into the file (a service does it from a thread of its own, see
                // `startup`; a command when it closes the file): the import's commits spent a
                // fourteenth of their time there, and a filing waited for it.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; \
                     PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {}; \
                     PRAGMA cache_size = -{};",
                    self.limits.statement.as_millis(),
                    SQLITE_LOG_KEPT_BYTES,
                    self.sqlite_cache_kib
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// The URL with libpq's `connect_timeout` (whole seconds, at least 2 as libpq wants), unless
/// it names one: a server that takes the connection but never answers (a frozen process) would
/// otherwise hold the connecting thread for ever.
pub(super) fn with_connect_timeout(url: &str, limits: Limits) -> String {
    if url.contains("connect_timeout=") {
        return url.to_string();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!(
        "{url}{separator}connect_timeout={}",
        limits.connect.as_secs().max(2)
    )
}

/// Sets SQLite, before its first connection, to lock neither each connection on every call
/// nor its memory statistics on every allocation (`SQLITE_CONFIG_MULTITHREAD`,
/// `SQLITE_CONFIG_MEMSTATUS`).
///
/// A pooled connection is used by one thread at a time, so its own lock guards nothing; reading
/// one ticket took and released it for each column of the row. The statistics are kept under
/// one lock for the whole process, taken at each allocation by every worker; no part of the
/// service reads them. Should SQLite already be in use in the process (a test that
/// opened a file itself), it keeps its defaults.
pub(super) fn leave_connections_unlocked() {
    use libsqlite3_sys as ffi;
    use std::ffi::c_int;

    static CONFIGURE: std::sync::Once = std::sync::Once::new();
    CONFIGURE.call_once(|| {
        // SAFETY: both options are set before SQLite is initialized, or refused with
        // SQLITE_MISUSE if it already is; the memory statistics one takes an int.
        let (threads, statistics) = unsafe {
            (
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MULTITHREAD),
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int),
            )
        };
        if threads != ffi::SQLITE_OK || statistics != ffi::SQLITE_OK {
            log::debug!("SQLite was already in use: it keeps its locks ({threads}, {statistics})");
        }
    });
}

/// Makes every SQLite connection this process opens plan its statements without looking at the
/// values bound to them (`SQLITE_DBCONFIG_ENABLE_QPSG`, the query planner stability guarantee).
///
/// Otherwise a statement with `LIMIT ?` (diesel binds every limit, `first()` included) goes
/// stale each time it is run with new bindings: SQLite sizes its plan from the bound limit, so
/// it parses and plans the statement again on every run, and the statement cache saves nothing.
/// Reading one ticket spent much of its time there. What the guarantee gives up is unused
/// here: no `ANALYZE` statistics, no partial index, no `LIKE` an index could serve.
pub(super) fn plan_statements_without_bound_values() {
    use libsqlite3_sys as ffi;
    use std::ffi::{c_char, c_int};

    /// Run by SQLite on each connection it opens, before the connection is handed out.
    unsafe extern "C" fn on_open(
        db: *mut ffi::sqlite3,
        _error: *mut *mut c_char,
        _api: *const ffi::sqlite3_api_routines,
    ) -> c_int {
        // SAFETY: `db` is the connection SQLite is opening; this option takes an int and an
        // optional out-pointer, here none.
        unsafe {
            ffi::sqlite3_db_config(
                db,
                ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
                1 as c_int,
                std::ptr::null_mut::<c_int>(),
            );
        }
        ffi::SQLITE_OK
    }

    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        // SAFETY: `on_open` has the signature SQLite calls its automatic extensions with, and
        // lives as long as the program.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(on_open)) };
        if rc != ffi::SQLITE_OK {
            log::warn!("cannot make SQLite plan statements once (error {rc}): reads are slower");
        }
    });
}

impl ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        Ok(Pooled {
            conn: self.connect_once()?,
            returned_at: Instant::now(),
            broken: false,
        })
    }

    /// Run as a connection is checked out. A SQLite connection is a file opened in this
    /// process: nothing to lose, nothing to check.
    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), r2d2::Error> {
        let pings = each_backend!(&pooled.conn, c => c.pings_after_idle());
        if pings && pooled.returned_at.elapsed() >= PING_AFTER_IDLE {
            return pooled.conn.ping().map_err(r2d2::Error::QueryError);
        }
        Ok(())
    }

    /// Run as a connection comes back to the pool.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.returned_at = Instant::now();
        pooled.broken || pooled.conn.is_broken()
    }
}

/// Builds the pool without waiting for the database: requests answer 503 until it is reachable.
pub fn pool(url: &DatabaseUrl, size: u32, limits: Limits) -> Pool {
    if let DatabaseUrl::Sqlite(path) = url {
        ensure_parent_dir(path);
    }
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(limits.connect)
        // `ConnectionManager::is_valid` pings a PostgreSQL connection that has been idle, so
        // that one broken by a server restart is replaced instead of failing a request.
        .test_on_check_out(url.is_postgres())
        .build_unchecked(ConnectionManager::for_pool(url.clone(), size).with_limits(limits))
}

pub(super) fn ensure_parent_dir(path: &Path) {
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
}
