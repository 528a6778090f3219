//! Database access: the pool, the connection over both backends, and one module of queries per table.

pub mod audit;
pub mod categories;
pub mod comments;
pub mod counts;
pub mod filing_queue;
pub mod members;
pub mod outbox;
pub mod privacy;
pub mod schema;
pub mod service_levels;
pub mod stored;
pub mod tickets;
pub mod users;
pub mod work_logs;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection, to PostgreSQL or SQLite: the queries are written once for both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// A PostgreSQL connection back in the pool for less than this is handed out again without a
/// ping: it answered a moment ago, and a ping would cost every request a round trip to the
/// server (a third of the time of reading one ticket). One idle for longer, as after an outage,
/// is pinged first, and one whose work found the server gone is dropped (`mark_broken`).
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

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
/// connection has its own cache (SQLite's default is 2 MB), which WAL mode empties whenever
/// another connection has written, while the operating system keeps the file's pages anyway.
/// Sixteen full caches cost 50 MB of resident memory under the benchmark (176 MB, 122 MB with
/// 512 KiB each) and made no measured difference to reads, searches, statistics or imports.
const SQLITE_POOL_CACHE_KIB: u32 = 8 * 1024;

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
fn with_connect_timeout(url: &str, limits: Limits) -> String {
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
fn leave_connections_unlocked() {
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
/// Reading one ticket spent a third of its time there. What the guarantee gives up is unused
/// here: no `ANALYZE` statistics, no partial index, no `LIKE` an index could serve.
fn plan_statements_without_bound_values() {
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
        match &mut pooled.conn {
            DbConn::Postgresql(_) if pooled.returned_at.elapsed() >= PING_AFTER_IDLE => {
                pooled.conn.ping().map_err(r2d2::Error::QueryError)
            }
            _ => Ok(()),
        }
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

fn ensure_parent_dir(path: &Path) {
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
}

/// Puts a SQLite file in WAL mode, which the file keeps. Done once, from the first connection,
/// before any other opens: two connections switching the mode together fail with "locked".
pub fn use_wal(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(sqlite) => sqlite.batch_execute("PRAGMA journal_mode = WAL;"),
        DbConn::Postgresql(_) => Ok(()),
    }
}

/// Applies the migrations of the connection's backend that have not run yet.
pub fn migrate(conn: &mut DbConn) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    let applied = match conn {
        DbConn::Postgresql(pg) => pg.run_pending_migrations(POSTGRES_MIGRATIONS)?,
        DbConn::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE_MIGRATIONS)?,
    };
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// `INSERT INTO … VALUES (…), (…) …` for SQLite, with `rows` copies of `row` between `head`
/// and `tail`: diesel cannot build a multi-row insert with an `ON CONFLICT` clause for SQLite.
pub fn sqlite_multi_row(head: &str, row: &str, rows: usize, tail: &str) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * (row.len() + 2));
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for n in 0..rows {
        if n > 0 {
            sql.push_str(", ");
        }
        sql.push_str(row);
    }
    sql.push(' ');
    sql.push_str(tail);
    sql
}

/// The size a write-ahead log that grew is cut back to once started over (see
/// `checkpoint_sqlite`): a few rounds of filings between two checkpoints, kept so that commits
/// write into space already allocated.
const SQLITE_LOG_KEPT_BYTES: i64 = 64 * 1024 * 1024;

/// Page cache a SQLite connection takes for the length of a bulk import, in KiB.
const SQLITE_BULK_CACHE_KIB: i64 = 128 * 1024;

/// Runs `work` with a large page cache on SQLite, then gives the cache back. An import of
/// thousands of rows updates every index of the table (and the trigram index) all over, and a
/// pooled connection's small cache would read the same pages back from the file again and
/// again. PostgreSQL keeps its own shared buffers: nothing to do there.
pub fn with_bulk_cache<T>(conn: &mut DbConn, work: impl FnOnce(&mut DbConn) -> T) -> T {
    let normal = match conn {
        DbConn::Sqlite(sqlite) => {
            let query = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "cache_size FROM pragma_cache_size()",
            ));
            let normal: diesel::QueryResult<i64> = diesel::RunQueryDsl::get_result(query, sqlite);
            match normal {
                Ok(normal) => sqlite
                    .batch_execute(&format!("PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}"))
                    .ok()
                    .map(|()| normal),
                Err(_) => None,
            }
        }
        DbConn::Postgresql(_) => None,
    };
    let result = work(conn);
    if let (Some(normal), DbConn::Sqlite(sqlite)) = (normal, &mut *conn) {
        if let Err(e) = sqlite.batch_execute(&format!(
            "PRAGMA cache_size = {normal}; PRAGMA shrink_memory;"
        )) {
            log::warn!("cannot give back the import's page cache: {e}");
        }
        crate::memory::release_free_memory();
    }
    result
}

