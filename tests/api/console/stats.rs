//! The dashboard and the report's downloads, over HTTP: the demo year as the activity report
//! counts it, each count leading to the list behind it, the downloads and who may take them.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use helpdesk::domain::user::Role;
use reqwest::header::COOKIE;

use super::{Seen, Visitor};
use crate::common::{TestApp, PASSWORD};

/// The id of the demo member of that name.
async fn member_named(app: &TestApp, name: &str) -> i64 {
    let members = app
        .get("/api/v1/members?limit=200", &app.admin.token)
        .await
        .expect(200);
    members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no member {name}"))["id"]
        .as_i64()
        .unwrap()
}

/// The `href` of the first link of the page that contains all of `parts`, unescaped.
fn link_with(page: &Seen, parts: &[&str]) -> String {
    page.html
        .match_indices("href=\"")
        .map(|(at, marker)| {
            let start = at + marker.len();
            let end = start + page.html[start..].find('"').unwrap();
            page.html[start..end].replace("&amp;", "&")
        })
        .find(|href| parts.iter().all(|p| href.contains(p)))
        .unwrap_or_else(|| panic!("no link with {parts:?}"))
}

/// The number of tickets the queue says it lists for its filters.
fn listed(page: &Seen) -> String {
    let at = page.html.find("class=\"list-count\"").expect("a count");
    let rest = &page.html[at..];
    let start = rest.find('>').unwrap() + 1;
    let number = rest[start..].trim_start().split(' ').next().unwrap();
    number.replace('\u{a0}', "")
}

