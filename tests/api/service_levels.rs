use crate::common;
use crate::common::Role;

use common::{hours_ago, open_all_hours, ticket, ticket_path, TestApp, With};
use serde_json::{json, Value};

const LEVELS: &str = "service-levels?year=2018";

/// An imported, taken-in-charge ticket: created at `created` (Paris time), taken in charge
/// `ack` minutes of the clock later and resolved `resolved` minutes later.
fn past_ticket(
    member: i64,
    priority: i64,
    created: &str,
    acknowledged: &str,
    resolved: Option<&str>,
) -> Value {
    let mut ticket = json!({"title": "t", "description": "", "member_id": member, "priority": priority,
                            "created_at": created, "acknowledged_at": acknowledged,
                            "status": "in_progress"});
    if let Some(resolved) = resolved {
        ticket["resolved_at"] = json!(resolved);
        ticket["status"] = json!("resolved");
    }
    ticket
}

#[tokio::test]
async fn service_levels_give_count_median_p90_and_share_within_target_in_business_minutes() {
    let (app, [arcueil, ivry]) = TestApp::with_members(["ARCUEIL", "IVRY"]).await;
    // Tuesday 6 March 2018, 09:00 in Paris.
    let created = "2018-03-06T09:00:00+01:00";
    let batch = json!([
        past_ticket(
            arcueil,
            1,
            created,
            "2018-03-06T09:10:00+01:00",
            Some("2018-03-06T10:40:00+01:00")
        ),
        past_ticket(
            arcueil,
            1,
            created,
            "2018-03-06T09:20:00+01:00",
            Some("2018-03-06T14:00:00+01:00")
        ),
        past_ticket(arcueil, 1, created, "2018-03-06T09:40:00+01:00", None),
        past_ticket(arcueil, 1, created, "2018-03-06T09:50:00+01:00", None),
        // Filed Friday 17:50, taken in charge Monday 08:20: 30 business minutes, on target.
        past_ticket(
            ivry,
            1,
            "2018-03-09T17:50:00+01:00",
            "2018-03-12T08:20:00+01:00",
            None
        ),
        // Priority 3 (target 240): taken in charge the next morning, 10 business hours later.
        past_ticket(ivry, 3, created, "2018-03-07T09:00:00+01:00", None),
        // Another year.
        past_ticket(
            ivry,
            3,
            "2017-03-07T09:00:00+01:00",
            "2017-03-07T09:05:00+01:00",
            None
        ),
    ]);
    app.import(batch).await.expect(201);
    let hotline = app.staff(Role::Hotline).await;
    let levels = app.stats(LEVELS, &hotline.token).await;
    let rows = levels.body["rows"].as_array().unwrap();
    let keys: Vec<(String, i64)> = levels.rows(&["member_code", "priority"]);
    assert_eq!(
        keys,
        vec![
            ("ARCUEIL".into(), 1),
            ("IVRY".into(), 1),
            ("IVRY".into(), 3)
        ]
    );

    let arcueil_p1 = &rows[0];
    assert_eq!(arcueil_p1["tickets"], 4);
    assert_eq!(
        arcueil_p1["acknowledge"],
        json!({"count": 4, "target_minutes": 30, "median_minutes": 30.0, "p90_minutes": 47.0,
               "within_target_pct": 50.0})
    );
    // Resolved after 100 and 300 business minutes, against a target of 240.
    assert_eq!(
        arcueil_p1["resolve"],
        json!({"count": 2, "target_minutes": 240, "median_minutes": 200.0, "p90_minutes": 280.0,
               "within_target_pct": 50.0})
    );
    assert_eq!(rows[1]["acknowledge"]["median_minutes"], 30.0);
    assert_eq!(rows[1]["acknowledge"]["within_target_pct"], 100.0);
    assert_eq!(rows[1]["resolve"]["count"], 0);
    assert_eq!(rows[1]["resolve"]["median_minutes"], Value::Null);
    assert_eq!(rows[2]["acknowledge"]["median_minutes"], 600.0);
    assert_eq!(rows[2]["acknowledge"]["within_target_pct"], 0.0);
}

