//! Service levels per member and priority: how long tickets took to be taken in charge and to
//! be resolved, in business minutes, against their targets.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde::Serialize;
use utoipa::ToSchema;

use super::MemberRef;
use diesel::QueryResult;

use crate::db::service_levels::Row;
use crate::db::{self, DbConn};
use crate::domain::service_level::{Histogram, Targets};
use crate::domain::ticket::{Origin, Priority};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Durations {
    /// Tickets measured (taken in charge, or resolved).
    pub count: i64,
    pub target_minutes: i64,
    /// Null without any ticket measured.
    pub median_minutes: Option<f64>,
    /// Linear interpolation between ranks, like the median.
    pub p90_minutes: Option<f64>,
    /// Share of the measured tickets within the target, in percent with two decimals.
    pub within_target_pct: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceLevelRow {
    pub member_id: i64,
    pub member_code: String,
    pub member_name: String,
    /// The name charts write ("SMBVB"): the member's short name, or its name.
    pub member_short_name: String,
    pub priority: i32,
    /// Tickets of the period, measured or not.
    pub tickets: i64,
    pub acknowledge: Durations,
    pub resolve: Durations,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceLevels {
    pub year: i32,
    pub rows: Vec<ServiceLevelRow>,
}

fn durations(histogram: &Histogram, target: i64) -> Durations {
    let count = histogram.count();
    let round = |v: f64| (v * 100.0).round() / 100.0;
    Durations {
        count,
        target_minutes: target,
        median_minutes: histogram.percentile(50.0).map(round),
        p90_minutes: histogram.percentile(90.0).map(round),
        within_target_pct: (count > 0)
            .then(|| round(histogram.at_most(target) as f64 * 100.0 / count as f64)),
    }
}

/// The figures of a member and priority in a year, and the revisions of the rows (one per
/// origin, in order) they come from.
#[derive(Debug, Clone)]
struct Group {
    revisions: Vec<(Origin, i64)>,
    tickets: i64,
    acknowledge: Durations,
    resolve: Durations,
}

/// The figures of each member and priority found in `counts` (all origins given are added up).
fn groups(counts: &[Row], targets: &Targets, year: i32) -> BTreeMap<(i64, Priority), Group> {
    #[derive(Default)]
    struct Sum {
        revisions: Vec<(Origin, i64)>,
        tickets: i64,
        acknowledge: Histogram,
        resolve: Histogram,
    }
    let mut sums: BTreeMap<(i64, Priority), Sum> = BTreeMap::new();
    for row in counts.iter().filter(|r| r.year == year) {
        let sum = sums.entry((row.member_id, row.priority)).or_default();
        sum.revisions.push((row.origin, row.revision));
        sum.tickets += row.tickets;
        sum.acknowledge
            .merge(&Histogram::decode(&row.acknowledge_histogram));
        sum.resolve
            .merge(&Histogram::decode(&row.resolve_histogram));
    }
    sums.into_iter()
        .map(|((member_id, priority), mut sum)| {
            sum.revisions.sort_unstable();
            let group = Group {
                revisions: sum.revisions,
                tickets: sum.tickets,
                acknowledge: durations(&sum.acknowledge, targets.acknowledge_for(priority)),
                resolve: durations(&sum.resolve, targets.resolve_for(priority)),
            };
            ((member_id, priority), group)
        })
        .collect()
}

/// Rows by member code, then priority.
fn rows(
    members: &[MemberRef],
    groups: BTreeMap<(i64, Priority), Group>,
    year: i32,
) -> ServiceLevels {
    let by_id: BTreeMap<i64, &MemberRef> = members.iter().map(|m| (m.id, m)).collect();
    let mut rows: Vec<ServiceLevelRow> = groups
        .into_iter()
        .filter(|(_, group)| group.tickets != 0)
        .filter_map(|((member_id, priority), group)| {
            by_id.get(&member_id).map(|member| ServiceLevelRow {
                member_id,
                member_code: member.code.clone(),
                member_name: member.name.clone(),
                member_short_name: member.short_name.clone(),
                priority: priority.number(),
                tickets: group.tickets,
                acknowledge: group.acknowledge,
                resolve: group.resolve,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        a.member_code
            .cmp(&b.member_code)
            .then(a.priority.cmp(&b.priority))
    });
    ServiceLevels { year, rows }
}

/// Rows by member code, then priority, from the aggregates of one year (all origins given
/// are added up).
pub fn service_levels(
    members: &[MemberRef],
    counts: &[Row],
    targets: &Targets,
    year: i32,
) -> ServiceLevels {
    rows(members, groups(counts, targets, year), year)
}

/// The figures already computed of each member, priority, year and origin asked for, with the
/// revisions of the rows they were computed from. A year of a million tickets has histograms
/// of hundreds of buckets per row: reading and adding them up took most of a request, while
/// the figures of a past year seldom change. Entries are a few hundred bytes, one per member
/// and priority of each year and origin asked for.
#[derive(Default)]
pub struct Cache {
    groups: Mutex<HashMap<CacheKey, Group>>,
}

/// Year, origin (none: all), member and priority.
type CacheKey = (i32, Option<Origin>, i64, Priority);

impl Cache {
    /// The service levels of a year, from the revisions of its rows: only the rows of members
    /// whose figures are not known at these revisions are read.
    pub fn service_levels(
        &self,
        conn: &mut DbConn,
        members: &[MemberRef],
        targets: &Targets,
        year: i32,
        origin: Option<Origin>,
    ) -> QueryResult<ServiceLevels> {
        let revisions = db::service_levels::revisions_for_year(conn, year, origin)?;
        let mut wanted: BTreeMap<(i64, Priority), Vec<(Origin, i64)>> = BTreeMap::new();
        for (key, revision) in revisions.iter().filter(|(key, _)| key.year == year) {
            wanted
                .entry((key.member_id, key.priority))
                .or_default()
                .push((key.origin, *revision));
        }
        let mut found: BTreeMap<(i64, Priority), Group> = BTreeMap::new();
        let mut stale: Vec<i64> = Vec::new();
        {
            let cached = self.groups.lock().unwrap_or_else(|e| e.into_inner());
            for ((member_id, priority), revisions) in &mut wanted {
                revisions.sort_unstable();
                match cached.get(&(year, origin, *member_id, *priority)) {
                    Some(group) if group.revisions == *revisions => {
                        found.insert((*member_id, *priority), group.clone());
                    }
                    _ => stale.push(*member_id),
                }
            }
        }
        if !stale.is_empty() {
            stale.dedup();
            let rows_read = db::service_levels::for_year_of(conn, year, origin, &stale)?;
            let computed = groups(&rows_read, targets, year);
            let mut cached = self.groups.lock().unwrap_or_else(|e| e.into_inner());
            for (&(member_id, priority), group) in &computed {
                cached.insert((year, origin, member_id, priority), group.clone());
            }
            // What was just read is at least as recent as the revisions read before it.
            for (place, group) in computed {
                if wanted.contains_key(&place) {
                    found.insert(place, group);
                }
            }
        }
        Ok(rows(members, found, year))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_member_and_priority_gets_count_median_p90_and_share_within_target() {
        let members = [MemberRef {
            id: 1,
            code: "A".into(),
            name: "A".into(),
            short_name: "A".into(),
        }];
        let targets = Targets {
            acknowledge: [30, 60, 240, 480],
            resolve: [240, 600, 1800, 3000],
        };
        let mut acknowledge = Histogram::default();
        for minutes in [10, 20, 40, 50] {
            acknowledge.add(minutes, 1);
        }
        let row = |origin: &str, tickets: i64, acknowledge: &Histogram| Row {
            member_id: 1,
            year: 2018,
            priority: Priority::CRITICAL,
            origin: crate::domain::ticket::Origin::parse(origin).unwrap(),
            tickets,
            acknowledged: acknowledge.count(),
            acknowledge_histogram: acknowledge.encode(),
            resolved: 0,
            resolve_histogram: Vec::new(),
            revision: 0,
        };
        let counts = [
            row("hotline", 4, &acknowledge),
            row("posted", 1, &Histogram::default()),
        ];
        let stats = service_levels(&members, &counts, &targets, 2018);
        let row = &stats.rows[0];
        assert_eq!(row.tickets, 5);
        assert_eq!(row.acknowledge.count, 4);
        assert_eq!(row.acknowledge.median_minutes, Some(30.0));
        assert_eq!(row.acknowledge.p90_minutes, Some(47.0));
        assert_eq!(row.acknowledge.within_target_pct, Some(50.0));
        assert_eq!(row.resolve.count, 0);
        assert_eq!(row.resolve.median_minutes, None);
    }
}
