//! Work logs, assignment (by hand and automatic), the directory (members, users,
//! categories), surviving a restart, and the initial admin of an empty database.
use crate::common;
use crate::common::Role;

use common::{Answer, TestApp, TestUser, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const LOGS: &str = "/api/v1/work-logs";

fn log_path(id: i64) -> String {
    format!("{LOGS}/{id}")
}

async fn log_work(app: &TestApp, token: &str, body: Value) -> Answer {
    app.post(LOGS, token, body).await
}

/// A half day on site at that member on a day when every test member is a member.
fn on_site(member_id: i64) -> Value {
    json!({"member_id": member_id, "date": "2024-03-04", "kind": "on_site", "days": 0.5})
}

/// Asserts a 422 validation_failed problem that names `field` among its errors.
#[track_caller]
fn assert_invalid(answer: &Answer, field: &str) {
    assert_eq!(answer.status.as_u16(), 422, "body: {}", answer.body);
    assert!(answer.is_problem(), "not a problem: {:?}", answer.headers);
    assert_eq!(answer.code(), "validation_failed", "body: {}", answer.body);
    let errors = answer.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {}", answer.body));
    assert!(
        errors.iter().any(|e| e["field"] == field),
        "no error on {field} in {}",
        answer.body
    );
}

/// Asserts a problem of that status and code.
#[track_caller]
fn assert_problem(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status.as_u16(), status, "body: {}", answer.body);
    assert!(answer.is_problem(), "not a problem: {:?}", answer.headers);
    assert_eq!(answer.code(), code, "body: {}", answer.body);
}

async fn list(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    app.get(path, token).await.expect(200).body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items at {path}"))
        .clone()
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

fn paris_today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive()
}

async fn new_ticket(app: &TestApp, member_id: i64, title: &str) -> i64 {
    app.file_ticket(&app.admin.token, Some(member_id), title)
        .await
        .expect(201)
        .id()
}

async fn assign(app: &TestApp, ticket: i64, body: Value) -> Answer {
    app.post(
        &format!("/api/v1/tickets/{ticket}/assign"),
        &app.admin.token,
        body,
    )
    .await
}

async fn get_ticket(app: &TestApp, ticket: i64) -> Value {
    app.get(&format!("/api/v1/tickets/{ticket}"), &app.admin.token)
        .await
        .expect(200)
        .body
}

async fn set_status(app: &TestApp, ticket: i64, status: &str) {
    app.patch(
        &format!("/api/v1/tickets/{ticket}"),
        &app.admin.token,
        json!({"status": status}),
    )
    .await
    .expect(200);
}

/// Files a ticket, assigns it to `technician` and walks it to `status`.
async fn ticket_held_by(app: &TestApp, member_id: i64, technician: i64, status: &str) -> i64 {
    let id = new_ticket(app, member_id, &format!("held in {status}")).await;
    assign(app, id, json!({"technician_id": technician}))
        .await
        .expect(200);
    match status {
        "assigned" => {}
        "in_progress" | "waiting" | "resolved" => set_status(app, id, status).await,
        "closed" => {
            set_status(app, id, "resolved").await;
            set_status(app, id, "closed").await;
        }
        other => panic!("unexpected status {other}"),
    }
    id
}

// ---------------------------------------------------------------------------------------
// Work logs: durations
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn half_a_day_is_stored_as_210_minutes_and_read_back_as_half_a_day() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let technician = app.staff(Role::Technician).await;

    let created = log_work(&app, &technician.token, on_site(member))
        .await
        .expect(201);
    assert_eq!(created.body["minutes"], 210);
    assert_eq!(created.body["days"], 0.5);
    assert_eq!(created.body["member_id"], member);
    assert_eq!(created.body["date"], "2024-03-04");
    assert_eq!(created.body["kind"], "on_site");
    assert_eq!(created.body["technician_id"], technician.id);
    assert!(created.body["created_at"].is_string());
    assert!(created.body["updated_at"].is_string());

    let read = app
        .get(&log_path(created.id()), &technician.token)
        .await
        .expect(200);
    assert_eq!(read.body["minutes"], 210);
    assert_eq!(read.body["days"], 0.5);
}

#[tokio::test]
async fn quarter_whole_and_fractional_days_are_accepted() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    for (days, minutes) in [(0.25, 105), (1.0, 420), (2.75, 1155)] {
        let mut body = on_site(member);
        body["days"] = json!(days);
        let created = log_work(&app, &app.admin.token, body).await.expect(201);
        assert_eq!(created.body["minutes"], minutes, "days {days}");
        assert_eq!(created.body["days"], days, "days {days}");
    }
}

#[tokio::test]
async fn days_that_are_not_positive_quarters_are_refused() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    for days in [json!(0), json!(-1), json!(0.3)] {
        let mut body = on_site(member);
        body["days"] = days.clone();
        let refused = log_work(&app, &app.admin.token, body).await;
        assert_invalid(&refused, "days");
    }
    assert!(list(&app, LOGS, &app.admin.token).await.is_empty());
}

#[tokio::test]
async fn one_minute_and_a_month_of_minutes_are_accepted() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    for minutes in [1, 44640] {
        let body = json!({"member_id": member, "date": "2024-03-04", "kind": "project",
                          "minutes": minutes});
        let created = log_work(&app, &app.admin.token, body).await.expect(201);
        assert_eq!(created.body["minutes"], minutes);
    }
}

#[tokio::test]
async fn zero_minutes_or_more_than_a_month_of_minutes_are_refused() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    for minutes in [0, 44641] {
        let body = json!({"member_id": member, "date": "2024-03-04", "kind": "project",
                          "minutes": minutes});
        assert_invalid(&log_work(&app, &app.admin.token, body).await, "minutes");
    }
    assert!(list(&app, LOGS, &app.admin.token).await.is_empty());
}

#[tokio::test]
async fn giving_both_days_and_minutes_is_refused() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let mut body = on_site(member);
    body["minutes"] = json!(210);
    let refused = log_work(&app, &app.admin.token, body).await;
    assert_problem(&refused, 422, "validation_failed");
    assert!(list(&app, LOGS, &app.admin.token).await.is_empty());
}

#[tokio::test]
async fn giving_neither_days_nor_minutes_is_refused() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let body = json!({"member_id": member, "date": "2024-03-04", "kind": "on_site"});
    let refused = log_work(&app, &app.admin.token, body).await;
    assert_problem(&refused, 422, "validation_failed");
    assert!(list(&app, LOGS, &app.admin.token).await.is_empty());
}

