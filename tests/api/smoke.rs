use crate::common;
use crate::common::Role;

use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn an_agent_files_a_ticket_that_the_hotline_assigns() {
    let (app, member, agent) = TestApp::with_agent("ARCUEIL").await;
    let technician = app.staff(Role::Technician).await;
    let hotline = app.staff(Role::Hotline).await;

    let filing = json!({"title": "Imprimante en panne", "description": "bac 2"});
    let filed = app.file(&agent.token, filing).await.expect(201);
    assert_eq!(filed.body["member_id"], member);
    assert_eq!(filed.body["status"], "new");

    let assigned = app.assign(filed.id(), &hotline.token, technician.id).await;
    let assigned = assigned.expect(200);
    assert_eq!(assigned.body["status"], "assigned");
    assert_eq!(assigned.body["assignee_id"], technician.id);
    assert!(assigned.body["acknowledged_at"].is_string());
}
