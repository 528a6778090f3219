use crate::common;
use crate::common::Role;

use common::TestApp;
use serde_json::{json, Value};

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
    let app = TestApp::spawn().await;
    let arcueil = app.create_member("ARCUEIL").await;
    let ivry = app.create_member("IVRY").await;
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
    app.post("/api/v1/tickets/import", &app.admin.token, batch)
        .await
        .expect(201);
    let hotline = app.staff(Role::Hotline).await;
    let levels = app
        .get("/api/v1/stats/service-levels?year=2018", &hotline.token)
        .await
        .expect(200);
    let rows = levels.body["rows"].as_array().unwrap();
    let keys: Vec<(String, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["member_code"].as_str().unwrap().to_string(),
                r["priority"].as_i64().unwrap(),
            )
        })
        .collect();
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
        s.calendar.closed_days = Vec::new();
    })
    .await;
    let member = app.create_member("VITRY").await;
    let hotline = app.staff(Role::Hotline).await;
    let ticket = app
        .file_ticket(&hotline.token, Some(member), "En attente du demandeur")
        .await
        .expect(201);
    let id = ticket.id();
    app.patch(
        &format!("/api/v1/tickets/{id}"),
        &hotline.token,
        json!({"status": "waiting"}),
    )
    .await
    .expect(200);
    // Filed three hours ago; waiting for the last two of them.
    let at = |hours: i64| {
        (chrono::Utc::now() - chrono::Duration::hours(hours))
            .naive_utc()
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    app.execute_sql(&format!(
        "UPDATE tickets SET created_at = '{}', waiting_since = '{}' WHERE id = {id}",
        at(3),
        at(2)
    ))
    .await;
    let waiting = app
        .get(&format!("/api/v1/tickets/{id}"), &hotline.token)
        .await
        .expect(200);
    assert_eq!(waiting.body["service_level"]["paused"], true);
    let elapsed = waiting.body["service_level"]["acknowledge"]["elapsed_minutes"]
        .as_i64()
        .unwrap();
    assert!(
        (59..=61).contains(&elapsed),
        "one hour counted, got {elapsed}"
    );

    let taken = app
        .patch(
            &format!("/api/v1/tickets/{id}"),
            &hotline.token,
            json!({"status": "in_progress"}),
        )
        .await
        .expect(200);
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
    let app = TestApp::spawn().await;
    let member = app.create_member("GENTILLY").await;
    let hotline = app.staff(Role::Hotline).await;
    let ticket = app
        .post(
            "/api/v1/tickets",
            &hotline.token,
            json!({"title": "Réseau coupé", "description": "", "member_id": member, "priority": 2}),
        )
        .await
        .expect(201);
    let level = &ticket.body["service_level"];
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
    let app = TestApp::spawn().await;
    let member = app.create_member("SMBVB").await;
    let agent = app.agent_of(member).await;
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
    let app = TestApp::spawn().await;
    let arcueil = app.create_member("ARCUEIL").await;
    let ivry = app.create_member("IVRY").await;
    let created = "2018-03-06T09:00:00+01:00";
    let imported = app
        .post(
            "/api/v1/tickets/import",
            &app.admin.token,
            json!([past_ticket(
                arcueil,
                1,
                created,
                "2018-03-06T09:45:00+01:00",
                None
            )]),
        )
        .await
        .expect(201);
    let id = imported.body["ids"][0].as_i64().unwrap();
    let path = "/api/v1/stats/service-levels?year=2018";
    let before = app.get(path, &app.admin.token).await.expect(200);
    assert_eq!(
        before.body["rows"][0]["acknowledge"]["within_target_pct"],
        0.0
    );

    app.patch(
        &format!("/api/v1/tickets/{id}"),
        &app.admin.token,
        json!({"priority": 2, "member_id": ivry}),
    )
    .await
    .expect(200);
    let after = app.get(path, &app.admin.token).await.expect(200);
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
    let path = "/api/v1/stats/service-levels?year=2018";
    let import = |acknowledged: &'static str| {
        app.post(
            "/api/v1/tickets/import",
            &app.admin.token,
            json!([past_ticket(arcueil, 3, created, acknowledged, None)]),
        )
    };
    import("2018-03-06T09:10:00+01:00").await.expect(201);
    let first = app.get(path, &app.admin.token).await.expect(200);
    assert_eq!(first.body["rows"][0]["tickets"], 1);
    assert_eq!(first.body["rows"][0]["acknowledge"]["median_minutes"], 10.0);
    // The same member, priority and origin: the same aggregate row, changed.
    let second = import("2018-03-06T09:30:00+01:00").await.expect(201);
    let again = app.get(path, &app.admin.token).await.expect(200);
    assert_eq!(again.body["rows"][0]["tickets"], 2, "{}", again.body);
    assert_eq!(again.body["rows"][0]["acknowledge"]["median_minutes"], 20.0);
    let id = second.body["ids"][0].as_i64().unwrap();
    app.patch(
        &format!("/api/v1/tickets/{id}"),
        &app.admin.token,
        json!({"status": "resolved"}),
    )
    .await
    .expect(200);
    let resolved = app.get(path, &app.admin.token).await.expect(200);
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
    app.post(
        "/api/v1/tickets/import",
        &app.admin.token,
        json!([
            past_ticket(
                arcueil,
                2,
                created,
                "2018-03-06T09:30:00+01:00",
                Some("2018-03-06T12:00:00+01:00")
            ),
            past_ticket(arcueil, 2, created, "2018-03-06T11:00:00+01:00", None),
        ]),
    )
    .await
    .expect(201);
    let levels = app
        .get("/api/v1/stats/service-levels?year=2018", &app.admin.token)
        .await
        .expect(200);
    let report = app
        .get("/api/v1/reports/2018", &app.admin.token)
        .await
        .expect(200);
    assert_eq!(report.body["service_levels"], levels.body);
    assert_eq!(
        report.body["service_levels"]["rows"][0]["acknowledge"]["median_minutes"],
        75.0
    );
}

