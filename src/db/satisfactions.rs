//! Requesters' answers to a ticket's satisfaction survey.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::ticket_satisfactions;
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = ticket_satisfactions)]
pub struct Satisfaction {
    pub ticket_id: i64,
    /// 0 to 5, when a rating was given.
    pub rating: Option<i32>,
    pub comment: String,
    pub answered_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConn, ticket_id: i64) -> QueryResult<Option<Satisfaction>> {
    ticket_satisfactions::table
        .find(ticket_id)
        .select(Satisfaction::as_select())
        .first(conn)
        .optional()
}

/// Sets a ticket's answer (`None` removes it).
pub fn set(conn: &mut DbConn, ticket_id: i64, answer: Option<&Satisfaction>) -> QueryResult<()> {
    diesel::delete(ticket_satisfactions::table.find(ticket_id)).execute(conn)?;
    if let Some(answer) = answer {
        diesel::insert_into(ticket_satisfactions::table)
            .values(answer)
            .execute(conn)?;
    }
    Ok(())
}

/// Adds the answers of tickets that have none yet.
pub fn insert_many(conn: &mut DbConn, answers: &[Satisfaction]) -> QueryResult<()> {
    for chunk in answers.chunks(500) {
        crate::db::each_backend!(&mut *conn, c => diesel::insert_into(ticket_satisfactions::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}