/// Asks PostgreSQL, in the background, to vacuum and analyze the tickets and their aggregates
/// once imports pause.
///
/// Until autovacuum gets to it, PostgreSQL plans with the statistics of the table as it was
/// before (empty, after a first import), and reads even a bounded page of the ticket list by
/// scanning the whole table: a search right after importing ten years of history took seconds
/// instead of milliseconds. Its visibility map is empty too, so that reads answered from an
/// index alone (the edge of a search's window: 4,000 index entries) still visit the table for
/// each row (15 ms instead of 1 ms for 300,000 tickets). And each batch of an import rewrote
/// the aggregate rows it counts in: until vacuumed, the statistics read every dead version of
/// them (after a million tickets imported in a hundred batches, the service levels answered
/// in 19.5 ms at p99 instead of 2.6 ms). `VACUUM (ANALYZE)` of the three tables mends all of
/// it. It runs once no import has come for `SETTLE` (an import of many batches is not slowed
/// by vacuums between them), one at a time; imports made meanwhile get one more afterwards.
/// SQLite plans without statistics and reads its indexes alone.
pub fn vacuum_after_import(pool: &Pool) {
    use std::sync::atomic::{AtomicBool, Ordering};
    const SETTLE: Duration = Duration::from_secs(1);
    static RUNNING: AtomicBool = AtomicBool::new(false);
    static PENDING: AtomicBool = AtomicBool::new(false);
    static LAST_IMPORT: Mutex<Option<Instant>> = Mutex::new(None);
    let last_import = || *LAST_IMPORT.lock().unwrap_or_else(|e| e.into_inner());
    *LAST_IMPORT.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    PENDING.store(true, Ordering::SeqCst);
    if RUNNING.swap(true, Ordering::SeqCst) {
        return;
    }
    let pool = pool.clone();
    let spawned = std::thread::Builder::new()
        .name("vacuum".into())
        .spawn(move || loop {
            while PENDING.load(Ordering::SeqCst) {
                let quiet = last_import().map_or(SETTLE, |at| at.elapsed());
                if quiet < SETTLE {
                    std::thread::sleep(SETTLE - quiet);
                    continue;
                }
                PENDING.store(false, Ordering::SeqCst);
                match pool.get() {
                    Ok(mut conn) => {
                        if let DbConn::Postgresql(pg) = &mut **conn {
                            if let Err(e) = pg.batch_execute(
                                "VACUUM (ANALYZE) tickets, ticket_month_counts, \
                                 service_level_counts",
                            ) {
                                log::warn!("cannot vacuum and analyze the tickets: {e}");
                            }
                        }
                    }
                    Err(e) => log::warn!("cannot vacuum and analyze the tickets: {e}"),
                }
            }
            RUNNING.store(false, Ordering::SeqCst);
            // A request made between the last check and now found RUNNING set: take it.
            if !PENDING.load(Ordering::SeqCst) || RUNNING.swap(true, Ordering::SeqCst) {
                return;
            }
        });
    if spawned.is_err() {
        RUNNING.store(false, Ordering::SeqCst);
    }
}

/// Copies SQLite's write-ahead log back into the database file, and lets the next writer start
/// the log over from its beginning.
///
/// SQLite starts the log over only when a writer finds all of it copied back; a plain passive
/// checkpoint under steady filings never gets there (what was committed while it copied is
/// still to copy), and the log grew by every commit: 2 GB after an import of 300,000 tickets,
/// with each sync to disk of a commit slower for it (10 to 100 ms where 0.3 ms is usual). So
/// the bulk is copied while writers go on, then the little they committed meanwhile while no
/// writer of this process is between its `BEGIN` and its `COMMIT`. A reader still on an older
/// state can hold the restart off; the next round tries again. `journal_size_limit` then cuts
/// a log that grew (during a long read, say) back to a size that is reused.
pub fn checkpoint_sqlite(sqlite: &mut SqliteConnection) -> diesel::QueryResult<()> {
    sqlite.batch_execute("PRAGMA wal_checkpoint(PASSIVE)")?;
    let _turn = SQLITE_WRITER.take();
    sqlite.batch_execute("PRAGMA wal_checkpoint(PASSIVE)")
}

