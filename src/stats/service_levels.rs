//! Service levels per member and priority: how long tickets took to be taken in charge and to
//! be resolved, in business minutes, against their targets.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::MemberRef;
use crate::db::service_levels::Row;
use crate::domain::service_level::{Histogram, Targets};

#[derive(Debug, Serialize, ToSchema)]
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

/// Rows by member code, then priority, from the aggregates of one year (all origins given
/// are added up).
pub fn service_levels(
    members: &[MemberRef],
    counts: &[Row],
    targets: &Targets,
    year: i32,
) -> ServiceLevels {
    /// Tickets of a member and priority, and the minutes measured of them.
    #[derive(Default)]
    struct Group {
        tickets: i64,
        acknowledge: Histogram,
        resolve: Histogram,
    }
    let mut groups: BTreeMap<(i64, i32), Group> = BTreeMap::new();
    for row in counts.iter().filter(|r| r.year == year) {
        let group = groups.entry((row.member_id, row.priority)).or_default();
        group.tickets += row.tickets;
        group
            .acknowledge
            .merge(&Histogram::decode(&row.acknowledge_histogram));
        group
            .resolve
            .merge(&Histogram::decode(&row.resolve_histogram));
    }
    let by_id: BTreeMap<i64, &MemberRef> = members.iter().map(|m| (m.id, m)).collect();
    let mut rows: Vec<ServiceLevelRow> = groups
        .into_iter()
        .filter(|(_, group)| group.tickets != 0)
        .filter_map(|((member_id, priority), group)| {
            by_id.get(&member_id).map(|member| ServiceLevelRow {
                member_id,
                member_code: member.code.clone(),
                member_name: member.name.clone(),
                priority,
                tickets: group.tickets,
                acknowledge: durations(&group.acknowledge, targets.acknowledge_for(priority)),
                resolve: durations(&group.resolve, targets.resolve_for(priority)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_member_and_priority_gets_count_median_p90_and_share_within_target() {
        let members = [MemberRef {
            id: 1,
            code: "A".into(),
            name: "A".into(),
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
            priority: 1,
            origin: origin.into(),
            tickets,
            acknowledged: acknowledge.count(),
            acknowledge_histogram: acknowledge.encode(),
            resolved: 0,
            resolve_histogram: Vec::new(),
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
