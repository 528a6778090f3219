//! The statistics engine: pure functions over the monthly aggregates, grouped by member,
//! month and kind. Their cost grows with members x months, never with tickets.

pub mod allocation;
pub mod csv;
pub mod export;
pub mod lang;
pub mod report;
pub mod service_levels;
pub mod svg;
pub mod tables;
pub mod xlsx;

mod days;

pub use days::*;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::counts::{TicketMonthCount, WorkMonthMinutes, NO_MEMBER};
use crate::domain::ticket::Origin;
use crate::domain::work_log::{minutes_to_days, WorkKind};
use crate::domain::FieldError;

/// Which tickets a statistic counts: hotline ones by default, as the activity report does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginFilter {
    Only(Origin),
    All,
}

impl OriginFilter {
    pub fn parse(value: Option<&str>) -> Result<Self, FieldError> {
        match value {
            None | Some("hotline") => Ok(OriginFilter::Only(Origin::Hotline)),
            Some("posted") => Ok(OriginFilter::Only(Origin::Posted)),
            Some("all") => Ok(OriginFilter::All),
            Some(_) => Err(FieldError::new("origin", "must be hotline, posted or all")),
        }
    }

    fn counts(self, origin: &str) -> bool {
        match self {
            OriginFilter::All => true,
            OriginFilter::Only(wanted) => wanted.as_str() == origin,
        }
    }
}

/// What a statistic shows of a member.
#[derive(Debug, Clone)]
pub struct MemberRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

fn by_id(members: &[MemberRef]) -> HashMap<i64, &MemberRef> {
    members.iter().map(|m| (m.id, m)).collect()
}

