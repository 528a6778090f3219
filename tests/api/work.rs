//! Work logs, assignment (by hand and automatic), the directory (members, users,
//! categories), surviving a restart, and the initial admin of an empty database.
use crate::common;
use crate::common::Role;

use common::{ids, Answer, TestApp, TestUser, With, PASSWORD};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const LOGS: &str = "/api/v1/work-logs";

fn log_path(id: i64) -> String {
    format!("{LOGS}/{id}")
}

/// Logs work, which must be accepted; its id.
async fn logged(app: &TestApp, token: &str, body: Value) -> i64 {
    app.log_work(token, body).await.expect(201).id()
}

/// Changes a work log as the admin.
async fn change_log(app: &TestApp, id: i64, body: Value) -> Answer {
    app.patch(&log_path(id), &app.admin.token, body).await
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

async fn list(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    app.read(path, token).await.items().clone()
}

/// The admin sees no work log.
async fn assert_nothing_logged(app: &TestApp) {
    assert!(list(app, LOGS, &app.admin.token).await.is_empty());
}

async fn new_ticket(app: &TestApp, member_id: i64, title: &str) -> i64 {
    app.filed(&app.admin.token, Some(member_id), title).await
}

async fn assign(app: &TestApp, ticket: i64, body: Value) -> Answer {
    app.post(
        &format!("/api/v1/tickets/{ticket}/assign"),
        &app.admin.token,
        body,
    )
    .await
}

async fn set_status(app: &TestApp, ticket: i64, status: &str) {
    let moved = app.change(ticket, &app.admin.token, json!({"status": status}));
    moved.await.expect(200);
}

/// A new ticket of the member, assigned automatically.
async fn auto_assigned(app: &TestApp, member: i64, title: &str) -> Answer {
    let ticket = new_ticket(app, member, title).await;
    assign(app, ticket, json!({"auto": true})).await.expect(200)
}

/// Logs a day of work of that kind at the member for the technician.
async fn day_of(
    app: &TestApp,
    technician: &TestUser,
    member: i64,
    date: impl ToString,
    kind: &str,
) {
    let day = json!({"member_id": member, "date": date.to_string(), "kind": kind, "days": 1});
    app.log_work(&technician.token, day).await.expect(201);
}

/// Orly, a city member from `joined_on` (to `left_on`).
fn orly(joined_on: &str, left_on: Option<&str>) -> Value {
    let mut member =
        json!({"code": "ORLY", "name": "Orly", "kind": "city", "joined_on": joined_on});
    if let Some(left_on) = left_on {
        member["left_on"] = json!(left_on);
    }
    member
}

/// A service with Orly as a member from `joined_on` (to `left_on`).
async fn with_orly(joined_on: &str, left_on: Option<&str>) -> (TestApp, i64) {
    let app = TestApp::spawn().await;
    let member = app.create_member_with(orly(joined_on, left_on)).await;
    (app, member)
}

/// Project work at that member on a day when every test member is a member, in minutes.
fn project_minutes(member_id: i64, minutes: i64) -> Value {
    json!({"member_id": member_id, "date": "2024-03-04", "kind": "project", "minutes": minutes})
}

/// Logging that work as the admin is refused as invalid, naming `field`.
async fn assert_log_refused(app: &TestApp, body: Value, field: &str) {
    let refused = app.log_work(&app.admin.token, body).await;
    assert_invalid(&refused, field);
}

/// A service with the member CACHAN and `N` technicians, logged in.
async fn cachan_with_technicians<const N: usize>() -> (TestApp, i64, [TestUser; N]) {
    let (app, member) = TestApp::with_member("CACHAN").await;
    let mut technicians = Vec::new();
    for _ in 0..N {
        technicians.push(app.staff(Role::Technician).await);
    }
    (app, member, technicians.try_into().unwrap())
}

/// The ticket is in that status, with no assignee; it, as the admin reads it.
async fn assert_unassigned(app: &TestApp, ticket: i64, status: &str) -> Value {
    let after = app.ticket(ticket).await;
    assert_eq!(after["status"], status);
    assert_eq!(after["assignee_id"], Value::Null);
    after
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
    let (app, member) = TestApp::with_member("CACHAN").await;
    let technician = app.staff(Role::Technician).await;

    let created = app.log_work(&technician.token, on_site(member)).await;
    let created = created.expect(201);
    assert_eq!(created.body["minutes"], 210);
    assert_eq!(created.body["days"], 0.5);
    assert_eq!(created.body["member_id"], member);
    assert_eq!(created.body["date"], "2024-03-04");
    assert_eq!(created.body["kind"], "on_site");
    assert_eq!(created.body["technician_id"], technician.id);
    assert!(created.body["created_at"].is_string());
    assert!(created.body["updated_at"].is_string());

    let read = app.read(&log_path(created.id()), &technician.token).await;
    assert_eq!(read.body["minutes"], 210);
    assert_eq!(read.body["days"], 0.5);
}

#[tokio::test]
async fn quarter_whole_and_fractional_days_are_accepted() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    for (days, minutes) in [(0.25, 105), (1.0, 420), (2.75, 1155)] {
        let body = on_site(member).with(json!({"days": days}));
        let created = app.log_work(&app.admin.token, body).await.expect(201);
        assert_eq!(created.body["minutes"], minutes, "days {days}");
        assert_eq!(created.body["days"], days, "days {days}");
    }
}

