//! Personal data (RGPD): exporting everything held about a person, anonymizing a user or a
//! ticket's requester without changing the statistics, and the append-only audit log.
use crate::common;
use crate::common::Role;

use common::{
    holds_a_secret, this_year, ticket, ticket_path, user_path, Answer, TestApp, TestUser, With,
    ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD,
};
use reqwest::Method;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn export_path(user_id: i64) -> String {
    format!("/api/v1/users/{user_id}/export")
}

fn anonymize_path(user_id: i64) -> String {
    format!("/api/v1/users/{user_id}/anonymize")
}

fn requester_path(ticket_id: i64) -> String {
    format!("/api/v1/tickets/{ticket_id}/anonymize-requester")
}

/// Anonymizes a user, as the admin.
async fn anonymize(app: &TestApp, user_id: i64) -> Answer {
    app.post(&anonymize_path(user_id), &app.admin.token, json!({}))
        .await
}

/// Anonymizes a ticket's requester, as the admin.
async fn anonymize_requester(app: &TestApp, ticket_id: i64) -> Answer {
    app.post(&requester_path(ticket_id), &app.admin.token, json!({}))
        .await
}

/// Every statistic a year's report is made of, as the API gives it.
async fn statistics(app: &TestApp, year: i32) -> Vec<Value> {
    let mut figures = Vec::new();
    for query in [
        format!("tickets-by-member?year={year}&origin=all"),
        format!("seasonality?year={year}&origin=all"),
        format!("work-days?year={year}"),
        format!("hotline-allocation?year={year}"),
    ] {
        figures.push(app.stats(&query, &app.admin.token).await.body);
    }
    figures
}

/// An agent who filed a ticket and commented on it, a ticket the hotline filed for them with
/// their name, address and phone, and a technician who worked on it.
struct Story {
    member: i64,
    agent: TestUser,
    agent_name: String,
    technician: TestUser,
    filed_by_agent: i64,
    filed_for_agent: i64,
    comment: i64,
    work_log: i64,
}

const PHONE: &str = "01 23 45 67 89";

async fn story(app: &TestApp) -> Story {
    let member = app.create_member("PRIV").await;
    let agent = app.agent_of(member).await;
    let agent_name = app.admin_reads(&user_path(agent.id)).await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let hotline = app.staff(Role::Hotline).await;
    let technician = app.staff(Role::Technician).await;

    let filed_by_agent = app.filed(&agent.token, None, "Printer jammed").await;
    let filing = ticket("Mailbox full", member).with(json!({
        "description": "Called in, very polite", "requester_name": agent_name,
        "requester_email": agent.email, "requester_phone": PHONE}));
    let filed_for_agent = app.file(&hotline.token, filing).await.expect(201).id();
    let comment = json!({"body": "Still jammed this morning"});
    let comment = app.comment(filed_by_agent, &agent.token, comment).await;
    let comment = comment.expect(201).id();
    let assigned = app.assign(filed_by_agent, &app.admin.token, technician.id);
    assigned.await.expect(200);
    let work = json!({"member_id": member, "date": common::paris_today().to_string(),
                      "kind": "on_site", "days": 0.5, "ticket_id": filed_by_agent,
                      "note": "Replaced the roller"});
    let work_log = app.log_work(&technician.token, work).await.expect(201).id();
    Story {
        member,
        agent,
        agent_name,
        technician,
        filed_by_agent,
        filed_for_agent,
        comment,
        work_log,
    }
}

fn ids(values: &Value) -> Vec<i64> {
    common::ids(
        values
            .as_array()
            .unwrap_or_else(|| panic!("not a list: {values}")),
    )
}

/// The ticket names no requester any more: no name, e-mail or phone.
#[track_caller]
fn assert_no_requester(ticket: &Value, which: &str) {
    for field in ["requester_name", "requester_email", "requester_phone"] {
        assert_eq!(ticket[field], Value::Null, "{field} of {which}");
    }
}

/// A field of the JSON value names a password or a hash, or a text holds one.
fn has_secret(value: &Value) -> bool {
    holds_a_secret(value, &["$argon2", PASSWORD])
}

