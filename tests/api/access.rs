//! Who may do what: logging in, bearer tokens and their forgeries, the role table, the wall
//! between members, the error envelope and the operational endpoints.
use crate::common;
use crate::common::Role;

use chrono::Utc;
use common::{Answer, TestApp, TestUser, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

/// The signing key the harness gives the service.
const SECRET: &[u8] = b"test-secret-0123456789abcdefghij";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding, as JWTs use it.
fn base64url(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(BASE64URL[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn unbase64url(text: &str) -> Vec<u8> {
    let sextets: Vec<u32> = text
        .bytes()
        .map(|c| BASE64URL.iter().position(|&b| b == c).expect("base64url") as u32)
        .collect();
    let mut out = Vec::new();
    for chunk in sextets.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, s)| n | (s << (18 - 6 * i)));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

fn now() -> i64 {
    Utc::now().timestamp()
}

/// The claims the service puts in its tokens, for that user.
fn claims(user_id: i64, role: &str, iat: i64, exp: i64) -> Value {
    json!({"sub": user_id.to_string(), "role": role, "member_id": null, "iat": iat, "exp": exp})
}

fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("sign a token")
}

/// A request with a raw body and headers of our choosing.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Answer {
    let mut request = app.client.request(method, format!("{}{path}", app.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    Answer::read(request.send().await.expect("the service answers")).await
}

async fn get_with(app: &TestApp, path: &str, authorization: Option<&str>) -> Answer {
    let headers: Vec<(&str, &str)> = authorization
        .map(|value| vec![("Authorization", value)])
        .unwrap_or_default();
    send(app, Method::GET, path, None, &headers, None).await
}

#[track_caller]
fn assert_unauthorized(answer: &Answer) {
    answer.assert_unauthorized();
}

/// A field of the JSON value, however deep, names a password or its hash.
fn has_secret_field(value: &Value) -> bool {
    common::holds_a_secret(value, &["$argon2"])
}

// ---------------------------------------------------------------------------------------------
// Logging in
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn login_returns_a_bearer_token_and_the_user_without_any_password_or_hash() {
    let (app, member, agent) = TestApp::with_agent("LOGIN").await;

    let login = app.login(&agent.email, PASSWORD).await.expect(200);

    let token = login.body["access_token"].as_str().expect("access_token");
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(
        login.body["expires_in"].as_i64(),
        Some(i64::from(app.settings.auth.token_ttl_minutes) * 60)
    );
    let user = &login.body["user"];
    assert_eq!(user["id"], agent.id);
    assert_eq!(user["email"], agent.email.as_str());
    assert_eq!(user["role"], "agent");
    assert_eq!(user["member_id"], member);
    assert!(!has_secret_field(&login.body), "body: {}", login.body);

    let me = app.me(token).await.expect(200);
    assert_eq!(me.body["id"], agent.id);
}

#[tokio::test]
async fn login_accepts_the_email_in_any_case() {
    let app = TestApp::spawn().await;
    let login = app
        .login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD)
        .await
        .expect(200);
    assert_eq!(login.body["user"]["id"], app.admin.id);
}

#[tokio::test]
async fn login_with_a_wrong_password_is_unauthorized() {
    let app = TestApp::spawn().await;
    let answer = app.login(ADMIN_EMAIL, "not-the-password").await;
    assert_unauthorized(&answer);
    assert!(answer.body.get("access_token").is_none());
}

#[tokio::test]
async fn login_with_an_unknown_email_answers_exactly_like_a_wrong_password() {
    let app = TestApp::spawn().await;
    let wrong_password = app.login(ADMIN_EMAIL, "not-the-password").await;
    let unknown = app.login("nobody@test.local", "not-the-password").await;
    assert_unauthorized(&unknown);
    assert_eq!(unknown.code(), wrong_password.code());
    assert_eq!(unknown.body["detail"], wrong_password.body["detail"]);
    assert_eq!(unknown.body["title"], wrong_password.body["title"]);
}

#[tokio::test]
async fn a_disabled_user_cannot_log_in() {
    let (app, hotline) = TestApp::with_staff(Role::Hotline).await;
    app.set_disabled(hotline.id, true).await;

    assert_unauthorized(&app.login(&hotline.email, PASSWORD).await);
}

#[tokio::test]
async fn me_returns_the_caller_without_any_password_or_hash() {
    let (app, member, agent) = TestApp::with_agent("ME").await;
    let technician = app.staff(Role::Technician).await;

    let me = app.me(&agent.token).await.expect(200);
    assert_eq!(me.body["id"], agent.id);
    assert_eq!(me.body["email"], agent.email.as_str());
    assert_eq!(me.body["role"], "agent");
    assert_eq!(me.body["member_id"], member);
    assert!(!has_secret_field(&me.body), "body: {}", me.body);

    let me = app.me(&technician.token).await.expect(200);
    assert_eq!(me.body["id"], technician.id);
    assert_eq!(me.body["role"], "technician");
    assert_eq!(me.body["member_id"], Value::Null);
}

// ---------------------------------------------------------------------------------------------
// Tokens and their forgeries
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_request_without_a_token_is_unauthorized() {
    let app = TestApp::spawn().await;
    assert_unauthorized(&get_with(&app, "/api/v1/me", None).await);
    assert_unauthorized(&get_with(&app, "/api/v1/tickets", None).await);
    let filed = send(
        &app,
        Method::POST,
        "/api/v1/tickets",
        None,
        &[("Content-Type", "application/json")],
        Some(br#"{"title":"anonymous","description":"","member_id":1}"#.to_vec()),
    )
    .await;
    assert_unauthorized(&filed);
}

#[tokio::test]
async fn a_garbage_token_is_unauthorized() {
    let app = TestApp::spawn().await;
    for authorization in [
        "Bearer garbage",
        "Bearer a.b.c",
        "Bearer ",
        "Basic YWRtaW46cGFzc3dvcmQ=",
        app.admin.token.as_str(),
    ] {
        let answer = get_with(&app, "/api/v1/me", Some(authorization)).await;
        assert_eq!(
            answer.status.as_u16(),
            401,
            "Authorization: {authorization}"
        );
        assert_unauthorized(&answer);
    }
}

/// Tries to create a member with that token.
async fn create_member_as(app: &TestApp, token: &str) -> Answer {
    let member = json!({"code": "FORGED", "name": "Forged", "kind": "city"});
    app.post("/api/v1/members", token, member).await
}

/// The admin sees no member.
async fn assert_no_member(app: &TestApp) {
    let members = app.read("/api/v1/members", &app.admin.token).await;
    assert!(members.items().is_empty(), "{}", members.body);
}

#[tokio::test]
async fn a_token_signed_with_the_service_key_is_accepted() {
    // Shows that the forged tokens below fail for their flaw, not for their shape.
    let app = TestApp::spawn().await;
    let token = sign(&claims(app.admin.id, "admin", now(), now() + 600), SECRET);
    let me = app.me(&token).await.expect(200);
    assert_eq!(me.body["id"], app.admin.id);
}

#[tokio::test]
async fn a_token_with_alg_none_and_no_signature_is_unauthorized() {
    let app = TestApp::spawn().await;
    let header = base64url(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = base64url(
        claims(app.admin.id, "admin", now(), now() + 600)
            .to_string()
            .as_bytes(),
    );
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        assert_unauthorized(&app.me(&token).await);
        assert_unauthorized(&create_member_as(&app, &token).await);
    }
    assert_no_member(&app).await;
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_unauthorized() {
    let app = TestApp::spawn().await;
    let token = sign(
        &claims(app.admin.id, "admin", now(), now() + 600),
        b"another-secret-0123456789abcdefghij",
    );
    assert_unauthorized(&app.me(&token).await);
}

#[tokio::test]
async fn an_expired_token_is_unauthorized() {
    let app = TestApp::spawn().await;
    // Two minutes past expiry: well beyond the 30 seconds of tolerated clock skew.
    let token = sign(
        &claims(app.admin.id, "admin", now() - 3600, now() - 120),
        SECRET,
    );
    assert_unauthorized(&app.me(&token).await);
}

#[tokio::test]
async fn a_token_issued_in_the_future_is_unauthorized() {
    let app = TestApp::spawn().await;
    let token = sign(
        &claims(app.admin.id, "admin", now() + 3600, now() + 7200),
        SECRET,
    );
    assert_unauthorized(&app.me(&token).await);
}

#[tokio::test]
async fn a_token_whose_claims_were_altered_is_unauthorized() {
    let (app, technician) = TestApp::with_staff(Role::Technician).await;
    let parts: Vec<&str> = technician.token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let payload_bytes = unbase64url(parts[1]);
    assert_eq!(base64url(&payload_bytes), parts[1], "our base64url agrees");
    let mut payload: Value = serde_json::from_slice(&payload_bytes).unwrap();
    assert_eq!(payload["role"], "technician", "payload: {payload}");
    payload["role"] = json!("admin");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64url(payload.to_string().as_bytes()),
        parts[2]
    );

    assert_unauthorized(&app.me(&forged).await);
    assert_unauthorized(&create_member_as(&app, &forged).await);
    assert_no_member(&app).await;
    // The genuine token still works.
    app.me(&technician.token).await.expect(200);
}

#[tokio::test]
async fn the_token_of_a_user_disabled_afterwards_is_unauthorized() {
    let (app, hotline) = TestApp::with_staff(Role::Hotline).await;
    let member = app.create_member("DISABLED").await;
    app.me(&hotline.token).await.expect(200);

    app.set_disabled(hotline.id, true).await;

    assert_unauthorized(&app.me(&hotline.token).await);
    let filed = app.file_ticket(&hotline.token, Some(member), "too late");
    assert_unauthorized(&filed.await);
    let tickets = app.read(TICKETS, &app.admin.token).await;
    assert!(tickets.items().is_empty(), "{}", tickets.body);
}

// ---------------------------------------------------------------------------------------------
// The role table
// ---------------------------------------------------------------------------------------------

/// Collects every departure from the role table, so one run shows them all.
struct Verdicts<'a> {
    app: &'a TestApp,
    /// The token of the user whose role is checked.
    token: &'a str,
    role: &'static str,
    failures: Vec<String>,
}

impl Verdicts<'_> {
    /// An allowed call answers `ok`; a refused one 403 `forbidden` as a problem.
    fn call(&mut self, what: &str, allowed: bool, ok: u16, answer: &Answer) {
        let expected = if allowed { ok } else { 403 };
        let right = answer.status.as_u16() == expected
            && (allowed || (answer.code() == "forbidden" && answer.is_problem()));
        if !right {
            self.failures.push(format!(
                "{} {what}: expected {expected}{}, got {} {}",
                self.role,
                if allowed { "" } else { " forbidden" },
                answer.status.as_u16(),
                answer.body
            ));
        }
    }

    /// GET as the user: 200 when allowed.
    async fn read(&mut self, what: &str, allowed: bool, path: &str) {
        let answer = self.app.get(path, self.token).await;
        self.call(what, allowed, 200, &answer);
    }

    /// POST as the user: `ok` when allowed.
    async fn post(&mut self, what: &str, allowed: bool, ok: u16, path: &str, body: Value) {
        let answer = self.app.post(path, self.token, body).await;
        self.call(what, allowed, ok, &answer);
    }

    /// PATCH as the user: 200 when allowed.
    async fn patch(&mut self, what: &str, allowed: bool, path: &str, body: Value) {
        let answer = self.app.patch(path, self.token, body).await;
        self.call(what, allowed, 200, &answer);
    }

    /// On a collection (`members`): POST `new` to it, GET it, GET the item `one` and PATCH it
    /// with `change`, each allowed or not as `allowed` says in that order; the item's path.
    async fn collection(
        &mut self,
        name: &str,
        one: i64,
        (new, change): (Value, Value),
        allowed: [bool; 4],
    ) -> String {
        let path = format!("/api/v1/{name}");
        let item = format!("{path}/{one}");
        self.post(&format!("POST /{name}"), allowed[0], 201, &path, new)
            .await;
        self.read(&format!("GET /{name}"), allowed[1], &path).await;
        self.read(&format!("GET /{name}/{{id}}"), allowed[2], &item)
            .await;
        self.patch(&format!("PATCH /{name}/{{id}}"), allowed[3], &item, change)
            .await;
        item
    }

    /// DELETE as the user: 204 when allowed.
    async fn delete(&mut self, what: &str, allowed: bool, path: &str) {
        let answer = self.app.delete(path, self.token).await;
        self.call(what, allowed, 204, &answer);
    }

    /// What the admin sees afterwards.
    fn fact(&mut self, what: &str, holds: bool) {
        if !holds {
            self.failures
                .push(format!("{} afterwards: {what}", self.role));
        }
    }

    #[track_caller]
    fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "departures from the role table:\n{}",
            self.failures.join("\n")
        );
    }
}