#[tokio::test]
async fn a_day_lasts_the_configured_workday() {
    let app = TestApp::spawn_with(|s| s.service.workday_minutes = 480).await;
    let member = app.create_member("CACHAN").await;
    let created = log_work(&app, &app.admin.token, on_site(member))
        .await
        .expect(201);
    assert_eq!(created.body["minutes"], 240);
    assert_eq!(created.body["days"], 0.5);
}

// ---------------------------------------------------------------------------------------
// Work logs: kinds, members, people
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn hotline_duty_is_logged_without_a_member_and_refused_with_one() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let hotline = app.staff(Role::Hotline).await;

    let refused = log_work(
        &app,
        &hotline.token,
        json!({"member_id": member, "date": "2024-03-04", "kind": "hotline_duty", "days": 1}),
    )
    .await;
    assert_invalid(&refused, "member_id");
    assert!(list(&app, LOGS, &hotline.token).await.is_empty());

    let created = log_work(
        &app,
        &hotline.token,
        json!({"date": "2024-03-04", "kind": "hotline_duty", "days": 1}),
    )
    .await
    .expect(201);
    assert_eq!(created.body["kind"], "hotline_duty");
    assert_eq!(created.body["member_id"], Value::Null);
}

#[tokio::test]
async fn posted_on_site_and_project_work_needs_a_member() {
    let app = TestApp::spawn().await;
    for kind in ["posted", "on_site", "project"] {
        let refused = log_work(
            &app,
            &app.admin.token,
            json!({"date": "2024-03-04", "kind": kind, "days": 1}),
        )
        .await;
        assert_invalid(&refused, "member_id");
    }
    assert!(list(&app, LOGS, &app.admin.token).await.is_empty());
}

#[tokio::test]
async fn work_is_logged_only_on_days_when_the_member_was_a_member() {
    let app = TestApp::spawn().await;
    let member = app
        .create_member_with(json!({"code": "ORLY", "name": "Orly", "kind": "city",
                                   "joined_on": "2020-01-01", "left_on": "2020-12-31"}))
        .await;
    for date in ["2019-12-31", "2021-01-01"] {
        let refused = log_work(
            &app,
            &app.admin.token,
            json!({"member_id": member, "date": date, "kind": "on_site", "days": 1}),
        )
        .await;
        assert_problem(&refused, 422, "validation_failed");
    }
    assert!(list(&app, LOGS, &app.admin.token).await.is_empty());

    for date in ["2020-01-01", "2020-12-31"] {
        let created = log_work(
            &app,
            &app.admin.token,
            json!({"member_id": member, "date": date, "kind": "on_site", "days": 1}),
        )
        .await
        .expect(201);
        assert_eq!(created.body["date"], date);
    }
}

#[tokio::test]
async fn work_is_logged_for_the_caller_unless_another_technician_is_named() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let hotline = app.staff(Role::Hotline).await;
    let technician = app.staff(Role::Technician).await;

    let own = log_work(&app, &hotline.token, on_site(member))
        .await
        .expect(201);
    assert_eq!(own.body["technician_id"], hotline.id);

    let mut body = on_site(member);
    body["technician_id"] = json!(technician.id);
    let named = log_work(&app, &hotline.token, body).await.expect(201);
    assert_eq!(named.body["technician_id"], technician.id);
}

#[tokio::test]
async fn work_cannot_be_logged_for_an_agent_or_an_unknown_user() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let agent = app.agent_of(member).await;
    for technician_id in [agent.id, 999_999] {
        let mut body = on_site(member);
        body["technician_id"] = json!(technician_id);
        let refused = log_work(&app, &app.admin.token, body).await;
        assert_invalid(&refused, "technician_id");
    }
    assert!(list(&app, LOGS, &app.admin.token).await.is_empty());
}

#[tokio::test]
async fn work_on_an_unknown_ticket_is_refused_and_on_a_real_one_accepted() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let mut body = on_site(member);
    body["ticket_id"] = json!(999_999);
    assert_invalid(&log_work(&app, &app.admin.token, body).await, "ticket_id");
    assert!(list(&app, LOGS, &app.admin.token).await.is_empty());

    let ticket = new_ticket(&app, member, "Serveur").await;
    let mut body = on_site(member);
    body["ticket_id"] = json!(ticket);
    let created = log_work(&app, &app.admin.token, body).await.expect(201);
    assert_eq!(created.body["ticket_id"], ticket);
}

#[tokio::test]
async fn agents_can_neither_log_nor_read_nor_change_work() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let agent = app.agent_of(member).await;
    let log = log_work(&app, &app.admin.token, on_site(member))
        .await
        .expect(201)
        .id();

    assert_problem(
        &log_work(&app, &agent.token, on_site(member)).await,
        403,
        "forbidden",
    );
    assert_problem(&app.get(LOGS, &agent.token).await, 403, "forbidden");
    assert_problem(
        &app.get(&log_path(log), &agent.token).await,
        403,
        "forbidden",
    );
    assert_problem(
        &app.patch(&log_path(log), &agent.token, json!({"days": 1}))
            .await,
        403,
        "forbidden",
    );
    assert_problem(
        &app.delete(&log_path(log), &agent.token).await,
        403,
        "forbidden",
    );

    let items = list(&app, LOGS, &app.admin.token).await;
    assert_eq!(ids(&items), vec![log]);
    assert_eq!(items[0]["minutes"], 210);
}

