use crate::common;
use crate::common::Role;

use std::collections::HashMap;

use common::{closed_ticket_at as ticket_at, column, list_of, rows, TestApp};
use serde_json::{json, Value};

/// `member_code -> field` of the rows of a statistic.
fn by_code(table: &Value, field: &str) -> HashMap<String, Value> {
    rows::<(String, Value)>(table, &["member_code", field])
        .into_iter()
        .collect()
}

#[tokio::test]
async fn the_demo_data_reproduces_the_2017_ticket_table_and_the_2016_on_site_days() {
    let app = TestApp::with_demo().await;
    let token = &app.admin.token;

    let tickets = app.stats("tickets-by-member?year=2017", token).await;
    let expected = [
        ("OPH-VILLEJUIF", 107),
        ("SIIM", 60),
        ("OPALY", 52),
        ("SAF94", 45),
        ("VITRY", 40),
        ("TAV", 38),
        ("IVRY", 33),
        ("ECOLES-IVRY", 30),
        ("OPH-IVRY", 28),
        ("ARCUEIL", 26),
        ("GOSB", 15),
        ("OPH-VITRY", 9),
        ("SMBVB", 3),
        ("CHAMPIGNY", 2),
        ("GENTILLY", 1),
    ];
    let counted: Vec<(String, i64)> = tickets.rows(&["member_code", "tickets"]);
    let expected_rows: Vec<(String, i64)> =
        expected.iter().map(|(c, n)| (c.to_string(), *n)).collect();
    assert_eq!(counted, expected_rows, "rows in the report's order");
    assert_eq!(tickets.body["total"], 489);

    let work = app.stats("work-days?year=2016", token).await;
    let on_site = by_code(&work.body["rows"], "on_site");
    for (code, days) in [
        ("GENTILLY", 249),
        ("ARCUEIL", 221),
        ("GOSB", 157),
        ("IVRY", 81),
        ("OPH-VILLEJUIF", 42),
        ("ECOLE-VILLEJUIF", 33),
        ("ECOLES-IVRY", 32),
        ("OPALY", 23),
        ("SAF94", 12),
        ("OPH-VITRY", 11),
        ("TAV", 10),
        ("SMBVB", 2),
    ] {
        assert_eq!(on_site[code]["days"], json!(days as f64), "{code}");
        assert_eq!(on_site[code]["minutes"], json!(days * 420), "{code}");
    }
    assert_eq!(work.body["totals"]["on_site"]["days"], json!(873.0));
}

#[tokio::test]
async fn the_demo_2018_has_about_701_tickets_a_drop_after_gosb_left_and_350_hotline_days() {
    let app = TestApp::with_demo().await;
    let token = &app.admin.token;

    let season = app.stats("seasonality?year=2018", token).await;
    let total = season.body["total"].as_i64().unwrap();
    assert!(
        (680..=720).contains(&total),
        "about 701 hotline tickets, got {total}"
    );
    let gosb = season.body["by_member"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["member_code"] == "GOSB")
        .expect("GOSB filed tickets in 2018")
        .clone();
    let months = list_of::<i64>(&gosb["months"]);
    assert!(months[..6].iter().sum::<i64>() > 0);
    assert_eq!(
        months[6..].iter().sum::<i64>(),
        0,
        "no GOSB hotline ticket after June"
    );
    let overall = list_of::<i64>(&season.body["months"]);
    let first_half: i64 = overall[..6].iter().sum();
    let second_half: i64 = overall[6..].iter().sum();
    assert!(
        second_half < first_half,
        "seasonality drops after GOSB left: {overall:?}"
    );

    let allocation = app.stats("hotline-allocation?year=2018", token).await;
    assert_eq!(allocation.body["presence_hundredths"], 35_000);
    let shared: i64 = column::<i64>(&allocation.body["rows"], "hundredths")
        .iter()
        .sum();
    assert_eq!(shared, 35_000);
}