#[tokio::test]
async fn days_that_are_not_positive_quarters_are_refused() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    for days in [json!(0), json!(-1), json!(0.3)] {
        let body = on_site(member).with(json!({"days": days.clone()}));
        assert_log_refused(&app, body, "days").await;
    }
    assert_nothing_logged(&app).await;
}

#[tokio::test]
async fn one_minute_and_a_month_of_minutes_are_accepted() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    for minutes in [1, 44640] {
        let body = project_minutes(member, minutes);
        let created = app.log_work(&app.admin.token, body).await.expect(201);
        assert_eq!(created.body["minutes"], minutes);
    }
}

#[tokio::test]
async fn zero_minutes_or_more_than_a_month_of_minutes_are_refused() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    for minutes in [0, 44641] {
        let body = project_minutes(member, minutes);
        assert_log_refused(&app, body, "minutes").await;
    }
    assert_nothing_logged(&app).await;
}

#[tokio::test]
async fn giving_both_days_and_minutes_is_refused() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    let body = on_site(member).with(json!({"minutes": 210}));
    let refused = app.log_work(&app.admin.token, body).await;
    refused.assert_problem(422, "validation_failed");
    assert_nothing_logged(&app).await;
}

#[tokio::test]
async fn giving_neither_days_nor_minutes_is_refused() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    let body = json!({"member_id": member, "date": "2024-03-04", "kind": "on_site"});
    let refused = app.log_work(&app.admin.token, body).await;
    refused.assert_problem(422, "validation_failed");
    assert_nothing_logged(&app).await;
}

#[tokio::test]
async fn a_day_lasts_the_configured_workday() {
    let app = TestApp::spawn_with(|s| s.service.workday_minutes = 480).await;
    let member = app.create_member("CACHAN").await;
    let created = app.log_work(&app.admin.token, on_site(member)).await;
    let created = created.expect(201);
    assert_eq!(created.body["minutes"], 240);
    assert_eq!(created.body["days"], 0.5);
}

// ---------------------------------------------------------------------------------------
// Work logs: kinds, members, people
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn hotline_duty_is_logged_without_a_member_and_refused_with_one() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    let hotline = app.staff(Role::Hotline).await;

    let duty = json!({"date": "2024-03-04", "kind": "hotline_duty", "days": 1});
    let at_member = duty.clone().with(json!({"member_id": member}));
    let refused = app.log_work(&hotline.token, at_member).await;
    assert_invalid(&refused, "member_id");
    assert!(list(&app, LOGS, &hotline.token).await.is_empty());

    let created = app.log_work(&hotline.token, duty).await.expect(201);
    assert_eq!(created.body["kind"], "hotline_duty");
    assert_eq!(created.body["member_id"], Value::Null);
}

#[tokio::test]
async fn posted_on_site_and_project_work_needs_a_member() {
    let app = TestApp::spawn().await;
    for kind in ["posted", "on_site", "project"] {
        let nowhere = json!({"date": "2024-03-04", "kind": kind, "days": 1});
        let refused = app.log_work(&app.admin.token, nowhere).await;
        assert_invalid(&refused, "member_id");
    }
    assert_nothing_logged(&app).await;
}

#[tokio::test]
async fn work_is_logged_only_on_days_when_the_member_was_a_member() {
    let (app, member) = with_orly("2020-01-01", Some("2020-12-31")).await;
    let on = |date| json!({"member_id": member, "date": date, "kind": "on_site", "days": 1});
    for date in ["2019-12-31", "2021-01-01"] {
        let refused = app.log_work(&app.admin.token, on(date)).await;
        refused.assert_problem(422, "validation_failed");
    }
    assert_nothing_logged(&app).await;

    for date in ["2020-01-01", "2020-12-31"] {
        let created = app.log_work(&app.admin.token, on(date)).await;
        assert_eq!(created.expect(201).body["date"], date);
    }
}

#[tokio::test]
async fn work_is_logged_for_the_caller_unless_another_technician_is_named() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    let hotline = app.staff(Role::Hotline).await;
    let technician = app.staff(Role::Technician).await;

    let own = app.log_work(&hotline.token, on_site(member)).await;
    assert_eq!(own.expect(201).body["technician_id"], hotline.id);

    let body = on_site(member).with(json!({"technician_id": technician.id}));
    let named = app.log_work(&hotline.token, body).await.expect(201);
    assert_eq!(named.body["technician_id"], technician.id);
}