// ---------------------------------------------------------------------------------------
// Work logs: lists
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn work_logs_are_listed_newest_day_first_and_filtered() {
    let app = TestApp::spawn().await;
    let cachan = app.create_member("CACHAN").await;
    let orly = app.create_member("ORLY").await;
    let alice = app.staff(Role::Technician).await;
    let bob = app.staff(Role::Technician).await;

    let mut made = Vec::new();
    for (who, member, date, kind) in [
        (&alice, Some(cachan), "2024-03-01", "posted"),
        (&bob, Some(orly), "2024-03-05", "on_site"),
        (&alice, Some(orly), "2024-03-03", "project"),
        (&bob, None, "2024-03-02", "hotline_duty"),
        (&alice, Some(cachan), "2024-03-04", "on_site"),
    ] {
        let mut body = json!({"date": date, "kind": kind, "days": 1});
        if let Some(member) = member {
            body["member_id"] = json!(member);
        }
        made.push(log_work(&app, &who.token, body).await.expect(201).id());
    }
    let [posted_c, onsite_o, project_o, duty, onsite_c] = made[..] else {
        unreachable!()
    };

    let all = list(&app, LOGS, &app.admin.token).await;
    assert_eq!(
        ids(&all),
        vec![onsite_o, onsite_c, project_o, duty, posted_c]
    );
    let dates: Vec<&str> = all.iter().map(|l| l["date"].as_str().unwrap()).collect();
    assert_eq!(
        dates,
        [
            "2024-03-05",
            "2024-03-04",
            "2024-03-03",
            "2024-03-02",
            "2024-03-01"
        ]
    );

    let t = &app.admin.token;
    let by_member = list(&app, &format!("{LOGS}?member_id={cachan}"), t).await;
    assert_eq!(ids(&by_member), vec![onsite_c, posted_c]);
    let by_technician = list(
        &app,
        &format!("{LOGS}?technician_id={bob}", bob = bob.id),
        t,
    )
    .await;
    assert_eq!(ids(&by_technician), vec![onsite_o, duty]);
    let by_kind = list(&app, &format!("{LOGS}?kind=on_site"), t).await;
    assert_eq!(ids(&by_kind), vec![onsite_o, onsite_c]);
    let from = list(&app, &format!("{LOGS}?from=2024-03-03"), t).await;
    assert_eq!(ids(&from), vec![onsite_o, onsite_c, project_o]);
    let to = list(&app, &format!("{LOGS}?to=2024-03-02"), t).await;
    assert_eq!(ids(&to), vec![duty, posted_c]);
    let between = list(&app, &format!("{LOGS}?from=2024-03-02&to=2024-03-04"), t).await;
    assert_eq!(ids(&between), vec![onsite_c, project_o, duty]);
    let combined = list(
        &app,
        &format!("{LOGS}?technician_id={}&kind=on_site", alice.id),
        t,
    )
    .await;
    assert_eq!(ids(&combined), vec![onsite_c]);
}

#[tokio::test]
async fn work_logs_are_paged_newest_day_first() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    // Two logs share a day: the later one (larger id) comes first.
    let mut made = Vec::new();
    for date in [
        "2024-01-10",
        "2024-01-12",
        "2024-01-11",
        "2024-01-12",
        "2024-01-09",
    ] {
        let body = json!({"member_id": member, "date": date, "kind": "posted", "days": 1});
        made.push(
            log_work(&app, &app.admin.token, body)
                .await
                .expect(201)
                .id(),
        );
    }
    let expected = vec![made[3], made[1], made[2], made[0], made[4]];

    let mut seen = Vec::new();
    let mut path = format!("{LOGS}?limit=2");
    let mut pages = 0;
    loop {
        let page = app.get(&path, &app.admin.token).await.expect(200);
        let items = page.body["items"].as_array().unwrap().clone();
        assert!(items.len() <= 2);
        seen.extend(ids(&items));
        pages += 1;
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("{LOGS}?limit=2&cursor={cursor}"),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected);
}

// ---------------------------------------------------------------------------------------
// Work logs: changes
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_work_log_is_lengthened_by_giving_new_days() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let id = log_work(&app, &app.admin.token, on_site(member))
        .await
        .expect(201)
        .id();

    let changed = app
        .patch(&log_path(id), &app.admin.token, json!({"days": 1.5}))
        .await
        .expect(200);
    assert_eq!(changed.body["minutes"], 630);
    assert_eq!(changed.body["days"], 1.5);
    assert_eq!(changed.body["kind"], "on_site");
    assert_eq!(changed.body["member_id"], member);

    let read = app.get(&log_path(id), &app.admin.token).await.expect(200);
    assert_eq!(read.body["minutes"], 630);
}

#[tokio::test]
async fn a_work_log_becomes_hotline_duty_when_its_member_is_removed_too() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let id = log_work(&app, &app.admin.token, on_site(member))
        .await
        .expect(201)
        .id();

    let changed = app
        .patch(
            &log_path(id),
            &app.admin.token,
            json!({"kind": "hotline_duty", "member_id": null}),
        )
        .await
        .expect(200);
    assert_eq!(changed.body["kind"], "hotline_duty");
    assert_eq!(changed.body["member_id"], Value::Null);

    let read = app.get(&log_path(id), &app.admin.token).await.expect(200);
    assert_eq!(read.body["kind"], "hotline_duty");
    assert_eq!(read.body["member_id"], Value::Null);
    assert_eq!(read.body["minutes"], 210);
}

#[tokio::test]
async fn a_change_that_would_break_a_rule_is_refused_and_leaves_the_log_as_it_was() {
    let app = TestApp::spawn().await;
    let member = app
        .create_member_with(json!({"code": "ORLY", "name": "Orly", "kind": "city",
                                   "joined_on": "2020-01-01", "left_on": "2024-12-31"}))
        .await;
    let agent = app.agent_of(member).await;
    let id = log_work(&app, &app.admin.token, on_site(member))
        .await
        .expect(201)
        .id();
    let before = app
        .get(&log_path(id), &app.admin.token)
        .await
        .expect(200)
        .body;

    for change in [
        json!({"kind": "hotline_duty"}),
        json!({"member_id": null}),
        json!({"date": "2025-01-01"}),
        json!({"days": 0.3}),
        json!({"minutes": 0}),
        json!({"days": 1, "minutes": 420}),
        json!({"technician_id": agent.id}),
        json!({"ticket_id": 999_999}),
        json!({"kind": "holiday"}),
    ] {
        let refused = app
            .patch(&log_path(id), &app.admin.token, change.clone())
            .await;
        assert_eq!(refused.status.as_u16(), 422, "{change}: {}", refused.body);
        assert_eq!(refused.code(), "validation_failed", "{change}");
        let after = app
            .get(&log_path(id), &app.admin.token)
            .await
            .expect(200)
            .body;
        assert_eq!(after, before, "after {change}");
    }
}

#[tokio::test]
async fn a_deleted_work_log_is_gone() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let technician = app.staff(Role::Technician).await;
    let kept = log_work(&app, &technician.token, on_site(member))
        .await
        .expect(201)
        .id();
    let id = log_work(&app, &technician.token, on_site(member))
        .await
        .expect(201)
        .id();

    let deleted = app
        .delete(&log_path(id), &technician.token)
        .await
        .expect(204);
    assert_eq!(deleted.body, Value::Null);
    assert_problem(
        &app.get(&log_path(id), &technician.token).await,
        404,
        "not_found",
    );
    assert_eq!(ids(&list(&app, LOGS, &technician.token).await), vec![kept]);
}

