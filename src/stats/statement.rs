//! The members' statements ("relevés d'activité"): what each member is billed for in a period,
//! its posted, on-site and project days and its share of the hotline presence, beside the
//! tickets it filed. Every figure is in hundredths of a day, shared so that the members' add up
//! exactly to the team's: each kind of work by the largest-remainder method over the members'
//! minutes, the hotline presence by their hotline tickets (as `hotline_allocation` shares it).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::allocation::largest_remainder;
use super::groups::CategoryRef;
use super::service_levels::ServiceLevels;
use super::{
    in_period, minutes_to_hundredths, HotlineAllocation, MemberRef, MonthFilter, OriginFilter,
};
use crate::db::counts::{TicketGroupCount, TicketMonthCount, WorkMonthMinutes, NO_MEMBER};
use crate::domain::ticket::Origin;
use crate::domain::work_log::WorkKind;

/// Hundredths of a day as days with two decimals.
fn days(hundredths: i64) -> f64 {
    hundredths as f64 / 100.0
}

/// One member's line: its tickets and what it is billed for, in days.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementRow {
    pub member_id: i64,
    pub member_code: String,
    pub member_name: String,
    /// The name charts write ("SMBVB"): the member's short name, or its name.
    pub member_short_name: String,
    pub hotline_tickets: i64,
    pub posted_tickets: i64,
    pub posted_days: f64,
    pub on_site_days: f64,
    pub project_days: f64,
    /// Its share of the hotline presence, by its hotline tickets.
    pub hotline_days: f64,
    /// Posted, on-site and project days and the hotline share: what the member is billed.
    pub total_days: f64,
    pub total_hundredths: i64,
}

/// The team's figures the members' lines add up to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementTotals {
    pub hotline_tickets: i64,
    pub posted_tickets: i64,
    pub posted_days: f64,
    pub on_site_days: f64,
    pub project_days: f64,
    /// The presence shared: the days given, or the period's hotline duty logged.
    pub hotline_days: f64,
    pub total_days: f64,
    pub total_hundredths: i64,
}

/// Every member's statement of a period, and the team's totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Statements {
    pub year: i32,
    pub month: Option<u32>,
    pub workday_minutes: u32,
    /// Whether the presence was given rather than taken from the hotline duty logged.
    pub presence_given: bool,
    pub rows: Vec<StatementRow>,
    pub totals: StatementTotals,
}

/// What the statements are computed from.
pub struct StatementInput<'a> {
    pub members: &'a [MemberRef],
    pub ticket_counts: &'a [TicketMonthCount],
    pub work_minutes: &'a [WorkMonthMinutes],
    pub year: i32,
    pub month: MonthFilter,
    /// The period's hotline presence as the members share it.
    pub allocation: &'a HotlineAllocation,
    pub workday_minutes: u32,
}

/// The slot of a billed kind in `[posted, on_site, project]`; hotline duty is shared apart.
fn billed_slot(kind: WorkKind) -> Option<usize> {
    match kind {
        WorkKind::Posted => Some(0),
        WorkKind::OnSite => Some(1),
        WorkKind::Project => Some(2),
        WorkKind::HotlineDuty => None,
    }
}

