//! Service-level aggregates: per member, year of filing, priority and origin, how many
//! tickets, and histograms of their taken-in-charge and resolution minutes. Kept in the
//! transaction of each ticket write, by taking a ticket's contribution out and putting its new
//! one in.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use crate::domain::ticket::{Origin, Priority};
use diesel::upsert::excluded;

pub use super::aggregates::ServiceLevelRow as Row;
use super::schema::service_level_counts as slc;
use super::{each_backend, DbConn, Dialect};
use crate::domain::service_level::Histogram;

/// Which row a ticket counts in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub member_id: i64,
    pub year: i32,
    pub priority: Priority,
    pub origin: Origin,
}

/// What a ticket adds to its row (or, negated, takes away).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    pub tickets: i64,
    pub acknowledge: Histogram,
    pub resolve: Histogram,
}

impl Delta {
    fn merge(&mut self, other: &Delta) {
        self.tickets += other.tickets;
        self.acknowledge.merge(&other.acknowledge);
        self.resolve.merge(&other.resolve);
    }
}

/// One ticket's place and measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub key: Key,
    pub acknowledge_minutes: Option<i32>,
    pub resolve_minutes: Option<i32>,
}

impl Contribution {
    pub fn new(
        member_id: i64,
        created_on: NaiveDate,
        priority: Priority,
        origin: Origin,
        acknowledge_minutes: Option<i32>,
        resolve_minutes: Option<i32>,
    ) -> Self {
        Contribution {
            key: Key {
                member_id,
                year: created_on.year(),
                priority,
                origin,
            },
            acknowledge_minutes,
            resolve_minutes,
        }
    }

    fn delta(&self, sign: i64) -> Delta {
        let mut delta = Delta {
            tickets: sign,
            ..Delta::default()
        };
        if let Some(minutes) = self.acknowledge_minutes {
            delta.acknowledge.add(i64::from(minutes), sign);
        }
        if let Some(minutes) = self.resolve_minutes {
            delta.resolve.add(i64::from(minutes), sign);
        }
        delta
    }
}

/// Replaces a ticket's old contribution by its new one.
pub fn replace(conn: &mut DbConn, old: &Contribution, new: &Contribution) -> QueryResult<()> {
    if old == new {
        return Ok(());
    }
    if old.key == new.key {
        let mut delta = new.delta(1);
        delta.merge(&old.delta(-1));
        return apply(conn, &new.key, &delta);
    }
    // In key order, as `add_all` does, so that two tickets moved in opposite directions at
    // once do not each wait for the row the other holds.
    let mut changes = [(&old.key, old.delta(-1)), (&new.key, new.delta(1))];
    changes.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (key, delta) in &changes {
        apply(conn, key, delta)?;
    }
    Ok(())
}

/// Counts many tickets: each row they touch is read once and written once, in a few statements
/// whatever their number of tickets and rows.
pub fn add_all(conn: &mut DbConn, tickets: &[Contribution]) -> QueryResult<()> {
    let mut deltas: HashMap<Key, Delta> = HashMap::new();
    for ticket in tickets {
        deltas
            .entry(ticket.key.clone())
            .or_default()
            .merge(&ticket.delta(1));
    }
    if deltas.is_empty() {
        return Ok(());
    }
    let mut keys: Vec<&Key> = deltas.keys().collect();
    keys.sort_unstable();
    if deltas
        .values()
        .all(|d| d.acknowledge.is_empty() && d.resolve.is_empty())
    {
        return add_counts(conn, &keys, &deltas);
    }
    // Rows are created, locked and written in key order, so that two writers of overlapping
    // rows take their locks in the same order and never wait for each other.
    let empties: Vec<Row> = keys.iter().map(|key| Row::empty(key)).collect();
    for chunk in empties.chunks(ROWS_PER_STATEMENT) {
        each_backend!(&mut *conn, c => c.create_service_level_rows(chunk))?;
    }
    let mut members: Vec<i64> = keys.iter().map(|k| k.member_id).collect();
    members.sort_unstable();
    members.dedup();
    let mut years: Vec<i32> = keys.iter().map(|k| k.year).collect();
    years.sort_unstable();
    years.dedup();
    // SQLite's write transaction holds the whole database; PostgreSQL locks the rows read.
    let current = each_backend!(&mut *conn, c => c.locked_service_level_rows(&members, &years))?;
    let updated: Vec<Row> = current
        .into_iter()
        .filter_map(|mut row| {
            let delta = deltas.get(&row.key())?;
            row.add(delta);
            Some(row)
        })
        .collect();
    for chunk in updated.chunks(ROWS_PER_STATEMENT) {
        each_backend!(&mut *conn, c => c.replace_service_level_rows(chunk))?;
    }
    Ok(())
}

/// Adds tickets without measures (new ones) to their rows, in key order: their histograms do
/// not change, so one upsert per chunk of rows creates them or adds to their counters.
fn add_counts(conn: &mut DbConn, keys: &[&Key], deltas: &HashMap<Key, Delta>) -> QueryResult<()> {
    let counted: Vec<Row> = keys
        .iter()
        .map(|&key| Row {
            tickets: deltas[key].tickets,
            revision: 1,
            ..Row::empty(key)
        })
        .collect();
    for chunk in counted.chunks(ROWS_PER_STATEMENT) {
        each_backend!(&mut *conn, c => c.add_service_level_tickets(chunk))?;
    }
    Ok(())
}

