//! Personal data (RGPD): everything held about a person, and its anonymization. Each operation
//! runs in one transaction with its audit entry.
//!
//! Anonymization replaces what names a person (name, e-mail, phone, the signature of their
//! comments, the address their mail went to) and keeps what the statistics and the record of
//! work need: tickets, work logs, their members, dates and counts, and the free text of tickets
//! and comments.

use diesel::prelude::*;
use serde_json::json;

use super::audit::{self, AuditAction, AuditEntry, AuditSource};
use super::comments::Comment;
use super::outbox::{OutboxRow, FAILED, FAILING, QUEUED};
use super::schema::{comments, outbox, ticket_events, tickets, users, work_logs};
use super::tickets::{NewTicketEvent, Ticket, TicketEvent};
use super::users::{find, User};
use super::work_logs::WorkLog;
use super::DbConn;
use crate::domain::time::now;

/// Everything the service holds about one user.
#[derive(Debug)]
pub struct PersonalData {
    pub user: User,
    /// Tickets they filed, or whose requester e-mail is theirs.
    pub tickets_requested: Vec<Ticket>,
    pub tickets_assigned: Vec<i64>,
    pub comments: Vec<Comment>,
    pub work_logs: Vec<WorkLog>,
    /// Changes they made to tickets.
    pub history: Vec<TicketEvent>,
    /// Mail sent, or to be sent, to their address.
    pub mail: Vec<OutboxRow>,
    /// Audit entries where they acted or were acted upon.
    pub audit: Vec<AuditEntry>,
}

/// What an anonymization changed.
#[derive(Debug)]
pub struct Anonymized {
    pub user: User,
    pub tickets: usize,
    pub comments: usize,
    pub messages: usize,
}

/// The name an anonymized user is shown under.
pub fn anonymized_name(user_id: i64) -> String {
    format!("Utilisateur anonymisé {user_id}")
}

/// An address that names no one and can receive nothing (`.invalid` is reserved, RFC 2606).
pub fn anonymized_email(user_id: i64) -> String {
    format!("anonymized-{user_id}@invalid")
}

const ANONYMIZED_RECIPIENT: &str = "anonymized@invalid";

/// Everything held about a user, with the `user_exported` entry; `None` if there is no such user.
pub fn export(
    conn: &mut DbConn,
    user_id: i64,
    source: &AuditSource,
) -> QueryResult<Option<PersonalData>> {
    super::write(conn, |conn| {
        let Some(user) = find(conn, user_id)? else {
            return Ok(None);
        };
        let tickets_requested = tickets::table
            .filter(
                tickets::requester_id
                    .eq(user_id)
                    .or(tickets::requester_email.eq(&user.email)),
            )
            .select(Ticket::as_select())
            .order(tickets::id.asc())
            .load(conn)?;
        let tickets_assigned = tickets::table
            .filter(tickets::assignee_id.eq(user_id))
            .select(tickets::id)
            .order(tickets::id.asc())
            .load(conn)?;
        let comments = comments::table
            .filter(comments::author_id.eq(user_id))
            .select(Comment::as_select())
            .order(comments::id.asc())
            .load(conn)?;
        let work_logs = work_logs::table
            .filter(work_logs::technician_id.eq(user_id))
            .select(WorkLog::as_select())
            .order(work_logs::id.asc())
            .load(conn)?;
        let history = ticket_events::table
            .filter(ticket_events::actor_id.eq(user_id))
            .select(TicketEvent::as_select())
            .order(ticket_events::id.asc())
            .load(conn)?;
        let mail = outbox::table
            .filter(outbox::recipient.eq(&user.email))
            .select(OutboxRow::as_select())
            .order(outbox::id.asc())
            .load(conn)?;
        // The export itself is in the log, and in what it returns.
        audit::record(
            conn,
            &source.entry(AuditAction::UserExported, Some(user_id), json!({})),
        )?;
        let audit = audit::about_user(conn, user_id)?;
        Ok(Some(PersonalData {
            user,
            tickets_requested,
            tickets_assigned,
            comments,
            work_logs,
            history,
            mail,
            audit,
        }))
    })
}