pub fn statements(input: &StatementInput) -> Statements {
    let StatementInput {
        members,
        year,
        month,
        workday_minutes,
        ..
    } = *input;
    let mut tickets: BTreeMap<i64, [i64; 2]> = BTreeMap::new();
    for count in input.ticket_counts {
        if count.year == year && in_period(count.month, month) {
            let slot = usize::from(count.origin != Origin::Hotline);
            tickets.entry(count.member_id).or_insert([0; 2])[slot] += count.tickets;
        }
    }
    let mut minutes: BTreeMap<i64, [i64; 3]> = BTreeMap::new();
    for row in input.work_minutes {
        if row.year != year || !in_period(row.month, month) || row.member_id == NO_MEMBER {
            continue;
        }
        if let Some(slot) = billed_slot(row.kind) {
            minutes.entry(row.member_id).or_insert([0; 3])[slot] += row.minutes.max(0);
        }
    }
    let allocation = input.allocation;
    let shares: BTreeMap<i64, i64> = allocation
        .rows
        .iter()
        .map(|r| (r.member_id, r.hundredths))
        .collect();

    let listed: Vec<&MemberRef> = members
        .iter()
        .filter(|m| {
            tickets
                .get(&m.id)
                .is_some_and(|t| t.iter().any(|n| *n != 0))
                || minutes
                    .get(&m.id)
                    .is_some_and(|w| w.iter().any(|n| *n != 0))
                || shares.get(&m.id).is_some_and(|h| *h != 0)
        })
        .collect();
    // Each kind's team total in hundredths, shared over the members by their minutes.
    let mut billed: Vec<[i64; 3]> = vec![[0; 3]; listed.len()];
    let mut team = [0i64; 3];
    for (slot, team_hundredths) in team.iter_mut().enumerate() {
        let weights: Vec<(&str, u64)> = listed
            .iter()
            .map(|m| {
                let of = minutes.get(&m.id).map_or(0, |w| w[slot]);
                (m.code.as_str(), of as u64)
            })
            .collect();
        let total_minutes: i64 = weights.iter().map(|(_, w)| *w as i64).sum();
        *team_hundredths = minutes_to_hundredths(total_minutes, workday_minutes);
        for (line, share) in billed
            .iter_mut()
            .zip(largest_remainder(*team_hundredths as u64, &weights))
        {
            line[slot] = share as i64;
        }
    }
    let mut rows: Vec<StatementRow> = listed
        .iter()
        .zip(&billed)
        .map(|(member, [posted, on_site, project])| {
            let [hotline_tickets, posted_tickets] =
                tickets.get(&member.id).copied().unwrap_or([0; 2]);
            let hotline = shares.get(&member.id).copied().unwrap_or(0);
            let total = posted + on_site + project + hotline;
            StatementRow {
                member_id: member.id,
                member_code: member.code.clone(),
                member_name: member.name.clone(),
                member_short_name: member.short_name.clone(),
                hotline_tickets,
                posted_tickets,
                posted_days: days(*posted),
                on_site_days: days(*on_site),
                project_days: days(*project),
                hotline_days: days(hotline),
                total_days: days(total),
                total_hundredths: total,
            }
        })
        .collect();
    super::sort_rows(&mut rows, |r| (r.total_hundredths, r.member_code.as_str()));
    let shared: i64 = shares.values().sum();
    let total = team.iter().sum::<i64>() + shared;
    Statements {
        year,
        month,
        workday_minutes,
        presence_given: allocation.presence_given,
        totals: StatementTotals {
            hotline_tickets: rows.iter().map(|r| r.hotline_tickets).sum(),
            posted_tickets: rows.iter().map(|r| r.posted_tickets).sum(),
            posted_days: days(team[0]),
            on_site_days: days(team[1]),
            project_days: days(team[2]),
            hotline_days: days(shared),
            total_days: days(total),
            total_hundredths: total,
        },
        rows,
    }
}

/// A category's tickets in a member's statement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryTickets {
    /// None for the tickets without a category.
    pub category_id: Option<i64>,
    pub category_name: Option<String>,
    pub parent_name: Option<String>,
    pub tickets: i64,
}

/// How many of the member's tickets were taken in charge and resolved within their targets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WithinTarget {
    pub acknowledged: i64,
    pub acknowledged_within_target: i64,
    /// Percent with two decimals; null without a ticket taken in charge.
    pub acknowledged_within_target_pct: Option<f64>,
    pub resolved: i64,
    pub resolved_within_target: i64,
    pub resolved_within_target_pct: Option<f64>,
}

/// One member's statement of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberStatement {
    pub year: i32,
    pub month: Option<u32>,
    pub workday_minutes: u32,
    #[serde(flatten)]
    pub line: StatementRow,
    /// The member's tickets of the period (every origin) by the category they have now.
    pub tickets_by_category: Vec<CategoryTickets>,
    /// The hotline tickets of the year (whatever the period) against the service's targets.
    pub service_levels: WithinTarget,
    /// The hotline presence shared among the members, and the hotline tickets it was shared by.
    pub presence_days: f64,
    pub presence_given: bool,
    pub team_hotline_tickets: i64,
}

