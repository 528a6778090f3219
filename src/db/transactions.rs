//! Transactions: writers taking turns on SQLite, and deadlocks or serialization failures
//! retried on PostgreSQL.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::connection::TransactionManager;
use diesel::Connection;

use super::backends::*;

/// Writers of this process take turns before they ask SQLite for its write lock: SQLite lets
/// one writer at a time, and a writer that finds the lock taken sleeps in its busy handler for
/// up to a hundred milliseconds at a time, where waiting here wakes it as soon as it is free.
pub(in crate::db) static SQLITE_WRITER: Turns = Turns::new();

/// A lock taken in the order it was asked for. A plain mutex lets a thread that has just let
/// go take it again before the ones waiting wake up: under 32 concurrent filings, some waited
/// for 170 ms while the mean was 25 ms.
pub struct Turns {
    /// The next turn to give out, and the turn now served.
    state: Mutex<(u64, u64)>,
    served: std::sync::Condvar,
}

/// A turn being served; the next one's comes when it is dropped.
pub struct Turn<'a>(&'a Turns);

impl Turns {
    const fn new() -> Self {
        Turns {
            state: Mutex::new((0, 0)),
            served: std::sync::Condvar::new(),
        }
    }

    pub(super) fn take(&self) -> Turn<'_> {
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
