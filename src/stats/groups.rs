//! Tickets and work days by category and by technician, from the counts kept by group as the
//! member statistics are computed from the counts kept by member.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use super::{in_period, Amount, MonthFilter, OriginFilter};
use crate::db::counts::{TicketGroupCount, WorkGroupMinutes, NO_GROUP};
use crate::domain::work_log::WorkKind;

/// Work of every kind, and all of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct WorkByKind {
    pub posted: Amount,
    pub on_site: Amount,
    pub project: Amount,
    pub hotline_duty: Amount,
    pub total: Amount,
}

impl WorkByKind {
    fn new(minutes: [i64; 4], workday_minutes: u32) -> Self {
        let amount = |m: i64| Amount::new(m, workday_minutes);
        WorkByKind {
            posted: amount(minutes[0]),
            on_site: amount(minutes[1]),
            project: amount(minutes[2]),
            hotline_duty: amount(minutes[3]),
            total: amount(minutes.iter().sum()),
        }
    }
}

/// The slot of a kind in the `[posted, on_site, project, hotline_duty]` arrays.
fn slot(kind: WorkKind) -> usize {
    match kind {
        WorkKind::Posted => 0,
        WorkKind::OnSite => 1,
        WorkKind::Project => 2,
        WorkKind::HotlineDuty => 3,
    }
}

/// A group's figures before it is named.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    tickets: i64,
    compare_tickets: i64,
    work: [i64; 4],
}

impl Tally {
    fn is_empty(&self) -> bool {
        self.tickets == 0 && self.compare_tickets == 0 && self.work.iter().all(|m| *m == 0)
    }

    fn add(&mut self, other: &Tally) {
        self.tickets += other.tickets;
        self.compare_tickets += other.compare_tickets;
        for (sum, m) in self.work.iter_mut().zip(other.work) {
            *sum += m;
        }
    }
}

/// What the counts of one dimension hold for a period: per group id (`NO_GROUP` for none).
fn tally(
    counts: &[TicketGroupCount],
    minutes: &[WorkGroupMinutes],
    year: i32,
    compare_year: Option<i32>,
    month: MonthFilter,
    origin: OriginFilter,
) -> BTreeMap<i64, Tally> {
    let mut groups: BTreeMap<i64, Tally> = BTreeMap::new();
    for count in counts {
        if !origin.counts(count.origin) || !in_period(count.month, month) {
            continue;
        }
        if count.year == year {
            groups.entry(count.group_id).or_default().tickets += count.tickets;
        }
        if Some(count.year) == compare_year {
            groups.entry(count.group_id).or_default().compare_tickets += count.tickets;
        }
    }
    for row in minutes {
        if row.year == year && in_period(row.month, month) {
            groups.entry(row.group_id).or_default().work[slot(row.kind)] += row.minutes;
        }
    }
    groups.retain(|_, tally| !tally.is_empty());
    groups
}

/// The totals of a table by group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupTotals {
    pub tickets: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_tickets: Option<i64>,
    pub work: WorkByKind,
}

fn totals<'a>(
    tallies: impl Iterator<Item = &'a Tally>,
    compare_year: Option<i32>,
    workday_minutes: u32,
) -> GroupTotals {
    let mut sum = Tally::default();
    for tally in tallies {
        sum.add(tally);
    }
    GroupTotals {
        tickets: sum.tickets,
        compare_tickets: compare_year.map(|_| sum.compare_tickets),
        work: WorkByKind::new(sum.work, workday_minutes),
    }
}

/// Groups in the order of the tables: most tickets first, then most work, then by name; the
/// group of none last.
fn order<'a>(tallies: &BTreeMap<i64, Tally>, name: impl Fn(i64) -> &'a str) -> Vec<i64> {
    let mut ids: Vec<i64> = tallies.keys().copied().collect();
    ids.sort_by(|a, b| {
        let (ta, tb) = (&tallies[a], &tallies[b]);
        (*a == NO_GROUP)
            .cmp(&(*b == NO_GROUP))
            .then(tb.tickets.cmp(&ta.tickets))
            .then(
                tb.work
                    .iter()
                    .sum::<i64>()
                    .cmp(&ta.work.iter().sum::<i64>()),
            )
            .then_with(|| name(*a).cmp(name(*b)))
            .then(a.cmp(b))
    });
    ids
}