#[tokio::test]
async fn work_cannot_be_logged_for_an_agent_or_an_unknown_user() {
    let (app, member, agent) = TestApp::with_agent("CACHAN").await;
    for technician_id in [agent.id, 999_999] {
        let body = on_site(member).with(json!({"technician_id": technician_id}));
        assert_log_refused(&app, body, "technician_id").await;
    }
    assert_nothing_logged(&app).await;
}

#[tokio::test]
async fn work_on_an_unknown_ticket_is_refused_and_on_a_real_one_accepted() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    let body = on_site(member).with(json!({"ticket_id": 999_999}));
    assert_log_refused(&app, body, "ticket_id").await;
    assert_nothing_logged(&app).await;

    let ticket = new_ticket(&app, member, "Serveur").await;
    let body = on_site(member).with(json!({"ticket_id": ticket}));
    let created = app.log_work(&app.admin.token, body).await.expect(201);
    assert_eq!(created.body["ticket_id"], ticket);
}

#[tokio::test]
async fn agents_can_neither_log_nor_read_nor_change_work() {
    let (app, member, agent) = TestApp::with_agent("CACHAN").await;
    let log = logged(&app, &app.admin.token, on_site(member)).await;

    let (path, t) = (log_path(log), agent.token.as_str());
    for answer in [
        app.log_work(t, on_site(member)).await,
        app.get(LOGS, t).await,
        app.get(&path, t).await,
        app.patch(&path, t, json!({"days": 1})).await,
        app.delete(&path, t).await,
    ] {
        answer.assert_problem(403, "forbidden");
    }

    let items = list(&app, LOGS, &app.admin.token).await;
    assert_eq!(ids(&items), vec![log]);
    assert_eq!(items[0]["minutes"], 210);
}

// ---------------------------------------------------------------------------------------
// Work logs: lists
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn work_logs_are_listed_newest_day_first_and_filtered() {
    let (app, [cachan, orly]) = TestApp::with_members(["CACHAN", "ORLY"]).await;
    let alice = app.staff(Role::Technician).await;
    let bob = app.staff(Role::Technician).await;
    let network = category(&app, "Câblage des bureaux", None).await;
    let printing = category(&app, "Traceurs", None).await;

    let mut made = Vec::new();
    for (who, member, date, kind, category_id) in [
        (&alice, Some(cachan), "2024-03-01", "posted", Some(network)),
        (&bob, Some(orly), "2024-03-05", "on_site", Some(printing)),
        (&alice, Some(orly), "2024-03-03", "project", None),
        (&bob, None, "2024-03-02", "hotline_duty", None),
        (&alice, Some(cachan), "2024-03-04", "on_site", Some(network)),
    ] {
        let mut body = json!({"date": date, "kind": kind, "days": 1});
        if let Some(member) = member {
            body["member_id"] = json!(member);
        }
        if let Some(category_id) = category_id {
            body["category_id"] = json!(category_id);
        }
        made.push(logged(&app, &who.token, body).await);
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
    let bobs = format!("{LOGS}?technician_id={}", bob.id);
    let by_technician = list(&app, &bobs, t).await;
    assert_eq!(ids(&by_technician), vec![onsite_o, duty]);
    let by_kind = list(&app, &format!("{LOGS}?kind=on_site"), t).await;
    assert_eq!(ids(&by_kind), vec![onsite_o, onsite_c]);
    let from = list(&app, &format!("{LOGS}?from=2024-03-03"), t).await;
    assert_eq!(ids(&from), vec![onsite_o, onsite_c, project_o]);
    let to = list(&app, &format!("{LOGS}?to=2024-03-02"), t).await;
    assert_eq!(ids(&to), vec![duty, posted_c]);
    let between = list(&app, &format!("{LOGS}?from=2024-03-02&to=2024-03-04"), t).await;
    assert_eq!(ids(&between), vec![onsite_c, project_o, duty]);
    let networks = list(&app, &format!("{LOGS}?category_id={network}"), t).await;
    assert_eq!(ids(&networks), vec![onsite_c, posted_c]);
    let on_site_networks = format!("{LOGS}?category_id={network}&kind=on_site");
    assert_eq!(ids(&list(&app, &on_site_networks, t).await), vec![onsite_c]);
    let bad = app.get(&format!("{LOGS}?category_id=x"), t).await;
    bad.expect(422);
    let alices = format!("{LOGS}?technician_id={}&kind=on_site", alice.id);
    let combined = list(&app, &alices, t).await;
    assert_eq!(ids(&combined), vec![onsite_c]);
}

#[tokio::test]
async fn work_logs_are_paged_newest_day_first() {
    let (app, member) = TestApp::with_member("CACHAN").await;
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
        made.push(logged(&app, &app.admin.token, body).await);
    }
    let expected = vec![made[3], made[1], made[2], made[0], made[4]];

    let mut seen = Vec::new();
    let mut path = format!("{LOGS}?limit=2");
    let mut pages = 0;
    loop {
        let page = app.read(&path, &app.admin.token).await;
        assert!(page.items().len() <= 2);
        seen.extend(page.item_ids());
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
    let (app, member) = TestApp::with_member("CACHAN").await;
    let id = logged(&app, &app.admin.token, on_site(member)).await;

    let changed = change_log(&app, id, json!({"days": 1.5})).await;
    let changed = changed.expect(200);
    assert_eq!(changed.body["minutes"], 630);
    assert_eq!(changed.body["days"], 1.5);
    assert_eq!(changed.body["kind"], "on_site");
    assert_eq!(changed.body["member_id"], member);

    let read = app.read(&log_path(id), &app.admin.token).await;
    assert_eq!(read.body["minutes"], 630);
}

#[tokio::test]
async fn a_work_log_becomes_hotline_duty_when_its_member_is_removed_too() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    let id = logged(&app, &app.admin.token, on_site(member)).await;

    let duty = json!({"kind": "hotline_duty", "member_id": null});
    let changed = change_log(&app, id, duty).await.expect(200);
    assert_eq!(changed.body["kind"], "hotline_duty");
    assert_eq!(changed.body["member_id"], Value::Null);

    let read = app.read(&log_path(id), &app.admin.token).await;
    assert_eq!(read.body["kind"], "hotline_duty");
    assert_eq!(read.body["member_id"], Value::Null);
    assert_eq!(read.body["minutes"], 210);
}

