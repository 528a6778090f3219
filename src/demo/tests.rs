//! The demo data against the figures of the activity reports.

use std::collections::HashMap;

use chrono::{Datelike, Timelike};
use chrono_tz::Tz;

use crate::desk::tickets::ImportedTicket;
use crate::domain::time::local_date;
use crate::domain::user::Role;

use super::accounts::*;
use super::directory::*;
use super::figures::*;
use super::plan::*;
use super::records::*;
use super::rng::*;

const PARIS: Tz = chrono_tz::Europe::Paris;

fn directory() -> Directory {
    let member_ids: Vec<i64> = (1..=MEMBERS.len() as i64).collect();
    let leaf_count: usize = CATEGORIES.iter().map(|c| c.children.len()).sum();
    let leaf_ids: Vec<i64> = (100..100 + leaf_count as i64).collect();
    Directory::new(&member_ids, &leaf_ids, vec![1001, 1002, 1003, 1004], 1008).unwrap()
}

fn year(year: i32) -> &'static YearPlan {
    YEARS.iter().find(|plan| plan.year == year).unwrap()
}

fn sum(table: &[(&str, u32)]) -> u32 {
    table.iter().map(|(_, n)| n).sum()
}

fn code_of(directory: &Directory, member_id: i64) -> &'static str {
    directory
        .members
        .iter()
        .find(|m| m.id == member_id)
        .unwrap()
        .spec
        .code
}

#[test]
fn the_tables_hold_the_reports_figures() {
    assert_eq!(sum(year(2017).hotline_tickets), 489);
    assert_eq!(year(2017).hotline_tickets[0], ("OPH-VILLEJUIF", 107));
    assert_eq!(sum(year(2018).hotline_tickets), 701);
    assert_eq!(sum(year(2016).on_site_days), 873);
    assert_eq!(year(2016).on_site_days[0], ("GENTILLY", 249));
    assert_eq!(year(2018).hotline_duty_days, 350);
    assert!((400..=500).contains(&sum(year(2016).hotline_tickets)));
}

#[test]
fn demo_accounts_cover_every_role() {
    for role in Role::ALL {
        assert!(DEMO_USERS.iter().any(|u| u.2 == *role), "{role}");
    }
    assert_eq!(
        DEMO_USERS
            .iter()
            .filter(|u| u.2 == Role::Technician)
            .count(),
        4
    );
    for (email, secret, role, member) in DEMO_USERS {
        assert!(secret.chars().count() >= 8, "{email}");
        assert_eq!(*role == Role::Agent, member.is_some(), "{email}");
        assert!(member.is_none_or(|code| member_index(code).is_some()));
    }
}

#[test]
fn member_codes_are_valid_and_unique() {
    for (i, spec) in MEMBERS.iter().enumerate() {
        assert_eq!(
            crate::domain::member::parse_code(spec.code).unwrap(),
            spec.code
        );
        assert_eq!(member_index(spec.code), Some(i));
    }
}

#[test]
fn the_generator_is_deterministic() {
    let draw = |seed| {
        let mut rng = Rng::new(seed);
        (0..20).map(|_| rng.next_u64()).collect::<Vec<_>>()
    };
    assert_eq!(draw(7), draw(7));
    assert_ne!(draw(7), draw(8));
    let mut rng = Rng::new(1);
    assert!((0..1000).all(|_| rng.below(3) < 3 && (0.0..1.0).contains(&rng.unit())));
}

#[test]
fn working_days_leave_out_weekends_and_the_calendars_holidays() {
    let days = working_days(2018);
    assert!(!days.contains(&ymd((2018, 4, 2))));
    assert!(!days.contains(&ymd((2018, 5, 1))));
    assert!(days.contains(&ymd((2018, 4, 3))));
    assert_eq!(days.len(), 252);
}

#[test]
fn months_follow_the_weights_to_within_one() {
    let mut rng = Rng::new(3);
    let months = spread_over_months(210, &HOTLINE_SEASON, &mut rng);
    for (month, &weight) in HOTLINE_SEASON.iter().enumerate() {
        let n = months.iter().filter(|&&m| m == month).count() as i64;
        assert!((n - i64::from(weight) * 2).abs() <= 1, "month {month}: {n}");
    }
}

#[test]
fn day_parts_add_up_exactly() {
    for workday in [420, 421, 480, 1] {
        for days in [0, 1, 2, 7, 249, 350] {
            let parts = day_parts(days, workday);
            assert_eq!(
                parts.iter().map(|&m| i64::from(m)).sum::<i64>(),
                i64::from(days) * i64::from(workday)
            );
            assert!(parts.iter().all(|&m| m > 0));
        }
    }
}

