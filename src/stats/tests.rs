//! The statistics against counts made by hand.

use super::*;

fn member(id: i64, code: &str) -> MemberRef {
    MemberRef {
        id,
        code: code.into(),
        name: format!("Member {code}"),
        short_name: format!("Member {code}"),
    }
}

fn count(member_id: i64, year: i32, month: i32, origin: &str, tickets: i64) -> TicketMonthCount {
    TicketMonthCount {
        member_id,
        year,
        month,
        origin: Origin::parse(origin).unwrap(),
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
        kind: WorkKind::parse(kind).unwrap(),
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