#[tokio::test]
async fn statistics_count_each_ticket_in_the_month_of_its_paris_date() {
    let (app, [arcueil, ivry]) = TestApp::with_members(["ARCUEIL", "IVRY"]).await;
    // Joined in March, left in October 2018: counted for the months it was in.
    let thiais = app
        .create_member_with(
            json!({"code": "OPH-THIAIS", "name": "OPH de Thiais", "kind": "housing_office",
                                   "joined_on": "2018-03-15", "left_on": "2018-10-31"}),
        )
        .await;
    let batch = json!([
        // 23:30 UTC on 31 January is 00:30 on 1 February in Paris.
        ticket_at(arcueil, "2018-01-31T23:30:00Z", "hotline"),
        ticket_at(arcueil, "2018-01-31T22:30:00Z", "hotline"),
        // Summer time: 22:30 UTC on 30 June is 00:30 on 1 July.
        ticket_at(arcueil, "2018-06-30T22:30:00Z", "hotline"),
        // New Year's Eve in Paris is already 2018 at 23:30 UTC on 31 December 2017.
        ticket_at(ivry, "2017-12-31T23:30:00Z", "hotline"),
        ticket_at(ivry, "2017-12-31T12:00:00Z", "hotline"),
        ticket_at(thiais, "2018-03-15T09:00:00Z", "hotline"),
        ticket_at(thiais, "2018-10-31T15:00:00Z", "hotline"),
        // Posted tickets are not hotline tickets.
        ticket_at(ivry, "2018-05-02T10:00:00Z", "posted"),
    ]);
    app.import(batch).await.expect(201);
    let manager = app.staff(Role::Manager).await;
    let token = &manager.token;

    let season = app.stats("seasonality?year=2018", token).await;
    assert_eq!(
        season.body["months"],
        json!([2, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0])
    );
    assert_eq!(season.body["total"], 6);

    let all = app.stats("seasonality?year=2018&origin=all", token).await;
    assert_eq!(all.body["total"], 7);
    let posted = app
        .stats("tickets-by-member?year=2018&origin=posted", token)
        .await;
    assert_eq!(posted.body["total"], 1);
    assert_eq!(posted.body["rows"][0]["member_code"], "IVRY");

    let compared = app
        .stats("tickets-by-member?year=2018&compare_year=2017", token)
        .await;
    let counted: Vec<(String, i64, i64)> =
        compared.rows(&["member_code", "tickets", "compare_tickets"]);
    assert_eq!(
        counted,
        vec![
            ("ARCUEIL".into(), 3, 0),
            ("OPH-THIAIS".into(), 2, 0),
            ("IVRY".into(), 1, 1),
        ]
    );
    assert_eq!(compared.body["total"], 6);
    assert_eq!(compared.body["compare_total"], 1);
}

#[tokio::test]
async fn a_ticket_moved_to_another_member_is_counted_for_its_new_member() {
    let (app, [arcueil, ivry]) = TestApp::with_members(["ARCUEIL", "IVRY"]).await;
    let hotline = app.staff(Role::Hotline).await;
    let ticket = app.filed(&hotline.token, Some(arcueil), "Écran noir");
    let ticket = ticket.await;
    let query = format!("tickets-by-member?year={}", common::this_year());
    let before = app.stats(&query, &hotline.token).await;
    assert_eq!(before.body["rows"][0]["member_code"], "ARCUEIL");

    let moved = json!({"member_id": ivry});
    app.change(ticket, &hotline.token, moved).await.expect(200);
    let after = app.stats(&query, &hotline.token).await;
    assert_eq!(after.body["rows"].as_array().unwrap().len(), 1);
    assert_eq!(after.body["rows"][0]["member_code"], "IVRY");
    assert_eq!(after.body["total"], 1);
}

