//! The console's sessions, and the preferences a person keeps with their account.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::user::Role;

use super::schema::{user_preferences, users, web_sessions};
use super::DbConn;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = web_sessions)]
pub struct NewSession {
    /// SHA-256 of the cookie's secret, in hex: the table never holds the secret itself.
    pub secret_digest: String,
    pub user_id: i64,
    pub csrf_token: String,
    /// The user's token epoch when the session began: a later password change or disabling
    /// moves the user's on, and the session ends.
    pub token_epoch: i64,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// A session as a request reads it, with what it needs of its user.
#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub user_id: i64,
    pub csrf_token: String,
    pub session_epoch: i64,
    pub expires_at: NaiveDateTime,
    pub role: Role,
    pub member_id: Option<i64>,
    pub disabled: bool,
    pub user_epoch: i64,
    pub name: String,
    pub email: String,
    pub language: Option<String>,
}

pub fn create(conn: &mut DbConn, session: &NewSession) -> QueryResult<()> {
    diesel::insert_into(web_sessions::table)
        .values(session)
        .execute(conn)
        .map(|_| ())
}

/// The session of this digest with its user, whatever its state: the caller decides whether
/// it still holds (`expires_at`, `disabled`, the epochs).
pub fn find(conn: &mut DbConn, secret_digest: &str) -> QueryResult<Option<SessionRow>> {
    web_sessions::table
        .inner_join(users::table)
        .left_join(user_preferences::table.on(user_preferences::user_id.eq(users::id)))
        .filter(web_sessions::secret_digest.eq(secret_digest))
        .select((
            web_sessions::user_id,
            web_sessions::csrf_token,
            web_sessions::token_epoch,
            web_sessions::expires_at,
            users::role,
            users::member_id,
            users::disabled,
            users::token_epoch,
            users::name,
            users::email,
            user_preferences::language.nullable(),
        ))
        .first(conn)
        .optional()
}

pub fn end(conn: &mut DbConn, secret_digest: &str) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.find(secret_digest)).execute(conn)
}

/// Forgets the sessions past their end (they open nothing already).
pub fn end_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::expires_at.le(now))).execute(conn)
}

pub fn set_language(conn: &mut DbConn, user_id: i64, language: &str) -> QueryResult<()> {
    let updated = diesel::update(user_preferences::table.find(user_id))
        .set(user_preferences::language.eq(language))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(user_preferences::table)
            .values((
                user_preferences::user_id.eq(user_id),
                user_preferences::language.eq(language),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_language(conn: &mut DbConn, user_id: i64) -> QueryResult<Option<String>> {
    user_preferences::table
        .find(user_id)
        .select(user_preferences::language)
        .first(conn)
        .optional()
}
