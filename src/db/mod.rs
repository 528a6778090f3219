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

mod bulk;
mod connections;
mod transactions;

pub use bulk::*;
pub use connections::*;
pub use transactions::*;

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

/// Whether the database answers.
pub fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    conn.ping()
}