async fn bytes(visitor: &Visitor, path: &str) -> (u16, String, Vec<u8>) {
    let response = visitor
        .http
        .get(format!("{}{path}", visitor.base))
        .header(COOKIE, visitor.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_demo_year_reads_as_the_activity_report_and_each_count_leads_to_its_tickets() {
    let app = TestApp::with_demo().await;
    let manager = app.staff(Role::Manager).await;
    let (visitor, _) = Visitor::logged_in(&app, &manager.email, PASSWORD).await;
    let page = visitor.get("/console/stats?year=2017").await;
    assert_eq!(page.status, 200, "{}", page.html);
    // The activity report's table of 2017: 489 hotline tickets, OPH de Villejuif 107.
    assert!(page.shows("Tickets par adhérent"));
    assert!(page.shows("OPH de Villejuif"));
    assert!(page.shows(">489<"), "the year's total");
    let villejuif = member_named(&app, "OPH de Villejuif").await;
    // The bar of the chart and the count of the table lead to the same list.
    let behind = link_with(
        &page,
        &[&format!("member_id={villejuif}"), "created_from=2017-01-01"],
    );
    assert!(page.html.contains("<svg"), "the charts are in the page");
    let list = visitor.get(&behind).await;
    assert_eq!(list.status, 200, "{}", list.html);
    assert_eq!(listed(&list), "107");
    // Each tab is a page of its own, light (UI.md: under 100 KB), asking the same year; a month
    // of the seasonality's leads to that month's tickets, which add up to the year.
    let mut tabs = Vec::new();
    for tab in ["members", "seasonality", "service-levels", "groups"] {
        let href = link_with(
            &page,
            &["/console/stats?", "year=2017", &format!("view={tab}")],
        );
        let shown = visitor.get(&href).await;
        assert_eq!(shown.status, 200, "{}", shown.html);
        assert!(
            shown.html.len() < 100_000,
            "{tab}: {} bytes",
            shown.html.len()
        );
        tabs.push(shown);
    }
    let [_, season, levels, groups] = &tabs[..] else {
        unreachable!()
    };
    let table = |page: &Seen, n: usize| page.shows(&format!("id=\"table-{n}\""));
    assert!(table(season, 1) && !table(season, 0) && !table(season, 5));
    assert!(table(levels, 5) && !table(levels, 1));
    assert!(groups.shows("Par catégorie") && groups.shows("Par technicien") && !table(groups, 0));
    assert!(
        table(&page, 0) && !table(&page, 1),
        "the members' tab first"
    );
    let page = season;
    let mut year = 0;
    for month in 1..=12u32 {
        let last =
            chrono::NaiveDate::from_ymd_opt(2017 + i32::from(month == 12), month % 12 + 1, 1)
                .unwrap()
                .pred_opt()
                .unwrap();
        let href = format!(
            "/console?view=all&origin=hotline&created_from=2017-{month:02}-01&created_to={last}"
        );
        assert!(page.html.contains(&href.replace('&', "&amp;")), "{href}");
        year += listed(&visitor.get(&href).await).parse::<i64>().unwrap();
    }
    assert_eq!(year, 489);
}

/// The minutes of the work logs an API query lists, every page read.
async fn logged_minutes(app: &TestApp, query: &str) -> i64 {
    let mut path = format!("/api/v1/work-logs?limit=200&{query}");
    let mut minutes = 0;
    loop {
        let page = app.read(&path, &app.admin.token).await;
        minutes += page
            .items()
            .iter()
            .map(|l| l["minutes"].as_i64().unwrap())
            .sum::<i64>();
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/work-logs?limit=200&{query}&cursor={cursor}"),
            None => return minutes,
        }
    }
}

#[tokio::test]
async fn the_tables_by_category_and_technician_lead_to_their_tickets_and_work() {
    let app = TestApp::with_demo().await;
    let manager = app.staff(Role::Manager).await;
    let (visitor, _) = Visitor::logged_in(&app, &manager.email, PASSWORD).await;
    let page = visitor.get("/console/stats?year=2017&view=groups").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.shows("Par catégorie"));
    assert!(page.shows("Par technicien"));
    let by_category = app
        .get("/api/v1/stats/by-category?year=2017", &manager.token)
        .await
        .expect(200);
    let rows = by_category.body["rows"].as_array().unwrap();
    let category = rows
        .iter()
        .find(|r| r["category_id"].is_i64() && r["tickets"].as_i64() > Some(0))
        .expect("a category with tickets");
    let id = category["category_id"].as_i64().unwrap();
    assert!(page.shows(category["category_name"].as_str().unwrap()));
    // Its count of tickets leads to the queue listing as many.
    let behind = link_with(
        &page,
        &[
            &format!("category_id={id}"),
            "created_from=2017-01-01",
            "/console?",
        ],
    );
    let list = visitor.get(&behind).await;
    assert_eq!(list.status, 200, "{}", list.html);
    assert_eq!(listed(&list), category["tickets"].to_string());
    // Each kind of work a category took leads to the logs of that category and kind, which add
    // up to it.
    let (worked, kind) = rows
        .iter()
        .filter(|r| r["category_id"].is_i64())
        .find_map(|r| {
            ["posted", "on_site", "project"]
                .into_iter()
                .find(|kind| r["work"][*kind]["minutes"].as_i64() > Some(0))
                .map(|kind| (r, kind))
        })
        .expect("a category with work");
    let worked_id = worked["category_id"].as_i64().unwrap();
    let logs = link_with(
        &page,
        &[
            "/console/work-logs?",
            &format!("category_id={worked_id}"),
            &format!("kind={kind}"),
        ],
    );
    let list = visitor.get(&logs).await;
    assert_eq!(list.status, 200, "{}", list.html);
    assert!(
        list.html
            .contains(&format!("<option value=\"{worked_id}\" selected")),
        "the list is filtered on the category"
    );
    let query = logs.split_once('?').unwrap().1;
    assert_eq!(
        logged_minutes(&app, query).await,
        worked["work"][kind]["minutes"].as_i64().unwrap()
    );

    let by_technician = app
        .get("/api/v1/stats/by-technician?year=2017", &manager.token)
        .await
        .expect(200);
    let technician = by_technician.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["technician_id"].is_i64() && r["tickets"].as_i64() > Some(0))
        .expect("a technician with tickets");
    let id = technician["technician_id"].as_i64().unwrap();
    let behind = link_with(
        &page,
        &[&format!("assignee_id={id}"), "created_from=2017-01-01"],
    );
    assert_eq!(
        listed(&visitor.get(&behind).await),
        technician["tickets"].to_string()
    );
    let logs = link_with(
        &page,
        &[
            "/console/work-logs?",
            &format!("technician_id={id}"),
            "to=2017-12-31",
        ],
    );
    let query = logs.split_once('?').unwrap().1;
    let kind = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("kind="))
        .unwrap_or("total");
    assert_eq!(
        logged_minutes(&app, query).await,
        technician["work"][kind]["minutes"].as_i64().unwrap()
    );
}

