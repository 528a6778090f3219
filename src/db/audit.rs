//! The audit log: log-ins, rights changes, work-log changes, exports and anonymizations. Rows
//! are inserted and read, never deleted; the one update is anonymization taking a person's
//! personal data out of what the entries about them say (`redact_person`), and the database
//! refuses any other.
//!
//! Also the writes to users whose audit row must commit with them, or not at all.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Map, Value};

use super::schema::{audit_log, users};
use super::users::{find, find_by_email, NewUser, User, UserChanges};
use super::DbConn;
use crate::domain::time::now;

crate::domain::text_enum!(
    /// What an audit entry records.
    AuditAction, "action" {
        LoginSucceeded => "login_succeeded",
        LoginFailed => "login_failed",
        UserCreated => "user_created",
        UserUpdated => "user_updated",
        UserExported => "user_exported",
        UserAnonymized => "user_anonymized",
        TicketRequesterAnonymized => "ticket_requester_anonymized",
        WorkLogUpdated => "work_log_updated",
        WorkLogDeleted => "work_log_deleted",
    }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    /// What the entry says; its fields read through the entry (`entry.action`).
    #[diesel(embed)]
    pub record: NewAuditEntry,
}

crate::db::reads_through!(AuditEntry => record: NewAuditEntry);

/// An audit entry as written: all but its id.
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry {
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub action: String,
    pub subject_user_id: Option<i64>,
    /// A JSON object.
    pub details: String,
    pub ip: Option<String>,
}

/// Who acts, and from which address, in the entries a request writes.
#[derive(Debug, Clone, Default)]
pub struct AuditSource {
    pub actor_id: Option<i64>,
    pub ip: Option<String>,
}

impl AuditSource {
    pub fn entry(
        &self,
        action: AuditAction,
        subject_user_id: Option<i64>,
        details: Value,
    ) -> NewAuditEntry {
        NewAuditEntry {
            at: now(),
            actor_id: self.actor_id,
            action: action.as_str().to_string(),
            subject_user_id,
            details: details.to_string(),
            ip: self.ip.clone(),
        }
    }
}

pub fn record(conn: &mut DbConn, entry: &NewAuditEntry) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)
        .map(|_| ())
}

/// Takes an anonymized person's e-mail out of the log-in entries that name it (theirs, and the
/// failed attempts typed with it), putting `replacement` in its place, and the address of
/// their own successful log-ins; the entries stay, with who, what and when. Returns how many
/// entries were rewritten.
pub fn redact_person(
    conn: &mut DbConn,
    user_id: i64,
    email: &str,
    replacement: &str,
) -> QueryResult<usize> {
    let logins = [
        AuditAction::LoginSucceeded.as_str(),
        AuditAction::LoginFailed.as_str(),
    ];
    let entries: Vec<AuditEntry> = audit_log::table
        .filter(audit_log::action.eq_any(logins))
        .filter(
            audit_log::subject_user_id.eq(user_id).or(audit_log::details
                .like(format!("%{}%", like_escaped(email)))
                .escape('\\')),
        )
        .select(AuditEntry::as_select())
        .load(conn)?;
    let mut rewritten = 0;
    for entry in entries {
        let Ok(Value::Object(mut details)) = serde_json::from_str::<Value>(&entry.details) else {
            continue;
        };
        let names_them = details
            .get("email")
            .and_then(Value::as_str)
            .is_some_and(|tried| tried.eq_ignore_ascii_case(email));
        let theirs = entry.subject_user_id == Some(user_id);
        if !names_them && !theirs {
            continue;
        }
        if names_them || details.contains_key("email") {
            details.insert("email".into(), json!(replacement));
        }
        let ip = if theirs && entry.action == AuditAction::LoginSucceeded.as_str() {
            None
        } else {
            entry.ip.clone()
        };
        diesel::update(audit_log::table.find(entry.id))
            .set((
                audit_log::details.eq(Value::Object(details).to_string()),
                audit_log::ip.eq(ip),
            ))
            .execute(conn)?;
        rewritten += 1;
    }
    Ok(rewritten)
}

