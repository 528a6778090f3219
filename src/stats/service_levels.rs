//! Service levels per member and priority: how long tickets took to be taken in charge and to
//! be resolved, in business minutes, against their targets.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::MemberRef;
use crate::domain::service_level::{percentile, Targets};

/// One ticket's measures, as stored when it was taken in charge and resolved.
#[derive(Debug, Clone, Copy)]
pub struct Measure {
    pub member_id: i64,
    pub priority: i32,
    pub acknowledge_minutes: Option<i32>,
    pub resolve_minutes: Option<i32>,
}

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

fn durations(mut values: Vec<i64>, target: i64) -> Durations {
    values.sort_unstable();
    let count = values.len() as i64;
    let within = values.iter().filter(|v| **v <= target).count() as i64;
    let round = |v: f64| (v * 100.0).round() / 100.0;
    Durations {
        count,
        target_minutes: target,
        median_minutes: percentile(&values, 50.0).map(round),
        p90_minutes: percentile(&values, 90.0).map(round),
        within_target_pct: (count > 0).then(|| round(within as f64 * 100.0 / count as f64)),
    }
}

/// Rows by member code, then priority.
pub fn service_levels(
    members: &[MemberRef],
    measures: &[Measure],
    targets: &Targets,
    year: i32,
) -> ServiceLevels {
    /// Tickets of a member and priority, and the minutes measured of them.
    #[derive(Default)]
    struct Group {
        tickets: i64,
        acknowledge: Vec<i64>,
        resolve: Vec<i64>,
    }
    let mut groups: BTreeMap<(i64, i32), Group> = BTreeMap::new();
    for m in measures {
        let group = groups.entry((m.member_id, m.priority)).or_default();
        group.tickets += 1;
        group
            .acknowledge
            .extend(m.acknowledge_minutes.map(i64::from));
        group.resolve.extend(m.resolve_minutes.map(i64::from));
    }
    let by_id: BTreeMap<i64, &MemberRef> = members.iter().map(|m| (m.id, m)).collect();
    let mut rows: Vec<ServiceLevelRow> = groups
        .into_iter()
        .filter_map(|((member_id, priority), group)| {
            by_id.get(&member_id).map(|member| ServiceLevelRow {
                member_id,
                member_code: member.code.clone(),
                member_name: member.name.clone(),
                priority,
                tickets: group.tickets,
                acknowledge: durations(group.acknowledge, targets.acknowledge_for(priority)),
                resolve: durations(group.resolve, targets.resolve_for(priority)),
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
        let measures: Vec<Measure> = [10, 20, 40, 50]
            .iter()
            .map(|m| Measure {
                member_id: 1,
                priority: 1,
                acknowledge_minutes: Some(*m),
                resolve_minutes: None,
            })
            .chain([Measure {
                member_id: 1,
                priority: 1,
                acknowledge_minutes: None,
                resolve_minutes: None,
            }])
            .collect();
        let stats = service_levels(&members, &measures, &targets, 2018);
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
