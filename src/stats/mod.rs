//! The statistics engine: pure functions over the monthly aggregates, grouped by member,
//! month and kind. Their cost grows with members x months, never with tickets.

pub mod allocation;
pub mod chapter;
pub mod csv;
pub mod docx;
pub mod export;
pub mod groups;
pub mod lang;
pub mod report;
pub mod service_levels;
pub mod statement;
pub mod statement_doc;
pub mod svg;
pub mod tables;
pub mod xlsx;

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

    fn counts(self, origin: Origin) -> bool {
        match self {
            OriginFilter::All => true,
            OriginFilter::Only(wanted) => wanted == origin,
        }
    }
}

/// What a statistic shows of a member.
#[derive(Debug, Clone)]
pub struct MemberRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The name charts and the report's tables write: the member's short name, or its name.
    pub short_name: String,
}

impl From<crate::db::members::Member> for MemberRef {
    fn from(member: crate::db::members::Member) -> Self {
        let short_name = member.report_name().to_string();
        MemberRef {
            id: member.id,
            code: member.record.code,
            name: member.record.name,
            short_name,
        }
    }
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
    /// The name charts write ("SMBVB"): the member's short name, or its name.
    pub member_short_name: String,
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
        if !origin.counts(count.origin) || !in_period(count.month, month) {
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
            member_short_name: member.short_name.clone(),
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
    /// The name charts write ("SMBVB"): the member's short name, or its name.
    pub member_short_name: String,
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
            && origin.counts(count.origin)
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
                member_short_name: member.short_name.clone(),
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

/// Minutes with their value in days (two decimals).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Amount {
    pub minutes: i64,
    pub days: f64,
}

impl Amount {
    fn new(minutes: i64, workday_minutes: u32) -> Self {
        Amount {
            minutes,
            days: minutes_to_days(minutes, workday_minutes),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkDaysRow {
    pub member_id: i64,
    pub member_code: String,
    pub member_name: String,
    /// The name charts write ("SMBVB"): the member's short name, or its name.
    pub member_short_name: String,
    pub posted: Amount,
    pub on_site: Amount,
    pub project: Amount,
    pub total: Amount,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkTotals {
    pub posted: Amount,
    pub on_site: Amount,
    pub project: Amount,
    pub hotline_duty: Amount,
    pub all: Amount,
}

/// Each kind's share of all the work, in percent with two decimals, adding up to 100.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkShares {
    pub posted: f64,
    pub on_site: f64,
    pub project: f64,
    pub hotline_duty: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkDays {
    pub year: i32,
    pub workday_minutes: u32,
    pub rows: Vec<WorkDaysRow>,
    pub totals: WorkTotals,
    pub shares_pct: WorkShares,
}

/// Work per member and kind, with totals and each kind's share.
pub fn work_days(
    members: &[MemberRef],
    minutes: &[WorkMonthMinutes],
    year: i32,
    month: MonthFilter,
    workday_minutes: u32,
) -> WorkDays {
    // [posted, on_site, project] per member; hotline duty apart.
    let mut per_member: BTreeMap<i64, [i64; 3]> = BTreeMap::new();
    let mut kinds = [0i64; 4];
    for row in minutes {
        if row.year != year || !in_period(row.month, month) {
            continue;
        }
        let kind = row.kind;
        let slot = match kind {
            WorkKind::Posted => 0,
            WorkKind::OnSite => 1,
            WorkKind::Project => 2,
            WorkKind::HotlineDuty => 3,
        };
        kinds[slot] += row.minutes;
        if slot < 3 && row.member_id != NO_MEMBER {
            per_member.entry(row.member_id).or_insert([0; 3])[slot] += row.minutes;
        }
    }
    let members = by_id(members);
    let amount = |m: i64| Amount::new(m, workday_minutes);
    let mut rows: Vec<WorkDaysRow> = per_member
        .into_iter()
        .filter(|(_, m)| m.iter().any(|n| *n != 0))
        .filter_map(|(id, [posted, on_site, project])| {
            members.get(&id).map(|member| WorkDaysRow {
                member_id: id,
                member_code: member.code.clone(),
                member_name: member.name.clone(),
                member_short_name: member.short_name.clone(),
                posted: amount(posted),
                on_site: amount(on_site),
                project: amount(project),
                total: amount(posted + on_site + project),
            })
        })
        .collect();
    sort_rows(&mut rows, |r| (r.total.minutes, r.member_code.as_str()));
    let all: i64 = kinds.iter().sum();
    let weights: Vec<(usize, u64)> = kinds
        .iter()
        .enumerate()
        .map(|(i, m)| (i, (*m).max(0) as u64))
        .collect();
    // Hundredths of a percent, shared so that the four shares add up to exactly 100.00.
    let shares = allocation::largest_remainder(10_000, &weights);
    let pct = |i: usize| shares[i] as f64 / 100.0;
    WorkDays {
        year,
        workday_minutes,
        rows,
        totals: WorkTotals {
            posted: amount(kinds[0]),
            on_site: amount(kinds[1]),
            project: amount(kinds[2]),
            hotline_duty: amount(kinds[3]),
            all: amount(all),
        },
        shares_pct: WorkShares {
            posted: pct(0),
            on_site: pct(1),
            project: pct(2),
            hotline_duty: pct(3),
        },
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationRow {
    pub member_id: i64,
    pub member_code: String,
    pub member_name: String,
    /// The name charts write ("SMBVB"): the member's short name, or its name.
    pub member_short_name: String,
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
            member_short_name: r.member_short_name.clone(),
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
mod tests;
