//! Filings committed in groups.
//!
//! A filing writes a ticket, its history, its mail and its month's counts: on SQLite, where
//! one writer at a time commits and each commit syncs the write-ahead log, and on PostgreSQL,
//! where each of those statements is a round trip and the server spends about as much on a
//! statement of one row as on one of many. Filings that arrive while another group commits
//! wait in this queue; a thread takes all that are waiting and files them in one
//! transaction: those without an `Idempotency-Key` together, in the same few statements
//! whatever their number (one whose member or category is not valid is answered with its
//! error, the others are filed), those with a key each in a savepoint of its own; it puts them
//! in the trigram index in one statement and commits once. Nobody is answered before that
//! commit: what is acknowledged is on disk. Should the group fail to commit for another
//! reason than a lost database, each of its filings is tried again alone.
//!
//! On PostgreSQL, two threads commit groups: while one waits for its commit to reach the disk,
//! the other writes the next group (their rows of counts are locked in one order, so neither
//! waits for the other but for those rows). SQLite writes one transaction at a time: one
//! thread. Filings with a key are not queued on PostgreSQL: two of them with one key may race,
//! and the loser waits on the winner's key, which must not hold up a group.

use std::sync::{mpsc, Arc, Mutex};

use tokio::sync::oneshot;

use crate::db::{self, DatabaseUrl, Pool};
use crate::desk::tickets::{self, Filed, IdempotencyKey, TicketDraft};
use crate::desk::Policy;
use crate::domain::time::now;
use crate::domain::user::Actor;
use crate::error::AppError;

/// How many threads commit groups on this database.
pub fn threads_for(url: &DatabaseUrl) -> usize {
    if url.is_postgres() {
        2
    } else {
        1
    }
}

/// At most this many filings in one commit.
const MAX_GROUP: usize = 64;

struct Job {
    draft: TicketDraft,
    actor: Actor,
    key: Option<IdempotencyKey>,
    reply: oneshot::Sender<Result<Filed, AppError>>,
}

/// A filing the queue could not take: its committing thread is gone.
pub struct NotQueued {
    pub draft: TicketDraft,
    pub actor: Actor,
    pub key: Option<IdempotencyKey>,
}

pub struct FilingQueue {
    jobs: mpsc::Sender<Job>,
}

impl FilingQueue {
    /// Starts the threads that commit the queued filings, each a group at a time.
    pub fn start(pool: Pool, policy: Policy, threads: usize) -> std::io::Result<FilingQueue> {
        let (jobs, queued) = mpsc::channel::<Job>();
        let queued = Arc::new(Mutex::new(queued));
        for _ in 0..threads.max(1) {
            let (pool, policy, queued) = (pool.clone(), policy.clone(), queued.clone());
            std::thread::Builder::new()
                .name("filing".into())
                .spawn(move || commit_groups(&pool, &policy, &queued))?;
        }
        Ok(FilingQueue { jobs })
    }

    /// Puts a ticket in the next group: the answer comes after that group's commit. Waiting
    /// for it holds no thread, so that as many filings as arrive can join one group.
    pub fn submit(
        &self,
        draft: TicketDraft,
        actor: Actor,
        key: Option<IdempotencyKey>,
    ) -> Result<oneshot::Receiver<Result<Filed, AppError>>, Box<NotQueued>> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            draft,
            actor,
            key,
            reply,
        };
        match self.jobs.send(job) {
            Ok(()) => Ok(answer),
            Err(mpsc::SendError(job)) => Err(Box::new(NotQueued {
                draft: job.draft,
                actor: job.actor,
                key: job.key,
            })),
        }
    }
}

fn commit_groups(pool: &Pool, policy: &Policy, queued: &Mutex<mpsc::Receiver<Job>>) {
    // Ends when the queue is dropped with the application.
    loop {
        let group = {
            let queued = queued.lock().unwrap_or_else(|e| e.into_inner());
            let Ok(first) = queued.recv() else {
                return;
            };
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match queued.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            group
        };
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
    let at = now();
    let together: Vec<usize> = (0..group.len())
        .filter(|&i| group[i].key.is_none())
        .collect();
    let mut outcomes: Vec<Option<Result<Filed, AppError>>> = group.iter().map(|_| None).collect();
    let committed = db::write(&mut conn, |conn| {
        if !together.is_empty() {
            let filings: Vec<(&TicketDraft, &Actor)> = together
                .iter()
                .map(|&i| (&group[i].draft, &group[i].actor))
                .collect();
            let filed = tickets::file_many(conn, &filings, at, policy)?;
            for (&i, outcome) in together.iter().zip(filed) {
                outcomes[i] = Some(outcome.map(Filed::Created));
            }
        }
        for (i, job) in group.iter().enumerate() {
            if job.key.is_some() {
                outcomes[i] = Some(db::write(conn, |conn| {
                    let filing = tickets::Filing {
                        draft: &job.draft,
                        actor: &job.actor,
                        idempotency: job.key.as_ref(),
                    };
                    tickets::file_once(conn, &filing, policy)
                }));
            }
        }
        let created = outcomes.iter().filter_map(|outcome| match outcome {
            Some(Ok(Filed::Created(ticket))) => Some(ticket.id),
            _ => None,
        });
        let (first, last) = created.fold((i64::MAX, i64::MIN), |(lo, hi), id| {
            (lo.min(id), hi.max(id))
        });
        if first <= last {
            db::tickets::index_for_search(conn, first, last)?;
        }
        Ok::<(), AppError>(())
    });
    match committed {
        Ok(()) => outcomes
            .into_iter()
            .map(|outcome| outcome.unwrap_or_else(|| Err(AppError::internal("a filing left out"))))
            .collect(),
        Err(AppError::Unavailable(why)) => {
            conn.mark_broken();
            log::error!("a group of {} filings failed to commit: {why}", group.len());
            unavailable(format!("the filings could not be committed: {why}"))
        }
        Err(e) => {
            log::warn!(
                "a group of {} filings failed ({e}): filing each alone",
                group.len()
            );
            group
                .iter()
                .map(|job| {
                    tickets::file(&mut conn, &job.draft, &job.actor, job.key.as_ref(), policy)
                })
                .collect()
        }
    }
}
