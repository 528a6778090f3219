//! What one request and one user may hold of the service.
//!
//! - **Places per user** (`server.max_concurrent_requests_per_user`): an authenticated request
//!   takes one of its user's places before it runs (`AuthUser`) and gives it back when its
//!   response has been sent or dropped, not when its handler returns: a response that its client
//!   does not read keeps its place, so that one user's unread pages cannot pile up. Requests
//!   past the places wait for one in arrival order, up to `server.max_waiting_requests_per_user`
//!   of them; past those, 429 with `Retry-After`. A user's expensive requests thus take at most
//!   that many of the database's connections, whatever they send, and never starve the others.
//! - **A body's deadline** (`server.body_timeout_seconds`): the framework bounds the wait for a
//!   request's head only; the body must arrive within this time, or the request is answered 408
//!   and its connection closed, whoever sends it (log-ins included).
//! - **A reader's pace** (`server.write_timeout_seconds`): a response body is handed to the
//!   connection in slices of 64 KiB, each as the client takes the previous ones; a large body
//!   of which the client takes nothing for that long has its connection shut, and its memory
//!   and place come back.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{header, ConnectionType, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, Problem};

/// How long a client refused for too many requests at once is asked to wait.
const RETRY_AFTER_SECONDS: u64 = 1;

/// The places of every user that has a request in the service.
pub struct UserLimits {
    places: usize,
    waiting: usize,
    users: Mutex<HashMap<i64, Places>>,
}

struct Places {
    semaphore: Arc<Semaphore>,
    waiting: usize,
}

/// One of a user's places, given back when dropped.
pub struct UserPlace {
    limits: Arc<UserLimits>,
    user_id: i64,
    permit: Option<OwnedSemaphorePermit>,
}

impl UserLimits {
    /// `places` requests per user at once (0: no limit), and `waiting` more in line.
    pub fn new(places: usize, waiting: usize) -> Arc<UserLimits> {
        Arc::new(UserLimits {
            places,
            waiting,
            users: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one request of `user_id`: at once if one is free, after those in line
    /// before it otherwise; 429 when the line is full.
    pub async fn enter(self: &Arc<Self>, user_id: i64) -> Result<Option<UserPlace>, AppError> {
        if self.places == 0 {
            return Ok(None);
        }
        let semaphore = {
            let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
            let user = users.entry(user_id).or_insert_with(|| Places {
                semaphore: Arc::new(Semaphore::new(self.places)),
                waiting: 0,
            });
            // A fair semaphore: while someone waits, no place is free for a newcomer.
            if let Ok(permit) = user.semaphore.clone().try_acquire_owned() {
                return Ok(Some(self.place(user_id, permit)));
            }
            if user.waiting >= self.waiting {
                return Err(AppError::TooManyRequests {
                    retry_after_seconds: RETRY_AFTER_SECONDS,
                });
            }
            user.waiting += 1;
            user.semaphore.clone()
        };
        let in_line = InLine {
            limits: self,
            user_id,
        };
        let permit = semaphore
            .acquire_owned()
            .await
            .map_err(AppError::internal)?;
        drop(in_line);
        Ok(Some(self.place(user_id, permit)))
    }

    fn place(self: &Arc<Self>, user_id: i64, permit: OwnedSemaphorePermit) -> UserPlace {
        UserPlace {
            limits: self.clone(),
            user_id,
            permit: Some(permit),
        }
    }

    /// Forgets a user with no request in the service.
    fn tidy(&self, user_id: i64) {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(user) = users.get(&user_id) {
            if user.waiting == 0 && user.semaphore.available_permits() == self.places {
                users.remove(&user_id);
            }
        }
    }

    /// Requests of `user_id` in the service now (served or waiting), for tests and metrics.
    pub fn in_service(&self, user_id: i64) -> usize {
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users.get(&user_id).map_or(0, |user| {
            self.places - user.semaphore.available_permits() + user.waiting
        })
    }
}

/// A request waiting for a place; leaves the line when dropped, served or given up.
struct InLine<'a> {
    limits: &'a Arc<UserLimits>,
    user_id: i64,
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        {
            let mut users = self.limits.users.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(user) = users.get_mut(&self.user_id) {
                user.waiting -= 1;
            }
        }
        self.limits.tidy(self.user_id);
    }
}

impl Drop for UserPlace {
    fn drop(&mut self) {
        drop(self.permit.take());
        self.limits.tidy(self.user_id);
    }
}

/// Takes a place for the request's user unless it has one already (a handler that reads
/// its caller twice takes one place).
pub async fn enter(
    req: &HttpRequest,
    limits: &Arc<UserLimits>,
    user_id: i64,
) -> Result<(), AppError> {
    if req.extensions().contains::<UserPlace>() {
        return Ok(());
    }
    if let Some(place) = limits.enter(user_id).await? {
        req.extensions_mut().insert(place);
    }
    Ok(())
}

/// The slices a response body is handed to the connection in.
const SLICE_BYTES: usize = 64 * 1024;

/// A response body that holds its request's place until it has been sent or dropped, handed
/// to the connection a slice at a time: the connection copies what it is given into its own
/// buffer, and a slice taken says the client reads.
struct Holding {
    body: BoxBody,
    pending: Bytes,
    progress: Option<Rc<Progress>>,
    _place: Option<UserPlace>,
    _large: Option<crate::memory::LargeBody>,
}

/// When a body last gave the connection something, and whether it is gone.
struct Progress {
    last: Cell<Instant>,
    done: Cell<bool>,
}

impl MessageBody for Holding {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        if let Some(progress) = &self.progress {
            progress.last.set(Instant::now());
        }
        loop {
            if !self.pending.is_empty() {
                let n = self.pending.len().min(SLICE_BYTES);
                return Poll::Ready(Some(Ok(self.pending.split_to(n))));
            }
            match Pin::new(&mut self.body).poll_next(cx) {
                Poll::Ready(Some(Ok(bytes))) => self.pending = bytes,
                other => return other,
            }
        }
    }
}

