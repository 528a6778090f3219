//! Work days per member and kind of work, with the totals and the shares of each kind.

use super::*;

/// Minutes with their value in days (two decimals).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Amount {
    pub minutes: i64,
    pub days: f64,
}

impl Amount {
    pub(super) fn new(minutes: i64, workday_minutes: u32) -> Self {
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
        let Ok(kind) = WorkKind::parse(&row.kind) else {
            continue;
        };
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
