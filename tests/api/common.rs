//! The black-box test harness: each test gets the real service on port 0 over a fresh
//! database of its own (a temporary SQLite file, or a new PostgreSQL database when
//! `TEST_DATABASE_URL` names a server), and talks to it over HTTP.
#![allow(dead_code)]

use std::path::PathBuf;

use diesel::{Connection, PgConnection, RunQueryDsl};
use helpdesk::config::Settings;
pub use helpdesk::domain::user::Role;
use helpdesk::startup::Application;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const ADMIN_EMAIL: &str = "admin@test.local";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "a-good-password";

/// Marks the running test as skipped for `reason` (the backend it needs, a tool or a right
/// this machine lacks): prints `SKIPPED <test>: <reason>` to stderr and appends that line to the
/// run's report of skipped tests, the file `HELPDESK_SKIPPED_REPORT` names or else
/// `target/skipped-tests.txt`. A test that does not apply returns it:
/// `return skipped("PostgreSQL only")`.
pub fn skipped(reason: &str) {
    let thread = std::thread::current();
    // libtest runs each test on a thread named after it.
    let test = match thread.name() {
        Some(name) if name != "main" => name,
        _ => "<a test of an unnamed thread>",
    };
    let line = format!("SKIPPED {test}: {reason}");
    eprintln!("{line}");
    let report = std::env::var_os("HELPDESK_SKIPPED_REPORT")
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/target/skipped-tests.txt"
            ))
        });
    if let Some(dir) = report.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // One write of a whole line in append mode: tests skipping at once do not mix their lines.
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&report)
        .and_then(|mut file| file.write_all(format!("{line}\n").as_bytes()))
        .unwrap_or_else(|e| {
            panic!(
                "add to the report of skipped tests {}: {e}",
                report.display()
            )
        });
}

/// Whether the tests run as root (mounting a volume needs it).
pub fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A database that exists for one test and is removed after it.
enum TestDb {
    Sqlite { dir: PathBuf },
    Postgres { server_url: String, name: String },
}

impl TestDb {
    fn create() -> (TestDb, String) {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match std::env::var("TEST_DATABASE_URL") {
            Ok(server_url) if !server_url.is_empty() => {
                let name = format!("helpdesk_test_{id}");
                let mut conn = PgConnection::establish(&server_url)
                    .expect("TEST_DATABASE_URL must name a reachable PostgreSQL server");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create the test database");
                let base = server_url
                    .rsplit_once('/')
                    .map(|(base, _)| base.to_string())
                    .unwrap_or(server_url.clone());
                let url = format!("{base}/{name}");
                (TestDb::Postgres { server_url, name }, url)
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("helpdesk-test-{id}"));
                std::fs::create_dir_all(&dir).expect("create the test folder");
                let url = format!("sqlite://{}", dir.join("helpdesk.db").display());
                (TestDb::Sqlite { dir }, url)
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { server_url, name } => {
                if let Ok(mut conn) = PgConnection::establish(server_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn);
                }
            }
        }
    }
}

/// An HTTP answer: status, headers and the JSON body (Null when there is none).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The problem's `code` of an error answer.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn is_problem(&self) -> bool {
        self.header("content-type")
            .is_some_and(|c| c.starts_with("application/problem+json"))
    }

    pub fn id(&self) -> i64 {
        self.body["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id in {:?} {}", self.status, self.body))
    }

    /// Panics with the body unless the status is the expected one.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status, body: {}",
            self.body
        );
        self
    }
}

