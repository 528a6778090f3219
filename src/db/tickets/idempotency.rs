//! Idempotency keys: which ticket a caller's key and request body filed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::idempotency_keys;
use crate::db::DbConn;

/// A key as it was first used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    pub row_id: i64,
    pub request_hash: String,
    pub ticket_id: i64,
    pub created_at: NaiveDateTime,
}

/// The use of `key` by `user_id`, if any.
pub fn find_key(conn: &mut DbConn, user_id: i64, key: &str) -> QueryResult<Option<KeyUse>> {
    idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(user_id))
        .filter(idempotency_keys::idempotency_key.eq(key))
        .select((
            idempotency_keys::id,
            idempotency_keys::request_hash,
            idempotency_keys::ticket_id,
            idempotency_keys::created_at,
        ))
        .first::<(i64, String, i64, NaiveDateTime)>(conn)
        .optional()
        .map(|found| {
            found.map(|(row_id, request_hash, ticket_id, created_at)| KeyUse {
                row_id,
                request_hash,
                ticket_id,
                created_at,
            })
        })
}

/// Forgets a key's use (its window has passed).
pub fn forget_key(conn: &mut DbConn, row_id: i64) -> QueryResult<()> {
    diesel::delete(idempotency_keys::table.find(row_id))
        .execute(conn)
        .map(|_| ())
}

/// Remembers that `key`, with a body of digest `request_hash`, filed `ticket_id` at `at`.
pub fn remember_key(
    conn: &mut DbConn,
    user_id: i64,
    key: &str,
    request_hash: &str,
    ticket_id: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::ticket_id.eq(ticket_id),
            idempotency_keys::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}