#[tokio::test]
async fn a_change_that_would_break_a_rule_is_refused_and_leaves_the_log_as_it_was() {
    let (app, member) = with_orly("2020-01-01", Some("2024-12-31")).await;
    let agent = app.agent_of(member).await;
    let id = logged(&app, &app.admin.token, on_site(member)).await;
    let before = app.read(&log_path(id), &app.admin.token).await.body;

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
        let refused = change_log(&app, id, change.clone()).await;
        assert_eq!(refused.status.as_u16(), 422, "{change}: {}", refused.body);
        assert_eq!(refused.code(), "validation_failed", "{change}");
        let after = app.read(&log_path(id), &app.admin.token).await.body;
        assert_eq!(after, before, "after {change}");
    }
}

#[tokio::test]
async fn a_deleted_work_log_is_gone() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    let technician = app.staff(Role::Technician).await;
    let kept = logged(&app, &technician.token, on_site(member)).await;
    let id = logged(&app, &technician.token, on_site(member)).await;

    let deleted = app.delete(&log_path(id), &technician.token).await;
    let deleted = deleted.expect(204);
    assert_eq!(deleted.body, Value::Null);
    app.get(&log_path(id), &technician.token)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(ids(&list(&app, LOGS, &technician.token).await), vec![kept]);
}

// ---------------------------------------------------------------------------------------
// Assignment
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn assigning_a_named_technician_makes_the_ticket_assigned_to_him() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    let technician = app.staff(Role::Technician).await;
    let ticket = new_ticket(&app, member, "Écran noir").await;

    let assigned = app.assign(ticket, &app.admin.token, technician.id).await;
    let assigned = assigned.expect(200);
    assert_eq!(assigned.body["status"], "assigned");
    assert_eq!(assigned.body["assignee_id"], technician.id);
    let read = app.ticket(ticket).await;
    assert_eq!(read["status"], "assigned");
    assert_eq!(read["assignee_id"], technician.id);
}

#[tokio::test]
async fn assigning_to_an_agent_an_unknown_user_or_a_disabled_technician_is_refused() {
    let (app, member, agent) = TestApp::with_agent("CACHAN").await;
    let disabled = app.staff(Role::Technician).await;
    app.set_disabled(disabled.id, true).await;
    let ticket = new_ticket(&app, member, "Imprimante").await;
    let before = app.ticket(ticket).await;

    for technician_id in [agent.id, 999_999, disabled.id] {
        let refused = app.assign(ticket, &app.admin.token, technician_id).await;
        refused.assert_problem(422, "validation_failed");
    }
    let after = assert_unassigned(&app, ticket, "new").await;
    assert_eq!(after["version"], before["version"]);
}

#[tokio::test]
async fn auto_assignment_prefers_the_technician_posted_at_the_member_today() {
    let (app, member, [idle, posted]) = cachan_with_technicians().await;
    ticket_held_by(&app, member, posted.id, "assigned").await;
    ticket_held_by(&app, member, posted.id, "in_progress").await;
    day_of(&app, &posted, member, common::paris_today(), "posted").await;

    let assigned = auto_assigned(&app, member, "Poste lent").await;
    assert_eq!(assigned.body["assignee_id"], posted.id, "not {}", idle.id);
    assert_eq!(assigned.body["status"], "assigned");
}

#[tokio::test]
async fn a_technician_posted_there_yesterday_is_not_preferred_today() {
    let (app, member, [idle, posted]) = cachan_with_technicians().await;
    ticket_held_by(&app, member, posted.id, "assigned").await;
    let yesterday = common::paris_today().pred_opt().unwrap();
    day_of(&app, &posted, member, yesterday, "posted").await;

    let assigned = auto_assigned(&app, member, "Poste lent").await;
    assert_eq!(assigned.body["assignee_id"], idle.id);
}

