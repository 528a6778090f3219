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

/// A database that exists for one test and is removed after it: a temporary SQLite file, or a
/// new PostgreSQL database on the server `TEST_DATABASE_URL` names.
pub struct TestDb {
    pub url: String,
    place: Place,
}

enum Place {
    Sqlite { dir: PathBuf },
    Postgres { server_url: String, name: String },
}

impl TestDb {
    pub fn create() -> TestDb {
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
                TestDb {
                    url: format!("{base}/{name}"),
                    place: Place::Postgres { server_url, name },
                }
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("helpdesk-test-{id}"));
                std::fs::create_dir_all(&dir).expect("create the test folder");
                TestDb {
                    url: format!("sqlite://{}", dir.join("helpdesk.db").display()),
                    place: Place::Sqlite { dir },
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.place, Place::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.place {
            Place::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Place::Postgres { server_url, name } => {
                if let Ok(mut conn) = PgConnection::establish(server_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn);
                }
            }
        }
    }
}

/// A request with a bearer token, a JSON body and headers, each when given.
pub fn request(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
}

/// A body as the tests read it: JSON, else the text as a string, and Null when there is none.
pub fn body_of(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
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
    /// Reads a response whole.
    pub async fn read(response: reqwest::Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("read the body");
        Answer {
            status,
            headers,
            body: body_of(&bytes),
        }
    }

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

    /// A problem (`application/problem+json`) of that status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert!(self.is_problem(), "not a problem: {:?}", self.headers);
        assert_eq!(self.code(), code, "body: {}", self.body);
    }

    /// A 401 `unauthorized` problem.
    #[track_caller]
    pub fn assert_unauthorized(&self) {
        self.assert_problem(401, "unauthorized");
    }

    /// The `rows` of a statistic as tuples of the named fields (see `rows`).
    pub fn rows<R: Row>(&self, fields: &[&str]) -> Vec<R> {
        rows(&self.body["rows"], fields)
    }

    /// The fields named in a 422's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The token of a log-in's answer.
    pub fn access_token(&self) -> String {
        self.body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access_token in {}", self.body))
            .to_string()
    }

    /// The `items` of a list.
    pub fn items(&self) -> &Vec<Value> {
        self.body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items in {}", self.body))
    }

    /// The ids of a list's items, in the order given.
    pub fn item_ids(&self) -> Vec<i64> {
        ids(self.items())
    }

    /// The ids an import gives, in the order of its rows.
    pub fn imported_ids(&self) -> Vec<i64> {
        self.body["ids"]
            .as_array()
            .unwrap_or_else(|| panic!("no ids in {}", self.body))
            .iter()
            .map(|id| id.as_i64().unwrap())
            .collect()
    }
}

/// The `id` of each of these objects.
pub fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

/// A field of a row, or a field of a field with a dotted path (`acknowledge.count`).
fn field<'a>(row: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(row, |value, key| &value[key])
}

/// One cell of a table row, as a test compares it.
pub trait Cell: Sized {
    fn cell(value: &Value) -> Self;
}

impl Cell for String {
    fn cell(value: &Value) -> Self {
        value
            .as_str()
            .unwrap_or_else(|| panic!("a text: {value}"))
            .to_string()
    }
}

impl Cell for i64 {
    fn cell(value: &Value) -> Self {
        value
            .as_i64()
            .unwrap_or_else(|| panic!("an integer: {value}"))
    }
}

impl Cell for f64 {
    fn cell(value: &Value) -> Self {
        value
            .as_f64()
            .unwrap_or_else(|| panic!("a number: {value}"))
    }
}

impl Cell for Value {
    fn cell(value: &Value) -> Self {
        value.clone()
    }
}

/// A cell that may be null.
impl<T: Cell> Cell for Option<T> {
    fn cell(value: &Value) -> Self {
        (!value.is_null()).then(|| T::cell(value))
    }
}

/// A table row as a tuple of some of its fields.
pub trait Row: Sized {
    fn row(value: &Value, fields: &[&str]) -> Self;
}