// ---------------------------------------------------------------------------------------
// Assignment
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn assigning_a_named_technician_makes_the_ticket_assigned_to_him() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let technician = app.staff(Role::Technician).await;
    let ticket = new_ticket(&app, member, "Écran noir").await;

    let assigned = assign(&app, ticket, json!({"technician_id": technician.id}))
        .await
        .expect(200);
    assert_eq!(assigned.body["status"], "assigned");
    assert_eq!(assigned.body["assignee_id"], technician.id);
    let read = get_ticket(&app, ticket).await;
    assert_eq!(read["status"], "assigned");
    assert_eq!(read["assignee_id"], technician.id);
}

#[tokio::test]
async fn assigning_to_an_agent_an_unknown_user_or_a_disabled_technician_is_refused() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let agent = app.agent_of(member).await;
    let disabled = app.staff(Role::Technician).await;
    app.patch(
        &format!("/api/v1/users/{}", disabled.id),
        &app.admin.token,
        json!({"disabled": true}),
    )
    .await
    .expect(200);
    let ticket = new_ticket(&app, member, "Imprimante").await;
    let before = get_ticket(&app, ticket).await;

    for technician_id in [agent.id, 999_999, disabled.id] {
        let refused = assign(&app, ticket, json!({"technician_id": technician_id})).await;
        assert_problem(&refused, 422, "validation_failed");
    }
    let after = get_ticket(&app, ticket).await;
    assert_eq!(after["status"], "new");
    assert_eq!(after["assignee_id"], Value::Null);
    assert_eq!(after["version"], before["version"]);
}

#[tokio::test]
async fn auto_assignment_prefers_the_technician_posted_at_the_member_today() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let idle = app.staff(Role::Technician).await;
    let posted = app.staff(Role::Technician).await;
    ticket_held_by(&app, member, posted.id, "assigned").await;
    ticket_held_by(&app, member, posted.id, "in_progress").await;
    log_work(
        &app,
        &posted.token,
        json!({"member_id": member, "date": paris_today(), "kind": "posted", "days": 1}),
    )
    .await
    .expect(201);

    let ticket = new_ticket(&app, member, "Poste lent").await;
    let assigned = assign(&app, ticket, json!({"auto": true}))
        .await
        .expect(200);
    assert_eq!(assigned.body["assignee_id"], posted.id, "not {}", idle.id);
    assert_eq!(assigned.body["status"], "assigned");
}

#[tokio::test]
async fn a_technician_posted_there_yesterday_is_not_preferred_today() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let idle = app.staff(Role::Technician).await;
    let posted = app.staff(Role::Technician).await;
    ticket_held_by(&app, member, posted.id, "assigned").await;
    let yesterday = paris_today().pred_opt().unwrap();
    log_work(
        &app,
        &posted.token,
        json!({"member_id": member, "date": yesterday, "kind": "posted", "days": 1}),
    )
    .await
    .expect(201);

    let ticket = new_ticket(&app, member, "Poste lent").await;
    let assigned = assign(&app, ticket, json!({"auto": true}))
        .await
        .expect(200);
    assert_eq!(assigned.body["assignee_id"], idle.id);
}

#[tokio::test]
async fn a_technician_posted_at_another_member_today_is_not_preferred() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let other = app.create_member("ORLY").await;
    let idle = app.staff(Role::Technician).await;
    let posted = app.staff(Role::Technician).await;
    ticket_held_by(&app, member, posted.id, "assigned").await;
    log_work(
        &app,
        &posted.token,
        json!({"member_id": other, "date": paris_today(), "kind": "posted", "days": 1}),
    )
    .await
    .expect(201);
    // Being on site (not posted) at the ticket's member today does not count either.
    log_work(
        &app,
        &posted.token,
        json!({"member_id": member, "date": paris_today(), "kind": "on_site", "days": 1}),
    )
    .await
    .expect(201);

    let ticket = new_ticket(&app, member, "Poste lent").await;
    let assigned = assign(&app, ticket, json!({"auto": true}))
        .await
        .expect(200);
    assert_eq!(assigned.body["assignee_id"], idle.id);
}

#[tokio::test]
async fn auto_assignment_picks_the_technician_with_fewest_open_tickets() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let with_assigned = app.staff(Role::Technician).await;
    let with_in_progress = app.staff(Role::Technician).await;
    let with_waiting = app.staff(Role::Technician).await;
    let with_only_finished = app.staff(Role::Technician).await;
    ticket_held_by(&app, member, with_assigned.id, "assigned").await;
    ticket_held_by(&app, member, with_in_progress.id, "in_progress").await;
    ticket_held_by(&app, member, with_waiting.id, "waiting").await;
    ticket_held_by(&app, member, with_only_finished.id, "resolved").await;
    ticket_held_by(&app, member, with_only_finished.id, "resolved").await;
    ticket_held_by(&app, member, with_only_finished.id, "closed").await;

    let ticket = new_ticket(&app, member, "Messagerie").await;
    let assigned = assign(&app, ticket, json!({"auto": true}))
        .await
        .expect(200);
    assert_eq!(assigned.body["assignee_id"], with_only_finished.id);
    assert_eq!(assigned.body["status"], "assigned");
}

#[tokio::test]
async fn technicians_with_as_many_open_tickets_go_by_smaller_user_id() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let first = app.staff(Role::Technician).await;
    let second = app.staff(Role::Technician).await;
    assert!(first.id < second.id);
    ticket_held_by(&app, member, second.id, "assigned").await;
    ticket_held_by(&app, member, first.id, "waiting").await;

    let one = new_ticket(&app, member, "Un").await;
    let assigned = assign(&app, one, json!({"auto": true})).await.expect(200);
    assert_eq!(assigned.body["assignee_id"], first.id);

    // Now the first holds two open tickets and the second one.
    let two = new_ticket(&app, member, "Deux").await;
    let assigned = assign(&app, two, json!({"auto": true})).await.expect(200);
    assert_eq!(assigned.body["assignee_id"], second.id);
}

#[tokio::test]
async fn auto_assignment_without_an_active_technician_is_refused() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    app.staff(Role::Hotline).await;
    app.staff(Role::Manager).await;
    let disabled = app.staff(Role::Technician).await;
    app.patch(
        &format!("/api/v1/users/{}", disabled.id),
        &app.admin.token,
        json!({"disabled": true}),
    )
    .await
    .expect(200);
    let ticket = new_ticket(&app, member, "Personne").await;

    let refused = assign(&app, ticket, json!({"auto": true})).await;
    assert_problem(&refused, 409, "no_technician");
    let after = get_ticket(&app, ticket).await;
    assert_eq!(after["status"], "new");
    assert_eq!(after["assignee_id"], Value::Null);
}