#[tokio::test]
async fn a_technician_posted_at_another_member_today_is_not_preferred() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    let other = app.create_member("ORLY").await;
    let idle = app.staff(Role::Technician).await;
    let posted = app.staff(Role::Technician).await;
    ticket_held_by(&app, member, posted.id, "assigned").await;
    let today = common::paris_today();
    day_of(&app, &posted, other, today, "posted").await;
    // Being on site (not posted) at the ticket's member today does not count either.
    day_of(&app, &posted, member, today, "on_site").await;

    let assigned = auto_assigned(&app, member, "Poste lent").await;
    assert_eq!(assigned.body["assignee_id"], idle.id);
}

#[tokio::test]
async fn auto_assignment_picks_the_technician_with_fewest_open_tickets() {
    let (app, member, [with_assigned, with_in_progress, with_waiting, with_only_finished]) =
        cachan_with_technicians().await;
    ticket_held_by(&app, member, with_assigned.id, "assigned").await;
    ticket_held_by(&app, member, with_in_progress.id, "in_progress").await;
    ticket_held_by(&app, member, with_waiting.id, "waiting").await;
    ticket_held_by(&app, member, with_only_finished.id, "resolved").await;
    ticket_held_by(&app, member, with_only_finished.id, "resolved").await;
    ticket_held_by(&app, member, with_only_finished.id, "closed").await;

    let assigned = auto_assigned(&app, member, "Messagerie").await;
    assert_eq!(assigned.body["assignee_id"], with_only_finished.id);
    assert_eq!(assigned.body["status"], "assigned");
}

#[tokio::test]
async fn technicians_with_as_many_open_tickets_go_by_smaller_user_id() {
    let (app, member, [first, second]) = cachan_with_technicians().await;
    assert!(first.id < second.id);
    ticket_held_by(&app, member, second.id, "assigned").await;
    ticket_held_by(&app, member, first.id, "waiting").await;

    let assigned = auto_assigned(&app, member, "Un").await;
    assert_eq!(assigned.body["assignee_id"], first.id);

    // Now the first holds two open tickets and the second one.
    let assigned = auto_assigned(&app, member, "Deux").await;
    assert_eq!(assigned.body["assignee_id"], second.id);
}

#[tokio::test]
async fn auto_assignment_without_an_active_technician_is_refused() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    app.staff(Role::Hotline).await;
    app.staff(Role::Manager).await;
    let disabled = app.staff(Role::Technician).await;
    app.set_disabled(disabled.id, true).await;
    let ticket = new_ticket(&app, member, "Personne").await;

    let refused = assign(&app, ticket, json!({"auto": true})).await;
    refused.assert_problem(409, "no_technician");
    assert_unassigned(&app, ticket, "new").await;
}

#[tokio::test]
async fn auto_assignment_of_a_resolved_ticket_is_an_invalid_transition() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    app.staff(Role::Technician).await;
    let ticket = new_ticket(&app, member, "Réglé au téléphone").await;
    set_status(&app, ticket, "resolved").await;
    let before = app.ticket(ticket).await;

    let refused = assign(&app, ticket, json!({"auto": true})).await;
    refused.assert_problem(422, "invalid_transition");
    let after = assert_unassigned(&app, ticket, "resolved").await;
    assert_eq!(after["version"], before["version"]);
}

#[tokio::test]
async fn assignment_needs_exactly_one_of_a_technician_and_auto() {
    let (app, member) = TestApp::with_member("CACHAN").await;
    let technician = app.staff(Role::Technician).await;
    let ticket = new_ticket(&app, member, "Ambigu").await;

    for body in [
        json!({}),
        json!({"technician_id": technician.id, "auto": true}),
    ] {
        let refused = assign(&app, ticket, body.clone()).await;
        refused.assert_problem(422, "validation_failed");
    }
    assert_unassigned(&app, ticket, "new").await;
}

// ---------------------------------------------------------------------------------------
// Directory: members
// ---------------------------------------------------------------------------------------

const MEMBERS: &str = "/api/v1/members";

fn member_path(id: i64) -> String {
    format!("{MEMBERS}/{id}")
}

/// A city of that code and name.
fn city(code: &str, name: &str) -> Value {
    json!({"code": code, "name": name, "kind": "city"})
}

/// Creates a member as the holder of that token.
async fn post_member(app: &TestApp, token: &str, body: Value) -> Answer {
    app.post(MEMBERS, token, body).await
}

/// The members as the admin lists them.
async fn members(app: &TestApp) -> Vec<Value> {
    list(app, MEMBERS, &app.admin.token).await
}

