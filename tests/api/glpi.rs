//! `helpdesk import-glpi` against the real MariaDB of this machine: a GLPI 10 schema
//! (`../shared/glpi/schema.sql`) filled the way GLPI writes its rows, imported into the
//! service's database, then read back through the API.

use crate::common::{self, skipped, TestApp, PASSWORD};
use crate::console::Visitor;
use helpdesk::domain::user::Role;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDateTime, TimeZone};
use mysql::prelude::Queryable;
use serde_json::Value;

const NO_MARIADB: &str = "no MariaDB at 127.0.0.1:3306 (root, no password)";

fn mariadb_base() -> String {
    std::env::var("HELPDESK_TEST_MYSQL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_string())
}

fn schema_sql() -> String {
    let dir = std::env::var("HELPDESK_GLPI_DIR").unwrap_or_else(|_| "../shared/glpi".into());
    std::fs::read_to_string(format!("{dir}/schema.sql")).expect("GLPI's schema.sql")
}

/// A GLPI database of its own, dropped at the end.
struct Glpi {
    name: String,
    conn: mysql::Conn,
}

impl Glpi {
    fn create() -> Option<Glpi> {
        let mut server = mysql::Conn::new(mysql::Opts::from_url(&mariadb_base()).ok()?).ok()?;
        let name = format!("helpdesk_glpi_{}", uuid::Uuid::new_v4().simple());
        server
            .query_drop(format!(
                "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            ))
            .unwrap();
        let mut conn =
            mysql::Conn::new(mysql::Opts::from_url(&format!("{}/{name}", mariadb_base())).unwrap())
                .unwrap();
        conn.query_drop("SET time_zone = '+00:00'").unwrap();
        conn.query_drop(schema_sql()).expect("load GLPI's schema");
        Some(Glpi { name, conn })
    }

    fn url(&self) -> String {
        format!("{}/{}", mariadb_base(), self.name)
    }

    fn run(&mut self, sql: &str, params: Vec<mysql::Value>) {
        self.conn
            .exec_drop(sql, mysql::Params::Positional(params))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

impl Glpi {
    /// GLPI's record of its own version, as `glpi_configs` keeps it.
    fn record_version(&mut self, version: &str) {
        self.run(
            "CREATE TABLE glpi_configs (id INT AUTO_INCREMENT PRIMARY KEY, context VARCHAR(150), name VARCHAR(150), value TEXT)",
            vec![],
        );
        self.run(
            "INSERT INTO glpi_configs (context, name, value) VALUES ('core', 'version', ?)",
            vec![v(version)],
        );
    }
}

impl Drop for Glpi {
    fn drop(&mut self) {
        let _ = self
            .conn
            .query_drop(format!("DROP DATABASE IF EXISTS {}", self.name));
    }
}

fn v<T: Into<mysql::Value>>(value: T) -> mysql::Value {
    value.into()
}

/// As GLPI 10 stores a text: `&`, `<`, `>` as numeric references.
fn glpi10(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
}

/// As GLPI 9.x stored it: `<` and `>` as named references.
fn glpi9(text: &str) -> String {
    text.replace('<', "&lt;").replace('>', "&gt;")
}

/// Entity ids of the fixture, and the member each one's tickets count for.
const ROOT: i64 = 0;
const ARCHIVES: i64 = 1;
const SIIM: i64 = 2;
const IVRY: i64 = 3;
const ECOLES_IVRY: i64 = 4;
const VILLEJUIF: i64 = 5;
const ARCUEIL: i64 = 6;
const UNKNOWN_ENTITY: i64 = 99;

fn member_of(entity: i64) -> Option<&'static str> {
    match entity {
        IVRY | ECOLES_IVRY => Some("IVRY"),
        VILLEJUIF => Some("OPH-DE-VILLEJUIF"),
        ARCUEIL => Some("ARCUEIL"),
        ROOT | ARCHIVES | SIIM => Some("SIIM94"),
        _ => None,
    }
}

const LEA: i64 = 10;
const MARC: i64 = 11;
const IDLE_TECH: i64 = 12;
const AGENT_IVRY: i64 = 20;
const AGENT_ECOLE: i64 = 21;
const GONE_AGENT: i64 = 22;

/// A ticket of the fixture as the test knows it.
#[derive(Debug, Clone)]
struct Row {
    id: i64,
    entity: i64,
    date: String,
    status: i64,
    deleted: bool,
    on_site_seconds: i64,
}

impl Row {
    fn counted(&self) -> bool {
        !self.deleted && member_of(self.entity).is_some()
    }

    /// Year and month of its wall-clock date.
    fn month(&self) -> (i32, u32) {
        let at = NaiveDateTime::parse_from_str(&self.date, "%Y-%m-%d %H:%M:%S").unwrap();
        (at.year(), at.month())
    }
}

/// Fills GLPI with the cooperative's directory and `count` tickets; returns the tickets.
fn fill(glpi: &mut Glpi, count: i64) -> Vec<Row> {
    for (id, parent, name, tag, level) in [
        (ROOT, None, "Entité racine", None, 1),
        (ARCHIVES, Some(ROOT), "Archives", None, 2),
        (SIIM, Some(ROOT), "SIIM94", None, 2),
        (IVRY, Some(SIIM), "Ivry-sur-Seine", Some("IVRY"), 3),
        (ECOLES_IVRY, Some(IVRY), "Écoles d'Ivry", None, 4),
        (VILLEJUIF, Some(SIIM), "OPH de Villejuif", None, 3),
        (ARCUEIL, Some(SIIM), "Arcueil", Some("ARCUEIL"), 3),
    ] {
        glpi.run(
            "INSERT INTO glpi_entities (id, entities_id, name, completename, level, tag) VALUES (?, ?, ?, ?, ?, ?)",
            vec![v(id), v(parent), v(glpi10(name)), v(glpi10(name)), v(level), v(tag)],
        );
    }
    for (id, name) in [
        (1, "Self-Service"),
        (2, "Observer"),
        (3, "Admin"),
        (4, "Super-Admin"),
        (5, "Hotliner"),
        (6, "Technician"),
        (7, "Supervisor"),
        (8, "Read-Only"),
    ] {
        glpi.run(
            "INSERT INTO glpi_profiles (id, name) VALUES (?, ?)",
            vec![v(id), v(name)],
        );
    }
    for (id, login, first, last, active, deleted, entity, profile) in [
        (2, "glpi", "", "", 1, 0, ROOT, 4),
        (LEA, "lea", "Léa", "Martin", 1, 0, SIIM, 5),
        (MARC, "marc", "Marc", "Durand", 1, 0, SIIM, 6),
        (IDLE_TECH, "ancien", "Paul", "Ancien", 0, 0, SIIM, 6),
        (AGENT_IVRY, "agent.ivry", "Nadia", "Ivry", 1, 0, IVRY, 1),
        (AGENT_ECOLE, "agent.ecole", "", "", 1, 0, ECOLES_IVRY, 1),
        (GONE_AGENT, "parti", "Jean", "Parti", 1, 1, VILLEJUIF, 1),
    ] {
        glpi.run(
            "INSERT INTO glpi_users (id, name, firstname, realname, is_active, is_deleted, entities_id, profiles_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![v(id), v(login), v(first), v(last), v(active), v(deleted), v(entity), v(profile)],
        );
        glpi.run(
            "INSERT INTO glpi_profiles_users (users_id, profiles_id, entities_id, is_recursive) VALUES (?, ?, ?, 1)",
            vec![v(id), v(profile), v(entity)],
        );
    }
    for (user, email, default) in [
        (LEA, "lea.martin@siim94.fr", 1),
        (MARC, "marc.ancien@siim94.fr", 0),
        (MARC, "marc.durand@siim94.fr", 1),
        (AGENT_IVRY, "nadia@ivry.fr", 1),
        (GONE_AGENT, "jean@villejuif.fr", 1),
    ] {
        glpi.run(
            "INSERT INTO glpi_useremails (users_id, email, is_default) VALUES (?, ?, ?)",
            vec![v(user), v(email), v(default)],
        );
    }
    for (id, parent, name, complete, level) in [
        (1, 0, "Logiciels métiers", "Logiciels métiers", 1),
        (2, 1, "Coriolis", "Logiciels métiers > Coriolis", 2),
        (3, 2, "Paie", "Logiciels métiers > Coriolis > Paie", 3),
        (4, 0, "Réseau & Wi-Fi", "Réseau & Wi-Fi", 1),
    ] {
        glpi.run(
            "INSERT INTO glpi_itilcategories (id, itilcategories_id, name, completename, level) VALUES (?, ?, ?, ?, ?)",
            vec![v(id), v(parent), v(glpi10(name)), v(glpi10(complete)), v(level)],
        );
    }
    for (id, name) in [
        (1, "Helpdesk"),
        (2, "E-Mail"),
        (3, "Phone"),
        (4, "Direct"),
        (5, "Written"),
        (6, "Other"),
    ] {
        glpi.run(
            "INSERT INTO glpi_requesttypes (id, name) VALUES (?, ?)",
            vec![v(id), v(name)],
        );
    }
    for (id, name) in [(1, "Intervention sur site"), (2, "Analyse")] {
        glpi.run(
            "INSERT INTO glpi_taskcategories (id, name, completename, level) VALUES (?, ?, ?, 1)",
            vec![v(id), v(name), v(name)],
        );
    }

    // Dates on month ends, the new year's night, both clock changes, and ordinary days.
    let dates = [
        "2016-12-31 23:59:59",
        "2017-01-01 00:10:00",
        "2017-01-31 23:30:00",
        "2017-02-28 23:59:00",
        "2017-03-26 03:30:00",
        "2017-06-15 10:00:00",
        "2017-10-29 02:30:00",
        "2017-12-31 23:50:00",
        "2018-01-01 00:00:00",
        "2018-03-31 22:45:00",
        "2018-07-14 09:00:00",
        "2018-10-28 02:15:00",
    ];
    let entities = [
        IVRY,
        ECOLES_IVRY,
        VILLEJUIF,
        ARCUEIL,
        SIIM,
        ARCHIVES,
        UNKNOWN_ENTITY,
    ];
    let long_text = format!(
        "<p>{}</p><p>😀 fin</p>",
        "Journal de l'imprimante : erreur 0x1F. ".repeat(2_000)
    );
    let mut rows = Vec::new();
    for n in 0..count {
        let id = 1000 + n;
        let entity = entities[(n % 7) as usize];
        let date = dates[((n * 5) % 12) as usize].to_string();
        let status = 1 + (n % 6);
        let deleted = n % 17 == 16;
        let priority = 1 + (n % 6);
        let kind = 1 + (n % 2);
        let title = match n % 4 {
            0 => glpi10("Imprimante <HP> & scanner 🖨️"),
            1 => glpi9("Écran noir <urgent>"),
            2 => format!("Ticket n°{n}"),
            _ => String::new(),
        };
        let content = match n % 5 {
            0 => glpi10("<p>Bonjour,</p><p>L'écran reste noir.<br>Merci !</p>"),
            1 => glpi9("<div>Accès &amp; droits</div><ul><li>un</li><li>deux</li></ul>"),
            2 => "Texte brut\nsur deux lignes".to_string(),
            3 if n % 20 == 3 => glpi10(&long_text),
            _ => String::new(),
        };
        let solved = (status >= 5).then(|| date.clone());
        let closed = (status == 6).then(|| date.clone());
        glpi.run(
            "INSERT INTO glpi_tickets (id, entities_id, name, content, date, date_mod, solvedate, closedate, takeintoaccountdate, status, type, priority, urgency, impact, itilcategories_id, requesttypes_id, is_deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 3, 3, ?, ?, ?)",
            vec![
                v(id), v(entity), v(title), v(content), v(date.clone()), v(date.clone()),
                v(solved), v(closed), v((status > 1).then(|| date.clone())), v(status), v(kind),
                v(priority), v(n % 5), v(1 + n % 6), v(i64::from(deleted)),
            ],
        );
        // Requesters: an agent, an address only, or nobody.
        match n % 3 {
            0 => glpi.run(
                "INSERT INTO glpi_tickets_users (tickets_id, users_id, type) VALUES (?, ?, 1)",
                vec![v(id), v(if n % 2 == 0 { AGENT_IVRY } else { AGENT_ECOLE })],
            ),
            1 => glpi.run(
                "INSERT INTO glpi_tickets_users (tickets_id, users_id, type, alternative_email) VALUES (?, 0, 1, ?)",
                vec![v(id), v(format!("demandeur{n}@mairie.fr"))],
            ),
            _ => {}
        }
        if status >= 2 {
            glpi.run(
                "INSERT INTO glpi_tickets_users (tickets_id, users_id, type) VALUES (?, ?, 2)",
                vec![v(id), v(if n % 2 == 0 { MARC } else { LEA })],
            );
        }
        glpi.run(
            "INSERT INTO glpi_itilfollowups (itemtype, items_id, date, users_id, content, is_private) VALUES ('Ticket', ?, ?, ?, ?, ?)",
            vec![v(id), v(date.clone()), v(LEA), v(glpi10("<p>Pris en compte</p>")), v(n % 2)],
        );
        // A task on site with its time, on every third ticket; an analysis without time on
        // every fourth.
        let on_site_seconds = if n % 3 == 0 { 3600 * (1 + n % 4) } else { 0 };
        if on_site_seconds > 0 {
            glpi.run(
                "INSERT INTO glpi_tickettasks (tickets_id, taskcategories_id, date, begin, users_id, users_id_tech, content, actiontime, is_private) VALUES (?, 1, ?, ?, ?, ?, ?, ?, 1)",
                vec![v(id), v(date.clone()), v(date.clone()), v(MARC), v(MARC), v(glpi10("<p>Déplacement</p>")), v(on_site_seconds)],
            );
        }
        if n % 4 == 0 {
            glpi.run(
                "INSERT INTO glpi_tickettasks (tickets_id, taskcategories_id, date, users_id, users_id_tech, content, actiontime) VALUES (?, 2, ?, ?, ?, ?, 0)",
                vec![v(id), v(date.clone()), v(LEA), v(LEA), v("Analyse des journaux")],
            );
        }
        if status >= 5 {
            glpi.run(
                "INSERT INTO glpi_itilsolutions (itemtype, items_id, date_creation, users_id, content, status) VALUES ('Ticket', ?, ?, ?, ?, 3)",
                vec![v(id), v(date.clone()), v(MARC), v(glpi10("<p>Câble remplacé</p>"))],
            );
        }
        if status == 6 && n % 4 == 1 {
            glpi.run(
                "INSERT INTO glpi_ticketsatisfactions (tickets_id, type, date_begin, date_answered, satisfaction, comment) VALUES (?, 1, ?, ?, 4, 'Rapide')",
                vec![v(id), v(date.clone()), v(date.clone())],
            );
        }
        rows.push(Row {
            id,
            entity,
            date,
            status,
            deleted,
            on_site_seconds: if deleted || member_of(entity).is_none() {
                0
            } else {
                on_site_seconds
            },
        });
    }
    rows
}

const MAPPING: &str = "[task_categories]\n\"Intervention sur site\" = \"on_site\"\n";

fn mapping_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("glpi-mapping-{}.toml", uuid::Uuid::new_v4()));
    std::fs::write(&path, MAPPING).unwrap();
    path
}

/// Runs the import in this process against the test's database.
async fn import(app: &TestApp, url: &str, dry_run: bool) -> helpdesk::glpi::Summary {
    let settings = app.settings.clone();
    let options = helpdesk::glpi::Options {
        from: url.to_string(),
        mapping: Some(mapping_file()),
        dry_run,
        timezone: None,
        progress: false,
    };
    tokio::task::spawn_blocking(move || {
        let db = helpdesk::db::DatabaseUrl::parse(&settings.database.url).unwrap();
        let mut conn = helpdesk::db::ConnectionManager::new(db)
            .connect_once()
            .expect("connect to the test database");
        let conn = (!dry_run).then_some(&mut conn);
        helpdesk::glpi::run(&settings, conn, &options).unwrap_or_else(|e| panic!("{e}"))
    })
    .await
    .unwrap()
}

/// Tickets per member of a year as the GLPI rows count them (Paris wall-clock months).
fn expected_by_member(rows: &[Row], year: i32) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for row in rows.iter().filter(|r| r.counted() && r.month().0 == year) {
        *counts
            .entry(member_of(row.entity).unwrap().to_string())
            .or_default() += 1;
    }
    counts
}

fn expected_months(rows: &[Row], year: i32) -> Vec<i64> {
    let mut months = vec![0; 12];
    for row in rows.iter().filter(|r| r.counted() && r.month().0 == year) {
        months[row.month().1 as usize - 1] += 1;
    }
    months
}

/// Tickets per member of 2016, 2017 and 2018 as the API gives them equal the GLPI rows' counts.
async fn assert_tickets_by_member_of_each_year(app: &TestApp, rows: &[Row]) {
    for year in [2016, 2017, 2018] {
        assert_eq!(
            by_member(app, year).await,
            expected_by_member(rows, year),
            "{year}"
        );
    }
}

async fn by_member(app: &TestApp, year: i32) -> BTreeMap<String, i64> {
    let stats = app
        .stats(&format!("tickets-by-member?year={year}"), &app.admin.token)
        .await;
    stats
        .rows::<(String, i64)>(&["member_code", "tickets"])
        .into_iter()
        .collect()
}

/// Every ticket the API lists, by external reference.
async fn all_tickets(app: &TestApp) -> HashMap<String, Value> {
    let mut found = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/v1/tickets?limit=200".to_string();
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = app.read(&path, &app.admin.token).await;
        for item in page.items() {
            found.insert(
                item["external_ref"].as_str().unwrap_or("").to_string(),
                item.clone(),
            );
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return found,
        }
    }
}