/// A user created for a test, with a token.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub token: String,
    pub member_id: Option<i64>,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub admin: TestUser,
    server: Option<actix_web::dev::ServerHandle>,
    counter: std::sync::atomic::AtomicU32,
    db: TestDb,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with settings adjusted by `tune` (time zone, workday minutes...).
    pub async fn spawn_with(tune: impl FnOnce(&mut Settings)) -> TestApp {
        let (db, url) = TestDb::create();
        let mut settings = Settings::defaults();
        settings.database.url = url;
        settings.database.pool_size = 4;
        settings.server.port = 0;
        settings.server.workers = 2;
        settings.auth.jwt_secret = Some("test-secret-0123456789abcdefghij".into());
        tune(&mut settings);
        let s = settings.clone();
        tokio::task::spawn_blocking(move || {
            helpdesk::cli::create_admin(&s, ADMIN_EMAIL, "Admin", ADMIN_PASSWORD)
        })
        .await
        .unwrap()
        .expect("create the admin");
        let mut app = TestApp {
            base: String::new(),
            client: reqwest::Client::new(),
            settings,
            admin: TestUser {
                id: 0,
                email: ADMIN_EMAIL.into(),
                token: String::new(),
                member_id: None,
            },
            server: None,
            counter: Default::default(),
            db,
        };
        app.start().await;
        let login = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
        app.admin.token = login.body["access_token"].as_str().unwrap().to_string();
        app.admin.id = login.body["user"]["id"].as_i64().unwrap();
        app
    }

    async fn start(&mut self) {
        let settings = self.settings.clone();
        let app = tokio::task::spawn_blocking(move || Application::build(settings))
            .await
            .unwrap()
            .expect("build the application");
        self.base = format!("http://127.0.0.1:{}", app.port());
        let server = app.into_server();
        self.server = Some(server.handle());
        tokio::spawn(server);
    }

    /// Stops the service and starts it again on the same database.
    pub async fn restart(&mut self) {
        if let Some(handle) = self.server.take() {
            handle.stop(true).await;
        }
        self.start().await;
    }

    pub fn is_postgres(&self) -> bool {
        self.db.is_postgres()
    }

    fn unique(&self) -> u32 {
        self.counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the service answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("read the body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(&body), &[])
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Some(token), Some(&body), &[])
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.call(Method::DELETE, path, Some(token), None, &[])
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(&json!({"email": email, "password": password})),
            &[],
        )
        .await
    }

    /// Creates a member with that code (and a name from it), as the admin.
    pub async fn create_member(&self, code: &str) -> i64 {
        self.create_member_with(
            json!({"code": code, "name": format!("Member {code}"), "kind": "city"}),
        )
        .await
    }

    pub async fn create_member_with(&self, body: Value) -> i64 {
        self.post("/api/v1/members", &self.admin.token, body)
            .await
            .expect(201)
            .id()
    }

    /// Creates a user of that role (agents need a member) and logs them in.
    pub async fn user(&self, role: &str, member_id: Option<i64>) -> TestUser {
        let email = format!("{role}{}@test.local", self.unique());
        let created = self
            .post(
                "/api/v1/users",
                &self.admin.token,
                json!({"email": email, "name": format!("{role} {email}"), "role": role,
                       "member_id": member_id, "password": PASSWORD}),
            )
            .await
            .expect(201);
        let login = self.login(&email, PASSWORD).await.expect(200);
        TestUser {
            id: created.id(),
            email,
            token: login.body["access_token"].as_str().unwrap().to_string(),
            member_id,
        }
    }

    /// A new account of that staff role, logged in.
    pub async fn staff(&self, role: Role) -> TestUser {
        assert!(role.is_staff(), "agents belong to a member: use agent_of");
        self.user(role.as_str(), None).await
    }

    /// A new agent of that member, logged in.
    pub async fn agent_of(&self, member_id: i64) -> TestUser {
        self.user("agent", Some(member_id)).await
    }

    /// Files a ticket as that user; staff name the member.
    pub async fn file_ticket(&self, token: &str, member_id: Option<i64>, title: &str) -> Answer {
        let mut body = json!({"title": title, "description": "described"});
        if let Some(member_id) = member_id {
            body["member_id"] = json!(member_id);
        }
        self.post("/api/v1/tickets", token, body).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(handle) = self.server.take() {
            // Asks the server to stop; the database is removed right after.
            drop(handle.stop(false));
        }
    }
}

impl TestApp {
    /// Loads the demo data of `helpdesk seed-demo` into this test's database.
    pub async fn seed_demo(&self) -> helpdesk::demo::DemoSummary {
        let settings = self.settings.clone();
        tokio::task::spawn_blocking(move || {
            let url = helpdesk::db::DatabaseUrl::parse(&settings.database.url).unwrap();
            let mut conn = helpdesk::db::ConnectionManager::new(url)
                .connect_once()
                .expect("connect to the test database");
            helpdesk::demo::seed(
                &mut conn,
                &helpdesk::desk::Policy::of(&settings),
                settings.service.workday_minutes,
            )
            .expect("seed the demo data")
        })
        .await
        .unwrap()
    }
}

