//! The report downloads (JSON, a zip of CSV files and SVG charts, XLSX with native charts) and
//! the `report` command, read back and compared with the statistics endpoints.
use crate::common;
use crate::common::Role;

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use common::{closed_ticket_at as ticket_at, list_of, TestApp};
use helpdesk::stats::lang::Lang;
use helpdesk::stats::report::Period;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

const REPORTS: &str = "/api/v1/reports";
const ECOLES: &str = "Écoles Ivry";
const ARTS: &str = "Arts & Métiers d'Ivry";

/// An answer whose body is kept as bytes (zip and XLSX are not text).
struct Download {
    status: u16,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Download {
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).expect("a JSON body")
    }
}

async fn download(app: &TestApp, path: &str, token: &str) -> Download {
    let response = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("the service answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("read the body").to_vec();
    Download {
        status,
        headers,
        bytes,
    }
}

async fn download_ok(app: &TestApp, path: &str, token: &str) -> Download {
    let answer = download(app, path, token).await;
    assert_eq!(
        answer.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&answer.bytes)
    );
    answer
}

/// Three members, one with an accented name and one with `&` and `'` in it; hotline tickets
/// in 2017 and 2018 (February of both among them); work of every kind in February and March
/// 2018.
async fn load_fixture(app: &TestApp) {
    let ecoles = app
        .create_member_with(json!({"code": "ECOLES-IVRY", "name": ECOLES, "kind": "school"}))
        .await;
    let arts = app
        .create_member_with(json!({"code": "ARTS", "name": ARTS, "kind": "public_body"}))
        .await;
    let gentilly = app
        .create_member_with(json!({"code": "GENTILLY", "name": "Gentilly", "kind": "city"}))
        .await;
    let mut tickets = Vec::new();
    for (member, day, count) in [
        (ecoles, "2018-01-10", 2),
        (ecoles, "2018-02-12", 3),
        (ecoles, "2018-03-14", 1),
        (arts, "2018-02-20", 1),
        (arts, "2018-04-03", 4),
        (gentilly, "2018-03-05", 2),
        (ecoles, "2017-02-06", 1),
        (ecoles, "2017-06-06", 2),
        (arts, "2017-02-15", 5),
    ] {
        for _ in 0..count {
            tickets.push(ticket_at(member, &format!("{day}T12:00:00Z"), "hotline"));
        }
    }
    // A ticket logged on site is no hotline ticket: the report leaves it out.
    tickets.push(ticket_at(gentilly, "2018-02-14T12:00:00Z", "posted"));
    app.import(Value::Array(tickets)).await.expect(201);
    let technician = app.staff(Role::Technician).await;
    for body in [
        json!({"member_id": gentilly, "date": "2018-02-05", "kind": "posted", "days": 1.0}),
        json!({"member_id": gentilly, "date": "2018-03-06", "kind": "posted", "days": 2.0}),
        json!({"member_id": ecoles, "date": "2018-02-07", "kind": "on_site", "days": 0.5}),
        json!({"member_id": arts, "date": "2018-03-08", "kind": "project", "minutes": 210}),
        json!({"date": "2018-02-09", "kind": "hotline_duty", "days": 1.0}),
        json!({"date": "2018-03-09", "kind": "hotline_duty", "days": 1.0}),
    ] {
        app.log_work(&technician.token, body).await.expect(201);
    }
}

/// The files of a zip archive by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().unwrap().to_string(), content)
        })
        .collect()
}

/// A French CSV file's headings and rows (`;` between fields), checking the byte order mark
/// first.
fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    read_csv_with(bytes, b';')
}

/// An English CSV file's (commas between fields).
fn read_csv_en(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    read_csv_with(bytes, b',')
}

fn read_csv_with(bytes: &[u8], delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let text = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .expect("UTF-8 with a byte order mark");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text);
    let headings = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headings, rows)
}

/// A sheet's cells, the headings row first.
fn sheet(workbook: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<Data>> {
    workbook
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
        .rows()
        .map(|r| r.to_vec())
        .collect()
}

/// A numeric cell's value; panics on text, so that numbers stored as text are caught.
#[track_caller]
fn number(cell: &Data) -> f64 {
    match cell {
        Data::Float(x) => *x,
        Data::Int(n) => *n as f64,
        other => panic!("a number cell, got {other:?}"),
    }
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("a text cell, got {other:?}"),
    }
}

fn float(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("a number: {value}"))
}

/// `[(name, tickets, compare_tickets)]` of the JSON's tickets table.
fn ticket_rows(report: &Value) -> Vec<(String, f64, f64)> {
    let table = &report["tickets_by_member"]["rows"];
    common::rows(table, &["member_name", "tickets", "compare_tickets"])
}

/// The files of the CSV archive, and of the `report` command besides the JSON and the XLSX.
const CSV_FILES: [&str; 20] = [
    "LISEZMOI.txt",
    "jours-par-adherent.csv",
    "jours-par-adherent.svg",
    "jours-par-type.csv",
    "jours-par-type.svg",
    "jours-sur-site.csv",
    "jours-sur-site.svg",
    "niveaux-de-service.csv",
    "par-categorie.csv",
    "par-categorie.svg",
    "par-technicien.csv",
    "releves-par-adherent.csv",
    "repartition-hotline.csv",
    "repartition-hotline.svg",
    "saisonnalite-comparee.csv",
    "saisonnalite-comparee.svg",
    "saisonnalite.csv",
    "saisonnalite.svg",
    "tickets-par-adherent.csv",
    "tickets-par-adherent.svg",
];

/// A service with the fixture, a user of that role, and the JSON report of 2018 as they
/// download it.
async fn report_of_2018_for(role: Role) -> (TestApp, String, Value) {
    let app = TestApp::spawn().await;
    load_fixture(&app).await;
    let token = app.staff(role).await.token;
    let path = format!("{REPORTS}/2018");
    let report = download_ok(&app, &path, &token).await.json();
    (app, token, report)
}