/// What a run that changes nothing must leave as it was (service-level clocks move with time).
async fn fixed_fields(app: &TestApp) -> BTreeMap<String, Vec<Value>> {
    all_tickets(app)
        .await
        .into_iter()
        .map(|(reference, t)| {
            let fields = [
                "id",
                "title",
                "description",
                "status",
                "version",
                "updated_at",
                "member_id",
            ]
            .iter()
            .map(|f| t[*f].clone())
            .collect();
            (reference, fields)
        })
        .collect()
}

fn status_name(glpi: i64) -> &'static str {
    [
        "new",
        "assigned",
        "in_progress",
        "waiting",
        "resolved",
        "closed",
    ][glpi as usize - 1]
}

#[tokio::test]
async fn an_import_gives_the_statistics_glpi_had_and_a_second_run_changes_nothing() {
    let Some(mut glpi) = Glpi::create() else {
        return skipped(NO_MARIADB);
    };
    let rows = fill(&mut glpi, 240);
    let app = TestApp::spawn().await;

    let first = import(&app, &glpi.url(), false).await;
    let counted = rows.iter().filter(|r| r.counted()).count() as u64;
    assert_eq!(first.outcomes.get("added"), Some(&counted), "{first:?}");
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    let trash = rows.iter().filter(|r| r.deleted).count() as u64;
    assert_eq!(first.skipped.get("in the trash"), Some(&trash));

    for year in [2016, 2017, 2018] {
        assert_eq!(
            by_member(&app, year).await,
            expected_by_member(&rows, year),
            "{year}"
        );
        let season = app
            .stats(&format!("seasonality?year={year}"), &app.admin.token)
            .await;
        assert_eq!(
            common::list_of::<i64>(&season.body["months"]),
            expected_months(&rows, year),
            "{year}: the new year's night counts in January, the month ends in their month"
        );
    }
    // Per status, and the reference searchable.
    let tickets = all_tickets(&app).await;
    assert_eq!(tickets.len() as u64, counted);
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.counted()) {
        *by_status.entry(status_name(row.status)).or_default() += 1;
    }
    let mut listed: BTreeMap<&str, usize> = BTreeMap::new();
    for ticket in tickets.values() {
        let status = ticket["status"].as_str().unwrap();
        *listed
            .entry(status_name(
                1 + [
                    "new",
                    "assigned",
                    "in_progress",
                    "waiting",
                    "resolved",
                    "closed",
                ]
                .iter()
                .position(|s| *s == status)
                .unwrap() as i64,
            ))
            .or_default() += 1;
    }
    assert_eq!(listed, by_status);
    let found = app
        .read("/api/v1/tickets?q=glpi:1000", &app.admin.token)
        .await;
    assert!(
        found
            .items()
            .iter()
            .any(|t| t["external_ref"] == "glpi:1000"),
        "{}",
        found.body
    );

    // On-site work from the tasks of the mapped category, per member.
    let work = app.stats("work-days?year=2017", &app.admin.token).await;
    let mut expected_minutes: BTreeMap<String, i64> = BTreeMap::new();
    for row in rows
        .iter()
        .filter(|r| r.counted() && r.month().0 == 2017 && r.on_site_seconds > 0)
    {
        *expected_minutes
            .entry(member_of(row.entity).unwrap().to_string())
            .or_default() += row.on_site_seconds / 60;
    }
    let minutes: BTreeMap<String, i64> = work
        .rows::<(String, Value)>(&["member_code", "on_site"])
        .into_iter()
        .map(|(code, v)| (code, v["minutes"].as_i64().unwrap()))
        .filter(|(_, m)| *m > 0)
        .collect();
    assert_eq!(minutes, expected_minutes);

    // Nothing was mailed.
    let outbox = app.outbox("").await;
    assert!(outbox.items().is_empty(), "{}", outbox.body);

    // Again: nothing changes.
    let before = fixed_fields(&app).await;
    let second = import(&app, &glpi.url(), false).await;
    assert_eq!(
        second.outcomes.get("unchanged"),
        Some(&counted),
        "{second:?}"
    );
    assert_eq!(second.outcomes.get("added"), None);
    assert_eq!(second.created, Default::default());
    assert_eq!(fixed_fields(&app).await, before);
    assert_tickets_by_member_of_each_year(&app, &rows).await;
}

