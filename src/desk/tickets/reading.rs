//! Reading a ticket's comments and history, as the actor may see them.

use std::collections::HashMap;

use crate::db::comments::{self, Comment};
use crate::db::tickets::{self, TicketEvent};
use crate::db::{users, DbConn};
use crate::domain::user::Actor;
use crate::error::AppError;

use super::access::find_visible;

/// Names of users by id.
pub type Names = HashMap<i64, String>;

/// A page of a ticket's comments, newest first, after `before` (an agent sees the public
/// ones only), with their authors' names.
pub fn comments_of(
    conn: &mut DbConn,
    ticket_id: i64,
    actor: &Actor,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<Comment>, Names), AppError> {
    find_visible(conn, ticket_id, actor)?;
    let public_only = !actor.role.is_staff();
    let rows = comments::list(conn, ticket_id, public_only, before, limit)?;
    let names = names_of(conn, rows.iter().filter_map(|c| c.author_id))?;
    Ok((rows, names))
}

/// A page of a ticket's history, newest first, after `before`, with the names of who acted.
pub fn history_of(
    conn: &mut DbConn,
    ticket_id: i64,
    actor: &Actor,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<TicketEvent>, Names), AppError> {
    find_visible(conn, ticket_id, actor)?;
    let rows = tickets::history(conn, ticket_id, before, limit)?;
    let names = names_of(conn, rows.iter().filter_map(|e| e.actor_id))?;
    Ok((rows, names))
}

fn names_of(conn: &mut DbConn, ids: impl Iterator<Item = i64>) -> Result<Names, AppError> {
    let ids: Vec<i64> = ids.collect();
    Ok(users::names(conn, &ids)?.into_iter().collect())
}
