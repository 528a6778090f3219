//! No request may cost without bound: one user's requests cannot take every place of the
//! service, a body trickled byte by byte cannot hold its connection, and pages that clients do
//! not read cannot hold the service's memory.
//!
//! Some clients here speak HTTP over a bare socket, as the misbehaving ones do: they send a
//! body slowly, or never read what they asked for.
use crate::common;
use crate::common::Role;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Answer, TestApp};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// A client on a bare socket.

/// Opens a connection to the service and sends a request's head (and `body`, if any).
fn open(base: &str, head: &str, body: &[u8]) -> TcpStream {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect to the service");
    stream.set_nodelay(true).unwrap();
    stream.write_all(head.as_bytes()).expect("send the head");
    stream.write_all(body).expect("send the body");
    stream
}

/// The head of a request with a JSON body of `length` bytes.
fn post_head(path: &str, token: Option<&str>, length: usize) -> String {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {length}\r\n\r\n"
    )
}

/// What a client reading a connection until the service closes it sees, within `wait`.
struct Received {
    text: String,
    closed: bool,
}

fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> Received {
    let until = Instant::now() + wait;
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Received {
                text: String::from_utf8_lossy(&received).into_owned(),
                closed: false,
            };
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => {
                return Received {
                    text: String::from_utf8_lossy(&received).into_owned(),
                    closed: true,
                }
            }
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Received {
                    text: String::from_utf8_lossy(&received).into_owned(),
                    closed: true,
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("reading the answer: {e}"),
        }
    }
}

/// Sends `body` one byte every `every`, from a thread of its own, until it is all sent or the
/// service closes the connection; counts in `sent` the bytes sent so far.
fn trickle(
    stream: &TcpStream,
    body: Vec<u8>,
    every: Duration,
    sent: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    let mut writer = stream.try_clone().unwrap();
    std::thread::spawn(move || {
        for byte in body {
            std::thread::sleep(every);
            if writer.write_all(&[byte]).is_err() {
                break;
            }
            sent.fetch_add(1, Ordering::SeqCst);
        }
    })
}

/// Sends a body one byte every 100 ms and reads what the service answers within 12 s; returns
/// that and how many bytes of the body were sent when the service closed the connection.
async fn trickled(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: String,
) -> (Received, usize) {
    let (base, path, token) = (
        app.base.clone(),
        path.to_string(),
        token.map(str::to_string),
    );
    tokio::task::spawn_blocking(move || {
        let body = body.into_bytes();
        let mut stream = open(&base, &post_head(&path, token.as_deref(), body.len()), &[]);
        let sent = Arc::new(AtomicUsize::new(0));
        let writer = trickle(&stream, body, Duration::from_millis(100), sent.clone());
        let read = read_until_closed(&mut stream, Duration::from_secs(12));
        let sent_when_answered = sent.load(Ordering::SeqCst);
        drop(stream);
        let _ = writer.join();
        (read, sent_when_answered)
    })
    .await
    .unwrap()
}

#[track_caller]
fn assert_timed_out(read: &Received, what: &str) {
    let status_line = read.text.lines().next().unwrap_or("");
    assert!(
        status_line.starts_with("HTTP/1.1 408"),
        "{what}: expected 408 within the time limit, got {:?}",
        read.text
    );
    let lower = read.text.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: application/problem+json"),
        "{what}: {:?}",
        read.text
    );
    assert!(
        lower.contains("\"code\":\"request_timeout\""),
        "{what}: {:?}",
        read.text
    );
    assert!(
        lower.contains("connection: close"),
        "{what}: {:?}",
        read.text
    );
    assert!(read.closed, "{what}: the connection stays open after 408");
}