/// Writers of this process take turns before they ask SQLite for its write lock: SQLite lets
/// one writer at a time, and a writer that finds the lock taken sleeps in its busy handler for
/// up to a hundred milliseconds at a time, where waiting here wakes it as soon as it is free.
static SQLITE_WRITER: Turns = Turns::new();

/// A lock taken in the order it was asked for. A plain mutex lets a thread that has just let
/// go take it again before the ones waiting wake up: under 32 concurrent filings, some waited
/// for 170 ms while the mean was 25 ms.
struct Turns {
    /// The next turn to give out, and the turn now served.
    state: Mutex<(u64, u64)>,
    served: std::sync::Condvar,
}

/// A turn being served; the next one's comes when it is dropped.
struct Turn<'a>(&'a Turns);

impl Turns {
    const fn new() -> Self {
        Turns {
            state: Mutex::new((0, 0)),
            served: std::sync::Condvar::new(),
        }
    }

    fn take(&self) -> Turn<'_> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mine = state.0;
        state.0 += 1;
        while state.1 != mine {
            state = self.served.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        Turn(self)
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        state.1 += 1;
        drop(state);
        self.0.served.notify_all();
    }
}

/// Errors after which the same transaction, run again from its start, may succeed: on
/// PostgreSQL a deadlock or a serialization failure, whose transaction the server undid.
pub trait Contended {
    fn is_contention(&self) -> bool;
}

impl Contended for diesel::result::Error {
    fn is_contention(&self) -> bool {
        crate::error::is_contention(self)
    }
}

impl Contended for crate::error::AppError {
    fn is_contention(&self) -> bool {
        matches!(self, crate::error::AppError::Contention(_))
    }
}

/// How many times a write transaction is run in all when PostgreSQL undoes it for a deadlock
/// or a serialization failure; after the last, the caller answers 503.
const WRITE_ATTEMPTS: u32 = 8;

/// Runs `work` in one write transaction. On SQLite the transaction takes the write lock at
/// once (`BEGIN IMMEDIATE`), so that a transaction that reads before it writes waits for other
/// writers instead of failing when it upgrades its lock. On PostgreSQL a transaction the server
/// undid for a deadlock or a serialization failure is run again (not a savepoint within one:
/// the whole transaction is lost then, and its owner starts it over).
pub fn write<T, E, F>(conn: &mut DbConn, mut work: F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error> + Contended,
{
    let top_level_pg = match conn {
        DbConn::Postgresql(pg) => matches!(
            AnsiTransactionManager::transaction_manager_status_mut(pg).transaction_depth(),
            Ok(None)
        ),
        DbConn::Sqlite(_) => false,
    };
    let mut attempt = 1;
    loop {
        match write_once(conn, &mut work) {
            Err(error) if top_level_pg && attempt < WRITE_ATTEMPTS && error.is_contention() => {
                // A short pause, longer each time and different for each thread, so that the
                // transactions that collided do not collide again.
                let jitter = u64::from(std::process::id() ^ thread_id_bits()) % 7;
                std::thread::sleep(Duration::from_millis(
                    (u64::from(attempt) * 5 + jitter) * u64::from(attempt),
                ));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Some bits that differ between threads.
fn thread_id_bits() -> u32 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut hasher);
    Instant::now().hash(&mut hasher);
    hasher.finish() as u32
}

fn write_once<T, E, F>(conn: &mut DbConn, work: &mut F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let nested = match conn {
        DbConn::Sqlite(sqlite) => !matches!(
            AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth(),
            Ok(None)
        ),
        DbConn::Postgresql(_) => false,
    };
    let _turn = match conn {
        // Within a transaction already open on this connection: a savepoint, which undoes
        // this work alone if it fails.
        DbConn::Sqlite(_) if nested => {
            <DbConn as TransactionManager<DbConn>>::begin_transaction(conn)?;
            None
        }
        DbConn::Sqlite(sqlite) => {
            let turn = SQLITE_WRITER.take();
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
            Some(turn)
        }
        DbConn::Postgresql(_) => {
            <DbConn as TransactionManager<DbConn>>::begin_transaction(conn)?;
            None
        }
    };
    match work(conn) {
        Ok(value) => {
            <DbConn as TransactionManager<DbConn>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn).map_err(E::from)?;
            Err(error)
        }
    }
}

/// Runs `work` in a read transaction, so that what it reads is one consistent state.
pub fn read<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(work)
}

/// Whether the database answers.
pub fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    conn.ping()
}
