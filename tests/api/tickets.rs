//! Tickets over HTTP: filing and its validation, the status table, timestamps, optimistic
//! concurrency, idempotent filing, the import, comments, history and the ticket list.
use crate::common;
use crate::common::Role;

use chrono::Duration;
use common::{all_at_once, paris_today, ticket_path, Answer, TestApp, TestUser, With};
use reqwest::Method;
use serde_json::{json, Value};

const TICKETS: &str = "/api/v1/tickets";
const IMPORT: &str = "/api/v1/tickets/import";

/// A problem of that status and code, about `case`.
#[track_caller]
fn assert_problem_of(answer: &Answer, status: u16, code: &str, case: &str) {
    assert_eq!(answer.status.as_u16(), status, "{case}: {}", answer.body);
    assert!(
        answer.is_problem(),
        "{case}: not a problem: {:?}",
        answer.headers
    );
    assert_eq!(answer.code(), code, "{case}: {}", answer.body);
}

/// A 422 validation_failed problem naming that field.
#[track_caller]
fn assert_invalid(answer: &Answer, field: &str, case: &str) {
    assert_problem_of(answer, 422, "validation_failed", case);
    assert!(
        answer.error_fields().iter().any(|f| f == field),
        "{case}: field {field} not named in {}",
        answer.body
    );
}

/// A 422 invalid_transition problem.
#[track_caller]
fn assert_refused_move(answer: &Answer, case: &str) {
    assert_problem_of(answer, 422, "invalid_transition", case);
}

/// The ids a ticket list gives for that query string, in the order given.
async fn list_ids(app: &TestApp, token: &str, query: &str) -> Vec<i64> {
    let answer = app.read(&format!("{TICKETS}?{query}"), token).await;
    answer.item_ids()
}

async fn ticket_count(app: &TestApp) -> usize {
    list_ids(app, &app.admin.token, "limit=500").await.len()
}

/// The query string of a search for that text (percent-encoded here).
fn q(text: &str) -> String {
    format!("q={}", encode(text))
}

/// A list with that query string, as the holder of the token.
async fn list(app: &TestApp, token: &str, query: &str) -> Answer {
    app.get(&format!("{TICKETS}?{query}"), token).await
}

async fn patch_if_match(app: &TestApp, token: &str, id: i64, body: Value, version: &str) -> Answer {
    let headers = [("If-Match", version)];
    let path = ticket_path(id);
    app.call(Method::PATCH, &path, Some(token), Some(&body), &headers)
        .await
}

async fn file_with_key(app: &TestApp, token: &str, body: Value, key: &str) -> Answer {
    let headers = [("Idempotency-Key", key)];
    app.call(Method::POST, TICKETS, Some(token), Some(&body), &headers)
        .await
}

async fn import(app: &TestApp, rows: Vec<Value>) -> Answer {
    app.import(Value::Array(rows)).await
}

fn import_row(member_id: i64, title: &str, created_at: &str) -> Value {
    common::ticket(title, member_id).with(json!({"created_at": created_at}))
}

/// Percent-encodes a query value (so that `%`, `_` and accents reach the service as typed).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Each query string lists, as the desk's hotline, these ticket ids in this order.
async fn assert_lists<Q: AsRef<str>>(desk: &Desk, lists: impl IntoIterator<Item = (Q, Vec<i64>)>) {
    for (query, expected) in lists {
        let query = query.as_ref();
        let listed = list_ids(&desk.app, &desk.hotline.token, query).await;
        assert_eq!(listed, expected, "{query}");
    }
}

fn descending(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids
}

/// A service with a member, a hotline operator and a technician.
struct Desk {
    app: TestApp,
    member: i64,
    hotline: TestUser,
    technician: TestUser,
}

async fn desk() -> Desk {
    desk_with(|_| {}).await
}

/// A desk whose service runs with settings adjusted by `tune`.
async fn desk_with(tune: impl FnOnce(&mut helpdesk::config::Settings)) -> Desk {
    let app = TestApp::spawn_with(tune).await;
    let member = app.create_member("VILLEJUIF").await;
    let hotline = app.staff(Role::Hotline).await;
    let technician = app.staff(Role::Technician).await;
    Desk {
        app,
        member,
        hotline,
        technician,
    }
}

impl Desk {
    async fn file(&self, title: &str) -> i64 {
        self.app
            .filed(&self.hotline.token, Some(self.member), title)
            .await
    }

    /// A filing's body for the desk's member: that title, no description.
    fn ticket(&self, title: &str) -> Value {
        common::ticket(title, self.member)
    }

    /// Files that body as the hotline.
    async fn submit(&self, body: Value) -> Answer {
        self.app.file(&self.hotline.token, body).await
    }

    /// Changes a ticket as the hotline.
    async fn change(&self, id: i64, body: Value) -> Answer {
        self.app.change(id, &self.hotline.token, body).await
    }

    /// Changes a ticket as the hotline if it is still at that version (`If-Match`).
    async fn change_if(&self, id: i64, body: Value, version: &str) -> Answer {
        patch_if_match(&self.app, &self.hotline.token, id, body, version).await
    }

    /// Assigns a ticket to the desk's technician, as the hotline.
    async fn assign(&self, id: i64) -> Answer {
        let technician = self.technician.id;
        self.app.assign(id, &self.hotline.token, technician).await
    }

    /// The ticket as the hotline reads it.
    async fn read(&self, id: i64) -> Answer {
        self.app.read(&ticket_path(id), &self.hotline.token).await
    }

    /// Files that body as the hotline with an `Idempotency-Key`.
    async fn submit_keyed(&self, body: Value, key: &str) -> Answer {
        file_with_key(&self.app, &self.hotline.token, body, key).await
    }

    /// How many tickets there are, as the admin lists them.
    async fn count(&self) -> usize {
        ticket_count(&self.app).await
    }

    /// The ids the admin's list gives for that query string.
    async fn ids_for_admin(&self, query: &str) -> Vec<i64> {
        list_ids(&self.app, &self.app.admin.token, query).await
    }

    /// A filing as the hotline, to send later.
    fn filing(&self) -> reqwest::RequestBuilder {
        self.app.request(Method::POST, TICKETS, &self.hotline.token)
    }

    /// Comments on a ticket as the hotline.
    async fn comment(&self, id: i64, body: Value) -> Answer {
        self.app.comment(id, &self.hotline.token, body).await
    }

    async fn set_status(&self, id: i64, status: &str) {
        let moved = self.change(id, json!({"status": status})).await;
        assert_eq!(moved.expect(200).body["status"], status);
    }

    /// A fresh ticket brought into that status through allowed moves.
    async fn ticket_in(&self, status: &str) -> i64 {
        let id = self.file(&format!("Ticket {status}")).await;
        match status {
            "new" => {}
            "assigned" => {
                let assignee = json!({"assignee_id": self.technician.id});
                let assigned = self.change(id, assignee).await.expect(200);
                assert_eq!(assigned.body["status"], "assigned");
            }
            "closed" => {
                self.set_status(id, "resolved").await;
                self.set_status(id, "closed").await;
            }
            other => self.set_status(id, other).await,
        }
        id
    }
}

// ---------------------------------------------------------------- filing

