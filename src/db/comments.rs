//! Comments on tickets, public or internal.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{comments, tickets};
use super::tickets::{find_visible, insert_returning, record_event, NewTicketEvent};
use super::DbConn;
use crate::domain::time::{now, to_rfc3339};
use crate::domain::user::Actor;
use crate::error::AppError;

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
        if actor.role.is_staff() && !internal && ticket.acknowledged_at.is_none() {
            diesel::update(tickets::table.find(ticket_id))
                .set((
                    tickets::acknowledged_at.eq(at),
                    tickets::updated_at.eq(at),
                    tickets::version.eq(ticket.version + 1),
                ))
                .execute(conn)?;
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