#[tokio::test]
async fn statistics_stay_exact_when_many_writers_move_tickets_at_once() {
    let app = TestApp::spawn().await;
    let arcueil = app.create_member("ARCUEIL").await;
    let ivry = app.create_member("IVRY").await;
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
    let ids: Vec<i64> = app
        .post("/api/v1/tickets/import", &app.admin.token, json!(rows))
        .await
        .expect(201)
        .body["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_i64().unwrap())
        .collect();

    // Every ticket moves to IVRY, priority 2, at once: the writers take each one out of the
    // aggregates in whichever place they write to.
    patch_all_at_once(&app, &ids, json!({"priority": 2, "member_id": ivry})).await;
    let levels = app
        .get("/api/v1/stats/service-levels?year=2018", &app.admin.token)
        .await
        .expect(200);
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
        .get(
            "/api/v1/stats/tickets-by-member?year=2018",
            &app.admin.token,
        )
        .await
        .expect(200);
    let mut counts: Vec<(String, i64)> = by_member.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["member_code"].as_str().unwrap().to_string(),
                r["tickets"].as_i64().unwrap(),
            )
        })
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        vec![("ARCUEIL".to_string(), 20), ("IVRY".to_string(), 20)]
    );
    assert_eq!(by_member.body["total"], count);
    let levels = app
        .get("/api/v1/stats/service-levels?year=2018", &app.admin.token)
        .await
        .expect(200);
    let tickets: Vec<(String, i64, i64)> = levels.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["member_code"].as_str().unwrap().to_string(),
                r["tickets"].as_i64().unwrap(),
                r["acknowledge"]["count"].as_i64().unwrap(),
            )
        })
        .collect();
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
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let request = app
                .client
                .patch(format!("{}/api/v1/tickets/{id}", app.base))
                .bearer_auth(&app.admin.token)
                .json(&body);
            tokio::spawn(async move {
                let response = request.send().await.expect("the service answers");
                (
                    response.status().as_u16(),
                    response.text().await.unwrap_or_default(),
                )
            })
        })
        .collect();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
}
