//! Comments on tickets, public or internal.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::comments;
use super::DbConn;
use crate::db::insert_returning;

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

/// Inserts a comment written at `at`.
pub fn insert(
    conn: &mut DbConn,
    ticket_id: i64,
    author_id: i64,
    body: &str,
    internal: bool,
    at: NaiveDateTime,
) -> QueryResult<Comment> {
    insert_returning!(
        conn,
        comments::table,
        &NewComment {
            ticket_id,
            author_id: Some(author_id),
            body,
            internal,
            created_at: at,
        },
        Comment
    )
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

/// The newest public comment of each of these tickets that has one.
pub fn latest_public(conn: &mut DbConn, ticket_ids: &[i64]) -> QueryResult<Vec<Comment>> {
    if ticket_ids.is_empty() {
        return Ok(Vec::new());
    }
    let newest: Vec<Option<i64>> = comments::table
        .filter(comments::ticket_id.eq_any(ticket_ids))
        .filter(comments::internal.eq(false))
        .group_by(comments::ticket_id)
        .select(diesel::dsl::max(comments::id))
        .load(conn)?;
    let ids: Vec<i64> = newest.into_iter().flatten().collect();
    comments::table
        .filter(comments::id.eq_any(ids))
        .select(Comment::as_select())
        .load(conn)
}

/// A comment brought from another system, with its reference there.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = comments, treat_none_as_null = true)]
pub struct ExternalComment {
    pub ticket_id: i64,
    pub author_id: Option<i64>,
    pub body: String,
    pub internal: bool,
    pub created_at: NaiveDateTime,
    pub external_ref: Option<String>,
}

/// The comments of a ticket brought from another system: `(id, reference)`.
pub fn external_of(conn: &mut DbConn, ticket_id: i64) -> QueryResult<Vec<(i64, String)>> {
    let rows: Vec<(i64, Option<String>)> = comments::table
        .filter(comments::ticket_id.eq(ticket_id))
        .filter(comments::external_ref.is_not_null())
        .select((comments::id, comments::external_ref))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, reference)| reference.map(|r| (id, r)))
        .collect())
}

pub fn insert_external(conn: &mut DbConn, rows: &[ExternalComment]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        crate::db::each_backend!(&mut *conn, c => diesel::insert_into(comments::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

pub fn update_external(conn: &mut DbConn, id: i64, row: &ExternalComment) -> QueryResult<()> {
    diesel::update(comments::table.find(id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::delete(comments::table.find(id))
        .execute(conn)
        .map(|_| ())
}