// ---------------------------------------------------------------------------------------------
// Who may
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn only_an_admin_may_export_anonymize_or_read_the_audit_log() {
    let (app, member) = TestApp::with_member("ROLES").await;
    let target = app.agent_of(member).await;
    let ticket = app.filed(&target.token, None, "mine").await;
    for role in ["agent", "hotline", "technician", "manager"] {
        let caller = app.user(role, (role == "agent").then_some(member)).await;
        let token = caller.token.as_str();
        let answers = [
            app.get(&export_path(target.id), token).await,
            app.post(&anonymize_path(target.id), token, json!({})).await,
            app.post(&requester_path(ticket), token, json!({})).await,
            app.get("/api/v1/audit", token).await,
        ];
        for answer in &answers {
            answer.assert_problem(403, "forbidden");
        }
    }
    for answer in [
        app.anonymous(&export_path(target.id)).await,
        app.call(Method::POST, &anonymize_path(target.id), None, None, &[])
            .await,
        app.call(Method::POST, &requester_path(ticket), None, None, &[])
            .await,
        app.anonymous("/api/v1/audit").await,
    ] {
        answer.assert_unauthorized();
    }

    // Nothing happened to the person.
    app.login(&target.email, PASSWORD).await.expect(200);
    let exports = app.audit("?action=user_exported").await;
    assert!(exports.is_empty(), "{exports:?}");
}

#[tokio::test]
async fn an_unknown_user_or_ticket_is_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin.token.as_str();
    for path in [export_path(999_999), "/api/v1/users/abc/export".into()] {
        app.get(&path, admin).await.assert_problem(404, "not_found");
    }
    let unknown = 999_999;
    anonymize(&app, unknown)
        .await
        .assert_problem(404, "not_found");
    let requester = anonymize_requester(&app, unknown).await;
    requester.assert_problem(404, "not_found");
    assert!(app.audit("?action=user_anonymized").await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_export_holds_what_a_person_requested_wrote_and_did_and_no_password() {
    let app = TestApp::spawn().await;
    let story = story(&app).await;

    let export = app.admin_reads(&export_path(story.agent.id)).await;

    assert_eq!(export["user"]["id"], story.agent.id);
    assert_eq!(export["user"]["email"], story.agent.email.as_str());
    assert!(export["exported_at"].is_string());
    // Filed by them, and filed for them under their e-mail.
    let mut requested = ids(&export["tickets_requested"]);
    requested.sort();
    assert_eq!(requested, [story.filed_by_agent, story.filed_for_agent]);
    let filed_for = export["tickets_requested"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == story.filed_for_agent)
        .unwrap();
    assert_eq!(filed_for["requester_phone"], PHONE);
    assert_eq!(ids(&export["comments"]), [story.comment]);
    assert_eq!(export["comments"][0]["body"], "Still jammed this morning");
    let changes = export["history"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["ticket_id"] == story.filed_by_agent && c["field"] == "created"),
        "{changes:?}"
    );
    assert!(changes
        .iter()
        .any(|c| c["field"] == "comment" && c["ticket_id"] == story.filed_by_agent));
    // The mail sent to their address when the tickets were filed.
    let mail = export["mail"].as_array().unwrap();
    assert!(!mail.is_empty());
    assert!(mail
        .iter()
        .all(|m| m["recipient"] == story.agent.email.as_str()));
    // Their creation, their log-in, and this export.
    let actions = common::column::<String>(&export["audit"], "action");
    for action in ["user_created", "login_succeeded", "user_exported"] {
        let action = action.to_string();
        assert!(actions.contains(&action), "no {action} in {actions:?}");
    }
    assert!(!has_secret(&export), "{export}");
}

#[tokio::test]
async fn an_export_of_a_technician_holds_their_work_logs_and_assigned_tickets() {
    let app = TestApp::spawn().await;
    let story = story(&app).await;

    let export = app.admin_reads(&export_path(story.technician.id)).await;

    assert_eq!(ids(&export["work_logs"]), [story.work_log]);
    assert_eq!(export["work_logs"][0]["note"], "Replaced the roller");
    assert_eq!(export["work_logs"][0]["minutes"], 210);
    assert_eq!(export["tickets_assigned"], json!([story.filed_by_agent]));
    assert_eq!(export["tickets_requested"], json!([]));
    assert_eq!(export["comments"], json!([]));
    assert!(!has_secret(&export), "{export}");

    let exports = app.audit("?action=user_exported").await;
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0]["subject_user_id"], story.technician.id);
    assert_eq!(exports[0]["actor_id"], app.admin.id);
}