/// `text` for a LIKE pattern escaped with `\`.
fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub action: Option<AuditAction>,
    /// Entries where this user acted or was acted upon.
    pub user_id: Option<i64>,
}

/// Entries, newest first.
pub fn list(
    conn: &mut DbConn,
    filter: &AuditFilter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let mut query = audit_log::table
        .select(AuditEntry::as_select())
        .into_boxed();
    if let Some(action) = filter.action {
        query = query.filter(audit_log::action.eq(action.as_str()));
    }
    if let Some(user_id) = filter.user_id {
        query = query.filter(
            audit_log::actor_id
                .eq(user_id)
                .or(audit_log::subject_user_id.eq(user_id)),
        );
    }
    if let Some(id) = before_id {
        query = query.filter(audit_log::id.lt(id));
    }
    query.order(audit_log::id.desc()).limit(limit).load(conn)
}

/// Every entry where the user acted or was acted upon, oldest first.
pub fn about_user(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table
        .filter(
            audit_log::actor_id
                .eq(user_id)
                .or(audit_log::subject_user_id.eq(user_id)),
        )
        .select(AuditEntry::as_select())
        .order(audit_log::id.asc())
        .load(conn)
}

/// Inserts a user with its `user_created` entry, or returns `None` when the e-mail is taken.
pub fn create_user(
    conn: &mut DbConn,
    new: &NewUser,
    source: &AuditSource,
) -> QueryResult<Option<User>> {
    super::write(conn, |conn| {
        if find_by_email(conn, &new.email)?.is_some() {
            return Ok(None);
        }
        diesel::insert_into(users::table)
            .values(new)
            .execute(conn)?;
        let user = find_by_email(conn, &new.email)?.ok_or(diesel::result::Error::NotFound)?;
        let details = json!({"role": user.role, "member_id": user.member_id});
        record(
            conn,
            &source.entry(AuditAction::UserCreated, Some(user.id), details),
        )?;
        Ok(Some(user))
    })
}

/// Changes a user, with a `user_updated` entry saying what changed (when anything did).
/// The service then forgets the user in its `UserCache`, so that the change applies to their
/// next request.
pub fn update_user(
    conn: &mut DbConn,
    id: i64,
    changes: &UserChanges,
    source: &AuditSource,
) -> QueryResult<Option<User>> {
    super::write(conn, |conn| {
        let Some(before) = find(conn, id)? else {
            return Ok(None);
        };
        diesel::update(users::table.find(id))
            .set(changes)
            .execute(conn)?;
        if super::users::ends_tokens(changes) {
            super::users::end_tokens(conn, id)?;
        }
        let after = find(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
        let changed = user_changes(&before, &after, changes.password_hash.is_some());
        if !changed.is_empty() {
            let details = json!({ "changes": changed });
            record(
                conn,
                &source.entry(AuditAction::UserUpdated, Some(id), details),
            )?;
        }
        Ok(Some(after))
    })
}

/// What a change did to a user's rights, as `{field: {from, to}}`. A name or password is
/// only said to have changed: the log keeps no personal data it does not need.
fn user_changes(before: &User, after: &User, password_set: bool) -> Map<String, Value> {
    let mut changes = Map::new();
    let mut compare = |field: &str, from: Value, to: Value| {
        if from != to {
            changes.insert(field.into(), json!({"from": from, "to": to}));
        }
    };
    compare("role", json!(before.role), json!(after.role));
    compare("member_id", json!(before.member_id), json!(after.member_id));
    compare("disabled", json!(before.disabled), json!(after.disabled));
    if before.name != after.name {
        changes.insert("name".into(), json!("changed"));
    }
    if password_set {
        changes.insert("password".into(), json!("changed"));
    }
    changes
}
