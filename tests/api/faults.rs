//! Faults, nothing lost: the real `helpdesk` binary killed with SIGKILL while clients file
//! tickets, its PostgreSQL stopped and started again under load, and two processes serving one
//! database. Each test drives the binary over HTTP, then counts what the database kept.
//!
//! The database is a fresh SQLite file, or a fresh PostgreSQL database when `TEST_DATABASE_URL`
//! names a server; the outage test runs a private PostgreSQL cluster of its own.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{self, body_of, running_as_root, skipped, TestDb};
use chrono::Datelike;
use reqwest::Method;
use serde_json::{json, Value};

const BINARY: &str = env!("CARGO_BIN_EXE_helpdesk");
const ADMIN_EMAIL: &str = "admin@faults.local";
const ADMIN_PASSWORD: &str = "admin-password-1";
const PASSWORD: &str = "a-good-password";
const JWT_SECRET: &str = "faults-secret-0123456789abcdefghij";
/// Longer than any answer may take: a request still unanswered then means the service hangs.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
const TICKETS: &str = "/api/v1/tickets";
/// Why the tests of a private PostgreSQL cluster are skipped on a machine without PostgreSQL.
const NO_POSTGRES_BINARIES: &str =
    "PostgreSQL only: no PostgreSQL binaries (initdb, pg_ctl) on this machine for a private cluster";

// ---------------------------------------------------------------------------------------------
// A folder and a database of one test.

/// A folder of one test, removed afterwards.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(what: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("helpdesk-{what}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create the test folder");
        Scratch { dir }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port()
}

// ---------------------------------------------------------------------------------------------
// The service as a process.

/// The settings every process of a test shares, as `HELPDESK__*` variables.
#[derive(Clone)]
struct ServiceEnv {
    dir: PathBuf,
    vars: Vec<(String, String)>,
}