/// Rows sorted by their main figure, largest first, then by member code.
fn sort_rows<T>(rows: &mut [T], key: impl Fn(&T) -> (i64, &str)) {
    rows.sort_by(|a, b| {
        let (fa, ca) = key(a);
        let (fb, cb) = key(b);
        fb.cmp(&fa).then_with(|| ca.cmp(cb))
    });
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketsByMemberRow {
    pub member_id: i64,
    pub member_code: String,
    pub member_name: String,
    pub tickets: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_tickets: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketsByMember {
    pub year: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_year: Option<i32>,
    pub rows: Vec<TicketsByMemberRow>,
    pub total: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_total: Option<i64>,
}

/// A month of the year, 1 to 12, or the whole year.
pub type MonthFilter = Option<u32>;

fn in_period(count_month: i32, month: MonthFilter) -> bool {
    month.is_none_or(|m| count_month == m as i32)
}

/// Tickets per member in a year (or one of its months), optionally beside another year; a
/// member appears when it has a ticket in either.
pub fn tickets_by_member(
    members: &[MemberRef],
    counts: &[TicketMonthCount],
    year: i32,
    compare_year: Option<i32>,
    month: MonthFilter,
    origin: OriginFilter,
) -> TicketsByMember {
    let mut current: BTreeMap<i64, i64> = BTreeMap::new();
    let mut compared: BTreeMap<i64, i64> = BTreeMap::new();
    for count in counts {
        if !origin.counts(&count.origin) || !in_period(count.month, month) {
            continue;
        }
        if count.year == year {
            *current.entry(count.member_id).or_default() += count.tickets;
        }
        if Some(count.year) == compare_year {
            *compared.entry(count.member_id).or_default() += count.tickets;
        }
    }
    let members = by_id(members);
    let mut ids: Vec<i64> = current
        .iter()
        .chain(compared.iter())
        .filter(|(_, n)| **n != 0)
        .map(|(id, _)| *id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut rows: Vec<TicketsByMemberRow> = ids
        .into_iter()
        .filter_map(|id| members.get(&id).map(|m| (id, *m)))
        .map(|(id, member)| TicketsByMemberRow {
            member_id: id,
            member_code: member.code.clone(),
            member_name: member.name.clone(),
            tickets: current.get(&id).copied().unwrap_or(0),
            compare_tickets: compare_year.map(|_| compared.get(&id).copied().unwrap_or(0)),
        })
        .collect();
    sort_rows(&mut rows, |r| (r.tickets, r.member_code.as_str()));
    TicketsByMember {
        year,
        compare_year,
        total: rows.iter().map(|r| r.tickets).sum(),
        compare_total: compare_year.map(|_| rows.iter().filter_map(|r| r.compare_tickets).sum()),
        rows,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeasonalityRow {
    pub member_id: i64,
    pub member_code: String,
    pub member_name: String,
    /// Twelve counts, January first.
    pub months: [i64; 12],
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Seasonality {
    pub year: i32,
    /// Twelve counts, January first.
    pub months: [i64; 12],
    pub total: i64,
    pub by_member: Vec<SeasonalityRow>,
}

/// Tickets per month of a year, overall and per member.
pub fn seasonality(
    members: &[MemberRef],
    counts: &[TicketMonthCount],
    year: i32,
    member_id: Option<i64>,
    origin: OriginFilter,
) -> Seasonality {
    let mut matrix: BTreeMap<i64, [i64; 12]> = BTreeMap::new();
    for count in counts {
        let wanted = count.year == year
            && origin.counts(&count.origin)
            && member_id.is_none_or(|m| m == count.member_id)
            && (1..=12).contains(&count.month);
        if wanted {
            matrix.entry(count.member_id).or_insert([0; 12])[(count.month - 1) as usize] +=
                count.tickets;
        }
    }
    let members = by_id(members);
    let mut by_member: Vec<SeasonalityRow> = matrix
        .into_iter()
        .filter(|(_, months)| months.iter().any(|n| *n != 0))
        .filter_map(|(id, months)| {
            members.get(&id).map(|member| SeasonalityRow {
                member_id: id,
                member_code: member.code.clone(),
                member_name: member.name.clone(),
                total: months.iter().sum(),
                months,
            })
        })
        .collect();
    sort_rows(&mut by_member, |r| (r.total, r.member_code.as_str()));
    let mut months = [0i64; 12];
    for row in &by_member {
        for (sum, n) in months.iter_mut().zip(row.months) {
            *sum += n;
        }
    }
    Seasonality {
        year,
        total: months.iter().sum(),
        months,
        by_member,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationRow {
    pub member_id: i64,
    pub member_code: String,
    pub member_name: String,
    pub tickets: i64,
    pub hundredths: i64,
    pub days: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HotlineAllocation {
    pub year: i32,
    /// The presence shared, in hundredths of a day.
    pub presence_hundredths: i64,
    pub presence_days: f64,
    /// Whether the presence was given as a parameter rather than taken from the year's
    /// hotline duty logs.
    pub presence_given: bool,
    pub rows: Vec<AllocationRow>,
}

/// The year's hotline duty minutes as hundredths of a day, rounded half up.
pub fn minutes_to_hundredths(minutes: i64, workday_minutes: u32) -> i64 {
    let workday = i64::from(workday_minutes);
    (minutes * 200 + workday).div_euclid(2 * workday)
}

/// Hotline presence shared among members in proportion to their hotline tickets, by the
/// largest-remainder method in hundredths of a day, ties to the smaller code.
pub fn hotline_allocation(
    members: &[MemberRef],
    counts: &[TicketMonthCount],
    year: i32,
    month: MonthFilter,
    presence_hundredths: i64,
    presence_given: bool,
) -> HotlineAllocation {
    let tickets = tickets_by_member(
        members,
        counts,
        year,
        None,
        month,
        OriginFilter::Only(Origin::Hotline),
    );
    let weights: Vec<(&str, u64)> = tickets
        .rows
        .iter()
        .map(|r| (r.member_code.as_str(), r.tickets.max(0) as u64))
        .collect();
    let shares = allocation::largest_remainder(presence_hundredths.max(0) as u64, &weights);
    let mut rows: Vec<AllocationRow> = tickets
        .rows
        .iter()
        .zip(shares)
        .filter(|(r, _)| r.tickets > 0)
        .map(|(r, share)| AllocationRow {
            member_id: r.member_id,
            member_code: r.member_code.clone(),
            member_name: r.member_name.clone(),
            tickets: r.tickets,
            hundredths: share as i64,
            days: share as f64 / 100.0,
        })
        .collect();
    sort_rows(&mut rows, |r| (r.hundredths, r.member_code.as_str()));
    HotlineAllocation {
        year,
        presence_hundredths,
        presence_days: presence_hundredths as f64 / 100.0,
        presence_given,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: i64, code: &str) -> MemberRef {
        MemberRef {
            id,
            code: code.into(),
            name: format!("Member {code}"),
        }
    }

    fn count(
        member_id: i64,
        year: i32,
        month: i32,
        origin: &str,
        tickets: i64,
    ) -> TicketMonthCount {
        TicketMonthCount {
            member_id,
            year,
            month,
            origin: origin.into(),
            tickets,
        }
    }

    #[test]
    fn tickets_are_counted_per_member_hotline_only_by_default() {
        let members = [member(1, "A"), member(2, "B"), member(3, "C")];
        let counts = [
            count(1, 2017, 1, "hotline", 3),
            count(1, 2017, 5, "hotline", 2),
            count(1, 2017, 5, "posted", 7),
            count(2, 2017, 2, "hotline", 5),
            count(3, 2016, 2, "hotline", 4),
        ];
        let stats = tickets_by_member(
            &members,
            &counts,
            2017,
            Some(2016),
            None,
            OriginFilter::parse(None).unwrap(),
        );
        let rows: Vec<(&str, i64, Option<i64>)> = stats
            .rows
            .iter()
            .map(|r| (r.member_code.as_str(), r.tickets, r.compare_tickets))
            .collect();
        // Ties on the main figure go to the smaller code.
        assert_eq!(
            rows,
            vec![("A", 5, Some(0)), ("B", 5, Some(0)), ("C", 0, Some(4))]
        );
        assert_eq!((stats.total, stats.compare_total), (10, Some(4)));
        let all = tickets_by_member(&members, &counts, 2017, None, None, OriginFilter::All);
        assert_eq!(all.total, 17);
    }

    #[test]
    fn seasonality_fills_the_member_by_month_matrix() {
        let members = [member(1, "A"), member(2, "B")];
        let counts = [
            count(1, 2018, 1, "hotline", 3),
            count(2, 2018, 1, "hotline", 1),
            count(2, 2018, 12, "hotline", 2),
        ];
        let stats = seasonality(&members, &counts, 2018, None, OriginFilter::All);
        assert_eq!(stats.months[0], 4);
        assert_eq!(stats.months[11], 2);
        assert_eq!(stats.total, 6);
        assert_eq!(stats.by_member[0].member_code, "A");
        assert_eq!(stats.by_member[1].months[11], 2);
        let only_b = seasonality(&members, &counts, 2018, Some(2), OriginFilter::All);
        assert_eq!(only_b.total, 3);
        assert_eq!(only_b.by_member.len(), 1);
    }

    #[test]
    fn work_days_share_all_the_work_by_kind() {
        let members = [member(1, "A")];
        let minutes = |kind: &str, member_id: i64, minutes: i64| WorkMonthMinutes {
            member_id,
            year: 2018,
            month: 3,
            kind: kind.into(),
            minutes,
        };
        let rows = [
            minutes("posted", 1, 700 * 420),
            minutes("on_site", 1, 100 * 420),
            minutes("project", 1, 50 * 420),
            minutes("hotline_duty", NO_MEMBER, 150 * 420),
        ];
        let stats = work_days(&members, &rows, 2018, None, 420);
        assert_eq!(stats.rows[0].total.days, 850.0);
        assert_eq!(stats.totals.all.days, 1000.0);
        assert_eq!(stats.totals.hotline_duty.minutes, 150 * 420);
        assert_eq!(stats.shares_pct.posted, 70.0);
        assert_eq!(stats.shares_pct.hotline_duty, 15.0);
    }

    #[test]
    fn hotline_days_are_allocated_in_hundredths_adding_up() {
        let members = [member(1, "A"), member(2, "B"), member(3, "C")];
        let counts = [
            count(1, 2018, 1, "hotline", 1),
            count(2, 2018, 1, "hotline", 1),
            count(3, 2018, 1, "hotline", 1),
            count(3, 2018, 1, "posted", 50),
        ];
        let stats = hotline_allocation(&members, &counts, 2018, None, 35_000, true);
        let shares: Vec<(&str, i64)> = stats
            .rows
            .iter()
            .map(|r| (r.member_code.as_str(), r.hundredths))
            .collect();
        assert_eq!(shares, vec![("A", 11_667), ("B", 11_667), ("C", 11_666)]);
        assert_eq!(stats.rows.iter().map(|r| r.hundredths).sum::<i64>(), 35_000);
    }

    #[test]
    fn minutes_become_hundredths_of_a_day() {
        assert_eq!(minutes_to_hundredths(350 * 420, 420), 35_000);
        assert_eq!(minutes_to_hundredths(210, 420), 50);
        assert_eq!(minutes_to_hundredths(1, 420), 0);
        assert_eq!(minutes_to_hundredths(3, 420), 1);
    }
}
