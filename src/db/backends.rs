//! The connection over both backends, and the one place where they part ways.
//!
//! Most queries are written once, against `DbConn`. Where diesel's multi connection cannot
//! build a statement both backends run alike (an upsert, a batch insert, `RETURNING`, a read
//! typed for one backend), `each_backend!` writes it once and runs it on whichever connection
//! `DbConn` holds. What only one backend can run is a method of `Dialect`, written out for
//! SQLite in `sqlite.rs` and for PostgreSQL in `postgres.rs`.

use chrono::NaiveDateTime;
use diesel::{PgConnection, QueryResult, SqliteConnection};

use super::aggregates::{ServiceLevelRow, TicketMonthCount};
use super::turns::Turn;

/// One connection, to PostgreSQL or SQLite: the queries are written once for both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the connection `$conn` holds, whichever backend it is.
macro_rules! each_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Postgresql($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}
pub(crate) use each_backend;

/// An insert that returns the whole row: the multi connection cannot build `RETURNING`.
macro_rules! insert_returning {
    ($conn:expr, $table:expr, $values:expr, $row:ty) => {
        $crate::db::each_backend!($conn, c => diesel::insert_into($table)
            .values($values)
            .returning(<$row>::as_returning())
            .get_result::<$row>(c))
    };
}
pub(crate) use insert_returning;

/// A row read back whose written part is embedded: its fields read through it (`user.email`).
macro_rules! reads_through {
    ($row:ty => $field:ident: $record:ty) => {
        impl std::ops::Deref for $row {
            type Target = $record;

            fn deref(&self) -> &$record {
                &self.$field
            }
        }
    };
}
pub(crate) use reads_through;

/// The boxed error of a migration.
pub type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// What one backend does its own way. Each method says what the other backend does instead.
pub trait Dialect {
    /// Applies the migrations of this backend that have not run yet.
    fn migrate(&mut self) -> Result<Vec<String>, MigrationError>;
    /// Puts a SQLite file in WAL mode, which the file keeps.
    fn use_wal(&mut self) -> QueryResult<()>;
    /// Whether a write begun now is the outermost transaction, the one PostgreSQL undoes
    /// whole on a deadlock or a serialization failure (and which is then run again).
    fn retries_whole_transactions(&mut self) -> bool;
    /// Begins a write transaction, or a savepoint within the one open; on SQLite the
    /// outermost one waits for its turn among this process's writers and takes the write lock
    /// at once.
    fn begin_write(&mut self) -> QueryResult<Option<Turn<'static>>>;
    /// Locks a ticket's row until the transaction ends (SQLite's write holds the whole file).
    fn lock_ticket(&mut self, id: i64) -> QueryResult<()>;
    /// Adds the counts of `rows` to the monthly ticket counts, creating the rows missing.
    fn add_ticket_counts(&mut self, rows: &[TicketMonthCount]) -> QueryResult<()>;
    /// Creates the service-level rows missing, leaving those there as they are.
    fn create_service_level_rows(&mut self, rows: &[ServiceLevelRow]) -> QueryResult<()>;
    /// Reads service-level rows, locked until the transaction ends where the backend locks rows.
    fn locked_service_level_rows(
        &mut self,
        members: &[i64],
        years: &[i32],
    ) -> QueryResult<Vec<ServiceLevelRow>>;
    /// Writes whole service-level rows over the ones there.
    fn replace_service_level_rows(&mut self, rows: &[ServiceLevelRow]) -> QueryResult<()>;
    /// Adds the ticket counts of `rows` to their service-level rows, creating those missing.
    fn add_service_level_tickets(&mut self, rows: &[ServiceLevelRow]) -> QueryResult<()>;
    /// Puts tickets just inserted into a text index kept beside the table (SQLite's FTS5;
    /// PostgreSQL's trigram index is an index of the table itself).
    fn index_for_search(&mut self, first: i64, last: i64) -> QueryResult<()>;
    /// Ids of the tickets not done that waited once and run again, read from the partial index
    /// `tickets_resumed_clocks` (SQLite, planning without statistics, would rather read every
    /// open ticket through the index of statuses).
    fn resumed_ticket_ids(&mut self) -> QueryResult<Vec<i64>>;
    /// Keys `(created_at, id)` of the newest short texts matching `q`, read from an index of
    /// the newest texts alone, or `None` where the backend has no such index (SQLite).
    fn newest_short_text_matches(
        &mut self,
        q: &str,
        after: Option<(NaiveDateTime, i64)>,
        limit: i64,
    ) -> QueryResult<Option<Vec<(NaiveDateTime, i64)>>>;
    /// The SQL that keeps tickets whose text holds `lowered` as a phrase, through a phrase
    /// index, with the phrase to bind and the SQL that closes it; `None` where there is none.
    fn phrase_index_filter(&self, lowered: &str) -> Option<(&'static str, String, &'static str)>;
    /// Readies a transaction that files tickets one by one (PostgreSQL: a small pending list
    /// of the trigram index, merged often and little at a time).
    fn prepare_filing(&mut self) -> QueryResult<()>;
    /// Takes a large page cache for a bulk import, returning the normal size (SQLite).
    fn enlarge_cache(&mut self) -> Option<i64>;
    /// Gives the import's page cache back.
    fn restore_cache(&mut self, normal: i64);
    /// Vacuums and analyzes the tickets and their aggregates after imports (PostgreSQL).
    fn vacuum_tickets(&mut self) -> QueryResult<()>;
    /// Copies a write-ahead log back into the database file (SQLite).
    fn checkpoint(&mut self) -> QueryResult<()>;
    /// Whether a connection back in the pool a while should be pinged before it is handed out
    /// again (a PostgreSQL server can go away; a SQLite file opened here cannot).
    fn pings_after_idle(&self) -> bool;
}

/// Whether the database answers.
pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    diesel::r2d2::R2D2Connection::ping(conn)
}

/// Puts a SQLite file in WAL mode. Done once, from the first connection, before any other
/// opens: two connections switching the mode together fail with "locked".
pub fn use_wal(conn: &mut DbConn) -> QueryResult<()> {
    each_backend!(conn, c => c.use_wal())
}

/// Applies the migrations of the connection's backend that have not run yet.
pub fn migrate(conn: &mut DbConn) -> Result<Vec<String>, MigrationError> {
    each_backend!(conn, c => c.migrate())
}

/// Copies SQLite's write-ahead log back into the database file (nothing on PostgreSQL).
pub fn checkpoint(conn: &mut DbConn) -> QueryResult<()> {
    each_backend!(conn, c => c.checkpoint())
}
