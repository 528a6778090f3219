use crate::common;
use crate::common::Role;

use common::{hours_ago, sent_to, ticket, ticket_path, SmtpSink, TestApp, With};
use helpdesk::config::Settings;
use serde_json::json;

/// A service that mails through `sink`, looking at its outbox every 50 ms, with settings
/// adjusted by `tune`.
async fn app_mailing_through(sink: &SmtpSink, tune: impl FnOnce(&mut Settings)) -> TestApp {
    let url = sink.url();
    TestApp::spawn_with(move |s| {
        s.mail.smtp_url = Some(url);
        s.mail.poll_interval_ms = 50;
        tune(s);
    })
    .await
}

async fn app_with_mail(sink: &SmtpSink) -> TestApp {
    app_mailing_through(sink, |s| s.mail.max_backoff_seconds = 1).await
}

/// A service mailing through `sink` that looks for tickets past their time every second, open
/// at all hours so that the clock runs whenever the test does.
async fn app_watching_the_clock(sink: &SmtpSink) -> TestApp {
    app_mailing_through(sink, |s| {
        s.mail.overdue_scan_seconds = 1;
        common::open_all_hours(s);
    })
    .await
}

/// A running SMTP server, a service mailing through it, a member of that code and a hotline
/// operator.
async fn mailing_desk(code: &str) -> (SmtpSink, TestApp, i64, common::TestUser) {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let member = app.create_member(code).await;
    let hotline = app.staff(Role::Hotline).await;
    (sink, app, member, hotline)
}

/// Files a ticket of the member for a requester at that address; its id.
async fn file_for(app: &TestApp, token: &str, member: i64, title: &str, address: &str) -> i64 {
    let body = ticket(title, member).with(json!({"requester_email": address}));
    app.file(token, body).await.expect(201).id()
}

/// Waits a moment, then the messages received: a message sent twice would be among them.
async fn mail_a_moment_later(sink: &SmtpSink, millis: u64) -> Vec<common::ReceivedMail> {
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
    sink.messages()
}

#[tokio::test]
async fn the_requester_hears_when_a_ticket_is_filed_answered_and_resolved() {
    let (sink, app, member, hotline) = mailing_desk("ARCUEIL").await;

    let filing = ticket("Imprimante du 2e étage", member).with(json!({
        "description": "bourrage", "requester_name": "Mme Durand",
        "requester_email": "durand@arcueil.fr", "channel": "phone"}));
    let id = app.file(&hotline.token, filing).await.expect(201).id();
    let mail = sink.wait_for(1).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].recipients, vec!["durand@arcueil.fr"]);
    mail[0].assert_subject_has(&format!("[Ticket #{id}]"));
    mail[0].assert_subject_has("Demande enregistrée");
    assert!(mail[0].text.contains("Imprimante du 2e étage"));
    assert!(mail[0].html.contains("<p>") && mail[0].html.contains("Imprimante du 2e étage"));

    // An internal note tells the requester nothing; a public answer does.
    let note = json!({"body": "voir stock", "internal": true});
    app.comment(id, &hotline.token, note).await.expect(201);
    let answer = json!({"body": "Un technicien passe demain."});
    app.comment(id, &hotline.token, answer).await.expect(201);
    let mail = sink.wait_for(2).await;
    assert_eq!(mail.len(), 2);
    mail[1].assert_subject_has("Nouvelle réponse");
    assert!(mail[1].text.contains("Un technicien passe demain."));
    assert!(!mail.iter().any(|m| m.text.contains("voir stock")));

    let resolving = json!({"status": "resolved"});
    app.change(id, &hotline.token, resolving).await.expect(200);
    let mail = sink.wait_for(3).await;
    assert_eq!(mail.len(), 3);
    assert_eq!(mail[2].recipients, vec!["durand@arcueil.fr"]);
    mail[2].assert_subject_has(&format!("[Ticket #{id}] Demande résolue"));
}