fn svg_texts(bytes: &[u8]) -> Vec<String> {
    let source = std::str::from_utf8(bytes).expect("SVG in UTF-8");
    let document = roxmltree::Document::parse(source).expect("the SVG is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert!(
        !document
            .descendants()
            .any(|n| n.has_tag_name("script") || n.has_tag_name("foreignObject")),
        "no script in a chart"
    );
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_json_report_holds_each_statistic_as_its_endpoint_returns_it() {
    let app = TestApp::spawn().await;
    load_fixture(&app).await;
    let manager = app.staff(Role::Manager).await;
    let token = &manager.token;

    let report = download_ok(&app, &format!("{REPORTS}/2018"), token).await;
    assert!(report
        .header("content-type")
        .starts_with("application/json"));
    let report = report.json();
    assert_eq!(report["year"], 2018);
    assert_eq!(report["month"], Value::Null);
    for (field, path) in [
        (
            "tickets_by_member",
            "/api/v1/stats/tickets-by-member?year=2018&compare_year=2017",
        ),
        ("seasonality", "/api/v1/stats/seasonality?year=2018"),
        ("work_days", "/api/v1/stats/work-days?year=2018"),
        (
            "hotline_allocation",
            "/api/v1/stats/hotline-allocation?year=2018",
        ),
    ] {
        let endpoint = app.get(path, token).await.expect(200).body;
        assert_eq!(report[field], endpoint, "{field} as {path} returns it");
    }
    assert_eq!(
        ticket_rows(&report),
        vec![
            (ECOLES.to_string(), 6.0, 3.0),
            (ARTS.to_string(), 5.0, 5.0),
            ("Gentilly".to_string(), 2.0, 0.0),
        ]
    );
    assert_eq!(report["hotline_allocation"]["presence_hundredths"], 200);
}

#[tokio::test]
async fn the_xlsx_holds_the_json_figures_as_numbers_with_native_charts() {
    let (app, token, report) = report_of_2018_for(Role::Hotline).await;
    let token = &token;

    let answer = download_ok(&app, &format!("{REPORTS}/2018?format=xlsx"), token).await;
    assert_eq!(
        answer.header("content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        answer.header("content-disposition"),
        "attachment; filename=\"rapport-2018.xlsx\""
    );
    let mut workbook = Xlsx::new(Cursor::new(answer.bytes.clone())).expect("an XLSX workbook");
    assert_eq!(
        workbook.sheet_names(),
        vec![
            "Tickets par adhérent",
            "Saisonnalité",
            "Jours par adhérent",
            "Jours par type",
            "Répartition hotline",
            "Niveaux de service",
            "Saisonnalité comparée",
            "Sur site",
            "Relevés par adhérent",
            "Par catégorie",
            "Par technicien",
        ]
    );

    // What each member is billed for, its total row a formula equal to the team's days.
    let statements = sheet(&mut workbook, "Relevés par adhérent");
    let last = statements.len() - 1;
    assert_eq!(text(&statements[last][1]), "Total");
    assert_eq!(
        number(&statements[last][8]),
        float(&report["statements"]["totals"]["total_days"])
    );
    let formulas = workbook.worksheet_formula("Relevés par adhérent").unwrap();
    let total = formulas
        .get_value((last as u32, 8))
        .cloned()
        .unwrap_or_default();
    assert_eq!(total, format!("SUM(I2:I{last})"));

    let tickets = sheet(&mut workbook, "Tickets par adhérent");
    let headings: Vec<String> = tickets[0].iter().map(text).collect();
    assert_eq!(
        headings,
        ["Code", "Adhérent", "Tickets 2018", "Tickets 2017"]
    );
    let rows: Vec<(String, f64, f64)> = tickets[1..tickets.len() - 1]
        .iter()
        .map(|r| (text(&r[1]), number(&r[2]), number(&r[3])))
        .collect();
    assert_eq!(rows, ticket_rows(&report));
    let total = tickets.last().unwrap();
    assert_eq!(text(&total[1]), "Total");
    assert_eq!(
        number(&total[2]),
        float(&report["tickets_by_member"]["total"])
    );
    assert_eq!(
        number(&total[3]),
        float(&report["tickets_by_member"]["compare_total"])
    );
    // The totals are formulas over the rows above, their cached values the JSON's.
    let formulas = workbook
        .worksheet_formula("Tickets par adhérent")
        .expect("the sheet's formulas");
    let (first_row, first_col) = formulas.start().expect("formulas");
    let found: Vec<(u32, u32, String)> = formulas
        .used_cells()
        .filter(|(_, _, f)| !f.is_empty())
        .map(|(r, c, f)| (r as u32 + first_row, c as u32 + first_col, f.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (4, 2, "SUM(C2:C4)".to_string()),
            (4, 3, "SUM(D2:D4)".to_string())
        ]
    );
    // Printed in landscape, fitted to the page's width, the chart on a page of its own, with
    // its values on the bars.
    let parts = unzip(&answer.bytes);
    let sheet1 = String::from_utf8(parts["xl/worksheets/sheet1.xml"].clone()).unwrap();
    assert!(sheet1.contains("orientation=\"landscape\""), "{sheet1}");
    // One page wide (fitToWidth defaults to 1), as many pages high as it takes.
    assert!(sheet1.contains("fitToPage=\"1\""), "{sheet1}");
    assert!(sheet1.contains("fitToHeight=\"0\""), "{sheet1}");
    assert!(sheet1.contains("<rowBreaks"), "{sheet1}");
    let chart1 = String::from_utf8(parts["xl/charts/chart1.xml"].clone()).unwrap();
    assert!(chart1.contains("<c:showVal val=\"1\"/>"), "{chart1}");

    let season = sheet(&mut workbook, "Saisonnalité");
    assert_eq!(text(&season[0][2]), "Janvier");
    assert_eq!(text(&season[0][13]), "Décembre");
    assert_eq!(
        season.len(),
        report["seasonality"]["by_member"].as_array().unwrap().len() + 2
    );
    let total_row = season.last().unwrap();
    let months: Vec<f64> = total_row[2..14].iter().map(number).collect();
    assert_eq!(months, list_of::<f64>(&report["seasonality"]["months"]));
    assert_eq!(
        number(&total_row[14]),
        float(&report["seasonality"]["total"])
    );
    for (row, member) in season[1..season.len() - 1]
        .iter()
        .zip(report["seasonality"]["by_member"].as_array().unwrap())
    {
        assert_eq!(text(&row[0]), member["member_code"].as_str().unwrap());
        let months: Vec<f64> = row[2..14].iter().map(number).collect();
        assert_eq!(months, list_of::<f64>(&member["months"]));
    }

    let work = sheet(&mut workbook, "Jours par adhérent");
    assert_eq!(
        work.len(),
        report["work_days"]["rows"].as_array().unwrap().len() + 2
    );
    assert_eq!(text(&work[0][2]), "Travail posté (jours)");
    assert_eq!(text(&work[0][3]), "Travail posté (minutes)");
    for (row, member) in work[1..work.len() - 1]
        .iter()
        .zip(report["work_days"]["rows"].as_array().unwrap())
    {
        assert_eq!(text(&row[1]), member["member_name"].as_str().unwrap());
        for (col, kind) in [(2, "posted"), (4, "on_site"), (6, "project"), (8, "total")] {
            assert_eq!(number(&row[col]), float(&member[kind]["days"]), "{kind}");
            assert_eq!(
                number(&row[col + 1]),
                float(&member[kind]["minutes"]),
                "{kind}"
            );
        }
    }
    let kinds = sheet(&mut workbook, "Jours par type");
    assert_eq!(text(&kinds[4][0]), "Permanence hotline");
    assert_eq!(
        number(&kinds[4][1]),
        float(&report["work_days"]["totals"]["hotline_duty"]["days"])
    );
    assert_eq!(
        number(&kinds[4][3]),
        float(&report["work_days"]["shares_pct"]["hotline_duty"])
    );

    let allocation = sheet(&mut workbook, "Répartition hotline");
    assert_eq!(
        allocation.len(),
        report["hotline_allocation"]["rows"]
            .as_array()
            .unwrap()
            .len()
            + 2
    );
    assert_eq!(text(&allocation[0][3]), "Centièmes");
    for (row, member) in allocation[1..allocation.len() - 1]
        .iter()
        .zip(report["hotline_allocation"]["rows"].as_array().unwrap())
    {
        assert_eq!(number(&row[2]), float(&member["tickets"]));
        assert_eq!(number(&row[3]), float(&member["hundredths"]));
        assert_eq!(number(&row[4]), float(&member["days"]));
    }
    assert_eq!(number(&allocation.last().unwrap()[3]), 200.0);

    // The charts are Excel's own: columns for the months (and against the year before), bars
    // for the members (tickets, hotline days shared, on-site days), the kinds of work and the
    // categories, stacked bars for the work per member.
    let parts = unzip(&answer.bytes);
    let charts: Vec<String> = parts
        .iter()
        .filter(|(name, _)| name.starts_with("xl/charts/chart"))
        .map(|(_, xml)| String::from_utf8(xml.clone()).unwrap())
        .collect();
    // The fixture's tickets have no category: no chart of categories, the others there.
    assert_eq!(charts.len(), 7);
    assert!(charts.iter().any(|c| c.contains("<c:barDir val=\"col\"/>")));
    assert!(charts
        .iter()
        .any(|c| c.contains("<c:barDir val=\"bar\"/>") && c.contains("val=\"clustered\"")));
    assert!(charts
        .iter()
        .any(|c| c.contains("<c:barDir val=\"bar\"/>") && c.contains("val=\"stacked\"")));
}

#[tokio::test]
async fn the_csv_zip_holds_one_file_per_table_and_the_svg_charts_in_french() {
    let (app, token, report) = report_of_2018_for(Role::Technician).await;
    let token = &token;

    let answer = download_ok(&app, &format!("{REPORTS}/2018?format=csv"), token).await;
    assert_eq!(answer.header("content-type"), "application/zip");
    assert_eq!(
        answer.header("content-disposition"),
        "attachment; filename=\"rapport-2018.zip\""
    );
    let files = unzip(&answer.bytes);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(names, CSV_FILES);

    let (headings, rows) = read_csv(&files["tickets-par-adherent.csv"]);
    assert_eq!(
        headings,
        ["Code", "Adhérent", "Tickets 2018", "Tickets 2017"]
    );
    let parsed: Vec<(String, f64, f64)> = rows[..rows.len() - 1]
        .iter()
        .map(|r| (r[1].clone(), r[2].parse().unwrap(), r[3].parse().unwrap()))
        .collect();
    assert_eq!(parsed, ticket_rows(&report));
    assert_eq!(rows.last().unwrap()[1], "Total");
    assert_eq!(rows.last().unwrap()[2], "13");

    let (headings, rows) = read_csv(&files["saisonnalite.csv"]);
    assert_eq!(headings[2..14].first().unwrap(), "Janvier");
    assert_eq!(headings[13], "Décembre");
    let total: Vec<i64> = rows.last().unwrap()[2..14]
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(total, list_of::<i64>(&report["seasonality"]["months"]));

    let (headings, rows) = read_csv(&files["jours-par-adherent.csv"]);
    assert_eq!(headings[4], "Interventions sur site (jours)");
    assert_eq!(headings[6], "Projets (jours)");
    let work_rows = report["work_days"]["rows"].as_array().unwrap();
    for (row, member) in rows.iter().zip(work_rows) {
        assert_eq!(row[0], member["member_code"].as_str().unwrap());
        // Days with two decimals and a decimal comma, minutes exact.
        let french = |days: &Value| format!("{:.2}", float(days)).replace('.', ",");
        assert_eq!(row[2], french(&member["posted"]["days"]));
        assert_eq!(row[3], member["posted"]["minutes"].to_string());
        assert_eq!(row[4], french(&member["on_site"]["days"]));
    }
    assert_eq!(rows.len(), work_rows.len() + 1);

    let (headings, rows) = read_csv(&files["jours-par-type.csv"]);
    assert_eq!(headings, ["Type", "Jours", "Minutes", "Part (%)"]);
    let kinds: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "Travail posté",
            "Interventions sur site",
            "Projets",
            "Permanence hotline",
            "Total"
        ]
    );
    assert_eq!(rows[3][1], "2,00");
    assert_eq!(rows[3][2], "840");
    assert_eq!(rows[4][3], "100,00");
    // The archive says how its files are written.
    let readme = String::from_utf8(files["LISEZMOI.txt"].clone()).unwrap();
    assert!(readme.contains("points-virgules (;)"), "{readme}");
    assert!(readme.contains("virgule décimale"), "{readme}");
    assert!(readme.contains("- saisonnalite.csv"), "{readme}");

    let (headings, rows) = read_csv(&files["repartition-hotline.csv"]);
    assert_eq!(headings[3], "Centièmes");
    let allocation = report["hotline_allocation"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), allocation.len() + 1);
    assert_eq!(rows.last().unwrap()[3], "200");
    for (row, member) in rows.iter().zip(allocation) {
        assert_eq!(row[3], member["hundredths"].to_string());
    }

    // The statements, read with `;` and decimal commas, equal the JSON's.
    let (headings, rows) = read_csv(&files["releves-par-adherent.csv"]);
    assert_eq!(headings[8], "Total (jours)");
    let lines = report["statements"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), lines.len() + 1);
    let french = |x: &Value| format!("{:.2}", float(x)).replace('.', ",");
    for (row, line) in rows.iter().zip(lines) {
        assert_eq!(row[0], line["member_code"].as_str().unwrap());
        assert_eq!(row[7], french(&line["hotline_days"]));
        assert_eq!(row[8], french(&line["total_days"]));
    }
    assert_eq!(
        rows.last().unwrap()[8],
        french(&report["statements"]["totals"]["total_days"])
    );

    for chart in [
        "tickets-par-adherent.svg",
        "jours-par-adherent.svg",
        "saisonnalite.svg",
        "saisonnalite-comparee.svg",
        "jours-sur-site.svg",
    ] {
        let texts = svg_texts(&files[chart]);
        assert!(!texts.is_empty(), "{chart}");
    }
    let names = svg_texts(&files["tickets-par-adherent.svg"]);
    for name in [ECOLES, ARTS, "Gentilly"] {
        assert!(names.iter().any(|t| t == name), "{name} in {names:?}");
    }
    let raw = String::from_utf8(files["tickets-par-adherent.svg"].clone()).unwrap();
    assert!(raw.contains("Arts &amp; Métiers d&apos;Ivry"));
    let work = svg_texts(&files["jours-par-adherent.svg"]);
    assert!(work.iter().any(|t| t == "Travail posté"));
    assert!(work.iter().any(|t| t == ECOLES));
    let season = svg_texts(&files["saisonnalite.svg"]);
    assert!(season.iter().any(|t| t == "Janvier"));
    // The team's activity by kind, and the hotline days shared per member, with their values.
    let kinds = svg_texts(&files["jours-par-type.svg"]);
    assert!(kinds.iter().any(|t| t == "Travail posté"), "{kinds:?}");
    let posted_share = float(&report["work_days"]["shares_pct"]["posted"]);
    assert!(
        kinds
            .iter()
            .filter_map(|t| t.parse::<f64>().ok())
            .any(|v| (v - posted_share).abs() < 0.005),
        "{posted_share} in {kinds:?}"
    );
    let shared = svg_texts(&files["repartition-hotline.svg"]);
    for member in report["hotline_allocation"]["rows"].as_array().unwrap() {
        let name = member["member_short_name"].as_str().unwrap();
        assert!(shared.iter().any(|t| t == name), "{name} in {shared:?}");
    }
}