async fn ticket_titles(app: &TestApp, q: &str) -> Vec<String> {
    let answer = app.admin_reads(&format!("{TICKETS}?q={q}")).await;
    common::column::<Value>(&answer["items"], "title")
        .iter()
        .map(|title| title.as_str().unwrap_or("").to_string())
        .collect()
}

const TICKETS: &str = "/api/v1/tickets";

/// Calls every endpoint of the contract (statistics and reports aside) as a user of `role` and
/// checks each answer, then checks as the admin that refused calls changed nothing.
async fn check_role_table(role: &'static str) {
    let app = TestApp::spawn().await;
    let admin = app.admin.token.clone();
    let [member, other_member] = app.create_members(["ALPHA", "BETA"]).await;
    let technician = app.staff(Role::Technician).await;
    let category = json!({"name": "Catégorie de test"});
    let category = app.post("/api/v1/categories", &admin, category).await;
    let category = category.expect(201).id();
    let ticket = app.file_ticket(&admin, Some(member), "Fixture ticket");
    let ticket = ticket.await.expect(201).id();
    let work = json!({"technician_id": technician.id, "member_id": member, "date": "2024-05-02",
                      "kind": "on_site", "minutes": 60, "note": "fixture"});
    let work_log = app.log_work(&admin, work).await.expect(201).id();

    let user = app.user(role, (role == "agent").then_some(member)).await;
    let staff = role != "agent";
    let manages = role == "manager" || role == "admin";
    let admin_only = role == "admin";
    let mut v = Verdicts {
        app: &app,
        token: &user.token,
        role,
        failures: Vec::new(),
    };

    v.read("GET /me", true, "/api/v1/me").await;

    // Members.
    let new_code = format!("NEW-{}", role.to_uppercase());
    let new = json!({"code": new_code, "name": "New member", "kind": "school"});
    let renamed_member = format!("Renamed by {role}");
    let change = json!({"name": renamed_member});
    let allowed = [manages, true, true, manages];
    let member_path = v
        .collection("members", member, (new, change), allowed)
        .await;

    // Users.
    let new_email = format!("made-by-{role}@test.local");
    let new =
        json!({"email": new_email, "name": "Made", "role": "technician", "password": PASSWORD});
    let renamed_user = format!("Tech renamed by {role}");
    let change = json!({"name": renamed_user});
    let allowed = [manages, staff, staff, manages];
    let user_path = v
        .collection("users", technician.id, (new, change), allowed)
        .await;

    // Categories.
    v.read("GET /categories", true, "/api/v1/categories").await;
    let category_path = format!("/api/v1/categories/{category}");
    v.read("GET /categories/{id}", true, &category_path).await;
    let new_category = format!("Made by {role}");
    let body = json!({"name": new_category});
    v.post("POST /categories", manages, 201, "/api/v1/categories", body)
        .await;

    // Filing and importing.
    let mut filing = json!({"title": format!("Filed by {role}"), "description": "d"});
    if staff {
        filing["member_id"] = json!(member);
    }
    v.post("POST /tickets", true, 201, TICKETS, filing).await;
    let posted = json!({"title": format!("Posted by {role}"), "description": "d",
                        "member_id": member, "origin": "posted"});
    v.post("POST /tickets origin posted", staff, 201, TICKETS, posted)
        .await;
    let elsewhere = json!({"title": format!("Elsewhere by {role}"), "description": "d",
                           "member_id": other_member});
    let what = "POST /tickets for another member";
    v.post(what, staff, 201, TICKETS, elsewhere).await;
    let imported = json!([{"title": format!("Imported by {role}"), "description": "",
                           "member_id": member, "created_at": "2023-03-01T10:00:00Z"}]);
    let import_path = "/api/v1/tickets/import";
    v.post(
        "POST /tickets/import",
        admin_only,
        201,
        import_path,
        imported,
    )
    .await;

    // Reading and working tickets.
    v.read("GET /tickets", true, TICKETS).await;
    let ticket_path = common::ticket_path(ticket);
    v.read("GET /tickets/{id}", true, &ticket_path).await;
    let body = json!({"priority": 2});
    v.patch("PATCH /tickets/{id}", staff, &ticket_path, body)
        .await;
    let assign_path = format!("{ticket_path}/assign");
    let body = json!({"technician_id": technician.id});
    v.post("POST /tickets/{id}/assign", staff, 200, &assign_path, body)
        .await;
    let comments_path = format!("{ticket_path}/comments");
    let public = json!({"body": format!("public by {role}")});
    let what = "POST /tickets/{id}/comments public";
    v.post(what, true, 201, &comments_path, public).await;
    let internal = json!({"body": format!("internal by {role}"), "internal": true});
    let what = "POST /tickets/{id}/comments internal";
    v.post(what, staff, 201, &comments_path, internal).await;
    v.read("GET /tickets/{id}/comments", true, &comments_path)
        .await;
    let history_path = format!("{ticket_path}/history");
    v.read("GET /tickets/{id}/history", staff, &history_path)
        .await;

    // Work logs.
    let log_note = format!("logged by {role}");
    let new = json!({"member_id": member, "date": "2024-05-03", "kind": "on_site",
                     "minutes": 30, "note": log_note});
    let patched_note = format!("patched by {role}");
    let change = json!({"note": patched_note});
    let logs = v.collection("work-logs", work_log, (new, change), [staff; 4]);
    let log_path = logs.await;
    if !staff {
        // Staff delete it below, once its patch was checked.
        v.delete("DELETE /work-logs/{id}", false, &log_path).await;
    }

    // What the admin sees afterwards: refused calls wrote nothing, allowed ones did.
    let members = app.admin_reads("/api/v1/members").await;
    let codes = common::column::<String>(&members["items"], "code");
    v.fact(
        &format!("member {new_code} exists iff allowed (codes {codes:?})"),
        codes.contains(&new_code) == manages,
    );
    let alpha = app.admin_reads(&member_path).await;
    v.fact(
        &format!("member renamed iff allowed (name {})", alpha["name"]),
        (alpha["name"] == json!(renamed_member)) == manages,
    );
    let made = app.login(&new_email, PASSWORD).await;
    v.fact(
        &format!("new user can log in iff allowed ({})", made.status),
        (made.status.as_u16() == 200) == manages,
    );
    let tech = app.admin_reads(&user_path).await;
    v.fact(
        &format!("user renamed iff allowed (name {})", tech["name"]),
        (tech["name"] == json!(renamed_user)) == manages,
    );
    let categories = app.read("/api/v1/categories", &admin).await;
    let made_category = categories
        .items()
        .iter()
        .any(|c| c["name"] == json!(new_category));
    v.fact("new category exists iff allowed", made_category == manages);
    let filed = ticket_titles(&app, "Filed%20by").await;
    v.fact("filed ticket exists", filed == [format!("Filed by {role}")]);
    for (what, q, allowed) in [
        ("posted ticket exists iff allowed", "Posted%20by", staff),
        (
            "ticket for another member exists iff allowed",
            "Elsewhere%20by",
            staff,
        ),
        (
            "imported ticket exists iff allowed",
            "Imported%20by",
            admin_only,
        ),
    ] {
        let titles = ticket_titles(&app, q).await;
        v.fact(what, titles.len() == usize::from(allowed));
    }
    let fixture = app.admin_reads(&ticket_path).await;
    let (priority, assignee) = (&fixture["priority"], &fixture["assignee_id"]);
    v.fact(
        &format!("priority changed iff allowed ({priority})"),
        (*priority == json!(2)) == staff,
    );
    v.fact(
        &format!("assigned iff allowed ({assignee})"),
        (*assignee == json!(technician.id)) == staff,
    );
    let comments = app.read(&comments_path, &admin).await;
    let said = |text: String| comments.items().iter().any(|c| c["body"] == json!(text));
    let internal = said(format!("internal by {role}"));
    v.fact("internal comment exists iff allowed", internal == staff);
    v.fact("public comment exists", said(format!("public by {role}")));
    let logs = app.read("/api/v1/work-logs", &admin).await;
    let logged = logs.items().iter().any(|l| l["note"] == json!(log_note));
    v.fact("new work log exists iff allowed", logged == staff);
    let log = app.admin_reads(&log_path).await;
    v.fact(
        &format!("work log patched iff allowed ({})", log["note"]),
        (log["note"] == json!(patched_note)) == staff,
    );

    if staff {
        // Work logs feed billing: only their own technician (not this user), a manager or an
        // admin deletes one.
        v.delete("DELETE /work-logs/{id}", manages, &log_path).await;
        let gone = app.get(&log_path, &admin).await;
        v.fact(
            "work log deleted iff allowed",
            (gone.status.as_u16() == 404) == manages,
        );
    }
    v.finish();
}

