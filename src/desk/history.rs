//! History brought over from another system: tickets with their comments, work and
//! satisfaction answers, each under its reference there. Bringing the same history again
//! changes nothing; a ticket changed there is brought up to date, its counts moving with it.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::comments::{self, ExternalComment};
use crate::db::satisfactions::{self, Satisfaction};
use crate::db::work_logs::{self, WorkLogFields};
use crate::db::{tickets, DbConn};
use crate::desk::tickets::import::{self, ImportedTicket};
use crate::desk::Policy;
use crate::domain::time::now;
use crate::domain::user::Actor;
use crate::error::AppError;

/// A comment under its reference in the system it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryComment {
    pub reference: String,
    pub author_id: Option<i64>,
    pub body: String,
    pub internal: bool,
    pub created_at: NaiveDateTime,
}

/// Work under its reference; its ticket is the one it comes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryWork {
    pub reference: String,
    pub fields: WorkLogFields,
}

/// A ticket and its timeline; `ticket.external` names it and tells what it was.
#[derive(Debug, Clone)]
pub struct HistoryTicket {
    pub ticket: ImportedTicket,
    pub comments: Vec<HistoryComment>,
    pub work: Vec<HistoryWork>,
    /// Rating (0-5), comment, answered at.
    pub satisfaction: Option<(Option<i32>, String, Option<NaiveDateTime>)>,
}

impl HistoryTicket {
    fn reference(&self) -> Option<&str> {
        self.ticket.external.as_ref().map(|e| e.reference.as_str())
    }

    fn digest(&self) -> Option<&str> {
        self.ticket.external.as_ref().map(|e| e.digest.as_str())
    }
}

/// What bringing a ticket did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Added,
    Updated,
    Unchanged,
}

/// Brings a batch of tickets over, all or none, in one transaction: new ones are imported as
/// the import of past tickets does, changed ones (another digest) written over, the others
/// left alone. Every ticket must carry its reference, once in the batch.
pub fn bring(
    conn: &mut DbConn,
    batch: &[HistoryTicket],
    actor: &Actor,
    policy: &Policy,
) -> Result<Vec<Outcome>, AppError> {
    let mut references = Vec::with_capacity(batch.len());
    for ticket in batch {
        let reference = ticket
            .reference()
            .ok_or_else(|| AppError::internal("a ticket brought over without its reference"))?;
        references.push(reference.to_string());
    }
    crate::db::with_bulk_cache(conn, |conn| {
        crate::db::write(conn, |conn| {
            let known: HashMap<String, (i64, Option<String>)> =
                tickets::by_external_refs(conn, &references)?
                    .into_iter()
                    .map(|(reference, id, digest)| (reference, (id, digest)))
                    .collect();
            let mut outcomes = Vec::with_capacity(batch.len());
            let mut fresh: Vec<&HistoryTicket> = Vec::new();
            let mut changed: Vec<(i64, &HistoryTicket)> = Vec::new();
            let mut pending = Pending::default();
            for (ticket, reference) in batch.iter().zip(&references) {
                let outcome = match known.get(reference) {
                    None => {
                        fresh.push(ticket);
                        Outcome::Added
                    }
                    Some((_, digest)) if digest.as_deref() == ticket.digest() => Outcome::Unchanged,
                    Some((id, _)) => {
                        changed.push((*id, ticket));
                        Outcome::Updated
                    }
                };
                outcomes.push(outcome);
            }
            if !changed.is_empty() {
                let rows: Vec<ImportedTicket> =
                    changed.iter().map(|(_, t)| t.ticket.clone()).collect();
                import::check_batch(conn, &rows, policy.zone)?;
                for (id, ticket) in changed {
                    import::reimport(conn, id, &ticket.ticket, actor, policy)?;
                    write_timeline(conn, id, ticket, false, &mut pending)?;
                }
            }
            if !fresh.is_empty() {
                let rows: Vec<ImportedTicket> = fresh.iter().map(|t| t.ticket.clone()).collect();
                let ids = import::import_batch(conn, &rows, actor, policy)?;
                for (ticket, id) in fresh.into_iter().zip(ids) {
                    write_timeline(conn, id, ticket, true, &mut pending)?;
                }
            }
            pending.write(conn)?;
            Ok(outcomes)
        })
    })
}

/// What a batch adds, written together at its end.
#[derive(Default)]
struct Pending {
    comments: Vec<ExternalComment>,
    work: Vec<WorkLogFields>,
    work_references: Vec<String>,
    satisfactions: Vec<Satisfaction>,
}

impl Pending {
    fn write(self, conn: &mut DbConn) -> Result<(), AppError> {
        comments::insert_external(conn, &self.comments)?;
        if !self.work.is_empty() {
            crate::desk::work_logs::import_batch(conn, &self.work, Some(&self.work_references))?;
        }
        satisfactions::insert_many(conn, &self.satisfactions)?;
        Ok(())
    }
}

/// Makes a ticket's comments, work and satisfaction from the other system what `ticket` says:
/// those it had are changed in place, new ones added (to `pending`), vanished ones removed;
/// what was added in this service is left alone.
fn write_timeline(
    conn: &mut DbConn,
    ticket_id: i64,
    ticket: &HistoryTicket,
    fresh: bool,
    pending: &mut Pending,
) -> Result<(), AppError> {
    let mut had_comments: HashMap<String, i64> = if fresh {
        HashMap::new()
    } else {
        comments::external_of(conn, ticket_id)?
            .into_iter()
            .map(|(id, reference)| (reference, id))
            .collect()
    };
    for comment in &ticket.comments {
        let row = ExternalComment {
            ticket_id,
            author_id: comment.author_id,
            body: comment.body.clone(),
            internal: comment.internal,
            created_at: comment.created_at,
            external_ref: Some(comment.reference.clone()),
        };
        match had_comments.remove(&comment.reference) {
            Some(id) => comments::update_external(conn, id, &row)?,
            None => pending.comments.push(row),
        }
    }
    for id in had_comments.into_values() {
        comments::delete(conn, id)?;
    }

    let mut had_work: HashMap<String, work_logs::WorkLog> = if fresh {
        HashMap::new()
    } else {
        work_logs::external_of(conn, ticket_id)?
            .into_iter()
            .map(|(log, reference)| (reference, log))
            .collect()
    };
    let member_id = ticket.ticket.draft.member_id;
    let at = now();
    for work in &ticket.work {
        let mut fields = work.fields.clone();
        fields.ticket_id = Some(ticket_id);
        if fields.kind.needs_member() {
            fields.member_id = Some(member_id);
        }
        match had_work.remove(&work.reference) {
            Some(log) if log.fields() == fields => {}
            Some(log) => {
                work_logs::count(conn, &log.fields(), -1)?;
                work_logs::update(conn, log.id, &fields, at)?;
                work_logs::count(conn, &fields, 1)?;
            }
            None => {
                pending.work.push(fields);
                pending.work_references.push(work.reference.clone());
            }
        }
    }
    for log in had_work.into_values() {
        work_logs::count(conn, &log.fields(), -1)?;
        work_logs::delete(conn, log.id)?;
    }

    let answer = ticket
        .satisfaction
        .as_ref()
        .map(|(rating, comment, answered_at)| Satisfaction {
            ticket_id,
            rating: *rating,
            comment: comment.clone(),
            answered_at: *answered_at,
        });
    match (fresh, answer) {
        (true, Some(answer)) => pending.satisfactions.push(answer),
        (true, None) => {}
        (false, answer) => satisfactions::set(conn, ticket_id, answer.as_ref())?,
    }
    Ok(())
}