#[tokio::test]
async fn texts_dates_people_and_the_timeline_are_brought_as_glpi_shows_them() {
    let Some(mut glpi) = Glpi::create() else {
        return skipped(NO_MARIADB);
    };
    fill(&mut glpi, 24);
    let app = TestApp::spawn().await;
    import(&app, &glpi.url(), false).await;
    let tickets = all_tickets(&app).await;

    // GLPI 10's encoding, and GLPI 9's.
    let first = &tickets["glpi:1000"];
    assert_eq!(first["title"], "Imprimante <HP> & scanner 🖨️");
    assert_eq!(
        first["description"],
        "Bonjour,\n\nL'écran reste noir.\nMerci !"
    );
    let second = &tickets["glpi:1001"];
    assert_eq!(second["title"], "Écran noir <urgent>");
    assert_eq!(second["description"], "Accès & droits\n\n- un\n- deux");
    // A ticket without a title takes its description's first line, shortened; a content
    // longer than 64 KB is kept whole.
    let untitled = &tickets["glpi:1003"];
    let title = untitled["title"].as_str().unwrap();
    assert!(title.starts_with("Journal de l'imprimante"), "{title}");
    assert!(
        title.ends_with('…') && title.chars().count() == 200,
        "{title}"
    );
    let long = untitled["description"].as_str().unwrap();
    assert!(long.len() > 64 * 1024 && long.ends_with("😀 fin"));
    assert_eq!(
        tickets["glpi:1002"]["description"],
        "Texte brut\nsur deux lignes"
    );
    // The new year's night in Paris is still 2016 in UTC.
    let paris = chrono_tz::Europe::Paris;
    let at = |s: &str| {
        paris
            .from_local_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
            .earliest()
            .unwrap()
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    assert_eq!(
        tickets["glpi:1000"]["created_at"],
        at("2016-12-31 23:59:59")
    );
    assert_eq!(
        tickets["glpi:1001"]["created_at"],
        at("2017-06-15 10:00:00")
    );
    assert_eq!(tickets["glpi:1001"]["created_at"], "2017-06-15T08:00:00Z");
    // Priority 1 (very low) → 4; 6 (major) → 1; 3 → 3.
    assert_eq!(tickets["glpi:1000"]["priority"], 4);
    assert_eq!(tickets["glpi:1005"]["priority"], 1);
    assert_eq!(tickets["glpi:1002"]["priority"], 3);
    // Request types: Helpdesk → web, E-Mail → email, Phone → phone, others → api.
    assert_eq!(tickets["glpi:1000"]["channel"], "web");
    assert_eq!(tickets["glpi:1001"]["channel"], "email");
    assert_eq!(tickets["glpi:1002"]["channel"], "phone");
    assert_eq!(tickets["glpi:1003"]["channel"], "api");
    // A requester known by address only.
    assert_eq!(
        tickets["glpi:1001"]["requester_email"],
        "demandeur1@mairie.fr"
    );
    // Pending is waiting: its clock stands still.
    assert_eq!(tickets["glpi:1003"]["status"], "waiting");
    assert_eq!(tickets["glpi:1003"]["service_level"]["paused"], true);

    // Followups, tasks and solutions; private ones internal.
    let id = tickets["glpi:1000"]["id"].as_i64().unwrap();
    let comments = app
        .read(&format!("/api/v1/tickets/{id}/comments"), &app.admin.token)
        .await;
    let bodies: Vec<(String, bool)> = comments
        .items()
        .iter()
        .map(|c| {
            (
                c["body"].as_str().unwrap().to_string(),
                c["internal"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        bodies.contains(&("Pris en compte".to_string(), false)),
        "{bodies:?}"
    );
    assert!(
        bodies.contains(&("Déplacement\n\nTemps passé : 1 h".to_string(), true)),
        "{bodies:?}"
    );
    assert!(
        bodies.contains(&("Analyse des journaux".to_string(), true)),
        "{bodies:?}"
    );
    // The console shows where the ticket came from.
    let manager = app.staff(Role::Manager).await;
    let (visitor, _) = Visitor::logged_in(&app, &manager.email, PASSWORD).await;
    let page = visitor.get(&format!("/console/tickets/{id}")).await;
    assert!(page.shows("glpi:1000"), "{}", page.html);
    // A satisfaction answer is kept with its ticket.
    let answered = tickets["glpi:1005"]["id"].as_i64().unwrap();
    let page = visitor.get(&format!("/console/tickets/{answered}")).await;
    assert!(page.shows("4 / 5"), "{}", page.html);
    assert!(page.shows("Rapide"));
    let id = tickets["glpi:1004"]["id"].as_i64().unwrap();
    let comments = app
        .read(&format!("/api/v1/tickets/{id}/comments"), &app.admin.token)
        .await;
    assert!(comments
        .items()
        .iter()
        .any(|c| c["body"] == "Câble remplacé" && c["internal"] == false));

    // People: staff from their profiles, the default e-mail, nobody can log in.
    let users = app.read("/api/v1/users?limit=200", &app.admin.token).await;
    let by_name: HashMap<String, Value> = users
        .items()
        .iter()
        .map(|u| (u["name"].as_str().unwrap().to_string(), u.clone()))
        .collect();
    assert_eq!(by_name["Léa Martin"]["role"], "hotline");
    assert_eq!(by_name["Marc Durand"]["role"], "technician");
    assert_eq!(by_name["Marc Durand"]["email"], "marc.durand@siim94.fr");
    assert_eq!(by_name["Paul Ancien"]["disabled"], true);
    assert_eq!(by_name["Jean Parti"]["disabled"], true);
    assert_eq!(by_name["Nadia Ivry"]["role"], "agent");
    assert!(by_name["agent.ecole"]["email"]
        .as_str()
        .unwrap()
        .ends_with(".invalid"));
    let refused = app.login("marc.durand@siim94.fr", "!").await;
    assert_eq!(refused.status.as_u16(), 401);

    // Categories below the second level are named with their path.
    let categories = app
        .read("/api/v1/categories?limit=200", &app.admin.token)
        .await;
    let names: Vec<&str> = categories
        .items()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Coriolis > Paie"), "{names:?}");
    assert!(names.contains(&"Réseau & Wi-Fi"), "{names:?}");
}

#[tokio::test]
async fn a_change_in_glpi_is_carried_over_and_a_dry_run_writes_nothing() {
    let Some(mut glpi) = Glpi::create() else {
        return skipped(NO_MARIADB);
    };
    let rows = fill(&mut glpi, 60);
    let app = TestApp::spawn().await;

    let dry = import(&app, &glpi.url(), true).await;
    let counted = rows.iter().filter(|r| r.counted()).count() as u64;
    assert_eq!(dry.rows.values().map(|f| f.tickets).sum::<u64>(), counted);
    assert!(dry.outcomes.is_empty());
    let mut table = Vec::new();
    dry.print(&mut table, 420).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("dry run, nothing written"), "{table}");
    assert!(table.contains("in the trash"), "{table}");
    assert!(table.contains("unknown entity 99"), "{table}");
    assert!(
        all_tickets(&app).await.is_empty(),
        "a dry run writes nothing"
    );
    let members = app.read("/api/v1/members", &app.admin.token).await;
    assert!(members.items().is_empty());

    import(&app, &glpi.url(), false).await;
    let before_2017 = by_member(&app, 2017).await;
    // In GLPI: a ticket renamed and solved, one moved to another entity, one put in the
    // trash, a followup added, a task removed.
    let moved = rows
        .iter()
        .find(|r| r.counted() && r.entity == ARCUEIL && r.month().0 == 2017)
        .unwrap()
        .clone();
    glpi.run(
        "UPDATE glpi_tickets SET name = ?, status = 5, solvedate = date WHERE id = 1002",
        vec![v(glpi10("Écran & clavier"))],
    );
    glpi.run(
        "UPDATE glpi_tickets SET entities_id = ? WHERE id = ?",
        vec![v(VILLEJUIF), v(moved.id)],
    );
    glpi.run(
        "INSERT INTO glpi_itilfollowups (itemtype, items_id, date, users_id, content, is_private) VALUES ('Ticket', 1002, '2017-03-01 10:00:00', ?, 'Nouvelle relance', 0)",
        vec![v(LEA)],
    );
    glpi.run(
        "DELETE FROM glpi_tickettasks WHERE tickets_id = 1000 AND taskcategories_id = 1",
        vec![],
    );
    // And people: an agent without an address gets one, a technician's name changes.
    glpi.run(
        "INSERT INTO glpi_useremails (users_id, email, is_default) VALUES (?, 'ecole@ivry.fr', 1)",
        vec![v(AGENT_ECOLE)],
    );
    glpi.run(
        "UPDATE glpi_users SET realname = 'Bernard' WHERE id = ?",
        vec![v(LEA)],
    );

    let again = import(&app, &glpi.url(), false).await;
    // The three tickets changed, and those the agent who now has an address asked for.
    let mut changed: Vec<i64> = rows
        .iter()
        .filter(|r| r.counted() && (r.id - 1000) % 6 == 3)
        .map(|r| r.id)
        .chain([1000, 1002, moved.id])
        .collect();
    changed.sort_unstable();
    changed.dedup();
    assert_eq!(
        again.outcomes.get("updated").copied(),
        Some(changed.len() as u64),
        "{again:?}"
    );
    let users = app.read("/api/v1/users?limit=200", &app.admin.token).await;
    let emails: HashMap<String, String> = users
        .items()
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap().to_string(),
                u["email"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(emails["agent.ecole"], "ecole@ivry.fr");
    assert_eq!(emails["Léa Bernard"], "lea.martin@siim94.fr");
    let tickets = all_tickets(&app).await;
    let changed = &tickets["glpi:1002"];
    assert_eq!(changed["title"], "Écran & clavier");
    assert_eq!(changed["status"], "resolved");
    let id = changed["id"].as_i64().unwrap();
    let comments = app
        .read(&format!("/api/v1/tickets/{id}/comments"), &app.admin.token)
        .await;
    assert!(comments
        .items()
        .iter()
        .any(|c| c["body"] == "Nouvelle relance"));

    let mut expected = before_2017.clone();
    *expected.get_mut("ARCUEIL").unwrap() -= 1;
    *expected.entry("OPH-DE-VILLEJUIF".into()).or_default() += 1;
    expected.retain(|_, n| *n != 0);
    assert_eq!(
        by_member(&app, 2017).await,
        expected,
        "the moved ticket counts for its new member"
    );

    // The removed on-site task leaves the work days.
    let work = app.stats("work-days?year=2016", &app.admin.token).await;
    let ivry_minutes = work
        .rows::<(String, Value)>(&["member_code", "on_site"])
        .into_iter()
        .find(|(code, _)| code == "IVRY")
        .map(|(_, v)| v["minutes"].as_i64().unwrap())
        .unwrap_or(0);
    let expected_ivry: i64 = rows
        .iter()
        .filter(|r| r.counted() && r.id != 1000 && r.month().0 == 2016)
        .filter(|r| member_of(r.entity) == Some("IVRY"))
        .map(|r| r.on_site_seconds / 60)
        .sum();
    assert_eq!(ivry_minutes, expected_ivry);
}

#[tokio::test]
async fn a_database_it_cannot_read_is_refused_with_exit_code_2_and_nothing_written() {
    let Some(glpi) = Glpi::create() else {
        return skipped(NO_MARIADB);
    };
    let dir = std::env::temp_dir().join(format!("glpi-refused-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |from: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_helpdesk"))
            .args(["import-glpi", "--from", from])
            .env(
                "HELPDESK__DATABASE__URL",
                format!("sqlite://{}", dir.join("h.db").display()),
            )
            .env("HELPDESK__DATABASE__DATA_DIR", &dir)
            .env("HELPDESK__AUTH__JWT_SECRET", "glpi-secret-0123456789abcdef")
            .env("RUST_LOG", "error")
            .output()
            .expect("run helpdesk")
    };
    // Not a mysql:// address; no server there; a database that is not GLPI's.
    let wrong = run("postgres://somewhere/glpi");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("mysql://"));
    let nobody = run("mysql://root@127.0.0.1:1/glpi");
    assert_eq!(nobody.status.code(), Some(2));
    let mut other = mysql::Conn::new(mysql::Opts::from_url(&mariadb_base()).unwrap()).unwrap();
    let name = format!("helpdesk_notglpi_{}", uuid::Uuid::new_v4().simple());
    other.query_drop(format!("CREATE DATABASE {name}")).unwrap();
    other
        .query_drop(format!("CREATE TABLE {name}.things (id INT)"))
        .unwrap();
    let not_glpi = run(&format!("{}/{name}", mariadb_base()));
    // A GLPI of a version this does not read.
    let mut old = Glpi::create().unwrap();
    old.record_version("9.4.6");
    let too_old = run(&old.url());
    other.query_drop(format!("DROP DATABASE {name}")).unwrap();
    assert_eq!(too_old.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&too_old.stderr).contains("GLPI 9.4.6 is not supported"),
        "{}",
        String::from_utf8_lossy(&too_old.stderr)
    );
    assert_eq!(not_glpi.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&not_glpi.stderr).contains("not a GLPI database"),
        "{}",
        String::from_utf8_lossy(&not_glpi.stderr)
    );
    assert!(!dir.join("h.db").exists(), "nothing written");
    drop(glpi);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// How many tickets the service's database holds.
async fn ticket_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    let settings = app.settings.clone();
    tokio::task::spawn_blocking(move || {
        let url = helpdesk::db::DatabaseUrl::parse(&settings.database.url).unwrap();
        let mut conn = helpdesk::db::ConnectionManager::new(url)
            .connect_once()
            .expect("connect to the test database");
        helpdesk::db::schema::tickets::table
            .count()
            .get_result::<i64>(&mut conn)
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_run_killed_midway_and_run_again_gives_what_one_run_gives() {
    let Some(mut glpi) = Glpi::create() else {
        return skipped(NO_MARIADB);
    };
    let rows = fill(&mut glpi, 3_000);
    let counted = rows.iter().filter(|r| r.counted()).count() as i64;
    let app = TestApp::spawn().await;
    let mapping = mapping_file();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_helpdesk"));
    command
        .args(["import-glpi", "--from", &glpi.url(), "--mapping"])
        .arg(&mapping)
        .env("HELPDESK__DATABASE__URL", &app.settings.database.url)
        .env("HELPDESK__AUTH__JWT_SECRET", "glpi-secret-0123456789abcdef")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Some(dir) = &app.settings.database.data_dir {
        command.env("HELPDESK__DATABASE__DATA_DIR", dir);
    }
    let mut child = command.spawn().expect("run helpdesk import-glpi");
    // Killed (SIGKILL: no chance to tidy up) once its first pages are in.
    let mut seen = 0;
    for _ in 0..3_000 {
        seen = ticket_count(&app).await;
        if seen > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let left = ticket_count(&app).await;
    assert!(seen > 0, "the import wrote nothing in 15 s");
    assert!(left < counted, "killed midway: {left} of {counted}");
    // Whole pages of 500 GLPI tickets, each less what it skips.
    let pages: Vec<i64> = rows
        .chunks(500)
        .scan(0, |sum, page| {
            *sum += page.iter().filter(|r| r.counted()).count() as i64;
            Some(*sum)
        })
        .collect();
    assert!(
        pages.contains(&left),
        "whole pages only: {left} not in {pages:?}"
    );

    let rest = import(&app, &glpi.url(), false).await;
    assert_eq!(
        rest.outcomes.get("unchanged").copied().unwrap_or(0) as i64,
        left,
        "{rest:?}"
    );
    assert_eq!(
        rest.outcomes.get("added").copied().unwrap_or(0) as i64,
        counted - left
    );
    assert_eq!(ticket_count(&app).await, counted);
    assert_tickets_by_member_of_each_year(&app, &rows).await;
}

#[tokio::test]
async fn a_glpi_9_5_database_is_read_as_well() {
    let Some(mut glpi) = Glpi::create() else {
        return skipped(NO_MARIADB);
    };
    let rows = fill(&mut glpi, 120);
    // As GLPI 9.5 keeps them: the root's parent is -1 in a signed column, its version noted.
    glpi.run(
        "ALTER TABLE glpi_entities MODIFY entities_id int DEFAULT 0",
        vec![],
    );
    glpi.run(
        "UPDATE glpi_entities SET entities_id = -1 WHERE id = 0",
        vec![],
    );
    glpi.record_version("9.5.13");
    let app = TestApp::spawn().await;
    let summary = import(&app, &glpi.url(), false).await;
    assert_eq!(summary.version.as_deref(), Some("9.5.13"));
    assert_tickets_by_member_of_each_year(&app, &rows).await;
}

#[tokio::test]
async fn tickets_that_cannot_be_written_are_named_with_their_reason_and_the_rest_imported() {
    let Some(mut glpi) = Glpi::create() else {
        return skipped(NO_MARIADB);
    };
    let rows = fill(&mut glpi, 60);
    let app = TestApp::spawn().await;
    // A member that exists already is kept as it is: this one joined in 2018, so its GLPI
    // tickets of 2016 and 2017 cannot be its.
    app.create_member_with(serde_json::json!({
        "code": "ARCUEIL", "name": "Ville d'Arcueil", "kind": "city", "joined_on": "2018-01-01"
    }))
    .await;
    let summary = import(&app, &glpi.url(), false).await;
    let refused: Vec<&Row> = rows
        .iter()
        .filter(|r| r.counted() && r.entity == ARCUEIL && r.month().0 < 2018)
        .collect();
    assert!(!refused.is_empty());
    let mut failed: Vec<String> = summary.failed.iter().map(|(r, _)| r.clone()).collect();
    failed.sort();
    let mut expected: Vec<String> = refused.iter().map(|r| format!("glpi:{}", r.id)).collect();
    expected.sort();
    assert_eq!(failed, expected);
    assert!(
        summary.failed[0].1.contains("was not a member on"),
        "{:?}",
        summary.failed
    );
    let mut table = Vec::new();
    summary.print(&mut table, 420).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("not imported:"), "{table}");
    // Everything else is in.
    let counted = rows.iter().filter(|r| r.counted()).count();
    assert_eq!(ticket_count(&app).await as usize, counted - refused.len());
    let members = app.read("/api/v1/members?limit=50", &app.admin.token).await;
    let arcueil = members
        .items()
        .iter()
        .find(|m| m["code"] == "ARCUEIL")
        .unwrap();
    assert_eq!(arcueil["name"], "Ville d'Arcueil", "kept as it was");
}
