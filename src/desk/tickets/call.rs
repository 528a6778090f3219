//! A call taken by the hotline: filed, then assigned or resolved on the line, in one
//! transaction.

use chrono::NaiveDate;

use super::{assign, change, file, Assignee, Filed, IdempotencyKey, TicketChanges, TicketDraft};
use crate::db::tickets::Ticket;
use crate::db::DbConn;
use crate::desk::Policy;
use crate::domain::ticket::Status;
use crate::domain::user::Actor;
use crate::error::AppError;

/// What becomes of a call once filed.
#[derive(Debug, Clone)]
pub enum AfterCall {
    /// It waits in the queue.
    Queue,
    Assign(Assignee),
    /// Solved while the caller was on the line, by the person who took it; `note` (the time it
    /// took) is kept as an internal comment.
    Resolved {
        note: Option<String>,
    },
}

/// Files the call and does what follows it, all or nothing. A call sent twice with the same
/// key (a double click) is filed once.
pub fn take_call(
    conn: &mut DbConn,
    draft: &TicketDraft,
    then: &AfterCall,
    key: Option<&IdempotencyKey>,
    actor: &Actor,
    policy: &Policy,
    today: NaiveDate,
) -> Result<Ticket, AppError> {
    crate::db::write(conn, |conn| {
        let ticket = match file(conn, draft, actor, key, policy)? {
            Filed::Created(ticket) => ticket,
            Filed::Replayed(ticket) => return Ok(ticket),
        };
        match then {
            AfterCall::Queue => Ok(ticket),
            AfterCall::Assign(assignee) => assign(conn, ticket.id, *assignee, actor, policy, today),
            AfterCall::Resolved { note } => {
                if let Some(note) = note {
                    crate::desk::comments::add(conn, ticket.id, note, true, actor, policy)?;
                }
                let changes = TicketChanges {
                    assignee_id: Some(Some(actor.id)),
                    status: Some(Status::Resolved),
                    ..TicketChanges::default()
                };
                change(conn, ticket.id, &changes, None, actor, policy)
            }
        }
    })
}