#[tokio::test]
async fn a_ticket_filed_with_only_title_and_description_gets_the_documented_defaults() {
    let desk = desk().await;
    let filed = desk
        .submit(desk.ticket("  Imprimante en panne  "))
        .await
        .expect(201);
    let id = filed.id();
    let body = &filed.body;
    assert_eq!(body["title"], "Imprimante en panne");
    assert_eq!(body["description"], "");
    assert_eq!(body["member_id"], desk.member);
    assert_eq!(body["type"], "incident");
    assert_eq!(body["priority"], 3);
    assert_eq!(body["origin"], "hotline");
    assert_eq!(body["channel"], "api");
    assert_eq!(body["status"], "new");
    assert_eq!(body["version"], 1);
    assert!(body["assignee_id"].is_null());
    assert!(body["category_id"].is_null());
    assert!(body["acknowledged_at"].is_null());
    assert!(body["resolved_at"].is_null());
    assert!(body["closed_at"].is_null());
    assert!(body["requester_id"].is_null(), "staff are not requesters");
    assert!(chrono::DateTime::parse_from_rfc3339(body["created_at"].as_str().unwrap()).is_ok());
    assert_eq!(filed.header("etag").as_deref(), Some("\"1\""));
    let location = filed.header("location").expect("a Location header");
    assert!(
        location.ends_with(&format!("/api/v1/tickets/{id}")),
        "Location {location}"
    );

    let read = desk.app.read(&ticket_path(id), &desk.hotline.token).await;
    assert_eq!(read.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(read.body, filed.body);
}

#[tokio::test]
async fn an_agents_ticket_belongs_to_their_member_and_names_them_as_requester() {
    let (app, member, agent) = TestApp::with_agent("ARCUEIL").await;
    let filed = app
        .file(
            &agent.token,
            json!({"title": "Pas de réseau", "description": "salle 3", "type": "request",
                   "priority": 1, "channel": "web", "requester_phone": "+33 1 45 12 34 56"}),
        )
        .await
        .expect(201);
    assert_eq!(filed.body["member_id"], member);
    assert_eq!(filed.body["requester_id"], agent.id);
    assert_eq!(filed.body["type"], "request");
    assert_eq!(filed.body["priority"], 1);
    assert_eq!(filed.body["channel"], "web");
    assert_eq!(filed.body["requester_name"], Value::Null);
    assert_eq!(filed.body["requester_email"], Value::Null);
    assert_eq!(filed.body["requester_phone"], "+33 1 45 12 34 56");
}

#[tokio::test]
async fn an_agent_cannot_name_another_requester_nor_have_mail_sent_anywhere() {
    let (app, member, agent) = TestApp::with_agent("CACHAN").await;
    for (field, value) in [
        ("requester_email", "victim@example.org"),
        ("requester_name", "Mme Durand"),
    ] {
        let mut body = json!({"title": "Spam", "description": "mail them"});
        body[field] = json!(value);
        let refused = app.file(&agent.token, body).await;
        assert_eq!(refused.status.as_u16(), 422, "{}", refused.body);
        assert_eq!(refused.code(), "validation_failed");
        let named = refused.error_fields().iter().any(|f| f == field);
        assert!(named, "{}", refused.body);
    }
    let tickets = app.read(TICKETS, &agent.token).await;
    assert_eq!(tickets.body["items"], json!([]));
    // Staff taking a call name the caller.
    let hotline = app.staff(Role::Hotline).await;
    let caller = json!({"requester_name": "Mme Durand", "requester_email": "Durand@Cachan.FR"});
    let filing = common::ticket("Appel", member).with(caller);
    let filed = app.file(&hotline.token, filing).await.expect(201);
    assert_eq!(filed.body["requester_email"], "durand@cachan.fr");
    assert_eq!(filed.body["requester_name"], "Mme Durand");
}

#[tokio::test]
async fn filing_refuses_each_bad_text_or_vocabulary_field_by_name_and_creates_nothing() {
    let desk = desk().await;
    let good =
        json!({"title": "Écran noir", "description": "depuis ce matin", "member_id": desk.member});
    let cases: Vec<(&str, &str, Value)> = vec![
        ("blank title", "title", json!("   ")),
        ("empty title", "title", json!("")),
        ("title of 201 characters", "title", json!("x".repeat(201))),
        (
            "description of 20,001 characters",
            "description",
            json!("d".repeat(20_001)),
        ),
        ("unknown type", "type", json!("bug")),
        ("priority 0", "priority", json!(0)),
        ("priority 5", "priority", json!(5)),
        ("unknown origin", "origin", json!("mail")),
        ("unknown channel", "channel", json!("fax")),
        (
            "requester e-mail without @",
            "requester_email",
            json!("durand.arcueil.fr"),
        ),
        (
            "requester e-mail with two @",
            "requester_email",
            json!("a@b@c.fr"),
        ),
        (
            "requester phone in words",
            "requester_phone",
            json!("call me maybe"),
        ),
        ("requester phone too short", "requester_phone", json!("12")),
    ];
    for (case, field, value) in cases {
        let mut body = good.clone();
        body[field] = value;
        let answer = desk.submit(body).await;
        assert_invalid(&answer, field, case);
    }
    assert_eq!(desk.count().await, 0, "a refused filing created a ticket");
}

#[tokio::test]
async fn filing_accepts_a_title_of_200_multibyte_characters_and_a_description_of_20000() {
    let desk = desk().await;
    let title = "é".repeat(200);
    let description = "€".repeat(20_000);
    let filed = desk
        .submit(json!({"title": title, "description": description, "member_id": desk.member}))
        .await
        .expect(201);
    let read = desk.app.ticket(filed.id()).await;
    assert_eq!(read["title"], title.as_str());
    assert_eq!(
        read["description"].as_str().unwrap().chars().count(),
        20_000
    );
}

#[tokio::test]
async fn staff_filing_without_member_id_is_refused_by_name() {
    let desk = desk().await;
    let answer = desk
        .submit(json!({"title": "Sans membre", "description": ""}))
        .await;
    assert_invalid(&answer, "member_id", "staff without member_id");
    assert_eq!(desk.count().await, 0);
}

#[tokio::test]
async fn filing_for_an_unknown_member_or_a_member_that_left_yesterday_is_refused() {
    let desk = desk().await;
    let yesterday = paris_today() - Duration::days(1);
    let gone = desk
        .app
        .create_member_with(json!({"code": "PARTI", "name": "Parti", "kind": "city",
                                    "joined_on": "2010-01-01", "left_on": yesterday}))
        .await;
    for (case, member) in [
        ("unknown member", 999_999),
        ("member that left yesterday", gone),
    ] {
        let answer = desk.submit(common::ticket("Panne", member)).await;
        assert_invalid(&answer, "member_id", case);
    }
    assert_eq!(desk.count().await, 0);
}

#[tokio::test]
async fn a_member_whose_left_on_is_today_may_still_file() {
    let desk = desk().await;
    let leaving = desk
        .app
        .create_member_with(
            json!({"code": "SORTANT", "name": "Sortant", "kind": "school",
                                    "joined_on": "2010-01-01", "left_on": paris_today()}),
        )
        .await;
    let filed = desk
        .submit(common::ticket("Dernier jour", leaving))
        .await
        .expect(201);
    assert_eq!(filed.body["member_id"], leaving);
}

#[tokio::test]
async fn filing_with_an_unknown_category_is_refused_and_a_known_one_is_kept() {
    let desk = desk().await;
    let answer = desk
        .submit(desk.ticket("Panne").with(json!({"category_id": 999_999})))
        .await;
    assert_invalid(&answer, "category_id", "unknown category");
    assert_eq!(desk.count().await, 0);

    let category = create_category(&desk.app, "Catégorie de test").await;
    let filed = desk
        .submit(desk.ticket("Panne").with(json!({"category_id": category})))
        .await
        .expect(201);
    assert_eq!(filed.body["category_id"], category);
}

/// Creates a category as the admin; its id.
async fn create_category(app: &TestApp, name: &str) -> i64 {
    let category = json!({"name": name});
    let created = app.post("/api/v1/categories", &app.admin.token, category);
    created.await.expect(201).id()
}

// ---------------------------------------------------------------- status table

#[tokio::test]
async fn every_move_of_the_status_table_succeeds_through_patch() {
    let desk = desk().await;
    let allowed = [
        ("new", "in_progress"),
        ("new", "waiting"),
        ("new", "resolved"),
        ("assigned", "in_progress"),
        ("assigned", "waiting"),
        ("assigned", "resolved"),
        ("in_progress", "waiting"),
        ("in_progress", "resolved"),
        ("waiting", "in_progress"),
        ("waiting", "resolved"),
        ("resolved", "closed"),
        ("resolved", "in_progress"),
    ];
    for (from, to) in allowed {
        let id = desk.ticket_in(from).await;
        let before = desk.app.ticket(id).await;
        assert_eq!(before["status"], from);
        let version = before["version"].as_i64().unwrap();
        let moved = desk.change(id, json!({"status": to})).await;
        assert_eq!(moved.status.as_u16(), 200, "{from} -> {to}: {}", moved.body);
        assert_eq!(moved.body["status"], to, "{from} -> {to}");
        assert_eq!(moved.body["version"], version + 1, "{from} -> {to}");
        assert_eq!(
            moved.header("etag"),
            Some(format!("\"{}\"", version + 1)),
            "{from} -> {to}"
        );
        assert_eq!(desk.app.ticket(id).await["status"], to, "{from} -> {to}");
    }
}

#[tokio::test]
async fn setting_an_assignee_on_a_new_ticket_makes_it_assigned() {
    let desk = desk().await;
    let id = desk.ticket_in("new").await;
    let assignee = json!({"assignee_id": desk.technician.id});
    let assigned = desk.change(id, assignee).await.expect(200);
    assert_eq!(assigned.body["status"], "assigned");
    assert_eq!(assigned.body["assignee_id"], desk.technician.id);
    assert_eq!(assigned.body["version"], 2);
    let read = desk.app.ticket(id).await;
    assert_eq!(read["status"], "assigned");
    assert_eq!(read["assignee_id"], desk.technician.id);
}

#[tokio::test]
async fn moves_the_status_table_refuses_are_invalid_transitions_and_change_nothing() {
    let desk = desk().await;
    let tech = desk.technician.id;
    let refused: Vec<(&str, Value)> = vec![
        ("closed", json!({"status": "new"})),
        ("closed", json!({"status": "in_progress"})),
        ("closed", json!({"status": "waiting"})),
        ("closed", json!({"status": "resolved"})),
        ("closed", json!({"assignee_id": tech})),
        ("closed", json!({"status": "assigned", "assignee_id": tech})),
        ("resolved", json!({"status": "waiting"})),
        ("resolved", json!({"status": "new"})),
        ("resolved", json!({"assignee_id": tech})),
        ("in_progress", json!({"status": "new"})),
        ("in_progress", json!({"status": "assigned"})),
        ("waiting", json!({"status": "closed"})),
        ("waiting", json!({"status": "new"})),
        ("assigned", json!({"status": "new"})),
        ("assigned", json!({"status": "closed"})),
        ("assigned", json!({"assignee_id": null})),
        ("new", json!({"status": "closed"})),
        ("new", json!({"status": "assigned"})),
    ];
    for (from, body) in refused {
        let case = format!("{from} with {body}");
        let id = desk.ticket_in(from).await;
        let before = desk.app.read(&ticket_path(id), &desk.app.admin.token).await;
        let answer = desk.change(id, body).await;
        assert_refused_move(&answer, &case);
        let after = desk.app.read(&ticket_path(id), &desk.app.admin.token).await;
        assert_eq!(after.body, before.body, "{case}: the ticket changed");
        assert_eq!(after.header("etag"), before.header("etag"), "{case}");
    }
}

#[tokio::test]
async fn asking_for_the_current_status_changes_nothing() {
    let desk = desk().await;
    let id = desk.ticket_in("waiting").await;
    let before = desk.app.ticket(id).await;
    let same = desk
        .change(id, json!({"status": "waiting"}))
        .await
        .expect(200);
    assert_eq!(same.body["version"], before["version"]);
    assert_eq!(desk.app.ticket(id).await, before);
}

#[tokio::test]
async fn an_unknown_status_word_is_a_validation_error_naming_status() {
    let desk = desk().await;
    let id = desk.ticket_in("new").await;
    let before = desk.app.ticket(id).await;
    let answer = desk.change(id, json!({"status": "open"})).await;
    assert_invalid(&answer, "status", "status open");
    assert_eq!(desk.app.ticket(id).await, before);
}

// ---------------------------------------------------------------- timestamps

#[tokio::test]
async fn the_first_assignment_acknowledges_a_ticket_and_later_steps_keep_that_time() {
    let desk = desk().await;
    let id = desk.file("Imprimante").await;
    assert!(desk.app.ticket(id).await["acknowledged_at"].is_null());
    let assigned = desk.assign(id).await.expect(200);
    let acknowledged = assigned.body["acknowledged_at"].clone();
    assert!(acknowledged.is_string(), "{}", assigned.body);

    // Timestamps are kept to the second: later steps must happen in another second to show a change.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let other = desk.app.staff(Role::Technician).await;
    let assignee = json!({"assignee_id": other.id});
    desk.change(id, assignee).await.expect(200);
    desk.set_status(id, "in_progress").await;
    let answer = json!({"body": "On s'en occupe"});
    desk.comment(id, answer).await.expect(201);
    desk.set_status(id, "resolved").await;
    desk.set_status(id, "in_progress").await;
    assert_eq!(desk.app.ticket(id).await["acknowledged_at"], acknowledged);
}

#[tokio::test]
async fn an_imported_acknowledgement_time_survives_every_later_step() {
    let desk = desk().await;
    let mut row = import_row(desk.member, "Ancien ticket", "2018-05-02T07:00:00Z");
    row["status"] = json!("waiting");
    row["acknowledged_at"] = json!("2018-05-02T08:00:00Z");
    let id = desk.app.imported(json!([row])).await[0];
    desk.set_status(id, "in_progress").await;
    desk.assign(id).await.expect(200);
    let answer = json!({"body": "Réponse publique"});
    desk.comment(id, answer).await.expect(201);
    desk.set_status(id, "resolved").await;
    desk.set_status(id, "in_progress").await;
    assert_eq!(
        desk.app.ticket(id).await["acknowledged_at"],
        "2018-05-02T08:00:00Z"
    );
}

#[tokio::test]
async fn only_a_public_staff_comment_acknowledges_a_ticket() {
    let (app, _, agent) = TestApp::with_agent("GENTILLY").await;
    let hotline = app.staff(Role::Hotline).await;
    let id = app.filed(&agent.token, None, "Messagerie").await;
    for (who, comment, otherwise) in [
        (
            &hotline,
            json!({"body": "note interne", "internal": true}),
            "an internal comment acknowledged the ticket",
        ),
        (
            &agent,
            json!({"body": "toujours en panne"}),
            "the agent's own comment acknowledged the ticket",
        ),
    ] {
        app.comment(id, &who.token, comment).await.expect(201);
        let acknowledged = app.ticket(id).await["acknowledged_at"].clone();
        assert!(acknowledged.is_null(), "{otherwise}");
    }
    let answer = json!({"body": "nous regardons"});
    app.comment(id, &hotline.token, answer).await.expect(201);
    let read = app.ticket(id).await;
    assert!(read["acknowledged_at"].is_string(), "{read}");
    assert_eq!(read["status"], "new", "a comment does not move the status");
}

#[tokio::test]
async fn the_first_move_to_in_progress_or_resolved_acknowledges_but_waiting_does_not() {
    let desk = desk().await;
    let waiting = desk.ticket_in("waiting").await;
    assert!(desk.app.ticket(waiting).await["acknowledged_at"].is_null());
    desk.set_status(waiting, "in_progress").await;
    assert!(desk.app.ticket(waiting).await["acknowledged_at"].is_string());

    let started = desk.ticket_in("in_progress").await;
    assert!(desk.app.ticket(started).await["acknowledged_at"].is_string());

    let solved = desk.ticket_in("resolved").await;
    let read = desk.app.ticket(solved).await;
    assert!(read["acknowledged_at"].is_string());
    assert!(read["resolved_at"].is_string());
}

#[tokio::test]
async fn resolved_at_is_set_cleared_on_reopening_and_closed_at_is_set_on_closing() {
    let desk = desk().await;
    let id = desk.ticket_in("in_progress").await;
    let read = desk.app.ticket(id).await;
    assert!(read["resolved_at"].is_null());
    assert!(read["closed_at"].is_null());

    desk.set_status(id, "resolved").await;
    let read = desk.app.ticket(id).await;
    assert!(read["resolved_at"].is_string(), "{read}");
    assert!(read["closed_at"].is_null());

    desk.set_status(id, "in_progress").await;
    let read = desk.app.ticket(id).await;
    assert!(
        read["resolved_at"].is_null(),
        "reopening kept resolved_at: {read}"
    );

    desk.set_status(id, "resolved").await;
    desk.set_status(id, "closed").await;
    let read = desk.app.ticket(id).await;
    assert_eq!(read["status"], "closed");
    assert!(read["closed_at"].is_string(), "{read}");
    assert!(read["resolved_at"].is_string(), "{read}");
}

// ---------------------------------------------------------------- optimistic concurrency

#[tokio::test]
async fn a_patch_with_a_stale_if_match_is_refused_and_changes_nothing() {
    let desk = desk().await;
    let id = desk.file("Ancien titre").await;
    let revised = json!({"title": "Titre revu"});
    desk.change(id, revised).await.expect(200);
    let overwrite = json!({"title": "Écrasé", "priority": 1});
    let stale = desk.change_if(id, overwrite, "\"1\"").await;
    assert_eq!(stale.status.as_u16(), 412, "{}", stale.body);
    assert!(stale.is_problem());
    assert_eq!(stale.code(), "version_conflict");
    let read = desk.app.ticket(id).await;
    assert_eq!(read["title"], "Titre revu");
    assert_eq!(read["priority"], 3);
    assert_eq!(read["version"], 2);
}

#[tokio::test]
async fn a_patch_with_the_current_if_match_bumps_the_version_and_the_etag() {
    let desk = desk().await;
    let id = desk.file("Titre").await;
    let read = desk.read(id).await;
    let etag = read.header("etag").unwrap();
    let changed = desk.change_if(id, json!({"priority": 2}), &etag).await;
    let changed = changed.expect(200);
    assert_eq!(changed.body["version"], 2);
    assert_eq!(changed.body["priority"], 2);
    assert_eq!(changed.header("etag").as_deref(), Some("\"2\""));
    let read = desk.read(id).await;
    assert_eq!(read.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(read.body["priority"], 2);
}

#[tokio::test]
async fn if_match_accepts_bare_weak_and_star_forms_and_refuses_garbage() {
    let desk = desk().await;
    let id = desk.file("Titre").await;
    for (version, priority) in [("1", 1), ("W/\"2\"", 2), ("*", 4)] {
        let changed = desk.change_if(id, json!({"priority": priority}), version);
        let changed = changed.await;
        assert_eq!(
            changed.status.as_u16(),
            200,
            "If-Match {version}: {}",
            changed.body
        );
        assert_eq!(changed.body["priority"], priority);
    }
    let garbage = desk.change_if(id, json!({"priority": 1}), "yesterday");
    let garbage = garbage.await;
    assert_eq!(garbage.status.as_u16(), 400, "{}", garbage.body);
    assert_eq!(garbage.code(), "malformed_request");
    let read = desk.app.ticket(id).await;
    assert_eq!(read["priority"], 4);
    assert_eq!(read["version"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_concurrent_patches_with_one_if_match_exactly_one_wins() {
    let desk = desk().await;
    let id = desk.file("Titre").await;
    let (hotline, technician) = (&desk.hotline.token, &desk.technician.token);
    let (first, second) = tokio::join!(
        patch_if_match(&desk.app, hotline, id, json!({"title": "Premier"}), "\"1\""),
        patch_if_match(
            &desk.app,
            technician,
            id,
            json!({"title": "Second"}),
            "\"1\""
        ),
    );
    let mut statuses = [first.status.as_u16(), second.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412], "{} / {}", first.body, second.body);
    let (winner, loser) = if first.status.as_u16() == 200 {
        (&first, &second)
    } else {
        (&second, &first)
    };
    assert_eq!(loser.code(), "version_conflict");
    let read = desk.app.ticket(id).await;
    assert_eq!(read["version"], 2);
    assert_eq!(read["title"], winner.body["title"]);
}

/// Each answer is a 200.
#[track_caller]
fn assert_each_applied(answers: &[(u16, Value)], what: &str) {
    for (n, (status, body)) in answers.iter().enumerate() {
        assert_eq!(*status, 200, "{what} {n}: {body}");
    }
}

/// PATCHes sent all at once, without `If-Match`: each `(token, ticket, body)`; the statuses and
/// bodies in the same order.
async fn patch_all_at_once(app: &TestApp, patches: Vec<(String, i64, Value)>) -> Vec<(u16, Value)> {
    let patches = patches
        .into_iter()
        .map(|(token, id, body)| (ticket_path(id), token, body))
        .collect();
    app.patch_all_at_once(patches).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_concurrent_patches_without_if_match_all_apply() {
    let desk = desk().await;
    let id = desk.file("Titre").await;
    const WRITERS: usize = 40;
    let patches = (0..WRITERS)
        .map(|n| {
            let token = if n % 2 == 0 {
                &desk.hotline.token
            } else {
                &desk.technician.token
            };
            (token.clone(), id, json!({"title": format!("Titre {n}")}))
        })
        .collect();
    let answers = patch_all_at_once(&desk.app, patches).await;
    assert_each_applied(&answers, "PATCH without If-Match");
    // Each change applied on top of the one before: one version and one history row each.
    let read = desk.app.ticket(id).await;
    assert_eq!(read["version"], 1 + WRITERS as i64, "{read}");
    let history = desk.app.history(id, &desk.app.admin.token).await;
    let titles = history.items().iter().filter(|e| e["field"] == "title");
    let titles = titles.count();
    assert_eq!(titles, WRITERS, "{}", history.body);
}

/// `(member code, priority, tickets)` of the service-level statistics, and tickets per member
/// id of `tickets-by-member`, this year.
async fn counted_by_statistics(app: &TestApp) -> (Vec<(String, i64, i64)>, Vec<(i64, i64)>) {
    let mut by_level = service_levels(app, "&origin=all", &app.admin.token).await;
    by_level.retain(|(_, _, tickets)| *tickets != 0);
    let query = format!("tickets-by-member?year={}&origin=all", common::this_year());
    let members = app.stats(&query, &app.admin.token).await;
    let mut by_member: Vec<(i64, i64)> = members.rows(&["member_id", "tickets"]);
    by_member.retain(|(_, tickets)| *tickets != 0);
    by_member.sort();
    (by_level, by_member)
}

/// This year's `tickets-by-member`, all origins.
async fn tickets_by_member(app: &TestApp, token: &str) -> Value {
    let query = format!("tickets-by-member?year={}&origin=all", common::this_year());
    app.stats(&query, token).await.body
}

/// `(member code, priority, tickets)` of this year's service levels, sorted; `filter` is added
/// to the query (`&origin=all`).
async fn service_levels(app: &TestApp, filter: &str, token: &str) -> Vec<(String, i64, i64)> {
    let query = format!("service-levels?year={}{filter}", common::this_year());
    let levels = app.stats(&query, token).await;
    let mut counted: Vec<(String, i64, i64)> = levels.rows(&["member_code", "priority", "tickets"]);
    counted.sort();
    counted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_swaps_of_member_origin_and_priority_never_fail_and_keep_the_counts() {
    // All at once from one user: room in their line for every one of them.
    let desk = desk_with(|s| s.server.max_waiting_requests_per_user = 1000).await;
    let members = [desk.member, desk.app.create_member("GENTILLY").await];
    let codes = ["VILLEJUIF", "GENTILLY"];
    let origins = ["hotline", "posted"];
    let tickets = [desk.file("Premier").await, desk.file("Second").await];
    // Two tickets moved in opposite directions at once, over and over: each change takes the
    // old and the new rows of counts of both aggregates.
    const SWAPS: usize = 120;
    let patches = (0..SWAPS)
        .flat_map(|n| {
            let token = desk.app.admin.token.clone();
            tickets.iter().enumerate().map(move |(t, id)| {
                let side = (n + t) % 2;
                let body = json!({"member_id": members[side], "origin": origins[side],
                                  "priority": 1 + side as i64});
                (token.clone(), *id, body)
            })
        })
        .collect();
    let answers = patch_all_at_once(&desk.app, patches).await;
    assert_each_applied(&answers, "swap");
    let mut expected_levels = Vec::new();
    let mut expected_members = Vec::new();
    for id in tickets {
        let read = desk.app.ticket(id).await;
        let side = members
            .iter()
            .position(|m| read["member_id"] == *m)
            .unwrap();
        assert_eq!(read["origin"], origins[side], "{read}");
        assert_eq!(read["priority"], 1 + side as i64, "{read}");
        expected_levels.push((codes[side].to_string(), 1 + side as i64, 1));
        expected_members.push((members[side], 1));
    }
    let merge = |mut rows: Vec<(String, i64, i64)>| {
        rows.sort();
        rows.dedup_by(|b, a| {
            let same = a.0 == b.0 && a.1 == b.1;
            if same {
                a.2 += b.2;
            }
            same
        });
        rows
    };
    let expected_levels = merge(expected_levels);
    expected_members.sort();
    expected_members.dedup_by(|b, a| {
        let same = a.0 == b.0;
        if same {
            a.1 += b.1;
        }
        same
    });
    let (levels, by_member) = counted_by_statistics(&desk.app).await;
    assert_eq!(levels, expected_levels, "service-level counts");
    assert_eq!(by_member, expected_members, "tickets by member");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_patches_without_if_match_on_different_fields_are_both_applied() {
    let desk = desk().await;
    let id = desk.file("Titre").await;
    let (first, second) = tokio::join!(
        desk.change(id, json!({"title": "Nouveau titre"})),
        desk.app
            .change(id, &desk.technician.token, json!({"priority": 1})),
    );
    assert_eq!(first.status.as_u16(), 200, "{}", first.body);
    assert_eq!(second.status.as_u16(), 200, "{}", second.body);
    let read = desk.app.ticket(id).await;
    assert_eq!(read["title"], "Nouveau titre");
    assert_eq!(read["priority"], 1);
    assert_eq!(read["version"], 3);
}

// ---------------------------------------------------------------- idempotency

#[tokio::test]
async fn the_same_idempotency_key_and_body_return_the_first_ticket_with_200() {
    let desk = desk().await;
    let body = desk
        .ticket("Scanner")
        .with(json!({"description": "bourrage"}));
    let first = desk.submit_keyed(body.clone(), "key-1").await.expect(201);
    let again = desk.submit_keyed(body, "key-1").await.expect(200);
    assert_eq!(again.id(), first.id());
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.body["title"], "Scanner");
    assert_eq!(desk.ids_for_admin("").await, vec![first.id()]);
}

#[tokio::test]
async fn an_idempotent_replay_ignores_key_order_and_spacing() {
    let desk = desk().await;
    let send = |raw: String| async {
        let response = desk
            .filing()
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", "ordre")
            .body(raw)
            .send();
        Answer::read(response.await.unwrap()).await
    };
    let member = desk.member;
    let first = send(format!(
        r#"{{"title":"Souris","description":"HS","member_id":{member}}}"#
    ));
    let first = first.await;
    assert_eq!(first.status.as_u16(), 201);
    let again = send(format!(
        r#"{{ "member_id" : {member},  "description": "HS", "title": "Souris" }}"#
    ));
    let again = again.await;
    assert_eq!(again.status.as_u16(), 200);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(desk.count().await, 1);
}

#[tokio::test]
async fn the_same_idempotency_key_with_another_body_is_a_conflict() {
    let desk = desk().await;
    let first = desk.submit_keyed(desk.ticket("Scanner"), "key-2").await;
    let first = first.expect(201);
    let reused = desk.submit_keyed(desk.ticket("Autre chose"), "key-2").await;
    assert_eq!(reused.status.as_u16(), 409, "{}", reused.body);
    assert!(reused.is_problem());
    assert_eq!(reused.code(), "idempotency_key_reused");
    assert_eq!(desk.ids_for_admin("").await, vec![first.id()]);
}

#[tokio::test]
async fn idempotency_keys_belong_to_each_user() {
    let desk = desk().await;
    let body = desk.ticket("Scanner");
    let mine = desk.submit_keyed(body.clone(), "shared-key").await;
    let mine = mine.expect(201);
    let theirs = file_with_key(&desk.app, &desk.technician.token, body, "shared-key")
        .await
        .expect(201);
    assert_ne!(mine.id(), theirs.id());
    assert_eq!(desk.count().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_filings_with_one_key_create_exactly_one_ticket() {
    let desk = desk().await;
    let body = desk.ticket("Réseau coupé");
    let filing = || desk.filing().header("Idempotency-Key", "retry-storm");
    let answers = all_at_once((0..10).map(|_| filing().json(&body)).collect()).await;
    let ids = desk.ids_for_admin("").await;
    assert_eq!(ids.len(), 1, "tickets created: {ids:?}");
    for (status, body) in &answers {
        assert!(*status == 200 || *status == 201, "status {status}: {body}");
        assert_eq!(body["id"], ids[0], "{body}");
    }
    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(created, 1, "{answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_filings_are_answered_each_on_its_own_and_all_counted() {
    let desk = desk().await;
    let count = 48;
    let mut requests = Vec::new();
    for n in 0..count {
        // Every fourth names a category that does not exist: refused, without touching the
        // filings committed beside it.
        let body = if n % 4 == 3 {
            desk.ticket(&format!("Refusé {n}"))
                .with(json!({"category_id": 999_999}))
        } else {
            let title = format!("Concurrent {n}");
            desk.ticket(&title).with(json!({"description": "aiguille"}))
        };
        requests.push(desk.filing().json(&body));
    }
    let mut filed = Vec::new();
    for (n, (status, body)) in all_at_once(requests).await.into_iter().enumerate() {
        if n % 4 == 3 {
            assert_eq!(status, 422, "filing {n}: {body}");
            assert_eq!(
                body["errors"][0]["field"], "category_id",
                "filing {n}: {body}"
            );
        } else {
            assert_eq!(status, 201, "filing {n}: {body}");
            assert_eq!(body["title"], format!("Concurrent {n}"), "{body}");
            filed.push(body["id"].as_i64().unwrap());
        }
    }
    filed.sort_unstable();
    filed.dedup();
    assert_eq!(filed.len(), count * 3 / 4, "one ticket per accepted filing");
    let mut listed = desk.ids_for_admin("limit=500").await;
    listed.sort_unstable();
    assert_eq!(listed, filed, "exactly the accepted filings are stored");
    let mut found = desk.ids_for_admin("q=aiguille&limit=500").await;
    found.sort_unstable();
    assert_eq!(found, filed, "each accepted filing is searchable");
    let stats = tickets_by_member(&desk.app, &desk.hotline.token).await;
    assert_eq!(stats["total"], filed.len(), "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn filings_arriving_together_each_get_their_own_mail_history_and_counts() {
    let desk = desk().await;
    let other = desk.app.create_member("GENTILLY").await;
    let agents = [
        desk.app.agent_of(desk.member).await,
        desk.app.agent_of(other).await,
    ];
    // Agents' filings (mail to the agent), the hotline's for a named requester (mail to them)
    // and without one (no mail), some with a key: all at once.
    let (mut requests, mut expectations) = (Vec::new(), Vec::new());
    for n in 0..36usize {
        let (token, body, expected) = match n % 3 {
            0 | 1 => {
                let agent = &agents[n % 2];
                (
                    agent.token.clone(),
                    json!({"title": format!("Ensemble {n}"), "description": "", "priority": 1 + (n % 4) as i64}),
                    (
                        agent.member_id.unwrap(),
                        agent.id,
                        Some(agent.email.clone()),
                    ),
                )
            }
            _ => {
                let member = if n % 2 == 0 { desk.member } else { other };
                let email = (n % 4 == 2).then(|| format!("demandeur{n}@ville.fr"));
                (
                    desk.hotline.token.clone(),
                    common::ticket(&format!("Ensemble {n}"), member)
                        .with(json!({"requester_email": email, "priority": 1 + (n % 4) as i64})),
                    (member, desk.hotline.id, email),
                )
            }
        };
        let mut request = desk.app.request(Method::POST, TICKETS, &token).json(&body);
        if n % 5 == 0 {
            request = request.header("Idempotency-Key", format!("ensemble-{n}"));
        }
        requests.push(request);
        expectations.push(expected);
    }
    let answers = all_at_once(requests).await;
    let mut filed = Vec::new();
    for (n, ((status, body), expected)) in answers.into_iter().zip(expectations).enumerate() {
        assert_eq!(status, 201, "filing {n}: {body}");
        assert_eq!(body["title"], format!("Ensemble {n}"), "{body}");
        assert_eq!(body["member_id"], expected.0, "filing {n}: {body}");
        assert_eq!(body["priority"], 1 + (n % 4) as i64, "filing {n}: {body}");
        filed.push((body["id"].as_i64().unwrap(), n, expected));
    }

    let outbox = desk.app.outbox("?limit=200").await;
    let filings: Vec<Value> = outbox
        .items()
        .iter()
        .filter(|m| m["kind"] == "ticket_filed")
        .cloned()
        .collect();
    let mut mail: Vec<(i64, String)> = common::rows_of(&filings, &["ticket_id", "recipient"]);
    mail.sort();
    let mut expected_mail: Vec<(i64, String)> = filed
        .iter()
        .filter_map(|(id, _, (_, _, email))| email.clone().map(|e| (*id, e)))
        .collect();
    expected_mail.sort();
    assert_eq!(
        mail, expected_mail,
        "one message per filing, to its requester"
    );

    for (id, n, (_, actor, _)) in &filed {
        let history = desk.app.history(*id, &desk.app.admin.token).await;
        let items = history.items();
        assert_eq!(items.len(), 1, "filing {n}: {}", history.body);
        assert_eq!(items[0]["field"], "created", "filing {n}");
        assert_eq!(items[0]["actor_id"], *actor, "filing {n}");
    }

    let counted = service_levels(&desk.app, "", &desk.hotline.token).await;
    let mut expected_levels: std::collections::BTreeMap<(String, i64), i64> = Default::default();
    for (_, n, (member, _, _)) in &filed {
        let code = if *member == desk.member {
            "VILLEJUIF"
        } else {
            "GENTILLY"
        };
        *expected_levels
            .entry((code.to_string(), 1 + (*n % 4) as i64))
            .or_default() += 1;
    }
    let expected_levels: Vec<(String, i64, i64)> = expected_levels
        .into_iter()
        .map(|((code, priority), tickets)| (code, priority, tickets))
        .collect();
    assert_eq!(counted, expected_levels, "{counted:?}");
    let by_member = tickets_by_member(&desk.app, &desk.hotline.token).await;
    assert_eq!(by_member["total"], filed.len(), "{by_member}");
}

/// The database file of a service on SQLite; none on PostgreSQL.
fn sqlite_file(app: &TestApp) -> Option<std::path::PathBuf> {
    app.settings
        .database
        .url
        .strip_prefix("sqlite://")
        .map(std::path::PathBuf::from)
}

/// SQLite only: the database file grows as tickets are filed; skipped on PostgreSQL.
#[tokio::test]
async fn on_sqlite_what_is_filed_reaches_the_database_file_while_the_service_runs() {
    let desk = desk().await;
    let Some(path) = sqlite_file(&desk.app) else {
        return common::skipped("SQLite only: PostgreSQL has no database file of the service's");
    };
    let before = std::fs::metadata(&path).unwrap().len();
    let description = "journal du serveur ".repeat(200);
    for n in 0..300 {
        let title = format!("Volume {n}");
        let body = desk
            .ticket(&title)
            .with(json!({"description": description}));
        desk.submit(body).await.expect(201);
    }
    // Commits write to the log only; the service copies it back into the file in the
    // background.
    let mut after = before;
    for _ in 0..100 {
        after = std::fs::metadata(&path).unwrap().len();
        if after >= before + 1_000_000 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        after >= before + 1_000_000,
        "the file grew from {before} to {after} bytes for 300 tickets of 3.8 kB"
    );
}

/// The checkpoint sequence number in an SQLite write-ahead log's header: it counts the times
/// the log was started over from its beginning.
fn log_restarts(database: &std::path::Path) -> u32 {
    use std::io::Read;
    let mut wal = database.as_os_str().to_owned();
    wal.push("-wal");
    let mut header = [0u8; 16];
    match std::fs::File::open(&wal).and_then(|mut f| f.read_exact(&mut header)) {
        Ok(()) => u32::from_be_bytes([header[12], header[13], header[14], header[15]]),
        Err(_) => 0,
    }
}

/// SQLite only: the write-ahead log of the database file starts over under load; skipped on
/// PostgreSQL.
#[tokio::test]
async fn on_sqlite_the_log_starts_over_while_filings_keep_coming() {
    let desk = desk().await;
    let Some(path) = sqlite_file(&desk.app) else {
        return common::skipped(
            "SQLite only: PostgreSQL has no write-ahead log file of the service's",
        );
    };
    let description = "journal du serveur ".repeat(200);
    let before = log_restarts(&path);
    // Eight clients file without a pause until the log has started over three times: there is
    // always a filing on its way to the database while the log is copied back. Without the
    // restarts the log only grows, and the clients give up after thirty seconds.
    let started_over = move || log_restarts(&path).wrapping_sub(before);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut clients = Vec::new();
    for client in 0..8 {
        let title = format!("Sans pause {client}");
        let body = desk
            .ticket(&title)
            .with(json!({"description": description}));
        let request = desk.filing().json(&body);
        let done = done.clone();
        clients.push(tokio::spawn(async move {
            let mut filed = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let response = request
                    .try_clone()
                    .unwrap()
                    .send()
                    .await
                    .expect("an answer");
                assert_eq!(response.status().as_u16(), 201);
                filed += 1;
            }
            filed
        }));
    }
    while started_over() < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut filed = 0;
    for client in clients {
        filed += client.await.unwrap();
    }
    let restarts = started_over();
    // Each restart reuses the log from its beginning: without them it grows by every filing.
    assert!(
        restarts >= 3,
        "the log started over {restarts} times in thirty seconds of {filed} filings"
    );
}

#[tokio::test]
async fn an_idempotency_key_of_256_characters_is_refused_and_255_accepted() {
    let desk = desk().await;
    let body = desk.ticket("Clé");
    let long = desk.submit_keyed(body.clone(), &"k".repeat(256)).await;
    assert_eq!(long.status.as_u16(), 422, "{}", long.body);
    assert_eq!(long.code(), "validation_failed");
    assert_eq!(desk.count().await, 0);
    let key = "k".repeat(255);
    desk.submit_keyed(body, &key).await.expect(201);
}

// ---------------------------------------------------------------- import

#[tokio::test]
async fn only_an_admin_may_import() {
    let desk = desk().await;
    let manager = desk.app.staff(Role::Manager).await;
    let agent = desk.app.agent_of(desk.member).await;
    let rows = json!([import_row(desk.member, "Ancien", "2017-03-01T08:00:00Z")]);
    for (role, token) in [
        ("manager", &manager.token),
        ("hotline", &desk.hotline.token),
        ("agent", &agent.token),
    ] {
        let answer = desk.app.post(IMPORT, token, rows.clone()).await;
        assert_eq!(answer.status.as_u16(), 403, "{role}: {}", answer.body);
        assert_eq!(answer.code(), "forbidden", "{role}");
    }
    assert_eq!(desk.count().await, 0);
}

#[tokio::test]
async fn an_import_keeps_the_given_statuses_and_timestamps() {
    let desk = desk().await;
    let rows = vec![
        json!({"title": "Clos", "description": "ancien", "member_id": desk.member,
               "type": "request", "priority": 2, "origin": "posted", "channel": "phone",
               "status": "closed", "created_at": "2017-03-01T08:00:00Z",
               "acknowledged_at": "2017-03-01T09:00:00Z", "resolved_at": "2017-03-02T10:00:00Z",
               "closed_at": "2017-03-05T10:00:00Z"}),
        desk.ticket("Résolu").with(
            json!({"status": "resolved", "created_at": "2017-04-10T12:00:00+02:00",
               "resolved_at": "2017-04-11T10:00:00Z"}),
        ),
        desk.ticket("En cours").with(
            json!({"status": "in_progress", "assignee_id": desk.technician.id,
               "created_at": "2017-05-01T07:00:00Z", "acknowledged_at": "2017-05-01T07:30:00Z"}),
        ),
    ];
    let imported = import(&desk.app, rows).await.expect(201);
    assert_eq!(imported.body["created"], 3);
    let ids = imported.imported_ids();
    assert_eq!(ids.len(), 3);

    let closed = desk.app.ticket(ids[0]).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["created_at"], "2017-03-01T08:00:00Z");
    assert_eq!(closed["acknowledged_at"], "2017-03-01T09:00:00Z");
    assert_eq!(closed["resolved_at"], "2017-03-02T10:00:00Z");
    assert_eq!(closed["closed_at"], "2017-03-05T10:00:00Z");
    assert_eq!(closed["type"], "request");
    assert_eq!(closed["priority"], 2);
    assert_eq!(closed["origin"], "posted");
    assert_eq!(closed["channel"], "phone");

    let resolved = desk.app.ticket(ids[1]).await;
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["created_at"], "2017-04-10T10:00:00Z");
    assert_eq!(resolved["resolved_at"], "2017-04-11T10:00:00Z");
    assert!(resolved["closed_at"].is_null());

    let started = desk.app.ticket(ids[2]).await;
    assert_eq!(started["status"], "in_progress");
    assert_eq!(started["assignee_id"], desk.technician.id);
    assert_eq!(started["created_at"], "2017-05-01T07:00:00Z");
    assert_eq!(started["acknowledged_at"], "2017-05-01T07:30:00Z");
    assert!(started["resolved_at"].is_null());

    assert_eq!(desk.count().await, 3);
}

#[tokio::test]
async fn an_import_with_one_bad_row_names_it_and_imports_nothing() {
    let desk = desk().await;
    desk.file("Déjà là").await;
    let rows = vec![
        import_row(desk.member, "Un", "2017-01-10T08:00:00Z"),
        import_row(desk.member, "Deux", "2017-01-11T08:00:00Z"),
        import_row(999_999, "Trois", "2017-01-12T08:00:00Z"),
    ];
    let answer = import(&desk.app, rows).await;
    assert_invalid(&answer, "[2].member_id", "unknown member in row 2");
    assert_eq!(desk.count().await, 1, "part of the batch was imported");
}

#[tokio::test]
async fn an_import_needs_the_member_on_the_paris_date_of_created_at() {
    let desk = desk().await;
    let joined = desk
        .app
        .create_member_with(
            json!({"code": "NOUVEAU", "name": "Nouveau", "kind": "syndicate",
                                    "joined_on": "2018-02-01"}),
        )
        .await;
    let import_one = |member, title, at| import(&desk.app, vec![import_row(member, title, at)]);
    // 22:30 UTC on 31 January is 23:30 in Paris: still January, before joining.
    let early = import_one(joined, "Trop tôt", "2018-01-31T22:30:00Z").await;
    assert_invalid(&early, "[0].member_id", "before joined_on");
    assert_eq!(desk.count().await, 0);
    // 23:30 UTC on 31 January is already 1 February in Paris.
    let first_day = import_one(joined, "Premier jour", "2018-01-31T23:30:00Z");
    first_day.await.expect(201);

    let left = desk
        .app
        .create_member_with(json!({"code": "ANCIEN", "name": "Ancien", "kind": "city",
                                    "joined_on": "2010-01-01", "left_on": "2017-12-31"}))
        .await;
    let before = import_one(left, "Du temps d'avant", "2017-06-01T10:00:00Z");
    before.await.expect(201);
    let after = import_one(left, "Après départ", "2018-01-02T10:00:00Z").await;
    assert_invalid(&after, "[0].member_id", "after left_on");
    assert_eq!(desk.count().await, 2);
}

#[tokio::test]
async fn an_import_refuses_a_resolution_before_creation() {
    let desk = desk().await;
    let mut row = import_row(desk.member, "À l'envers", "2017-03-01T08:00:00Z");
    row["resolved_at"] = json!("2017-02-28T08:00:00Z");
    let answer = import(&desk.app, vec![row]).await;
    assert_invalid(&answer, "[0].resolved_at", "resolved before created");
    assert_eq!(desk.count().await, 0);
}

#[tokio::test]
async fn an_import_of_more_than_10000_tickets_is_refused() {
    let desk = desk().await;
    let row = desk
        .ticket("t")
        .with(json!({"created_at": "2017-01-01T00:00:00Z"}));
    let rows = vec![row; 10_001];
    let answer = import(&desk.app, rows).await;
    assert_eq!(answer.status.as_u16(), 422, "{}", answer.body);
    assert_eq!(answer.code(), "validation_failed");
    assert_eq!(desk.count().await, 0);
}

// ---------------------------------------------------------------- comments

#[tokio::test]
async fn agents_see_public_comments_but_never_internal_ones() {
    let (app, _, agent) = TestApp::with_agent("CACHAN").await;
    let hotline = app.staff(Role::Hotline).await;
    let id = app.filed(&agent.token, None, "Téléphone muet").await;
    let path = format!("{}/comments", ticket_path(id));

    let note = json!({"body": "à voir avec l'opérateur", "internal": true});
    let internal = app.comment(id, &hotline.token, note).await.expect(201);
    assert_eq!(internal.body["internal"], true);
    assert_eq!(internal.body["ticket_id"], id);
    assert_eq!(internal.body["author_id"], hotline.id);
    let own = json!({"body": "toujours muet"});
    let from_agent = app.comment(id, &agent.token, own).await.expect(201);
    assert_eq!(from_agent.body["internal"], false);
    assert_eq!(from_agent.body["author_id"], agent.id);
    let answer = json!({"body": "technicien en route"});
    let public = app.comment(id, &hotline.token, answer).await.expect(201);
    assert_eq!(public.body["internal"], false);

    let seen_by_agent = app.read(&path, &agent.token).await.item_ids();
    assert_eq!(seen_by_agent, vec![public.id(), from_agent.id()]);
    let seen_by_staff = app.read(&path, &hotline.token).await.item_ids();
    assert_eq!(
        seen_by_staff,
        vec![public.id(), from_agent.id(), internal.id()]
    );
}

// ---------------------------------------------------------------- history

#[tokio::test]
async fn history_lists_every_change_newest_first_with_its_actor() {
    let desk = desk().await;
    let manager = desk.app.staff(Role::Manager).await;
    let id = desk.file("Serveur lent").await;
    let (manager, technician) = (&manager, &desk.technician);
    for (who, change) in [
        (manager, json!({"assignee_id": technician.id})),
        (manager, json!({"priority": 1})),
        (technician, json!({"status": "in_progress"})),
    ] {
        desk.app.change(id, &who.token, change).await.expect(200);
    }

    let history = desk.app.history(id, &desk.hotline.token).await;
    let items = history.items();
    assert!(history.body["next_cursor"].is_null());
    let entry = |i: usize| {
        (
            items[i]["field"].as_str().unwrap_or(""),
            items[i]["from"].clone(),
            items[i]["to"].clone(),
            items[i]["actor_id"].as_i64().unwrap_or(0),
        )
    };

    assert_eq!(
        entry(0),
        (
            "status",
            json!("assigned"),
            json!("in_progress"),
            desk.technician.id
        )
    );
    assert_eq!(entry(1), ("priority", json!("3"), json!("1"), manager.id));
    let last = items.len() - 1;
    assert_eq!(
        entry(last),
        ("created", Value::Null, json!("new"), desk.hotline.id)
    );
    let assigning: Vec<_> = (2..last).map(entry).collect();
    assert!(
        assigning.contains(&(
            "assignee_id",
            Value::Null,
            json!(desk.technician.id.to_string()),
            manager.id
        )),
        "{assigning:?}"
    );
    assert!(
        assigning.contains(&("status", json!("new"), json!("assigned"), manager.id)),
        "{assigning:?}"
    );

    let ids: Vec<i64> = items.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, descending(ids.clone()), "not newest first");
    for item in items {
        assert!(
            chrono::DateTime::parse_from_rfc3339(item["at"].as_str().unwrap()).is_ok(),
            "{item}"
        );
    }
}

#[tokio::test]
async fn history_records_comments_as_public_or_internal() {
    let desk = desk().await;
    let id = desk.file("Wifi").await;
    let note = json!({"body": "note", "internal": true});
    let internal = desk.app.comment(id, &desk.technician.token, note).await;
    let internal = internal.expect(201).id();
    let public = desk.comment(id, json!({"body": "réponse"})).await;
    let public = public.expect(201).id();
    let history = desk.app.history(id, &desk.hotline.token).await;
    let comments: Vec<(Value, Value)> = history
        .items()
        .iter()
        .filter(|e| e["field"] == "comment")
        .map(|e| (e["to"].clone(), e["actor_id"].clone()))
        .collect();
    assert_eq!(
        comments,
        vec![
            (
                json!(format!("public comment {public}")),
                json!(desk.hotline.id)
            ),
            (
                json!(format!("internal comment {internal}")),
                json!(desk.technician.id)
            ),
        ]
    );
}

// ---------------------------------------------------------------- lists

#[tokio::test]
async fn the_list_filters_by_one_status_or_a_comma_list() {
    let desk = desk().await;
    let fresh = desk.ticket_in("new").await;
    let started = desk.ticket_in("in_progress").await;
    let waiting = desk.ticket_in("waiting").await;
    let closed = desk.ticket_in("closed").await;
    let token = &desk.hotline.token;
    assert_lists(
        &desk,
        [
            ("status=new", vec![fresh]),
            ("status=closed", vec![closed]),
            (
                "status=in_progress,waiting",
                descending(vec![started, waiting]),
            ),
            (
                "status=new,closed,waiting",
                descending(vec![fresh, waiting, closed]),
            ),
        ],
    )
    .await;
    assert!(list_ids(&desk.app, token, "status=resolved")
        .await
        .is_empty());
    let unknown = list(&desk.app, token, "status=new,open").await;
    assert_invalid(&unknown, "status", "unknown status in list");
}

#[tokio::test]
async fn the_list_filters_by_member_assignee_category_priority_and_origin() {
    let desk = desk().await;
    let token = &desk.hotline.token;
    let other_member = desk.app.create_member("KREMLIN").await;
    let other_tech = desk.app.staff(Role::Technician).await;
    let category = create_category(&desk.app, "Autre catégorie de test").await;

    let plain = desk.file("Simple").await;
    let posted = json!({"priority": 1, "origin": "posted"});
    let elsewhere = desk.submit(common::ticket("Ailleurs", other_member).with(posted));
    let elsewhere = elsewhere.await.expect(201).id();
    let categorized = json!({"category_id": category, "priority": 1});
    let printed = desk.submit(desk.ticket("Imprimante").with(categorized));
    let printed = printed.await.expect(201).id();
    let mine = desk.file("Pour le technicien").await;
    let assignee = json!({"assignee_id": desk.technician.id});
    desk.change(mine, assignee).await.expect(200);
    let theirs = desk.file("Pour l'autre").await;
    let assignee = json!({"assignee_id": other_tech.id});
    desk.change(theirs, assignee).await.expect(200);

    let all = descending(vec![plain, elsewhere, printed, mine, theirs]);
    let (ours, technician) = (desk.member, desk.technician.id);
    assert_lists(
        &desk,
        [
            ("".to_string(), all),
            (
                format!("member_id={ours}"),
                descending(vec![plain, printed, mine, theirs]),
            ),
            (format!("member_id={other_member}"), vec![elsewhere]),
            (format!("assignee_id={technician}"), vec![mine]),
            (format!("assignee_id={}", other_tech.id), vec![theirs]),
            (format!("category_id={category}"), vec![printed]),
            (
                "priority=1".to_string(),
                descending(vec![elsewhere, printed]),
            ),
            (
                "priority=3".to_string(),
                descending(vec![plain, mine, theirs]),
            ),
            ("origin=posted".to_string(), vec![elsewhere]),
            (
                "origin=hotline".to_string(),
                descending(vec![plain, printed, mine, theirs]),
            ),
            (format!("priority=1&member_id={ours}"), vec![printed]),
        ],
    )
    .await;
    for (query, field) in [
        ("priority=5", "priority"),
        ("origin=fax", "origin"),
        ("member_id=abc", "member_id"),
        ("assignee_id=-1", "assignee_id"),
        ("category_id=x", "category_id"),
    ] {
        assert_invalid(&list(&desk.app, token, query).await, field, query);
    }
}

#[tokio::test]
async fn created_from_and_created_to_are_inclusive_paris_dates() {
    let desk = desk().await;
    let rows = vec![
        import_row(desk.member, "mi-janvier", "2018-01-15T10:00:00Z"),
        import_row(
            desk.member,
            "fin janvier UTC, février à Paris",
            "2018-01-31T23:30:00Z",
        ),
        import_row(desk.member, "mi-février", "2018-02-15T10:00:00Z"),
        import_row(desk.member, "premier mars", "2018-03-01T10:00:00Z"),
    ];
    let ids = import(&desk.app, rows).await.expect(201).imported_ids();
    let (mid_jan, late_jan, mid_feb, first_mar) = (ids[0], ids[1], ids[2], ids[3]);
    let token = &desk.hotline.token;
    assert_lists(
        &desk,
        [
            ("created_to=2018-01-31", vec![mid_jan]),
            (
                "created_from=2018-02-01&created_to=2018-02-01",
                vec![late_jan],
            ),
            (
                "created_from=2018-02-01&created_to=2018-02-28",
                vec![mid_feb, late_jan],
            ),
            (
                "created_from=2018-02-15&created_to=2018-03-01",
                vec![first_mar, mid_feb],
            ),
            ("created_from=2018-03-01", vec![first_mar]),
        ],
    )
    .await;
    assert!(list_ids(&desk.app, token, "created_from=2018-03-02")
        .await
        .is_empty());
    for query in ["created_from=2018-13-01", "created_to=31/01/2018"] {
        let field = query.split('=').next().unwrap();
        assert_invalid(&list(&desk.app, token, query).await, field, query);
    }
}

#[tokio::test]
async fn q_searches_title_and_description_case_insensitively_with_accents() {
    let desk = desk().await;
    let token = &desk.hotline.token;
    let in_title = desk.file("Écran noir au démarrage").await;
    let described = json!({"description": "L'ÉCRAN clignote aussi"});
    let in_description = desk.submit(desk.ticket("Souris").with(described));
    let in_description = in_description.await.expect(201).id();
    let unrelated = desk.file("Clavier").await;

    let both = descending(vec![in_title, in_description]);
    let spellings = ["ÉCRAN", "écran", "Écran", "éCrAn"];
    assert_lists(&desk, spellings.map(|text| (q(text), both.clone()))).await;
    assert_lists(
        &desk,
        [
            (q("DÉMARRAGE"), vec![in_title]),
            (q("clavier"), vec![unrelated]),
        ],
    )
    .await;
    assert!(list_ids(&desk.app, token, &q("imprimante"))
        .await
        .is_empty());
}

#[tokio::test]
async fn q_takes_percent_and_underscore_literally() {
    let desk = desk().await;
    let full = desk.file("Disque plein à 100%").await;
    let big = desk.file("Disque de 1000 Go").await;
    let underscored = desk.file("Fichier rapport_2018.pdf").await;
    let spaced = desk.file("Fichier rapport 2018.pdf").await;
    assert_lists(
        &desk,
        [
            (q("100%"), vec![full]),
            (q("%"), vec![full]),
            (q("rapport_2018"), vec![underscored]),
            (q("rapport 2018"), vec![spaced]),
            (q("disque"), descending(vec![full, big])),
        ],
    )
    .await;
}

/// Follows `next_cursor` from the first page; returns the pages.
async fn pages(app: &TestApp, token: &str, query: &str) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("{TICKETS}?{query}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={}", encode(cursor)));
        }
        let page = app.read(&path, token).await;
        pages.push(page.item_ids());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => {
                assert!(page.body["next_cursor"].is_null(), "{}", page.body);
                return pages;
            }
        }
        assert!(pages.len() < 100, "pagination does not end: {pages:?}");
    }
}

#[tokio::test]
async fn keyset_pages_are_disjoint_newest_first_and_end_with_a_null_cursor() {
    let desk = desk().await;
    let token = &desk.hotline.token;
    let mut filed = Vec::new();
    for n in 0..5 {
        filed.push(desk.file(&format!("Ticket {n}")).await);
    }
    let got = pages(&desk.app, token, "limit=2").await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 2, 1]);
    let flat: Vec<i64> = got.concat();
    assert_eq!(
        flat,
        descending(filed.clone()),
        "pages overlap or are not newest first"
    );

    let exact = pages(&desk.app, token, "limit=5").await;
    assert_eq!(
        exact,
        vec![descending(filed)],
        "a full last page still ends the list"
    );
}

