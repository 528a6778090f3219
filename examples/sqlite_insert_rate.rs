//! The machine's limit for the benchmark: one-row insert transactions per second into SQLite
//! through the bundled library, in WAL mode with the service's own settings
//! (synchronous = FULL), one transaction per row, with the median and 99th percentile of
//! their times.
//!
//!     cargo run --release --example sqlite_insert_rate -- <folder> <seconds>

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

fn main() {
    let mut args = std::env::args().skip(1);
    let folder = args.next().unwrap_or_else(|| ".".into());
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let path = std::path::Path::new(&folder).join("insert-rate.db");
    let _ = std::fs::remove_file(&path);
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open SQLite");
    conn.batch_execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;
         CREATE TABLE rows (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, created_at TIMESTAMP NOT NULL);",
    )
    .expect("prepare the table");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut times = Vec::with_capacity(1 << 16);
    loop {
        let begun = Instant::now();
        if begun >= deadline {
            break;
        }
        conn.batch_execute(
            "BEGIN IMMEDIATE; INSERT INTO rows (title, created_at) VALUES ('one row', '2018-03-05 09:12:00'); COMMIT;",
        )
        .expect("insert");
        times.push(begun.elapsed());
    }
    let rate = times.len() as f64 / started.elapsed().as_secs_f64();
    times.sort_unstable();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1)))
            .map_or(0.0, |t| t.as_secs_f64() * 1000.0)
    };
    println!(
        "{{\"rows\": {}, \"per_second\": {rate:.1}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}}}",
        times.len(),
        at(0.50),
        at(0.99)
    );
    let _ = std::fs::remove_file(&path);
}