impl<A: Cell, B: Cell> Row for (A, B) {
    fn row(value: &Value, fields: &[&str]) -> Self {
        (
            A::cell(field(value, fields[0])),
            B::cell(field(value, fields[1])),
        )
    }
}

impl<A: Cell, B: Cell, C: Cell> Row for (A, B, C) {
    fn row(value: &Value, fields: &[&str]) -> Self {
        (
            A::cell(field(value, fields[0])),
            B::cell(field(value, fields[1])),
            C::cell(field(value, fields[2])),
        )
    }
}

/// The rows of a table (a JSON array: a statistic's `rows`, a list's `items`) as tuples of the
/// named fields, in the table's order: `rows(&body["rows"], &["member_code", "tickets"])`.
pub fn rows<R: Row>(table: &Value, fields: &[&str]) -> Vec<R> {
    let table = table
        .as_array()
        .unwrap_or_else(|| panic!("not a table: {table}"));
    rows_of(table, fields)
}

/// These rows as tuples of the named fields.
pub fn rows_of<R: Row>(table: &[Value], fields: &[&str]) -> Vec<R> {
    table.iter().map(|row| R::row(row, fields)).collect()
}

/// The values of a JSON list: `list_of::<i64>(&body["months"])`.
pub fn list_of<T: Cell>(list: &Value) -> Vec<T> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(T::cell)
        .collect()
}

/// One field of each row of a table.
pub fn column<T: Cell>(table: &Value, name: &str) -> Vec<T> {
    list_of::<Value>(table)
        .iter()
        .map(|row| T::cell(field(row, name)))
        .collect()
}

/// Whether a field of the JSON value, however deep, names a password or a hash, or a text holds
/// one of `secrets`.
pub fn holds_a_secret(value: &Value, secrets: &[&str]) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, value)| {
            let key = key.to_lowercase();
            key.contains("password") || key.contains("hash") || holds_a_secret(value, secrets)
        }),
        Value::Array(values) => values.iter().any(|v| holds_a_secret(v, secrets)),
        Value::String(text) => secrets.iter().any(|s| text.contains(s)),
        _ => false,
    }
}

/// The body of a ticket filed by staff: title, no description, the member.
pub fn ticket(title: &str, member_id: i64) -> Value {
    json!({"title": title, "description": "", "member_id": member_id})
}

/// A JSON object with more fields, or other values: `ticket(..).with(json!({"priority": 1}))`.
pub trait With {
    fn with(self, more: Value) -> Self;
}

impl With for Value {
    fn with(mut self, more: Value) -> Value {
        for (key, value) in more.as_object().expect("fields to add").clone() {
            self[key] = value;
        }
        self
    }
}

/// Today in the service's time zone.
pub fn paris_today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive()
}

/// This year in the service's time zone.
pub fn this_year() -> i32 {
    chrono::Datelike::year(&paris_today())
}

/// `hours` ago, as the database stores an instant (for `execute_sql`).
pub fn hours_ago(hours: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::hours(hours))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Settings of a service open at all hours every day, so that its clock runs whenever a test
/// does.
pub fn open_all_hours(s: &mut Settings) {
    for day in [
        &mut s.calendar.monday,
        &mut s.calendar.tuesday,
        &mut s.calendar.wednesday,
        &mut s.calendar.thursday,
        &mut s.calendar.friday,
        &mut s.calendar.saturday,
        &mut s.calendar.sunday,
    ] {
        *day = "00:00-23:59".into();
    }
}

