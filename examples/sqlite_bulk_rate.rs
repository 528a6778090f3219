//! An upper bound of the import rate: how many tickets a second SQLite itself inserts into the
//! loaded `tickets` table (its indexes and trigram index included) in one transaction, copying
//! existing rows with new ids by `INSERT … SELECT` through the bundled library: no request, no
//! parsing, no history nor counts, and no commit (the transaction is rolled back, leaving the
//! file as it was).
//!
//!     cargo run --release --example sqlite_bulk_rate -- <database file> <rows>

use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl, SqliteConnection};

/// The columns copied: all but the id.
const COLUMNS: &str = "member_id, requester_id, requester_name, requester_email, \
    requester_phone, title, description, search_text, ticket_type, category_id, priority, status, \
    origin, channel, assignee_id, created_at, created_on, acknowledged_at, resolved_at, closed_at, \
    updated_at, version, paused_minutes, waiting_since, acknowledge_minutes, resolve_minutes, \
    overdue_notified_at";

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("the database file");
    let rows: i64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let mut conn = SqliteConnection::establish(&path).expect("open SQLite");
    conn.batch_execute(
        "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; \
         PRAGMA cache_size = -65536;",
    )
    .expect("settings");
    conn.batch_execute("BEGIN IMMEDIATE").expect("begin");
    let started = Instant::now();
    let copied = diesel::sql_query(format!(
        "INSERT INTO tickets ({COLUMNS}) SELECT {COLUMNS} FROM tickets WHERE id <= {rows}"
    ))
    .execute(&mut conn)
    .expect("copy the tickets");
    diesel::sql_query(format!(
        "INSERT INTO tickets_search (rowid, search_text) SELECT id, search_text FROM tickets \
         WHERE id > (SELECT max(id) FROM tickets) - {copied}"
    ))
    .execute(&mut conn)
    .expect("index them for search");
    let seconds = started.elapsed().as_secs_f64();
    conn.batch_execute("ROLLBACK").expect("roll back");
    let rate = copied as f64 / seconds;
    println!("{{\"rows\": {copied}, \"per_second\": {rate:.1}}}");
}