impl ServiceEnv {
    fn new(database_url: &str, dir: &Path) -> ServiceEnv {
        let vars = [
            ("HELPDESK__DATABASE__URL", database_url),
            ("HELPDESK__DATABASE__DATA_DIR", &dir.display().to_string()),
            ("HELPDESK__DATABASE__POOL_SIZE", "6"),
            ("HELPDESK__DATABASE__CONNECT_TIMEOUT_SECONDS", "2"),
            ("HELPDESK__AUTH__JWT_SECRET", JWT_SECRET),
            ("HELPDESK__SERVER__HOST", "127.0.0.1"),
            ("HELPDESK__SERVER__WORKERS", "2"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        ServiceEnv {
            dir: dir.to_path_buf(),
            vars,
        }
    }

    /// The settings of a test's folder and a test's database (which are removed when dropped),
    /// with an admin created.
    fn on_a_test_database(what: &str) -> (Scratch, TestDb, ServiceEnv) {
        let scratch = Scratch::new(what);
        let database = TestDb::create();
        let env = ServiceEnv::new(&database.url, &scratch.dir);
        env.create_admin();
        (scratch, database, env)
    }

    /// The binary, run in the test's folder (no `config/` there) with only these settings.
    fn command(&self) -> Command {
        let mut command = Command::new(BINARY);
        command.current_dir(&self.dir).stdin(Stdio::null());
        for (name, _) in std::env::vars() {
            if name.starts_with("HELPDESK") {
                command.env_remove(name);
            }
        }
        command.env("RUST_LOG", "info");
        command.envs(self.vars.iter().map(|(k, v)| (k, v)));
        command
    }

    fn create_admin(&self) {
        let output = self
            .command()
            .args(["create-admin", "--email", ADMIN_EMAIL])
            .args(["--password", ADMIN_PASSWORD])
            .output()
            .expect("run helpdesk create-admin");
        assert_ran(&output, "create-admin");
    }

    /// Starts `helpdesk serve`, and logs its admin in.
    async fn site(&self, name: &str) -> Site {
        let service = self.start(name).await;
        let http = Http::new();
        let base = service.base.clone();
        let admin = login(&http, &base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        Site {
            service,
            http,
            base,
            admin,
        }
    }

    /// Starts `helpdesk serve` on a free port and waits until it answers `/health`.
    async fn start(&self, name: &str) -> Service {
        let log = self.dir.join(format!("{name}.log"));
        for _ in 0..3 {
            let port = free_port();
            let stderr = std::fs::File::create(&log).expect("create the service log");
            let child = self
                .command()
                .arg("serve")
                .env("HELPDESK__SERVER__PORT", port.to_string())
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .expect("start helpdesk serve");
            let mut service = Service {
                child,
                base: format!("http://127.0.0.1:{port}"),
                log: log.clone(),
            };
            let http = Http::new();
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = service.child.try_wait() {
                    let text = std::fs::read_to_string(&log).unwrap_or_default();
                    if text.contains("cannot listen") {
                        break; // someone took the port: try another
                    }
                    panic!("{name} exited at start ({status}):\n{text}");
                }
                if let Ok(reply) = http
                    .send(Method::GET, &service.url("/health"), None, None, &[])
                    .await
                {
                    if reply.status == 200 {
                        return service;
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if service.is_alive() {
                panic!(
                    "{name} did not answer /health within 30 s:\n{}",
                    service.log_text()
                );
            }
        }
        panic!("{name} found no free port");
    }
}

/// The command succeeded; else its error output says why.
#[track_caller]
fn assert_ran(output: &std::process::Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A service, a client of it and its admin, logged in.
struct Site {
    service: Service,
    http: Http,
    base: String,
    admin: User,
}

impl Site {
    /// Two members of those codes, and users of those roles (an agent of the first member) after
    /// the admin.
    async fn populate(&self, codes: [&str; 2], roles: &[&str]) -> ([i64; 2], Arc<Vec<User>>) {
        let (http, base, admin) = (&self.http, &self.base, &self.admin);
        let a = create_member(http, base, admin, codes[0]).await;
        let b = create_member(http, base, admin, codes[1]).await;
        let mut users = vec![admin.clone()];
        for role in roles {
            let member = (*role == "agent").then_some(a);
            users.push(create_user(http, base, admin, role, member).await);
        }
        ([a, b], Arc::new(users))
    }
}

/// A running `helpdesk serve`, killed when dropped.
struct Service {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Service {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL: the process gets no chance to finish anything.
    fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL the service");
        self.child.wait().expect("reap the service");
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let text = self.log_text();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            eprintln!(
                "--- last lines of {}:\n{}",
                self.log.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP.

#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    fn id(&self) -> i64 {
        self.body["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id in {} {}", self.status, self.body))
    }

    #[track_caller]
    fn expect(self, status: u16) -> Reply {
        assert_eq!(
            self.status, status,
            "unexpected status, body: {}",
            self.body
        );
        self
    }

    /// The answer of an unreachable database: 503, Retry-After, problem `service_unavailable`.
    #[track_caller]
    fn assert_unavailable(&self, what: &str) {
        assert_eq!(self.status, 503, "{what}: {}", self.body);
        assert!(
            self.header("retry-after")
                .is_some_and(|s| s.parse::<u64>().is_ok()),
            "{what}: no Retry-After in {:?}",
            self.headers
        );
        assert!(
            self.header("content-type")
                .is_some_and(|c| c.starts_with("application/problem+json")),
            "{what}: not a problem: {:?}",
            self.headers
        );
        assert_eq!(self.code(), "service_unavailable", "{what}: {}", self.body);
    }
}

#[derive(Clone)]
struct Http {
    client: reqwest::Client,
}

impl Http {
    fn new() -> Http {
        Http {
            client: reqwest::Client::builder()
                .timeout(CLIENT_TIMEOUT)
                .build()
                .expect("build the HTTP client"),
        }
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, reqwest::Error> {
        let request = common::request(&self.client, method, url, token, body, headers);
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = body_of(&response.bytes().await?);
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// GET without a token (`/ready`, `/health`), which must be answered; `when` says when, for
    /// the message.
    async fn reach(&self, base: &str, path: &str, when: &str) -> Reply {
        self.send(Method::GET, &format!("{base}{path}"), None, None, &[])
            .await
            .unwrap_or_else(|e| panic!("{path} answers {when}: {e}"))
    }

    /// Logs in, which must be answered.
    async fn try_login(&self, base: &str, email: &str, password: &str, when: &str) -> Reply {
        let credentials = json!({"email": email, "password": password});
        let url = format!("{base}/api/v1/auth/login");
        self.send(Method::POST, &url, None, Some(&credentials), &[])
            .await
            .unwrap_or_else(|e| panic!("login answers {when}: {e}"))
    }

    /// Asks `/ready` until it answers 200, for at most `seconds`; `after` says after what, and
    /// `log` what to show if it never does.
    async fn wait_until_ready(
        &self,
        base: &str,
        seconds: u64,
        after: &str,
        log: impl Fn() -> String,
    ) {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let ready = self.reach(base, "/ready", "").await;
            if ready.status == 200 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "not ready {seconds} s after {after}: {} {}{}",
                ready.status,
                ready.body,
                log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn get(&self, url: &str, token: &str) -> Reply {
        self.send(Method::GET, url, Some(token), None, &[])
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"))
    }

    async fn post(&self, url: &str, token: &str, body: Value) -> Reply {
        self.send(Method::POST, url, Some(token), Some(&body), &[])
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"))
    }
}

/// A user of a test, logged in.
#[derive(Debug, Clone)]
struct User {
    token: String,
    member_id: Option<i64>,
}

impl User {
    fn is_agent(&self) -> bool {
        self.member_id.is_some()
    }
}

async fn login(http: &Http, base: &str, email: &str, password: &str) -> User {
    let reply = http
        .post(
            &format!("{base}/api/v1/auth/login"),
            "",
            json!({"email": email, "password": password}),
        )
        .await
        .expect(200);
    User {
        token: reply.body["access_token"].as_str().unwrap().to_string(),
        member_id: reply.body["user"]["member_id"].as_i64(),
    }
}

async fn create_member(http: &Http, base: &str, admin: &User, code: &str) -> i64 {
    http.post(
        &format!("{base}/api/v1/members"),
        &admin.token,
        json!({"code": code, "name": format!("Member {code}"), "kind": "city"}),
    )
    .await
    .expect(201)
    .id()
}

/// Creates a user of that role (agents need a member) and logs them in.
async fn create_user(
    http: &Http,
    base: &str,
    admin: &User,
    role: &str,
    member_id: Option<i64>,
) -> User {
    let email = format!("{role}-{}@faults.local", uuid::Uuid::new_v4().simple());
    http.post(
        &format!("{base}/api/v1/users"),
        &admin.token,
        json!({"email": email, "name": format!("{role} {email}"), "role": role,
               "member_id": member_id, "password": PASSWORD}),
    )
    .await
    .expect(201);
    login(http, base, &email, PASSWORD).await
}

/// A ticket's body: staff name the member, an agent's ticket is their member's.
fn ticket_body(title: &str, user: &User, member_id: i64) -> Value {
    let mut body = json!({"title": title, "description": "filed under faults"});
    if !user.is_agent() {
        body["member_id"] = json!(member_id);
    }
    body
}

async fn file_ticket(
    http: &Http,
    base: &str,
    user: &User,
    body: &Value,
    key: Option<&str>,
) -> Result<Reply, reqwest::Error> {
    let headers: Vec<(&str, &str)> = key.map(|k| ("Idempotency-Key", k)).into_iter().collect();
    http.send(
        Method::POST,
        &format!("{base}{TICKETS}"),
        Some(&user.token),
        Some(body),
        &headers,
    )
    .await
}

/// Files `count` tickets titled `{prefix} {n}` for the member as that user; each must be
/// answered 201 ("answers {prefix}"); adds them to `acknowledged`.
async fn file_acknowledged(
    http: &Http,
    base: &str,
    user: &User,
    member: i64,
    (prefix, count): (&str, usize),
    acknowledged: &mut HashMap<String, i64>,
) {
    for n in 0..count {
        let title = format!("{prefix} {n}");
        let body = ticket_body(&title, user, member);
        let reply = file_ticket(http, base, user, &body, None)
            .await
            .unwrap_or_else(|e| panic!("answers {prefix}: {e}"))
            .expect(201);
        acknowledged.insert(title, reply.id());
    }
}

/// Every ticket, following the cursor.
async fn all_tickets(http: &Http, base: &str, admin: &User) -> Vec<Value> {
    let mut tickets = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}{TICKETS}?limit=500");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page = http.get(&url, &admin.token).await.expect(200);
        tickets.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return tickets,
        }
    }
}

/// Ticket ids by title.
fn ids_by_title(tickets: &[Value]) -> HashMap<String, Vec<i64>> {
    let mut by_title: HashMap<String, Vec<i64>> = HashMap::new();
    for ticket in tickets {
        by_title
            .entry(ticket["title"].as_str().unwrap().to_string())
            .or_default()
            .push(ticket["id"].as_i64().unwrap());
    }
    by_title
}

/// The calendar year of now in the service's time zone (Europe/Paris by default).
fn this_year() -> i32 {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .year()
}

/// `tickets-by-member` of this year, all origins, equals a count of the listed tickets.
async fn assert_statistics_match(http: &Http, base: &str, admin: &User, tickets: &[Value]) {
    let year = this_year();
    let mut recount: BTreeMap<i64, i64> = BTreeMap::new();
    for ticket in tickets {
        let created = chrono::DateTime::parse_from_rfc3339(ticket["created_at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono_tz::Europe::Paris);
        if created.year() == year {
            *recount
                .entry(ticket["member_id"].as_i64().unwrap())
                .or_default() += 1;
        }
    }
    let url = format!("{base}/api/v1/stats/tickets-by-member?year={year}&origin=all");
    let stats = http.get(&url, &admin.token).await.expect(200);
    let rows: Vec<(i64, i64)> = common::rows(&stats.body["rows"], &["member_id", "tickets"]);
    let reported: BTreeMap<i64, i64> = rows
        .into_iter()
        .filter(|(_, tickets)| *tickets > 0)
        .collect();
    assert_eq!(reported, recount, "statistics differ from the tickets");
    assert_eq!(
        stats.body["total"].as_i64().unwrap(),
        recount.values().sum::<i64>(),
        "total: {}",
        stats.body
    );
}

// ---------------------------------------------------------------------------------------------
// Clients under load.

/// What one client's call came to.
#[derive(Debug, Clone)]
enum Outcome {
    /// 201 or 200: the service said the ticket exists.
    Acknowledged(i64),
    /// No answer: the process died with the request in flight, or was gone already.
    NoAnswer(String),
    /// Any other answer.
    Refused(Reply),
}

#[derive(Debug, Clone)]
struct Attempt {
    title: String,
    user: usize,
    key: Option<String>,
    body: Value,
    outcome: Outcome,
}

/// One client filing tickets until `stop`, as each user in turn, for both members in turn, every
/// other ticket with an `Idempotency-Key`. It gives up at the first call without an answer.
async fn file_until_stopped(
    http: Http,
    base: String,
    users: Arc<Vec<User>>,
    members: [i64; 2],
    client: usize,
    stop: Arc<AtomicBool>,
) -> Vec<Attempt> {
    let mut attempts = Vec::new();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        let user = (client + n) % users.len();
        let title = format!("load-{client}-{n}");
        let body = ticket_body(&title, &users[user], members[n % 2]);
        let key = (n % 2 == 0).then(|| format!("key-{title}"));
        let outcome = match file_ticket(&http, &base, &users[user], &body, key.as_deref()).await {
            Ok(reply) if reply.status == 201 || reply.status == 200 => {
                Outcome::Acknowledged(reply.id())
            }
            Ok(reply) => Outcome::Refused(reply),
            Err(error) => Outcome::NoAnswer(error.to_string()),
        };
        let gone = matches!(outcome, Outcome::NoAnswer(_));
        attempts.push(Attempt {
            title,
            user,
            key,
            body,
            outcome,
        });
        if gone {
            break;
        }
        n += 1;
    }
    attempts
}

/// Starts `clients` clients filing tickets; `finish` stops them and collects what they did.
fn start_load(
    http: &Http,
    base: &str,
    users: &Arc<Vec<User>>,
    members: [i64; 2],
    clients: usize,
) -> Load {
    let stop = Arc::new(AtomicBool::new(false));
    let tasks = (0..clients)
        .map(|client| {
            tokio::spawn(file_until_stopped(
                http.clone(),
                base.to_string(),
                users.clone(),
                members,
                client,
                stop.clone(),
            ))
        })
        .collect();
    Load { stop, tasks }
}

struct Load {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<Vec<Attempt>>>,
}

impl Load {
    async fn finish(self) -> Vec<Attempt> {
        self.stop.store(true, Ordering::Relaxed);
        let mut attempts = Vec::new();
        for task in self.tasks {
            attempts.extend(task.await.expect("a client task panicked"));
        }
        attempts
    }
}

/// The attempts that came to that outcome.
fn came_to(attempts: &[Attempt], outcome: fn(&Outcome) -> bool) -> Vec<&Attempt> {
    attempts.iter().filter(|a| outcome(&a.outcome)).collect()
}

/// Titles the service acknowledged, with their ids.
fn acknowledged(attempts: &[Attempt]) -> HashMap<String, i64> {
    attempts
        .iter()
        .filter_map(|a| match a.outcome {
            Outcome::Acknowledged(id) => Some((a.title.clone(), id)),
            _ => None,
        })
        .collect()
}

/// No title twice, and every acknowledged ticket there under its id.
#[track_caller]
fn assert_each_acknowledged_ticket_once(tickets: &[Value], acknowledged: &HashMap<String, i64>) {
    let by_title = ids_by_title(tickets);
    for (title, ids) in &by_title {
        assert_eq!(
            ids.len(),
            1,
            "ticket {title:?} is there {} times",
            ids.len()
        );
    }
    for (title, id) in acknowledged {
        assert_eq!(
            by_title.get(title),
            Some(&vec![*id]),
            "acknowledged ticket {title:?} (id {id}) is missing"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// kill -9.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tickets_acknowledged_before_a_kill_9_are_there_once_after_restart() {
    let (_scratch, _database, env) = ServiceEnv::on_a_test_database("kill9");
    let mut site = env.site("before-kill").await;
    let roles = ["hotline", "agent", "technician"];
    let (members, users) = site.populate(["KILL-A", "KILL-B"], &roles).await;
    let (http, base, admin) = (&site.http, &site.base, &site.admin);

    let load = start_load(http, base, &users, members, 12);
    tokio::time::sleep(Duration::from_secs(2)).await;
    site.service.kill_9();
    let attempts = load.finish().await;

    let refused = came_to(&attempts, |o| matches!(o, Outcome::Refused(_)));
    assert!(refused.is_empty(), "answers other than 201: {refused:?}");
    let mut acknowledged = acknowledged(&attempts);
    let unanswered = came_to(&attempts, |o| matches!(o, Outcome::NoAnswer(_)));
    assert!(
        !acknowledged.is_empty(),
        "no ticket was filed before the kill"
    );
    assert!(
        !unanswered.is_empty(),
        "the kill left no request without an answer"
    );
    if let Outcome::NoAnswer(error) = &unanswered[0].outcome {
        eprintln!("kill -9: a call in flight got: {error}");
    }

    let service = env.start("after-kill").await;
    let base = service.base.clone();
    // A client retries a call that got no answer with the same key: it gets the ticket the
    // first call created (200), or a new one if that call left nothing (201).
    let mut retried = 0;
    for attempt in unanswered.iter().filter(|a| a.key.is_some()) {
        let reply = file_ticket(
            http,
            &base,
            &users[attempt.user],
            &attempt.body,
            attempt.key.as_deref(),
        )
        .await
        .expect("the restarted service answers");
        assert!(
            reply.status == 200 || reply.status == 201,
            "retry of {}: {} {}",
            attempt.title,
            reply.status,
            reply.body
        );
        acknowledged.insert(attempt.title.clone(), reply.id());
        retried += 1;
    }
    eprintln!(
        "kill -9: {} calls, {} acknowledged, {} without an answer ({retried} retried with their key)",
        attempts.len(),
        acknowledged.len() - retried,
        unanswered.len()
    );

    let tickets = all_tickets(http, &base, admin).await;
    assert_each_acknowledged_ticket_once(&tickets, &acknowledged);
    for id in acknowledged.values() {
        let url = format!("{base}{TICKETS}/{id}/history?limit=500");
        let history = http.get(&url, &admin.token).await.expect(200);
        let fields = common::column::<Value>(&history.body["items"], "field");
        assert_eq!(
            fields.iter().filter(|f| **f == "created").count(),
            1,
            "history of ticket {id}: {}",
            history.body
        );
    }
    assert_statistics_match(http, &base, admin, &tickets).await;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL stopped under load.

/// `initdb` and `pg_ctl` of the machine, if PostgreSQL is installed.
fn postgres_binaries() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("/usr/local/bin")];
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .collect();
        versions.sort_by_key(|p| {
            p.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
        });
        candidates.extend(versions.into_iter().rev());
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

/// A PostgreSQL cluster of this test alone, in a folder of its own, on a port of its own: the
/// machine's shared server is never touched.
struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PrivatePostgres {
    /// A cluster of the machine's PostgreSQL, started; none where PostgreSQL is not installed.
    async fn started() -> Option<Arc<PrivatePostgres>> {
        let bin = postgres_binaries()?;
        let started = tokio::task::spawn_blocking(move || PrivatePostgres::start(bin));
        Some(Arc::new(started.await.unwrap()))
    }

    /// initdb (trust authentication) and start.
    fn start(bin: PathBuf) -> PrivatePostgres {
        let dir =
            std::env::temp_dir().join(format!("helpdesk-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(dir.join("socket")).expect("create the cluster folder");
        // initdb and postgres refuse to run as root: then the cluster belongs to `postgres`.
        let as_postgres = running_as_root();
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(&dir)
                .status()
                .expect("run chown");
            assert!(status.success(), "chown the cluster folder to postgres");
        }
        let cluster = PrivatePostgres {
            bin,
            dir,
            port: free_port(),
            as_postgres,
        };
        let output = cluster
            .command("initdb")
            .arg("-D")
            .arg(cluster.dir.join("data"))
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
            .output()
            .expect("run initdb");
        assert_ran(&output, "initdb");
        cluster.pg_ctl_start();
        cluster
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, args: &[&str]) -> std::process::Output {
        self.command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(args)
            .output()
            .expect("run pg_ctl")
    }

    fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.join("socket").display()
        );
        let log = self.dir.join("postgres.log").display().to_string();
        let output = self.pg_ctl(&["-o", &options, "-l", &log, "-w", "-t", "30", "start"]);
        assert!(
            output.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// `pg_ctl stop -m fast`: sessions are ended, the server is gone when this returns.
    fn pg_ctl_stop(&self) {
        let output = self.pg_ctl(&["-m", "fast", "-w", "-t", "30", "stop"]);
        assert_ran(&output, "pg_ctl stop");
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["-m", "immediate", "-w", "-t", "30", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// PostgreSQL only: a private cluster of the test's own, stopped under load, whichever backend
/// the suite runs on; skipped where PostgreSQL is not installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_postgresql_is_down_the_service_answers_503_and_then_recovers_by_itself() {
    let Some(postgres) = PrivatePostgres::started().await else {
        return skipped(NO_POSTGRES_BINARIES);
    };
    let scratch = Scratch::new("outage");
    let env = ServiceEnv::new(&postgres.url(), &scratch.dir);
    env.create_admin();
    let mut site = env.site("outage").await;
    let (members, users) = site
        .populate(["OUT-A", "OUT-B"], &["hotline", "agent"])
        .await;
    let [member_a, member_b] = members;
    let (http, base, admin) = (&site.http, &site.base, &site.admin);

    // An admin in the console, logged in before the outage.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(CLIENT_TIMEOUT)
        .build()
        .unwrap();
    let logged_in = browser
        .post(format!("{base}/login"))
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(logged_in.status(), 303);
    let session = logged_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("helpdesk_session="))
        .expect("a session cookie");

    let load = start_load(http, base, &users, members, 6);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cluster = postgres.clone();
    tokio::task::spawn_blocking(move || cluster.pg_ctl_stop())
        .await
        .unwrap();

    // The console says so on a page of its own, in French, never a stack trace.
    let page = browser
        .get(format!("{base}/console"))
        .header("Cookie", &session)
        .header("Accept-Language", "fr")
        .send()
        .await
        .expect("the console answers while PostgreSQL is down");
    assert_eq!(page.status(), 503);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("La base de données ne répond pas"), "{html}");

    // While it is down: 503 with Retry-After for whatever needs the database, in bounded time.
    let probe = ticket_body("during the outage", admin, member_a);
    let calls: [(Method, &str, Option<&Value>); 4] = [
        (Method::GET, TICKETS, None),
        (Method::POST, TICKETS, Some(&probe)),
        (Method::GET, "/api/v1/me", None),
        (Method::GET, "/ready", None),
    ];
    for (method, path, body) in calls {
        let what = format!("{method} {path} while PostgreSQL is down");
        let reply = http
            .send(
                method,
                &format!("{base}{path}"),
                Some(&admin.token),
                body,
                &[],
            )
            .await
            .unwrap_or_else(|e| panic!("{what}: no answer within {CLIENT_TIMEOUT:?}: {e}"));
        reply.assert_unavailable(&what);
    }
    let down = "while PostgreSQL is down";
    let reply = http.try_login(base, ADMIN_EMAIL, ADMIN_PASSWORD, down);
    reply
        .await
        .assert_unavailable("login while PostgreSQL is down");
    let health = http.reach(base, "/health", down).await;
    assert_eq!(health.status, 200, "/health: {}", health.body);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        site.service.is_alive(),
        "the service died with its database"
    );

    let cluster = postgres.clone();
    tokio::task::spawn_blocking(move || cluster.pg_ctl_start())
        .await
        .unwrap();
    // It recovers by itself: no restart, no call to make.
    http.wait_until_ready(base, 20, "PostgreSQL came back", String::new)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let attempts = load.finish().await;
    assert!(site.service.is_alive(), "the service died");

    let mut acknowledged = acknowledged(&attempts);
    let unanswered = came_to(&attempts, |o| matches!(o, Outcome::NoAnswer(_)));
    assert!(
        unanswered.is_empty(),
        "calls without an answer: {unanswered:?}"
    );
    let mut unavailable = 0;
    for attempt in &attempts {
        if let Outcome::Refused(reply) = &attempt.outcome {
            reply.assert_unavailable(&format!("filing {} under load", attempt.title));
            unavailable += 1;
        }
    }
    eprintln!(
        "outage: {} calls, {} acknowledged, {unavailable} answered 503",
        attempts.len(),
        acknowledged.len()
    );
    assert!(unavailable > 0, "the load never met the outage");

    let after = ("after the outage", 5);
    file_acknowledged(http, base, admin, member_b, after, &mut acknowledged).await;
    let tickets = all_tickets(http, base, admin).await;
    assert_each_acknowledged_ticket_once(&tickets, &acknowledged);
    assert_statistics_match(http, base, admin, &tickets).await;
    drop(site);
}

// ---------------------------------------------------------------------------------------------
// Two processes.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_database_file_each_keyed_ticket_exactly_once() {
    let (_scratch, _database, env) = ServiceEnv::on_a_test_database("twins");
    let first = env.start("first").await;
    let second = env.start("second").await;
    let bases = [first.base.clone(), second.base.clone()];
    let http = Http::new();
    let admin = login(&http, &bases[0], ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let member_a = create_member(&http, &bases[0], &admin, "TWIN-A").await;
    let member_b = create_member(&http, &bases[1], &admin, "TWIN-B").await;
    let users = Arc::new(vec![
        admin.clone(),
        create_user(&http, &bases[0], &admin, "hotline", None).await,
        create_user(&http, &bases[1], &admin, "technician", None).await,
        create_user(&http, &bases[0], &admin, "agent", Some(member_a)).await,
        create_user(&http, &bases[1], &admin, "agent", Some(member_b)).await,
    ]);

    // Each key goes to both processes at once, as a client retrying on another node would.
    const CLIENTS: usize = 8;
    const KEYS_PER_CLIENT: usize = 16;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (http, bases, users) = (http.clone(), bases.clone(), users.clone());
            tokio::spawn(async move {
                let mut results = Vec::new();
                for k in 0..KEYS_PER_CLIENT {
                    let user = &users[(client + k) % users.len()];
                    let title = format!("twin-{client}-{k}");
                    let body = ticket_body(&title, user, [member_a, member_b][k % 2]);
                    let (one, other) = tokio::join!(
                        file_ticket(&http, &bases[k % 2], user, &body, Some(&title)),
                        file_ticket(&http, &bases[(k + 1) % 2], user, &body, Some(&title)),
                    );
                    results.push((title, one, other));
                }
                results
            })
        })
        .collect();
    let mut filed: HashMap<String, i64> = HashMap::new();
    for task in tasks {
        for (title, one, other) in task.await.unwrap() {
            let one = one.unwrap_or_else(|e| panic!("{title}: no answer: {e}"));
            let other = other.unwrap_or_else(|e| panic!("{title}: no answer: {e}"));
            let mut statuses = [one.status, other.status];
            statuses.sort();
            assert_eq!(
                statuses,
                [200, 201],
                "{title}: one creates, the other replays: {} / {}",
                one.body,
                other.body
            );
            assert_eq!(one.id(), other.id(), "{title}: two tickets for one key");
            filed.insert(title, one.id());
        }
    }
    assert_eq!(filed.len(), CLIENTS * KEYS_PER_CLIENT);

    for base in &bases {
        let tickets = all_tickets(&http, base, &admin).await;
        assert_eq!(tickets.len(), filed.len(), "tickets seen through {base}");
        assert_each_acknowledged_ticket_once(&tickets, &filed);
        assert_statistics_match(&http, base, &admin, &tickets).await;
    }
    drop((first, second));
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL frozen.

impl PrivatePostgres {
    /// The server's processes: the postmaster and every process it started.
    fn processes(&self) -> Vec<u32> {
        let pid_file = std::fs::read_to_string(self.dir.join("data/postmaster.pid"))
            .expect("read postmaster.pid");
        let postmaster: u32 = pid_file
            .lines()
            .next()
            .and_then(|line| line.trim().parse().ok())
            .expect("the postmaster's pid");
        let mut pids = vec![postmaster];
        for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // `pid (name) state ppid ...`: the name may hold spaces, the fields after it not.
            let parent = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|ppid| ppid.parse::<u32>().ok());
            if parent == Some(postmaster) {
                pids.push(pid);
            }
        }
        pids
    }

    /// Sends a signal (`STOP`, `CONT`) to each of the server's processes.
    fn signal(&self, signal: &str) {
        let pids: Vec<String> = self.processes().iter().map(u32::to_string).collect();
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .args(&pids)
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {pids:?}");
    }
}

/// Thaws the server when dropped, so that a failed test leaves nothing frozen behind.
struct Frozen<'a>(&'a PrivatePostgres);

impl Drop for Frozen<'_> {
    fn drop(&mut self) {
        self.0.signal("CONT");
    }
}

/// PostgreSQL only: a private cluster of the test's own, frozen with SIGSTOP, whichever backend
/// the suite runs on; skipped where PostgreSQL is not installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_postgresql_is_frozen_requests_and_ready_answer_503_and_serve_again_once_thawed() {
    let Some(postgres) = PrivatePostgres::started().await else {
        return skipped(NO_POSTGRES_BINARIES);
    };
    let scratch = Scratch::new("frozen");
    let mut env = ServiceEnv::new(&postgres.url(), &scratch.dir);
    env.vars.push((
        "HELPDESK__DATABASE__STATEMENT_TIMEOUT_SECONDS".into(),
        "2".into(),
    ));
    env.create_admin();
    let mut site = env.site("frozen").await;
    let (http, base, admin) = (&site.http, &site.base, &site.admin);
    let member = create_member(http, base, admin, "FROZEN").await;
    let mut acknowledged = HashMap::new();
    let before = ("before the freeze", 3);
    file_acknowledged(http, base, admin, member, before, &mut acknowledged).await;

    let frozen = Frozen(&postgres);
    postgres.signal("STOP");
    // While it is frozen: every call that needs the database answers 503 with Retry-After (an
    // answer, before the client gives up), as /ready does each time it is asked.
    let probe = ticket_body("during the freeze", admin, member);
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, TICKETS.to_string(), None),
        (Method::POST, TICKETS.to_string(), Some(probe)),
        (Method::GET, "/api/v1/me".to_string(), None),
        (
            Method::GET,
            format!("{TICKETS}/{}", acknowledged.values().next().unwrap()),
            None,
        ),
    ];
    let tasks: Vec<_> = calls
        .into_iter()
        .map(|(method, path, body)| {
            let (http, url, token) = (http.clone(), format!("{base}{path}"), admin.token.clone());
            let what = format!("{method} {path} while PostgreSQL is frozen");
            tokio::spawn(async move {
                let answer = http
                    .send(method, &url, Some(&token), body.as_ref(), &[])
                    .await;
                (what, answer)
            })
        })
        .collect();
    for task in tasks {
        let (what, answer) = task.await.unwrap();
        let reply =
            answer.unwrap_or_else(|e| panic!("{what}: no answer within {CLIENT_TIMEOUT:?}: {e:?}"));
        reply.assert_unavailable(&what);
    }
    let frozen_now = "while PostgreSQL is frozen";
    for round in 0..3 {
        let ready = http.reach(base, "/ready", frozen_now).await;
        ready.assert_unavailable(&format!("/ready {round} while PostgreSQL is frozen"));
    }
    let health = http.reach(base, "/health", frozen_now).await;
    assert_eq!(health.status, 200, "/health: {}", health.body);

    drop(frozen);
    // It recovers by itself once the server runs again.
    http.wait_until_ready(base, 30, "PostgreSQL was thawed", String::new)
        .await;
    let after = ("after the freeze", 3);
    file_acknowledged(http, base, admin, member, after, &mut acknowledged).await;
    let tickets = all_tickets(http, base, admin).await;
    // The filing answered 503 may or may not have been made: 503 promises neither.
    let tickets: Vec<Value> = tickets
        .into_iter()
        .filter(|t| t["title"] != "during the freeze")
        .collect();
    assert_each_acknowledged_ticket_once(&tickets, &acknowledged);
    assert!(site.service.is_alive(), "the service died");
    drop(site);
}

// ---------------------------------------------------------------------------------------------
// Started while PostgreSQL is down.

/// PostgreSQL only: a private cluster of the test's own, down when the service starts, whichever
/// backend the suite runs on; skipped where PostgreSQL is not installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn started_while_postgresql_is_down_the_service_answers_503_and_serves_once_it_comes() {
    let Some(postgres) = PrivatePostgres::started().await else {
        return skipped(NO_POSTGRES_BINARIES);
    };
    tokio::task::spawn_blocking({
        let postgres = postgres.clone();
        move || postgres.pg_ctl_stop()
    })
    .await
    .unwrap();
    let scratch = Scratch::new("late-db");
    let env = ServiceEnv::new(&postgres.url(), &scratch.dir);
    // `start` waits for /health: the service must start without its database.
    let mut service = env.start("late-db").await;
    let http = Http::new();
    let base = service.base.clone();
    let down = "while PostgreSQL is down";
    let ready = http.reach(&base, "/ready", down).await;
    ready.assert_unavailable("/ready before PostgreSQL came");
    let reply = http.try_login(&base, "admin@helpdesk.local", "whatever-it-is", down);
    reply
        .await
        .assert_unavailable("login before PostgreSQL came");
    assert!(
        service.is_alive(),
        "the service stopped without its database"
    );

