use crate::common;
use crate::common::Role;

use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn an_agent_files_a_ticket_that_the_hotline_assigns() {
    let app = TestApp::spawn().await;
    let member = app.create_member("ARCUEIL").await;
    let agent = app.agent_of(member).await;
    let technician = app.staff(Role::Technician).await;
    let hotline = app.staff(Role::Hotline).await;

    let filed = app
        .post(
            "/api/v1/tickets",
            &agent.token,
            json!({"title": "Imprimante en panne", "description": "bac 2"}),
        )
        .await
        .expect(201);
    assert_eq!(filed.body["member_id"], member);
    assert_eq!(filed.body["status"], "new");
    let id = filed.id();

    let assigned = app
        .post(
            &format!("/api/v1/tickets/{id}/assign"),
            &hotline.token,
            json!({"technician_id": technician.id}),
        )
        .await
        .expect(200);
    assert_eq!(assigned.body["status"], "assigned");
    assert_eq!(assigned.body["assignee_id"], technician.id);
    assert!(assigned.body["acknowledged_at"].is_string());
}