#[tokio::test]
async fn the_technician_hears_of_an_assignment_and_an_agent_of_their_own_ticket() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let member = app.create_member("IVRY").await;
    let agent = app.agent_of(member).await;
    let technician = app.staff(Role::Technician).await;
    let ticket = app.filed(&agent.token, None, "Session Windows bloquée");
    let ticket = ticket.await;
    let assigned = app.assign(ticket, &app.admin.token, technician.id);
    assigned.await.expect(200);
    let mail = sink.wait_for(2).await;
    assert_eq!(mail.len(), 2);
    let to_agent = *sent_to(&mail, &agent.email)
        .first()
        .expect("mail to the agent");
    assert!(to_agent.subject.contains("Session Windows bloquée"));
    let to_technician = *sent_to(&mail, &technician.email)
        .first()
        .expect("mail to the technician");
    assert!(to_technician
        .subject
        .contains(&format!("[Ticket #{ticket}] Attribué")));
    assert!(to_technician.text.contains("Member IVRY"));
}

#[tokio::test]
async fn no_mail_goes_to_a_requester_without_an_address() {
    let (sink, app, member, hotline) = mailing_desk("GENTILLY").await;
    let ticket = app.filed(&hotline.token, Some(member), "Appel sans adresse");
    let ticket = ticket.await;
    let resolving = json!({"status": "resolved"});
    app.change(ticket, &hotline.token, resolving)
        .await
        .expect(200);
    let outbox = app.outbox("").await;
    assert_eq!(outbox.items().len(), 0);
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn messages_wait_while_the_smtp_server_is_down_and_arrive_once_when_it_is_back() {
    let mut sink = SmtpSink::stopped();
    let app = app_with_mail(&sink).await;
    let member = app.create_member("VITRY").await;
    let hotline = app.staff(Role::Hotline).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let (title, address) = (format!("Panne {n}"), format!("agent{n}@vitry.fr"));
        ids.push(file_for(&app, &hotline.token, member, &title, &address).await);
    }
    // Nobody listens: the messages are tried, fail, and wait.
    let mut failing = false;
    for _ in 0..100 {
        let outbox = app.outbox("?status=failing").await;
        if outbox.items().len() == 3 {
            failing = true;
            let item = &outbox.body["items"][0];
            assert!(item["attempts"].as_i64().unwrap() >= 1);
            assert!(item["last_error"].is_string());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(failing, "the three messages are shown as failing");

    sink.resume().await;
    let mail = sink.wait_for(3).await;
    assert_eq!(mail.len(), 3);
    for (n, id) in ids.iter().enumerate() {
        let arrived: Vec<_> = mail
            .iter()
            .filter(|m| m.subject.contains(&format!("[Ticket #{id}]")))
            .collect();
        assert_eq!(arrived.len(), 1, "ticket {id} announced once");
        assert_eq!(arrived[0].recipients, vec![format!("agent{n}@vitry.fr")]);
    }
    // Give the worker time to send anything twice, if it would.
    assert_eq!(mail_a_moment_later(&sink, 1500).await.len(), 3);
    let sent = app.outbox("?status=sent").await;
    assert_eq!(sent.items().len(), 3);
    let metrics = app.anonymous("/metrics").await;
    assert!(metrics
        .body
        .as_str()
        .unwrap()
        .contains("helpdesk_outbox_messages{status=\"sent\"} 3"));
}

#[tokio::test]
async fn queued_mail_survives_a_restart() {
    let mut sink = SmtpSink::stopped();
    let mut app = app_with_mail(&sink).await;
    let member = app.create_member("SAF94").await;
    let hotline = app.staff(Role::Hotline).await;
    let id = file_for(
        &app,
        &hotline.token,
        member,
        "Avant redémarrage",
        "x@saf94.fr",
    )
    .await;
    app.restart().await;
    sink.resume().await;
    let mail = sink.wait_for(1).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].subject.contains(&format!("[Ticket #{id}]")));
}