#[tokio::test]
async fn auto_assignment_of_a_resolved_ticket_is_an_invalid_transition() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    app.staff(Role::Technician).await;
    let ticket = new_ticket(&app, member, "Réglé au téléphone").await;
    set_status(&app, ticket, "resolved").await;
    let before = get_ticket(&app, ticket).await;

    let refused = assign(&app, ticket, json!({"auto": true})).await;
    assert_problem(&refused, 422, "invalid_transition");
    let after = get_ticket(&app, ticket).await;
    assert_eq!(after["status"], "resolved");
    assert_eq!(after["assignee_id"], Value::Null);
    assert_eq!(after["version"], before["version"]);
}

#[tokio::test]
async fn assignment_needs_exactly_one_of_a_technician_and_auto() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let technician = app.staff(Role::Technician).await;
    let ticket = new_ticket(&app, member, "Ambigu").await;

    for body in [
        json!({}),
        json!({"technician_id": technician.id, "auto": true}),
    ] {
        let refused = assign(&app, ticket, body.clone()).await;
        assert_problem(&refused, 422, "validation_failed");
    }
    let after = get_ticket(&app, ticket).await;
    assert_eq!(after["status"], "new");
    assert_eq!(after["assignee_id"], Value::Null);
}

// ---------------------------------------------------------------------------------------
// Directory: members
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_manager_creates_a_member_whose_code_is_upper_cased() {
    let app = TestApp::spawn().await;
    let manager = app.staff(Role::Manager).await;
    let created = app
        .post(
            "/api/v1/members",
            &manager.token,
            json!({"code": "oph-94_b", "name": "Office HLM", "kind": "housing_office",
                   "joined_on": "2015-01-01"}),
        )
        .await
        .expect(201);
    let id = created.id();
    assert_eq!(
        created.header("location").as_deref(),
        Some(format!("/api/v1/members/{id}").as_str())
    );
    assert_eq!(created.body["code"], "OPH-94_B");
    assert_eq!(created.body["name"], "Office HLM");
    assert_eq!(created.body["kind"], "housing_office");
    assert_eq!(created.body["uses_hotline"], true);
    assert_eq!(created.body["joined_on"], "2015-01-01");
    assert_eq!(created.body["left_on"], Value::Null);

    let read = app
        .get(&format!("/api/v1/members/{id}"), &manager.token)
        .await
        .expect(200);
    assert_eq!(read.body["code"], "OPH-94_B");
    assert_eq!(read.body["kind"], "housing_office");
}

#[tokio::test]
async fn a_member_code_already_taken_in_any_case_is_a_duplicate() {
    let app = TestApp::spawn().await;
    app.create_member("CACHAN").await;
    let refused = app
        .post(
            "/api/v1/members",
            &app.admin.token,
            json!({"code": "cachan", "name": "Autre", "kind": "city"}),
        )
        .await;
    assert_problem(&refused, 409, "duplicate");
    assert_eq!(
        list(&app, "/api/v1/members", &app.admin.token).await.len(),
        1
    );
}

#[tokio::test]
async fn a_malformed_member_code_is_refused() {
    let app = TestApp::spawn().await;
    for code in [
        "",
        "-CACHAN",
        "_X",
        "CA CHAN",
        "CRÉTEIL",
        "A.B",
        &"A".repeat(41),
    ] {
        let refused = app
            .post(
                "/api/v1/members",
                &app.admin.token,
                json!({"code": code, "name": "Mauvais", "kind": "city"}),
            )
            .await;
        assert_invalid(&refused, "code");
    }
    let longest = app
        .post(
            "/api/v1/members",
            &app.admin.token,
            json!({"code": "A".repeat(40), "name": "Long", "kind": "city"}),
        )
        .await
        .expect(201);
    assert_eq!(
        ids(&list(&app, "/api/v1/members", &app.admin.token).await),
        vec![longest.id()]
    );
}

#[tokio::test]
async fn an_unknown_member_kind_is_refused() {
    let app = TestApp::spawn().await;
    let refused = app
        .post(
            "/api/v1/members",
            &app.admin.token,
            json!({"code": "CACHAN", "name": "Cachan", "kind": "village"}),
        )
        .await;
    assert_invalid(&refused, "kind");
    assert!(list(&app, "/api/v1/members", &app.admin.token)
        .await
        .is_empty());
}

#[tokio::test]
async fn a_member_cannot_leave_before_it_joined() {
    let app = TestApp::spawn().await;
    let refused = app
        .post(
            "/api/v1/members",
            &app.admin.token,
            json!({"code": "CACHAN", "name": "Cachan", "kind": "city",
                   "joined_on": "2020-06-01", "left_on": "2020-05-31"}),
        )
        .await;
    assert_problem(&refused, 422, "validation_failed");
    assert!(list(&app, "/api/v1/members", &app.admin.token)
        .await
        .is_empty());

    let id = app
        .create_member_with(json!({"code": "ORLY", "name": "Orly", "kind": "city",
                                   "joined_on": "2020-06-01"}))
        .await;
    let refused = app
        .patch(
            &format!("/api/v1/members/{id}"),
            &app.admin.token,
            json!({"left_on": "2019-01-01"}),
        )
        .await;
    assert_problem(&refused, 422, "validation_failed");
    let read = app
        .get(&format!("/api/v1/members/{id}"), &app.admin.token)
        .await
        .expect(200);
    assert_eq!(read.body["left_on"], Value::Null);
}

#[tokio::test]
async fn a_manager_renames_a_member_and_records_when_it_left() {
    let app = TestApp::spawn().await;
    let manager = app.staff(Role::Manager).await;
    let id = app
        .create_member_with(json!({"code": "ORLY", "name": "Orly", "kind": "city",
                                   "joined_on": "2010-01-01"}))
        .await;
    let changed = app
        .patch(
            &format!("/api/v1/members/{id}"),
            &manager.token,
            json!({"name": "Ville d'Orly", "left_on": "2023-12-31"}),
        )
        .await
        .expect(200);
    assert_eq!(changed.body["name"], "Ville d'Orly");
    assert_eq!(changed.body["left_on"], "2023-12-31");
    assert_eq!(changed.body["code"], "ORLY");

    let read = app
        .get(&format!("/api/v1/members/{id}"), &manager.token)
        .await
        .expect(200);
    assert_eq!(read.body["name"], "Ville d'Orly");
    assert_eq!(read.body["left_on"], "2023-12-31");
    assert_eq!(read.body["joined_on"], "2010-01-01");
}

