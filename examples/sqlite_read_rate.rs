//! The machine's limit for reading one ticket: point reads of one ticket by id per second from
//! a SQLite file through the bundled library, on two threads (one per core of the benchmark's
//! machine) with a connection each, as the service's pool does.
//!
//!     cargo run --release --example sqlite_read_rate -- <database file> <seconds> <largest id>

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    title: String,
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
                let mut conn = SqliteConnection::establish(&path).expect("open SQLite");
                conn.batch_execute("PRAGMA busy_timeout = 10000;")
                    .expect("settings");
                // A cheap, reproducible spread of ids over the whole table.
                let mut id = 1 + thread as i64;
                let mut reads = 0u64;
                while Instant::now() < deadline {
                    id = (id * 48271) % largest.max(2) + 1;
                    let rows: Vec<Row> = diesel::sql_query("SELECT * FROM tickets WHERE id = ?")
                        .bind::<BigInt, _>(id)
                        .load(&mut conn)
                        .expect("read");
                    std::hint::black_box(rows.first().map(|r| r.title.len()));
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