#[tokio::test]
async fn english_headings_and_file_names_with_lang_en() {
    let app = TestApp::spawn().await;
    load_fixture(&app).await;
    let token = &app.admin.token;

    let answer = download_ok(
        &app,
        &format!("{REPORTS}/2018?format=csv&lang=en&month=3"),
        token,
    )
    .await;
    assert_eq!(
        answer.header("content-disposition"),
        "attachment; filename=\"report-2018-03.zip\""
    );
    let files = unzip(&answer.bytes);
    assert!(files.contains_key("tickets-by-member.csv"));
    assert!(files.contains_key("seasonality.svg"));
    let (headings, _) = read_csv_en(&files["tickets-by-member.csv"]);
    assert_eq!(
        headings,
        ["Code", "Member", "Tickets March 2018", "Tickets March 2017"]
    );
    let (headings, _) = read_csv_en(&files["seasonality.csv"]);
    assert_eq!(headings[2], "January");
    let (headings, rows) = read_csv_en(&files["work-days-by-kind.csv"]);
    assert_eq!(headings, ["Kind", "Days", "Minutes", "Share (%)"]);
    assert_eq!(rows[0][0], "Posted work");
    // Commas between fields, decimal points.
    assert!(rows.iter().any(|r| r[1].contains('.')), "{rows:?}");
    let readme = String::from_utf8(files["README.txt"].clone()).unwrap();
    assert!(readme.contains("separated by commas"), "{readme}");

    let workbook = download_ok(&app, &format!("{REPORTS}/2018?format=xlsx&lang=en"), token).await;
    let workbook = Xlsx::new(Cursor::new(workbook.bytes)).unwrap();
    assert_eq!(workbook.sheet_names()[0], "Tickets by member");
}

