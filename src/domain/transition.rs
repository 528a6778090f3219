//! A ticket's move along the status machine, with what it does to the service-level clocks: a
//! pure function of the ticket's state, the change asked for, the instant and the clock.

use chrono::NaiveDateTime;

use super::service_level::{ServiceClock, TicketClock};
use super::ticket::Status;
use super::user::Role;

/// The part of a ticket that the status machine and the service-level clocks read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub status: Status,
    pub assignee_id: Option<i64>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// Business minutes spent waiting, finished periods only.
    pub paused_minutes: i64,
    pub waiting_since: Option<NaiveDateTime>,
    /// Business minutes from filing to being taken in charge, once it was.
    pub acknowledge_minutes: Option<i32>,
    /// Business minutes from filing to resolution, once resolved.
    pub resolve_minutes: Option<i32>,
}

/// What a change asks of the status and the assignee (`None`: leave as it is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Move {
    /// `Some(None)` takes the assignee away.
    pub assignee_id: Option<Option<i64>>,
    pub status: Option<Status>,
}

impl Progress {
    fn clock(&self) -> TicketClock {
        TicketClock {
            created_at: self.created_at,
            paused_minutes: self.paused_minutes,
            waiting_since: self.waiting_since,
        }
    }
}

/// Whether a change assigns the ticket to someone new while its status lets it be assigned:
/// then that someone must be an active technician, checked before the rest of the move.
pub fn assigns_someone(current: &Progress, asked: &Move) -> Option<i64> {
    match asked.assignee_id {
        Some(Some(user_id))
            if Some(user_id) != current.assignee_id && current.status.accepts_assignment() =>
        {
            Some(user_id)
        }
        _ => None,
    }
}

/// The ticket's state once `asked` is applied at `at`, or why the move is refused:
///
/// - assigning takes a new or assigned ticket to `assigned` (other statuses keep theirs) and
///   takes it in charge; a resolved or closed ticket cannot be assigned;
/// - an assigned ticket keeps an assignee unless its status changes too;
/// - `assigned` is reached only by assigning; other moves follow `Status::may_move_to`;
/// - entering a status that takes in charge sets `acknowledged_at` once;
/// - waiting pauses the clocks: its business minutes are added when it ends;
/// - resolving sets `resolved_at` and measures the resolution; reopening a resolved ticket
///   clears both; closing sets `closed_at`;
/// - the first taking in charge measures its business minutes.
pub fn transition(
    current: &Progress,
    asked: &Move,
    at: NaiveDateTime,
    clock: &ServiceClock,
) -> Result<Progress, String> {
    let mut next = *current;
    if let Some(new_assignee) = asked.assignee_id {
        if new_assignee != current.assignee_id {
            match new_assignee {
                Some(_) => {
                    if !current.status.accepts_assignment() {
                        return Err(format!("a {} ticket cannot be assigned", current.status));
                    }
                    next.status = current.status.after_assignment();
                    next.acknowledged_at.get_or_insert(at);
                }
                None if current.status == Status::Assigned && asked.status.is_none() => {
                    return Err("an assigned ticket keeps an assignee: assign another or \
                                change its status"
                        .into());
                }
                None => {}
            }
            next.assignee_id = new_assignee;
        }
    }
    if let Some(target) = asked.status {
        if target != next.status {
            if target == Status::Assigned {
                return Err(
                    "a ticket becomes assigned by assigning it (assignee_id or /assign)".into(),
                );
            }
            if !next.status.may_move_to(target) {
                return Err(format!("a {} ticket cannot move to {target}", next.status));
            }
            next.status = target;
        }
    }
    if next.status != current.status {
        if next.status.acknowledges() {
            next.acknowledged_at.get_or_insert(at);
        }
        if let Some(since) = next.waiting_since.take() {
            next.paused_minutes += clock.calendar.business_minutes(since, at);
        }
        if next.status == Status::Waiting {
            next.waiting_since = Some(at);
        }
        match next.status {
            Status::Resolved => {
                next.resolved_at = Some(at);
                next.resolve_minutes = Some(clock.elapsed(&next.clock(), at) as i32);
            }
            Status::Closed => next.closed_at = Some(at),
            Status::InProgress if current.status == Status::Resolved => {
                next.resolved_at = None;
                next.resolve_minutes = None;
            }
            _ => {}
        }
    }
    if current.acknowledged_at.is_none() && next.acknowledged_at.is_some() {
        next.acknowledge_minutes = Some(clock.elapsed(&next.clock(), at) as i32);
    }
    Ok(next)
}

