//! Administration in the console: members added and changed through their forms, with the
//! API's rules and messages beside the fields; only managers and admins come in.

use helpdesk::domain::user::Role;

use super::Visitor;
use crate::common::{TestApp, PASSWORD};

#[tokio::test]
async fn a_manager_adds_and_changes_a_member_and_bad_input_is_shown_beside_its_field() {
    let app = TestApp::spawn().await;
    let manager = app.staff(Role::Manager).await;
    let (visitor, csrf) = Visitor::logged_in(&app, &manager.email, PASSWORD).await;
    let form = visitor.get("/console/members/new").await;
    assert_eq!(form.status, 200);

    let refused = visitor
        .post(
            "/console/members",
            &[
                ("csrf", &csrf),
                ("code", "pas un code !"),
                ("name", "Cachan"),
                ("kind", "city"),
                ("joined_on", "2024-01-01"),
                ("left_on", "2023-01-01"),
                ("uses_hotline", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.shows("id=\"code-error\""), "{}", refused.html);
    assert!(refused.shows("id=\"left_on-error\""));
    assert!(refused.shows("value=\"Cachan\""), "what was typed is kept");
    let members = app.get("/api/v1/members", &manager.token).await.expect(200);
    assert!(members.items().is_empty(), "nothing written");

    let added = visitor
        .post(
            "/console/members",
            &[
                ("csrf", &csrf),
                ("code", "cachan"),
                ("name", "Ville de Cachan"),
                ("kind", "city"),
                ("joined_on", "2024-01-01"),
                ("uses_hotline", "on"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.html);
    let location = added.location.unwrap();
    let id: i64 = location
        .split('/')
        .next_back()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let read = app
        .get(&format!("/api/v1/members/{id}"), &manager.token)
        .await
        .expect(200);
    assert_eq!(read.body["code"], "CACHAN");
    assert_eq!(read.body["uses_hotline"], true);
    assert_eq!(read.body["joined_on"], "2024-01-01");
    assert!(visitor.get(&location).await.shows("Enregistré."));

    // The same code again: the API's conflict, beside the code.
    let twice = visitor
        .post(
            "/console/members",
            &[
                ("csrf", &csrf),
                ("code", "CACHAN"),
                ("name", "Autre"),
                ("kind", "city"),
            ],
        )
        .await;
    assert_eq!(twice.status, 409);
    assert!(twice.shows("id=\"code-error\""));

    // It leaves the hotline and the cooperative; a departure before its joining is refused.
    let before = visitor
        .post(
            &format!("/console/members/{id}"),
            &[
                ("csrf", &csrf),
                ("name", "Ville de Cachan"),
                ("kind", "city"),
                ("joined_on", "2024-01-01"),
                ("left_on", "2023-12-31"),
            ],
        )
        .await;
    assert_eq!(before.status, 422);
    assert!(before.shows("id=\"left_on-error\""));
    assert_eq!(
        app.get(&format!("/api/v1/members/{id}"), &manager.token)
            .await
            .expect(200)
            .body["left_on"],
        serde_json::Value::Null
    );
    let left = visitor
        .post(
            &format!("/console/members/{id}"),
            &[
                ("csrf", &csrf),
                ("name", "Ville de Cachan"),
                ("kind", "city"),
                ("joined_on", "2024-01-01"),
                ("left_on", "2026-06-30"),
            ],
        )
        .await;
    assert_eq!(left.status, 303);
    let read = app
        .get(&format!("/api/v1/members/{id}"), &manager.token)
        .await
        .expect(200);
    assert_eq!(read.body["left_on"], "2026-06-30");
    assert_eq!(read.body["uses_hotline"], false, "the box left unticked");
    assert!(visitor.get("/console/members").await.shows("CACHAN"));
}

#[tokio::test]
async fn only_managers_and_admins_administer() {
    let app = TestApp::spawn().await;
    let technician = app.staff(Role::Technician).await;
    let (visitor, csrf) = Visitor::logged_in(&app, &technician.email, PASSWORD).await;
    assert_eq!(visitor.get("/console/members").await.status, 403);
    assert_eq!(visitor.get("/console/members/new").await.status, 403);
    let sent = visitor
        .post(
            "/console/members",
            &[
                ("csrf", &csrf),
                ("code", "NOPE"),
                ("name", "Non"),
                ("kind", "city"),
            ],
        )
        .await;
    assert_eq!(sent.status, 403);
    assert!(!visitor
        .get("/console")
        .await
        .shows("href=\"/console/members\""));
    let members = app
        .get("/api/v1/members", &app.admin.token)
        .await
        .expect(200);
    assert!(members.items().is_empty());
}