/// Rows of one multi-row statement: ten values each, within SQLite's limit of bound values.
const ROWS_PER_STATEMENT: usize = 1000;

impl Row {
    fn empty(key: &Key) -> Row {
        Row {
            member_id: key.member_id,
            year: key.year,
            priority: key.priority,
            origin: key.origin,
            tickets: 0,
            acknowledged: 0,
            acknowledge_histogram: Vec::new(),
            resolved: 0,
            resolve_histogram: Vec::new(),
            revision: 0,
        }
    }

    fn key(&self) -> Key {
        Key {
            member_id: self.member_id,
            year: self.year,
            priority: self.priority,
            origin: self.origin,
        }
    }

    fn add(&mut self, delta: &Delta) {
        self.revision += 1;
        self.tickets += delta.tickets;
        self.acknowledged += delta.acknowledge.count();
        self.resolved += delta.resolve.count();
        if !delta.acknowledge.is_empty() {
            let mut histogram = Histogram::decode(&self.acknowledge_histogram);
            histogram.merge(&delta.acknowledge);
            self.acknowledge_histogram = histogram.encode();
        }
        if !delta.resolve.is_empty() {
            let mut histogram = Histogram::decode(&self.resolve_histogram);
            histogram.merge(&delta.resolve);
            self.resolve_histogram = histogram.encode();
        }
    }
}

fn apply(conn: &mut DbConn, key: &Key, delta: &Delta) -> QueryResult<()> {
    let counted = Row {
        tickets: delta.tickets,
        acknowledged: delta.acknowledge.count(),
        resolved: delta.resolve.count(),
        ..Row::empty(key)
    };
    // One statement creates the row or adds to its counters, and so takes its lock: the
    // histograms read next are the latest, and no concurrent writer can change them before
    // this transaction ends. The multi connection cannot build it: it runs on the connection held.
    each_backend!(&mut *conn, c => {
        diesel::insert_into(slc::table)
            .values(&counted)
            .on_conflict((slc::member_id, slc::year, slc::priority, slc::origin))
            .do_update()
            .set((
                slc::tickets.eq(slc::tickets + excluded(slc::tickets)),
                slc::acknowledged.eq(slc::acknowledged + excluded(slc::acknowledged)),
                slc::resolved.eq(slc::resolved + excluded(slc::resolved)),
                slc::revision.eq(slc::revision + 1),
            ))
            .execute(c)
    })?;
    let row = slc::table
        .filter(slc::member_id.eq(key.member_id))
        .filter(slc::year.eq(key.year))
        .filter(slc::priority.eq(key.priority))
        .filter(slc::origin.eq(&key.origin));
    if delta.acknowledge.is_empty() && delta.resolve.is_empty() {
        return Ok(());
    }
    let (acknowledge, resolve): (Vec<u8>, Vec<u8>) = row
        .select((slc::acknowledge_histogram, slc::resolve_histogram))
        .first(conn)?;
    let mut acknowledge = Histogram::decode(&acknowledge);
    acknowledge.merge(&delta.acknowledge);
    let mut resolve = Histogram::decode(&resolve);
    resolve.merge(&delta.resolve);
    diesel::update(row)
        .set((
            slc::acknowledge_histogram.eq(acknowledge.encode()),
            slc::resolve_histogram.eq(resolve.encode()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Which revision of a row (with tickets) a year has, of one origin or all: no histogram read.
pub fn revisions_for_year(
    conn: &mut DbConn,
    year: i32,
    origin: Option<Origin>,
) -> QueryResult<Vec<(Key, i64)>> {
    let mut query = slc::table
        .filter(slc::year.eq(year))
        .filter(slc::tickets.ne(0))
        .select((slc::member_id, slc::priority, slc::origin, slc::revision))
        .into_boxed();
    if let Some(origin) = origin {
        query = query.filter(slc::origin.eq(origin));
    }
    Ok(query
        .load::<(i64, Priority, Origin, i64)>(conn)?
        .into_iter()
        .map(|(member_id, priority, origin, revision)| {
            (
                Key {
                    member_id,
                    year,
                    priority,
                    origin,
                },
                revision,
            )
        })
        .collect())
}

/// The rows of a year of some members, of one origin or all.
pub fn for_year_of(
    conn: &mut DbConn,
    year: i32,
    origin: Option<Origin>,
    members: &[i64],
) -> QueryResult<Vec<Row>> {
    let mut query = slc::table
        .filter(slc::year.eq(year))
        .filter(slc::tickets.ne(0))
        .filter(slc::member_id.eq_any(members.to_vec()))
        .select(Row::as_select())
        .into_boxed();
    if let Some(origin) = origin {
        query = query.filter(slc::origin.eq(origin));
    }
    query.load(conn)
}

/// The rows of a year, of one origin or all.
pub fn for_year(conn: &mut DbConn, year: i32, origin: Option<Origin>) -> QueryResult<Vec<Row>> {
    let mut query = slc::table
        .filter(slc::year.eq(year))
        .filter(slc::tickets.ne(0))
        .select(Row::as_select())
        .into_boxed();
    if let Some(origin) = origin {
        query = query.filter(slc::origin.eq(origin));
    }
    query.load(conn)
}