#[tokio::test]
async fn a_month_report_limits_the_tables_to_that_month() {
    let app = TestApp::spawn().await;
    load_fixture(&app).await;
    let token = &app.admin.token;

    let report = download_ok(&app, &format!("{REPORTS}/2018?month=2"), token)
        .await
        .json();
    assert_eq!(report["month"], 2);
    // February: Écoles Ivry 3 (1 in February 2017), Arts 1 (5 in February 2017); Gentilly
    // filed nothing in either February.
    assert_eq!(
        ticket_rows(&report),
        vec![(ECOLES.to_string(), 3.0, 1.0), (ARTS.to_string(), 1.0, 5.0)]
    );
    assert_eq!(report["tickets_by_member"]["total"], 4);
    assert_eq!(report["tickets_by_member"]["compare_total"], 6);
    // The seasonality stays the year's.
    assert_eq!(report["seasonality"]["total"], 13);
    let work = &report["work_days"];
    assert_eq!(work["totals"]["posted"]["minutes"], 420);
    assert_eq!(work["totals"]["on_site"]["minutes"], 210);
    assert_eq!(work["totals"]["project"]["minutes"], 0);
    assert_eq!(work["totals"]["hotline_duty"]["days"], 1.0);
    let allocation = &report["hotline_allocation"];
    assert_eq!(allocation["presence_hundredths"], 100);
    let shares: Vec<(String, i64)> =
        common::rows(&allocation["rows"], &["member_code", "hundredths"]);
    assert_eq!(
        shares,
        [("ECOLES-IVRY".to_string(), 75), ("ARTS".to_string(), 25)]
    );

    let answer = download_ok(&app, &format!("{REPORTS}/2018?month=2&format=xlsx"), token).await;
    assert_eq!(
        answer.header("content-disposition"),
        "attachment; filename=\"rapport-2018-02.xlsx\""
    );
    let mut workbook = Xlsx::new(Cursor::new(answer.bytes)).unwrap();
    let tickets = sheet(&mut workbook, "Tickets par adhérent");
    assert_eq!(text(&tickets[0][2]), "Tickets février 2018");
    assert_eq!(tickets.len(), 4, "headings, two members, total");
    assert_eq!(number(&tickets[3][2]), 4.0);
    let work = sheet(&mut workbook, "Jours par adhérent");
    let members: Vec<String> = work[1..work.len() - 1]
        .iter()
        .map(|r| text(&r[0]))
        .collect();
    assert_eq!(members, ["GENTILLY", "ECOLES-IVRY"]);
}

#[tokio::test]
async fn agents_may_not_download_reports_and_staff_may() {
    let (app, _, agent) = TestApp::with_agent("IVRY").await;
    for format in ["json", "csv", "xlsx"] {
        let answer = download(
            &app,
            &format!("{REPORTS}/2018?format={format}"),
            &agent.token,
        )
        .await;
        assert_eq!(answer.status, 403, "{format}");
        assert_eq!(answer.json()["code"], "forbidden");
    }
    for role in ["hotline", "technician", "manager"] {
        let user = app.user(role, None).await;
        download_ok(&app, &format!("{REPORTS}/2018?format=xlsx"), &user.token).await;
    }
    let anonymous = app.anonymous(&format!("{REPORTS}/2018")).await;
    assert_eq!(anonymous.status.as_u16(), 401);
}

#[tokio::test]
async fn a_bad_month_format_or_lang_is_refused_and_a_bad_year_names_no_report() {
    let app = TestApp::spawn().await;
    let token = &app.admin.token;
    for (query, field) in [
        ("format=pdf", "format"),
        ("month=13", "month"),
        ("month=0", "month"),
        ("month=feb", "month"),
        ("lang=de", "lang"),
    ] {
        let answer = download(&app, &format!("{REPORTS}/2018?{query}"), token).await;
        assert_eq!(answer.status, 422, "{query}");
        assert!(answer
            .header("content-type")
            .starts_with("application/problem+json"));
        let body = answer.json();
        assert_eq!(body["code"], "validation_failed", "{query}");
        assert!(
            body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{query}: {body}"
        );
    }
    for year in ["abcd", "1969", "10000", "2018.5"] {
        let answer = download(&app, &format!("{REPORTS}/{year}"), token).await;
        assert_eq!(answer.status, 404, "{year}");
        assert_eq!(answer.json()["code"], "not_found", "{year}");
    }
    // An empty year is still a report, with empty tables and charts.
    let empty = download_ok(&app, &format!("{REPORTS}/1970?format=csv"), token).await;
    let files = unzip(&empty.bytes);
    let (_, rows) = read_csv(&files["tickets-par-adherent.csv"]);
    assert_eq!(rows, [["", "Total", "0"]], "nothing to compare with either");
    svg_texts(&files["tickets-par-adherent.svg"]);
    download_ok(&app, &format!("{REPORTS}/9999?format=xlsx"), token).await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_report_formats() {
    let app = TestApp::spawn().await;
    let spec = app.anonymous("/openapi.json").await.expect(200).body;
    let operation = &spec["paths"]["/api/v1/reports/{year}"]["get"];
    let content = &operation["responses"]["200"]["content"];
    for media_type in [
        "application/json",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ] {
        assert!(content.get(media_type).is_some(), "{media_type}");
    }
    let params: Vec<&str> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["year", "month", "format", "lang", "presence_days"]);
    let schemas = &spec["components"]["schemas"];
    for schema in [
        "Report",
        "TicketsByMember",
        "Seasonality",
        "WorkDays",
        "HotlineAllocation",
    ] {
        assert!(schemas.get(schema).is_some(), "{schema} in the components");
    }
}