/// A member's statement from the statements of every member (a member with nothing in the
/// period gets a line of zeros) and its own counts by category.
pub fn member_statement(
    all: &Statements,
    member: &MemberRef,
    categories: &[CategoryRef],
    category_counts: &[TicketGroupCount],
    service_levels: &ServiceLevels,
) -> MemberStatement {
    let line = all
        .rows
        .iter()
        .find(|r| r.member_id == member.id)
        .cloned()
        .unwrap_or_else(|| StatementRow {
            member_id: member.id,
            member_code: member.code.clone(),
            member_name: member.name.clone(),
            member_short_name: member.short_name.clone(),
            hotline_tickets: 0,
            posted_tickets: 0,
            posted_days: 0.0,
            on_site_days: 0.0,
            project_days: 0.0,
            hotline_days: 0.0,
            total_days: 0.0,
            total_hundredths: 0,
        });
    let own: Vec<TicketGroupCount> = category_counts
        .iter()
        .filter(|c| c.member_id == member.id)
        .cloned()
        .collect();
    let by_category = super::groups::by_category(
        categories,
        &own,
        &[],
        (all.year, None, all.month),
        OriginFilter::All,
        all.workday_minutes,
    );
    let tickets_by_category = by_category
        .rows
        .into_iter()
        .filter(|r| r.tickets != 0)
        .map(|r| CategoryTickets {
            category_id: r.category_id,
            category_name: r.category_name,
            parent_name: r.parent_name,
            tickets: r.tickets,
        })
        .collect();
    let mut levels = [0i64; 4];
    for row in service_levels
        .rows
        .iter()
        .filter(|r| r.member_id == member.id)
    {
        for (slot, durations) in [(0, &row.acknowledge), (2, &row.resolve)] {
            levels[slot] += durations.count;
            let pct = durations.within_target_pct.unwrap_or(0.0);
            levels[slot + 1] += (durations.count as f64 * pct / 100.0).round() as i64;
        }
    }
    let pct = |within: i64, of: i64| {
        (of > 0).then(|| (within as f64 * 10_000.0 / of as f64).round() / 100.0)
    };
    MemberStatement {
        year: all.year,
        month: all.month,
        workday_minutes: all.workday_minutes,
        line,
        tickets_by_category,
        service_levels: WithinTarget {
            acknowledged: levels[0],
            acknowledged_within_target: levels[1],
            acknowledged_within_target_pct: pct(levels[1], levels[0]),
            resolved: levels[2],
            resolved_within_target: levels[3],
            resolved_within_target_pct: pct(levels[3], levels[2]),
        },
        presence_days: all.totals.hotline_days,
        presence_given: all.presence_given,
        team_hotline_tickets: all.totals.hotline_tickets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn member(id: i64) -> MemberRef {
        MemberRef {
            id,
            code: format!("M{id:02}"),
            name: format!("Member {id}"),
            short_name: format!("M{id}"),
        }
    }

    fn kind(slot: usize) -> WorkKind {
        [
            WorkKind::Posted,
            WorkKind::OnSite,
            WorkKind::Project,
            WorkKind::HotlineDuty,
        ][slot]
    }

    proptest! {
        /// Whatever the tickets and the work, the members' hotline shares add up to the
        /// presence (when there is a hotline ticket to share it by) and their totals to the
        /// team's days: each kind's minutes in days, plus the presence.
        #[test]
        fn the_members_lines_add_up_to_the_teams_days(
            tickets in proptest::collection::vec((1i64..12, 1i32..13, any::<bool>(), 0i64..40), 0..60),
            work in proptest::collection::vec((0i64..12, 1i32..13, 0usize..4, 1i64..5000), 0..80),
            presence in proptest::option::of(0i64..100_000),
            month in proptest::option::of(1u32..13),
        ) {
            let members: Vec<MemberRef> = (1..12).map(member).collect();
            let ticket_counts: Vec<TicketMonthCount> = tickets
                .iter()
                .map(|&(member_id, month, hotline, n)| TicketMonthCount {
                    member_id,
                    year: 2018,
                    month,
                    origin: if hotline { Origin::Hotline } else { Origin::Posted },
                    tickets: n,
                })
                .collect();
            let work_minutes: Vec<WorkMonthMinutes> = work
                .iter()
                .map(|&(member_id, month, slot, minutes)| WorkMonthMinutes {
                    member_id: if slot == 3 { NO_MEMBER } else { member_id.max(1) },
                    year: 2018,
                    month,
                    kind: kind(slot),
                    minutes,
                })
                .collect();
            let duty: i64 = work_minutes
                .iter()
                .filter(|w| w.kind == WorkKind::HotlineDuty && in_period(w.month, month))
                .map(|w| w.minutes)
                .sum();
            let presence_hundredths = presence.unwrap_or_else(|| minutes_to_hundredths(duty, 420));
            let all = statements(&StatementInput {
                members: &members,
                ticket_counts: &ticket_counts,
                work_minutes: &work_minutes,
                year: 2018,
                month,
                allocation: &super::super::hotline_allocation(
                    &members,
                    &ticket_counts,
                    2018,
                    month,
                    presence_hundredths,
                    presence.is_some(),
                ),
                workday_minutes: 420,
            });
            let hundredths = |d: f64| (d * 100.0).round() as i64;
            let shares: i64 = all.rows.iter().map(|r| hundredths(r.hotline_days)).sum();
            let any_hotline = ticket_counts
                .iter()
                .any(|c| c.origin == Origin::Hotline && c.tickets > 0 && in_period(c.month, month));
            if any_hotline {
                prop_assert_eq!(shares, presence_hundredths);
            } else {
                prop_assert_eq!(shares, 0);
            }
            let mut kinds = [0i64; 3];
            for w in work_minutes.iter().filter(|w| in_period(w.month, month)) {
                if let Some(slot) = billed_slot(w.kind) {
                    kinds[slot] += w.minutes;
                }
            }
            let team: i64 = kinds.iter().map(|m| minutes_to_hundredths(*m, 420)).sum::<i64>() + shares;
            let lines: i64 = all.rows.iter().map(|r| r.total_hundredths).sum();
            prop_assert_eq!(lines, team);
            prop_assert_eq!(all.totals.total_hundredths, team);
            for row in &all.rows {
                let parts = hundredths(row.posted_days) + hundredths(row.on_site_days)
                    + hundredths(row.project_days) + hundredths(row.hotline_days);
                prop_assert_eq!(parts, row.total_hundredths);
            }
        }
    }
}
