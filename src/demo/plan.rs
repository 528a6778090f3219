//! The planners: which tickets and work logs each day of each year gets.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Context};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;

use crate::db::work_logs::WorkLogFields;
use crate::desk::tickets::{ImportedTicket, TicketDraft};
use crate::domain::ticket::{Channel, Origin, Priority, Status};
use crate::domain::work_log::WorkKind;

use super::accounts::*;
use super::directory::*;
use super::figures::*;
use super::rng::*;

/// The working days of a year: weekdays that are not French public holidays.
pub(super) fn working_days(year: i32) -> Vec<NaiveDate> {
    let holidays = crate::domain::calendar::french_holidays(year);
    ymd((year, 1, 1))
        .iter_days()
        .take_while(|day| day.year() == year)
        .filter(|day| !matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
        .filter(|day| !holidays.contains(day))
        .collect()
}

/// The months (0 = January) of `count` events drawn in proportion to `weights` by systematic
/// sampling: each month gets its share to within one, from a random start so that small
/// members do not all land in the busiest month. Sorted.
pub(super) fn spread_over_months(count: u32, weights: &[u32; 12], rng: &mut Rng) -> Vec<usize> {
    let total: u32 = weights.iter().sum();
    let Some(last_month) = weights.iter().rposition(|&w| w > 0) else {
        return Vec::new();
    };
    let start = rng.unit();
    (0..count)
        .map(|k| {
            let target = (f64::from(k) + start) / f64::from(count) * f64::from(total);
            let mut cumulative = 0.0;
            weights
                .iter()
                .position(|&w| {
                    cumulative += f64::from(w);
                    w > 0 && target < cumulative
                })
                .unwrap_or(last_month)
        })
        .collect()
}

pub(super) fn plan_tickets(
    directory: &Directory,
    zone: Tz,
    rng: &mut Rng,
) -> anyhow::Result<Vec<ImportedTicket>> {
    let mut planned = Vec::new();
    for plan in YEARS {
        let days = working_days(plan.year);
        for (origin, table, season) in [
            (Origin::Hotline, plan.hotline_tickets, &HOTLINE_SEASON),
            (Origin::Posted, plan.posted_tickets, &POSTED_SEASON),
        ] {
            for &(code, count) in table {
                let member = directory.member(code)?;
                let member_days: Vec<NaiveDate> = days
                    .iter()
                    .copied()
                    .filter(|&day| member.membership.covers(day))
                    .filter(|&day| {
                        origin != Origin::Hotline
                            || member.hotline_until.is_none_or(|last| day <= last)
                    })
                    .collect();
                for day in ticket_days(&member_days, count, season, rng)
                    .with_context(|| format!("{code} in {}", plan.year))?
                {
                    planned.push(plan_ticket(directory, member, origin, day, zone, rng)?);
                }
            }
        }
    }
    planned.sort_by_key(|ticket| ticket.created_at);
    Ok(planned)
}

/// `count` days among `days` (sorted), spread over the months by `season`. The last month
/// with days always gets one, so that a member that stopped calling is seen calling until then.
pub(super) fn ticket_days(
    days: &[NaiveDate],
    count: u32,
    season: &[u32; 12],
    rng: &mut Rng,
) -> anyhow::Result<Vec<NaiveDate>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let mut by_month: [Vec<NaiveDate>; 12] = Default::default();
    for &day in days {
        by_month[day.month0() as usize].push(day);
    }
    let mut weights = *season;
    for (weight, month_days) in weights.iter_mut().zip(&by_month) {
        if month_days.is_empty() {
            *weight = 0;
        }
    }
    let last_month = weights
        .iter()
        .rposition(|&w| w > 0)
        .context("no working day to file tickets on")?;
    let mut months = spread_over_months(count, &weights, rng);
    if let Some(latest) = months.last_mut() {
        *latest = last_month;
    }
    Ok(months
        .into_iter()
        .map(|month| *rng.pick(&by_month[month]))
        .collect())
}