#[tokio::test]
async fn the_report_command_writes_every_file_into_a_folder() {
    let app = TestApp::spawn().await;
    load_fixture(&app).await;
    // Three and a half days of hotline presence to share, as `--presence-days 3,5` says.
    let expected = download_ok(
        &app,
        &format!("{REPORTS}/2018?month=3&presence_days=3.5"),
        &app.admin.token,
    )
    .await
    .json();
    assert_eq!(expected["hotline_allocation"]["presence_hundredths"], 350);
    let out = std::env::temp_dir().join(format!("helpdesk-report-{}", uuid::Uuid::new_v4()));
    let settings = app.settings.clone();
    let folder = out.clone();
    let written = tokio::task::spawn_blocking(move || {
        helpdesk::cli::write_report(
            &settings,
            Period {
                year: 2018,
                month: Some(3),
            },
            Lang::Fr,
            helpdesk::stats::report::ReportOptions {
                presence_hundredths: Some(350),
                ..Default::default()
            },
            &folder,
        )
    })
    .await
    .unwrap()
    .expect("the report is written");
    let mut names: Vec<String> = written
        .iter()
        .map(|p| {
            assert!(p.starts_with(&out), "{p:?} in the folder");
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    let mut files = CSV_FILES.to_vec();
    files.extend(["rapport.json", "rapport.xlsx", "rapport.docx"]);
    files.sort();
    assert_eq!(names, files);
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("rapport.json")).unwrap()).unwrap();
    assert_eq!(json, expected, "the same JSON as the download");
    let mut workbook = Xlsx::new(Cursor::new(
        std::fs::read(out.join("rapport.xlsx")).unwrap(),
    ))
    .expect("an XLSX workbook");
    let tickets = sheet(&mut workbook, "Tickets par adhérent");
    assert_eq!(
        number(&tickets.last().unwrap()[2]),
        float(&expected["tickets_by_member"]["total"])
    );
    let (_, rows) = read_csv(&std::fs::read(out.join("tickets-par-adherent.csv")).unwrap());
    assert_eq!(rows.len(), 3, "Écoles Ivry, Gentilly, total");
    svg_texts(&std::fs::read(out.join("saisonnalite.svg")).unwrap());
    std::fs::remove_dir_all(&out).unwrap();
}

#[tokio::test]
async fn the_demo_report_of_2017_carries_the_activity_reports_ticket_table() {
    let app = TestApp::with_demo().await;
    let token = &app.admin.token;
    let answer = download_ok(&app, &format!("{REPORTS}/2017?format=xlsx"), token).await;
    let mut workbook = Xlsx::new(Cursor::new(answer.bytes)).unwrap();
    let tickets = sheet(&mut workbook, "Tickets par adhérent");
    let by_name: BTreeMap<String, f64> = tickets[1..]
        .iter()
        .map(|r| (text(&r[1]), number(&r[2])))
        .collect();
    assert_eq!(by_name["Total"], 489.0);
    assert_eq!(by_name["Écoles Ivry"], 30.0);
    assert_eq!(by_name["OPH d'Ivry"], 28.0);
    assert_eq!(by_name["Théâtre Antoine Vitez"], 38.0);
    // The report writes the syndicate's short name, as the activity report does.
    assert_eq!(by_name["SMBVB"], 3.0);

    let zip = download_ok(&app, &format!("{REPORTS}/2017?format=csv"), token).await;
    let files = unzip(&zip.bytes);
    let names = svg_texts(&files["tickets-par-adherent.svg"]);
    for name in [
        "Écoles Ivry",
        "OPH d'Ivry",
        "Théâtre Antoine Vitez",
        "SMBVB",
        "GOSB",
    ] {
        assert!(names.iter().any(|t| t == name), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// `helpdesk report --out` on a volume that fills up

/// Runs the binary with the database of `dir`; returns whether it succeeded.
fn helpdesk_command(dir: &std::path::Path, args: &[&str]) -> bool {
    std::process::Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args(args)
        .env(
            "HELPDESK__DATABASE__URL",
            format!("sqlite://{}", dir.join("h.db").display()),
        )
        .env("HELPDESK__DATABASE__DATA_DIR", dir)
        .env(
            "HELPDESK__AUTH__JWT_SECRET",
            "report-secret-0123456789abcdef",
        )
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run helpdesk")
        .success()
}

/// The room the files of a folder take on a volume of 4 KiB pages.
fn folder_pages(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len().div_ceil(4096))
        .sum()
}

/// SQLite only: `helpdesk report` over a database file of its own, whichever backend the suite
/// runs on; skipped unless the tests run as root (mounting the small volume needs it).
#[test]
fn a_report_that_cannot_be_written_whole_leaves_the_earlier_files_whole() {
    if !common::running_as_root() {
        return common::skipped("mounting a small volume needs root");
    }
    let dir =
        std::env::temp_dir().join(format!("helpdesk-report-{}", uuid::Uuid::new_v4().simple()));
    let (sizes, volume) = (dir.join("sizes"), dir.join("volume"));
    std::fs::create_dir_all(&sizes).unwrap();
    std::fs::create_dir_all(&volume).unwrap();
    assert!(helpdesk_command(&dir, &["seed-demo"]));
    let out = |folder: &std::path::Path| folder.display().to_string();
    // `helpdesk report` of 2017 (of February with `month`) into that folder.
    let report = |month: &[&str], folder: &std::path::Path| {
        let mut args = vec!["report", "--year", "2017"];
        args.extend(month);
        let folder = out(folder);
        args.extend(["--out", &folder]);
        helpdesk_command(&dir, &args)
    };
    assert!(report(&["--month", "2"], &sizes));
    let month_pages = folder_pages(&sizes);
    assert!(report(&[], &sizes));
    let year_pages = folder_pages(&sizes);
    assert!(year_pages > month_pages, "{month_pages} {year_pages}");

    // A volume that holds the month's files exactly: the year's do not fit, and replacing a
    // file runs out of room midway.
    let room = month_pages * 4096;
    let mounted = std::process::Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            &format!("size={room}"),
            "tmpfs",
            &out(&volume),
        ])
        .status()
        .unwrap();
    assert!(mounted.success());
    let outcome = std::panic::catch_unwind(|| {
        assert!(report(&["--month", "2"], &volume));
        let finished = report(&[], &volume);
        assert!(!finished, "the year's report should not fit");
        // Every file there is whole: the month's or the year's, never a cut one.
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&volume).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            if name.ends_with(".json") {
                serde_json::from_slice::<Value>(&bytes)
                    .unwrap_or_else(|e| panic!("{name} is cut: {e}"));
            } else if name.ends_with(".xlsx") {
                Xlsx::new(Cursor::new(bytes)).unwrap_or_else(|e| panic!("{name} is cut: {e}"));
            } else if name.ends_with(".svg") {
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.trim_end().ends_with("</svg>"), "{name} is cut");
            } else if name.ends_with(".csv") {
                assert!(bytes.is_empty() || bytes.ends_with(b"\n"), "{name} is cut");
            }
            names.push(name);
        }
        assert!(names.iter().all(|n| !n.contains("partial")), "{names:?}");
        assert!(names.iter().any(|n| n.ends_with(".json")), "{names:?}");
    });
    let _ = std::process::Command::new("umount").arg(&volume).status();
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[tokio::test]
async fn a_members_short_name_is_what_the_charts_and_tables_write() {
    const LONG: &str = "Syndicat mixte du bassin versant de la Bièvre";
    let app = TestApp::spawn().await;
    let token = &app.admin.token;
    let id = app
        .create_member_with(json!({"code": "SMBVB", "name": LONG, "kind": "syndicate",
                                   "short_name": " SMBVB "}))
        .await;
    let member = app.get(&format!("/api/v1/members/{id}"), token).await;
    assert_eq!(member.expect(200).body["short_name"], "SMBVB");
    let tickets = (0..3)
        .map(|_| ticket_at(id, "2018-05-04T09:00:00Z", "hotline"))
        .collect();
    app.import(Value::Array(tickets)).await.expect(201);

    let report = download_ok(&app, &format!("{REPORTS}/2018"), token)
        .await
        .json();
    let row = &report["tickets_by_member"]["rows"][0];
    assert_eq!(row["member_name"], LONG);
    assert_eq!(row["member_short_name"], "SMBVB");
    let files = unzip(
        &download_ok(&app, &format!("{REPORTS}/2018?format=csv"), token)
            .await
            .bytes,
    );
    let (_, rows) = read_csv(&files["tickets-par-adherent.csv"]);
    assert_eq!(rows[0][..3], ["SMBVB", "SMBVB", "3"]);
    let texts = svg_texts(&files["tickets-par-adherent.svg"]);
    assert!(texts.iter().any(|t| t == "SMBVB"), "{texts:?}");
    assert!(
        !texts.iter().any(|t| t.starts_with("Syndicat")),
        "{texts:?}"
    );

    // Too long for a chart's label: refused, nothing changed.
    let path = format!("/api/v1/members/{id}");
    let long = json!({"short_name": "S".repeat(31)});
    let refused = app.patch(&path, token, long).await.expect(422);
    assert_eq!(refused.body["errors"][0]["field"], "short_name");
    // Cleared: the charts go back to the name, shortened to fit.
    let cleared = app.patch(&path, token, json!({"short_name": null})).await;
    assert_eq!(cleared.expect(200).body["short_name"], Value::Null);
    let files = unzip(
        &download_ok(&app, &format!("{REPORTS}/2018?format=csv"), token)
            .await
            .bytes,
    );
    let texts = svg_texts(&files["tickets-par-adherent.svg"]);
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Syndicat mixte") && t.ends_with('…')),
        "{texts:?}"
    );
}

