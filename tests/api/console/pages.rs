//! The console's pages and forms over HTTP: headers, status codes, sessions and their tokens.

use helpdesk::domain::user::Role;
use serde_json::json;

use super::Visitor;
use crate::common::{TestApp, PASSWORD};

#[tokio::test]
async fn a_visitor_is_sent_to_log_in_and_the_start_page_leads_staff_to_the_queue() {
    let (app, hotline) = TestApp::with_staff(Role::Hotline).await;
    let mut visitor = Visitor::new(&app);
    let start = visitor.get("/").await;
    assert_eq!(start.status, 303);
    assert_eq!(start.location.as_deref(), Some("/login"));
    let queue = visitor.get("/console?view=mine").await;
    assert_eq!(queue.status, 303, "a visitor without a session is kept out");
    assert_eq!(
        queue.location.as_deref(),
        Some("/login?next=/console%3Fview%3Dmine")
    );

    let login = visitor.get("/login").await;
    assert_eq!(login.status, 200);
    assert!(login.shows("<html lang=\"fr\""), "French first");
    assert!(login.shows("Mot de passe"));
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    assert_eq!(
        csp,
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(login.headers["x-content-type-options"], "nosniff");
    assert_eq!(login.headers["x-frame-options"], "DENY");

    let wrong = visitor.log_in(&hotline.email, "not-the-password").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.shows("E-mail ou mot de passe incorrect"));
    assert!(visitor.cookie.is_none(), "no session for a wrong password");

    let answer = visitor.log_in(&hotline.email, PASSWORD).await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location.as_deref(), Some("/console"));
    let cookie = answer
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("helpdesk_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on a loopback address: {cookie}"
    );
    let queue = visitor.get("/console").await;
    assert_eq!(queue.status, 200);
    assert!(queue.shows("File des tickets"));
    assert_eq!(queue.headers["cache-control"], "no-store");
    assert_eq!(visitor.get("/").await.location.as_deref(), Some("/console"));
}

#[tokio::test]
async fn an_agent_is_kept_out_of_the_console_and_the_api_never_takes_the_cookie() {
    let (app, _member, agent) = TestApp::with_agent("AGT").await;
    let (visitor, _) = {
        let mut v = Visitor::new(&app);
        assert_eq!(v.log_in(&agent.email, PASSWORD).await.status, 303);
        (v, ())
    };
    for path in [
        "/console",
        "/console/tickets/new",
        "/console/me",
        "/console/work-logs",
    ] {
        let page = visitor.get(path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.shows("Accès refusé"), "{path}: {}", page.html);
        assert!(page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
    }
    // The API is bearer-only: the session cookie opens nothing there.
    let api = visitor
        .http
        .get(format!("{}/api/v1/me", app.base))
        .header("Cookie", visitor.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 401);
}

#[tokio::test]
async fn a_form_without_its_token_or_with_another_sessions_changes_nothing() {
    let (app, member) = TestApp::with_member("CSRF").await;
    let hotline = app.staff(Role::Hotline).await;
    let (visitor, csrf) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    let (_other, other_csrf) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    assert_ne!(csrf, other_csrf, "each session has its own token");
    let member = member.to_string();
    let call = |token: &'static str| {
        vec![
            ("csrf", token),
            ("member_id", "CSRF"),
            ("requester_name", "Jeanne Martin"),
            ("title", "Imprimante bloquée"),
            ("description", ""),
        ]
    };
    let without = visitor.post("/console/tickets", &call("")[1..]).await;
    assert_eq!(without.status, 403);
    assert!(without.shows("rechargez la page"));
    let leaked: &'static str = Box::leak(other_csrf.into_boxed_str());
    let foreign = visitor.post("/console/tickets", &call(leaked)).await;
    assert_eq!(foreign.status, 403);
    let listed = app
        .get(
            &format!("/api/v1/tickets?member_id={member}"),
            &hotline.token,
        )
        .await
        .expect(200);
    assert!(listed.items().is_empty(), "nothing was filed");
    let logout = visitor.post("/logout", &[("csrf", leaked)]).await;
    assert_eq!(
        logout.status, 403,
        "logging out takes the session's token too"
    );
    assert_eq!(visitor.get("/console").await.status, 200, "still logged in");
}