pub(super) fn plan_ticket(
    directory: &Directory,
    member: &MemberRef,
    origin: Origin,
    day: NaiveDate,
    zone: Tz,
    rng: &mut Rng,
) -> anyhow::Result<ImportedTicket> {
    let leaf = directory.random_leaf(rng);
    let &(title, ticket_type) = rng.pick(leaf.titles);
    let priority = rng.weighted(&PRIORITY_WEIGHTS) + 1;
    let channel = match origin {
        Origin::Hotline => {
            [Channel::Phone, Channel::Email, Channel::Api][rng.weighted(&[70, 18, 12])]
        }
        Origin::Posted => Channel::Api,
    };
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    let requester_name = format!("{first} {last}");
    let requester_email = format!(
        "{}.{}@{}.demo.fr",
        first.to_lowercase(),
        last.to_lowercase(),
        member.spec.code.to_lowercase()
    );
    let requester_phone = format!(
        "01 {} {:02} {:02} {:02}",
        41 + rng.below(9),
        rng.below(100),
        rng.below(100),
        rng.below(100)
    );
    // The demo agent's member files part of its tickets through its own program, as the agent.
    let requester_id = (origin == Origin::Hotline
        && channel == Channel::Api
        && member.id == directory.agent_member_id)
        .then_some(directory.agent_id);
    let how = match (origin, channel) {
        (Origin::Posted, _) => "Relevé sur site par le technicien posté",
        (_, Channel::Phone) => "Appel à la hotline",
        (_, Channel::Email) => "Message reçu par la hotline",
        _ => "Demande déposée par l'application du membre",
    };
    let description = format!("{how}. Demandeur : {requester_name}, {}.", member.spec.name);

    // Office hours only, so that the local day is the one intended in any offset from UTC.
    let local = day.and_time(NaiveTime::MIN)
        + Duration::minutes(8 * 60 + rng.below(600) as i64)
        + Duration::seconds(rng.below(60) as i64);
    let created_at = zone
        .from_local_datetime(&local)
        .earliest()
        .map(|time| time.naive_utc())
        .ok_or_else(|| anyhow!("{local} does not exist in {zone}"))?;
    let (take_in_charge, resolve) = match priority {
        1 => ((2, 30), (30, 8 * 60)),
        2 => ((5, 90), (60, 2 * 24 * 60)),
        3 => ((10, 240), (60, 5 * 24 * 60)),
        _ => ((30, 480), (120, 10 * 24 * 60)),
    };
    let acknowledged_at = created_at + Duration::minutes(rng.between(take_in_charge));
    let resolved_at = acknowledged_at + Duration::minutes(rng.between(resolve));
    // A few stay resolved: the requester never confirmed.
    let closed_at = (!rng.chance(4))
        .then(|| resolved_at + Duration::minutes(rng.between((24 * 60, 8 * 24 * 60))));
    let assignee_id = match origin {
        Origin::Hotline => directory.any_technician(rng),
        Origin::Posted => directory.usual_technician(member),
    };

    Ok(ImportedTicket {
        draft: TicketDraft {
            member_id: member.id,
            requester_id,
            requester_name: Some(requester_name),
            requester_email: matches!(channel, Channel::Email | Channel::Api)
                .then_some(requester_email),
            requester_phone: (channel == Channel::Phone).then_some(requester_phone),
            title: title.to_string(),
            description,
            ticket_type,
            category_id: Some(leaf.id),
            priority: Priority::ALL[priority - 1],
            origin,
            channel,
        },
        status: if closed_at.is_some() {
            Status::Closed
        } else {
            Status::Resolved
        },
        assignee_id: Some(assignee_id),
        created_at,
        acknowledged_at: Some(acknowledged_at),
        resolved_at: Some(resolved_at),
        closed_at,
        waiting_since: None,
        external: None,
    })
}

/// An imported ticket, as on-site work logs refer to it.
pub(super) struct TicketRef {
    pub(super) id: i64,
    pub(super) member_id: i64,
    pub(super) day: NaiveDate,
    pub(super) category_id: Option<i64>,
}

/// How far back an on-site trip looks for the ticket it was made for.
pub(super) const ON_SITE_TICKET_DAYS: i64 = 14;