#[tokio::test]
async fn work_days_add_up_per_member_and_kind_and_follow_changes() {
    let (app, [arcueil, ivry]) = TestApp::with_members(["ARCUEIL", "IVRY"]).await;
    let tech = app.staff(Role::Technician).await;
    let log = |member: Option<i64>, date: &str, kind: &str, days: f64| {
        let mut body = json!({"date": date, "kind": kind, "days": days});
        if let Some(member) = member {
            body["member_id"] = json!(member);
        }
        body
    };
    for body in [
        log(Some(arcueil), "2018-01-15", "posted", 1.0),
        log(Some(arcueil), "2018-02-15", "posted", 0.5),
        log(Some(arcueil), "2018-03-01", "on_site", 0.25),
        log(Some(ivry), "2018-03-01", "project", 2.0),
        log(None, "2018-03-02", "hotline_duty", 1.0),
        log(Some(ivry), "2017-12-31", "posted", 5.0),
    ] {
        app.log_work(&tech.token, body).await.expect(201);
    }
    let wrong = log(Some(ivry), "2018-04-01", "on_site", 1.0);
    let wrong = app.log_work(&tech.token, wrong).await.expect(201);

    let stats = app.stats("work-days?year=2018", &tech.token).await;
    let body = &stats.body;
    let (rows, totals) = (&body["rows"], &body["totals"]);
    let work = |minutes: i64, days: f64| json!({"minutes": minutes, "days": days});
    assert_eq!(body["workday_minutes"], 420);
    assert_eq!(rows[0]["member_code"], "IVRY");
    assert_eq!(rows[0]["project"], work(840, 2.0));
    assert_eq!(rows[0]["total"], work(1260, 3.0));
    assert_eq!(rows[1]["posted"], work(630, 1.5));
    assert_eq!(rows[1]["on_site"], work(105, 0.25));
    assert_eq!(totals["hotline_duty"], work(420, 1.0));
    assert_eq!(totals["all"], work(2415, 5.75));
    let shares = &body["shares_pct"];
    let sum: f64 = ["posted", "on_site", "project", "hotline_duty"]
        .iter()
        .map(|k| shares[k].as_f64().unwrap())
        .sum();
    assert!((sum - 100.0).abs() < 1e-9, "shares add up to 100: {shares}");

    app.delete(&format!("/api/v1/work-logs/{}", wrong.id()), &tech.token)
        .await
        .expect(204);
    let after = app.stats("work-days?year=2018", &tech.token).await;
    assert_eq!(after.body["totals"]["all"]["minutes"], 2415 - 420);
}

#[tokio::test]
async fn hotline_presence_is_shared_by_tickets_with_ties_to_the_smaller_code() {
    let (app, [a, b, c, d]) = TestApp::with_members(["AAA", "BBB", "CCC", "DDD"]).await;
    let mut batch = Vec::new();
    for (member, n) in [(a, 1), (b, 1), (c, 1), (d, 0)] {
        for _ in 0..n {
            batch.push(ticket_at(member, "2018-05-04T10:00:00Z", "hotline"));
        }
    }
    batch.push(ticket_at(d, "2018-05-04T10:00:00Z", "posted"));
    app.import(json!(batch)).await.expect(201);
    let hotline = app.staff(Role::Hotline).await;
    let allocation = app
        .stats(
            "hotline-allocation?year=2018&presence_days=350",
            &hotline.token,
        )
        .await;
    assert_eq!(allocation.body["presence_hundredths"], 35_000);
    let shares: Vec<(String, i64, f64)> = allocation.rows(&["member_code", "hundredths", "days"]);
    assert_eq!(
        shares,
        vec![
            ("AAA".into(), 11_667, 116.67),
            ("BBB".into(), 11_667, 116.67),
            ("CCC".into(), 11_666, 116.66),
        ],
        "DDD filed no hotline ticket and gets nothing"
    );
}