#[tokio::test]
async fn an_agent_files_reads_and_comments_publicly_but_is_refused_everything_else() {
    check_role_table("agent").await;
}

#[tokio::test]
async fn hotline_works_tickets_and_logs_work_but_manages_no_directory_and_imports_nothing() {
    check_role_table("hotline").await;
}

#[tokio::test]
async fn a_technician_works_tickets_and_logs_work_but_manages_no_directory_and_imports_nothing() {
    check_role_table("technician").await;
}

#[tokio::test]
async fn a_manager_also_manages_members_users_and_categories_but_imports_nothing() {
    check_role_table("manager").await;
}

#[tokio::test]
async fn an_admin_may_do_everything() {
    check_role_table("admin").await;
}

// ---------------------------------------------------------------------------------------------
// The wall between members
// ---------------------------------------------------------------------------------------------

struct TwoMembers {
    app: TestApp,
    a: i64,
    b: i64,
    agent: TestUser,
    ticket_a: i64,
    ticket_b: i64,
}

async fn two_members() -> TwoMembers {
    let (app, [a, b]) = TestApp::with_members(["AAA", "BBB"]).await;
    let agent = app.agent_of(a).await;
    let file = |member, title| app.file_ticket(&app.admin.token, Some(member), title);
    let ticket_a = file(a, "Imprimante du membre A").await.expect(201).id();
    let ticket_b = file(b, "Imprimante du membre B").await.expect(201).id();
    TwoMembers {
        app,
        a,
        b,
        agent,
        ticket_a,
        ticket_b,
    }
}