// ---------------------------------------------------------------------------------------------
// Item 8: a request body must arrive within a time limit.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_trickled_byte_by_byte_is_answered_408_and_its_connection_closed() {
    let app = TestApp::spawn_with(|s| s.server.body_timeout_seconds = 2).await;
    let agent_member = app.create_member("TRICKLE").await;
    let hotline = app.staff(Role::Hotline).await;

    // Unauthenticated: a log-in whose 80 bytes would take 8 s.
    let login = json!({"email": "nobody@test.local", "password": "x".repeat(40)}).to_string();
    let login = format!("{login:<80}");
    let (read, sent) = trickled(&app, "/api/v1/auth/login", None, login.clone()).await;
    assert_timed_out(&read, "log-in");
    assert!(
        sent < login.len(),
        "the answer waited for the whole body: {sent} of {} bytes were sent",
        login.len()
    );

    // Authenticated: a filing.
    let filing = json!({"title": "Lent", "description": "x".repeat(60), "member_id": agent_member})
        .to_string();
    let (read, _) = trickled(&app, "/api/v1/tickets", Some(&hotline.token), filing).await;
    assert_timed_out(&read, "filing");

    // Nothing was filed, and the service answers others as before.
    let list = app.get("/api/v1/tickets", &hotline.token).await.expect(200);
    assert_eq!(list.body["items"], json!([]), "{}", list.body);
    let health = app.anonymous("/health").await;
    assert_eq!(health.status.as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_in_time_is_served_even_in_slow_pieces() {
    let app = TestApp::spawn_with(|s| s.server.body_timeout_seconds = 5).await;
    let member = app.create_member("PIECES").await;
    let hotline = app.staff(Role::Hotline).await;
    // 20 bytes at 100 ms: 2 s, within the limit.
    let filing = json!({"title": "Pas à pas", "description": "", "member_id": member}).to_string();
    let body = format!("{filing:<60}");
    let (base, token) = (app.base.clone(), hotline.token.clone());
    let read = tokio::task::spawn_blocking(move || {
        let (first, last) = body.as_bytes().split_at(body.len() - 20);
        let mut stream = open(
            &base,
            &post_head("/api/v1/tickets", Some(&token), body.len()),
            first,
        );
        let writer = trickle(
            &stream,
            last.to_vec(),
            Duration::from_millis(100),
            Default::default(),
        );
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut buffer = [0u8; 4096];
        let n = stream.read(&mut buffer).unwrap_or(0);
        let _ = writer.join();
        String::from_utf8_lossy(&buffer[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(read.starts_with("HTTP/1.1 201"), "{read:?}");
}

// ---------------------------------------------------------------------------------------------
// Item 10: one user's requests must not take every place.

/// Holds requests of `token` in the service: each sends the head of a filing and half its body,
/// then waits for the rest. Returns once none of them has been answered for 300 ms, that is once
/// all are inside, served or in line.
fn hold_requests(base: &str, token: &str, count: usize) -> Vec<TcpStream> {
    let hold = || {
        open(
            base,
            &post_head("/api/v1/tickets", Some(token), 100),
            b"{\"title\":",
        )
    };
    let mut held: Vec<TcpStream> = (0..count).map(|_| hold()).collect();
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(300));
        let mut all_in = true;
        for stream in &mut held {
            stream.set_nonblocking(true).unwrap();
            let mut byte = [0u8; 1];
            let answered = !matches!(
                stream.peek(&mut byte),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
            );
            stream.set_nonblocking(false).unwrap();
            if answered {
                *stream = hold();
                all_in = false;
            }
        }
        if all_in {
            return held;
        }
    }
    panic!("the held requests keep being answered");
}

/// Asks `/api/v1/me` as `token` until the answer has `status`, for at most `wait`.
async fn me_until(app: &TestApp, token: &str, status: u16, wait: Duration) -> Answer {
    let until = Instant::now() + wait;
    loop {
        let answer = app.get("/api/v1/me", token).await;
        if answer.status.as_u16() == status || Instant::now() > until {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_over_the_limit_gets_429_with_retry_after_while_another_is_served() {
    let app = TestApp::spawn_with(|s| {
        s.server.max_concurrent_requests_per_user = 2;
        s.server.max_waiting_requests_per_user = 1;
        s.server.body_timeout_seconds = 60;
    })
    .await;
    let member = app.create_member("BUSY").await;
    let greedy = app.staff(Role::Hotline).await;
    let other = app.agent_of(member).await;
    app.file_ticket(&other.token, None, "Imprimante")
        .await
        .expect(201);

    // Three requests of one user that stay in the service: two served, one waiting.
    let base = app.base.clone();
    let token = greedy.token.clone();
    let held = tokio::task::spawn_blocking(move || hold_requests(&base, &token, 3))
        .await
        .unwrap();

    let refused = me_until(&app, &greedy.token, 429, Duration::from_secs(5)).await;
    assert_eq!(
        refused.status.as_u16(),
        429,
        "the user's fourth request at once: {}",
        refused.body
    );
    assert!(refused.is_problem(), "{:?}", refused.headers);
    assert_eq!(refused.code(), "too_many_requests");
    let retry: u64 = refused
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "Retry-After: {retry}");

    // Meanwhile another user is served at once.
    let list = app.get("/api/v1/tickets", &other.token).await.expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    app.get("/api/v1/me", &other.token).await.expect(200);

    // Once the held requests are gone, the user's places come back.
    drop(held);
    let served = me_until(&app, &greedy.token, 200, Duration::from_secs(5)).await;
    assert_eq!(served.status.as_u16(), 200, "{}", served.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_past_a_users_places_wait_their_turn_and_are_served() {
    let app = TestApp::spawn_with(|s| {
        s.server.max_concurrent_requests_per_user = 2;
        s.server.max_waiting_requests_per_user = 16;
    })
    .await;
    let member = app.create_member("TURNS").await;
    let hotline = app.staff(Role::Hotline).await;
    let mut tasks = Vec::new();
    for n in 0..12 {
        let request = app
            .client
            .post(format!("{}/api/v1/tickets", app.base))
            .bearer_auth(&hotline.token)
            .json(&json!({"title": format!("Tour {n}"), "description": "", "member_id": member}));
        tasks.push(tokio::spawn(async move {
            request.send().await.expect("an answer").status().as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 201);
    }
}

// ---------------------------------------------------------------------------------------------
// Item 7: pages that clients do not read cannot hold the service's memory.

const BINARY: &str = env!("CARGO_BIN_EXE_helpdesk");
const ADMIN: (&str, &str) = ("admin@resources.local", "admin-password-1");

/// The `helpdesk` binary serving a database of its own, killed when dropped.
struct Process {
    child: std::process::Child,
    base: String,
    dir: std::path::PathBuf,
    /// Removed after the process is killed.
    _database: common::TestDb,
}

impl Process {
    /// `helpdesk serve` on a fresh database (PostgreSQL when `TEST_DATABASE_URL` names a
    /// server), with an admin, once it answers `/health`.
    async fn start(settings: &[(&str, &str)]) -> Process {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("helpdesk-resources-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        let database = common::TestDb::create();
        let url = database.url.clone();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let command = |args: &[&str]| {
            let mut command = std::process::Command::new(BINARY);
            command.current_dir(&dir).args(args);
            for (name, _) in std::env::vars() {
                if name.starts_with("HELPDESK") {
                    command.env_remove(name);
                }
            }
            command
                .env("RUST_LOG", "warn")
                .env("HELPDESK__DATABASE__URL", &url)
                .env("HELPDESK__DATABASE__DATA_DIR", &dir)
                .env("HELPDESK__DATABASE__POOL_SIZE", "6")
                .env(
                    "HELPDESK__AUTH__JWT_SECRET",
                    "resources-secret-0123456789abcdef",
                )
                .env("HELPDESK__SERVER__HOST", "127.0.0.1")
                .env("HELPDESK__SERVER__PORT", port.to_string())
                .env("HELPDESK__SERVER__WORKERS", "2");
            for (name, value) in settings {
                command.env(name, value);
            }
            command
        };
        let created = command(&["create-admin", "--email", ADMIN.0, "--password", ADMIN.1])
            .output()
            .unwrap();
        assert!(created.status.success(), "{created:?}");
        let child = command(&["serve"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let process = Process {
            child,
            base: format!("http://127.0.0.1:{port}"),
            dir,
            _database: database,
        };
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if let Ok(r) = reqwest::get(format!("{}/health", process.base)).await {
                if r.status().is_success() {
                    return process;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the service did not answer /health");
    }

    /// Resident memory of the process, in MiB.
    fn rss_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<u64>()
            .unwrap()
            / 1024
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let client = reqwest::Client::new();
        let mut request = client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("an answer");
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_pages_of_long_tickets_hold_bounded_memory_that_comes_back() {
    use reqwest::Method;
    let service = Process::start(&[]).await;
    let admin = service.login(ADMIN.0, ADMIN.1).await;
    let (status, member) = service
        .call(
            Method::POST,
            "/api/v1/members",
            Some(&admin),
            Some(
                json!({"code": "LONG", "name": "Long", "kind": "city", "joined_on": "2000-01-01"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{member}");
    let member = member["id"].as_i64().unwrap();
    // 500 tickets of 20,000 two-byte characters each: 20 MB of JSON in one page of 500.
    let description = "é".repeat(20_000);
    let rows: Vec<_> = (0..500)
        .map(|n| json!({"title": format!("Long {n}"), "description": description, "member_id": member,
                        "created_at": format!("2024-03-{:02}T{:02}:{:02}:00Z", 1 + n / 100, 8 + (n / 10) % 10, n % 60)}))
        .collect();
    let (status, body) = service
        .call(
            Method::POST,
            "/api/v1/tickets/import",
            Some(&admin),
            Some(json!(rows)),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    drop(rows);
    // Ten users, each asking for the whole page on ten connections and never reading.
    let mut tokens = Vec::new();
    for n in 0..10 {
        let email = format!("reader{n}@resources.local");
        let (status, body) = service
            .call(Method::POST, "/api/v1/users", Some(&admin),
                  Some(json!({"email": email, "name": format!("Reader {n}"), "role": "hotline", "password": "a-good-password"})))
            .await;
        assert_eq!(status, 201, "{body}");
        tokens.push(service.login(&email, "a-good-password").await);
    }
    // One page read to the end, as a client that reads does: the service's memory at rest.
    let (status, page) = service
        .call(
            Method::GET,
            "/api/v1/tickets?limit=500",
            Some(&tokens[0]),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(!page["items"].as_array().unwrap().is_empty());
    drop(page);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let at_rest = service.rss_mib();

    let base = service.base.clone();
    let unread = tokio::task::spawn_blocking(move || {
        let mut streams = Vec::new();
        for token in &tokens {
            for _ in 0..10 {
                let head = format!(
                    "GET /api/v1/tickets?limit=500 HTTP/1.1\r\nHost: localhost\r\n\
                     Authorization: Bearer {token}\r\n\r\n"
                );
                let stream = open(&base, &head, &[]);
                // A small receive window, as a client that does not read soon has.
                streams.push(stream);
            }
        }
        streams
    })
    .await
    .unwrap();
    let mut peak = 0;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        peak = peak.max(service.rss_mib());
    }
    drop(unread);
    let until = Instant::now() + Duration::from_secs(15);
    let mut after = service.rss_mib();
    while Instant::now() < until && after > at_rest + 32 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        after = service.rss_mib();
    }
    eprintln!("resident memory: {at_rest} MiB at rest, {peak} MiB at most under 100 unread pages, {after} MiB after");
    assert!(
        peak <= at_rest + 256,
        "100 unread pages took the service from {at_rest} MiB to {peak} MiB"
    );
    assert!(
        after <= at_rest + 32,
        "after the unread pages were dropped the service kept {after} MiB (at rest: {at_rest} MiB)"
    );
    // And it still serves.
    let (status, _) = service
        .call(Method::GET, "/api/v1/tickets?limit=5", Some(&admin), None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_past_its_byte_budget_ends_early_and_its_cursor_leads_to_every_ticket_once() {
    let app = TestApp::spawn_with(|s| s.server.max_page_bytes = 64 * 1024).await;
    let member = app.create_member("PAGES").await;
    let hotline = app.staff(Role::Hotline).await;
    let mut filed = Vec::new();
    for n in 0..40 {
        // Long and short tickets mixed: 5,000 to 10,000 bytes, or a few.
        let description = match n % 3 {
            0 => "x".repeat(5_000 + 100 * n),
            1 => "é".repeat(2_500 + 50 * n),
            _ => "court".to_string(),
        };
        let answer = app
            .post(
                "/api/v1/tickets",
                &hotline.token,
                json!({"title": format!("Page {n} imprimante"), "description": description,
                       "member_id": member}),
            )
            .await
            .expect(201);
        filed.push(answer.id());
    }
    filed.reverse(); // newest first
    for query in ["", "&q=imprimante"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                None => format!("/api/v1/tickets?limit=500{query}"),
                Some(c) => format!("/api/v1/tickets?limit=500{query}&cursor={c}"),
            };
            let answer = app.get(&path, &hotline.token).await.expect(200);
            let bytes = answer.body.to_string().len();
            let items = answer.body["items"].as_array().unwrap();
            assert!(!items.is_empty(), "an empty page with a cursor before it");
            // Past the budget by one item at most.
            assert!(bytes < 64 * 1024 + 40_000, "a page of {bytes} bytes");
            seen.extend(items.iter().map(|t| t["id"].as_i64().unwrap()));
            pages += 1;
            match answer.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        assert_eq!(seen, filed, "every ticket once, newest first ({query})");
        assert!(
            pages > 2,
            "{pages} pages for 40 tickets of 5 to 10 kB ({query})"
        );
    }
    // A page within the budget is as long as asked.
    let answer = app
        .get("/api/v1/tickets?limit=2", &hotline.token)
        .await
        .expect(200);
    assert_eq!(answer.body["items"].as_array().unwrap().len(), 2);
    assert!(answer.body["next_cursor"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reads_nothing_of_a_large_answer_has_its_connection_shut() {
    let app = TestApp::spawn_with(|s| {
        s.server.write_timeout_seconds = 2;
        s.server.max_page_bytes = 64 * 1024 * 1024;
        s.server.max_concurrent_requests_per_user = 1;
        s.server.max_waiting_requests_per_user = 0;
    })
    .await;
    let member = app
        .create_member_with(json!({"code": "STALL", "name": "Stall", "kind": "city",
                                   "joined_on": "2000-01-01"}))
        .await;
    let hotline = app.staff(Role::Hotline).await;
    // 300 tickets of 40 kB: a page of 12 MB, more than the sockets' buffers take.
    let description = "é".repeat(20_000);
    let rows: Vec<_> = (0..300)
        .map(|n| {
            json!({"title": format!("Long {n}"), "description": description, "member_id": member,
                   "created_at": format!("2024-03-{:02}T10:{:02}:00Z", 1 + n / 60, n % 60)})
        })
        .collect();
    app.post("/api/v1/tickets/import", &app.admin.token, json!(rows))
        .await
        .expect(201);
    // The page, asked for and not read but for its status line.
    let (base, token) = (app.base.clone(), hotline.token.clone());
    let mut stream = tokio::task::spawn_blocking(move || {
        let mut stream = open(
            &base,
            &format!(
                "GET /api/v1/tickets?limit=500 HTTP/1.1\r\nHost: localhost\r\n\
                 Authorization: Bearer {token}\r\n\r\n"
            ),
            &[],
        );
        let mut status = [0u8; 12];
        stream.read_exact(&mut status).unwrap();
        assert_eq!(&status, b"HTTP/1.1 200");
        stream
    })
    .await
    .unwrap();
    // While it waits for its reader it holds the user's one place.
    let busy = me_until(&app, &hotline.token, 429, Duration::from_secs(3)).await;
    assert_eq!(busy.status.as_u16(), 429, "{}", busy.body);
    // Past the write timeout the connection is shut: a client reading now gets the rest of the
    // head and
    // what the sockets held of the page, then the end of the connection.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let read =
        tokio::task::spawn_blocking(move || read_until_closed(&mut stream, Duration::from_secs(5)))
            .await
            .unwrap();
    assert!(read.closed, "the connection is still open");
    let length: usize = read
        .text
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("a Content-Length");
    let body = read.text.split_once("\r\n\r\n").unwrap().1.len();
    assert!(
        body < length,
        "the whole page ({length} bytes) was sent to a client that did not read"
    );
    // And the user's place came back.
    let served = me_until(&app, &hotline.token, 200, Duration::from_secs(5)).await;
    assert_eq!(served.status.as_u16(), 200, "{}", served.body);
}