/// Anonymizes a user: see the module's documentation. `unusable_hash` is the hash of a secret
/// no one knows, so that the account can never log in again. `None` if there is no such user.
/// The service then forgets the user in its `UserCache`, so that their next request is refused.
pub fn anonymize_user(
    conn: &mut DbConn,
    user_id: i64,
    unusable_hash: &str,
    source: &AuditSource,
) -> QueryResult<Option<Anonymized>> {
    super::write(conn, |conn| {
        let Some(user) = find(conn, user_id)? else {
            return Ok(None);
        };
        let at = now();
        let email = anonymized_email(user_id);
        diesel::update(users::table.find(user_id))
            .set((
                users::name.eq(anonymized_name(user_id)),
                users::email.eq(&email),
                users::password_hash.eq(unusable_hash),
                users::disabled.eq(true),
                users::updated_at.eq(at),
                users::token_epoch.eq(users::token_epoch + 1),
            ))
            .execute(conn)?;

        let requested: Vec<i64> = tickets::table
            .filter(
                tickets::requester_id
                    .eq(user_id)
                    .or(tickets::requester_email.eq(&user.email)),
            )
            .select(tickets::id)
            .load(conn)?;
        let tickets = clear_requesters(conn, &requested, source.actor_id)?;

        let comments = diesel::update(comments::table.filter(comments::author_id.eq(user_id)))
            .set(comments::author_id.eq(None::<i64>))
            .execute(conn)?;
        let mail: Vec<i64> = outbox::table
            .filter(outbox::recipient.eq(&user.email))
            .select(outbox::id)
            .load(conn)?;
        let messages = readdress_mail(conn, &mail, &email)?;
        audit::redact_person(conn, user_id, &user.email, &email)?;

        let details = json!({"tickets": tickets, "comments": comments, "messages": messages});
        audit::record(
            conn,
            &source.entry(AuditAction::UserAnonymized, Some(user_id), details),
        )?;
        let user = find(conn, user_id)?.ok_or(diesel::result::Error::NotFound)?;
        Ok(Some(Anonymized {
            user,
            tickets,
            comments,
            messages,
        }))
    })
}

/// Removes the free-text requester (name, e-mail, phone) of one ticket, and the address of
/// the mail sent to it. `None` if there is no such ticket.
pub fn anonymize_requester(
    conn: &mut DbConn,
    ticket_id: i64,
    source: &AuditSource,
) -> QueryResult<Option<Ticket>> {
    super::write(conn, |conn| {
        let Some(ticket) = super::tickets::find(conn, ticket_id)? else {
            return Ok(None);
        };
        let cleared = clear_requesters(conn, &[ticket_id], source.actor_id)?;
        let mail: Vec<i64> = match &ticket.requester_email {
            Some(email) => outbox::table
                .filter(outbox::ticket_id.eq(ticket_id))
                .filter(outbox::recipient.eq(email))
                .select(outbox::id)
                .load(conn)?,
            None => Vec::new(),
        };
        let messages = readdress_mail(conn, &mail, ANONYMIZED_RECIPIENT)?;
        let details = json!({"ticket_id": ticket_id, "cleared": cleared > 0, "messages": messages});
        audit::record(
            conn,
            &source.entry(AuditAction::TicketRequesterAnonymized, None, details),
        )?;
        super::tickets::find(conn, ticket_id)
    })
}

/// Empties the requester fields of those tickets that have any, with a history entry each;
/// returns how many changed.
fn clear_requesters(
    conn: &mut DbConn,
    ticket_ids: &[i64],
    actor_id: Option<i64>,
) -> QueryResult<usize> {
    if ticket_ids.is_empty() {
        return Ok(0);
    }
    let with_requester: Vec<i64> = tickets::table
        .filter(tickets::id.eq_any(ticket_ids))
        .filter(
            tickets::requester_name
                .is_not_null()
                .or(tickets::requester_email.is_not_null())
                .or(tickets::requester_phone.is_not_null()),
        )
        .select(tickets::id)
        .order(tickets::id.asc())
        .load(conn)?;
    if with_requester.is_empty() {
        return Ok(0);
    }
    let at = now();
    diesel::update(tickets::table.filter(tickets::id.eq_any(&with_requester)))
        .set((
            tickets::requester_name.eq(None::<String>),
            tickets::requester_email.eq(None::<String>),
            tickets::requester_phone.eq(None::<String>),
            tickets::updated_at.eq(at),
            tickets::version.eq(tickets::version + 1),
        ))
        .execute(conn)?;
    let events: Vec<NewTicketEvent> = with_requester
        .iter()
        .map(|&ticket_id| NewTicketEvent {
            ticket_id,
            actor_id,
            at,
            field: "requester".into(),
            from_value: None,
            to_value: Some("anonymized".into()),
        })
        .collect();
    super::tickets::record_events(conn, &events)?;
    Ok(with_requester.len())
}

/// Points those messages at an address that names no one, and gives up sending what has not
/// gone yet: it would go nowhere. Returns how many messages changed.
fn readdress_mail(conn: &mut DbConn, ids: &[i64], recipient: &str) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::status.eq_any([QUEUED, FAILING])),
    )
    .set((
        outbox::status.eq(FAILED),
        outbox::last_error.eq("recipient anonymized"),
        outbox::locked_by.eq(None::<String>),
        outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(conn)?;
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set(outbox::recipient.eq(recipient))
        .execute(conn)
}