#[tokio::test]
async fn time_spent_waiting_is_not_counted() {
    let app = TestApp::spawn_with(|s| {
        open_all_hours(s);
        s.calendar.closed_days = Vec::new();
    })
    .await;
    let member = app.create_member("VITRY").await;
    let hotline = app.staff(Role::Hotline).await;
    let waiting_for = "En attente du demandeur";
    let id = app.filed(&hotline.token, Some(member), waiting_for).await;
    let status = |status: &str| json!({"status": status});
    app.change(id, &hotline.token, status("waiting"))
        .await
        .expect(200);
    // Filed three hours ago; waiting for the last two of them.
    app.execute_sql(&format!(
        "UPDATE tickets SET created_at = '{}', waiting_since = '{}' WHERE id = {id}",
        hours_ago(3),
        hours_ago(2)
    ))
    .await;
    let waiting = app.read(&ticket_path(id), &hotline.token).await;
    assert_eq!(waiting.body["service_level"]["paused"], true);
    let elapsed = waiting.body["service_level"]["acknowledge"]["elapsed_minutes"]
        .as_i64()
        .unwrap();
    assert!(
        (59..=61).contains(&elapsed),
        "one hour counted, got {elapsed}"
    );

    let taken = app.change(id, &hotline.token, status("in_progress"));
    let taken = taken.await.expect(200);
    let acknowledge = &taken.body["service_level"]["acknowledge"];
    let minutes = acknowledge["elapsed_minutes"].as_i64().unwrap();
    assert!(
        (59..=61).contains(&minutes),
        "one hour counted, got {minutes}"
    );
    assert_eq!(acknowledge["target_minutes"], 240);
    assert_eq!(acknowledge["met"], true);
    assert_eq!(taken.body["service_level"]["paused"], false);
}

#[tokio::test]
async fn a_new_ticket_shows_its_due_times_per_priority() {
    let (app, member) = TestApp::with_member("GENTILLY").await;
    let hotline = app.staff(Role::Hotline).await;
    let filing = ticket("Réseau coupé", member).with(json!({"priority": 2}));
    let filed = app.file(&hotline.token, filing).await.expect(201);
    let level = &filed.body["service_level"];
    assert_eq!(level["acknowledge"]["target_minutes"], 60);
    assert_eq!(level["resolve"]["target_minutes"], 600);
    assert!(level["acknowledge"]["due_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    assert_eq!(level["acknowledge"]["met"], Value::Null);
    assert_eq!(level["paused"], false);
}

#[tokio::test]
async fn service_levels_are_for_staff_and_need_a_year() {
    let (app, _, agent) = TestApp::with_agent("SMBVB").await;
    assert_eq!(
        app.get("/api/v1/stats/service-levels?year=2018", &agent.token)
            .await
            .status,
        403
    );
    let missing = app
        .get("/api/v1/stats/service-levels", &app.admin.token)
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.code(), "validation_failed");
}

#[tokio::test]
async fn service_levels_follow_a_ticket_whose_priority_or_member_changes() {
    let (app, [arcueil, ivry]) = TestApp::with_members(["ARCUEIL", "IVRY"]).await;
    let created = "2018-03-06T09:00:00+01:00";
    let acknowledged = "2018-03-06T09:45:00+01:00";
    let imported = json!([past_ticket(arcueil, 1, created, acknowledged, None)]);
    let id = app.imported(imported).await[0];
    let admin = &app.admin.token;
    let before = app.stats(LEVELS, admin).await;
    let share = &before.body["rows"][0]["acknowledge"]["within_target_pct"];
    assert_eq!(share, 0.0);

    let moved = json!({"priority": 2, "member_id": ivry});
    app.change(id, admin, moved).await.expect(200);
    let after = app.stats(LEVELS, admin).await;
    let rows = after.body["rows"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        1,
        "the ticket left ARCUEIL's priority 1 row: {rows:?}"
    );
    assert_eq!(rows[0]["member_code"], "IVRY");
    assert_eq!(rows[0]["priority"], 2);
    assert_eq!(rows[0]["acknowledge"]["median_minutes"], 45.0);
    assert_eq!(rows[0]["acknowledge"]["within_target_pct"], 100.0);
}

#[tokio::test]
async fn service_levels_read_again_show_every_write_made_since() {
    let app = TestApp::spawn().await;
    let arcueil = app.create_member("ARCUEIL").await;
    let created = "2018-03-06T09:00:00+01:00";
    let admin = &app.admin.token;
    let import = |acknowledged: &'static str| {
        app.import(json!([past_ticket(
            arcueil,
            3,
            created,
            acknowledged,
            None
        )]))
    };
    import("2018-03-06T09:10:00+01:00").await.expect(201);
    let first = app.stats(LEVELS, admin).await;
    assert_eq!(first.body["rows"][0]["tickets"], 1);
    assert_eq!(first.body["rows"][0]["acknowledge"]["median_minutes"], 10.0);
    // The same member, priority and origin: the same aggregate row, changed.
    let second = import("2018-03-06T09:30:00+01:00").await.expect(201);
    let again = app.stats(LEVELS, admin).await;
    assert_eq!(again.body["rows"][0]["tickets"], 2, "{}", again.body);
    assert_eq!(again.body["rows"][0]["acknowledge"]["median_minutes"], 20.0);
    let id = second.imported_ids()[0];
    let resolving = json!({"status": "resolved"});
    app.change(id, admin, resolving).await.expect(200);
    let resolved = app.stats(LEVELS, admin).await;
    assert_eq!(
        resolved.body["rows"][0]["resolve"]["count"], 1,
        "{}",
        resolved.body
    );
    assert_eq!(resolved.body["rows"][0]["tickets"], 2);
}