#[tokio::test]
async fn the_report_shares_the_presence_days_it_is_given() {
    let app = TestApp::with_demo().await;
    let token = &app.admin.token;
    // The activity report of 2017 shares 350 days of hotline presence; the hotline duty
    // logged makes 320.
    let logged = download_ok(&app, &format!("{REPORTS}/2017"), token)
        .await
        .json();
    assert_eq!(logged["hotline_allocation"]["presence_hundredths"], 32000);
    let given = download_ok(&app, &format!("{REPORTS}/2017?presence_days=350"), token)
        .await
        .json();
    let shares = &given["hotline_allocation"];
    assert_eq!(shares["presence_hundredths"], 35000);
    let sum: i64 = shares["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["hundredths"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, 35000, "the members' shares add up to the days given");
    let refused = app
        .get(&format!("{REPORTS}/2017?presence_days=beaucoup"), token)
        .await
        .expect(422);
    assert_eq!(refused.body["errors"][0]["field"], "presence_days");
}

#[tokio::test]
async fn a_year_compared_with_a_year_without_tickets_gets_no_column_of_zeros() {
    let app = TestApp::spawn().await;
    load_fixture(&app).await;
    let token = &app.admin.token;
    // The fixture's first tickets are of 2017: its report has nothing to compare with.
    let files = unzip(
        &download_ok(&app, &format!("{REPORTS}/2017?format=csv"), token)
            .await
            .bytes,
    );
    let (headings, rows) = read_csv(&files["tickets-par-adherent.csv"]);
    assert_eq!(headings, ["Code", "Adhérent", "Tickets 2017"]);
    assert!(rows.iter().all(|r| r.len() == 3), "{rows:?}");
    let legend = svg_texts(&files["tickets-par-adherent.svg"]);
    assert!(legend.iter().any(|t| t == "Tickets 2017"));
    assert!(!legend.iter().any(|t| t == "Tickets 2016"), "{legend:?}");
    let workbook = download_ok(&app, &format!("{REPORTS}/2017?format=xlsx"), token).await;
    let mut workbook = Xlsx::new(Cursor::new(workbook.bytes)).unwrap();
    let tickets = sheet(&mut workbook, "Tickets par adhérent");
    assert_eq!(tickets[0].len(), 3, "{:?}", tickets[0]);
    // 2018 is compared with 2017, which has tickets: both columns.
    let files = unzip(
        &download_ok(&app, &format!("{REPORTS}/2018?format=csv"), token)
            .await
            .bytes,
    );
    let (headings, _) = read_csv(&files["tickets-par-adherent.csv"]);
    assert_eq!(headings.len(), 4);
    // English writes no space before a colon, French a non-breaking one.
    let english = unzip(
        &download_ok(&app, &format!("{REPORTS}/2018?format=csv&lang=en"), token)
            .await
            .bytes,
    );
    let (headings, _) = read_csv_en(&english["service-levels.csv"]);
    assert!(headings.iter().any(|h| h.contains(": ")), "{headings:?}");
    assert!(!headings.iter().any(|h| h.contains(" :")), "{headings:?}");
    let (headings, _) = read_csv(&files["niveaux-de-service.csv"]);
    assert!(
        headings.iter().any(|h| h.contains("\u{a0}: ")),
        "{headings:?}"
    );
}

/// `hundredths` of a day from a JSON number of days with two decimals.
fn hundredths(days: &Value) -> i64 {
    (float(days) * 100.0).round() as i64
}

#[tokio::test]
async fn members_statements_add_up_to_the_presence_and_the_teams_days() {
    let app = TestApp::with_demo().await;
    let token = &app.admin.token;
    let report = download_ok(&app, &format!("{REPORTS}/2017?presence_days=350"), token)
        .await
        .json();
    let statements = &report["statements"];
    let rows = statements["rows"].as_array().unwrap();
    let shares: i64 = rows.iter().map(|r| hundredths(&r["hotline_days"])).sum();
    assert_eq!(
        shares, 35_000,
        "the members' hotline shares make the 350 days"
    );
    let work = &report["work_days"]["totals"];
    let team = hundredths(&work["posted"]["days"])
        + hundredths(&work["on_site"]["days"])
        + hundredths(&work["project"]["days"])
        + 35_000;
    let billed: i64 = rows
        .iter()
        .map(|r| r["total_hundredths"].as_i64().unwrap())
        .sum();
    assert_eq!(billed, team, "the members' totals make the team's days");
    assert_eq!(statements["totals"]["total_hundredths"], team);

    // Each member's own statement is its line of the report.
    let members = app.admin_reads("/api/v1/members?limit=100").await;
    let mut seen = 0;
    for member in members["items"].as_array().unwrap() {
        let id = member["id"].as_i64().unwrap();
        let path = format!("{REPORTS}/2017/members/{id}?presence_days=350");
        let own = download_ok(&app, &path, token).await.json();
        let line = rows.iter().find(|r| r["member_id"] == id);
        match line {
            Some(line) => {
                seen += 1;
                for field in [
                    "hotline_tickets",
                    "posted_days",
                    "on_site_days",
                    "hotline_days",
                ] {
                    assert_eq!(own[field], line[field], "{field} of member {id}");
                }
                assert_eq!(own["total_hundredths"], line["total_hundredths"]);
                let by_category: i64 = own["tickets_by_category"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["tickets"].as_i64().unwrap())
                    .sum();
                let filed = own["hotline_tickets"].as_i64().unwrap()
                    + own["posted_tickets"].as_i64().unwrap();
                assert_eq!(
                    by_category, filed,
                    "every ticket of member {id} in a category row"
                );
            }
            None => assert_eq!(
                own["total_hundredths"], 0,
                "member {id} has nothing in 2017"
            ),
        }
        assert_eq!(own["presence_days"], 350.0);
    }
    assert_eq!(seen, rows.len());

    // OPH de Villejuif: 107 of the 489 hotline tickets.
    let villejuif = rows
        .iter()
        .find(|r| r["member_code"] == "OPH-VILLEJUIF")
        .unwrap();
    assert_eq!(villejuif["hotline_tickets"], 107);
    let id = villejuif["member_id"].as_i64().unwrap();
    let own = download_ok(&app, &format!("{REPORTS}/2017/members/{id}"), token)
        .await
        .json();
    assert_eq!(own["team_hotline_tickets"], 489);
    // A month's statement counts that month's tickets, as the seasonality does.
    let march = download_ok(&app, &format!("{REPORTS}/2017/members/{id}?month=3"), token)
        .await
        .json();
    let months = report["seasonality"]["by_member"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["member_id"] == id)
        .unwrap()["months"]
        .clone();
    assert_eq!(march["month"], 3);
    assert_eq!(march["hotline_tickets"], months[2]);
    let levels = &own["service_levels"];
    assert!(levels["resolved"].as_i64().unwrap() > 0);
    assert!(levels["resolved_within_target"].as_i64() <= levels["resolved"].as_i64());

    // The workbook: the days billed, their total a formula equal to the JSON.
    let path = format!("{REPORTS}/2017/members/{id}?format=xlsx&presence_days=350");
    let xlsx = download_ok(&app, &path, token).await;
    assert!(xlsx
        .header("content-disposition")
        .contains("releve-OPH-VILLEJUIF-2017.xlsx"));
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(xlsx.bytes)).unwrap();
    let billed_sheet = sheet(&mut workbook, "Jours facturés");
    let line = rows.iter().find(|r| r["member_id"] == id).unwrap();
    assert_eq!(text(&billed_sheet[5][0]), "Total");
    assert_eq!(number(&billed_sheet[5][1]), float(&line["total_days"]));
    assert_eq!(number(&billed_sheet[4][1]), float(&line["hotline_days"]));
    let formulas = workbook.worksheet_formula("Jours facturés").unwrap();
    let total_formula = formulas.get_value((5, 1)).cloned().unwrap_or_default();
    assert!(total_formula.contains("SUM(B2:B5)"), "{total_formula}");

    // The page to print, in French with decimal commas.
    let page = download_ok(
        &app,
        &format!("{REPORTS}/2017/members/{id}?format=html&presence_days=350"),
        token,
    )
    .await;
    assert!(page.header("content-type").starts_with("text/html"));
    // A page whole in itself: its style sheet applies, nothing runs or loads.
    let policy = page.header("content-security-policy");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("style-src 'unsafe-inline'"), "{policy}");
    assert!(!policy.contains("script-src"), "{policy}");
    let page = String::from_utf8(page.bytes).unwrap();
    assert!(page.contains("Relevé d'activité"));
    assert!(page.contains("OPH de Villejuif"));
    let share = format!("{:.2}", float(&line["hotline_days"])).replace('.', ",");
    assert!(
        page.contains(&share),
        "the share {share} written the French way"
    );

    // Who may read it, and what names none.
    let hotline = app.staff(Role::Hotline).await;
    let path = format!("{REPORTS}/2017/members/{id}");
    assert_eq!(download(&app, &path, &hotline.token).await.status, 403);
    assert_eq!(
        download(&app, &format!("{REPORTS}/2017/members/999999"), token)
            .await
            .status,
        404
    );
    assert_eq!(
        download(&app, &format!("{REPORTS}/2017/members/abc"), token)
            .await
            .status,
        404
    );
    let wrong = download(&app, &format!("{path}?format=pdf"), token).await;
    assert_eq!(wrong.status, 422);
}