    let starting = postgres.clone();
    tokio::task::spawn_blocking(move || starting.pg_ctl_start())
        .await
        .unwrap();
    let log = || format!("\n{}", service.log_text());
    http.wait_until_ready(&base, 30, "PostgreSQL came", log)
        .await;
    // Migrated, and the first start's admin created, as on a start with the database there.
    let file = std::fs::read_to_string(scratch.dir.join("initial-admin-password.txt"))
        .expect("the first admin's password file");
    let password = file
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("a password line")
        .trim()
        .to_string();
    let admin = login(&http, &base, "admin@helpdesk.local", &password).await;
    let member = create_member(&http, &base, &admin, "LATE").await;
    let filed = file_ticket(
        &http,
        &base,
        &admin,
        &ticket_body("after the database came", &admin, member),
        None,
    )
    .await
    .expect("answers once PostgreSQL is there")
    .expect(201);
    let tickets = all_tickets(&http, &base, &admin).await;
    assert_each_acknowledged_ticket_once(
        &tickets,
        &HashMap::from([("after the database came".to_string(), filed.id())]),
    );
    drop(service);
}

// ---------------------------------------------------------------------------------------------
// A read-only database and a full disk.

/// Runs `mount` with these arguments, as root.
fn mount(args: &[&str]) {
    let status = Command::new("mount")
        .args(args)
        .status()
        .expect("run mount");
    assert!(status.success(), "mount {args:?}");
}

