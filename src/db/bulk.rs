//! Large writes on SQLite: the page cache of an import, the write-ahead log copied back, and
//! the statistics refreshed after an import (PostgreSQL vacuums and analyzes its own way).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::SqliteConnection;

use super::backends::*;
use super::connections::*;
use super::transactions::*;

/// Page cache a SQLite connection takes for the length of a bulk import, in KiB.
pub(super) const SQLITE_BULK_CACHE_KIB: i64 = 128 * 1024;

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