#[tokio::test]
async fn an_agent_gets_404_for_every_action_on_another_members_ticket() {
    let TwoMembers {
        app,
        agent,
        ticket_b,
        ..
    } = two_members().await;
    let t = agent.token.as_str();
    let path = common::ticket_path(ticket_b);
    let comments = format!("{path}/comments");
    let technician = app.staff(Role::Technician).await;
    let before = app.ticket(ticket_b).await;

    let answers = [
        app.get(&path, t).await,
        app.get(&comments, t).await,
        app.comment(ticket_b, t, json!({"body": "hello"})).await,
        app.comment(ticket_b, t, json!({"body": "psst", "internal": true}))
            .await,
        app.get(&format!("{path}/history"), t).await,
        app.assign(ticket_b, t, technician.id).await,
        app.change(ticket_b, t, json!({"title": "taken over"}))
            .await,
    ];
    for answer in answers {
        answer.assert_problem(404, "not_found");
    }

    let after = app.ticket(ticket_b).await;
    assert_eq!(after, before, "the ticket did not change");
    let comments = app.read(&comments, &app.admin.token).await;
    assert!(comments.items().is_empty(), "{}", comments.body);
}

#[tokio::test]
async fn an_agent_sees_only_its_own_member() {
    let TwoMembers {
        app, a, b, agent, ..
    } = two_members().await;

    let members = app.read("/api/v1/members", &agent.token).await;
    assert_eq!(members.item_ids(), [a]);
    app.read(&format!("/api/v1/members/{a}"), &agent.token)
        .await;
    app.get(&format!("/api/v1/members/{b}"), &agent.token)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn an_agent_never_lists_another_members_tickets_whatever_the_filter() {
    let TwoMembers {
        app,
        a,
        b,
        agent,
        ticket_a,
        ticket_b,
    } = two_members().await;
    let t = agent.token.as_str();

    let all = app.read(TICKETS, t).await;
    assert_eq!(all.item_ids(), [ticket_a]);
    let own = app.read(&format!("{TICKETS}?member_id={a}"), t).await;
    assert_eq!(own.item_ids(), [ticket_a]);
    let other = app.read(&format!("{TICKETS}?member_id={b}"), t).await;
    assert!(other.items().is_empty(), "{}", other.body);
    assert_eq!(other.body["next_cursor"], Value::Null);
    let searched = app.read("/api/v1/tickets?q=membre%20B", t).await;
    assert!(searched.items().is_empty(), "{}", searched.body);
    let both = app.read("/api/v1/tickets?q=imprimante", t).await;
    assert_eq!(both.item_ids(), [ticket_a]);

    // Staff see both, so the filters above are not what hid B's ticket.
    let staff = app.read("/api/v1/tickets?q=imprimante", &app.admin.token);
    assert_eq!(staff.await.item_ids(), [ticket_b, ticket_a]);
}

// ---------------------------------------------------------------------------------------------
// The error envelope
// ---------------------------------------------------------------------------------------------

/// Files a ticket as the admin with a body sent as it is, of that content type.
async fn file_raw(app: &TestApp, content_type: Option<&str>, body: &[u8]) -> Answer {
    let headers: Vec<(&str, &str)> = content_type
        .map(|c| vec![("Content-Type", c)])
        .unwrap_or_default();
    let token = Some(app.admin.token.as_str());
    send(
        app,
        Method::POST,
        TICKETS,
        token,
        &headers,
        Some(body.to_vec()),
    )
    .await
}

async fn ticket_count(app: &TestApp) -> usize {
    app.read(TICKETS, &app.admin.token).await.items().len()
}

#[tokio::test]
async fn malformed_json_is_a_400_malformed_request_problem() {
    let app = TestApp::spawn().await;
    let answer = file_raw(&app, Some("application/json"), br#"{"title": "half"#).await;
    answer.assert_problem(400, "malformed_request");
    assert_eq!(answer.body["status"], 400);
    assert!(answer.body["title"].is_string(), "{}", answer.body);
    assert!(answer.body["type"].is_string(), "{}", answer.body);
    assert_eq!(ticket_count(&app).await, 0);
}

#[tokio::test]
async fn a_value_of_the_wrong_json_type_is_a_422_validation_problem() {
    let (app, member) = TestApp::with_member("TYPES").await;
    let filing = json!({"title": "t", "description": "d", "member_id": member, "priority": "high"});
    let answer = app.file(&app.admin.token, filing).await;
    answer.assert_problem(422, "validation_failed");
    assert_eq!(answer.body["status"], 422);
    let errors = answer.body["errors"].as_array().expect("errors");
    assert!(!errors.is_empty());
    assert!(errors[0]["field"].is_string() && errors[0]["message"].is_string());
    assert_eq!(ticket_count(&app).await, 0);
}

#[tokio::test]
async fn a_missing_required_field_is_a_422_validation_problem() {
    let (app, member) = TestApp::with_member("MISSING").await;
    let filing = json!({"description": "no title", "member_id": member});
    let answer = app.file(&app.admin.token, filing).await;
    answer.assert_problem(422, "validation_failed");
    assert!(answer.body["errors"].is_array(), "{}", answer.body);
    assert_eq!(ticket_count(&app).await, 0);
}

#[tokio::test]
async fn an_unknown_route_is_a_404_route_not_found_problem() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/nothing-here",
        "/api/v1/tickets/1/nothing",
        "/nothing",
    ] {
        let answer = app.get(path, &app.admin.token).await;
        answer.assert_problem(404, "route_not_found");
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let (app, member) = TestApp::with_member("METHOD").await;
    app.file_ticket(&app.admin.token, Some(member), "stays")
        .await
        .expect(201);

    let answer = app.delete("/api/v1/tickets", &app.admin.token).await;
    answer.assert_problem(405, "method_not_allowed");
    let allow = answer.header("allow").unwrap_or_default();
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "Allow: {allow}"
    );
    assert_eq!(ticket_count(&app).await, 1);
}