const WORD: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// The text of a WordprocessingML element: its `w:t` runs, in order.
fn word_text(node: roxmltree::Node) -> String {
    node.descendants()
        .filter(|n| n.has_tag_name((WORD, "t")))
        .filter_map(|n| n.text())
        .collect()
}

/// The chapter's document as Word reads it: its paragraphs outside tables (with their style)
/// and its tables as rows of cell texts.
/// A table of the document: rows of cell texts.
type WordTable = Vec<Vec<String>>;

fn read_docx(bytes: &[u8]) -> (Vec<(String, String)>, Vec<WordTable>) {
    let parts = unzip(bytes);
    let xml = String::from_utf8(parts["word/document.xml"].clone()).unwrap();
    let document = roxmltree::Document::parse(&xml).expect("document.xml is XML");
    let in_table = |node: roxmltree::Node| node.ancestors().any(|a| a.has_tag_name((WORD, "tbl")));
    let paragraphs = document
        .descendants()
        .filter(|n| n.has_tag_name((WORD, "p")) && !in_table(*n))
        .map(|p| {
            let style = p
                .descendants()
                .find(|n| n.has_tag_name((WORD, "pStyle")))
                .and_then(|n| n.attribute((WORD, "val")))
                .unwrap_or("")
                .to_string();
            (style, word_text(p))
        })
        .filter(|(_, text)| !text.is_empty())
        .collect();
    let tables = document
        .descendants()
        .filter(|n| n.has_tag_name((WORD, "tbl")))
        .map(|table| {
            table
                .children()
                .filter(|n| n.has_tag_name((WORD, "tr")))
                .map(|row| {
                    row.children()
                        .filter(|n| n.has_tag_name((WORD, "tc")))
                        .map(word_text)
                        .collect()
                })
                .collect()
        })
        .collect();
    (paragraphs, tables)
}