/// What a change of a ticket sets off besides itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Tell this technician the ticket is now theirs.
    MailAssignee(i64),
    /// Tell the requester the ticket is resolved.
    MailRequesterResolved,
}

/// The effects of a ticket's move from `before` to `after`: a technician newly assigned is
/// told, and the requester when the ticket becomes resolved (not when it stays so).
pub fn effects(before: &Progress, after: &Progress) -> Vec<Effect> {
    let mut effects = Vec::new();
    if let Some(assignee) = after.assignee_id.filter(|a| Some(*a) != before.assignee_id) {
        effects.push(Effect::MailAssignee(assignee));
    }
    if after.status == Status::Resolved && before.status != Status::Resolved {
        effects.push(Effect::MailRequesterResolved);
    }
    effects
}

/// The first-answer rule: a public comment by the cooperative's staff takes a ticket in charge
/// when nothing did before (an internal note, or an agent's comment, does not).
pub fn answer_takes_in_charge(
    author: Role,
    internal: bool,
    acknowledged_at: Option<NaiveDateTime>,
) -> bool {
    author.is_staff() && !internal && acknowledged_at.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::BusinessCalendar;
    use crate::domain::service_level::Targets;
    use crate::domain::time::parse_rfc3339;

    fn at(text: &str) -> NaiveDateTime {
        parse_rfc3339(text).unwrap()
    }

    fn clock() -> ServiceClock {
        ServiceClock {
            calendar: BusinessCalendar::office_hours(chrono_tz::Europe::Paris),
            targets: Targets {
                acknowledge: [30, 60, 240, 480],
                resolve: [240, 600, 1800, 3000],
            },
        }
    }

    /// A ticket filed on Tuesday 6 March 2018 at 09:00 in Paris.
    fn new_ticket() -> Progress {
        Progress {
            status: Status::New,
            assignee_id: None,
            acknowledged_at: None,
            resolved_at: None,
            closed_at: None,
            created_at: at("2018-03-06T09:00:00+01:00"),
            paused_minutes: 0,
            waiting_since: None,
            acknowledge_minutes: None,
            resolve_minutes: None,
        }
    }

    fn assign(to: i64) -> Move {
        Move {
            assignee_id: Some(Some(to)),
            status: None,
        }
    }

    fn to(status: Status) -> Move {
        Move {
            assignee_id: None,
            status: Some(status),
        }
    }

    #[test]
    fn assigning_a_new_ticket_takes_it_in_charge_and_measures_the_business_minutes() {
        let ticket = new_ticket();
        let moved = transition(
            &ticket,
            &assign(7),
            at("2018-03-06T09:45:00+01:00"),
            &clock(),
        )
        .unwrap();
        assert_eq!(moved.status, Status::Assigned);
        assert_eq!(moved.assignee_id, Some(7));
        assert_eq!(moved.acknowledged_at, Some(at("2018-03-06T09:45:00+01:00")));
        assert_eq!(moved.acknowledge_minutes, Some(45));
        assert_eq!(assigns_someone(&ticket, &assign(7)), Some(7));
    }

    #[test]
    fn a_resolved_or_closed_ticket_cannot_be_assigned() {
        for status in [Status::Resolved, Status::Closed] {
            let ticket = Progress {
                status,
                ..new_ticket()
            };
            assert!(transition(&ticket, &assign(7), at("2018-03-06T10:00:00Z"), &clock()).is_err());
            assert_eq!(assigns_someone(&ticket, &assign(7)), None);
        }
    }

    #[test]
    fn assigned_is_reached_only_by_assigning() {
        let refused = transition(
            &new_ticket(),
            &to(Status::Assigned),
            at("2018-03-06T10:00:00Z"),
            &clock(),
        );
        assert!(refused.unwrap_err().contains("by assigning"));
    }

    #[test]
    fn an_assigned_ticket_keeps_an_assignee_unless_its_status_changes() {
        let assigned = Progress {
            status: Status::Assigned,
            assignee_id: Some(7),
            ..new_ticket()
        };
        let unassign = Move {
            assignee_id: Some(None),
            status: None,
        };
        assert!(transition(&assigned, &unassign, at("2018-03-06T10:00:00Z"), &clock()).is_err());
        let unassign_and_wait = Move {
            assignee_id: Some(None),
            status: Some(Status::Waiting),
        };
        let moved = transition(
            &assigned,
            &unassign_and_wait,
            at("2018-03-06T10:00:00Z"),
            &clock(),
        )
        .unwrap();
        assert_eq!((moved.status, moved.assignee_id), (Status::Waiting, None));
    }

    #[test]
    fn waiting_pauses_the_clocks_and_resolving_measures_without_the_pause() {
        let clock = clock();
        let waiting = transition(
            &new_ticket(),
            &to(Status::Waiting),
            at("2018-03-06T10:00:00+01:00"),
            &clock,
        )
        .unwrap();
        assert_eq!(waiting.waiting_since, Some(at("2018-03-06T10:00:00+01:00")));
        // Waiting is not taking in charge.
        assert_eq!(waiting.acknowledge_minutes, None);
        let working = transition(
            &waiting,
            &to(Status::InProgress),
            at("2018-03-06T12:00:00+01:00"),
            &clock,
        )
        .unwrap();
        assert_eq!((working.waiting_since, working.paused_minutes), (None, 120));
        // Three hours after filing, two of them waiting.
        assert_eq!(working.acknowledge_minutes, Some(60));
        let resolved = transition(
            &working,
            &to(Status::Resolved),
            at("2018-03-06T13:00:00+01:00"),
            &clock,
        )
        .unwrap();
        assert_eq!(resolved.resolved_at, Some(at("2018-03-06T13:00:00+01:00")));
        // Four hours since filing, two of them waiting.
        assert_eq!(resolved.resolve_minutes, Some(120));
    }

    #[test]
    fn reopening_a_resolved_ticket_clears_its_resolution_and_closing_stamps_it() {
        let resolved = Progress {
            status: Status::Resolved,
            acknowledged_at: Some(at("2018-03-06T09:10:00+01:00")),
            resolved_at: Some(at("2018-03-06T10:00:00+01:00")),
            resolve_minutes: Some(60),
            ..new_ticket()
        };
        let reopened = transition(
            &resolved,
            &to(Status::InProgress),
            at("2018-03-06T11:00:00+01:00"),
            &clock(),
        )
        .unwrap();
        assert_eq!(
            (reopened.resolved_at, reopened.resolve_minutes),
            (None, None)
        );
        let closed = transition(
            &resolved,
            &to(Status::Closed),
            at("2018-03-07T11:00:00+01:00"),
            &clock(),
        )
        .unwrap();
        assert_eq!(closed.closed_at, Some(at("2018-03-07T11:00:00+01:00")));
        assert_eq!(closed.resolved_at, resolved.resolved_at);
    }

    #[test]
    fn moves_outside_the_status_machine_are_refused_and_change_nothing() {
        let closed = Progress {
            status: Status::Closed,
            ..new_ticket()
        };
        assert!(transition(
            &closed,
            &to(Status::New),
            at("2018-03-06T10:00:00Z"),
            &clock()
        )
        .is_err());
        let same = transition(
            &closed,
            &to(Status::Closed),
            at("2018-03-06T10:00:00Z"),
            &clock(),
        )
        .unwrap();
        assert_eq!(same, closed);
    }

    #[test]
    fn only_a_public_staff_answer_takes_a_ticket_in_charge_and_only_the_first() {
        let taken = Some(at("2018-03-06T09:30:00Z"));
        assert!(answer_takes_in_charge(Role::Hotline, false, None));
        assert!(answer_takes_in_charge(Role::Technician, false, None));
        assert!(!answer_takes_in_charge(Role::Hotline, true, None));
        assert!(!answer_takes_in_charge(Role::Agent, false, None));
        assert!(!answer_takes_in_charge(Role::Manager, false, taken));
    }

    #[test]
    fn a_new_assignee_is_told_and_the_requester_once_the_ticket_is_resolved() {
        let filed = new_ticket();
        let assigned =
            transition(&filed, &assign(7), at("2018-03-06T10:00:00Z"), &clock()).unwrap();
        assert_eq!(effects(&filed, &assigned), vec![Effect::MailAssignee(7)]);
        let again =
            transition(&assigned, &assign(7), at("2018-03-06T10:05:00Z"), &clock()).unwrap();
        assert_eq!(effects(&assigned, &again), vec![]);
        let resolved = transition(
            &assigned,
            &to(Status::Resolved),
            at("2018-03-06T11:00:00Z"),
            &clock(),
        )
        .unwrap();
        assert_eq!(
            effects(&assigned, &resolved),
            vec![Effect::MailRequesterResolved]
        );
        let still = transition(
            &resolved,
            &to(Status::Resolved),
            at("2018-03-06T11:30:00Z"),
            &clock(),
        )
        .unwrap();
        assert_eq!(effects(&resolved, &still), vec![]);
    }
}