#[tokio::test]
async fn statistics_refuse_agents_and_bad_parameters() {
    let (app, _, agent) = TestApp::with_agent("ARCUEIL").await;
    for path in [
        "/api/v1/stats/tickets-by-member?year=2018",
        "/api/v1/stats/seasonality?year=2018",
        "/api/v1/stats/work-days?year=2018",
        "/api/v1/stats/hotline-allocation?year=2018",
    ] {
        let answer = app.get(path, &agent.token).await;
        assert_eq!(answer.status, 403, "{path}");
        assert!(answer.is_problem());
    }
    let token = &app.admin.token;
    for path in [
        "/api/v1/stats/tickets-by-member",
        "/api/v1/stats/tickets-by-member?year=abc",
        "/api/v1/stats/tickets-by-member?year=2018&origin=phone",
        "/api/v1/stats/tickets-by-member?year=2018&compare_year=x",
        "/api/v1/stats/seasonality?year=2018&member_id=-1",
        "/api/v1/stats/hotline-allocation?year=2018&presence_days=-3",
    ] {
        let answer = app.get(path, token).await;
        assert_eq!(answer.status, 422, "{path}: {}", answer.body);
        assert_eq!(answer.code(), "validation_failed");
    }
}

/// `name -> field` of the rows of a statistic by group.
fn by_name(table: &Value, name: &str, field: &str) -> HashMap<String, Value> {
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let key = row[name].as_str().unwrap_or("(none)").to_string();
            (key, row[field].clone())
        })
        .collect()
}