#[tokio::test]
async fn the_chapter_is_a_word_document_with_the_reports_tables_charts_and_sentences() {
    let app = TestApp::with_demo().await;
    let token = &app.admin.token;
    let report = download_ok(&app, &format!("{REPORTS}/2017?presence_days=350"), token)
        .await
        .json();
    let path = format!("{REPORTS}/2017?format=docx&presence_days=350");
    let answer = download_ok(&app, &path, token).await;
    assert_eq!(
        answer.header("content-type"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(
        answer.header("content-disposition"),
        "attachment; filename=\"rapport-2017.docx\""
    );
    let (paragraphs, tables) = read_docx(&answer.bytes);
    let styled = |style: &str| -> Vec<&str> {
        paragraphs
            .iter()
            .filter(|(s, _)| s == style)
            .map(|(_, t)| t.as_str())
            .collect()
    };
    assert_eq!(
        styled("Title"),
        ["Activité du service assistance technique postes de travail — 2017"]
    );
    assert!(styled("Heading1")[0].starts_with("Chiffres clés pour l'assistance technique"));
    let sections = styled("Heading2");
    for heading in [
        "Répartition de l'activité entre les adhérents",
        "Interventions sur site",
        "Interventions enregistrées sur la hotline",
        "Saisonnalité du traitement des tickets de helpdesk (hors travail posté)",
        "Niveaux de service",
    ] {
        assert!(sections.contains(&heading), "{heading} in {sections:?}");
    }
    // The report's sentence, with this year's figures and the year before's.
    let text: String = paragraphs.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        text.contains(
            "En dehors du travail posté, le service a enregistré 489 tickets, contre 450 en 2016 (+9\u{a0}%)."
        ),
        "{text}"
    );
    assert!(text.contains("temps de présence : 350 jours"), "{text}");

    // Its tables are the JSON's figures, written the French way.
    let tickets = tables
        .iter()
        .find(|t| t[0].iter().any(|h| h == "Tickets 2017") && t[0][0] == "Code")
        .expect("the tickets table");
    let expected: Vec<Vec<String>> = report["tickets_by_member"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            vec![
                r["member_code"].as_str().unwrap().to_string(),
                r["member_short_name"].as_str().unwrap().to_string(),
                r["tickets"].to_string(),
                r["compare_tickets"].to_string(),
            ]
        })
        .collect();
    assert_eq!(tickets[1..tickets.len() - 1], expected[..]);
    assert_eq!(tickets.last().unwrap()[2], "489");
    let statements = tables
        .iter()
        .find(|t| t[0].iter().any(|h| h == "Part hotline (jours)"))
        .expect("the statements table");
    let total = statements.last().unwrap();
    let french = |x: &Value| format!("{:.2}", float(x)).replace('.', ",");
    assert_eq!(total[7], "350,00");
    assert_eq!(
        total[8],
        french(&report["statements"]["totals"]["total_days"])
    );

    // Its charts are Word's own, each with the values on its bars.
    let parts = unzip(&answer.bytes);
    let charts: Vec<String> = parts
        .iter()
        .filter(|(name, _)| name.starts_with("word/charts/chart"))
        .map(|(_, xml)| String::from_utf8(xml.clone()).unwrap())
        .collect();
    assert_eq!(
        charts.len(),
        7,
        "kinds, members' days, on site, tickets, shares, months, categories"
    );
    for chart in &charts {
        roxmltree::Document::parse(chart).expect("a chart part is XML");
        assert!(
            chart.contains("<c:showVal val=\"1\"/>"),
            "values on the bars"
        );
    }
    let by_member = charts
        .iter()
        .find(|c| c.contains("Tickets hotline par adhérent"))
        .expect("the tickets chart");
    assert!(by_member.contains("<c:v>OPH de Villejuif</c:v>"));
    assert!(by_member.contains("<c:v>107</c:v>"));

    // In English, the same figures under English headings.
    let english = download_ok(&app, &format!("{REPORTS}/2017?format=docx&lang=en"), token).await;
    assert!(english
        .header("content-disposition")
        .contains("report-2017.docx"));
    let (paragraphs, _) = read_docx(&english.bytes);
    let text: String = paragraphs.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        text.contains(
            "Besides posted work, the service logged 489 tickets, against 450 in 2016 (+9%)."
        ),
        "{text}"
    );
}

/// Pages of a PDF, as poppler's pdfinfo counts them.
fn pdf_pages(pdf: &std::path::Path) -> u32 {
    let out = std::process::Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("run pdfinfo");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count")
}

/// Converts a document to PDF with LibreOffice, headless, in its own profile; the PDF's path.
fn libreoffice_pdf(file: &std::path::Path) -> std::path::PathBuf {
    let dir = file.parent().unwrap();
    let profile = dir.join(format!(
        "lo-profile-{}",
        file.file_name().unwrap().to_string_lossy()
    ));
    let status = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .arg(file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run soffice");
    assert!(status.success(), "LibreOffice converts {file:?}");
    let pdf = file.with_extension("pdf");
    assert!(pdf.exists(), "{pdf:?} written");
    pdf
}

#[test]
fn libreoffice_prints_the_workbook_a_page_per_table_or_chart_and_opens_the_chapter() {
    let tools = ["soffice", "pdfinfo", "pdftotext"];
    if let Some(missing) = tools.iter().find(|tool| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(std::process::Stdio::null())
            .status()
            .map_or(true, |s| !s.success())
    }) {
        common::skipped(&format!(
            "{missing} is not installed (.ci/run installs LibreOffice and poppler-utils)"
        ));
        return;
    }
    let dir = std::env::temp_dir().join(format!("helpdesk-lo-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    assert!(helpdesk_command(&dir, &["seed-demo"]));
    for year in ["2017", "2018"] {
        let out = dir.join(year);
        let args = ["report", "--year", year, "--presence-days", "350", "--out"];
        let mut args: Vec<&str> = args.to_vec();
        let out_text = out.to_string_lossy().into_owned();
        args.push(&out_text);
        assert!(helpdesk_command(&dir, &args));

        let workbook = out.join("rapport.xlsx");
        let parts = unzip(&std::fs::read(&workbook).unwrap());
        let sheets = parts
            .keys()
            .filter(|n| n.starts_with("xl/worksheets/sheet"))
            .count() as u32;
        let charts = parts
            .keys()
            .filter(|n| n.starts_with("xl/charts/chart"))
            .count() as u32;
        let pages = pdf_pages(&libreoffice_pdf(&workbook));
        assert!(
            pages <= sheets + charts,
            "{year}: {pages} pages for {sheets} tables and {charts} charts"
        );
        assert!(pages >= sheets, "{year}: every table printed");

        let chapter = libreoffice_pdf(&out.join("rapport.docx"));
        assert!(pdf_pages(&chapter) >= 3);
        let text = std::process::Command::new("pdftotext")
            .arg(&chapter)
            .arg("-")
            .output()
            .expect("run pdftotext");
        let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
        assert!(
            text.contains("Activité du service assistance technique postes de"),
            "{text}"
        );
        assert!(
            text.contains("Tickets hotline par adhérent"),
            "the charts drawn: {text}"
        );
        assert!(text.contains("OPH de Villejuif"), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
