//! What SQLite alone runs: its migrations, WAL and checkpoints, the write lock taken at once,
//! multi-row upserts written out in SQL, the FTS5 phrase index, the import's page cache.

use chrono::NaiveDateTime;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Integer, Text};
use diesel::sqlite::Sqlite;
use diesel::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::aggregates::{ServiceLevelRow, TicketMonthCount};
use super::backends::{Dialect, MigrationError};
use super::schema::service_level_counts as slc;
use super::turns::{Turn, SQLITE_WRITER};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Page cache a SQLite connection takes for the length of a bulk import, in KiB.
const BULK_CACHE_KIB: i64 = 128 * 1024;

/// `INSERT INTO … VALUES (…), (…) …` with `rows` copies of `row` between `head` and `tail`:
/// diesel cannot build a multi-row insert with an `ON CONFLICT` clause for SQLite.
fn multi_row(head: &str, row: &str, rows: usize, tail: &str) -> String {
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

/// Inserts whole service-level rows in one statement ending with `conflict` (what to do with a
/// row already there).
fn insert_service_level_rows(
    sqlite: &mut SqliteConnection,
    rows: &[ServiceLevelRow],
    conflict: &str,
) -> QueryResult<()> {
    let sql = multi_row(
        "INSERT INTO service_level_counts (member_id, year, priority, origin, tickets, \
         acknowledged, acknowledge_histogram, resolved, resolve_histogram, revision)",
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows.len(),
        conflict,
    );
    let mut query = diesel::sql_query(sql).into_boxed::<Sqlite>();
    for row in rows {
        query = query
            .bind::<BigInt, _>(row.member_id)
            .bind::<Integer, _>(row.year)
            .bind::<Integer, _>(row.priority)
            .bind::<Text, _>(&row.origin)
            .bind::<BigInt, _>(row.tickets)
            .bind::<BigInt, _>(row.acknowledged)
            .bind::<Binary, _>(&row.acknowledge_histogram)
            .bind::<BigInt, _>(row.resolved)
            .bind::<Binary, _>(&row.resolve_histogram)
            .bind::<BigInt, _>(row.revision);
    }
    query.execute(sqlite).map(|_| ())
}

fn is_nested(sqlite: &mut SqliteConnection) -> bool {
    !matches!(
        AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth(),
        Ok(None)
    )
}

impl Dialect for SqliteConnection {
    fn migrate(&mut self) -> Result<Vec<String>, MigrationError> {
        let applied = self.run_pending_migrations(MIGRATIONS)?;
        Ok(applied.iter().map(ToString::to_string).collect())
    }

    fn use_wal(&mut self) -> QueryResult<()> {
        self.batch_execute("PRAGMA journal_mode = WAL;")
    }

    /// SQLite answers "busy" rather than undoing a transaction: nothing to run again.
    fn retries_whole_transactions(&mut self) -> bool {
        false
    }

    /// `BEGIN IMMEDIATE`, so that a transaction that reads before it writes waits for other
    /// writers instead of failing when it upgrades its lock. Within a transaction already
    /// open on this connection: a savepoint, which undoes this work alone if it fails.
    fn begin_write(&mut self) -> QueryResult<Option<Turn<'static>>> {
        if is_nested(self) {
            AnsiTransactionManager::begin_transaction(self)?;
            return Ok(None);
        }
        let turn = SQLITE_WRITER.take();
        AnsiTransactionManager::begin_transaction_sql(self, "BEGIN IMMEDIATE")?;
        Ok(Some(turn))
    }

    fn resumed_ticket_ids(&mut self) -> QueryResult<Vec<i64>> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT id FROM tickets INDEXED BY tickets_resumed_clocks WHERE status IN ('new', 'assigned', 'in_progress', 'waiting') \
             AND paused_minutes <> 0 AND waiting_since IS NULL",
        )
        .load(self)?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    fn lock_ticket(&mut self, _id: i64) -> QueryResult<()> {
        Ok(())
    }

    fn add_ticket_counts(&mut self, rows: &[TicketMonthCount]) -> QueryResult<()> {
        let sql = multi_row(
            "INSERT INTO ticket_month_counts (member_id, year, month, origin, tickets)",
            "(?, ?, ?, ?, ?)",
            rows.len(),
            "ON CONFLICT (member_id, year, month, origin) \
             DO UPDATE SET tickets = tickets + excluded.tickets",
        );
        let mut query = diesel::sql_query(sql).into_boxed::<Sqlite>();
        for row in rows {
            query = query
                .bind::<BigInt, _>(row.member_id)
                .bind::<Integer, _>(row.year)
                .bind::<Integer, _>(row.month)
                .bind::<Text, _>(&row.origin)
                .bind::<BigInt, _>(row.tickets);
        }
        query.execute(self).map(|_| ())
    }

    fn create_service_level_rows(&mut self, rows: &[ServiceLevelRow]) -> QueryResult<()> {
        insert_service_level_rows(self, rows, "ON CONFLICT DO NOTHING")
    }

    /// SQLite's write transaction holds the whole database: a plain read.
    fn locked_service_level_rows(
        &mut self,
        members: &[i64],
        years: &[i32],
    ) -> QueryResult<Vec<ServiceLevelRow>> {
        slc::table
            .filter(slc::member_id.eq_any(members))
            .filter(slc::year.eq_any(years))
            .order((slc::member_id, slc::year, slc::priority, slc::origin))
            .select(ServiceLevelRow::as_select())
            .load(self)
    }

    fn replace_service_level_rows(&mut self, rows: &[ServiceLevelRow]) -> QueryResult<()> {
        insert_service_level_rows(
            self,
            rows,
            "ON CONFLICT (member_id, year, priority, origin) DO UPDATE SET \
             tickets = excluded.tickets, acknowledged = excluded.acknowledged, \
             acknowledge_histogram = excluded.acknowledge_histogram, \
             resolved = excluded.resolved, resolve_histogram = excluded.resolve_histogram, \
             revision = excluded.revision",
        )
    }

    fn add_service_level_tickets(&mut self, rows: &[ServiceLevelRow]) -> QueryResult<()> {
        insert_service_level_rows(
            self,
            rows,
            "ON CONFLICT (member_id, year, priority, origin) DO UPDATE SET \
             tickets = tickets + excluded.tickets, revision = revision + 1",
        )
    }

    /// In one statement, so that FTS5 writes one segment for them all.
    fn index_for_search(&mut self, first: i64, last: i64) -> QueryResult<()> {
        diesel::sql_query(
            "INSERT INTO tickets_search (rowid, search_text) \
             SELECT id, search_text FROM tickets WHERE id BETWEEN ? AND ?",
        )
        .bind::<BigInt, _>(first)
        .bind::<BigInt, _>(last)
        .execute(self)
        .map(|_| ())
    }

    fn newest_short_text_matches(
        &mut self,
        _q: &str,
        _after: Option<(NaiveDateTime, i64)>,
        _limit: i64,
    ) -> QueryResult<Option<Vec<(NaiveDateTime, i64)>>> {
        Ok(None)
    }

    /// The trigram index finds a text of three characters or more as a phrase; a shorter one
    /// is looked for in every ticket.
    fn phrase_index_filter(&self, lowered: &str) -> Option<(&'static str, String, &'static str)> {
        (lowered.chars().count() >= 3).then(|| {
            (
                "tickets.id IN (SELECT rowid FROM tickets_search WHERE tickets_search MATCH ",
                format!("\"{}\"", lowered.replace('"', "\"\"")),
                ")",
            )
        })
    }

    fn prepare_filing(&mut self) -> QueryResult<()> {
        Ok(())
    }

    /// An import of thousands of rows updates every index of the table (and the trigram
    /// index) all over, and a pooled connection's small cache would read the same pages back
    /// from the file again and again.
    fn enlarge_cache(&mut self) -> Option<i64> {
        let query = diesel::select(diesel::dsl::sql::<BigInt>(
            "cache_size FROM pragma_cache_size()",
        ));
        let normal: i64 = query.get_result(self).ok()?;
        self.batch_execute(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"))
            .ok()
            .map(|()| normal)
    }

    fn restore_cache(&mut self, normal: i64) {
        if let Err(e) = self.batch_execute(&format!(
            "PRAGMA cache_size = {normal}; PRAGMA shrink_memory;"
        )) {
            log::warn!("cannot give back the import's page cache: {e}");
        }
        crate::memory::release_free_memory();
    }

    fn vacuum_tickets(&mut self) -> QueryResult<()> {
        Ok(())
    }

    /// SQLite starts the log over only when a writer finds all of it copied back; a plain
    /// passive checkpoint under steady filings never gets there (what was committed while it
    /// copied is still to copy), and the log grew by every commit, with each sync to disk of a
    /// commit slower for it (figures in `bench/README.md`). So the bulk is copied while
    /// writers go on, then the little they
    /// committed meanwhile while no writer of this process is between its `BEGIN` and its
    /// `COMMIT`. A reader still on an older state can hold the restart off; the next round
    /// tries again. `journal_size_limit` then cuts a log that grew (during a long read, say)
    /// back to a size that is reused.
    fn checkpoint(&mut self) -> QueryResult<()> {
        self.batch_execute("PRAGMA wal_checkpoint(PASSIVE)")?;
        let _turn = SQLITE_WRITER.take();
        self.batch_execute("PRAGMA wal_checkpoint(PASSIVE)")
    }

    fn pings_after_idle(&self) -> bool {
        false
    }
}
