//! The machine's limit for reading one ticket: point reads of one whole ticket row by id per
//! second from a SQLite file through the bundled library, on two threads (one per core of the
//! benchmark's machine) with a connection each, as the service's pool does. Each thread
//! prepares `SELECT * FROM tickets WHERE id = ?` once and then only binds, steps, reads every
//! column and resets: SQLite's own cost of the read, with none of a client library's.
//!
//!     cargo run --release --example sqlite_read_rate -- <database file> <seconds> <largest id>

use std::ffi::CString;
use std::ptr;
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;

/// A connection and its one prepared statement.
struct Reader {
    db: *mut ffi::sqlite3,
    statement: *mut ffi::sqlite3_stmt,
}

impl Reader {
    fn open(path: &str) -> Reader {
        let path = CString::new(path).expect("a path without NUL");
        let sql = CString::new("SELECT * FROM tickets WHERE id = ?1").expect("SQL");
        let mut db = ptr::null_mut();
        let mut statement = ptr::null_mut();
        // SAFETY: the pointers passed are valid for the calls, and the handles they return are
        // used by this reader's thread only and released in `drop`.
        unsafe {
            let flags = ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_NOMUTEX;
            assert_eq!(
                ffi::sqlite3_open_v2(path.as_ptr(), &mut db, flags, ptr::null()),
                ffi::SQLITE_OK,
                "open the database"
            );
            ffi::sqlite3_busy_timeout(db, 10_000);
            assert_eq!(
                ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut statement, ptr::null_mut()),
                ffi::SQLITE_OK,
                "prepare the read"
            );
        }
        Reader { db, statement }
    }

    /// Reads the ticket of this id; returns the bytes of its values.
    fn read(&mut self, id: i64) -> usize {
        let mut bytes = 0usize;
        // SAFETY: `statement` is a live prepared statement of this thread's connection.
        unsafe {
            ffi::sqlite3_bind_int64(self.statement, 1, id);
            if ffi::sqlite3_step(self.statement) == ffi::SQLITE_ROW {
                for column in 0..ffi::sqlite3_column_count(self.statement) {
                    match ffi::sqlite3_column_type(self.statement, column) {
                        ffi::SQLITE_INTEGER => {
                            bytes += ffi::sqlite3_column_int64(self.statement, column) as usize & 1
                        }
                        ffi::SQLITE_NULL => {}
                        _ => {
                            ffi::sqlite3_column_text(self.statement, column);
                            bytes += ffi::sqlite3_column_bytes(self.statement, column) as usize;
                        }
                    }
                }
            }
            ffi::sqlite3_reset(self.statement);
        }
        bytes
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        // SAFETY: both handles are live and no longer used.
        unsafe {
            ffi::sqlite3_finalize(self.statement);
            ffi::sqlite3_close(self.db);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("the database file");
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let largest: i64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..threads)
        .map(|thread| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut reader = Reader::open(&path);
                // A cheap, reproducible spread of ids over the whole table.
                let mut id = 1 + thread as i64;
                let mut reads = 0u64;
                while Instant::now() < deadline {
                    id = (id * 48271) % largest.max(2) + 1;
                    std::hint::black_box(reader.read(id));
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    let reads: u64 = workers.into_iter().map(|w| w.join().expect("reader")).sum();
    let rate = reads as f64 / started.elapsed().as_secs_f64();
    println!("{{\"reads\": {reads}, \"per_second\": {rate:.1}}}");
}
