//! Who may see a ticket, and the records a ticket may name.

use chrono::NaiveDate;

use crate::db::tickets::{find, Ticket};
use crate::db::{categories, members, users, DbConn};
use crate::domain::user::Actor;
use crate::error::AppError;

/// The ticket if the actor may see it: agents see only their member's.
pub fn find_visible(conn: &mut DbConn, id: i64, actor: &Actor) -> Result<Ticket, AppError> {
    match find(conn, id)? {
        Some(ticket) if actor.member_scope().is_none_or(|m| m == ticket.member_id) => Ok(ticket),
        _ => Err(AppError::not_found(format!("ticket {id}"))),
    }
}

/// The member must exist and have been a member on that day.
pub fn check_member_on(
    conn: &mut DbConn,
    member_id: i64,
    day: NaiveDate,
    field: &str,
) -> Result<(), AppError> {
    let member = members::find(conn, member_id)?;
    match member_problem(member.as_ref(), member_id, day) {
        Some(problem) => Err(AppError::validation(field, problem)),
        None => Ok(()),
    }
}

/// What is wrong with filing for this member on that day, if anything.
pub fn member_problem(member: Option<&members::Member>, id: i64, day: NaiveDate) -> Option<String> {
    match member {
        None => Some(format!("member {id} does not exist")),
        Some(member) if !member.membership().covers(day) => {
            Some(format!("{} was not a member on {day}", member.code))
        }
        Some(_) => None,
    }
}

pub fn check_category(
    conn: &mut DbConn,
    category_id: Option<i64>,
    field: &str,
) -> Result<(), AppError> {
    if let Some(id) = category_id {
        match categories::find(conn, id)? {
            None => return Err(AppError::validation(field, category_problem(id))),
            Some(c) if c.retired_at.is_some() => {
                return Err(AppError::validation(field, retired_problem(id)))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A retired category classes what it did, and nothing new.
pub fn retired_problem(id: i64) -> String {
    format!("category {id} is retired")
}

pub fn category_problem(id: i64) -> String {
    format!("category {id} does not exist")
}

/// A user tickets may be assigned to: any active member of staff.
pub fn check_assignee(conn: &mut DbConn, user_id: i64, field: &str) -> Result<(), AppError> {
    match users::find(conn, user_id)? {
        Some(user) if !user.disabled && user.role.is_staff() => Ok(()),
        Some(_) => Err(AppError::validation(
            field,
            format!("user {user_id} cannot be assigned tickets (not active staff)"),
        )),
        None => Err(AppError::validation(
            field,
            format!("user {user_id} does not exist"),
        )),
    }
}