#[tokio::test]
async fn a_call_is_filed_from_the_form_and_a_bad_one_is_shown_again_with_its_messages() {
    let (app, member) = TestApp::with_member("CALL").await;
    let hotline = app.staff(Role::Hotline).await;
    let technician = app.staff(Role::Technician).await;
    let (visitor, csrf) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    let form = visitor.get("/console/tickets/new").await;
    assert_eq!(form.status, 200);
    let submission = form.input("submission").unwrap();

    let refused = visitor
        .post(
            "/console/tickets",
            &[
                ("csrf", &csrf),
                ("member_id", "NOPE"),
                ("requester_name", "Jeanne Martin"),
                ("requester_phone", "abc"),
                ("title", "   "),
                ("description", "Le texte tapé reste là"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.shows("id=\"member_id-error\""), "{}", refused.html);
    assert!(refused.shows("id=\"title-error\""));
    assert!(refused.shows("ne peut pas être vide"));
    assert!(refused.shows("id=\"requester_phone-error\""));
    assert!(
        refused.shows("Le texte tapé reste là"),
        "what was typed is kept"
    );
    let none = app
        .get(
            &format!("/api/v1/tickets?member_id={member}"),
            &hotline.token,
        )
        .await
        .expect(200);
    assert!(none.items().is_empty());

    let technician_id = technician.id.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("submission", submission.as_str()),
        ("member_id", "call"),
        ("requester_name", "Jeanne Martin"),
        ("requester_phone", "01 45 12 34 56"),
        ("title", "Imprimante <script>alert(1)</script> bloquée"),
        ("description", "Bourrage au deuxième étage"),
        ("priority", "2"),
        ("technician_id", technician_id.as_str()),
    ];
    let filed = visitor.post("/console/tickets", &fields).await;
    assert_eq!(filed.status, 303, "{}", filed.html);
    let location = filed.location.unwrap();
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let ticket = app
        .get(&format!("/api/v1/tickets/{id}"), &hotline.token)
        .await
        .expect(200);
    assert_eq!(ticket.body["member_id"], member);
    assert_eq!(ticket.body["channel"], "phone");
    assert_eq!(ticket.body["priority"], 2);
    assert_eq!(ticket.body["status"], "assigned");
    assert_eq!(ticket.body["assignee_id"], technician.id);
    assert_eq!(ticket.body["requester_phone"], "01 45 12 34 56");
    // The same form sent twice (a double click) files one ticket.
    let again = visitor.post("/console/tickets", &fields).await;
    assert_eq!(again.location.as_deref(), Some(location.as_str()));

    let page = visitor.get(&location).await;
    assert_eq!(page.status, 200);
    assert!(page.shows("Imprimante &lt;script&gt;alert(1)&lt;/script&gt; bloquée"));
    assert!(!page.shows("<script>alert(1)"), "text is never markup");
    assert!(page.shows("01 45 12 34 56"));
}

#[tokio::test]
async fn a_call_solved_on_the_line_is_resolved_by_who_took_it_with_its_minutes_noted() {
    let (app, member) = TestApp::with_member("LINE").await;
    let hotline = app.staff(Role::Hotline).await;
    let agent = app.agent_of(member).await;
    let (visitor, csrf) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    let answer = visitor
        .post(
            "/console/tickets",
            &[
                ("csrf", &csrf),
                ("member_id", &member.to_string()),
                ("requester_id", &agent.email),
                ("title", "Mot de passe oublié"),
                ("description", ""),
                ("resolved", "on"),
                ("minutes", "7"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.html);
    let id: i64 = answer
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let ticket = app
        .get(&format!("/api/v1/tickets/{id}"), &hotline.token)
        .await
        .expect(200);
    assert_eq!(ticket.body["status"], "resolved");
    assert_eq!(ticket.body["assignee_id"], hotline.id);
    assert_eq!(ticket.body["requester_id"], agent.id);
    let comments = app
        .get(&format!("/api/v1/tickets/{id}/comments"), &hotline.token)
        .await
        .expect(200);
    assert_eq!(comments.items().len(), 1);
    assert_eq!(comments.items()[0]["internal"], true);
    assert!(comments.items()[0]["body"]
        .as_str()
        .unwrap()
        .contains("7 min"));
}

#[tokio::test]
async fn an_edit_over_a_ticket_changed_meanwhile_says_who_changed_what_and_changes_nothing() {
    let (app, member) = TestApp::with_member("STALE").await;
    let hotline = app.staff(Role::Hotline).await;
    let manager = app.staff(Role::Manager).await;
    let id = app.filed(&hotline.token, Some(member), "Écran noir").await;
    let (visitor, csrf) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    let page = visitor.get(&format!("/console/tickets/{id}")).await;
    let version = page.input("version").unwrap();
    let seen = page.input("seen").unwrap();
    app.patch(
        &format!("/api/v1/tickets/{id}"),
        &manager.token,
        json!({"priority": 1}),
    )
    .await
    .expect(200);
    let stale = visitor
        .post(
            &format!("/console/tickets/{id}"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("seen", &seen),
                ("title", "Écran noir au guichet"),
                ("description", "Texte tapé pendant ce temps"),
                ("status", "new"),
                ("priority", "4"),
                ("type", "incident"),
                ("category_id", ""),
            ],
        )
        .await;
    assert_eq!(stale.status, 409);
    assert!(stale.shows("modifié entre-temps"));
    assert!(stale.shows("a changé la priorité"), "{}", stale.html);
    assert!(
        stale.shows("Texte tapé pendant ce temps"),
        "what was typed is kept"
    );
    let ticket = app
        .get(&format!("/api/v1/tickets/{id}"), &hotline.token)
        .await
        .expect(200);
    assert_eq!(ticket.body["priority"], 1);
    assert_eq!(ticket.body["title"], "Écran noir");
}

#[tokio::test]
async fn logging_out_disabling_or_a_new_password_ends_the_session_at_once() {
    let (app, hotline) = TestApp::with_staff(Role::Hotline).await;
    let (first, csrf) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    let mut second_tab = Visitor::new(&app);
    second_tab.cookie = first.cookie.clone();
    assert_eq!(second_tab.get("/console").await.status, 200);
    let out = first.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert_eq!(second_tab.get("/console").await.status, 303, "every tab");

    let (again, _) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    app.patch(
        &format!("/api/v1/users/{}", hotline.id),
        &app.admin.token,
        json!({"password": "another-good-password"}),
    )
    .await
    .expect(200);
    assert_eq!(again.get("/console").await.status, 303, "a new password");

    let (third, _) = Visitor::logged_in(&app, &hotline.email, "another-good-password").await;
    app.patch(
        &format!("/api/v1/users/{}", hotline.id),
        &app.admin.token,
        json!({"disabled": true}),
    )
    .await
    .expect(200);
    assert_eq!(
        third.get("/console").await.status,
        303,
        "a disabled account"
    );
}

#[tokio::test]
async fn missing_pages_and_records_are_404_pages_and_bad_filters_say_why() {
    let (app, hotline) = TestApp::with_staff(Role::Hotline).await;
    let (visitor, _) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    for path in [
        "/console/tickets/999999",
        "/console/tickets/abc",
        "/console/nothing-here",
        "/console/work-logs/424242",
    ] {
        let page = visitor.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(page.shows("Page introuvable"), "{path}");
    }
    let filtered = visitor.get("/console?priority=9&member_id=x").await;
    assert_eq!(filtered.status, 422);
    assert!(filtered.shows("priority"));
    assert!(filtered.shows("doit être 1 (critique), 2, 3 ou 4"));
    assert!(filtered.shows("doit être un identifiant"));
}

/// The count a tab of the queue shows.
fn tab_count(page: &super::Seen, label: &str) -> String {
    let at = page.html.find(label).unwrap_or_else(|| panic!("{label}"));
    let rest = &page.html[at..];
    let start = rest.find("class=\"count\">").unwrap() + "class=\"count\">".len();
    rest[start..start + rest[start..].find('<').unwrap()].to_string()
}

#[tokio::test]
async fn the_queue_counts_its_views_and_filters_them() {
    let (app, [a, b]) = TestApp::with_members(["QA", "QB"]).await;
    let hotline = app.staff(Role::Hotline).await;
    let technician = app.staff(Role::Technician).await;
    let first = app.filed(&hotline.token, Some(a), "Souris cassée").await;
    let second = app.filed(&hotline.token, Some(b), "Clavier cassé").await;
    let third = app.filed(&hotline.token, Some(b), "Écran cassé").await;
    app.post(
        &format!("/api/v1/tickets/{second}/assign"),
        &hotline.token,
        json!({"technician_id": technician.id}),
    )
    .await
    .expect(200);
    app.patch(
        &format!("/api/v1/tickets/{third}"),
        &hotline.token,
        json!({"status": "waiting"}),
    )
    .await
    .expect(200);
    let (visitor, _) = Visitor::logged_in(&app, &technician.email, PASSWORD).await;
    let queue = visitor.get("/console?view=open").await;
    let count = tab_count;
    assert_eq!(count(&queue, "Non attribués"), "2");
    assert_eq!(count(&queue, "Les miens"), "1");
    assert_eq!(count(&queue, "En attente"), "1");
    assert_eq!(count(&queue, "Ouverts"), "3");
    assert_eq!(count(&queue, "Tous"), "3");
    let link = |id: i64| format!("href=\"/console/tickets/{id}\"");
    assert!(queue.shows(&link(first)) && queue.shows(&link(second)) && queue.shows(&link(third)));
    let mine = visitor.get("/console?view=mine").await;
    assert!(mine.shows(&link(second)) && !mine.shows(&link(first)));
    let by_member = visitor
        .get(&format!("/console?view=all&member_id={a}"))
        .await;
    assert!(by_member.shows(&link(first)) && !by_member.shows(&link(third)));
    let by_text = visitor.get("/console?view=all&q=clavier").await;
    assert!(by_text.shows(&link(second)) && !by_text.shows(&link(first)));
    let by_due = visitor.get("/console?view=open&sort=due").await;
    assert_eq!(by_due.status, 200);
    assert!(by_due.shows(&link(first)));

    // The counts follow every change: an assignment, a resolution, tickets imported.
    app.post(
        &format!("/api/v1/tickets/{first}/assign"),
        &hotline.token,
        json!({"technician_id": technician.id}),
    )
    .await
    .expect(200);
    for status in ["in_progress", "resolved"] {
        app.patch(
            &format!("/api/v1/tickets/{second}"),
            &technician.token,
            json!({"status": status}),
        )
        .await
        .expect(200);
    }
    app.imported(json!([
        {"member_id": a, "title": "Ancien, clos", "description": "-", "created_at": "2019-03-04T09:00:00Z",
         "status": "closed", "assignee_id": technician.id,
         "acknowledged_at": "2019-03-04T09:30:00Z", "resolved_at": "2019-03-04T10:00:00Z",
         "closed_at": "2019-03-05T10:00:00Z"},
        {"member_id": b, "title": "Ancien, en cours", "description": "-", "created_at": "2019-03-04T09:00:00Z",
         "status": "in_progress"}
    ]))
    .await;
    let queue = visitor.get("/console?view=open").await;
    assert_eq!(count(&queue, "Non attribués"), "2");
    assert_eq!(count(&queue, "Les miens"), "1");
    assert_eq!(count(&queue, "En attente"), "1");
    assert_eq!(count(&queue, "Ouverts"), "3");
    assert_eq!(count(&queue, "Tous"), "5");
    let unassigned = visitor.get("/console?view=unassigned").await;
    assert!(unassigned.shows(&link(third)) && !unassigned.shows(&link(first)));
}

#[tokio::test]
async fn a_day_is_logged_from_my_day_and_a_bad_log_is_shown_again() {
    let (app, member) = TestApp::with_member("DAY").await;
    let technician = app.staff(Role::Technician).await;
    let (visitor, csrf) = Visitor::logged_in(&app, &technician.email, PASSWORD).await;
    let today = crate::common::paris_today().to_string();
    let member_id = member.to_string();
    let logged = visitor
        .post(
            "/console/work-logs",
            &[
                ("csrf", &csrf),
                ("date", &today),
                ("kind", "posted"),
                ("member_id", &member_id),
                ("days", "1"),
                ("back", "/console/me"),
            ],
        )
        .await;
    assert_eq!(logged.status, 303, "{}", logged.html);
    assert_eq!(logged.location.as_deref(), Some("/console/me"));
    let day = visitor.get("/console/me").await;
    assert!(day.shows("Posté chez"), "{}", day.html);
    let logs = app
        .get(
            &format!("/api/v1/work-logs?technician_id={}", technician.id),
            &technician.token,
        )
        .await
        .expect(200);
    assert_eq!(logs.items().len(), 1);
    assert_eq!(logs.items()[0]["days"], 1.0);

    let refused = visitor
        .post(
            "/console/work-logs",
            &[
                ("csrf", &csrf),
                ("date", &today),
                ("kind", "on_site"),
                ("days", "0.3"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.shows("id=\"member_id-error\"") || refused.shows("id=\"days-error\""));
    let after = app
        .get(
            &format!("/api/v1/work-logs?technician_id={}", technician.id),
            &technician.token,
        )
        .await
        .expect(200);
    assert_eq!(after.items().len(), 1, "nothing written");

    let id = logs.items()[0]["id"].as_i64().unwrap();
    let edit = visitor.get(&format!("/console/work-logs/{id}")).await;
    assert_eq!(edit.status, 200);
    let deleted = visitor
        .post(
            &format!("/console/work-logs/{id}/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(deleted.status, 303);
    let gone = app
        .get(&format!("/api/v1/work-logs/{id}"), &technician.token)
        .await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn the_console_speaks_english_when_asked_and_keeps_the_choice_with_the_account() {
    let (app, hotline) = TestApp::with_staff(Role::Hotline).await;
    let (visitor, csrf) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    let switched = visitor
        .post(
            "/preferences/language",
            &[("csrf", &csrf), ("language", "en")],
        )
        .await;
    assert_eq!(switched.status, 303);
    let queue = visitor.get("/console").await;
    assert!(queue.shows("<html lang=\"en\""));
    assert!(queue.shows("Ticket queue"));
    let (later, _) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    assert!(
        later.get("/console").await.shows("Ticket queue"),
        "kept with the account"
    );
}

#[tokio::test]
async fn the_overdue_view_holds_the_tickets_past_a_target_and_the_due_order_puts_them_first() {
    let (app, member) = TestApp::with_member("LATE").await;
    let hotline = app.staff(Role::Hotline).await;
    let technician = app.staff(Role::Technician).await;
    // Filed last week and never taken in charge, assigned without being taken in charge, and
    // waiting since last week: the first two are past their targets; the third is paused.
    let imported = app
        .imported(json!([
            {"title": "Vieux ticket oublié", "description": "", "member_id": member,
             "created_at": days_ago(8), "status": "new"},
            {"title": "Vieux ticket attribué", "description": "", "member_id": member,
             "created_at": days_ago(9), "status": "assigned",
             "assignee_id": technician.id}
        ]))
        .await;
    let [forgotten, assigned] = [imported[0], imported[1]];
    let fresh = app.filed(&hotline.token, Some(member), "Tout frais").await;
    let (visitor, _) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    let overdue = visitor.get("/console?view=overdue").await;
    let link = |id: i64| format!("href=\"/console/tickets/{id}\"");
    assert!(overdue.shows(&link(forgotten)), "{}", overdue.html);
    assert!(overdue.shows(&link(assigned)));
    assert!(!overdue.shows(&link(fresh)));
    assert!(overdue.shows("class=\"overdue\""));
    let by_due = visitor.get("/console?view=open&sort=due").await;
    let at = |id: i64| by_due.html.find(&link(id)).unwrap();
    assert!(
        at(assigned) < at(fresh) && at(forgotten) < at(fresh),
        "the most late first"
    );
    assert_eq!(tab_count(&overdue, "En retard"), "2");

    // Taken in charge by a public answer, the assigned ticket is still past its resolution
    // target; resolved, the forgotten one is no longer late; waiting, none is.
    app.post(
        &format!("/api/v1/tickets/{assigned}/comments"),
        &technician.token,
        json!({"body": "Je regarde.", "internal": false}),
    )
    .await
    .expect(201);
    assert!(app.ticket(assigned).await["acknowledged_at"].is_string());
    app.patch(
        &format!("/api/v1/tickets/{forgotten}"),
        &hotline.token,
        json!({"status": "resolved"}),
    )
    .await
    .expect(200);
    let overdue = visitor.get("/console?view=overdue").await;
    assert_eq!(tab_count(&overdue, "En retard"), "1");
    assert!(overdue.shows(&link(assigned)) && !overdue.shows(&link(forgotten)));
    app.patch(
        &format!("/api/v1/tickets/{assigned}"),
        &technician.token,
        json!({"status": "waiting"}),
    )
    .await
    .expect(200);
    let overdue = visitor.get("/console?view=overdue").await;
    assert_eq!(tab_count(&overdue, "En retard"), "0");
}

fn days_ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
