//! What PostgreSQL alone runs: its migrations, rows locked as they are read, transactions
//! run again after a deadlock, upserts diesel builds for it alone, the search window read from
//! the index of the newest texts, the trigram index's pending list, vacuums after imports.

use chrono::NaiveDateTime;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel::upsert::excluded;
use diesel::PgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::aggregates::{ServiceLevelRow, TicketMonthCount};
use super::backends::{Dialect, MigrationError};
use super::schema::{service_level_counts as slc, ticket_month_counts, tickets};
use super::tickets::{like_pattern, SEARCH_WINDOW, SHORT_TEXT};
use super::turns::Turn;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// PostgreSQL's trigram index gathers new entries in a pending list and merges it into the
/// index when it passes `gin_pending_list_limit` (4 MB by default); the insert that passes it
/// waits for the whole merge. With 256 kB the merges of filings are short, for about as many
/// filings a second (figures in `bench/README.md`). An import keeps the large list, whose
/// merges cost it less in all.
const FILING_PENDING_LIST: &str = "SET LOCAL gin_pending_list_limit = 256";

impl Dialect for PgConnection {
    fn migrate(&mut self) -> Result<Vec<String>, MigrationError> {
        let applied = self.run_pending_migrations(MIGRATIONS)?;
        Ok(applied.iter().map(ToString::to_string).collect())
    }

    fn use_wal(&mut self) -> QueryResult<()> {
        Ok(())
    }

    /// A transaction the server undid for a deadlock or a serialization failure is lost
    /// whole (not a savepoint within one): its owner, the outermost, starts it over.
    fn retries_whole_transactions(&mut self) -> bool {
        matches!(
            AnsiTransactionManager::transaction_manager_status_mut(self).transaction_depth(),
            Ok(None)
        )
    }

    fn begin_write(&mut self) -> QueryResult<Option<Turn<'static>>> {
        AnsiTransactionManager::begin_transaction(self)?;
        Ok(None)
    }

    /// Concurrent changes of one ticket then apply one after the other, each to the version
    /// the one before left.
    fn resumed_ticket_ids(&mut self) -> QueryResult<Vec<i64>> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT id FROM tickets WHERE status IN ('new', 'assigned', 'in_progress', 'waiting') \
             AND paused_minutes <> 0 AND waiting_since IS NULL",
        )
        .load(self)?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    fn lock_ticket(&mut self, id: i64) -> QueryResult<()> {
        tickets::table
            .find(id)
            .select(tickets::id)
            .for_update()
            .first::<i64>(self)
            .optional()
            .map(|_| ())
    }

    fn add_ticket_counts(&mut self, rows: &[TicketMonthCount]) -> QueryResult<()> {
        use ticket_month_counts::dsl as t;
        diesel::insert_into(t::ticket_month_counts)
            .values(rows)
            .on_conflict((t::member_id, t::year, t::month, t::origin))
            .do_update()
            .set(t::tickets.eq(t::tickets + excluded(t::tickets)))
            .execute(self)
            .map(|_| ())
    }

    fn create_service_level_rows(&mut self, rows: &[ServiceLevelRow]) -> QueryResult<()> {
        diesel::insert_into(slc::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(self)
            .map(|_| ())
    }

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
            .for_update()
            .load(self)
    }

    fn replace_service_level_rows(&mut self, rows: &[ServiceLevelRow]) -> QueryResult<()> {
        diesel::insert_into(slc::table)
            .values(rows)
            .on_conflict((slc::member_id, slc::year, slc::priority, slc::origin))
            .do_update()
            .set((
                slc::tickets.eq(excluded(slc::tickets)),
                slc::acknowledged.eq(excluded(slc::acknowledged)),
                slc::acknowledge_histogram.eq(excluded(slc::acknowledge_histogram)),
                slc::resolved.eq(excluded(slc::resolved)),
                slc::resolve_histogram.eq(excluded(slc::resolve_histogram)),
                slc::revision.eq(excluded(slc::revision)),
            ))
            .execute(self)
            .map(|_| ())
    }

    fn add_service_level_tickets(&mut self, rows: &[ServiceLevelRow]) -> QueryResult<()> {
        diesel::insert_into(slc::table)
            .values(rows)
            .on_conflict((slc::member_id, slc::year, slc::priority, slc::origin))
            .do_update()
            .set((
                slc::tickets.eq(slc::tickets + excluded(slc::tickets)),
                slc::revision.eq(slc::revision + 1),
            ))
            .execute(self)
            .map(|_| ())
    }

    fn index_for_search(&mut self, _first: i64, _last: i64) -> QueryResult<()> {
        Ok(())
    }

    /// The newest SEARCH_WINDOW short texts, read from `tickets_newest_text` alone, in order,
    /// until a page of them matches. A LIMIT in the subquery keeps the text condition out of
    /// it: the window is read from the index, never through the trigram index.
    fn newest_short_text_matches(
        &mut self,
        q: &str,
        after: Option<(NaiveDateTime, i64)>,
        limit: i64,
    ) -> QueryResult<Option<Vec<(NaiveDateTime, i64)>>> {
        #[derive(QueryableByName)]
        struct Key {
            #[diesel(sql_type = Timestamp)]
            created_at: NaiveDateTime,
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let window = format!(
            "SELECT created_at, id FROM (SELECT created_at, id, search_text FROM tickets \
             WHERE {SHORT_TEXT}{} ORDER BY created_at DESC, id DESC LIMIT $1) newest \
             WHERE search_text LIKE $2 ESCAPE '\\' ORDER BY created_at DESC, id DESC LIMIT $3",
            if after.is_some() {
                " AND created_at <= $4 AND (created_at < $4 OR (created_at = $4 AND id < $5))"
            } else {
                ""
            }
        );
        let mut query = diesel::sql_query(window)
            .into_boxed::<Pg>()
            .bind::<BigInt, _>(SEARCH_WINDOW)
            .bind::<Text, _>(like_pattern(q))
            .bind::<BigInt, _>(limit);
        if let Some((created_at, id)) = after {
            query = query.bind::<Timestamp, _>(created_at).bind::<BigInt, _>(id);
        }
        Ok(Some(
            query
                .load::<Key>(self)?
                .into_iter()
                .map(|k| (k.created_at, k.id))
                .collect(),
        ))
    }

    fn phrase_index_filter(&self, _lowered: &str) -> Option<(&'static str, String, &'static str)> {
        None
    }

    fn prepare_filing(&mut self) -> QueryResult<()> {
        self.batch_execute(FILING_PENDING_LIST)
    }

    fn enlarge_cache(&mut self) -> Option<i64> {
        None
    }

    fn restore_cache(&mut self, _normal: i64) {}

    fn vacuum_tickets(&mut self) -> QueryResult<()> {
        self.batch_execute("VACUUM (ANALYZE) tickets, ticket_month_counts, service_level_counts")
    }

    fn checkpoint(&mut self) -> QueryResult<()> {
        Ok(())
    }

    fn pings_after_idle(&self) -> bool {
        true
    }
}