impl Drop for Holding {
    fn drop(&mut self) {
        if let Some(progress) = &self.progress {
            progress.done.set(true);
        }
    }
}

/// The socket of a connection, noted when it opens (`HttpServer::on_connect`), to shut it
/// when its client stops reading.
#[derive(Clone, Copy)]
pub struct Socket(#[cfg(unix)] std::os::fd::RawFd);

/// For `HttpServer::on_connect`. Answers go out as soon as they are written: without
/// `TCP_NODELAY` the last piece of a large answer on a kept-alive connection waited for the
/// client's delayed acknowledgement (up to 40 ms on Linux).
pub fn note_socket(connection: &dyn std::any::Any, data: &mut actix_web::dev::Extensions) {
    if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        if let Err(error) = stream.set_nodelay(true) {
            log::debug!("TCP_NODELAY not set: {error}");
        }
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            data.insert(Socket(stream.as_raw_fd()));
        }
    }
}

/// Shuts the connection of a body that `progress` says its client has not taken anything
/// of for `timeout`; the connection then ends, dropping the body.
fn watch_reader(socket: Socket, progress: Rc<Progress>, timeout: Duration) {
    actix_web::rt::spawn(async move {
        loop {
            let due = progress.last.get() + timeout;
            actix_web::rt::time::sleep_until(due.into()).await;
            // The body, and with it the connection and its socket, may be gone: this task runs
            // on the connection's thread, so while `done` is false the socket is open.
            if progress.done.get() {
                return;
            }
            if progress.last.get() + timeout <= Instant::now() {
                log::info!("a client read nothing of its answer for {timeout:?}: connection shut");
                shut(socket);
                return;
            }
        }
    });
}

fn shut(socket: Socket) {
    #[cfg(unix)]
    {
        use std::os::fd::FromRawFd;
        // SAFETY: the descriptor is the open socket of a connection whose body is alive (see
        // `watch_reader`); ManuallyDrop leaves it open for the connection, which closes it.
        let stream =
            std::mem::ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(socket.0) });
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
}