#[tokio::test]
async fn a_manager_creates_a_member_whose_code_is_upper_cased() {
    let (app, manager) = TestApp::with_staff(Role::Manager).await;
    let office = json!({"code": "oph-94_b", "name": "Office HLM", "kind": "housing_office",
                        "joined_on": "2015-01-01"});
    let created = post_member(&app, &manager.token, office).await;
    let created = created.expect(201);
    let id = created.id();
    let location = created.header("location");
    assert_eq!(location.as_deref(), Some(member_path(id).as_str()));
    assert_eq!(created.body["code"], "OPH-94_B");
    assert_eq!(created.body["name"], "Office HLM");
    assert_eq!(created.body["kind"], "housing_office");
    assert_eq!(created.body["uses_hotline"], true);
    assert_eq!(created.body["joined_on"], "2015-01-01");
    assert_eq!(created.body["left_on"], Value::Null);

    let read = app.read(&member_path(id), &manager.token).await;
    assert_eq!(read.body["code"], "OPH-94_B");
    assert_eq!(read.body["kind"], "housing_office");
}

#[tokio::test]
async fn a_member_code_already_taken_in_any_case_is_a_duplicate() {
    let app = TestApp::spawn().await;
    app.create_member("CACHAN").await;
    let refused = post_member(&app, &app.admin.token, city("cachan", "Autre")).await;
    refused.assert_problem(409, "duplicate");
    assert_eq!(members(&app).await.len(), 1);
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
        let refused = post_member(&app, &app.admin.token, city(code, "Mauvais")).await;
        assert_invalid(&refused, "code");
    }
    let longest = city(&"A".repeat(40), "Long");
    let longest = post_member(&app, &app.admin.token, longest).await;
    let longest = longest.expect(201);
    assert_eq!(ids(&members(&app).await), vec![longest.id()]);
}

#[tokio::test]
async fn an_unknown_member_kind_is_refused() {
    let app = TestApp::spawn().await;
    let village = json!({"code": "CACHAN", "name": "Cachan", "kind": "village"});
    let refused = post_member(&app, &app.admin.token, village).await;
    assert_invalid(&refused, "kind");
    assert!(members(&app).await.is_empty());
}

#[tokio::test]
async fn a_member_cannot_leave_before_it_joined() {
    let app = TestApp::spawn().await;
    let dates = json!({"joined_on": "2020-06-01", "left_on": "2020-05-31"});
    let backwards = city("CACHAN", "Cachan").with(dates);
    let refused = post_member(&app, &app.admin.token, backwards).await;
    refused.assert_problem(422, "validation_failed");
    assert!(members(&app).await.is_empty());

    let id = app.create_member_with(orly("2020-06-01", None)).await;
    let before_joining = json!({"left_on": "2019-01-01"});
    let path = member_path(id);
    let refused = app.patch(&path, &app.admin.token, before_joining).await;
    refused.assert_problem(422, "validation_failed");
    let read = app.admin_reads(&member_path(id)).await;
    assert_eq!(read["left_on"], Value::Null);
}

#[tokio::test]
async fn a_manager_renames_a_member_and_records_when_it_left() {
    let (app, manager) = TestApp::with_staff(Role::Manager).await;
    let id = app.create_member_with(orly("2010-01-01", None)).await;
    let change = json!({"name": "Ville d'Orly", "left_on": "2023-12-31"});
    let changed = app.patch(&member_path(id), &manager.token, change).await;
    let changed = changed.expect(200);
    assert_eq!(changed.body["name"], "Ville d'Orly");
    assert_eq!(changed.body["left_on"], "2023-12-31");
    assert_eq!(changed.body["code"], "ORLY");

    let read = app.read(&member_path(id), &manager.token).await;
    assert_eq!(read.body["name"], "Ville d'Orly");
    assert_eq!(read.body["left_on"], "2023-12-31");
    assert_eq!(read.body["joined_on"], "2010-01-01");
}