// ---------------------------------------------------------------------------------------------
// Anonymizing a user
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn anonymizing_a_user_replaces_what_names_them_and_keeps_their_tickets_and_comments() {
    let app = TestApp::spawn().await;
    let story = story(&app).await;
    let agent = &story.agent;
    let by_agent_before = app.ticket(story.filed_by_agent).await;
    let for_agent_before = app.ticket(story.filed_for_agent).await;

    let done = anonymize(&app, agent.id).await.expect(200).body;

    let user = &done["user"];
    assert_eq!(user["id"], agent.id);
    assert_eq!(user["name"], format!("Utilisateur anonymisé {}", agent.id));
    assert_eq!(user["email"], format!("anonymized-{}@invalid", agent.id));
    assert_eq!(user["disabled"], true);
    assert_eq!(user["role"], "agent");
    assert_eq!(user["member_id"], story.member);
    assert_eq!(done["tickets_cleared"], 1);
    assert_eq!(done["comments_unsigned"], 1);

    // They can no longer get in, with the old token or the old password.
    app.get("/api/v1/me", &agent.token)
        .await
        .assert_unauthorized();
    app.login(&agent.email, PASSWORD)
        .await
        .assert_unauthorized();

    // Tickets keep everything but the requester's details.
    for (id, before) in [
        (story.filed_by_agent, &by_agent_before),
        (story.filed_for_agent, &for_agent_before),
    ] {
        let after = app.ticket(id).await;
        assert_no_requester(&after, &id.to_string());
        for field in [
            "member_id",
            "requester_id",
            "title",
            "description",
            "status",
            "origin",
            "created_at",
            "assignee_id",
            "priority",
        ] {
            assert_eq!(after[field], before[field], "{field} of {id}");
        }
    }

    // The comment stays, unsigned.
    let comments = format!("{}/comments", ticket_path(story.filed_by_agent));
    let comments = app.read(&comments, &app.admin.token).await;
    let comment = &comments.items()[0];
    assert_eq!(comment["id"], story.comment);
    assert_eq!(comment["body"], "Still jammed this morning");
    assert_eq!(comment["author_id"], Value::Null);
    assert_eq!(comment["author_name"], Value::Null);

    // Apart from the audit log, nothing held about them names them any more.
    let mut export = app.admin_reads(&export_path(agent.id)).await;
    export.as_object_mut().unwrap().remove("audit");
    let text = export.to_string();
    for personal in [agent.email.as_str(), story.agent_name.as_str(), PHONE] {
        assert!(!text.contains(personal), "{personal} still in {text}");
    }
    assert_eq!(export["comments"], json!([]));
    // Mail to their address now goes nowhere, and what was not sent yet never will be.
    let outbox = app.outbox("").await;
    let theirs: Vec<&Value> = outbox
        .items()
        .iter()
        .filter(|m| m["recipient"] == user["email"])
        .collect();
    assert_eq!(theirs.len(), 2, "{}", outbox.body);
    assert!(theirs.iter().all(|m| m["status"] == "failed"), "{theirs:?}");
    assert!(!outbox.body.to_string().contains(&agent.email));

    let entries = app.audit("?action=user_anonymized").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["subject_user_id"], agent.id);
    assert_eq!(entries[0]["actor_id"], app.admin.id);
}

#[tokio::test]
async fn anonymizing_people_changes_no_statistic() {
    let app = TestApp::spawn().await;
    let story = story(&app).await;
    let year = this_year();
    let before = statistics(&app, year).await;
    let logs_before = app.admin_reads("/api/v1/work-logs").await;

    for user in [story.agent.id, story.technician.id] {
        anonymize(&app, user).await.expect(200);
    }

    assert_eq!(statistics(&app, year).await, before);
    let logs_after = app.admin_reads("/api/v1/work-logs").await;
    assert_eq!(logs_after, logs_before);
    let ticket = app.ticket(story.filed_by_agent).await;
    assert_eq!(ticket["assignee_id"], story.technician.id);
}

