//! Commenting on a ticket.

use crate::db::comments::{self, Comment};
use crate::db::tickets::{self, NewTicketEvent, Ticket};
use crate::db::{counts, outbox, service_levels, users, DbConn};
use crate::desk::tickets::find_visible;
use crate::desk::Policy;
use crate::domain::time::{now, to_rfc3339};
use crate::domain::transition::answer_takes_in_charge;
use crate::domain::user::Actor;
use crate::error::AppError;

/// Adds a comment to a ticket the actor may see, with its history row. A public answer of
/// staff is mailed to the requester (unless the requester wrote it), and the first one takes
/// the ticket in charge.
pub fn add(
    conn: &mut DbConn,
    ticket_id: i64,
    body: &str,
    internal: bool,
    actor: &Actor,
    policy: &Policy,
) -> Result<Comment, AppError> {
    crate::db::write(conn, |conn| {
        let ticket = find_visible(conn, ticket_id, actor)?;
        let at = now();
        let comment = comments::insert(conn, ticket_id, actor.id, body, internal, at)?;
        let kind = if internal { "internal" } else { "public" };
        let said = format!("{kind} comment {}", comment.id);
        let event = NewTicketEvent::change(ticket_id, actor.id, at, "comment", None, Some(said));
        tickets::record_event(conn, &event)?;
        if actor.role.is_staff() && !internal {
            let asked_by_commenter = ticket.requester_id == Some(actor.id);
            if let Some(recipient) =
                tickets::requester_email(conn, &ticket)?.filter(|_| !asked_by_commenter)
            {
                let author = users::find(conn, actor.id)?
                    .map(|u| u.record.name)
                    .unwrap_or_default();
                let message = policy
                    .mail
                    .answered(&recipient, &(&ticket).into(), &author, body);
                outbox::enqueue(conn, &message, Some(ticket_id), at)?;
            }
        }
        if answer_takes_in_charge(actor.role, internal, ticket.acknowledged_at) {
            let minutes = policy.clock.elapsed(&ticket.clock(), at) as i32;
            tickets::set_acknowledged(conn, &ticket, at, minutes)?;
            let taken = Ticket {
                acknowledged_at: Some(at),
                ..ticket.clone()
            };
            let mut queue = counts::QueueDeltas::new();
            counts::queue_move(
                &mut queue,
                Some(ticket.queue_key()),
                Some(taken.queue_key()),
            );
            counts::add_queue_counts(conn, &queue)?;
            let mut measured = ticket.contribution();
            measured.acknowledge_minutes = Some(minutes);
            service_levels::replace(conn, &ticket.contribution(), &measured)?;
            let taken = Some(to_rfc3339(at));
            let event =
                NewTicketEvent::change(ticket_id, actor.id, at, "acknowledged_at", None, taken);
            tickets::record_event(conn, &event)?;
        }
        Ok(comment)
    })
}
