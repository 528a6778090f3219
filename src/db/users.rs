//! Users of every role.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::user::Role;

use super::schema::users;
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    /// What was written of the user; its fields read through the user (`user.email`).
    #[diesel(embed)]
    pub record: NewUser,
    /// Moved on by each password change and disabling: tokens issued before carry an older one.
    pub token_epoch: i64,
}

crate::db::reads_through!(User => record: NewUser);

/// A user as written: all but the id and the token epoch.
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub member_id: Option<i64>,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub member_id: Option<Option<i64>>,
    pub password_hash: Option<String>,
    pub disabled: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Role, member, disabled, and the token epoch.
pub type Rights = (Role, Option<i64>, bool, i64);

/// What a request needs of its caller: role, member, whether they are disabled, and the
/// epoch their token must carry.
pub fn rights(conn: &mut DbConn, id: i64) -> QueryResult<Option<Rights>> {
    users::table
        .find(id)
        .select((
            users::role,
            users::member_id,
            users::disabled,
            users::token_epoch,
        ))
        .first(conn)
        .optional()
}

/// Ends every token issued to the user so far (a new password, a disabled account).
pub fn end_tokens(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::token_epoch.eq(users::token_epoch + 1))
        .execute(conn)
}

/// Whether these changes end the user's tokens: a new password, or disabling.
pub fn ends_tokens(changes: &UserChanges) -> bool {
    changes.password_hash.is_some() || changes.disabled == Some(true)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

#[derive(Debug, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub member_id: Option<i64>,
}

pub fn list(
    conn: &mut DbConn,
    filter: &UserFilter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let mut query = users::table.select(User::as_select()).into_boxed();
    if let Some(role) = &filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(member_id) = filter.member_id {
        query = query.filter(users::member_id.eq(member_id));
    }
    if let Some(id) = before_id {
        query = query.filter(users::id.lt(id));
    }
    query.order(users::id.desc()).limit(limit).load(conn)
}

/// Inserts a user, or returns `None` when the e-mail is taken.
pub fn insert(conn: &mut DbConn, new: &NewUser) -> QueryResult<Option<User>> {
    super::write(conn, |conn| {
        if find_by_email(conn, &new.email)?.is_some() {
            return Ok(None);
        }
        diesel::insert_into(users::table)
            .values(new)
            .execute(conn)?;
        find_by_email(conn, &new.email)
    })
}

pub fn update(conn: &mut DbConn, id: i64, changes: &UserChanges) -> QueryResult<Option<User>> {
    super::write(conn, |conn| {
        let updated = diesel::update(users::table.find(id))
            .set(changes)
            .execute(conn)?;
        if updated == 0 {
            return Ok(None);
        }
        if ends_tokens(changes) {
            end_tokens(conn, id)?;
        }
        find(conn, id)
    })
}

/// Active technicians, by id.
pub fn active_technicians(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    users::table
        .filter(users::role.eq(Role::Technician))
        .filter(users::disabled.eq(false))
        .select(users::id)
        .order(users::id.asc())
        .load(conn)
}

/// Names of the given users, for history and comments.
pub fn names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    Ok(contacts(conn, ids)?
        .into_iter()
        .map(|(id, name, _)| (id, name))
        .collect())
}

/// The addresses of these users.
pub fn emails(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    Ok(contacts(conn, ids)?
        .into_iter()
        .map(|(id, _, email)| (id, email))
        .collect())
}

/// `(id, name, e-mail)` of these users.
fn contacts(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name, users::email))
        .load(conn)
}

/// Every member of staff (not agents), for checking many rows at once.
pub fn all_staff(conn: &mut DbConn) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::role.ne(Role::Agent))
        .select(User::as_select())
        .load(conn)
}

/// The addresses of the active users of these roles, in the order of their ids.
pub fn active_emails_of_roles(conn: &mut DbConn, roles: &[Role]) -> QueryResult<Vec<String>> {
    users::table
        .filter(users::role.eq_any(roles))
        .filter(users::disabled.eq(false))
        .select(users::email)
        .order(users::id.asc())
        .load(conn)
}

/// `(id, name, e-mail, member)` of an agent.
pub type CallerRow = (i64, String, String, Option<i64>);

/// The enabled agents, by name: the callers the hotline knows.
pub fn known_callers(conn: &mut DbConn) -> QueryResult<Vec<CallerRow>> {
    users::table
        .filter(users::role.eq(Role::Agent))
        .filter(users::disabled.eq(false))
        .select((users::id, users::name, users::email, users::member_id))
        .order((users::name.asc(), users::id.asc()))
        .load(conn)
}

/// Accounts brought from another system: reference → id.
pub fn external_refs(conn: &mut DbConn) -> QueryResult<std::collections::HashMap<String, i64>> {
    let rows: Vec<(Option<String>, i64)> = users::table
        .filter(users::external_ref.is_not_null())
        .select((users::external_ref, users::id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(reference, id)| reference.map(|r| (r, id)))
        .collect())
}

/// Every account's e-mail: e-mail → id.
pub fn all_emails(conn: &mut DbConn) -> QueryResult<std::collections::HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = users::table.select((users::email, users::id)).load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn set_external_ref(conn: &mut DbConn, id: i64, reference: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::external_ref.eq(reference))
        .execute(conn)
        .map(|_| ())
}