#[tokio::test]
async fn anonymizing_twice_is_harmless() {
    let app = TestApp::spawn().await;
    let story = story(&app).await;
    let first = anonymize(&app, story.agent.id).await.expect(200);
    let second = anonymize(&app, story.agent.id).await.expect(200);
    assert_eq!(second.body["user"]["name"], first.body["user"]["name"]);
    assert_eq!(second.body["user"]["email"], first.body["user"]["email"]);
    assert_eq!(second.body["tickets_cleared"], 0);
    assert_eq!(second.body["comments_unsigned"], 0);
}

#[tokio::test]
async fn an_admin_cannot_anonymize_themselves() {
    let app = TestApp::spawn().await;
    let refused = anonymize(&app, app.admin.id).await;
    refused.assert_problem(422, "validation_failed");
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
    assert!(app.audit("?action=user_anonymized").await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Anonymizing a ticket's requester
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn anonymizing_a_tickets_requester_removes_name_email_and_phone_and_nothing_else() {
    let (app, member) = TestApp::with_member("CALLER").await;
    let filing = ticket("Screen flickers", member).with(json!({
        "description": "Since Monday, at the front desk", "requester_name": "Jeanne Martin",
        "requester_email": "jeanne.martin@example.org", "requester_phone": PHONE}));
    let filed = app.file(&app.admin.token, filing).await.expect(201);
    let id = filed.id();
    let etag_before = filed.header("etag").unwrap();

    let answer = anonymize_requester(&app, id).await.expect(200);

    let ticket = &answer.body;
    assert_no_requester(ticket, "the ticket");
    for field in [
        "title",
        "description",
        "member_id",
        "status",
        "priority",
        "created_at",
    ] {
        assert_eq!(ticket[field], filed.body[field], "{field}");
    }
    assert_ne!(answer.header("etag").unwrap(), etag_before);
    let stored = app.read(&ticket_path(id), &app.admin.token).await;
    assert_eq!(stored.body["requester_email"], Value::Null);
    assert_eq!(stored.header("etag"), answer.header("etag"));

    let history = app.history(id, &app.admin.token).await;
    let entry = history
        .items()
        .iter()
        .find(|e| e["field"] == "requester")
        .expect("a history entry for the change");
    assert_eq!(entry["actor_id"], app.admin.id);
    assert!(!history.body.to_string().contains("Jeanne"));

    let outbox = app.outbox("").await;
    assert!(!outbox
        .body
        .to_string()
        .contains("jeanne.martin@example.org"));

    let entries = app.audit("?action=ticket_requester_anonymized").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["details"]["ticket_id"], id);

    // Again: nothing more to remove, and the ticket does not change.
    let again = anonymize_requester(&app, id).await.expect(200);
    assert_eq!(again.header("etag"), answer.header("etag"));
}

// ---------------------------------------------------------------------------------------------
// The audit log
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn log_ins_are_audited_with_the_email_tried_and_never_the_password() {
    let app = TestApp::spawn().await;
    app.login(ADMIN_EMAIL, "a-wrong-guess-123")
        .await
        .expect(401);
    app.login("Nobody@Test.Local", "another-guess-456")
        .await
        .expect(401);

    let failed = app.audit("?action=login_failed").await;
    assert_eq!(failed.len(), 2, "{failed:?}");
    // Newest first.
    assert_eq!(failed[0]["details"]["email"], "nobody@test.local");
    assert_eq!(failed[0]["subject_user_id"], Value::Null);
    assert_eq!(failed[1]["details"]["email"], ADMIN_EMAIL);
    assert_eq!(failed[1]["subject_user_id"], app.admin.id);
    for entry in &failed {
        assert_eq!(entry["actor_id"], Value::Null);
        assert_eq!(entry["ip"], "127.0.0.1");
        assert!(entry["at"].as_str().unwrap().ends_with('Z'));
    }

    let succeeded = app.audit("?action=login_succeeded").await;
    assert!(succeeded
        .iter()
        .any(|e| e["subject_user_id"] == app.admin.id && e["details"]["email"] == ADMIN_EMAIL));

    let everything = app.admin_reads("/api/v1/audit?limit=500").await;
    let everything = everything.to_string();
    for secret in [
        "a-wrong-guess-123",
        "another-guess-456",
        ADMIN_PASSWORD,
        "$argon2",
    ] {
        assert!(!everything.contains(secret), "{secret} in the audit log");
    }
}

#[tokio::test]
async fn rights_changes_are_audited_with_what_changed_but_no_password() {
    let (app, member) = TestApp::with_member("RIGHTS").await;
    let user = app.staff(Role::Hotline).await;
    for change in [
        json!({"role": "manager", "password": "a-brand-new-password", "name": "New Name"}),
        json!({"disabled": true}),
        json!({"role": "agent", "member_id": member, "disabled": false}),
    ] {
        let changed = app.change_user(user.id, &app.admin.token, change);
        changed.await.expect(200);
    }

    let created = app
        .audit(&format!("?action=user_created&user_id={}", user.id))
        .await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["details"]["role"], "hotline");
    assert_eq!(created[0]["actor_id"], app.admin.id);

    let updated = app
        .audit(&format!("?action=user_updated&user_id={}", user.id))
        .await;
    assert_eq!(updated.len(), 3, "{updated:?}");
    let [last, second, first] = [&updated[0], &updated[1], &updated[2]];
    assert_eq!(
        first["details"]["changes"]["role"],
        json!({"from": "hotline", "to": "manager"})
    );
    assert_eq!(first["details"]["changes"]["password"], "changed");
    assert_eq!(first["details"]["changes"]["name"], "changed");
    assert_eq!(
        second["details"]["changes"],
        json!({"disabled": {"from": false, "to": true}})
    );
    assert_eq!(
        last["details"]["changes"]["member_id"],
        json!({"from": null, "to": member})
    );
    assert_eq!(
        last["details"]["changes"]["disabled"],
        json!({"from": true, "to": false})
    );
    for entry in &updated {
        assert_eq!(entry["actor_id"], app.admin.id);
        assert_eq!(entry["subject_user_id"], user.id);
    }
    let text = app.admin_reads("/api/v1/audit?limit=500").await;
    let text = text.to_string();
    assert!(!text.contains("a-brand-new-password"));
    assert!(!text.contains("New Name"));
}