/// SQLite only: a database file on a small volume of its own, whichever backend the suite runs
/// on; skipped unless the tests run as root (mounting the volume needs it).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_a_full_volume_sqlite_answers_503_and_is_not_ready_until_there_is_room() {
    if !running_as_root() {
        return skipped("mounting a small volume needs root");
    }
    let scratch = Scratch::new("volume");
    let volume = scratch.dir.join("volume");
    std::fs::create_dir_all(&volume).unwrap();
    mount(&[
        "-t",
        "tmpfs",
        "-o",
        "size=4m",
        "tmpfs",
        volume.to_str().unwrap(),
    ]);
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(volume.clone());
    let url = format!("sqlite://{}", volume.join("helpdesk.db").display());
    let env = ServiceEnv::new(&url, &scratch.dir);
    env.create_admin();
    let service = env.start("volume").await;
    let http = Http::new();
    let base = service.base.clone();
    let admin = login(&http, &base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let member = create_member(&http, &base, &admin, "VOLUME").await;
    let mut acknowledged = HashMap::new();
    let file = |title: String| {
        let (http, base, admin) = (http.clone(), base.clone(), admin.clone());
        async move {
            file_ticket(
                &http,
                &base,
                &admin,
                &ticket_body(&title, &admin, member),
                None,
            )
            .await
            .expect("an answer")
        }
    };
    let reply = file("before".into()).await.expect(201);
    acknowledged.insert("before".to_string(), reply.id());

    // Full: fill what is left of the volume, then file until a filing fails.
    let filler = volume.join("filler");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=64k"])
        .arg(format!("of={}", filler.display()))
        .stderr(Stdio::null())
        .status();
    let long = "x".repeat(20_000);
    let mut refused = None;
    for n in 0..400 {
        let title = format!("full {n}");
        let mut body = ticket_body(&title, &admin, member);
        body["description"] = json!(long);
        let reply = file_ticket(&http, &base, &admin, &body, None)
            .await
            .expect("an answer");
        if reply.status == 201 {
            acknowledged.insert(title, reply.id());
        } else {
            refused = Some(reply);
            break;
        }
    }
    let refused = refused.expect("a filing failed on the full volume");
    refused.assert_unavailable("filing on a full volume");
    let ready = http.reach(&base, "/ready", "on a full volume").await;
    ready.assert_unavailable("/ready on a full volume");

    // Room again: ready and filing by itself, nothing acknowledged lost.
    std::fs::remove_file(&filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = file("after".into()).await;
        if reply.status == 201 {
            acknowledged.insert("after".to_string(), reply.id());
            break;
        }
        assert!(Instant::now() < deadline, "still refused: {}", reply.body);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let tickets = all_tickets(&http, &base, &admin).await;
    let tickets: Vec<Value> = tickets
        .into_iter()
        .filter(|t| t["title"] != refused_title(&t["title"]))
        .collect();
    assert_each_acknowledged_ticket_once(&tickets, &acknowledged);
    drop(service);
}

/// Titles of filings answered 503 may or may not be there: 503 promises neither.
fn refused_title(title: &Value) -> Value {
    match title.as_str() {
        Some(t) if t.starts_with("full ") => title.clone(),
        _ => Value::Null,
    }
}