#[tokio::test]
async fn the_hotline_cannot_create_or_change_members() {
    let app = TestApp::spawn().await;
    let hotline = app.staff(Role::Hotline).await;
    let id = app.create_member("CACHAN").await;

    let refused = app
        .patch(
            &format!("/api/v1/members/{id}"),
            &hotline.token,
            json!({"name": "Renamed"}),
        )
        .await;
    assert_problem(&refused, 403, "forbidden");
    let refused = app
        .post(
            "/api/v1/members",
            &hotline.token,
            json!({"code": "ORLY", "name": "Orly", "kind": "city"}),
        )
        .await;
    assert_problem(&refused, 403, "forbidden");

    let members = list(&app, "/api/v1/members", &hotline.token).await;
    assert_eq!(ids(&members), vec![id]);
    assert_eq!(members[0]["name"], "Member CACHAN");
}

// ---------------------------------------------------------------------------------------
// Directory: users
// ---------------------------------------------------------------------------------------

async fn create_user(app: &TestApp, body: Value) -> Answer {
    app.post("/api/v1/users", &app.admin.token, body).await
}

fn user_body(email: &str, role: &str, member_id: Option<i64>) -> Value {
    json!({"email": email, "name": format!("Someone {role}"), "role": role,
           "member_id": member_id, "password": PASSWORD})
}

#[tokio::test]
async fn a_user_of_each_role_is_created_and_logs_in() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    for role in ["agent", "hotline", "technician", "manager", "admin"] {
        let member_id = (role == "agent").then_some(member);
        let email = format!("{role}@Example.org");
        let created = create_user(&app, user_body(&email, role, member_id))
            .await
            .expect(201);
        assert_eq!(created.body["role"], role);
        assert_eq!(created.body["email"], format!("{role}@example.org"));
        assert_eq!(created.body["member_id"], json!(member_id));
        assert_eq!(created.body["disabled"], false);
        let object = created.body.as_object().unwrap();
        assert!(
            object
                .keys()
                .all(|k| !k.contains("password") && !k.contains("hash")),
            "{}",
            created.body
        );
        assert!(!created.body.to_string().contains(PASSWORD));

        let login = app.login(&email, PASSWORD).await.expect(200);
        assert_eq!(login.body["user"]["id"], created.id());
        assert_eq!(login.body["user"]["role"], role);
    }
}

#[tokio::test]
async fn agents_need_a_member_and_staff_must_not_have_one() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let refused = create_user(&app, user_body("agent@test.org", "agent", None)).await;
    assert_invalid(&refused, "member_id");
    let refused = create_user(&app, user_body("tech@test.org", "technician", Some(member))).await;
    assert_invalid(&refused, "member_id");
    assert_problem(
        &app.login("agent@test.org", PASSWORD).await,
        401,
        "unauthorized",
    );
    assert_problem(
        &app.login("tech@test.org", PASSWORD).await,
        401,
        "unauthorized",
    );
}

#[tokio::test]
async fn a_password_shorter_than_eight_characters_is_refused() {
    let app = TestApp::spawn().await;
    let mut body = user_body("short@test.org", "hotline", None);
    body["password"] = json!("1234567");
    assert_invalid(&create_user(&app, body).await, "password");
    assert_problem(
        &app.login("short@test.org", "1234567").await,
        401,
        "unauthorized",
    );

    let mut body = user_body("eight@test.org", "hotline", None);
    body["password"] = json!("12345678");
    create_user(&app, body).await.expect(201);
    app.login("eight@test.org", "12345678").await.expect(200);
}

#[tokio::test]
async fn an_email_already_taken_in_another_case_is_a_duplicate() {
    let app = TestApp::spawn().await;
    create_user(&app, user_body("claire@test.org", "hotline", None))
        .await
        .expect(201);
    let refused = create_user(&app, user_body("Claire@TEST.org", "technician", None)).await;
    assert_problem(&refused, 409, "duplicate");
    let users = list(&app, "/api/v1/users", &app.admin.token).await;
    let claires = users
        .iter()
        .filter(|u| u["email"] == "claire@test.org")
        .count();
    assert_eq!(claires, 1);
    assert_eq!(users.len(), 2, "the admin and claire: {users:?}");
}

#[tokio::test]
async fn a_user_of_an_unknown_member_is_refused() {
    let app = TestApp::spawn().await;
    let refused = create_user(&app, user_body("ghost@test.org", "agent", Some(999_999))).await;
    assert_invalid(&refused, "member_id");
    assert_problem(
        &app.login("ghost@test.org", PASSWORD).await,
        401,
        "unauthorized",
    );
}