#[tokio::test]
async fn the_yearly_report_carries_the_service_levels() {
    let app = TestApp::spawn().await;
    let arcueil = app.create_member("ARCUEIL").await;
    let created = "2018-03-06T09:00:00+01:00";
    let resolved = Some("2018-03-06T12:00:00+01:00");
    app.import(json!([
        past_ticket(arcueil, 2, created, "2018-03-06T09:30:00+01:00", resolved),
        past_ticket(arcueil, 2, created, "2018-03-06T11:00:00+01:00", None),
    ]))
    .await
    .expect(201);
    let levels = app.stats(LEVELS, &app.admin.token).await;
    let report = app.read("/api/v1/reports/2018", &app.admin.token).await;
    assert_eq!(report.body["service_levels"], levels.body);
    assert_eq!(
        report.body["service_levels"]["rows"][0]["acknowledge"]["median_minutes"],
        75.0
    );
}

#[tokio::test]
async fn statistics_stay_exact_when_many_writers_move_tickets_at_once() {
    let (app, [arcueil, ivry]) = TestApp::with_members(["ARCUEIL", "IVRY"]).await;
    let count = 40;
    // Taken in charge 1, 2, ... 40 business minutes after 09:00 on Tuesday 6 March 2018.
    let rows: Vec<Value> = (1..=count)
        .map(|n| {
            past_ticket(
                arcueil,
                1,
                "2018-03-06T09:00:00+01:00",
                &format!("2018-03-06T09:{n:02}:00+01:00"),
                None,
            )
        })
        .collect();
    let ids = app.imported(json!(rows)).await;

    // Every ticket moves to IVRY, priority 2, at once: the writers take each one out of the
    // aggregates in whichever place they write to.
    patch_all_at_once(&app, &ids, json!({"priority": 2, "member_id": ivry})).await;
    let levels = app.stats(LEVELS, &app.admin.token).await;
    let rows = levels.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["member_code"], "IVRY");
    assert_eq!(rows[0]["priority"], 2);
    assert_eq!(rows[0]["tickets"], count);
    assert_eq!(rows[0]["acknowledge"]["count"], count);
    assert_eq!(rows[0]["acknowledge"]["median_minutes"], 20.5);

    // Half of them back, at once, and the counts split evenly.
    let half: Vec<i64> = ids.iter().step_by(2).copied().collect();
    patch_all_at_once(&app, &half, json!({"member_id": arcueil})).await;
    let by_member = app
        .stats("tickets-by-member?year=2018", &app.admin.token)
        .await;
    let mut counts: Vec<(String, i64)> = by_member.rows(&["member_code", "tickets"]);
    counts.sort();
    assert_eq!(
        counts,
        vec![("ARCUEIL".to_string(), 20), ("IVRY".to_string(), 20)]
    );
    assert_eq!(by_member.body["total"], count);
    let levels = app.stats(LEVELS, &app.admin.token).await;
    let tickets: Vec<(String, i64, i64)> =
        levels.rows(&["member_code", "tickets", "acknowledge.count"]);
    assert_eq!(
        tickets,
        vec![
            ("ARCUEIL".to_string(), 20, 20),
            ("IVRY".to_string(), 20, 20)
        ]
    );
}

/// Sends one PATCH per ticket, all at once, and expects each to succeed.
async fn patch_all_at_once(app: &TestApp, ids: &[i64], body: Value) {
    let token = &app.admin.token;
    let patches = ids
        .iter()
        .map(|id| (ticket_path(*id), token.clone(), body.clone()))
        .collect();
    for (status, body) in app.patch_all_at_once(patches).await {
        assert_eq!(status, 200, "{body}");
    }
}
