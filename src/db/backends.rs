//! The connection over both backends, the database URL, migrations, and what both backends
//! answer alike (a ping, multi-row inserts).

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub(in crate::db) const SQLITE_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("migrations/sqlite");
pub(in crate::db) const POSTGRES_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("migrations/postgres");

/// One connection, to PostgreSQL or SQLite: the queries are written once for both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
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

/// Whether the database answers.
pub fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    conn.ping()
}