/// The request's body must arrive before a deadline; then the stream ends with an error and
/// says so in `expired`.
struct Deadline {
    payload: Payload,
    timer: Pin<Box<actix_web::rt::time::Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl futures_core::Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired.get() {
            return Poll::Ready(None);
        }
        // The timer first: a body trickled byte by byte is always ready with one more.
        if self.timer.as_mut().poll(cx).is_ready() {
            self.expired.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Pin::new(&mut self.payload).poll_next(cx)
    }
}

/// Whether the request announces a body.
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.to_str().map_or(true, |v| v.trim() != "0"))
}

/// What the middleware keeps of a request to finish its response.
pub struct Watch {
    expired: Option<Rc<Cell<bool>>>,
}

/// Before the request runs: its body gets its deadline.
pub fn before(req: &mut ServiceRequest, body_timeout: Duration) -> Watch {
    if !has_body(req) {
        return Watch { expired: None };
    }
    let expired = Rc::new(Cell::new(false));
    let payload = req.take_payload();
    req.set_payload(Payload::Stream {
        payload: Box::pin(Deadline {
            payload,
            timer: Box::pin(actix_web::rt::time::sleep(body_timeout)),
            expired: expired.clone(),
        }),
    });
    Watch {
        expired: Some(expired),
    }
}

/// After it: 408 and the connection closed if its body came too late, whatever the handler
/// made of the missing bytes; the user's place held by the response's body.
pub fn after(
    watch: Watch,
    response: ServiceResponse<BoxBody>,
    write_timeout: Duration,
) -> ServiceResponse<BoxBody> {
    let response = if watch.expired.is_some_and(|e| e.get()) {
        let (req, _) = response.into_parts();
        let mut answer = Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request body did not arrive in time".into(),
        )
        .response();
        answer.head_mut().set_connection_type(ConnectionType::Close);
        ServiceResponse::new(req, answer)
    } else {
        response
    };
    let place = response.request().extensions_mut().remove::<UserPlace>();
    let size = match response.response().body().size() {
        BodySize::Sized(n) => n,
        _ => 0,
    };
    let large = (size >= crate::memory::LARGE_BODY_BYTES).then(crate::memory::LargeBody::new);
    // A body that fits in the connection's buffer is handed over at once: only longer ones
    // can wait for their reader.
    let socket = response.request().conn_data::<Socket>().copied();
    let progress = socket.filter(|_| size > SLICE_BYTES as u64).map(|socket| {
        let progress = Rc::new(Progress {
            last: Cell::new(Instant::now()),
            done: Cell::new(false),
        });
        watch_reader(socket, progress.clone(), write_timeout);
        progress
    });
    if place.is_none() && large.is_none() && progress.is_none() {
        return response;
    }
    response.map_body(|_, body| {
        BoxBody::new(Holding {
            body,
            pending: Bytes::new(),
            progress,
            _place: place,
            _large: large,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_users_places_are_taken_in_turn_refused_past_the_line_and_forgotten_when_free() {
        let limits = UserLimits::new(1, 1);
        let first = limits.enter(7).await.unwrap().unwrap();
        // Another user is not concerned.
        let other = limits.enter(8).await.unwrap().unwrap();
        let waiting = {
            let limits = limits.clone();
            tokio::spawn(async move { limits.enter(7).await.map(|p| p.is_some()) })
        };
        while limits.in_service(7) < 2 {
            tokio::task::yield_now().await;
        }
        match limits.enter(7).await {
            Err(AppError::TooManyRequests {
                retry_after_seconds,
            }) => assert!(retry_after_seconds >= 1),
            other => panic!("expected 429, got {:?}", other.map(|p| p.is_some())),
        }
        drop(first);
        assert!(waiting.await.unwrap().unwrap());
        drop(other);
        assert_eq!(limits.in_service(7), 0);
        assert!(limits.users.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn no_limit_takes_no_place() {
        let limits = UserLimits::new(0, 0);
        for _ in 0..100 {
            assert!(limits.enter(1).await.unwrap().is_none());
        }
    }
}
