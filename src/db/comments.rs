//! Comments on tickets, public or internal.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{comments, tickets};
use super::tickets::{find_visible, record_event, requester_email, NewTicketEvent, Policy};
use super::{outbox, DbConn};
use crate::db::insert_returning;
use crate::domain::time::{now, to_rfc3339};
use crate::domain::transition::answer_takes_in_charge;
use crate::domain::user::Actor;
use crate::error::AppError;
use crate::notify::compose::TicketFacts;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct Comment {
    pub id: i64,
    pub ticket_id: i64,
    pub author_id: Option<i64>,
    pub body: String,
    pub internal: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = comments)]
struct NewComment<'a> {
    ticket_id: i64,
    author_id: Option<i64>,
    body: &'a str,
    internal: bool,
    created_at: NaiveDateTime,
}

/// Adds a comment. The first public answer of staff takes the ticket in charge.
pub fn add(
    conn: &mut DbConn,
    ticket_id: i64,
    body: &str,
    internal: bool,
    actor: &Actor,
    policy: &Policy,
) -> Result<Comment, AppError> {
    super::write(conn, |conn| {
        let ticket = find_visible(conn, ticket_id, actor)?;
        let at = now();
        let comment = insert_returning!(
            conn,
            comments::table,
            &NewComment {
                ticket_id,
                author_id: Some(actor.id),
                body,
                internal,
                created_at: at,
            },
            Comment
        )?;
        let kind = if internal { "internal" } else { "public" };
        record_event(
            conn,
            &NewTicketEvent {
                ticket_id,
                actor_id: Some(actor.id),
                at,
                field: "comment".into(),
                from_value: None,
                to_value: Some(format!("{kind} comment {}", comment.id)),
            },
        )?;
        if actor.role.is_staff() && !internal {
            let asked_by_commenter = ticket.requester_id == Some(actor.id);
            if let Some(recipient) = requester_email(conn, &ticket)?.filter(|_| !asked_by_commenter)
            {
                let author = super::users::find(conn, actor.id)?
                    .map(|u| u.name)
                    .unwrap_or_default();
                let message = policy.mail.answered(
                    &recipient,
                    &TicketFacts {
                        id: ticket.id,
                        title: &ticket.title,
                        priority: ticket.priority,
                        status: &ticket.status,
                    },
                    &author,
                    body,
                );
                outbox::enqueue(conn, &message, Some(ticket_id), at)?;
            }
        }
        if answer_takes_in_charge(actor.role, internal, ticket.acknowledged_at) {
            let minutes = policy.clock.elapsed(&ticket.clock(), at) as i32;
            diesel::update(tickets::table.find(ticket_id))
                .set((
                    tickets::acknowledge_minutes.eq(minutes),
                    tickets::acknowledged_at.eq(at),
                    tickets::updated_at.eq(at),
                    tickets::version.eq(ticket.version + 1),
                ))
                .execute(conn)?;
            let mut measured = ticket.contribution();
            measured.acknowledge_minutes = Some(minutes);
            super::service_levels::replace(conn, &ticket.contribution(), &measured)?;
            record_event(
                conn,
                &NewTicketEvent {
                    ticket_id,
                    actor_id: Some(actor.id),
                    at,
                    field: "acknowledged_at".into(),
                    from_value: None,
                    to_value: Some(to_rfc3339(at)),
                },
            )?;
        }
        Ok(comment)
    })
}

/// Comments of a ticket, newest first; `public_only` for agents.
pub fn list(
    conn: &mut DbConn,
    ticket_id: i64,
    public_only: bool,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Comment>> {
    let mut query = comments::table
        .filter(comments::ticket_id.eq(ticket_id))
        .select(Comment::as_select())
        .into_boxed();
    if public_only {
        query = query.filter(comments::internal.eq(false));
    }
    if let Some(id) = before_id {
        query = query.filter(comments::id.lt(id));
    }
    query.order(comments::id.desc()).limit(limit).load(conn)
}
