//! Filings on SQLite committed in groups.
//!
//! SQLite lets one writer at a time, and a commit writes every page the transaction changed to
//! the write-ahead log, then syncs it: a new ticket changes a leaf of each of the table's
//! indexes and adds a segment to the trigram index. Filings that arrive while another commits
//! wait in this queue; one thread takes all that are waiting and files them in one
//! transaction, each in a savepoint of its own (one that fails is undone alone and answered
//! with its error), puts them in the trigram index in one statement, and commits once. Nobody
//! is answered before that commit: what is acknowledged is on disk.
//!
//! PostgreSQL takes concurrent writers and commits them together by itself: filings go
//! straight to it.

use std::sync::mpsc;
use std::sync::Mutex;

use super::tickets::{self, Filed, IdempotencyKey, Policy, TicketDraft};
use super::Pool;
use crate::domain::user::Actor;
use crate::error::AppError;

/// At most this many filings in one commit.
const MAX_GROUP: usize = 64;

struct Job {
    draft: TicketDraft,
    actor: Actor,
    key: Option<IdempotencyKey>,
    reply: mpsc::SyncSender<Result<Filed, AppError>>,
}

pub struct FilingQueue {
    jobs: Mutex<mpsc::Sender<Job>>,
    pool: Pool,
    policy: Policy,
}

impl FilingQueue {
    /// Starts the thread that commits the queued filings.
    pub fn start(pool: Pool, policy: Policy) -> std::io::Result<FilingQueue> {
        let (jobs, queued) = mpsc::channel::<Job>();
        let (worker_pool, worker_policy) = (pool.clone(), policy.clone());
        std::thread::Builder::new()
            .name("filing".into())
            .spawn(move || commit_groups(&worker_pool, &worker_policy, &queued))?;
        Ok(FilingQueue {
            jobs: Mutex::new(jobs),
            pool,
            policy,
        })
    }

    /// Files a ticket with the next group and waits for its commit. Blocks: call it from a
    /// blocking thread. Should the committing thread be gone, the ticket is filed on its own.
    pub fn file(
        &self,
        draft: TicketDraft,
        actor: Actor,
        key: Option<IdempotencyKey>,
    ) -> Result<Filed, AppError> {
        let (reply, answer) = mpsc::sync_channel(1);
        let job = Job {
            draft,
            actor,
            key,
            reply,
        };
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job);
        let job = match sent {
            Ok(()) => match answer.recv() {
                Ok(outcome) => return outcome,
                Err(_) => {
                    return Err(AppError::internal(
                        "the filing thread stopped before it answered",
                    ))
                }
            },
            Err(mpsc::SendError(job)) => job,
        };
        log::warn!("the filing thread is gone: filing on its own");
        let mut conn = self.pool.get()?;
        tickets::file(
            &mut conn,
            &job.draft,
            &job.actor,
            job.key.as_ref(),
            &self.policy,
        )
    }
}

fn commit_groups(pool: &Pool, policy: &Policy, queued: &mpsc::Receiver<Job>) {
    // Ends when the queue is dropped with the application.
    while let Ok(first) = queued.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queued.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let outcomes = commit_group(pool, policy, &group);
        for (job, outcome) in group.into_iter().zip(outcomes) {
            // A caller that has gone away (its request cancelled) needs no answer.
            let _ = job.reply.send(outcome);
        }
    }
}

/// Files a group in one transaction: one outcome per job, in order.
fn commit_group(pool: &Pool, policy: &Policy, group: &[Job]) -> Vec<Result<Filed, AppError>> {
    let unavailable = |why: String| -> Vec<Result<Filed, AppError>> {
        group
            .iter()
            .map(|_| Err(AppError::Unavailable(why.clone().into())))
            .collect()
    };
    let mut conn = match pool.get() {
        Ok(conn) => conn,
        Err(e) => return unavailable(format!("no database connection: {e}")),
    };
    let mut outcomes = Vec::with_capacity(group.len());
    let committed = super::write(&mut conn, |conn| {
        for job in group {
            outcomes.push(super::write(conn, |conn| {
                tickets::file_once(conn, &job.draft, &job.actor, job.key.as_ref(), policy)
            }));
        }
        let created = outcomes.iter().filter_map(|outcome| match outcome {
            Ok(Filed::Created(ticket)) => Some(ticket.id),
            _ => None,
        });
        let (first, last) = created.fold((i64::MAX, i64::MIN), |(lo, hi), id| {
            (lo.min(id), hi.max(id))
        });
        if first <= last {
            tickets::index_for_search(conn, first, last)?;
        }
        Ok::<(), AppError>(())
    });
    match committed {
        Ok(()) => outcomes,
        Err(e) => {
            if let AppError::Unavailable(_) = e {
                conn.mark_broken();
            }
            log::error!("a group of {} filings failed to commit: {e}", group.len());
            unavailable(format!("the filings could not be committed: {e}"))
        }
    }
}