#[tokio::test]
async fn a_refused_change_leaves_no_audit_entry() {
    let (app, user) = TestApp::with_staff(Role::Hotline).await;
    let path = user_path(user.id);
    let count = app.audit("?limit=500").await.len();

    app.patch(&path, &app.admin.token, json!({"role": "wizard"}))
        .await
        .assert_problem(422, "validation_failed");
    let duplicate = app
        .post(
            "/api/v1/users",
            &app.admin.token,
            json!({"email": user.email, "name": "Twin", "role": "hotline", "password": PASSWORD}),
        )
        .await;
    duplicate.assert_problem(409, "duplicate");
    // Nothing changes: nothing to record.
    let unchanged = app.admin_reads(&path).await["name"].clone();
    app.patch(&path, &app.admin.token, json!({"name": unchanged}))
        .await
        .expect(200);

    assert_eq!(app.audit("?limit=500").await.len(), count);
}

#[tokio::test]
async fn the_audit_log_is_paged_newest_first_and_filtered() {
    let (app, hotline) = TestApp::with_staff(Role::Hotline).await;
    let other = app.staff(Role::Technician).await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("?limit=2&cursor={c}"),
            None => "?limit=2".to_string(),
        };
        let path = format!("/api/v1/audit{query}");
        let page = app.read(&path, &app.admin.token).await;
        let page_items = page.items();
        assert!(page_items.len() <= 2);
        seen.extend(page_items.iter().map(|e| e["id"].as_i64().unwrap()));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let all: Vec<i64> = app
        .audit("?limit=500")
        .await
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, all);
    assert!(all.windows(2).all(|w| w[0] > w[1]), "newest first: {all:?}");

    let about = app.audit(&format!("?user_id={}", hotline.id)).await;
    assert!(!about.is_empty());
    assert!(about
        .iter()
        .all(|e| e["subject_user_id"] == hotline.id || e["actor_id"] == hotline.id));
    assert!(about.iter().all(|e| e["subject_user_id"] != other.id));

    for query in [
        "?action=nonsense",
        "?user_id=abc",
        "?limit=0",
        "?cursor=xyz",
    ] {
        let answer = app
            .get(&format!("/api/v1/audit{query}"), &app.admin.token)
            .await;
        answer.assert_problem(422, "validation_failed");
    }
}