#[tokio::test]
async fn keyset_pages_follow_created_at_rather_than_id() {
    let desk = desk().await;
    let months = ["2018-03", "2018-01", "2018-05", "2018-02", "2018-04"];
    let rows = months
        .iter()
        .map(|m| import_row(desk.member, m, &format!("{m}-10T10:00:00Z")))
        .collect();
    let ids: Vec<i64> = import(&desk.app, rows).await.expect(201).imported_ids();
    let got = pages(&desk.app, &desk.hotline.token, "limit=2").await;
    assert_eq!(
        got,
        vec![vec![ids[2], ids[4]], vec![ids[0], ids[3]], vec![ids[1]]]
    );
}

#[tokio::test]
async fn bad_limits_and_cursors_are_refused() {
    let desk = desk().await;
    desk.file("Un ticket").await;
    let token = &desk.hotline.token;
    for query in ["limit=0", "limit=501", "limit=abc", "limit=-1"] {
        assert_invalid(&list(&desk.app, token, query).await, "limit", query);
    }
    for query in ["limit=500", "limit=1"] {
        list(&desk.app, token, query).await.expect(200);
    }
    for cursor in ["garbage", "12_x", "_", "99999999999999999999_1"] {
        let answer = list(&desk.app, token, &format!("cursor={}", encode(cursor))).await;
        assert_invalid(&answer, "cursor", cursor);
    }
}

