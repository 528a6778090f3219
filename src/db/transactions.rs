//! Transactions: writers taking turns on SQLite, and deadlocks or serialization failures
//! retried on PostgreSQL.

use std::time::{Duration, Instant};

use diesel::connection::TransactionManager;
use diesel::Connection;

use super::backends::*;

/// Errors after which the same transaction, run again from its start, may succeed: on
/// PostgreSQL a deadlock or a serialization failure, whose transaction the server undid.
pub trait Contended {
    fn is_contention(&self) -> bool;
}

impl Contended for diesel::result::Error {
    fn is_contention(&self) -> bool {
        is_contention(self)
    }
}

/// A transaction the database undid because it collided with another (a deadlock, a
/// serialization failure), or a statement cancelled after waiting too long for a lock: running
/// it again may succeed.
pub fn is_contention(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let message = info.message().to_ascii_lowercase();
            message.contains("deadlock detected") || message.contains("could not serialize")
        }
        _ => false,
    }
}

/// How many times a write transaction is run in all when PostgreSQL undoes it for a deadlock
/// or a serialization failure; after the last, the caller answers 503.
pub(super) const WRITE_ATTEMPTS: u32 = 8;

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
    let top_level_pg = each_backend!(&mut *conn, c => c.retries_whole_transactions());
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
pub(super) fn thread_id_bits() -> u32 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut hasher);
    Instant::now().hash(&mut hasher);
    hasher.finish() as u32
}

pub(super) fn write_once<T, E, F>(conn: &mut DbConn, work: &mut F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let _turn = each_backend!(&mut *conn, c => c.begin_write())?;
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
