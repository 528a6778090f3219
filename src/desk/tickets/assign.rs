//! Assigning a ticket.

use chrono::NaiveDate;

use super::TicketChanges;

use crate::db::tickets::{self, Ticket};
use crate::db::DbConn;
use crate::desk::Policy;
use crate::domain::user::Actor;
use crate::error::AppError;

/// Who a ticket is assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    /// This technician.
    Technician(i64),
    /// The technician posted at the ticket's member that day, or else the least loaded one.
    Chosen,
}

/// Assigns a ticket the actor may see, as a change of its assignee (status machine, clocks,
/// history and mail alike); 409 `no_technician` when there is none to choose.
pub fn assign(
    conn: &mut DbConn,
    id: i64,
    assignee: Assignee,
    actor: &Actor,
    policy: &Policy,
    today: NaiveDate,
) -> Result<Ticket, AppError> {
    let technician_id = match assignee {
        Assignee::Technician(id) => id,
        Assignee::Chosen => {
            let ticket = super::find_visible(conn, id, actor)?;
            tickets::pick_technician(conn, ticket.member_id, today)?.ok_or(AppError::Conflict {
                code: "no_technician",
                message: "no active technician to assign".into(),
            })?
        }
    };
    let changes = TicketChanges {
        assignee_id: Some(Some(technician_id)),
        ..TicketChanges::default()
    };
    super::change(conn, id, &changes, None, actor, policy)
}