/// `count` import rows for `member`, one a minute from 2019-01-01 in a shuffled order, so that
/// ids do not follow the list's order; `shape(n, row)` adjusts the n-th oldest.
fn spread_rows(member: i64, count: usize, shape: impl Fn(usize, &mut Value)) -> Vec<Value> {
    let start = chrono::NaiveDate::from_ymd_opt(2019, 1, 1)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap();
    let mut order: Vec<usize> = (0..count).collect();
    // A fixed permutation: multiplying by a number prime to `count` modulo `count`.
    let step = (1..count)
        .rev()
        .find(|s| num_gcd(*s, count) == 1 && *s > count / 3)
        .unwrap_or(1);
    for (i, slot) in order.iter_mut().enumerate() {
        *slot = (i * step) % count;
    }
    order
        .into_iter()
        .map(|n| {
            let at = start + chrono::Duration::minutes(n as i64);
            let mut row = import_row(
                member,
                &format!("Routine {n}"),
                &at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            );
            shape(n, &mut row);
            row
        })
        .collect()
}

fn num_gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        num_gcd(b, a % b)
    }
}

/// The ids of an import, by the creation minute given to `spread_rows` (oldest first).
async fn import_spread(app: &TestApp, rows: Vec<Value>) -> Vec<i64> {
    let titles: Vec<usize> = rows
        .iter()
        .map(|r| {
            r["title"].as_str().unwrap()["Routine ".len()..]
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    let ids = import(app, rows).await.expect(201).imported_ids();
    let mut by_minute = vec![0; ids.len()];
    for (n, id) in titles.into_iter().zip(ids) {
        by_minute[n] = id;
    }
    by_minute
}

#[tokio::test]
async fn q_finds_rare_and_common_texts_among_thousands_of_tickets_newest_first() {
    let desk = desk().await;
    let token = &desk.hotline.token;
    let count = 4600;
    let needles = [0, 1, 2, 4597, 4599];
    // Some descriptions are long (over 2,000 bytes), among the newest and the oldest.
    let long = |text: &str| format!("{}{text}", "journal du serveur ".repeat(150));
    let rows = spread_rows(desk.member, count, |n, row| {
        if n % 2 == 0 {
            row["description"] = json!("panne commune du réseau");
        }
        if n == 10 || n == 4598 || n == 1 {
            let before = row["description"].as_str().unwrap_or_default().to_string();
            row["description"] = json!(long(&before));
        }
        if needles.contains(&n) {
            if n % 3 == 0 {
                row["title"] = json!(format!("Routine {n} AIGUILLE"));
            } else {
                let before = row["description"].as_str().unwrap_or_default().to_string();
                row["description"] = json!(format!("{before} une aiguille dans la botte"));
            }
        }
    });
    let ids = import_spread(&desk.app, rows).await;
    let other = desk.app.create_member("AILLEURS").await;
    desk.app
        .file(token, common::ticket("Aiguille ailleurs", other))
        .await
        .expect(201);

    let rare: Vec<i64> = needles.iter().rev().map(|&n| ids[n]).collect();
    let member = format!("member_id={}", desk.member);
    assert_eq!(
        list_ids(&desk.app, token, &format!("q=aiguille&{member}")).await,
        rare,
        "a rare text is found in the newest and the oldest tickets alike"
    );
    assert_eq!(
        pages(&desk.app, token, &format!("q=Aiguille&{member}&limit=2"))
            .await
            .concat(),
        rare
    );

    let mut everywhere = vec![list_ids(&desk.app, token, "limit=1").await[0]];
    everywhere.extend(&rare);
    assert_eq!(
        list_ids(&desk.app, token, "q=aiguille").await,
        everywhere,
        "a rare text is found in every member's tickets, newest first"
    );
    assert_eq!(
        pages(&desk.app, token, "q=AIGUILLE&limit=2").await.concat(),
        everywhere
    );

    let common: Vec<i64> = (0..count)
        .rev()
        .filter(|n| n % 2 == 0)
        .map(|n| ids[n])
        .collect();
    assert!(
        pages(&desk.app, token, "q=commune&limit=500")
            .await
            .concat()
            == common,
        "the pages of a common text in every member's tickets hold each once, newest first"
    );
    assert_eq!(
        list_ids(&desk.app, token, "q=COMMUNE&limit=50").await,
        common[..50],
        "the first page of a common text is its 50 newest tickets"
    );
    let paged = pages(&desk.app, token, &format!("q=commune&{member}&limit=500"))
        .await
        .concat();
    assert!(
        paged == common,
        "the pages of a common text hold each of its {} tickets once, newest first; got {}",
        common.len(),
        paged.len()
    );
    assert!(list_ids(&desk.app, token, "q=introuvable").await.is_empty());
}

#[tokio::test]
async fn q_finds_a_text_at_the_end_of_a_long_description_as_in_short_ones() {
    let desk = desk().await;
    let token = &desk.hotline.token;
    let long = format!("{} trouvé au bout", "journal du serveur ".repeat(600));
    let mut expected = Vec::new();
    for n in 0..6 {
        let description = if n % 2 == 0 {
            long.clone()
        } else {
            "Trouvé Au Bout".to_string()
        };
        let title = format!("Texte {n}");
        let filing = desk
            .ticket(&title)
            .with(json!({"description": description}));
        expected.push(desk.submit(filing).await.expect(201).id());
        desk.file(&format!("Sans rapport {n}")).await;
    }
    expected.reverse();
    assert_eq!(
        list_ids(&desk.app, token, &q("trouvé au bout")).await,
        expected,
        "long and short descriptions alike, newest first"
    );
    let paged = format!("{}&limit=2", q("TROUVÉ AU BOUT"));
    assert_eq!(pages(&desk.app, token, &paged).await.concat(), expected);
}

#[tokio::test]
async fn a_list_of_statuses_pages_newest_first_across_the_statuses() {
    let desk = desk().await;
    let token = &desk.hotline.token;
    let statuses = ["new", "assigned", "waiting", "closed", "in_progress"];
    let technician = desk.technician.id;
    let count = 61;
    let rows = spread_rows(desk.member, count, |n, row| {
        let status = statuses[(n * 7 / 3) % statuses.len()];
        row["status"] = json!(status);
        if status != "new" {
            row["assignee_id"] = json!(technician);
            row["acknowledged_at"] = row["created_at"].clone();
        }
        if status == "closed" {
            row["resolved_at"] = row["created_at"].clone();
            row["closed_at"] = row["created_at"].clone();
        }
    });
    let wanted: Vec<usize> = (0..count)
        .rev()
        .filter(|n| ["assigned", "waiting", "new"].contains(&statuses[(n * 7 / 3) % 5]))
        .collect();
    let ids = import_spread(&desk.app, rows).await;
    let expected: Vec<i64> = wanted.iter().map(|&n| ids[n]).collect();
    for limit in [1, 4, 50] {
        assert_eq!(
            pages(
                &desk.app,
                token,
                &format!(
                    "status=waiting,assigned,new&member_id={}&limit={limit}",
                    desk.member
                )
            )
            .await
            .concat(),
            expected,
            "limit {limit}"
        );
    }
    assert_eq!(
        list_ids(&desk.app, token, "status=waiting,waiting&limit=500")
            .await
            .len(),
        (0..count)
            .filter(|n| statuses[(n * 7 / 3) % 5] == "waiting")
            .count(),
        "a status named twice lists its tickets once"
    );
}

// ---------------------------------------------------------------- control characters, dates

#[tokio::test]
async fn control_characters_are_refused_in_every_text_by_field_and_nothing_is_stored() {
    let desk = desk().await;
    let id = desk.file("Propre").await;
    let before = desk.app.ticket(id).await;
    for (case, text) in [
        ("NUL", "a\u{0}b"),
        ("escape", "\u{1b}[31mrouge"),
        ("backspace", "x\u{8}"),
        ("DEL", "x\u{7f}"),
        ("C1", "x\u{85}"),
    ] {
        let filing = desk.ticket("T").with(json!({"description": text}));
        assert_invalid(&desk.submit(filing).await, "description", case);
        let changed = desk.change(id, json!({"title": text})).await;
        assert_invalid(&changed, "title", case);
        let comment = desk.comment(id, json!({"body": text})).await;
        assert_invalid(&comment, "body", case);
        let member = json!({"code": "NUL", "name": text, "kind": "city"});
        let member = desk
            .app
            .post("/api/v1/members", &desk.app.admin.token, member)
            .await;
        assert_invalid(&member, "name", case);
        let login = desk
            .app
            .login(&format!("x{text}@test.local"), "whatever1")
            .await;
        assert_invalid(&login, "email", case);
        let rows = vec![
            import_row(desk.member, "Un", "2017-01-10T08:00:00Z"),
            import_row(desk.member, text, "2017-01-11T08:00:00Z"),
        ];
        assert_invalid(&import(&desk.app, rows).await, "[1].title", case);
        let search = list(&desk.app, &desk.hotline.token, &q(text)).await;
        assert_invalid(&search, "q", case);
    }
    // Tab and line breaks are text.
    let tabbed = desk
        .ticket("Onglets")
        .with(json!({"description": "a\tb\r\nc\nd"}));
    let kept = desk.submit(tabbed).await.expect(201);
    assert_eq!(kept.body["description"], "a\tb\r\nc\nd");
    assert_eq!(desk.app.ticket(id).await, before);
    assert_eq!(desk.count().await, 2);
}

#[tokio::test]
async fn instants_and_days_outside_1970_to_2100_are_refused_by_field() {
    let desk = desk().await;
    for (case, field, row) in [
        (
            "created in year 1",
            "[0].created_at",
            import_row(desk.member, "Ancien", "0001-01-01T00:10:00Z"),
        ),
        ("resolved in 9999", "[0].resolved_at", {
            let mut row = import_row(desk.member, "Futur", "2017-01-10T08:00:00Z");
            row["resolved_at"] = json!("9999-12-31T23:00:00Z");
            row
        }),
        ("closed in 2101", "[0].closed_at", {
            let mut row = import_row(desk.member, "Futur", "2017-01-10T08:00:00Z");
            row["closed_at"] = json!("2101-01-01T00:00:00Z");
            row
        }),
    ] {
        assert_invalid(&import(&desk.app, vec![row]).await, field, case);
    }
    assert_eq!(desk.count().await, 0);

    for (case, query) in [
        ("five-digit year", "created_from=%2B10000-01-01"),
        ("year 10000", "created_to=10000-01-01"),
        ("year 1", "created_from=0001-01-01"),
    ] {
        let field = query.split('=').next().unwrap();
        let answer = list(&desk.app, &desk.hotline.token, query).await;
        assert_invalid(&answer, field, case);
    }
    let far =
        json!({"member_id": desk.member, "date": "+10000-01-01", "kind": "on_site", "days": 1});
    let log = desk.app.log_work(&desk.technician.token, far).await;
    assert_eq!(log.status.as_u16(), 422, "{}", log.body);
    let old = json!({"code": "OLD", "name": "Old", "kind": "city", "joined_on": "0999-01-01"});
    let member = desk
        .app
        .post("/api/v1/members", &desk.app.admin.token, old)
        .await;
    assert_invalid(&member, "joined_on", "joined in 999");
}

#[tokio::test]
async fn small_edges_bearer_in_any_case_head_invisible_titles_signed_ids_closed_imports() {
    let desk = desk().await;
    let id = desk.file("Visible").await;
    let path = ticket_path(id);

    for scheme in ["BEARER", "bearer", "Bearer", "bEaReR"] {
        let auth = format!("{scheme} {}", desk.hotline.token);
        let answer = desk
            .app
            .call(Method::GET, &path, None, None, &[("Authorization", &auth)])
            .await;
        assert_eq!(answer.status.as_u16(), 200, "{scheme}: {}", answer.body);
    }

    let head = desk
        .app
        .call(Method::HEAD, &path, Some(&desk.hotline.token), None, &[])
        .await;
    assert_eq!(head.status.as_u16(), 200);
    assert_eq!(head.body, Value::Null, "HEAD has no body");
    assert!(head.header("etag").is_some());
    let health = desk
        .app
        .call(Method::HEAD, "/health", None, None, &[])
        .await;
    assert_eq!(health.status.as_u16(), 200);

    for title in ["\u{200b}\u{200b}", "\u{feff}", " \u{2060} "] {
        let answer = desk.submit(desk.ticket(title)).await;
        assert_invalid(&answer, "title", "invisible title");
    }

    for signed in ["+1", &format!("+{id}"), &format!("%2B{id}"), " 1"] {
        let answer = desk
            .app
            .get(&format!("{TICKETS}/{signed}"), &desk.hotline.token)
            .await;
        assert_eq!(answer.status.as_u16(), 404, "{signed}: {}", answer.body);
    }

    let mut closed = import_row(desk.member, "Fermé", "2017-01-10T08:00:00Z");
    closed["status"] = json!("closed");
    closed["resolved_at"] = json!("2017-01-11T08:00:00Z");
    assert_invalid(
        &import(&desk.app, vec![closed.clone()]).await,
        "[0].closed_at",
        "closed",
    );
    closed["closed_at"] = json!("2017-01-12T08:00:00Z");
    import(&desk.app, vec![closed]).await.expect(201);
}

// ---------------------------------------------------------------- a read-only database

/// Runs SQL on the PostgreSQL server of the tests, outside the test's database.
async fn on_the_server(sql: String) {
    tokio::task::spawn_blocking(move || {
        use diesel::{Connection, RunQueryDsl};
        let server = std::env::var("TEST_DATABASE_URL").unwrap();
        let mut conn = diesel::PgConnection::establish(&server).expect("reach the server");
        diesel::sql_query(sql)
            .execute(&mut conn)
            .expect("run the SQL");
    })
    .await
    .unwrap();
}

/// Asks again, up to 20 times a tenth of a second apart, while the answer is 503.
async fn past_ended_sessions<F: std::future::Future<Output = Answer>>(
    ask: impl Fn() -> F,
) -> Answer {
    let mut answer = ask().await;
    for _ in 0..20 {
        if answer.status.as_u16() != 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        answer = ask().await;
    }
    answer
}

/// PostgreSQL only: the test's database is switched to read-only on the server; skipped on
/// SQLite (an SQLite file that cannot be written is the full-volume test's case, in faults).
#[tokio::test]
async fn on_a_read_only_database_writes_and_log_ins_answer_503_and_reads_go_on() {
    let desk = desk().await;
    if !desk.app.is_postgres() {
        return common::skipped(
            "PostgreSQL only (an SQLite file made read-only is the full-volume test's case)",
        );
    }
    let id = desk.file("Avant").await;
    let path = ticket_path(id);
    let name = desk
        .app
        .settings
        .database
        .url
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let switch = |read_only: bool| {
        let name = name.clone();
        async move {
            on_the_server(format!(
                "ALTER DATABASE {name} SET default_transaction_read_only = {read_only}"
            ))
            .await;
            // The service's sessions end; the ones it opens next are read-only, or not.
            on_the_server(format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            ))
            .await;
        }
    };
    switch(true).await;

    for attempt in 0..3 {
        let login = desk.app.login(&desk.hotline.email, common::PASSWORD).await;
        assert_eq!(
            login.status.as_u16(),
            503,
            "log-in {attempt}: {}",
            login.body
        );
        assert!(login.header("retry-after").is_some());
    }
    let filed = desk
        .app
        .file_ticket(&desk.hotline.token, Some(desk.member), "Pendant")
        .await;
    assert_eq!(filed.status.as_u16(), 503, "{}", filed.body);
    let ready = desk.app.anonymous("/ready").await;
    assert_eq!(ready.status.as_u16(), 503, "{}", ready.body);
    // What is stored can still be read (once past a session that was ended).
    let read = past_ended_sessions(|| desk.app.get(&path, &desk.hotline.token)).await;
    assert_eq!(read.expect(200).body["title"], "Avant");

    switch(false).await;
    // A session that was ended fails the one request that finds it so (503); the next ones
    // get new sessions, writable again.
    let login = past_ended_sessions(|| desk.app.login(&desk.hotline.email, common::PASSWORD));
    login.await.expect(200);
    let filed = past_ended_sessions(|| {
        desk.app
            .file_ticket(&desk.hotline.token, Some(desk.member), "Après")
    });
    filed.await.expect(201);
}