#[tokio::test]
async fn a_body_over_256_kib_is_a_413_problem_and_files_nothing() {
    let (app, member) = TestApp::with_member("BIG").await;
    let body = json!({"title": "big", "description": "x".repeat(300 * 1024), "member_id": member});
    let answer = file_raw(&app, Some("application/json"), body.to_string().as_bytes()).await;
    answer.assert_problem(413, "payload_too_large");
    assert_eq!(ticket_count(&app).await, 0);
}

#[tokio::test]
async fn a_text_plain_body_is_a_415_problem_but_a_missing_content_type_is_taken_as_json() {
    let (app, member) = TestApp::with_member("MEDIA").await;
    let body = json!({"title": "typed", "description": "d", "member_id": member}).to_string();

    let answer = file_raw(&app, Some("text/plain"), body.as_bytes()).await;
    answer.assert_problem(415, "unsupported_media_type");
    assert_eq!(ticket_count(&app).await, 0);

    let answer = file_raw(&app, None, body.as_bytes()).await;
    assert_eq!(answer.status.as_u16(), 201, "body: {}", answer.body);
    assert_eq!(ticket_count(&app).await, 1);
}

#[tokio::test]
async fn a_non_numeric_ticket_id_is_a_404_not_found_problem() {
    let app = TestApp::spawn().await;
    let answer = app.get("/api/v1/tickets/abc", &app.admin.token).await;
    answer.assert_problem(404, "not_found");
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn health_and_ready_answer_without_a_token() {
    let app = TestApp::spawn().await;
    let health = get_with(&app, "/health", None).await.expect(200);
    assert_eq!(health.body, json!({"status": "ok"}));
    get_with(&app, "/ready", None).await.expect(200);
}

#[tokio::test]
async fn metrics_count_http_requests_in_prometheus_text() {
    let app = TestApp::spawn().await;
    get_with(&app, "/health", None).await.expect(200);
    let metrics = get_with(&app, "/metrics", None).await.expect(200);
    assert!(metrics
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/plain")));
    let text = metrics.body.as_str().expect("text");
    assert!(text.contains("helpdesk_http_requests_total"), "{text}");
}

#[tokio::test]
async fn the_openapi_document_describes_tickets_and_work_logs() {
    let app = TestApp::spawn().await;
    let spec = get_with(&app, "/openapi.json", None).await.expect(200);
    let paths = spec.body["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/{id}",
        "/api/v1/work-logs",
        "/api/v1/auth/login",
    ] {
        assert!(paths.contains_key(path), "no {path} in {:?}", paths.keys());
    }
}

#[tokio::test]
async fn docs_redirects_to_an_html_page() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = client
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert!(redirect.status().is_redirection(), "{}", redirect.status());
    assert_eq!(
        redirect
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok()),
        Some("/docs/")
    );

    let page = get_with(&app, "/docs/", None).await.expect(200);
    assert!(page
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    let html = page.body.as_str().expect("text").to_lowercase();
    assert!(html.contains("<html"), "{html}");
}