/// A ticket of a member to import, of that origin, created and closed at that instant.
pub fn closed_ticket_at(member_id: i64, created_at: &str, origin: &str) -> Value {
    json!({"title": "t", "description": "", "member_id": member_id, "created_at": created_at,
           "origin": origin, "status": "closed", "closed_at": created_at})
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

    /// A service with one member of that code.
    pub async fn with_member(code: &str) -> (TestApp, i64) {
        let app = TestApp::spawn().await;
        let member = app.create_member(code).await;
        (app, member)
    }

    /// A service with the demo data of `helpdesk seed-demo`.
    pub async fn with_demo() -> TestApp {
        let app = TestApp::spawn().await;
        app.seed_demo().await;
        app
    }

    /// A service with members of those codes.
    pub async fn with_members<const N: usize>(codes: [&str; N]) -> (TestApp, [i64; N]) {
        let app = TestApp::spawn().await;
        let members = app.create_members(codes).await;
        (app, members)
    }

    /// A service with an account of that staff role, logged in.
    pub async fn with_staff(role: Role) -> (TestApp, TestUser) {
        let app = TestApp::spawn().await;
        let user = app.staff(role).await;
        (app, user)
    }

    /// A service with one member of that code and an agent of it, logged in.
    pub async fn with_agent(code: &str) -> (TestApp, i64, TestUser) {
        let (app, member) = TestApp::with_member(code).await;
        let agent = app.agent_of(member).await;
        (app, member, agent)
    }

    /// Spawns with settings adjusted by `tune` (time zone, workday minutes...).
    pub async fn spawn_with(tune: impl FnOnce(&mut Settings)) -> TestApp {
        let db = TestDb::create();
        let mut settings = Settings::defaults();
        settings.database.url = db.url.clone();
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
        app.admin.token = login.access_token();
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
        let url = format!("{}{path}", self.base);
        let request = request(&self.client, method, &url, token, body, headers);
        Answer::read(request.send().await.expect("the service answers")).await
    }

    /// GET without a token.
    pub async fn anonymous(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None, None, &[]).await
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

    /// Creates members with those codes.
    pub async fn create_members<const N: usize>(&self, codes: [&str; N]) -> [i64; N] {
        let mut ids = [0; N];
        for (id, code) in ids.iter_mut().zip(codes) {
            *id = self.create_member(code).await;
        }
        ids
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
            token: login.access_token(),
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

    /// Files a ticket as that user (staff name the member), which must be accepted; its id.
    pub async fn filed(&self, token: &str, member_id: Option<i64>, title: &str) -> i64 {
        self.file_ticket(token, member_id, title)
            .await
            .expect(201)
            .id()
    }

    /// Files a ticket with that body.
    pub async fn file(&self, token: &str, body: Value) -> Answer {
        self.post("/api/v1/tickets", token, body).await
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

/// A service built straight from settings and serving, as `helpdesk serve` does: its base URL
/// and its handle.
pub async fn serve(settings: Settings) -> (String, actix_web::dev::ServerHandle) {
    let app = tokio::task::spawn_blocking(move || Application::build(settings))
        .await
        .unwrap()
        .expect("build the application");
    let base = format!("http://127.0.0.1:{}", app.port());
    let server = app.into_server();
    let handle = server.handle();
    tokio::spawn(server);
    (base, handle)
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

/// The messages sent to that address alone.
pub fn sent_to<'a>(mail: &'a [ReceivedMail], address: &str) -> Vec<&'a ReceivedMail> {
    mail.iter().filter(|m| m.recipients == [address]).collect()
}

impl ReceivedMail {
    /// The subject says that.
    #[track_caller]
    pub fn assert_subject_has(&self, text: &str) {
        assert!(self.subject.contains(text), "{text} in {}", self.subject);
    }

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
        serve(self.settings.clone()).await
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

/// The path of a ticket.
pub fn ticket_path(id: i64) -> String {
    format!("/api/v1/tickets/{id}")
}

/// The path of a user's account.
pub fn user_path(id: i64) -> String {
    format!("/api/v1/users/{id}")
}

impl TestApp {
    /// GET that must answer 200.
    pub async fn read(&self, path: &str, token: &str) -> Answer {
        self.get(path, token).await.expect(200)
    }

    /// GET as the admin that must answer 200: the body.
    pub async fn admin_reads(&self, path: &str) -> Value {
        self.read(path, &self.admin.token).await.body
    }

    /// `/api/v1/me` as the holder of that token.
    pub async fn me(&self, token: &str) -> Answer {
        self.get("/api/v1/me", token).await
    }

    /// A statistic (`/api/v1/stats/{query}`), which must answer 200.
    pub async fn stats(&self, query: &str, token: &str) -> Answer {
        self.read(&format!("/api/v1/stats/{query}"), token).await
    }

    /// Imports tickets as the admin.
    pub async fn import(&self, rows: Value) -> Answer {
        self.post("/api/v1/tickets/import", &self.admin.token, rows)
            .await
    }

    /// Imports tickets as the admin, which must succeed; their ids.
    pub async fn imported(&self, rows: Value) -> Vec<i64> {
        self.import(rows).await.expect(201).imported_ids()
    }

    /// A ticket as the admin reads it.
    pub async fn ticket(&self, id: i64) -> Value {
        self.admin_reads(&ticket_path(id)).await
    }

    /// Changes a ticket.
    pub async fn change(&self, id: i64, token: &str, body: Value) -> Answer {
        self.patch(&ticket_path(id), token, body).await
    }

    /// Assigns a ticket to that technician.
    pub async fn assign(&self, id: i64, token: &str, technician_id: i64) -> Answer {
        self.post(
            &format!("{}/assign", ticket_path(id)),
            token,
            json!({"technician_id": technician_id}),
        )
        .await
    }

    /// Comments on a ticket: `{"body": ..}`, and `"internal": true` for a note of staff.
    pub async fn comment(&self, id: i64, token: &str, body: Value) -> Answer {
        self.post(&format!("{}/comments", ticket_path(id)), token, body)
            .await
    }

    /// A ticket's history, which must answer 200.
    pub async fn history(&self, id: i64, token: &str) -> Answer {
        self.read(&format!("{}/history", ticket_path(id)), token)
            .await
    }

    /// Changes a user's account.
    pub async fn change_user(&self, id: i64, token: &str, body: Value) -> Answer {
        self.patch(&user_path(id), token, body).await
    }

    /// Disables (or enables again) an account, as the admin.
    pub async fn set_disabled(&self, id: i64, disabled: bool) -> Answer {
        self.change_user(id, &self.admin.token, json!({"disabled": disabled}))
            .await
            .expect(200)
    }

    /// Logs work.
    pub async fn log_work(&self, token: &str, body: Value) -> Answer {
        self.post("/api/v1/work-logs", token, body).await
    }

    /// The audit log's entries for that query (`?action=..`), as the admin reads them.
    pub async fn audit(&self, query: &str) -> Vec<Value> {
        self.read(&format!("/api/v1/audit{query}"), &self.admin.token)
            .await
            .items()
            .clone()
    }

    /// The outbox's messages for that query (`?status=..`), as the admin reads them.
    pub async fn outbox(&self, query: &str) -> Answer {
        self.read(&format!("/api/v1/outbox{query}"), &self.admin.token)
            .await
    }

    /// A request to the service with that token, to send later (`all_at_once`).
    pub fn request(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    /// Sends one PATCH per `(path, token, body)`, all at once; the statuses and bodies in the
    /// same order.
    pub async fn patch_all_at_once(
        &self,
        patches: Vec<(String, String, Value)>,
    ) -> Vec<(u16, Value)> {
        let requests = patches
            .into_iter()
            .map(|(path, token, body)| self.request(Method::PATCH, &path, &token).json(&body))
            .collect();
        all_at_once(requests).await
    }
}

/// Sends the requests all at once, each from a task of its own; the statuses and bodies of
/// their answers in the same order.
pub async fn all_at_once(requests: Vec<reqwest::RequestBuilder>) -> Vec<(u16, Value)> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            tokio::spawn(async move {
                let response = request.send().await.expect("the service answers");
                let answer = Answer::read(response).await;
                (answer.status.as_u16(), answer.body)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}
