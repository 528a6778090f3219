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
                ("short_name", "Cachan"),
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
    assert_eq!(read.body["short_name"], "Cachan");
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
                ("short_name", ""),
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
    assert_eq!(
        read.body["short_name"],
        serde_json::Value::Null,
        "the field emptied"
    );
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

#[tokio::test]
async fn a_manager_opens_an_agents_account_the_agent_logs_in_and_nobody_raises_their_own_rights() {
    let (app, member) = TestApp::with_member("COMPTES").await;
    let manager = app.staff(Role::Manager).await;
    let (visitor, csrf) = Visitor::logged_in(&app, &manager.email, PASSWORD).await;
    let member_id = member.to_string();
    // An agent needs a member: said beside the field, nothing written.
    let refused = visitor
        .post(
            "/console/users",
            &[
                ("csrf", &csrf),
                ("email", "claire.petit@cachan.fr"),
                ("name", "Claire Petit"),
                ("role", "agent"),
                ("member_id", ""),
                ("password", "un-mot-de-passe"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.shows("id=\"member_id-error\""));
    assert!(
        !refused.shows("un-mot-de-passe"),
        "a password is never shown again"
    );
    let opened = visitor
        .post(
            "/console/users",
            &[
                ("csrf", &csrf),
                ("email", "claire.petit@cachan.fr"),
                ("name", "Claire Petit"),
                ("role", "agent"),
                ("member_id", &member_id),
                ("password", "un-mot-de-passe"),
            ],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.html);
    let mut agent = Visitor::new(&app);
    let landed = agent
        .log_in("claire.petit@cachan.fr", "un-mot-de-passe")
        .await;
    assert_eq!(landed.location.as_deref(), Some("/portal"));
    assert_eq!(agent.get("/portal").await.status, 200);

    // A manager cannot make an admin, nor themself one.
    let page = visitor.get("/console/users/new").await;
    assert!(!page.shows("value=\"admin\""), "admin is not offered");
    let admin = visitor
        .post(
            "/console/users",
            &[
                ("csrf", &csrf),
                ("email", "chef@siim.fr"),
                ("name", "Chef"),
                ("role", "admin"),
                ("password", "un-mot-de-passe"),
            ],
        )
        .await;
    assert_eq!(admin.status, 403);
    let myself = visitor
        .post(
            &format!("/console/users/{}", manager.id),
            &[
                ("csrf", &csrf),
                ("name", "Moi"),
                ("role", "admin"),
                ("member_id", ""),
            ],
        )
        .await;
    assert!(matches!(myself.status, 403 | 422), "{}", myself.status);
    let me = app
        .get(&format!("/api/v1/users/{}", manager.id), &app.admin.token)
        .await
        .expect(200);
    assert_eq!(me.body["role"], "manager");
    assert_ne!(me.body["name"], "Moi", "nothing written");
    let log_ins = app
        .get("/api/v1/users?role=admin", &app.admin.token)
        .await
        .expect(200);
    assert_eq!(log_ins.items().len(), 1, "the test's own admin only");
}

#[tokio::test]
async fn a_manager_grows_the_category_tree_of_two_levels() {
    let app = TestApp::spawn().await;
    let manager = app.staff(Role::Manager).await;
    let (visitor, csrf) = Visitor::logged_in(&app, &manager.email, PASSWORD).await;
    let added = visitor
        .post(
            "/console/categories",
            &[
                ("csrf", &csrf),
                ("name", "Vidéoprojection"),
                ("parent_id", ""),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.html);
    let before = app
        .get("/api/v1/categories?limit=200", &manager.token)
        .await
        .expect(200)
        .items()
        .len();
    let list = app
        .get("/api/v1/categories?limit=200", &manager.token)
        .await
        .expect(200);
    let top = list
        .items()
        .iter()
        .find(|c| c["name"] == "Vidéoprojection")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let child = visitor
        .post(
            "/console/categories",
            &[
                ("csrf", &csrf),
                ("name", "Copieurs"),
                ("parent_id", &top.to_string()),
            ],
        )
        .await;
    assert_eq!(child.status, 303);
    let list = app
        .get("/api/v1/categories?limit=200", &manager.token)
        .await
        .expect(200);
    let copiers = list
        .items()
        .iter()
        .find(|c| c["name"] == "Copieurs")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // A third level, an empty name and a twin are refused beside their fields.
    let third = visitor
        .post(
            "/console/categories",
            &[
                ("csrf", &csrf),
                ("name", "Couleur"),
                ("parent_id", &copiers.to_string()),
            ],
        )
        .await;
    assert_eq!(third.status, 422);
    assert!(third.shows("id=\"parent_id-error\""));
    assert!(
        third.shows("l'arbre a deux niveaux"),
        "the API's message, in French"
    );
    let empty = visitor
        .post(
            "/console/categories",
            &[("csrf", &csrf), ("name", " "), ("parent_id", "")],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.shows("id=\"name-error\""));
    let twin = visitor
        .post(
            "/console/categories",
            &[
                ("csrf", &csrf),
                ("name", "Copieurs"),
                ("parent_id", &top.to_string()),
            ],
        )
        .await;
    assert_eq!(twin.status, 409);
    assert!(twin.shows("id=\"name-error\""));
    let list = app
        .get("/api/v1/categories?limit=200", &manager.token)
        .await
        .expect(200);
    assert_eq!(list.items().len(), before + 1, "nothing else written");
    let page = visitor.get("/console/categories").await;
    assert!(page.shows("Vidéoprojection") && page.shows("Copieurs"));
}

#[tokio::test]
async fn a_category_renamed_moved_or_retired_keeps_what_it_classed_and_is_no_longer_offered() {
    let (app, member) = TestApp::with_member("CATEG").await;
    let manager = app.staff(Role::Manager).await;
    let hotline = app.staff(Role::Hotline).await;
    let (visitor, csrf) = Visitor::logged_in(&app, &manager.email, PASSWORD).await;
    let categories = app
        .get("/api/v1/categories?limit=200", &manager.token)
        .await
        .expect(200);
    let named = |name: &str| {
        categories
            .items()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))["id"]
            .as_i64()
            .unwrap()
    };
    let (printing, network_printer, network) = (
        named("Impression"),
        named("Imprimante réseau"),
        named("Réseau"),
    );
    let filed = app
        .post(
            "/api/v1/tickets",
            &hotline.token,
            serde_json::json!({"member_id": member, "title": "Imprimante muette",
                                 "description": "", "category_id": network_printer}),
        )
        .await
        .expect(201)
        .id();
    // Renamed and moved under another top-level category.
    let moved = visitor
        .post(
            &format!("/console/categories/{network_printer}"),
            &[
                ("csrf", &csrf),
                ("name", "Imprimantes en réseau"),
                ("parent_id", &network.to_string()),
            ],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.html);
    let read = app
        .get(
            &format!("/api/v1/categories/{network_printer}"),
            &manager.token,
        )
        .await
        .expect(200);
    assert_eq!(read.body["name"], "Imprimantes en réseau");
    assert_eq!(read.body["parent_id"], network);
    // A top-level category with sub-categories stays at the top; nothing changes.
    let deep = visitor
        .post(
            &format!("/console/categories/{printing}"),
            &[
                ("csrf", &csrf),
                ("name", "Impression"),
                ("parent_id", &network.to_string()),
            ],
        )
        .await;
    assert_eq!(deep.status, 422);
    assert!(deep.shows("id=\"parent_id-error\""));
    // Retired: the ticket keeps it, a new call is not offered it and the API refuses it.
    let retired = visitor
        .post(
            &format!("/console/categories/{network_printer}"),
            &[
                ("csrf", &csrf),
                ("name", "Imprimantes en réseau"),
                ("parent_id", &network.to_string()),
                ("retired", "on"),
            ],
        )
        .await;
    assert_eq!(retired.status, 303);
    assert_eq!(app.ticket(filed).await["category_id"], network_printer);
    let call = visitor.get("/console/tickets/new").await;
    assert!(
        !call.shows(&format!("value=\"{network_printer}\"")),
        "not offered any more"
    );
    let refused = app
        .post(
            "/api/v1/tickets",
            &hotline.token,
            serde_json::json!({"member_id": member, "title": "Encore l'imprimante",
                                 "description": "", "category_id": network_printer}),
        )
        .await
        .expect(422);
    assert!(
        refused.body.to_string().contains("is retired"),
        "{}",
        refused.body
    );
    let ticket_page = visitor.get(&format!("/console/tickets/{filed}")).await;
    assert!(
        ticket_page.shows("Imprimantes en réseau"),
        "the ticket still shows its category"
    );
    assert!(visitor.get("/console/categories").await.shows("(retirée)"));
    // Brought back, it is offered again.
    let back = visitor
        .post(
            &format!("/console/categories/{network_printer}"),
            &[
                ("csrf", &csrf),
                ("name", "Imprimantes en réseau"),
                ("parent_id", &network.to_string()),
            ],
        )
        .await;
    assert_eq!(back.status, 303);
    assert!(visitor
        .get("/console/tickets/new")
        .await
        .shows(&format!("value=\"{network_printer}\"")));
}