#[tokio::test]
async fn tickets_and_work_are_counted_by_category_and_technician_and_follow_changes() {
    let (app, [arcueil, ivry]) = TestApp::with_members(["ARCUEIL", "IVRY"]).await;
    let admin = &app.admin.token;
    let category = |body: Value| app.post("/api/v1/categories", admin, body);
    let windows = category(json!({"name": "Postes Windows 10"}))
        .await
        .expect(201)
        .id();
    let printing = category(json!({"name": "Imprimantes partagées", "parent_id": windows}));
    let printing = printing.await.expect(201).id();
    let network = category(json!({"name": "Câblage et Wi-Fi"}))
        .await
        .expect(201)
        .id();
    let alice = app.staff(Role::Technician).await;
    let bruno = app.staff(Role::Technician).await;

    // 2017: one hotline ticket on printing; 2018: three hotline tickets and a posted one.
    let mut rows = Vec::new();
    let mut add = |member: i64, at: &str, origin: &str, category: i64, tech: Option<i64>| {
        let mut row = ticket_at(member, at, origin);
        row["category_id"] = json!(category);
        if let Some(tech) = tech {
            // Still open: a closed ticket is no longer reassigned.
            row["assignee_id"] = json!(tech);
            row["status"] = json!("assigned");
            row.as_object_mut().unwrap().remove("closed_at");
        }
        rows.push(row);
    };
    add(
        arcueil,
        "2017-06-01T09:00:00Z",
        "hotline",
        printing,
        Some(alice.id),
    );
    add(
        arcueil,
        "2018-01-10T09:00:00Z",
        "hotline",
        printing,
        Some(alice.id),
    );
    add(
        ivry,
        "2018-02-10T09:00:00Z",
        "hotline",
        printing,
        Some(alice.id),
    );
    add(
        ivry,
        "2018-03-10T09:00:00Z",
        "hotline",
        network,
        Some(bruno.id),
    );
    add(ivry, "2018-03-11T09:00:00Z", "posted", network, None);
    let ids = app.imported(json!(rows)).await;

    // One of printing's tickets was a network fault, and Bruno took it over.
    let hotline = app.staff(Role::Hotline).await;
    let moved = json!({"category_id": network, "assignee_id": bruno.id});
    app.change(ids[2], &hotline.token, moved).await.expect(200);

    for (tech, member, kind, days, category) in [
        (&alice, Some(arcueil), "on_site", 1.0, Some(printing)),
        (&bruno, Some(ivry), "posted", 0.5, Some(network)),
        (&bruno, None, "hotline_duty", 2.0, None),
    ] {
        let mut body = json!({"date": "2018-04-03", "kind": kind, "days": days});
        body["technician_id"] = json!(tech.id);
        if let Some(member) = member {
            body["member_id"] = json!(member);
        }
        if let Some(category) = category {
            body["category_id"] = json!(category);
        }
        app.log_work(&tech.token, body).await.expect(201);
    }

    let token = &hotline.token;
    let table = app
        .stats("by-category?year=2018&compare_year=2017", token)
        .await;
    let body = &table.body;
    let names: Vec<Option<String>> = column(&body["rows"], "category_name");
    assert_eq!(
        names,
        [
            Some("Câblage et Wi-Fi".to_string()),
            Some("Imprimantes partagées".into()),
            None
        ],
        "most tickets first, the work without a category last"
    );
    let tickets = by_name(body, "category_name", "tickets");
    assert_eq!(
        tickets["Câblage et Wi-Fi"], 2,
        "the recategorised ticket and its own"
    );
    assert_eq!(tickets["Imprimantes partagées"], 1);
    assert_eq!(tickets["(none)"], 0);
    let compared = by_name(body, "category_name", "compare_tickets");
    assert_eq!(compared["Imprimantes partagées"], 1);
    assert_eq!(body["rows"][1]["parent_name"], "Postes Windows 10");
    assert_eq!(body["rows"][1]["parent_id"], windows);
    assert_eq!(body["rows"][1]["work"]["on_site"]["days"], 1.0);
    assert_eq!(body["rows"][0]["work"]["posted"]["days"], 0.5);
    assert_eq!(body["rows"][2]["work"]["hotline_duty"]["days"], 2.0);
    assert_eq!(body["total"]["tickets"], 3);
    assert_eq!(body["total"]["compare_tickets"], 1);
    assert_eq!(body["total"]["work"]["total"]["days"], 3.5);

    let all = app.stats("by-category?year=2018&origin=all", token).await;
    assert_eq!(
        by_name(&all.body, "category_name", "tickets")["Câblage et Wi-Fi"],
        3
    );
    assert!(all.body["total"].get("compare_tickets").is_none());

    let techs = app
        .stats("by-technician?year=2018&compare_year=2017", token)
        .await;
    let body = &techs.body;
    let ids_of: Vec<Option<i64>> = column(&body["rows"], "technician_id");
    assert_eq!(ids_of, [Some(bruno.id), Some(alice.id)]);
    assert_eq!(
        body["rows"][0]["tickets"], 2,
        "Bruno's own and the one he took over"
    );
    assert_eq!(body["rows"][0]["work"]["total"]["days"], 2.5);
    assert_eq!(body["rows"][1]["tickets"], 1);
    assert_eq!(body["rows"][1]["compare_tickets"], 1);
    assert_eq!(body["rows"][1]["work"]["on_site"]["minutes"], 420);
    let with_posted = app.stats("by-technician?year=2018&origin=all", token).await;
    let last = with_posted.body["rows"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last["technician_id"].is_null(),
        "the posted ticket nobody has"
    );
    assert_eq!(last["tickets"], 1);

    // Moved back, the counts follow again.
    let back = json!({"category_id": printing, "assignee_id": alice.id});
    app.change(ids[2], &hotline.token, back).await.expect(200);
    let again = app.stats("by-technician?year=2018", token).await;
    let counted: Vec<(Option<i64>, i64)> = again.rows(&["technician_id", "tickets"]);
    assert_eq!(counted, [(Some(alice.id), 2), (Some(bruno.id), 1)]);

    for path in [
        "/api/v1/stats/by-category",
        "/api/v1/stats/by-category?year=2018&origin=phone",
        "/api/v1/stats/by-technician?year=2018&compare_year=x",
    ] {
        let answer = app.get(path, admin).await;
        assert_eq!(answer.status, 422, "{path}: {}", answer.body);
    }
    let agent = app.agent_of(arcueil).await;
    let answer = app
        .get("/api/v1/stats/by-category?year=2018", &agent.token)
        .await;
    assert_eq!(answer.status, 403);
}