#[tokio::test]
async fn two_service_processes_on_one_database_send_each_message_once() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let (second_base, second) = app.second_instance().await;
    let member = app.create_member("OPALY").await;
    let hotline = app.staff(Role::Hotline).await;
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for n in 0..20 {
        let base = if n % 2 == 0 {
            app.base.clone()
        } else {
            second_base.clone()
        };
        let request = client
            .post(format!("{base}/api/v1/tickets"))
            .bearer_auth(&hotline.token)
            .json(
                &ticket(&format!("Demande {n}"), member)
                    .with(json!({"requester_email": format!("r{n}@opaly.fr")})),
            );
        tasks.push(tokio::spawn(async move {
            assert_eq!(request.send().await.unwrap().status(), 201);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mail = sink.wait_for(20).await;
    let mail_after = mail_a_moment_later(&sink, 1500).await;
    assert_eq!(mail.len(), 20);
    assert_eq!(mail_after.len(), 20, "no message sent twice");
    for n in 0..20 {
        let to = format!("r{n}@opaly.fr");
        assert_eq!(sent_to(&mail_after, &to).len(), 1, "{to}");
    }
    second.stop(false).await;
}

#[tokio::test]
async fn hotline_and_managers_hear_of_a_ticket_not_taken_in_charge_in_time() {
    let sink = SmtpSink::start().await;
    let app = app_watching_the_clock(&sink).await;
    let member = app.create_member("TAV").await;
    let hotline = app.staff(Role::Hotline).await;
    let manager = app.staff(Role::Manager).await;
    let technician = app.staff(Role::Technician).await;
    let urgent = ticket("Serveur arrêté", member).with(json!({"priority": 1}));
    let late = app.file(&hotline.token, urgent).await.expect(201).id();
    let minor = ticket("Souris", member).with(json!({"priority": 4}));
    let on_time = app.file(&hotline.token, minor).await.expect(201).id();
    // The critical ticket was filed two hours ago: far past its 30 minutes.
    let past = hours_ago(2);
    app.execute_sql(&format!(
        "UPDATE tickets SET created_at = '{past}' WHERE id = {late}"
    ))
    .await;

    let mail = sink.wait_for(2).await;
    let mail_after = mail_a_moment_later(&sink, 2500).await;
    assert_eq!(mail.len(), 2);
    assert_eq!(mail_after.len(), 2, "alerted once only");
    let mut recipients: Vec<String> = mail_after
        .iter()
        .flat_map(|m| m.recipients.clone())
        .collect();
    recipients.sort();
    let mut expected = vec![hotline.email.clone(), manager.email.clone()];
    expected.sort();
    assert_eq!(
        recipients, expected,
        "not the technician {}",
        technician.email
    );
    let about = |id: i64| format!("[Ticket #{id}]");
    assert!(mail_after.iter().all(|m| m.subject.contains(&about(late))));
    assert!(!mail_after
        .iter()
        .any(|m| m.subject.contains(&about(on_time))));

    let ticket = app.read(&ticket_path(late), &hotline.token).await;
    let acknowledge = &ticket.body["service_level"]["acknowledge"];
    assert_eq!(acknowledge["target_minutes"], 30);
    assert_eq!(acknowledge["met"], false);
    assert!(acknowledge["elapsed_minutes"].as_i64().unwrap() >= 115);
}

#[tokio::test]
async fn only_admins_read_the_outbox() {
    let (app, manager) = TestApp::with_staff(Role::Manager).await;
    let answer = app.get("/api/v1/outbox", &manager.token).await;
    assert_eq!(answer.status, 403);
    let bad = app
        .get("/api/v1/outbox?status=lost", &app.admin.token)
        .await;
    assert_eq!(bad.status, 422);
}

/// The outbox's messages, newest first.
async fn outbox(app: &TestApp, query: &str) -> Vec<serde_json::Value> {
    let outbox = app.outbox(&format!("?limit=100{query}")).await;
    outbox.items().clone()
}

#[tokio::test]
async fn a_slow_smtp_server_gets_each_message_once_from_two_processes() {
    // The server takes 3 s to accept each message, longer than the 2 s lease: a sender keeps
    // its message for as long as its delivery goes on, and the other process never sends it.
    let delay = std::time::Duration::from_secs(3);
    let sink = SmtpSink::start_slow(delay).await;
    let app = app_mailing_through(&sink, |s| {
        s.mail.max_backoff_seconds = 1;
        s.mail.lease_seconds = 2;
    })
    .await;
    let (_, second) = app.second_instance().await;
    let member = app.create_member("LENT").await;
    let hotline = app.staff(Role::Hotline).await;
    for n in 0..8 {
        let (title, address) = (format!("Lent {n}"), format!("r{n}@lent.fr"));
        file_for(&app, &hotline.token, member, &title, &address).await;
    }
    let mut all_sent = false;
    for _ in 0..600 {
        if outbox(&app, "&status=sent").await.len() == 8 {
            all_sent = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let shown: Vec<_> = outbox(&app, "")
        .await
        .iter()
        .map(|i| (i["status"].clone(), i["attempts"].clone()))
        .collect();
    assert!(
        all_sent,
        "the eight messages are sent; the server received {} deliveries, the outbox shows {shown:?}",
        sink.messages().len()
    );
    // Until the server holds nothing and nothing more arrives over more than one delivery's
    // time: any delivery still on its way has landed.
    let mut seen = sink.messages().len();
    for _ in 0..20 {
        tokio::time::sleep(delay + std::time::Duration::from_secs(1)).await;
        let now = sink.messages().len();
        if now == seen && sink.hanging() == 0 {
            break;
        }
        seen = now;
    }
    let mail = sink.messages();
    let items = outbox(&app, "").await;
    assert_eq!(items.len(), 8);
    let mut deliveries = Vec::new();
    for n in 0..8 {
        let to = format!("r{n}@lent.fr");
        let received = sent_to(&mail, &to).len();
        let item = items
            .iter()
            .find(|i| i["recipient"] == to)
            .expect("in the outbox");
        let (attempts, status) = (item["attempts"].clone(), item["status"].clone());
        deliveries.push((to, received, attempts, status));
    }
    // What the server received is what the outbox shows: one attempt, one delivery each.
    for (to, received, attempts, status) in &deliveries {
        assert_eq!(
            (*received, attempts.as_i64(), status.as_str()),
            (1, Some(1), Some("sent")),
            "{to}; all: {deliveries:?}"
        );
    }
    assert_eq!(mail.len(), 8, "{deliveries:?}");
    second.stop(false).await;
}

#[tokio::test]
async fn taken_in_charge_alerts_are_raised_while_the_smtp_server_never_answers() {
    // The server holds every message for an hour: the sender waits on it until its timeout.
    let sink = SmtpSink::start_slow(std::time::Duration::from_secs(3600)).await;
    let app = app_watching_the_clock(&sink).await;
    let member = app.create_member("MUET").await;
    let hotline = app.staff(Role::Hotline).await;
    let urgent = ticket("Serveur arrêté", member).with(json!({"priority": 1}));
    let critical = app.file(&hotline.token, urgent).await.expect(201).id();
    for n in 0..3 {
        let (title, address) = (format!("Demande {n}"), format!("r{n}@muet.fr"));
        file_for(&app, &hotline.token, member, &title, &address).await;
    }
    let mut held = false;
    for _ in 0..200 {
        if sink.hanging() > 0 {
            held = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(held, "the server holds the first message");

    // The critical ticket was filed two hours ago: far past its 30 minutes.
    let past = hours_ago(2);
    app.execute_sql(&format!(
        "UPDATE tickets SET created_at = '{past}' WHERE id = {critical}"
    ))
    .await;

    let mut alerted = None;
    for _ in 0..1200 {
        let items = outbox(&app, "").await;
        if items
            .iter()
            .any(|i| i["kind"] == "ticket_overdue" && i["ticket_id"] == critical)
        {
            alerted = Some((items, sink.hanging()));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (items, hanging) = alerted.expect("the overdue alert is raised");
    // Raised while the server still held the first message: no attempt had ended yet.
    let ended: Vec<_> = items
        .iter()
        .filter(|i| i["kind"] != "ticket_overdue")
        .filter(|i| i["status"] != "queued" || !i["last_error"].is_null())
        .collect();
    assert!(
        ended.is_empty(),
        "alert raised after deliveries gave up: {ended:?}"
    );
    assert!(hanging > 0, "the server was holding a message");
    assert!(sink.messages().is_empty());
    // The outbox shows the attempt in progress.
    let in_progress: Vec<_> = items.iter().filter(|i| i["sending"] == true).collect();
    assert_eq!(in_progress.len(), 1, "{items:?}");
    assert_eq!(in_progress[0]["attempts"], 1);
    assert!(in_progress[0]["last_attempt_at"].is_string());
}