/// Runs SQL on the test database and says whether the database accepted it.
async fn try_sql(app: &TestApp, sql: &str) -> Result<(), String> {
    use diesel::RunQueryDsl;
    let url = app.settings.database.url.clone();
    let sql = sql.to_string();
    tokio::task::spawn_blocking(move || {
        let url = helpdesk::db::DatabaseUrl::parse(&url).unwrap();
        let mut conn = helpdesk::db::ConnectionManager::new(url)
            .connect_once()
            .expect("connect to the test database");
        diesel::sql_query(sql)
            .execute(&mut conn)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed_or_erased() {
    let app = TestApp::spawn().await;
    let before = app.audit("?limit=500").await;
    assert!(!before.is_empty());

    for (method, path) in [
        (Method::DELETE, "/api/v1/audit"),
        (Method::PATCH, "/api/v1/audit"),
        (Method::POST, "/api/v1/audit"),
    ] {
        let answer = app
            .call(method, path, Some(&app.admin.token), Some(&json!({})), &[])
            .await;
        answer.assert_problem(405, "method_not_allowed");
    }
    let one = format!("/api/v1/audit/{}", before[0]["id"]);
    assert_eq!(
        app.delete(&one, &app.admin.token).await.status.as_u16(),
        404
    );

    // Not even the database lets it be rewritten.
    let update = try_sql(&app, "UPDATE audit_log SET action = 'forged'").await;
    assert!(update.unwrap_err().contains("append-only"));
    let delete = try_sql(&app, "DELETE FROM audit_log").await;
    assert!(delete.unwrap_err().contains("append-only"));
    assert_eq!(app.audit("?limit=500").await, before);
}

#[tokio::test]
async fn the_openapi_document_describes_the_personal_data_and_audit_endpoints() {
    let app = TestApp::spawn().await;
    let spec = app.anonymous("/openapi.json").await.expect(200).body;
    for (path, method, statuses) in [
        (
            "/api/v1/users/{id}/export",
            "get",
            &["200", "401", "403", "404"][..],
        ),
        (
            "/api/v1/users/{id}/anonymize",
            "post",
            &["200", "401", "403", "404", "422"],
        ),
        (
            "/api/v1/tickets/{id}/anonymize-requester",
            "post",
            &["200", "401", "403", "404"],
        ),
        ("/api/v1/audit", "get", &["200", "401", "403", "422"]),
        ("/api/v1/auth/login", "post", &["200", "401", "429"]),
    ] {
        let operation = &spec["paths"][path][method];
        assert!(operation.is_object(), "no {method} {path}");
        for status in statuses {
            assert!(
                operation["responses"][status].is_object(),
                "no {status} for {method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn anonymization_takes_the_persons_email_out_of_the_audit_log_and_keeps_the_entries() {
    let (app, _, agent) = TestApp::with_agent("FORGOTTEN").await;
    app.login(&agent.email, "not-my-password").await.expect(401);
    app.login(&agent.email, PASSWORD).await.expect(200);
    let about_them = format!("?user_id={}&limit=500", agent.id);
    let before = app.audit(&about_them).await;
    let logins_before = before
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("login_"))
        .count();
    assert!(logins_before >= 3, "{before:?}");
    assert!(serde_json::to_string(&before)
        .unwrap()
        .contains(&agent.email));

    anonymize(&app, agent.id).await.expect(200);

    let after = app.audit(&about_them).await;
    let everything = serde_json::to_string(&app.audit("?limit=500").await).unwrap();
    assert!(
        !everything.contains(&agent.email),
        "the e-mail is still in the audit log: {everything}"
    );
    // Every entry is still there, with what happened, when and to whom.
    let logins_after: Vec<&Value> = after
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("login_"))
        .collect();
    assert_eq!(logins_after.len(), logins_before);
    for entry in &logins_after {
        assert_eq!(entry["subject_user_id"], agent.id);
        assert_eq!(
            entry["details"]["email"],
            format!("anonymized-{}@invalid", agent.id)
        );
    }
    assert!(logins_after
        .iter()
        .any(|e| e["details"]["reason"] == "wrong_password"));
    assert_eq!(after.len(), before.len() + 1, "one more: the anonymization");
}