#[tokio::test]
async fn a_manager_downloads_the_report_of_what_the_dashboard_shows() {
    let app = TestApp::with_demo().await;
    let manager = app.staff(Role::Manager).await;
    let (visitor, _) = Visitor::logged_in(&app, &manager.email, PASSWORD).await;
    let page = visitor
        .get("/console/stats?year=2017&presence_days=350")
        .await;
    assert_eq!(page.status, 200);
    let xlsx = link_with(&page, &["/console/reports/2017.xlsx", "presence_days=350"]);
    let (status, kind, body) = bytes(&visitor, &xlsx).await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let mut workbook = Xlsx::new(Cursor::new(body)).unwrap();
    let tickets = workbook.worksheet_range("Tickets par adhérent").unwrap();
    let total = tickets
        .rows()
        .find(|row| matches!(&row[1], Data::String(s) if s == "Total"))
        .expect("a total row");
    assert_eq!(total[2], Data::Float(489.0));

    // The shares of hotline presence are those asked on the dashboard.
    let json = link_with(&page, &["/console/reports/2017.json"]);
    let (status, _, body) = bytes(&visitor, &json).await;
    assert_eq!(status, 200);
    let report: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(report["tickets_by_member"]["total"], 489);
    assert_eq!(report["hotline_allocation"]["presence_days"], 350.0);
    let zip = link_with(&page, &["/console/reports/2017.zip"]);
    let (status, kind, _) = bytes(&visitor, &zip).await;
    assert_eq!((status, kind.as_str()), (200, "application/zip"));
    let chapter = link_with(&page, &["/console/reports/2017.docx", "presence_days=350"]);
    let (status, kind, body) = bytes(&visitor, &chapter).await;
    assert_eq!(status, 200);
    assert!(kind.contains("wordprocessingml"), "{kind}");
    assert!(body.starts_with(b"PK"), "a zip package");

    // Every member's statement, each total leading to the member's page to print.
    assert!(page.shows("Relevés par adhérent"));
    let villejuif = member_named(&app, "OPH de Villejuif").await;
    let statement = link_with(
        &page,
        &[
            &format!("/console/statements/2017/{villejuif}?"),
            "presence_days=350",
        ],
    );
    let printable = visitor.get(&statement).await;
    assert_eq!(printable.status, 200, "{}", printable.html);
    assert!(printable.shows("Relevé d'activité"));
    assert!(printable.shows("OPH de Villejuif"), "{}", printable.html);
    let line = report["statements"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["member_id"] == villejuif)
        .unwrap()
        .clone();
    let total = format!("{:.2}", line["total_days"].as_f64().unwrap()).replace('.', ",");
    assert!(
        printable.shows(&total),
        "the total {total} in {}",
        printable.html
    );
    let (status, kind, _) = bytes(&visitor, &format!("{statement}&format=xlsx")).await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
}

#[tokio::test]
async fn the_hotline_reads_the_dashboard_without_downloads_and_bad_input_is_shown_beside_its_field()
{
    let app = TestApp::with_demo().await;
    let hotline = app.staff(Role::Hotline).await;
    let (visitor, _) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    let page = visitor.get("/console/stats?year=2017").await;
    assert_eq!(page.status, 200);
    assert!(!page.shows("/console/reports/"));
    let (status, _, _) = bytes(&visitor, "/console/reports/2017.xlsx").await;
    assert_eq!(status, 403);
    assert!(!page.shows("/console/statements/"));
    let (status, _, _) = bytes(&visitor, "/console/statements/2017/1").await;
    assert_eq!(status, 403);

    let bad = visitor
        .get("/console/stats?year=17000&presence_days=beaucoup&month=13")
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.shows("id=\"year-error\""), "{}", bad.html);
    assert!(bad.shows("id=\"presence_days-error\""));
    assert!(bad.shows("id=\"month-error\""));
    assert!(bad.shows("aria-invalid=\"true\""));
    // Days typed the French way are read.
    let french = visitor
        .get("/console/stats?year=2017&presence_days=350%2C5")
        .await;
    assert_eq!(french.status, 200);
    assert!(french.shows("350,5"));

    let agent = app
        .agent_of(member_named(&app, "OPH de Villejuif").await)
        .await;
    let mut agent_visitor = Visitor::new(&app);
    agent_visitor.log_in(&agent.email, PASSWORD).await;
    assert_eq!(agent_visitor.get("/console/stats").await.status, 403);
}
