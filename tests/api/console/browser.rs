//! People working in a real headless Chromium through WebDriver (Debian's `chromium` and
//! `chromium-driver`): the hotline takes a call with the keyboard, the queue shows it, a
//! technician works it and logs a day; conflicts, sessions and escaping as a person sees them;
//! axe-core on every console page.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use helpdesk::domain::user::Role;
use serde_json::json;

use crate::common::{skipped, TestApp, PASSWORD};

/// A Chromium driven through its own chromedriver, both ended with the test.
struct Browser {
    client: Client,
    driver: Child,
    base: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn driver_binary() -> Option<String> {
    [
        "chromedriver",
        "/usr/bin/chromedriver",
        "/usr/lib/chromium/chromedriver",
    ]
    .into_iter()
    .find(|candidate| {
        Command::new(candidate)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
    .map(str::to_string)
}

const NO_CHROMIUM: &str =
    "no chromedriver on this machine (.ci/run installs Debian's chromium-driver)";

impl Browser {
    /// A new browser, or `None` (reported as skipped) where chromedriver is missing.
    async fn start(app: &TestApp) -> Option<Browser> {
        let binary = driver_binary()?;
        let port = free_port();
        let driver = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900", "--lang=fr-FR"],
                "prefs": {"intl.accept_languages": "fr-FR,fr"}
            }),
        );
        let mut last_error = None;
        for _ in 0..50 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Some(Browser {
                        client,
                        driver,
                        base: app.base.clone(),
                    })
                }
                Err(e) => {
                    last_error = Some(e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("chromedriver did not start a session: {last_error:?}");
    }

    async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    async fn body(&self) -> String {
        self.text("body").await
    }

    /// Types into whatever has the focus, as a person at the keyboard.
    async fn type_keys(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .unwrap()
            .send_keys(keys)
            .await
            .unwrap();
    }

    async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn choose(&self, css: &str, value: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Clicks a button that sends a form, and waits for the page that answers it.
    async fn submit(&self, css: &str) {
        self.client
            .execute("window.helpdeskPageBeforeSubmit = true;", vec![])
            .await
            .unwrap();
        self.click(css).await;
        for _ in 0..100 {
            let loaded = self
                .client
                .execute(
                    "return window.helpdeskPageBeforeSubmit === undefined \
                     && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(serde_json::Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no page answered the form sent by {css}");
    }

    async fn log_in(&self, email: &str, password: &str) {
        self.open("/login").await;
        self.type_keys(email).await;
        self.type_keys(&String::from(char::from(Key::Tab))).await;
        self.type_keys(password).await;
        self.type_keys(&String::from(char::from(Key::Enter))).await;
        self.wait_for_path_not("/login").await;
    }

    async fn wait_for_path(&self, prefix: &str) {
        for _ in 0..50 {
            if self.path().await.starts_with(prefix) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "not on {prefix} but {}: {}",
            self.path().await,
            self.body().await
        );
    }

    async fn wait_for_path_not(&self, path: &str) {
        for _ in 0..50 {
            if !self.path().await.starts_with(path) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("still on {path}: {}", self.body().await);
    }

    /// The serious and critical violations axe-core finds on the page.
    async fn axe_violations(&self, axe: &str) -> Vec<String> {
        self.client
            .execute(axe, vec![])
            .await
            .expect("axe-core loads");
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document).then(r => done({
                    checked: r.passes.length,
                    violations: r.violations
                        .filter(v => v.impact === 'serious' || v.impact === 'critical')
                        .map(v => v.impact + ' ' + v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))
                 }));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        assert!(
            found["checked"].as_u64().unwrap_or(0) > 0,
            "axe-core checked nothing: {found}"
        );
        found["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }
}

fn key(k: Key) -> String {
    String::from(char::from(k))
}

fn ticket_id_of(path: &str) -> i64 {
    path.trim_start_matches("/console/tickets/")
        .split(['#', '?'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("not a ticket's page: {path}"))
}

#[tokio::test]
async fn the_hotline_takes_a_call_with_the_keyboard_and_a_technician_works_it_to_resolution() {
    let (app, member) = TestApp::with_member("VJF").await;
    let Some(browser) = Browser::start(&app).await else {
        return skipped(NO_CHROMIUM);
    };
    let hotline = app.staff(Role::Hotline).await;
    let technician = app.staff(Role::Technician).await;

    browser.log_in(&hotline.email, PASSWORD).await;
    assert_eq!(browser.path().await, "/console");
    // "n" opens a new call; the member field has the focus.
    browser.type_keys("n").await;
    for _ in 0..50 {
        if browser.path().await == "/console/tickets/new" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tab = key(Key::Tab);
    browser.type_keys("vjf").await;
    browser.type_keys(&tab).await; // the known caller: none
    browser.type_keys(&tab).await;
    browser.type_keys("Jeanne Martin").await;
    browser.type_keys(&tab).await;
    browser.type_keys("01 45 12 34 56").await;
    browser.type_keys(&tab).await; // no e-mail
    browser.type_keys(&tab).await;
    browser.type_keys("Imprimante du guichet bloquée").await;
    browser.type_keys(&key(Key::Enter)).await;
    browser.wait_for_path_not("/console/tickets/new").await;
    let path = browser.path().await;
    let id = ticket_id_of(&path);
    assert!(browser
        .body()
        .await
        .contains("Imprimante du guichet bloquée"));
    assert!(browser.body().await.contains("01 45 12 34 56"));
    let filed = app
        .get(&format!("/api/v1/tickets/{id}"), &hotline.token)
        .await
        .expect(200);
    assert_eq!(filed.body["member_id"], member);
    assert_eq!(filed.body["channel"], "phone");

    // The queue shows it among the unassigned.
    browser.open("/console?view=unassigned").await;
    assert!(browser
        .text("#queue")
        .await
        .contains("Imprimante du guichet bloquée"));

    // The hotline logs out; the technician qualifies it, takes it, answers, notes, resolves.
    browser.submit("form[action='/logout'] button").await;
    browser.wait_for_path("/login").await;
    browser.log_in(&technician.email, PASSWORD).await;
    browser.open(&format!("/console/tickets/{id}")).await;
    browser.choose("#priority", "2").await;
    browser
        .submit(&format!(
            "form[action='/console/tickets/{id}'] button.primary"
        ))
        .await;
    assert!(browser.text("dl.facts").await.contains("2 · haute"));

    browser
        .choose("#assign-technician", &technician.id.to_string())
        .await;
    browser
        .submit(&format!(
            "form[action='/console/tickets/{id}/assign'] button"
        ))
        .await;
    assert!(browser.text("dl.facts").await.contains(&technician.email));
    assert_eq!(browser.text(".ticket-title .status").await, "Attribué");

    browser.fill("#body", "Nous passons demain matin.").await;
    browser.submit("form.comment button.primary").await;
    browser.fill("#body", "Le toner est commandé.").await;
    browser.click("#internal").await;
    browser.submit("form.comment button.primary").await;
    let timeline = browser.text("#timeline").await;
    assert!(
        timeline.contains("Nous passons demain matin."),
        "{timeline}"
    );
    assert!(timeline.contains("réponse publique"));
    assert!(timeline.contains("Le toner est commandé."));
    assert!(timeline.contains("note interne"));

    browser.choose("#status", "resolved").await;
    browser
        .submit(&format!(
            "form[action='/console/tickets/{id}'] button.primary"
        ))
        .await;
    assert_eq!(browser.text(".ticket-title .status").await, "Résolu");
    let resolved = app
        .get(&format!("/api/v1/tickets/{id}"), &technician.token)
        .await
        .expect(200);
    assert_eq!(resolved.body["status"], "resolved");
    assert_eq!(resolved.body["priority"], 2);
    assert_eq!(resolved.body["assignee_id"], technician.id);
    let comments = app
        .get(&format!("/api/v1/tickets/{id}/comments"), &technician.token)
        .await
        .expect(200);
    let internal: Vec<bool> = comments
        .items()
        .iter()
        .map(|c| c["internal"].as_bool().unwrap())
        .collect();
    assert_eq!(internal.len(), 2);
    assert!(internal.contains(&true) && internal.contains(&false));

    // My day: a day posted at the member in two clicks.
    browser.open("/console/me").await;
    browser.choose("#q-member", &member.to_string()).await;
    browser.submit("div.quick button[value='1']").await;
    assert_eq!(browser.path().await, "/console/me");
    assert!(browser.body().await.contains("Posté chez"));
    let logs = app
        .get(
            &format!("/api/v1/work-logs?technician_id={}", technician.id),
            &technician.token,
        )
        .await
        .expect(200);
    assert_eq!(logs.items().len(), 1);
    assert_eq!(logs.items()[0]["kind"], "posted");
    assert_eq!(logs.items()[0]["member_id"], member);
    assert_eq!(logs.items()[0]["days"], 1.0);
}

#[tokio::test]
async fn a_stale_edit_in_the_browser_shows_the_conflict_and_keeps_what_was_typed() {
    let (app, member) = TestApp::with_member("STL").await;
    let Some(browser) = Browser::start(&app).await else {
        return skipped(NO_CHROMIUM);
    };
    let hotline = app.staff(Role::Hotline).await;
    let manager = app.staff(Role::Manager).await;
    let id = app.filed(&hotline.token, Some(member), "Écran noir").await;
    browser.log_in(&hotline.email, PASSWORD).await;
    browser.open(&format!("/console/tickets/{id}")).await;
    app.patch(
        &format!("/api/v1/tickets/{id}"),
        &manager.token,
        json!({"priority": 1}),
    )
    .await
    .expect(200);
    browser.fill("#title", "Écran noir au guichet 3").await;
    browser
        .submit(&format!(
            "form[action='/console/tickets/{id}'] button.primary"
        ))
        .await;
    let alert = browser.text("div.form-error").await;
    assert!(alert.contains("modifié entre-temps"), "{alert}");
    assert!(alert.contains("a changé la priorité"), "{alert}");
    let kept = browser
        .client
        .find(Locator::Css("#title"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Écran noir au guichet 3"));
    let ticket = app
        .get(&format!("/api/v1/tickets/{id}"), &hotline.token)
        .await
        .expect(200);
    assert_eq!(ticket.body["title"], "Écran noir");
}

#[tokio::test]
async fn visitors_and_agents_are_kept_out_and_logging_out_ends_every_tab() {
    let (app, _member, agent) = TestApp::with_agent("OUT").await;
    let Some(browser) = Browser::start(&app).await else {
        return skipped(NO_CHROMIUM);
    };
    browser.open("/console").await;
    assert_eq!(browser.path().await, "/login?next=/console");
    browser.log_in(&agent.email, PASSWORD).await;
    browser.open("/console").await;
    assert!(browser.body().await.contains("Accès refusé"));
    browser.client.delete_all_cookies().await.unwrap();

    let hotline = app.staff(Role::Hotline).await;
    browser.log_in(&hotline.email, PASSWORD).await;
    let first = browser.client.window().await.unwrap();
    let second = browser.client.new_window(true).await.unwrap().handle;
    browser
        .client
        .switch_to_window(second.clone())
        .await
        .unwrap();
    browser.open("/console/me").await;
    assert_eq!(browser.path().await, "/console/me");
    browser.client.switch_to_window(first).await.unwrap();
    browser.submit("form[action='/logout'] button").await;
    browser.wait_for_path("/login").await;
    browser.client.switch_to_window(second).await.unwrap();
    browser.client.refresh().await.unwrap();
    assert!(
        browser.path().await.starts_with("/login"),
        "the other tab is logged out"
    );
}

#[tokio::test]
async fn a_form_stripped_of_its_token_changes_nothing_and_markup_in_text_shows_as_text() {
    let (app, member) = TestApp::with_member("XSS").await;
    let Some(browser) = Browser::start(&app).await else {
        return skipped(NO_CHROMIUM);
    };
    let hotline = app.staff(Role::Hotline).await;
    let title = "<script>document.title='pwned'</script><b>gras</b>";
    let id = app.filed(&hotline.token, Some(member), title).await;
    browser.log_in(&hotline.email, PASSWORD).await;
    browser.open(&format!("/console/tickets/{id}")).await;
    assert!(browser.text("h1").await.contains(title));
    let shown = browser.client.title().await.unwrap();
    assert!(shown.starts_with(&format!("#{id} <script>")), "{shown}");
    assert!(browser.client.find(Locator::Css("h1 b")).await.is_err());

    browser.fill("#body", "Sans jeton").await;
    browser
        .client
        .execute(
            "document.querySelector('form.comment input[name=csrf]').remove()",
            vec![],
        )
        .await
        .unwrap();
    browser.submit("form.comment button.primary").await;
    assert!(browser.body().await.contains("rechargez la page"));
    let comments = app
        .get(&format!("/api/v1/tickets/{id}/comments"), &hotline.token)
        .await
        .expect(200);
    assert!(comments.items().is_empty());
}

/// axe-core's own file, fetched from the npm registry by `.ci/run` (never committed).
fn axe_source() -> Option<String> {
    let path = std::env::var("HELPDESK_AXE_JS").ok()?;
    std::fs::read_to_string(path).ok()
}

#[tokio::test]
async fn axe_core_finds_no_serious_or_critical_violation_on_any_console_page() {
    let (app, member) = TestApp::with_member("AXE").await;
    let Some(axe) = axe_source() else {
        return skipped("HELPDESK_AXE_JS does not name axe-core's axe.min.js (.ci/run fetches it)");
    };
    let Some(browser) = Browser::start(&app).await else {
        return skipped(NO_CHROMIUM);
    };
    let technician = app.staff(Role::Technician).await;
    let id = app
        .filed(&technician.token, Some(member), "Poste lent")
        .await;
    let log = app
        .post(
            "/api/v1/work-logs",
            &technician.token,
            json!({"date": crate::common::paris_today(), "kind": "posted", "member_id": member, "days": 1}),
        )
        .await
        .expect(201)
        .id();
    let mut pages: Vec<(String, Vec<String>)> = Vec::new();
    browser.open("/login").await;
    pages.push(("/login".into(), browser.axe_violations(&axe).await));
    browser.log_in(&technician.email, PASSWORD).await;
    for path in [
        "/console".to_string(),
        "/console?view=all&sort=due".into(),
        "/console/tickets/new".into(),
        format!("/console/tickets/{id}"),
        "/console/me".into(),
        "/console/work-logs".into(),
        format!("/console/work-logs/{log}"),
        "/console/tickets/99999999".into(),
    ] {
        browser.open(&path).await;
        pages.push((path, browser.axe_violations(&axe).await));
    }
    // A refused form, with its messages beside the fields.
    browser.open("/console/tickets/new").await;
    browser.type_keys("ZZZ").await;
    browser.submit("#call-form button.primary").await;
    pages.push(("refused call".into(), browser.axe_violations(&axe).await));
    let found: Vec<&(String, Vec<String>)> = pages.iter().filter(|(_, v)| !v.is_empty()).collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[tokio::test]
async fn a_manager_reads_the_demo_year_follows_a_bar_to_its_tickets_and_opens_the_workbook() {
    let app = TestApp::with_demo().await;
    let Some(browser) = Browser::start(&app).await else {
        return skipped(NO_CHROMIUM);
    };
    let manager = app.staff(Role::Manager).await;
    browser.log_in(&manager.email, PASSWORD).await;
    browser.click("a[href='/console/stats']").await;
    browser.wait_for_path("/console/stats").await;
    browser.fill("#year", "2017").await;
    browser.submit(".stats-form button.primary").await;
    // The table of the activity report, as a person reads it.
    let table = browser
        .text("section[aria-labelledby='table-0'] table")
        .await;
    assert!(table.contains("OPH de Villejuif 107"), "{table}");
    assert!(table.contains("Total 489"), "{table}");
    assert!(
        table.contains("SMBVB 3"),
        "the report's short name: {table}"
    );
    // The chart writes the short name too, never the official name cut short.
    let chart = browser.text("section[aria-labelledby='table-0'] svg").await;
    assert!(chart.contains("SMBVB"), "{chart}");
    assert!(!chart.contains("Syndicat"), "{chart}");
    // The bar of OPH de Villejuif, with its value written on it, leads to its tickets.
    let bar = browser
        .client
        .find(Locator::XPath(
            "//section[@aria-labelledby='table-0']//*[local-name()='a'][.//*[local-name()='title'][contains(., 'OPH de Villejuif')] or .//*[local-name()='text'][. = 'OPH de Villejuif']]",
        ))
        .await
        .expect("the bar of OPH de Villejuif");
    let value = bar.text().await.unwrap();
    assert!(value.contains("107"), "{value}");
    bar.find(Locator::Css("rect"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_path("/console?").await;
    let count = browser.text(".list-count").await;
    assert!(count.starts_with("107 "), "{count}");

    // The workbook, fetched as the link sends it, opens with its figures.
    browser.open("/console/stats?year=2017").await;
    let encoded = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const link = document.querySelector('a[href*=\"/console/reports/2017.xlsx\"]');
             fetch(link.href).then(r => r.arrayBuffer()).then(b => {
                 let s = ''; const bytes = new Uint8Array(b);
                 for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
                 done(btoa(s));
             });",
            vec![],
        )
        .await
        .unwrap();
    let bytes = base64_decode(encoded.as_str().unwrap());
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let sheet = workbook.worksheet_range("Tickets par adhérent").unwrap();
    let villejuif = sheet
        .rows()
        .find(|row| row[1] == calamine::Data::String("OPH de Villejuif".into()))
        .expect("OPH de Villejuif in the workbook");
    assert_eq!(villejuif[2], calamine::Data::Float(107.0));

    if let Some(axe) = axe_source() {
        let mut found = browser.axe_violations(&axe).await;
        for tab in ["seasonality", "service-levels", "groups"] {
            browser
                .open(&format!("/console/stats?year=2017&view={tab}"))
                .await;
            found.extend(browser.axe_violations(&axe).await);
        }
        browser.open("/console/stats?year=abc").await;
        found.extend(browser.axe_violations(&axe).await);
        assert!(found.is_empty(), "{found:#?}");
    }
}

/// Standard base64, as the browser's `btoa` writes it.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            _ => 63,
        }
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let digits: Vec<u32> = chunk
            .iter()
            .filter(|&&c| c != b'=')
            .map(|&c| value(c))
            .collect();
        let mut n = 0u32;
        for (i, d) in digits.iter().enumerate() {
            n |= d << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..digits.len().saturating_sub(1)]);
    }
    out
}

#[tokio::test]
async fn a_manager_opens_a_member_and_its_agent_who_files_a_request_and_reads_only_public_answers()
{
    let (app, other_member) = TestApp::with_member("AUTRE").await;
    let Some(browser) = Browser::start(&app).await else {
        return skipped(NO_CHROMIUM);
    };
    let axe = axe_source();
    let mut violations: Vec<(String, Vec<String>)> = Vec::new();
    let manager = app.staff(Role::Manager).await;
    let hotline = app.staff(Role::Hotline).await;
    browser.log_in(&manager.email, PASSWORD).await;
    // The member, then its agent, through the administration's forms.
    browser.click("a[href='/console/members']").await;
    browser.wait_for_path("/console/members").await;
    browser.click("a[href='/console/members/new']").await;
    browser.wait_for_path("/console/members/new").await;
    if let Some(axe) = &axe {
        violations.push(("member form".into(), browser.axe_violations(axe).await));
    }
    browser.fill("#code", "CACHAN").await;
    browser.fill("#name", "Ville de Cachan").await;
    browser.choose("#kind", "city").await;
    browser.submit("#member-form button.primary").await;
    assert!(browser.body().await.contains("Enregistré."));
    browser.open("/console/users/new").await;
    if let Some(axe) = &axe {
        violations.push(("account form".into(), browser.axe_violations(axe).await));
    }
    let offered = browser.text("#role").await;
    assert!(
        !offered.contains("Administrat"),
        "a manager is not offered admin: {offered}"
    );
    browser.fill("#email", "claire.petit@cachan.fr").await;
    browser.fill("#name", "Claire Petit").await;
    browser.choose("#role", "agent").await;
    let members = app.get("/api/v1/members", &manager.token).await.expect(200);
    let cachan = members
        .items()
        .iter()
        .find(|m| m["code"] == "CACHAN")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    browser.choose("#member_id", &cachan.to_string()).await;
    browser.fill("#password", "mot-de-passe-claire").await;
    browser.submit("#user-form button.primary").await;
    assert!(browser.body().await.contains("Enregistré."));
    // Nor can the manager make themself admin.
    browser
        .open(&format!("/console/users/{}", manager.id))
        .await;
    let offered = browser.text("#role").await;
    assert!(!offered.contains("Administrat"), "{offered}");
    browser.submit("form.panel button[type=submit]").await;
    browser.click(".bar form[action='/logout'] button").await;
    browser.wait_for_path("/login").await;

    // The agent files a request in the portal.
    browser
        .log_in("claire.petit@cachan.fr", "mot-de-passe-claire")
        .await;
    browser.wait_for_path("/portal").await;
    browser.click("a[href='/portal/tickets/new']").await;
    browser.wait_for_path("/portal/tickets/new").await;
    browser
        .fill("#title", "Vidéoprojecteur de la salle du conseil")
        .await;
    browser
        .fill("#description", "Plus d'image depuis ce matin.")
        .await;
    browser.submit("#request-form button.primary").await;
    let path = browser.path().await;
    let id: i64 = path.rsplit('/').next().unwrap().parse().expect(&path);
    // The hotline answers publicly and notes internally.
    app.post(
        &format!("/api/v1/tickets/{id}/comments"),
        &hotline.token,
        json!({"body": "Un technicien passe demain matin.", "internal": false}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/tickets/{id}/comments"),
        &hotline.token,
        json!({"body": "Lampe à commander, 300 euros.", "internal": true}),
    )
    .await
    .expect(201);
    browser.open(&format!("/portal/tickets/{id}")).await;
    let page = browser.body().await;
    assert!(page.contains("Un technicien passe demain matin."), "{page}");
    assert!(!page.contains("Lampe à commander"));
    if let Some(axe) = &axe {
        violations.push(("request".into(), browser.axe_violations(axe).await));
    }
    browser.open("/portal").await;
    assert!(browser
        .body()
        .await
        .contains("Un technicien passe demain matin."));
    if let Some(axe) = &axe {
        violations.push(("portal".into(), browser.axe_violations(axe).await));
    }
    // Another member's request does not exist for them.
    let theirs = app
        .filed(&hotline.token, Some(other_member), "Chez l'autre")
        .await;
    browser.open(&format!("/portal/tickets/{theirs}")).await;
    assert!(browser.body().await.contains("Page introuvable"));
    let agent_ticket = app.ticket(id).await;
    assert_eq!(agent_ticket["member_id"], cachan);
    let manager_now = app
        .get(&format!("/api/v1/users/{}", manager.id), &app.admin.token)
        .await
        .expect(200);
    assert_eq!(manager_now.body["role"], "manager");
    let found: Vec<_> = violations.iter().filter(|(_, v)| !v.is_empty()).collect();
    assert!(found.is_empty(), "{found:#?}");
}