#[test]
fn tickets_match_the_tables_and_the_memberships() {
    let directory = directory();
    let tickets = plan_tickets(&directory, PARIS, &mut Rng::new(RNG_SEED)).unwrap();
    let mut counts: HashMap<(i32, &str, crate::domain::ticket::Origin), u32> = HashMap::new();
    for ticket in &tickets {
        let local = ticket.created_at.and_utc().with_timezone(&PARIS);
        let day = local.date_naive();
        let member = directory
            .members
            .iter()
            .find(|m| m.id == ticket.draft.member_id)
            .unwrap();
        assert!(
            member.membership.covers(day),
            "{} on {day}",
            member.spec.code
        );
        assert!((8..18).contains(&local.hour()));
        assert!(working_days(day.year()).contains(&day));
        assert!(ticket.acknowledged_at.unwrap() > ticket.created_at);
        assert!(ticket.resolved_at.unwrap() > ticket.acknowledged_at.unwrap());
        assert!(ticket
            .closed_at
            .is_none_or(|c| c > ticket.resolved_at.unwrap()));
        assert!((1..=4).contains(&ticket.draft.priority.number()));
        *counts
            .entry((day.year(), member.spec.code, ticket.draft.origin))
            .or_default() += 1;
    }
    for plan in YEARS {
        for (origin, table) in [
            (crate::domain::ticket::Origin::Hotline, plan.hotline_tickets),
            (crate::domain::ticket::Origin::Posted, plan.posted_tickets),
        ] {
            for &(code, n) in table {
                assert_eq!(
                    counts.get(&(plan.year, code, origin)),
                    Some(&n),
                    "{code} {}",
                    plan.year
                );
            }
            let total: u32 = counts
                .iter()
                .filter(|((y, _, o), _)| *y == plan.year && *o == origin)
                .map(|(_, n)| n)
                .sum();
            assert_eq!(total, sum(table));
        }
    }
    assert!(tickets
        .windows(2)
        .all(|w| w[0].created_at <= w[1].created_at));
}

fn hotline_months(
    directory: &Directory,
    tickets: &[ImportedTicket],
    year: i32,
    code: Option<&str>,
) -> [u32; 12] {
    let mut months = [0; 12];
    for ticket in tickets
        .iter()
        .filter(|t| t.draft.origin == crate::domain::ticket::Origin::Hotline)
    {
        let day = local_date(ticket.created_at, PARIS);
        if day.year() == year
            && code.is_none_or(|c| c == code_of(directory, ticket.draft.member_id))
        {
            months[day.month0() as usize] += 1;
        }
    }
    months
}

#[test]
fn seasonality_shows_summer_and_gosbs_departure() {
    let directory = directory();
    let tickets = plan_tickets(&directory, PARIS, &mut Rng::new(RNG_SEED)).unwrap();
    let months_2017 = hotline_months(&directory, &tickets, 2017, None);
    assert!(months_2017[7] < months_2017[8] && months_2017[7] < months_2017[0]);
    let gosb = hotline_months(&directory, &tickets, 2018, Some("GOSB"));
    assert!(gosb[5] > 0);
    assert!(gosb[6..].iter().all(|&n| n == 0));
    let all_2018 = hotline_months(&directory, &tickets, 2018, None);
    assert!(all_2018[..6].iter().sum::<u32>() > all_2018[6..].iter().sum::<u32>() + 60);
    let thiais = hotline_months(&directory, &tickets, 2018, Some("OPH-THIAIS"));
    assert_eq!(thiais[..2], [0, 0]);
}

#[test]
fn work_logs_add_up_to_the_tables() {
    let directory = directory();
    let mut rng = Rng::new(RNG_SEED);
    let tickets = plan_tickets(&directory, PARIS, &mut rng).unwrap();
    let refs: Vec<TicketRef> = tickets
        .iter()
        .enumerate()
        .map(|(i, t)| TicketRef {
            id: i as i64 + 1,
            member_id: t.draft.member_id,
            day: local_date(t.created_at, PARIS),
            category_id: t.draft.category_id,
        })
        .collect();
    for workday in [420, 421] {
        let logs = plan_work_logs(&directory, &refs, workday, &mut rng).unwrap();
        let mut minutes: HashMap<(i32, &str, Option<&str>), i64> = HashMap::new();
        for log in &logs {
            assert!(directory.technicians.contains(&log.technician_id));
            assert_eq!(
                log.member_id.is_none(),
                log.kind == crate::domain::work_log::WorkKind::HotlineDuty
            );
            let code = log.member_id.map(|id| code_of(&directory, id));
            if let Some(id) = log.member_id {
                let member = directory.members.iter().find(|m| m.id == id).unwrap();
                assert!(member.membership.covers(log.work_date));
            }
            if let Some(ticket) = log.ticket_id {
                assert_eq!(refs[ticket as usize - 1].member_id, log.member_id.unwrap());
            }
            *minutes
                .entry((log.work_date.year(), log.kind.as_str(), code))
                .or_default() += i64::from(log.minutes);
        }
        let workday = i64::from(workday);
        for &(code, days) in year(2016).on_site_days {
            assert_eq!(
                minutes[&(2016, "on_site", Some(code))],
                i64::from(days) * workday
            );
        }
        assert_eq!(minutes[&(2018, "hotline_duty", None)], 350 * workday);
        for plan in YEARS {
            let of_kind = |kind: &str| -> i64 {
                minutes
                    .iter()
                    .filter(|((y, k, _), _)| *y == plan.year && *k == kind)
                    .map(|(_, m)| m)
                    .sum()
            };
            let posted = of_kind("posted") as f64;
            let all =
                posted + (of_kind("on_site") + of_kind("project") + of_kind("hotline_duty")) as f64;
            assert!(
                (0.69..0.71).contains(&(posted / all)),
                "{}: {}",
                plan.year,
                posted / all
            );
        }
    }
}
