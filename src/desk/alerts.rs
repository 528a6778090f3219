//! Alerts of tickets not taken in charge in time.

use crate::db::tickets::{self, Ticket};
use crate::db::{members, outbox, users, DbConn};
use crate::desk::Policy;
use crate::domain::time::now;
use crate::domain::user::Role;

/// Marks a ticket as alerted about and queues the alert to the hotline and the managers, once:
/// of two workers, only the one whose update takes the ticket queues anything.
pub fn alert_overdue(
    conn: &mut DbConn,
    ticket: &Ticket,
    target_minutes: i64,
    policy: &Policy,
) -> diesel::QueryResult<bool> {
    crate::db::write(conn, |conn| {
        let at = now();
        if !tickets::mark_overdue_notified(conn, ticket.id, at)? {
            return Ok(false);
        }
        let member = members::find(conn, ticket.member_id)?
            .map(|m| m.record.name)
            .unwrap_or_default();
        let alerted = [Role::Hotline, Role::Manager];
        for recipient in users::active_emails_of_roles(conn, &alerted)? {
            let message = policy
                .mail
                .overdue(&recipient, &ticket.into(), &member, target_minutes);
            outbox::enqueue(conn, &message, Some(ticket.id), at)?;
        }
        Ok(true)
    })
}
