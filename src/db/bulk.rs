//! Large writes: the page cache of an import, and the statistics refreshed after imports.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::backends::*;
use super::connections::*;

/// Runs `work` with a large page cache on SQLite, then gives the cache back (see
/// `Dialect::enlarge_cache`). PostgreSQL keeps its own shared buffers: nothing to do there.
pub fn with_bulk_cache<T>(conn: &mut DbConn, work: impl FnOnce(&mut DbConn) -> T) -> T {
    let normal = each_backend!(&mut *conn, c => c.enlarge_cache());
    let result = work(conn);
    if let Some(normal) = normal {
        each_backend!(&mut *conn, c => c.restore_cache(normal));
    }
    result
}

/// Asks PostgreSQL, in the background, to vacuum and analyze the tickets and their aggregates
/// once imports pause.
///
/// Until autovacuum gets to it, PostgreSQL plans with the statistics of the table as it was
/// before (empty, after a first import), and reads even a bounded page of the ticket list by
/// scanning the whole table. Its visibility map is empty too, so that reads answered from an
/// index alone (the edge of a search's window) still visit the table for each row. And each
/// batch of an import rewrote the aggregate rows it counts in: until vacuumed, the statistics
/// read every dead version of them (figures of each in `bench/README.md`). `VACUUM (ANALYZE)`
/// of the three tables mends all of
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
                        if let Err(e) = each_backend!(&mut **conn, c => c.vacuum_tickets()) {
                            log::warn!("cannot vacuum and analyze the tickets: {e}");
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