#[tokio::test]
async fn the_hotline_cannot_create_or_change_members() {
    let (app, hotline) = TestApp::with_staff(Role::Hotline).await;
    let id = app.create_member("CACHAN").await;

    let renamed = json!({"name": "Renamed"});
    let refused = app.patch(&member_path(id), &hotline.token, renamed).await;
    refused.assert_problem(403, "forbidden");
    let refused = post_member(&app, &hotline.token, city("ORLY", "Orly")).await;
    refused.assert_problem(403, "forbidden");

    let members = list(&app, MEMBERS, &hotline.token).await;
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
    let (app, member) = TestApp::with_member("CACHAN").await;
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
    let (app, member) = TestApp::with_member("CACHAN").await;
    let refused = create_user(&app, user_body("agent@test.org", "agent", None)).await;
    assert_invalid(&refused, "member_id");
    let refused = create_user(&app, user_body("tech@test.org", "technician", Some(member))).await;
    assert_invalid(&refused, "member_id");
    app.login("agent@test.org", PASSWORD)
        .await
        .assert_unauthorized();
    app.login("tech@test.org", PASSWORD)
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn a_password_shorter_than_eight_characters_is_refused() {
    let app = TestApp::spawn().await;
    let mut body = user_body("short@test.org", "hotline", None);
    body["password"] = json!("1234567");
    assert_invalid(&create_user(&app, body).await, "password");
    app.login("short@test.org", "1234567")
        .await
        .assert_unauthorized();

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
    refused.assert_problem(409, "duplicate");
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
    app.login("ghost@test.org", PASSWORD)
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn a_new_password_logs_in_and_the_old_one_no_longer_does() {
    let (app, user) = TestApp::with_staff(Role::Technician).await;
    let promoted = json!({"role": "manager", "password": "another-password"});
    let changed = app.change_user(user.id, &app.admin.token, promoted).await;
    let changed = changed.expect(200);
    assert_eq!(changed.body["role"], "manager");
    assert!(!changed.body.to_string().contains("another-password"));

    app.login(&user.email, PASSWORD).await.assert_unauthorized();
    let login = app.login(&user.email, "another-password").await.expect(200);
    assert_eq!(login.body["user"]["role"], "manager");
    let token = login.access_token();
    // As a manager now, the user may create a member.
    let created = post_member(&app, &token, city("CACHAN", "Cachan")).await;
    created.expect(201);
}

#[tokio::test]
async fn a_disabled_user_can_no_longer_log_in() {
    let (app, user) = TestApp::with_staff(Role::Hotline).await;
    let changed = app.set_disabled(user.id, true).await;
    assert_eq!(changed.body["disabled"], true);
    let login = app.login(&user.email, PASSWORD).await;
    login.assert_unauthorized();
    app.me(&user.token).await.assert_unauthorized();
}

// ---------------------------------------------------------------------------------------
// Directory: categories
// ---------------------------------------------------------------------------------------

const CATEGORIES: &str = "/api/v1/categories";

async fn create_category(app: &TestApp, name: &str, parent_id: Option<i64>) -> Answer {
    let category = json!({"name": name, "parent_id": parent_id});
    app.post(CATEGORIES, &app.admin.token, category).await
}

/// Creates a category, which must be accepted; its id.
async fn category(app: &TestApp, name: &str, parent_id: Option<i64>) -> i64 {
    create_category(app, name, parent_id).await.expect(201).id()
}

/// How many categories the admin sees.
async fn category_count(app: &TestApp) -> usize {
    list(app, CATEGORIES, &app.admin.token).await.len()
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
        .admin_reads(&format!("{CATEGORIES}/{}", child.id()))
        .await;
    assert_eq!(read["name"], "Imprimante");
    assert_eq!(read["parent_id"], top.id());

    let refused = create_category(&app, "Toner", Some(child.id())).await;
    assert_invalid(&refused, "parent_id");
    assert_eq!(category_count(&app).await, SEEDED_CATEGORIES + 2);
}

/// A new database starts with the tree of the report's domains: 7 domains, 20 below them.
const SEEDED_CATEGORIES: usize = 27;

#[tokio::test]
async fn a_new_database_starts_with_the_report_domains() {
    let app = TestApp::spawn().await;
    let all = list(&app, CATEGORIES, &app.admin.token).await;
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
    assert_eq!(category_count(&app).await, SEEDED_CATEGORIES);
}

#[tokio::test]
async fn sibling_categories_have_different_names_but_cousins_may_share_one() {
    let app = TestApp::spawn().await;
    let hardware = category(&app, "Matériel", None).await;
    let software = category(&app, "Logiciel", None).await;
    category(&app, "Autre", Some(hardware)).await;

    create_category(&app, "Autre", Some(hardware))
        .await
        .assert_problem(409, "duplicate");
    create_category(&app, "Matériel", None)
        .await
        .assert_problem(409, "duplicate");
    let cousin = create_category(&app, "Autre", Some(software))
        .await
        .expect(201);
    assert_eq!(cousin.body["parent_id"], software);
    assert_eq!(category_count(&app).await, SEEDED_CATEGORIES + 4);
}

#[tokio::test]
async fn categories_are_listed_newest_first_to_everyone() {
    let (app, _, agent) = TestApp::with_agent("CACHAN").await;
    let a = category(&app, "Réseaux locaux", None).await;
    let b = category(&app, "Wifi", Some(a)).await;
    let c = category(&app, "Téléphonie IP", None).await;
    let listed = ids(&list(&app, CATEGORIES, &agent.token).await);
    assert_eq!(listed.len(), SEEDED_CATEGORIES + 3);
    assert_eq!(listed[..3], [c, b, a]);

    let first = format!("{CATEGORIES}?limit=2");
    let page = app.read(&first, &agent.token).await;
    assert_eq!(page.item_ids(), vec![c, b]);
    let cursor = page.body["next_cursor"].as_str().expect("a second page");
    let rest = format!("{CATEGORIES}?limit=2&cursor={cursor}");
    let rest = app.read(&rest, &agent.token).await;
    assert_eq!(rest.item_ids()[0], a);
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
    let (mut app, member) = TestApp::with_member("CACHAN").await;
    let technician: TestUser = app.staff(Role::Technician).await;
    let first = new_ticket(&app, member, "Premier").await;
    let second = new_ticket(&app, member, "Second").await;
    let assigned = app.assign(second, &app.admin.token, technician.id);
    assigned.await.expect(200);
    let comment = json!({"body": "Je passe demain", "internal": false});
    let comment = app.comment(second, &technician.token, comment).await;
    let comment = comment.expect(201).id();
    let body = on_site(member).with(json!({"ticket_id": second}));
    let log = logged(&app, &technician.token, body).await;
    let before_first = app.ticket(first).await;
    let before_second = app.ticket(second).await;
    let before_log = app.read(&log_path(log), &technician.token).await.body;

    app.restart().await;

    // The token from before the restart still works.
    let path = common::ticket_path(first);
    let read_first = app.read(&path, &technician.token).await;
    assert_eq!(read_first.body, before_first);
    let read_second = app.ticket(second).await;
    assert_eq!(read_second, before_second);
    assert_eq!(read_second["status"], "assigned");
    assert_eq!(read_second["version"], before_second["version"]);

    let comments = format!("{}/comments", common::ticket_path(second));
    let comments = list(&app, &comments, &technician.token).await;
    assert_eq!(ids(&comments), vec![comment]);
    assert_eq!(comments[0]["body"], "Je passe demain");

    let read_log = app.read(&log_path(log), &technician.token).await.body;
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
    let (base, handle) = common::serve(settings).await;
    Served { base, handle }
}

impl Served {
    /// GET with that token: the status and the body.
    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let request = reqwest::Client::new().get(format!("{}{path}", self.base));
        let answer = Answer::read(request.bearer_auth(token).send().await.unwrap()).await;
        (answer.status.as_u16(), answer.body)
    }

    /// Logs in with those credentials (`{"email", "password"}`): the status and the body.
    async fn login(&self, credentials: &Value) -> (u16, Value) {
        let url = format!("{}/api/v1/auth/login", self.base);
        let request = reqwest::Client::new().post(url).json(credentials);
        let answer = Answer::read(request.send().await.unwrap()).await;
        (answer.status.as_u16(), answer.body)
    }
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
    let (status, body) = served.login(&login).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["role"], "admin");
    let token = body["access_token"].as_str().unwrap().to_string();
    let (status, me) = served.get("/api/v1/me", &token).await;
    assert_eq!(status, 200, "{me}");
    served.handle.stop(true).await;

    // Started again on the same folder: same secret, the password file is left alone.
    let served = serve(settings).await;
    assert_eq!(std::fs::read_to_string(&secret_file).unwrap(), secret_text);
    assert_eq!(
        std::fs::read_to_string(&password_file).unwrap(),
        password_text
    );
    let (status, me) = served.get("/api/v1/me", &token).await;
    assert_eq!(status, 200, "the old token: {me}");
    assert_eq!(me["email"], email);
    let (status, _) = served.login(&login).await;
    assert_eq!(status, 200);
    let (status, users) = served.get("/api/v1/users", &token).await;
    assert_eq!(status, 200);
    assert_eq!(users["items"].as_array().unwrap().len(), 1, "{users}");
    served.handle.stop(true).await;
}

