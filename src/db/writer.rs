//! The write path: one thread owns the writing connection and commits every
//! request that queued while the previous commit ran in one transaction
//! (group commit). On SQLite it is the only writer there can be; on
//! PostgreSQL it turns what would be a queue of transactions waiting for
//! each other on the feed and audit head rows into one commit per group
//! (other replicas still take those row locks, so order holds across them). Each request runs inside its own savepoint, so
//! one that fails rolls back alone; none is answered before the commit that
//! holds it is durable (`synchronous=FULL`).
//!
//! Audit records and feed events of the requests in a group are appended
//! once, at the end of the group's transaction, in request order: one chain
//! step and one feed step per commit instead of one per request. A request
//! hands them over in its [`Pending`]; the feed events of a request whose
//! savepoint rolled back are dropped with it, its audit records (a refusal)
//! are kept.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use diesel::{Connection, RunQueryDsl};
use tokio::sync::oneshot;

use super::DbConn;
use super::events::NewEvent;
use crate::domain::audit::AuditEvent;
use crate::error::AppError;

/// The most requests one commit holds.
const MAX_BATCH: usize = 512;
/// Requests that may wait for the writer before new ones are refused with 503.
const QUEUE_DEPTH: usize = 8_192;

/// How to answer a request once the fate of its group's commit is known.
type Answer = Box<dyn FnOnce(bool) + Send>;

/// A request's work: what it leaves for the commit, and how to answer it.
type Work = Box<dyn FnOnce(&mut DbConn) -> (Pending, Answer) + Send>;

/// One request for the writer.
struct Job {
    /// Runs the request's work; returns whether it succeeded and how to
    /// answer it.
    work: Work,
    /// Answers the request without running it, when its group could not start.
    refuse: Box<dyn FnOnce(AppError) + Send>,
}

/// What a write leaves for its group's commit to append, once per group
/// and in request order: audit records, kept even when the write fails
/// (they record a refusal), and feed events, kept only when it succeeds.
#[derive(Debug, Default)]
pub struct Pending {
    pub audit: Vec<AuditEvent>,
    pub events: Vec<NewEvent>,
}

#[derive(Clone)]
pub(super) struct Writer {
    jobs: Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on its own connection to `url`.
    pub(super) fn start(backend: super::Backend, url: String) -> anyhow::Result<Self> {
        let mut conn = super::establish(backend, &url)?;
        let (jobs, queue) = crossbeam_channel::bounded(QUEUE_DEPTH);
        std::thread::Builder::new()
            .name("bistand-writer".into())
            .spawn(move || {
                // `run` returns after a panicked group: the connection's
                // transaction state is then unknown, so it is closed (SQLite
                // rolls back what was not committed) and a new one opened.
                while run(conn, &queue) == Stopped::Panicked {
                    conn = reconnect(backend, &url);
                }
            })?;
        Ok(Self { jobs })
    }

    pub(super) async fn submit<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn, &mut Pending) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        // Whichever of `work` and `refuse` runs takes the reply.
        let reply = Arc::new(Mutex::new(Some(reply)));
        let refusal = reply.clone();
        let job = Job {
            work: Box::new(move |conn| {
                let mut pending = Pending::default();
                let result = conn.transaction(|conn| f(conn, &mut pending));
                if result.is_err() {
                    pending.events.clear();
                }
                let answer: Answer = Box::new(move |committed| {
                    let outcome = match result {
                        Ok(_) if !committed => Err(AppError::internal("the group commit failed")),
                        other => other,
                    };
                    // The requester may have gone away; its work is still committed.
                    if let Some(reply) = reply.lock().ok().and_then(|mut r| r.take()) {
                        let _ = reply.send(outcome);
                    }
                });
                (pending, answer)
            }),
            refuse: Box::new(move |error| {
                if let Some(reply) = refusal.lock().ok().and_then(|mut r| r.take()) {
                    let _ = reply.send(Err(error));
                }
            }),
        };
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(AppError::Unavailable("the write queue is full".into()));
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(AppError::internal("the writer has stopped"));
            }
        }
        answer
            .await
            .map_err(|_| AppError::internal("the writer dropped a request"))?
    }
}

/// Why [`run`] returned.
#[derive(Debug, PartialEq, Eq)]
enum Stopped {
    /// Every sender is gone: the service is shutting down.
    Closed,
    /// A request panicked; its group was answered with errors.
    Panicked,
}

fn run(mut conn: DbConn, queue: &Receiver<Job>) -> Stopped {
    while let Ok(first) = queue.recv() {
        let mut batch = Vec::with_capacity(16);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut answers = Vec::with_capacity(batch.len());
        let committed = catch_unwind(AssertUnwindSafe(|| {
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                // Take the write lock first, so that a write by another
                // process waits (busy_timeout) instead of failing the group.
                diesel::sql_query("UPDATE event_head SET seq = seq WHERE id = 1").execute(conn)?;
                let mut group = Pending::default();
                for job in batch.drain(..) {
                    let (mine, answer) = (job.work)(conn);
                    group.audit.extend(mine.audit);
                    group.events.extend(mine.events);
                    answers.push(answer);
                }
                super::events::append(conn, &group.events)?;
                super::audit::append(
                    conn,
                    &group.audit,
                    crate::domain::time::system_now().naive_utc(),
                )
            })
        }));
        // A group that failed before its requests ran (the database stayed
        // locked past the busy timeout, or is not writable) answers them 503.
        for job in batch.drain(..) {
            (job.refuse)(AppError::Unavailable(
                "the database is busy; try again".into(),
            ));
        }
        let committed = match committed {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "group commit failed");
                false
            }
            Err(_) => {
                tracing::error!("a write panicked; its group is rolled back");
                for answer in answers {
                    answer(false);
                }
                // Requests whose job never ran are answered by their dropped
                // reply channels.
                return Stopped::Panicked;
            }
        };
        for answer in answers {
            answer(committed);
        }
    }
    Stopped::Closed
}

/// A new writing connection, retried until the database opens again.
fn reconnect(backend: super::Backend, url: &str) -> DbConn {
    loop {
        match super::establish(backend, url) {
            Ok(conn) => return conn,
            Err(e) => {
                tracing::error!(error = %e, "the writer cannot reopen the database; retrying");
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
    }
}