/// A real SMTP server (Python's aiosmtpd) on 127.0.0.1, storing what it receives in a folder.
pub struct SmtpSink {
    pub port: u16,
    dir: PathBuf,
    process: Option<std::process::Child>,
    /// How long the server holds each message before answering its DATA.
    delay: Option<std::time::Duration>,
}

static AIOSMTPD: std::sync::Once = std::sync::Once::new();

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    /// Starts a server on a free port.
    pub async fn start() -> SmtpSink {
        let mut sink = Self::stopped();
        sink.resume().await;
        sink
    }

    /// A server that is down: its port is chosen but nothing listens yet.
    pub fn stopped() -> SmtpSink {
        AIOSMTPD.call_once(|| {
            let present = std::process::Command::new("python3")
                .args(["-c", "import aiosmtpd"])
                .status()
                .is_ok_and(|s| s.success());
            if !present {
                let installed = std::process::Command::new("python3")
                    .args(["-m", "pip", "install", "--quiet", "aiosmtpd"])
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(
                    installed,
                    "the tests need Python's aiosmtpd: pip install aiosmtpd"
                );
            }
        });
        let dir =
            std::env::temp_dir().join(format!("helpdesk-smtp-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        SmtpSink {
            port: free_port(),
            dir,
            process: None,
            delay: None,
        }
    }

    /// Starts a slow server: it holds each message `delay` before accepting it (a delay longer
    /// than the test is a server that never answers).
    pub async fn start_slow(delay: std::time::Duration) -> SmtpSink {
        let mut sink = Self::stopped();
        sink.delay = Some(delay);
        sink.resume().await;
        sink
    }

    /// How many messages the server is holding without an answer right now.
    pub fn hanging(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("hanging-"))
            .count()
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Starts (again) listening on the same port.
    pub async fn resume(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let mut command = std::process::Command::new("python3");
        command
            .arg(script)
            .args(["--port", &self.port.to_string()])
            .arg("--dir")
            .arg(&self.dir);
        if let Some(delay) = self.delay {
            command.args(["--delay", &delay.as_secs_f64().to_string()]);
        }
        let child = command
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start the SMTP server");
        self.process = Some(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the SMTP server did not start");
    }

    /// Stops listening.
    pub fn pause(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The messages received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|path| {
                let record: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                ReceivedMail::from_record(&record)
            })
            .collect()
    }

    /// Waits until at least `count` messages arrived (or 20 s passed) and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        for _ in 0..400 {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.messages()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.pause();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A message as the SMTP server received it, decoded by Python's `email` package.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub recipients: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

impl ReceivedMail {
    fn from_record(record: &Value) -> Self {
        let text = |key: &str| record[key].as_str().unwrap_or("").to_string();
        ReceivedMail {
            recipients: record["rcpt_tos"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            subject: text("subject"),
            message_id: text("message_id"),
            text: text("text"),
            html: text("html"),
        }
    }
}

impl TestApp {
    /// A second service process on the same database, as another node would be.
    pub async fn second_instance(&self) -> (String, actix_web::dev::ServerHandle) {
        let settings = self.settings.clone();
        let app = tokio::task::spawn_blocking(move || Application::build(settings))
            .await
            .unwrap()
            .expect("build the second instance");
        let base = format!("http://127.0.0.1:{}", app.port());
        let server = app.into_server();
        let handle = server.handle();
        tokio::spawn(server);
        (base, handle)
    }

    /// Runs SQL on the test database, for setting up what the API cannot (e.g. the past).
    pub async fn execute_sql(&self, sql: &str) {
        let settings = self.settings.clone();
        let sql = sql.to_string();
        tokio::task::spawn_blocking(move || {
            let url = helpdesk::db::DatabaseUrl::parse(&settings.database.url).unwrap();
            let mut conn = helpdesk::db::ConnectionManager::new(url)
                .connect_once()
                .expect("connect to the test database");
            diesel::sql_query(sql)
                .execute(&mut conn)
                .expect("run the SQL");
        })
        .await
        .unwrap();
    }
}