pub(super) fn plan_work_logs(
    directory: &Directory,
    tickets: &[TicketRef],
    workday_minutes: u32,
    rng: &mut Rng,
) -> anyhow::Result<Vec<WorkLogFields>> {
    let mut tickets_by_member: HashMap<i64, Vec<&TicketRef>> = HashMap::new();
    for ticket in tickets {
        tickets_by_member
            .entry(ticket.member_id)
            .or_default()
            .push(ticket);
    }
    for list in tickets_by_member.values_mut() {
        list.sort_by_key(|ticket| ticket.day);
    }
    let workday = i32::try_from(workday_minutes).context("workday_minutes is too large")?;

    let mut logs = Vec::new();
    for plan in YEARS {
        let days = working_days(plan.year);
        let member_days = |member: &MemberRef| -> anyhow::Result<Vec<NaiveDate>> {
            let covered: Vec<NaiveDate> = days
                .iter()
                .copied()
                .filter(|&day| member.membership.covers(day))
                .collect();
            if covered.is_empty() {
                bail!("{} was not a member in {}", member.spec.code, plan.year);
            }
            Ok(covered)
        };

        for &(code, count) in plan.posted_days {
            let member = directory.member(code)?;
            let open = member_days(member)?;
            for minutes in day_parts(count, workday) {
                // Mostly the member's usual technician; others stand in.
                let technician_id = if rng.chance(70) {
                    directory.usual_technician(member)
                } else {
                    directory.any_technician(rng)
                };
                logs.push(WorkLogFields {
                    technician_id,
                    member_id: Some(member.id),
                    work_date: *rng.pick(&open),
                    kind: WorkKind::Posted,
                    minutes,
                    ticket_id: None,
                    category_id: None,
                    note: None,
                });
            }
        }

        for &(code, count) in plan.on_site_days {
            let member = directory.member(code)?;
            let open = member_days(member)?;
            let recent = tickets_by_member
                .get(&member.id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for minutes in day_parts(count, workday) {
                let work_date = *rng.pick(&open);
                let earliest = work_date - Duration::days(ON_SITE_TICKET_DAYS);
                let from = recent.partition_point(|t| t.day < earliest);
                let to = recent.partition_point(|t| t.day <= work_date);
                let ticket =
                    (from < to).then(|| recent[from + rng.below((to - from) as u64) as usize]);
                logs.push(WorkLogFields {
                    technician_id: directory.any_technician(rng),
                    member_id: Some(member.id),
                    work_date,
                    kind: WorkKind::OnSite,
                    minutes,
                    ticket_id: ticket.map(|t| t.id),
                    category_id: ticket.and_then(|t| t.category_id),
                    note: None,
                });
            }
        }

        for &(code, count, note) in plan.project_days {
            let member = directory.member(code)?;
            let open = member_days(member)?;
            for minutes in day_parts(count, workday) {
                logs.push(WorkLogFields {
                    technician_id: directory.any_technician(rng),
                    member_id: Some(member.id),
                    work_date: *rng.pick(&open),
                    kind: WorkKind::Project,
                    minutes,
                    ticket_id: None,
                    category_id: Some(directory.project_category_id),
                    note: Some(note.to_string()),
                });
            }
        }

        logs.extend(hotline_duty(
            &days,
            plan.hotline_duty_days,
            &directory.technicians,
            workday,
            rng,
        ));
    }
    Ok(logs)
}

/// The minutes of logs that add up to exactly `days` days: mostly whole days, some days
/// split in two half days (the two halves of an odd workday differ by one minute).
pub(super) fn day_parts(days: u32, workday: i32) -> Vec<i32> {
    let split = if workday >= 2 { days * 15 / 100 } else { 0 };
    let half = workday / 2;
    let mut parts = vec![workday; (days - split) as usize];
    for _ in 0..split {
        parts.push(half);
        parts.push(workday - half);
    }
    parts
}

/// Whole days at the hotline desk: one technician on duty every working day in turn, a week
/// each, and a second one on randomly chosen days when there are more days than working days.
pub(super) fn hotline_duty(
    working_days: &[NaiveDate],
    days: u32,
    technicians: &[i64],
    workday: i32,
    rng: &mut Rng,
) -> Vec<WorkLogFields> {
    let mut logs = Vec::with_capacity(days as usize);
    let mut round = 0;
    while logs.len() < days as usize && !working_days.is_empty() {
        let mut order = working_days.to_vec();
        if round > 0 {
            rng.shuffle(&mut order);
        }
        for day in order.into_iter().take(days as usize - logs.len()) {
            let week = day.iso_week().week() as usize;
            logs.push(WorkLogFields {
                technician_id: technicians[(week + round) % technicians.len()],
                member_id: None,
                work_date: day,
                kind: WorkKind::HotlineDuty,
                minutes: workday,
                ticket_id: None,
                category_id: None,
                note: None,
            });
        }
        round += 1;
    }
    logs
}
