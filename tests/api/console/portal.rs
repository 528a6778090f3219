//! The members' portal over HTTP: an agent files a request, follows it, reads the public
//! answers and never the internal notes, answers; another member's request does not exist.

use helpdesk::domain::user::Role;
use serde_json::json;

use super::Visitor;
use crate::common::{TestApp, PASSWORD};

#[tokio::test]
async fn an_agent_files_a_request_and_follows_it_without_seeing_anything_internal() {
    let (app, [ours, theirs]) = TestApp::with_members(["PORTA", "PORTB"]).await;
    let agent = app.agent_of(ours).await;
    let hotline = app.staff(Role::Hotline).await;
    let technician = app.staff(Role::Technician).await;
    let mut visitor = Visitor::new(&app);
    let landed = visitor.log_in(&agent.email, PASSWORD).await;
    assert_eq!(landed.location.as_deref(), Some("/portal"));
    let form = visitor.get("/portal/tickets/new").await;
    assert_eq!(form.status, 200);
    let csrf = form.csrf();
    let submission = form.input("submission").expect("a submission key");

    // A request without a subject is shown again, with the message beside the field.
    let refused = visitor
        .post(
            "/portal/tickets",
            &[
                ("csrf", &csrf),
                ("submission", &submission),
                ("title", " "),
                ("description", "L'imprimante du 2e étage n'imprime plus."),
                ("type", "incident"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.shows("id=\"title-error\""), "{}", refused.html);
    assert!(
        refused.shows("L&#39;imprimante du 2e étage") || refused.shows("L'imprimante du 2e étage")
    );
    let listed = app
        .get(&format!("/api/v1/tickets?member_id={ours}"), &hotline.token)
        .await
        .expect(200);
    assert!(listed.items().is_empty(), "nothing filed");

    let fields = [
        ("csrf", csrf.as_str()),
        ("submission", submission.as_str()),
        ("title", "Imprimante en panne"),
        ("description", "L'imprimante du 2e étage n'imprime plus."),
        ("type", "incident"),
    ];
    let filed = visitor.post("/portal/tickets", &fields).await;
    assert_eq!(filed.status, 303, "{}", filed.html);
    let location = filed.location.unwrap();
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    // Sent twice (a double click), the form files one request.
    let again = visitor.post("/portal/tickets", &fields).await;
    assert_eq!(again.location.as_deref(), Some(location.as_str()));
    let ticket = app.ticket(id).await;
    assert_eq!(ticket["member_id"], ours);
    assert_eq!(ticket["requester_id"], agent.id);
    assert_eq!(ticket["channel"], "web");

    // The hotline answers publicly and notes internally; a technician takes it.
    app.post(
        &format!("/api/v1/tickets/{id}/assign"),
        &hotline.token,
        json!({"technician_id": technician.id}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/v1/tickets/{id}/comments"),
        &hotline.token,
        json!({"body": "Un technicien passe cet après-midi.", "internal": false}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/tickets/{id}/comments"),
        &hotline.token,
        json!({"body": "Note interne : toner commandé chez le fournisseur X.", "internal": true}),
    )
    .await
    .expect(201);
    let list = visitor.get("/portal").await;
    assert_eq!(list.status, 200);
    assert!(list.shows("Imprimante en panne"));
    assert!(
        list.shows("Un technicien passe cet après-midi."),
        "the last public answer"
    );
    let first_name = technician_first_name(&app, technician.id).await;
    assert!(list.shows(&first_name), "the assignee's first name");
    assert!(!list.shows("toner commandé"));
    let page = visitor.get(&location).await;
    assert_eq!(page.status, 200);
    assert!(page.shows("Un technicien passe cet après-midi."));
    assert!(!page.shows("toner commandé"), "nothing internal");
    assert!(page.shows("Prise en charge"));

    // The agent answers; an empty answer is refused beside its field.
    let csrf = page.csrf();
    let empty = visitor
        .post(
            &format!("/portal/tickets/{id}/comments"),
            &[("csrf", &csrf), ("body", "  ")],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.shows("id=\"body-error\""));
    let answered = visitor
        .post(
            &format!("/portal/tickets/{id}/comments"),
            &[("csrf", &csrf), ("body", "Merci, je serai là.")],
        )
        .await;
    assert_eq!(answered.status, 303);
    let comments = app
        .get(&format!("/api/v1/tickets/{id}/comments"), &hotline.token)
        .await
        .expect(200);
    assert!(comments
        .items()
        .iter()
        .any(|c| c["body"] == "Merci, je serai là."
            && c["internal"] == false
            && c["author_id"] == agent.id));

    // Another member's request does not exist for this agent, to read or to answer.
    let other = app
        .filed(&hotline.token, Some(theirs), "Chez les autres")
        .await;
    assert_eq!(
        visitor
            .get(&format!("/portal/tickets/{other}"))
            .await
            .status,
        404
    );
    let foreign = visitor
        .post(
            &format!("/portal/tickets/{other}/comments"),
            &[("csrf", &csrf), ("body", "Coucou")],
        )
        .await;
    assert_eq!(foreign.status, 404);
    assert!(!visitor.get("/portal").await.shows("Chez les autres"));
}

async fn technician_first_name(app: &TestApp, id: i64) -> String {
    let user = app
        .get(&format!("/api/v1/users/{id}"), &app.admin.token)
        .await
        .expect(200);
    user.body["name"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn open_requests_come_first_and_staff_work_in_the_console_not_the_portal() {
    let (app, member) = TestApp::with_member("PORTC").await;
    let agent = app.agent_of(member).await;
    let hotline = app.staff(Role::Hotline).await;
    let done = app
        .filed(&agent.token, None, "Ancienne demande résolue")
        .await;
    app.patch(
        &format!("/api/v1/tickets/{done}"),
        &hotline.token,
        json!({"status": "resolved"}),
    )
    .await
    .expect(200);
    app.filed(&agent.token, None, "Demande toute récente").await;
    let mut visitor = Visitor::new(&app);
    visitor.log_in(&agent.email, PASSWORD).await;
    let list = visitor.get("/portal").await;
    let open_at = list.html.find("Demande toute récente").unwrap();
    let done_at = list.html.find("Ancienne demande résolue").unwrap();
    let finished = list.html.find("Terminées").unwrap();
    assert!(open_at < finished && finished < done_at, "open first");
    // Agents are kept out of the console, staff out of the portal.
    assert_eq!(visitor.get("/console").await.status, 403);
    let (staff, _) = Visitor::logged_in(&app, &hotline.email, PASSWORD).await;
    assert_eq!(staff.get("/portal").await.status, 403);
}