#[tokio::test]
async fn only_its_technician_a_manager_or_an_admin_deletes_a_work_log_and_the_audit_log_says_so() {
    let (app, member) = TestApp::with_member("BILLED").await;
    let technician = app.staff(Role::Technician).await;
    let other_technician = app.staff(Role::Technician).await;
    let hotline = app.staff(Role::Hotline).await;
    let manager = app.staff(Role::Manager).await;
    let mut logs = Vec::new();
    for _ in 0..2 {
        logs.push(logged(&app, &technician.token, on_site(member)).await);
    }

    for someone_else in [&hotline, &other_technician] {
        let refused = app.delete(&log_path(logs[0]), &someone_else.token).await;
        assert_eq!(refused.status.as_u16(), 403, "{}", refused.body);
        assert_eq!(refused.code(), "forbidden");
    }
    app.read(&log_path(logs[0]), &hotline.token).await;

    // A change is recorded with what changed, by whom.
    let correction = json!({"days": 1, "note": "corrected"});
    let path = log_path(logs[0]);
    app.patch(&path, &hotline.token, correction)
        .await
        .expect(200);
    for (log, who) in [(logs[0], &technician), (logs[1], &manager)] {
        app.delete(&log_path(log), &who.token).await.expect(204);
    }

    let updated = app.audit("?action=work_log_updated").await;
    assert_eq!(updated.len(), 1, "{updated:?}");
    assert_eq!(updated[0]["actor_id"], hotline.id);
    assert_eq!(updated[0]["subject_user_id"], technician.id);
    assert_eq!(updated[0]["details"]["work_log_id"], logs[0]);
    assert_eq!(
        updated[0]["details"]["changes"]["minutes"],
        json!({"from": 210, "to": 420})
    );
    assert_eq!(updated[0]["details"]["changes"]["note"], "changed");

    let deleted = app.audit("?action=work_log_deleted").await;
    assert_eq!(deleted.len(), 2, "{deleted:?}");
    let by_actor: Vec<(i64, i64)> =
        common::rows(&json!(deleted), &["actor_id", "details.work_log_id"]);
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