#[tokio::test]
async fn a_new_password_logs_in_and_the_old_one_no_longer_does() {
    let app = TestApp::spawn().await;
    let user = app.staff(Role::Technician).await;
    let changed = app
        .patch(
            &format!("/api/v1/users/{}", user.id),
            &app.admin.token,
            json!({"role": "manager", "password": "another-password"}),
        )
        .await
        .expect(200);
    assert_eq!(changed.body["role"], "manager");
    assert!(!changed.body.to_string().contains("another-password"));

    assert_problem(&app.login(&user.email, PASSWORD).await, 401, "unauthorized");
    let login = app.login(&user.email, "another-password").await.expect(200);
    assert_eq!(login.body["user"]["role"], "manager");
    let token = login.body["access_token"].as_str().unwrap();
    // As a manager now, the user may create a member.
    app.post(
        "/api/v1/members",
        token,
        json!({"code": "CACHAN", "name": "Cachan", "kind": "city"}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn a_disabled_user_can_no_longer_log_in() {
    let app = TestApp::spawn().await;
    let user = app.staff(Role::Hotline).await;
    let changed = app
        .patch(
            &format!("/api/v1/users/{}", user.id),
            &app.admin.token,
            json!({"disabled": true}),
        )
        .await
        .expect(200);
    assert_eq!(changed.body["disabled"], true);
    assert_problem(&app.login(&user.email, PASSWORD).await, 401, "unauthorized");
    assert_problem(
        &app.get("/api/v1/me", &user.token).await,
        401,
        "unauthorized",
    );
}

// ---------------------------------------------------------------------------------------
// Directory: categories
// ---------------------------------------------------------------------------------------

async fn create_category(app: &TestApp, name: &str, parent_id: Option<i64>) -> Answer {
    app.post(
        "/api/v1/categories",
        &app.admin.token,
        json!({"name": name, "parent_id": parent_id}),
    )
    .await
}

#[tokio::test]
async fn categories_have_a_top_level_and_one_level_below() {
    let app = TestApp::spawn().await;
    let top = create_category(&app, "Matériel", None).await.expect(201);
    assert_eq!(top.body["name"], "Matériel");
    assert_eq!(top.body["parent_id"], Value::Null);
    let child = create_category(&app, "Imprimante", Some(top.id()))
        .await
        .expect(201);
    assert_eq!(child.body["parent_id"], top.id());
    let read = app
        .get(
            &format!("/api/v1/categories/{}", child.id()),
            &app.admin.token,
        )
        .await
        .expect(200);
    assert_eq!(read.body["name"], "Imprimante");
    assert_eq!(read.body["parent_id"], top.id());

    let refused = create_category(&app, "Toner", Some(child.id())).await;
    assert_invalid(&refused, "parent_id");
    let all = list(&app, "/api/v1/categories", &app.admin.token).await;
    assert_eq!(all.len(), SEEDED_CATEGORIES + 2);
}

/// A new database starts with the tree of the report's domains: 7 domains, 20 below them.
const SEEDED_CATEGORIES: usize = 27;

#[tokio::test]
async fn a_new_database_starts_with_the_report_domains() {
    let app = TestApp::spawn().await;
    let all = list(&app, "/api/v1/categories", &app.admin.token).await;
    assert_eq!(all.len(), SEEDED_CATEGORIES);
    let named = |name: &str| {
        all.iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no category {name}"))
            .clone()
    };
    let business = named("Applications métier");
    assert_eq!(business["parent_id"], Value::Null);
    for application in ["Polyfac", "Sedit", "Coriolis", "Concerto", "Pelehas"] {
        assert_eq!(named(application)["parent_id"], business["id"]);
    }
    assert_eq!(
        named("Imprimante réseau")["parent_id"],
        named("Impression")["id"]
    );
}

#[tokio::test]
async fn a_category_under_an_unknown_parent_is_refused() {
    let app = TestApp::spawn().await;
    let refused = create_category(&app, "Orpheline", Some(999_999)).await;
    assert_invalid(&refused, "parent_id");
    assert_eq!(
        list(&app, "/api/v1/categories", &app.admin.token)
            .await
            .len(),
        SEEDED_CATEGORIES
    );
}

#[tokio::test]
async fn sibling_categories_have_different_names_but_cousins_may_share_one() {
    let app = TestApp::spawn().await;
    let hardware = create_category(&app, "Matériel", None)
        .await
        .expect(201)
        .id();
    let software = create_category(&app, "Logiciel", None)
        .await
        .expect(201)
        .id();
    create_category(&app, "Autre", Some(hardware))
        .await
        .expect(201);

    assert_problem(
        &create_category(&app, "Autre", Some(hardware)).await,
        409,
        "duplicate",
    );
    assert_problem(
        &create_category(&app, "Matériel", None).await,
        409,
        "duplicate",
    );
    let cousin = create_category(&app, "Autre", Some(software))
        .await
        .expect(201);
    assert_eq!(cousin.body["parent_id"], software);
    assert_eq!(
        list(&app, "/api/v1/categories", &app.admin.token)
            .await
            .len(),
        SEEDED_CATEGORIES + 4
    );
}

#[tokio::test]
async fn categories_are_listed_newest_first_to_everyone() {
    let app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let agent = app.agent_of(member).await;
    let a = create_category(&app, "Réseaux locaux", None)
        .await
        .expect(201)
        .id();
    let b = create_category(&app, "Wifi", Some(a))
        .await
        .expect(201)
        .id();
    let c = create_category(&app, "Téléphonie IP", None)
        .await
        .expect(201)
        .id();
    let listed = ids(&list(&app, "/api/v1/categories", &agent.token).await);
    assert_eq!(listed.len(), SEEDED_CATEGORIES + 3);
    assert_eq!(listed[..3], [c, b, a]);

    let page = app
        .get("/api/v1/categories?limit=2", &agent.token)
        .await
        .expect(200);
    assert_eq!(ids(page.body["items"].as_array().unwrap()), vec![c, b]);
    let cursor = page.body["next_cursor"].as_str().expect("a second page");
    let rest = app
        .get(
            &format!("/api/v1/categories?limit=2&cursor={cursor}"),
            &agent.token,
        )
        .await
        .expect(200);
    assert_eq!(ids(rest.body["items"].as_array().unwrap())[0], a);
    assert!(
        rest.body["next_cursor"].is_string(),
        "the seeded tree follows"
    );
}

// ---------------------------------------------------------------------------------------
// Restart
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn tickets_comments_and_work_logs_survive_a_restart() {
    let mut app = TestApp::spawn().await;
    let member = app.create_member("CACHAN").await;
    let technician: TestUser = app.staff(Role::Technician).await;
    let first = new_ticket(&app, member, "Premier").await;
    let second = new_ticket(&app, member, "Second").await;
    assign(&app, second, json!({"technician_id": technician.id}))
        .await
        .expect(200);
    let comment = app
        .post(
            &format!("/api/v1/tickets/{second}/comments"),
            &technician.token,
            json!({"body": "Je passe demain", "internal": false}),
        )
        .await
        .expect(201)
        .id();
    let mut body = on_site(member);
    body["ticket_id"] = json!(second);
    let log = log_work(&app, &technician.token, body)
        .await
        .expect(201)
        .id();
    let before_first = get_ticket(&app, first).await;
    let before_second = get_ticket(&app, second).await;
    let before_log = app
        .get(&log_path(log), &technician.token)
        .await
        .expect(200)
        .body;

    app.restart().await;

    // The token from before the restart still works.
    let read_first = app
        .get(&format!("/api/v1/tickets/{first}"), &technician.token)
        .await
        .expect(200);
    assert_eq!(read_first.body, before_first);
    let read_second = get_ticket(&app, second).await;
    assert_eq!(read_second, before_second);
    assert_eq!(read_second["status"], "assigned");
    assert_eq!(read_second["version"], before_second["version"]);

    let comments = list(
        &app,
        &format!("/api/v1/tickets/{second}/comments"),
        &technician.token,
    )
    .await;
    assert_eq!(ids(&comments), vec![comment]);
    assert_eq!(comments[0]["body"], "Je passe demain");

    let read_log = app
        .get(&log_path(log), &technician.token)
        .await
        .expect(200)
        .body;
    assert_eq!(read_log, before_log);
    let tickets = list(&app, "/api/v1/tickets", &app.admin.token).await;
    assert_eq!(ids(&tickets), vec![second, first]);
}

// ---------------------------------------------------------------------------------------
// The initial admin of an empty database
// ---------------------------------------------------------------------------------------

/// A service built straight from settings, as `helpdesk serve` does.
struct Served {
    base: String,
    handle: actix_web::dev::ServerHandle,
}

async fn serve(settings: helpdesk::config::Settings) -> Served {
    let app = tokio::task::spawn_blocking(move || helpdesk::startup::Application::build(settings))
        .await
        .unwrap()
        .expect("build the application");
    let base = format!("http://127.0.0.1:{}", app.port());
    let server = app.into_server();
    let handle = server.handle();
    tokio::spawn(server);
    Served { base, handle }
}

async fn raw_call(
    method: Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the service answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[cfg(unix)]
fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Reads `email: ...` and `password: ...` lines.
fn credentials_in(text: &str) -> (String, String) {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in {text:?}"))
            .trim()
            .to_string()
    };
    (field("email"), field("password"))
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
#[tokio::test]
async fn an_empty_database_gets_an_admin_whose_password_is_kept_in_a_private_file() {
    let dir = TempDir(std::env::temp_dir().join(format!(
        "helpdesk-initial-{}",
        uuid::Uuid::new_v4().simple()
    )));
    std::fs::create_dir_all(&dir.0).unwrap();
    let mut settings = helpdesk::config::Settings::defaults();
    settings.database.url = format!("sqlite://{}", dir.0.join("h.db").display());
    settings.database.pool_size = 4;
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.auth.jwt_secret = None;

    let served = serve(settings.clone()).await;
    let password_file = dir.0.join("initial-admin-password.txt");
    let secret_file = dir.0.join("jwt-secret");
    assert!(password_file.exists(), "no {}", password_file.display());
    assert_eq!(mode_of(&password_file), 0o600);
    assert!(secret_file.exists(), "no {}", secret_file.display());
    assert_eq!(mode_of(&secret_file), 0o600);
    let password_text = std::fs::read_to_string(&password_file).unwrap();
    let secret_text = std::fs::read_to_string(&secret_file).unwrap();
    let (email, password) = credentials_in(&password_text);

    let login = json!({"email": email, "password": password});
    let (status, body) = raw_call(
        Method::POST,
        format!("{}/api/v1/auth/login", served.base),
        None,
        Some(login.clone()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["role"], "admin");
    let token = body["access_token"].as_str().unwrap().to_string();
    let (status, me) = raw_call(
        Method::GET,
        format!("{}/api/v1/me", served.base),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{me}");
    served.handle.stop(true).await;

    // Started again on the same folder: same secret, the password file is left alone.
    let served = serve(settings).await;
    assert_eq!(std::fs::read_to_string(&secret_file).unwrap(), secret_text);
    assert_eq!(
        std::fs::read_to_string(&password_file).unwrap(),
        password_text
    );
    let (status, me) = raw_call(
        Method::GET,
        format!("{}/api/v1/me", served.base),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "the old token: {me}");
    assert_eq!(me["email"], email);
    let (status, _) = raw_call(
        Method::POST,
        format!("{}/api/v1/auth/login", served.base),
        None,
        Some(login),
    )
    .await;
    assert_eq!(status, 200);
    let (status, users) = raw_call(
        Method::GET,
        format!("{}/api/v1/users", served.base),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(users["items"].as_array().unwrap().len(), 1, "{users}");
    served.handle.stop(true).await;
}

#[tokio::test]
async fn only_its_technician_a_manager_or_an_admin_deletes_a_work_log_and_the_audit_log_says_so() {
    let app = TestApp::spawn().await;
    let member = app.create_member("BILLED").await;
    let technician = app.staff(Role::Technician).await;
    let other_technician = app.staff(Role::Technician).await;
    let hotline = app.staff(Role::Hotline).await;
    let manager = app.staff(Role::Manager).await;
    let mut logs = Vec::new();
    for _ in 0..2 {
        logs.push(
            log_work(&app, &technician.token, on_site(member))
                .await
                .expect(201)
                .id(),
        );
    }

    for someone_else in [&hotline, &other_technician] {
        let refused = app.delete(&log_path(logs[0]), &someone_else.token).await;
        assert_eq!(refused.status.as_u16(), 403, "{}", refused.body);
        assert_eq!(refused.code(), "forbidden");
    }
    app.get(&log_path(logs[0]), &hotline.token)
        .await
        .expect(200);

    // A change is recorded with what changed, by whom.
    app.patch(
        &log_path(logs[0]),
        &hotline.token,
        json!({"days": 1, "note": "corrected"}),
    )
    .await
    .expect(200);
    app.delete(&log_path(logs[0]), &technician.token)
        .await
        .expect(204);
    app.delete(&log_path(logs[1]), &manager.token)
        .await
        .expect(204);

    let audit = |action: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/audit?action={action}"), &app.admin.token)
                .await
                .expect(200)
                .body["items"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let updated = audit("work_log_updated").await;
    assert_eq!(updated.len(), 1, "{updated:?}");
    assert_eq!(updated[0]["actor_id"], hotline.id);
    assert_eq!(updated[0]["subject_user_id"], technician.id);
    assert_eq!(updated[0]["details"]["work_log_id"], logs[0]);
    assert_eq!(
        updated[0]["details"]["changes"]["minutes"],
        json!({"from": 210, "to": 420})
    );
    assert_eq!(updated[0]["details"]["changes"]["note"], "changed");

    let deleted = audit("work_log_deleted").await;
    assert_eq!(deleted.len(), 2, "{deleted:?}");
    let by_actor: Vec<(i64, i64)> = deleted
        .iter()
        .map(|e| {
            (
                e["actor_id"].as_i64().unwrap(),
                e["details"]["work_log_id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(by_actor.contains(&(technician.id, logs[0])), "{deleted:?}");
    assert!(by_actor.contains(&(manager.id, logs[1])), "{deleted:?}");
    let first = deleted
        .iter()
        .find(|e| e["details"]["work_log_id"] == logs[1])
        .unwrap();
    assert_eq!(first["details"]["work_log"]["kind"], "on_site");
    assert_eq!(first["details"]["work_log"]["member_id"], member);
    assert_eq!(first["details"]["work_log"]["minutes"], 210);
}