/// A category as the statistics name it.
#[derive(Debug, Clone)]
pub struct CategoryRef {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryRow {
    /// None for the tickets and work without a category.
    pub category_id: Option<i64>,
    pub category_name: Option<String>,
    pub parent_id: Option<i64>,
    pub parent_name: Option<String>,
    pub tickets: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_tickets: Option<i64>,
    pub work: WorkByKind,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ByCategory {
    pub year: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_year: Option<i32>,
    pub workday_minutes: u32,
    pub rows: Vec<CategoryRow>,
    pub total: GroupTotals,
}

/// Tickets (of an origin) and work by kind per category in a year or one of its months,
/// optionally beside another year's tickets.
pub fn by_category(
    categories: &[CategoryRef],
    counts: &[TicketGroupCount],
    minutes: &[WorkGroupMinutes],
    (year, compare_year, month): (i32, Option<i32>, MonthFilter),
    origin: OriginFilter,
    workday_minutes: u32,
) -> ByCategory {
    let tallies = tally(counts, minutes, year, compare_year, month, origin);
    let known: HashMap<i64, &CategoryRef> = categories.iter().map(|c| (c.id, c)).collect();
    let name_of = |id: i64| known.get(&id).map_or("", |c| c.name.as_str());
    let rows = order(&tallies, name_of)
        .into_iter()
        .map(|id| {
            let tally = &tallies[&id];
            let category = known.get(&id);
            let parent = category
                .and_then(|c| c.parent_id)
                .and_then(|p| known.get(&p));
            CategoryRow {
                category_id: (id != NO_GROUP).then_some(id),
                category_name: category.map(|c| c.name.clone()),
                parent_id: parent.map(|p| p.id),
                parent_name: parent.map(|p| p.name.clone()),
                tickets: tally.tickets,
                compare_tickets: compare_year.map(|_| tally.compare_tickets),
                work: WorkByKind::new(tally.work, workday_minutes),
            }
        })
        .collect();
    ByCategory {
        year,
        compare_year,
        workday_minutes,
        rows,
        total: totals(tallies.values(), compare_year, workday_minutes),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TechnicianRow {
    /// None for the tickets nobody is assigned.
    pub technician_id: Option<i64>,
    pub technician_name: Option<String>,
    pub tickets: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_tickets: Option<i64>,
    pub work: WorkByKind,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ByTechnician {
    pub year: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_year: Option<i32>,
    pub workday_minutes: u32,
    pub rows: Vec<TechnicianRow>,
    pub total: GroupTotals,
}

/// Tickets assigned (of an origin) and work logged by kind per technician.
pub fn by_technician(
    names: &HashMap<i64, String>,
    counts: &[TicketGroupCount],
    minutes: &[WorkGroupMinutes],
    (year, compare_year, month): (i32, Option<i32>, MonthFilter),
    origin: OriginFilter,
    workday_minutes: u32,
) -> ByTechnician {
    let tallies = tally(counts, minutes, year, compare_year, month, origin);
    let name_of = |id: i64| names.get(&id).map_or("", String::as_str);
    let rows = order(&tallies, name_of)
        .into_iter()
        .map(|id| {
            let tally = &tallies[&id];
            TechnicianRow {
                technician_id: (id != NO_GROUP).then_some(id),
                technician_name: names.get(&id).cloned(),
                tickets: tally.tickets,
                compare_tickets: compare_year.map(|_| tally.compare_tickets),
                work: WorkByKind::new(tally.work, workday_minutes),
            }
        })
        .collect();
    ByTechnician {
        year,
        compare_year,
        workday_minutes,
        rows,
        total: totals(tallies.values(), compare_year, workday_minutes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::Origin;

    fn count(group_id: i64, year: i32, month: i32, origin: Origin, n: i64) -> TicketGroupCount {
        TicketGroupCount {
            dimension: "category".into(),
            group_id,
            member_id: 1,
            year,
            month,
            origin,
            tickets: n,
        }
    }

    fn work(group_id: i64, month: i32, kind: WorkKind, minutes: i64) -> WorkGroupMinutes {
        WorkGroupMinutes {
            dimension: "category".into(),
            group_id,
            year: 2018,
            month,
            kind,
            minutes,
        }
    }

    #[test]
    fn categories_are_counted_with_their_parent_and_the_uncategorised_last() {
        let categories = [
            CategoryRef {
                id: 1,
                name: "Windows".into(),
                parent_id: None,
            },
            CategoryRef {
                id: 2,
                name: "Imprimantes".into(),
                parent_id: Some(1),
            },
        ];
        let counts = [
            count(1, 2018, 1, Origin::Hotline, 3),
            count(2, 2018, 2, Origin::Hotline, 5),
            count(2, 2018, 2, Origin::Posted, 7),
            count(NO_GROUP, 2018, 3, Origin::Hotline, 9),
            count(1, 2017, 3, Origin::Hotline, 4),
        ];
        let minutes = [
            work(1, 1, WorkKind::OnSite, 420),
            work(2, 5, WorkKind::Posted, 210),
        ];
        let table = by_category(
            &categories,
            &counts,
            &minutes,
            (2018, Some(2017), None),
            OriginFilter::Only(Origin::Hotline),
            420,
        );
        let names: Vec<Option<&str>> = table
            .rows
            .iter()
            .map(|r| r.category_name.as_deref())
            .collect();
        assert_eq!(names, [Some("Imprimantes"), Some("Windows"), None]);
        assert_eq!(table.rows[0].parent_name.as_deref(), Some("Windows"));
        assert_eq!(table.rows[0].work.posted.days, 0.5);
        assert_eq!(table.rows[1].compare_tickets, Some(4));
        assert_eq!(table.total.tickets, 17);
        assert_eq!(table.total.compare_tickets, Some(4));
        assert_eq!(table.total.work.total.minutes, 630);

        let february = by_category(
            &categories,
            &counts,
            &minutes,
            (2018, None, Some(2)),
            OriginFilter::All,
            420,
        );
        assert_eq!(february.rows.len(), 1);
        assert_eq!(february.rows[0].tickets, 12);
        assert_eq!(february.total.compare_tickets, None);
    }
}
