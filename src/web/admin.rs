//! Administration for managers and admins: the members (`/console/members`), the accounts
//! (`/console/users`) and the categories (`/console/categories`), with the API's fields and rules, its messages beside the fields.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use crate::api::{path_id, Segment, State};
use crate::db;
use crate::db::audit::AuditSource;
use crate::db::members::Member;
use crate::db::users::User;
use crate::desk::accounts::{AccountInput, AccountPatch};
use crate::desk::directory::Directory;
use crate::desk::members::{MemberInput, MemberPatch};
use crate::domain::member::MemberKind;
use crate::domain::user::Role;
use crate::domain::{Checks, FieldError};
use crate::error::AppError;
use crate::web::format;
use crate::web::forms::{filled, Form, FormErrors};
use crate::web::i18n::Lang;
use crate::web::layout::{csrf_field, described, field_error, Page, Section};
use crate::web::session::Viewer;
use crate::web::{see_other, Answer};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/categories", web::get().to(categories))
        .route("/console/categories", web::post().to(create_category))
        .route("/console/categories/{id}", web::get().to(edit_category))
        .route("/console/categories/{id}", web::post().to(update_category))
        .route("/console/users", web::get().to(users))
        .route("/console/users", web::post().to(create_user))
        .route("/console/users/new", web::get().to(new_user))
        .route("/console/users/{id}", web::get().to(edit_user))
        .route("/console/users/{id}", web::post().to(update_user))
        .route("/console/members", web::get().to(members))
        .route("/console/members", web::post().to(create_member))
        .route("/console/members/new", web::get().to(new_member))
        .route("/console/members/{id}", web::get().to(edit_member))
        .route("/console/members/{id}", web::post().to(update_member));
}

/// Only managers and admins manage the directory.
fn require_manager(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require_staff()?;
    if viewer.actor.role.manages_directory() {
        Ok(())
    } else {
        Err(AppError::forbidden("this needs a manager or an admin"))
    }
}

/// The tabs of the administration.
fn admin_tabs(lang: Lang, current: &str) -> Markup {
    let tabs = [
        ("/console/members", lang.t("Adhérents", "Members")),
        ("/console/users", lang.t("Comptes", "Accounts")),
        ("/console/categories", lang.t("Catégories", "Categories")),
    ];
    html! {
        nav.tabs aria-label=(lang.t("Administration", "Administration")) {
            @for (href, label) in tabs {
                @if href == current {
                    a.tab href=(href) aria-current="page" { (label) }
                } @else {
                    a.tab href=(href) { (label) }
                }
            }
        }
    }
}

fn kind_label(lang: Lang, kind: MemberKind) -> &'static str {
    match kind {
        MemberKind::City => lang.t("Commune", "City"),
        MemberKind::HousingOffice => lang.t("Office de l'habitat", "Housing office"),
        MemberKind::Territory => lang.t("Territoire", "Territory"),
        MemberKind::Syndicate => lang.t("Syndicat", "Syndicate"),
        MemberKind::PublicBody => lang.t("Établissement public", "Public body"),
        MemberKind::School => lang.t("Établissement scolaire", "School"),
        MemberKind::Internal => lang.t("Interne", "Internal"),
    }
}

async fn members(state: State, viewer: Viewer) -> Answer {
    require_manager(&viewer)?;
    let lang = viewer.lang;
    let mut members = state.run(|conn| Ok(db::members::all(conn)?)).await?;
    members.sort_by(|a, b| a.record.code.cmp(&b.record.code));
    let day = |d: Option<NaiveDate>| d.map(|d| format::date(lang, d)).unwrap_or_default();
    let body = html! {
        div.queue-head {
            h1 { (lang.t("Administration", "Administration")) }
            a.button.primary href="/console/members/new" { (lang.t("Nouvel adhérent", "New member")) }
        }
        (admin_tabs(lang, "/console/members"))
        div.scroll {
            table.data {
                thead {
                    tr {
                        th scope="col" { (lang.t("Code", "Code")) }
                        th scope="col" { (lang.t("Nom", "Name")) }
                        th scope="col" { (lang.t("Type", "Kind")) }
                        th scope="col" { (lang.t("Hotline", "Hotline")) }
                        th scope="col" { (lang.t("Adhésion", "Joined")) }
                        th scope="col" { (lang.t("Départ", "Left")) }
                    }
                }
                tbody {
                    @for m in &members {
                        tr {
                            td { a href=(format!("/console/members/{}", m.id)) { (m.record.code) } }
                            td { (m.record.name) @if let Some(short) = &m.record.short_name { " (" (short) ")" } }
                            td { (kind_label(lang, m.record.kind)) }
                            td { (if m.record.uses_hotline { lang.t("oui", "yes") } else { lang.t("non", "no") }) }
                            td.when { (day(m.record.joined_on)) }
                            td.when { (day(m.record.left_on)) }
                        }
                    }
                }
            }
        }
    };
    Ok(Page {
        title: lang.t("Adhérents", "Members").to_string(),
        viewer: Some(&viewer),
        lang,
        section: Section::Admin,
        body,
    }
    .ok())
}

/// The member form as sent.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct MemberForm {
    csrf: Option<String>,
    code: Option<String>,
    name: Option<String>,
    short_name: Option<String>,
    kind: Option<String>,
    uses_hotline: Option<String>,
    joined_on: Option<String>,
    left_on: Option<String>,
}

impl MemberForm {
    fn of(member: &Member) -> MemberForm {
        let m = &member.record;
        MemberForm {
            csrf: None,
            code: Some(m.code.clone()),
            name: Some(m.name.clone()),
            short_name: m.short_name.clone(),
            kind: Some(m.kind.as_str().to_string()),
            uses_hotline: m.uses_hotline.then(|| "on".to_string()),
            joined_on: m.joined_on.map(|d| d.to_string()),
            left_on: m.left_on.map(|d| d.to_string()),
        }
    }
}

const MEMBER_FIELDS: &[&str] = &["code", "name", "short_name", "kind", "joined_on", "left_on"];

/// A day as a date field sends it; empty is none.
fn day_field(checks: &mut Checks, field: &'static str, raw: &Option<String>) -> Option<NaiveDate> {
    let raw = filled(raw)?;
    checks.take(
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| FieldError::new(field, "must be a date YYYY-MM-DD")),
    )
}

async fn new_member(viewer: Viewer) -> Answer {
    require_manager(&viewer)?;
    let form = MemberForm {
        uses_hotline: Some("on".into()),
        kind: Some(MemberKind::City.as_str().into()),
        ..MemberForm::default()
    };
    Ok(member_page(&viewer, None, &form, &FormErrors::default()).ok())
}

/// Says above the page that the form sent before it was saved.
fn saved_notice(page: &mut Page, message: &str) {
    let body = std::mem::replace(&mut page.body, html! {});
    page.body = html! {
        p.notice.ok role="status" { (message) }
        (body)
    };
}

/// `?saved=1` after a form that was saved.
#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn edit_member(
    state: State,
    viewer: Viewer,
    id: Segment,
    query: web::Query<SavedQuery>,
) -> Answer {
    require_manager(&viewer)?;
    let member = find_member(&state, &id).await?;
    let mut page = member_page(
        &viewer,
        Some(&member),
        &MemberForm::of(&member),
        &FormErrors::default(),
    );
    if query.saved.is_some() {
        saved_notice(&mut page, viewer.lang.t("Enregistré.", "Saved."));
    }
    Ok(page.ok())
}

async fn find_member(state: &State, id: &Segment) -> Result<Member, AppError> {
    let id = path_id(id, "member")?;
    state
        .run(move |conn| Ok(db::members::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::not_found(format!("member {id}")))
}

fn member_page<'a>(
    viewer: &'a Viewer,
    member: Option<&Member>,
    form: &MemberForm,
    errors: &FormErrors,
) -> Page<'a> {
    let lang = viewer.lang;
    let error = |field: &str| errors.get(field);
    let (code_help, code_invalid) = described("code", error("code"));
    let (name_help, name_invalid) = described("name", error("name"));
    let (short_help, short_invalid) = described("short_name", error("short_name"));
    let (kind_help, kind_invalid) = described("kind", error("kind"));
    let (joined_help, joined_invalid) = described("joined_on", error("joined_on"));
    let (left_help, left_invalid) = described("left_on", error("left_on"));
    let action = member.map_or_else(
        || "/console/members".to_string(),
        |m| format!("/console/members/{}", m.id),
    );
    let title = match member {
        Some(m) => format!("{} · {}", m.record.code, m.record.name),
        None => lang.t("Nouvel adhérent", "New member").to_string(),
    };
    let body = html! {
        p { a href="/console/members" { (lang.t("← Adhérents", "← Members")) } }
        h1 { (title) }
        @if !errors.general.is_empty() {
            div.form-error role="alert" { @for e in &errors.general { p { (e) } } }
        }
        form.panel #member-form method="post" action=(action) novalidate {
            (csrf_field(viewer))
            div.row {
                div.field {
                    label for="code" { (lang.t("Code", "Code")) }
                    @if member.is_some() {
                        input #code type="text" value=[filled(&form.code)] readonly;
                    } @else {
                        input #code name="code" type="text" maxlength="40" required autofocus
                            value=[filled(&form.code)] aria-describedby=[code_help] aria-invalid=[code_invalid];
                    }
                    (field_error("code", error("code")))
                }
                div.field {
                    label for="name" { (lang.t("Nom", "Name")) }
                    input #name name="name" type="text" maxlength="200" required
                        value=[filled(&form.name)] aria-describedby=[name_help] aria-invalid=[name_invalid];
                    (field_error("name", error("name")))
                }
                div.field {
                    label for="short_name" { (lang.t("Nom court (rapports)", "Short name (reports)")) }
                    input #short_name name="short_name" type="text" maxlength="30"
                        value=[filled(&form.short_name)] aria-describedby=[short_help] aria-invalid=[short_invalid];
                    (field_error("short_name", error("short_name")))
                }
                div.field {
                    label for="kind" { (lang.t("Type", "Kind")) }
                    select #kind name="kind" aria-describedby=[kind_help] aria-invalid=[kind_invalid] {
                        @for kind in MemberKind::ALL {
                            option value=(kind.as_str()) selected[filled(&form.kind) == Some(kind.as_str())] { (kind_label(lang, *kind)) }
                        }
                    }
                    (field_error("kind", error("kind")))
                }
            }
            div.row {
                div.field {
                    label for="joined_on" { (lang.t("Adhésion le", "Joined on")) }
                    input #joined_on name="joined_on" type="date" value=[filled(&form.joined_on)]
                        aria-describedby=[joined_help] aria-invalid=[joined_invalid];
                    (field_error("joined_on", error("joined_on")))
                }
                div.field {
                    label for="left_on" { (lang.t("Départ le", "Left on")) }
                    input #left_on name="left_on" type="date" value=[filled(&form.left_on)]
                        aria-describedby=[left_help] aria-invalid=[left_invalid];
                    (field_error("left_on", error("left_on")))
                }
                div.field.check {
                    input #uses_hotline name="uses_hotline" type="checkbox" checked[form.uses_hotline.is_some()];
                    label for="uses_hotline" { (lang.t("Utilise la hotline", "Uses the hotline")) }
                }
            }
            div.field.actions {
                button.primary type="submit" { (lang.t("Enregistrer", "Save")) }
                a href="/console/members" { (lang.t("Annuler", "Cancel")) }
            }
        }
    };
    Page {
        title: lang.t("Adhérent", "Member").to_string(),
        viewer: Some(viewer),
        lang,
        section: Section::Admin,
        body,
    }
}

async fn create_member(state: State, viewer: Viewer, form: Form<MemberForm>) -> Answer {
    require_manager(&viewer)?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let mut checks = Checks::new();
    let joined_on = day_field(&mut checks, "joined_on", &form.joined_on);
    let left_on = day_field(&mut checks, "left_on", &form.left_on);
    let input = MemberInput {
        code: form.code.clone().unwrap_or_default(),
        name: form.name.clone().unwrap_or_default(),
        short_name: form.short_name.clone(),
        kind: form.kind.clone().unwrap_or_default(),
        uses_hotline: Some(form.uses_hotline.is_some()),
        joined_on,
        left_on,
    };
    let outcome = match checks.finish() {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(()) => {
            state
                .run(move |conn| crate::desk::members::create(conn, &input))
                .await
        }
    };
    match outcome {
        Ok(member) => Ok(see_other(&format!(
            "/console/members/{}?saved=1",
            member.id
        ))),
        Err(AppError::Validation(errors)) => {
            let errors = FormErrors::new(lang, &errors, MEMBER_FIELDS);
            Ok(
                member_page(&viewer, None, &form, &errors)
                    .respond(StatusCode::UNPROCESSABLE_ENTITY),
            )
        }
        Err(AppError::Conflict { message, .. }) => {
            let errors = FormErrors::new(lang, &[FieldError::new("code", message)], MEMBER_FIELDS);
            Ok(member_page(&viewer, None, &form, &errors).respond(StatusCode::CONFLICT))
        }
        Err(other) => Err(other),
    }
}

async fn update_member(
    state: State,
    viewer: Viewer,
    id: Segment,
    form: Form<MemberForm>,
) -> Answer {
    require_manager(&viewer)?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let current = find_member(&state, &id).await?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let mut checks = Checks::new();
    let joined_on = day_field(&mut checks, "joined_on", &form.joined_on);
    let left_on = day_field(&mut checks, "left_on", &form.left_on);
    let patch = MemberPatch {
        name: Some(form.name.clone().unwrap_or_default()),
        short_name: Some(form.short_name.clone()),
        kind: Some(form.kind.clone().unwrap_or_default()),
        uses_hotline: Some(form.uses_hotline.is_some()),
        joined_on: Some(joined_on),
        left_on: Some(left_on),
    };
    let shown = current.clone();
    let outcome = state
        .run(move |conn| crate::desk::members::update(conn, &current, &patch, checks))
        .await;
    match outcome {
        Ok(member) => Ok(see_other(&format!(
            "/console/members/{}?saved=1",
            member.id
        ))),
        Err(AppError::Validation(errors)) => {
            let errors = FormErrors::new(lang, &errors, MEMBER_FIELDS);
            let form = MemberForm {
                code: Some(shown.record.code.clone()),
                ..form
            };
            Ok(member_page(&viewer, Some(&shown), &form, &errors)
                .respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(other) => Err(other),
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts

/// Who acts, from where, for the audit log.
fn source(viewer: &Viewer, req: &HttpRequest) -> AuditSource {
    AuditSource {
        actor_id: Some(viewer.actor.id),
        ip: crate::api::audit::client_ip(req).map(|ip| ip.to_string()),
    }
}

async fn users(state: State, viewer: Viewer) -> Answer {
    require_manager(&viewer)?;
    let lang = viewer.lang;
    let (directory, mut users) = state
        .run(|conn| {
            let filter = crate::db::users::UserFilter::default();
            Ok((
                Directory::load(conn)?,
                crate::db::users::list(conn, &filter, None, 10_000)?,
            ))
        })
        .await?;
    // Staff first, then the agents, each by name.
    users.sort_by_key(|u| (!u.record.role.is_staff(), u.record.name.to_lowercase()));
    let body = html! {
        div.queue-head {
            h1 { (lang.t("Administration", "Administration")) }
            a.button.primary href="/console/users/new" { (lang.t("Nouveau compte", "New account")) }
        }
        (admin_tabs(lang, "/console/users"))
        div.scroll {
            table.data {
                thead {
                    tr {
                        th scope="col" { (lang.t("Nom", "Name")) }
                        th scope="col" { (lang.t("E-mail", "E-mail")) }
                        th scope="col" { (lang.t("Rôle", "Role")) }
                        th scope="col" { (lang.t("Adhérent", "Member")) }
                        th scope="col" { (lang.t("État", "State")) }
                    }
                }
                tbody {
                    @for u in &users {
                        tr {
                            td { a href=(format!("/console/users/{}", u.id)) { (u.record.name) } }
                            td { (u.record.email) }
                            td { (format::role(lang, u.record.role)) }
                            td { (u.record.member_id.and_then(|m| directory.member(m)).map(|m| m.record.code.clone()).unwrap_or_default()) }
                            td { (if u.record.disabled { lang.t("désactivé", "disabled") } else { lang.t("actif", "active") }) }
                        }
                    }
                }
            }
        }
    };
    Ok(Page {
        title: lang.t("Comptes", "Accounts").to_string(),
        viewer: Some(&viewer),
        lang,
        section: Section::Admin,
        body,
    }
    .ok())
}

/// The account form as sent.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct UserForm {
    csrf: Option<String>,
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
    member_id: Option<String>,
    password: Option<String>,
    disabled: Option<String>,
}

impl UserForm {
    fn of(user: &User) -> UserForm {
        let u = &user.record;
        UserForm {
            email: Some(u.email.clone()),
            name: Some(u.name.clone()),
            role: Some(u.role.as_str().to_string()),
            member_id: u.member_id.map(|m| m.to_string()),
            disabled: u.disabled.then(|| "on".to_string()),
            ..UserForm::default()
        }
    }

    /// The member chosen: none, or an id.
    fn member(&self, checks: &mut Checks) -> Option<i64> {
        let raw = filled(&self.member_id)?;
        checks.take(
            raw.parse::<i64>()
                .map_err(|_| FieldError::new("member_id", "must be a positive integer id")),
        )
    }
}

const USER_FIELDS: &[&str] = &["email", "name", "role", "member_id", "password"];

async fn new_user(state: State, viewer: Viewer) -> Answer {
    require_manager(&viewer)?;
    let directory = state.run(Directory::load).await?;
    let form = UserForm {
        role: Some(Role::Agent.as_str().into()),
        ..UserForm::default()
    };
    Ok(user_page(&viewer, None, &form, &directory, &FormErrors::default()).ok())
}

async fn find_user(state: &State, id: &Segment) -> Result<User, AppError> {
    let id = path_id(id, "user")?;
    state
        .run(move |conn| Ok(crate::db::users::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::not_found(format!("user {id}")))
}

async fn edit_user(
    state: State,
    viewer: Viewer,
    id: Segment,
    query: web::Query<SavedQuery>,
) -> Answer {
    require_manager(&viewer)?;
    let user = find_user(&state, &id).await?;
    let directory = state.run(Directory::load).await?;
    let mut page = user_page(
        &viewer,
        Some(&user),
        &UserForm::of(&user),
        &directory,
        &FormErrors::default(),
    );
    if query.saved.is_some() {
        saved_notice(&mut page, viewer.lang.t("Enregistré.", "Saved."));
    }
    Ok(page.ok())
}

fn user_page<'a>(
    viewer: &'a Viewer,
    user: Option<&User>,
    form: &UserForm,
    directory: &Directory,
    errors: &FormErrors,
) -> Page<'a> {
    let lang = viewer.lang;
    let error = |field: &str| errors.get(field);
    let (email_help, email_invalid) = described("email", error("email"));
    let (name_help, name_invalid) = described("name", error("name"));
    let (role_help, role_invalid) = described("role", error("role"));
    let (member_help, member_invalid) = described("member_id", error("member_id"));
    let (password_help, password_invalid) = described("password", error("password"));
    let action = user.map_or_else(
        || "/console/users".to_string(),
        |u| format!("/console/users/{}", u.id),
    );
    let title = match user {
        Some(u) => u.record.name.clone(),
        None => lang.t("Nouveau compte", "New account").to_string(),
    };
    // The roles this viewer may give; an account's own role is shown even if it may not.
    let current_role = user.map(|u| u.record.role);
    let roles: Vec<Role> = Role::ALL
        .iter()
        .copied()
        .filter(|r| viewer.actor.role.manages_accounts_of(*r) || Some(*r) == current_role)
        .collect();
    let chosen_member = filled(&form.member_id);
    let body = html! {
        p { a href="/console/users" { (lang.t("← Comptes", "← Accounts")) } }
        h1 { (title) }
        @if !errors.general.is_empty() {
            div.form-error role="alert" { @for e in &errors.general { p { (e) } } }
        }
        form.panel #user-form method="post" action=(action) novalidate autocomplete="off" {
            (csrf_field(viewer))
            div.row {
                div.field {
                    label for="email" { (lang.t("E-mail", "E-mail")) }
                    @if user.is_some() {
                        input #email type="email" value=[filled(&form.email)] readonly;
                    } @else {
                        input #email name="email" type="email" required autofocus
                            value=[filled(&form.email)] aria-describedby=[email_help] aria-invalid=[email_invalid];
                    }
                    (field_error("email", error("email")))
                }
                div.field {
                    label for="name" { (lang.t("Nom", "Name")) }
                    input #name name="name" type="text" maxlength="200" required
                        value=[filled(&form.name)] aria-describedby=[name_help] aria-invalid=[name_invalid];
                    (field_error("name", error("name")))
                }
            }
            div.row {
                div.field {
                    label for="role" { (lang.t("Rôle", "Role")) }
                    select #role name="role" aria-describedby=[role_help] aria-invalid=[role_invalid] {
                        @for role in &roles {
                            option value=(role.as_str()) selected[filled(&form.role) == Some(role.as_str())] { (format::role(lang, *role)) }
                        }
                    }
                    (field_error("role", error("role")))
                }
                div.field {
                    label for="member_id" { (lang.t("Adhérent (pour un agent)", "Member (for an agent)")) }
                    select #member_id name="member_id" aria-describedby=[member_help] aria-invalid=[member_invalid] {
                        option value="" { (lang.t("Aucun", "None")) }
                        @for m in &directory.members {
                            option value=(m.id) selected[chosen_member == Some(m.id.to_string().as_str())] { (m.record.code) " · " (m.record.name) }
                        }
                    }
                    (field_error("member_id", error("member_id")))
                }
                div.field {
                    label for="password" {
                        @if user.is_some() { (lang.t("Nouveau mot de passe (laisser vide pour le garder)", "New password (leave empty to keep it)")) }
                        @else { (lang.t("Mot de passe (8 caractères au moins)", "Password (at least 8 characters)")) }
                    }
                    input #password name="password" type="password" autocomplete="new-password"
                        aria-describedby=[password_help] aria-invalid=[password_invalid];
                    (field_error("password", error("password")))
                }
            }
            @if user.is_some() {
                div.field.check {
                    input #disabled name="disabled" type="checkbox" checked[form.disabled.is_some()];
                    label for="disabled" { (lang.t("Compte désactivé (ne peut plus se connecter)", "Account disabled (can no longer log in)")) }
                }
            }
            div.field.actions {
                button.primary type="submit" { (lang.t("Enregistrer", "Save")) }
                a href="/console/users" { (lang.t("Annuler", "Cancel")) }
            }
        }
    };
    Page {
        title: lang.t("Compte", "Account").to_string(),
        viewer: Some(viewer),
        lang,
        section: Section::Admin,
        body,
    }
}

async fn create_user(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    form: Form<UserForm>,
) -> Answer {
    require_manager(&viewer)?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let mut checks = Checks::new();
    let member_id = form.member(&mut checks);
    let input = AccountInput {
        email: form.email.clone().unwrap_or_default(),
        name: form.name.clone().unwrap_or_default(),
        role: form.role.clone().unwrap_or_default(),
        member_id,
        password: form.password.clone().unwrap_or_default(),
    };
    let source = source(&viewer, &req);
    let cache = state.user_cache.clone();
    let actor = viewer.actor;
    let outcome = match checks.finish() {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(()) => {
            state
                .run(move |conn| {
                    crate::desk::accounts::create(conn, &actor, &input, &source, &cache)
                })
                .await
        }
    };
    let again = |errors: FormErrors, status: StatusCode| async move {
        let directory = state.run(Directory::load).await?;
        let form = UserForm {
            password: None,
            ..form
        };
        Ok(user_page(&viewer, None, &form, &directory, &errors).respond(status))
    };
    match outcome {
        Ok(user) => Ok(see_other(&format!("/console/users/{}?saved=1", user.id))),
        Err(AppError::Validation(errors)) => {
            again(
                FormErrors::new(lang, &errors, USER_FIELDS),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Conflict { message, .. }) => {
            let errors = [FieldError::new("email", message)];
            again(
                FormErrors::new(lang, &errors, USER_FIELDS),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other),
    }
}

async fn update_user(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    id: Segment,
    form: Form<UserForm>,
) -> Answer {
    require_manager(&viewer)?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let current = find_user(&state, &id).await?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let mut checks = Checks::new();
    let member_id = form.member(&mut checks);
    let patch = AccountPatch {
        name: Some(form.name.clone().unwrap_or_default()),
        role: Some(form.role.clone().unwrap_or_default()),
        member_id: Some(member_id),
        disabled: Some(form.disabled.is_some()),
        password: filled(&form.password).map(str::to_string),
    };
    let source = source(&viewer, &req);
    let cache = state.user_cache.clone();
    let actor = viewer.actor;
    let shown = current.clone();
    let outcome = state
        .run(move |conn| {
            crate::desk::accounts::update(conn, &actor, &current, &patch, checks, &source, &cache)
        })
        .await;
    match outcome {
        Ok(user) => Ok(see_other(&format!("/console/users/{}?saved=1", user.id))),
        Err(AppError::Validation(errors)) => {
            let directory = state.run(Directory::load).await?;
            let form = UserForm {
                email: Some(shown.record.email.clone()),
                password: None,
                ..form
            };
            let errors = FormErrors::new(lang, &errors, USER_FIELDS);
            Ok(user_page(&viewer, Some(&shown), &form, &directory, &errors)
                .respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(other) => Err(other),
    }
}

// ---------------------------------------------------------------------------------------------
// Categories

/// The category form as sent.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct CategoryForm {
    csrf: Option<String>,
    name: Option<String>,
    parent_id: Option<String>,
}

async fn categories(state: State, viewer: Viewer, query: web::Query<SavedQuery>) -> Answer {
    require_manager(&viewer)?;
    let directory = state.run(Directory::load).await?;
    let mut page = categories_page(
        &viewer,
        &directory,
        &CategoryForm::default(),
        &FormErrors::default(),
    );
    if query.saved.is_some() {
        saved_notice(
            &mut page,
            viewer.lang.t("Catégorie ajoutée.", "Category added."),
        );
    }
    Ok(page.ok())
}

fn categories_page<'a>(
    viewer: &'a Viewer,
    directory: &Directory,
    form: &CategoryForm,
    errors: &FormErrors,
) -> Page<'a> {
    let lang = viewer.lang;
    let error = |field: &str| errors.get(field);
    let (name_help, name_invalid) = described("name", error("name"));
    let (parent_help, parent_invalid) = described("parent_id", error("parent_id"));
    let tops: Vec<_> = directory
        .categories
        .iter()
        .filter(|c| c.parent_id.is_none())
        .collect();
    let offered_tops: Vec<_> = tops.iter().filter(|c| c.retired_at.is_none()).collect();
    let body = html! {
        h1 { (lang.t("Administration", "Administration")) }
        (admin_tabs(lang, "/console/categories"))
        div.day {
            section aria-labelledby="tree-title" {
                h2 #tree-title { (lang.t("L'arbre des catégories", "The category tree")) }
                @if tops.is_empty() {
                    p.empty { (lang.t("Aucune catégorie.", "No category yet.")) }
                }
                ul.tree {
                    @for top in &tops {
                        li {
                            strong { a href=(format!("/console/categories/{}", top.id)) { (top.name) } }
                            @if top.retired_at.is_some() { " " span.paused { (lang.t("(retirée)", "(retired)")) } }
                            @let children: Vec<_> = directory.categories.iter().filter(|c| c.parent_id == Some(top.id)).collect();
                            @if !children.is_empty() {
                                ul {
                                    @for child in children {
                                        li {
                                            a href=(format!("/console/categories/{}", child.id)) { (child.name) }
                                            @if child.retired_at.is_some() { " " span.paused { (lang.t("(retirée)", "(retired)")) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="add-title" {
                h2 #add-title { (lang.t("Ajouter une catégorie", "Add a category")) }
                @if !errors.general.is_empty() {
                    div.form-error role="alert" { @for e in &errors.general { p { (e) } } }
                }
                form #category-form method="post" action="/console/categories" novalidate {
                    (csrf_field(viewer))
                    div.field {
                        label for="name" { (lang.t("Nom", "Name")) }
                        input #name name="name" type="text" maxlength="100" required
                            value=[filled(&form.name)] aria-describedby=[name_help] aria-invalid=[name_invalid];
                        (field_error("name", error("name")))
                    }
                    div.field {
                        label for="parent_id" { (lang.t("Sous la catégorie", "Under the category")) }
                        select #parent_id name="parent_id" aria-describedby=[parent_help] aria-invalid=[parent_invalid] {
                            option value="" { (lang.t("Aucune (premier niveau)", "None (top level)")) }
                            @for top in &offered_tops {
                                option value=(top.id) selected[filled(&form.parent_id) == Some(top.id.to_string().as_str())] { (top.name) }
                            }
                        }
                        (field_error("parent_id", error("parent_id")))
                    }
                    button.primary type="submit" { (lang.t("Ajouter", "Add")) }
                }
            }
        }
    };
    Page {
        title: lang.t("Catégories", "Categories").to_string(),
        viewer: Some(viewer),
        lang,
        section: Section::Admin,
        body,
    }
}

async fn create_category(state: State, viewer: Viewer, form: Form<CategoryForm>) -> Answer {
    require_manager(&viewer)?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let mut checks = Checks::new();
    let parent_id = filled(&form.parent_id).and_then(|raw| {
        checks.take(
            raw.parse::<i64>()
                .map_err(|_| FieldError::new("parent_id", "must be a positive integer id")),
        )
    });
    let name = form.name.clone().unwrap_or_default();
    let outcome = match checks.finish() {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(()) => {
            state
                .run(move |conn| crate::desk::categories::create(conn, &name, parent_id))
                .await
        }
    };
    let (errors, status) = match outcome {
        Ok(_) => return Ok(see_other("/console/categories?saved=1")),
        Err(AppError::Validation(errors)) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(AppError::Conflict { message, .. }) => {
            (vec![FieldError::new("name", message)], StatusCode::CONFLICT)
        }
        Err(other) => return Err(other),
    };
    let directory = state.run(Directory::load).await?;
    let errors = FormErrors::new(lang, &errors, &["name", "parent_id"]);
    Ok(categories_page(&viewer, &directory, &form, &errors).respond(status))
}

/// The form of one category as sent.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct CategoryEditForm {
    csrf: Option<String>,
    name: Option<String>,
    parent_id: Option<String>,
    retired: Option<String>,
}

async fn find_category(
    state: &State,
    id: &Segment,
) -> Result<(crate::db::categories::Category, Directory), AppError> {
    let id = path_id(id, "category")?;
    let directory = state.run(Directory::load).await?;
    let category = directory
        .category(id)
        .cloned()
        .ok_or_else(|| AppError::not_found(format!("category {id}")))?;
    Ok((category, directory))
}

async fn edit_category(
    state: State,
    viewer: Viewer,
    id: Segment,
    query: web::Query<SavedQuery>,
) -> Answer {
    require_manager(&viewer)?;
    let (category, directory) = find_category(&state, &id).await?;
    let form = CategoryEditForm {
        csrf: None,
        name: Some(category.name.clone()),
        parent_id: category.parent_id.map(|p| p.to_string()),
        retired: category.retired_at.map(|_| "on".to_string()),
    };
    let mut page = category_page(
        &viewer,
        &category,
        &directory,
        &form,
        &FormErrors::default(),
    );
    if query.saved.is_some() {
        saved_notice(&mut page, viewer.lang.t("Enregistré.", "Saved."));
    }
    Ok(page.ok())
}

fn category_page<'a>(
    viewer: &'a Viewer,
    category: &crate::db::categories::Category,
    directory: &Directory,
    form: &CategoryEditForm,
    errors: &FormErrors,
) -> Page<'a> {
    let lang = viewer.lang;
    let error = |field: &str| errors.get(field);
    let (name_help, name_invalid) = described("name", error("name"));
    let (parent_help, parent_invalid) = described("parent_id", error("parent_id"));
    let has_children = directory
        .categories
        .iter()
        .any(|c| c.parent_id == Some(category.id));
    let body = html! {
        p { a href="/console/categories" { (lang.t("← Catégories", "← Categories")) } }
        h1 { (directory.category_path(category.id)) }
        @if !errors.general.is_empty() {
            div.form-error role="alert" { @for e in &errors.general { p { (e) } } }
        }
        form.panel #category-edit method="post" action=(format!("/console/categories/{}", category.id)) novalidate {
            (csrf_field(viewer))
            div.row {
                div.field {
                    label for="name" { (lang.t("Nom", "Name")) }
                    input #name name="name" type="text" maxlength="100" required
                        value=[filled(&form.name)] aria-describedby=[name_help] aria-invalid=[name_invalid];
                    (field_error("name", error("name")))
                }
                div.field {
                    label for="parent_id" { (lang.t("Sous la catégorie", "Under the category")) }
                    select #parent_id name="parent_id" aria-describedby=[parent_help] aria-invalid=[parent_invalid] {
                        option value="" { (lang.t("Aucune (premier niveau)", "None (top level)")) }
                        @if !has_children {
                            @for top in directory.categories.iter().filter(|c| c.parent_id.is_none() && c.id != category.id && (c.retired_at.is_none() || Some(c.id) == category.parent_id)) {
                                option value=(top.id) selected[filled(&form.parent_id) == Some(top.id.to_string().as_str())] { (top.name) }
                            }
                        }
                    }
                    @if has_children {
                        p.paused { (lang.t("Elle a des sous-catégories : elle reste au premier niveau.", "It has sub-categories: it stays at the top level.")) }
                    }
                    (field_error("parent_id", error("parent_id")))
                }
            }
            div.field.check {
                input #retired name="retired" type="checkbox" checked[form.retired.is_some()];
                label for="retired" {
                    (lang.t("Retirée : plus proposée pour les nouveaux tickets et temps passés (ceux qui l'ont la gardent)",
                            "Retired: no longer offered for new tickets and work logs (those classed in it keep it)"))
                }
            }
            div.field.actions {
                button.primary type="submit" { (lang.t("Enregistrer", "Save")) }
                a href="/console/categories" { (lang.t("Annuler", "Cancel")) }
            }
        }
    };
    Page {
        title: lang.t("Catégorie", "Category").to_string(),
        viewer: Some(viewer),
        lang,
        section: Section::Admin,
        body,
    }
}

async fn update_category(
    state: State,
    viewer: Viewer,
    id: Segment,
    form: Form<CategoryEditForm>,
) -> Answer {
    require_manager(&viewer)?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let (category, _) = find_category(&state, &id).await?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let mut checks = Checks::new();
    let parent_id = filled(&form.parent_id).and_then(|raw| {
        checks.take(
            raw.parse::<i64>()
                .map_err(|_| FieldError::new("parent_id", "must be a positive integer id")),
        )
    });
    let patch = crate::desk::categories::CategoryPatch {
        name: Some(form.name.clone().unwrap_or_default()),
        parent_id: Some(parent_id),
        retired: Some(form.retired.is_some()),
    };
    let category_id = category.id;
    let outcome = match checks.finish() {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(()) => {
            state
                .run(move |conn| crate::desk::categories::update(conn, category_id, &patch))
                .await
        }
    };
    let (errors, status) = match outcome {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/console/categories/{category_id}?saved=1"
            )))
        }
        Err(AppError::Validation(errors)) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(AppError::Conflict { message, .. }) => {
            (vec![FieldError::new("name", message)], StatusCode::CONFLICT)
        }
        Err(other) => return Err(other),
    };
    let directory = state.run(Directory::load).await?;
    let errors = FormErrors::new(lang, &errors, &["name", "parent_id"]);
    Ok(category_page(&viewer, &category, &directory, &form, &errors).respond(status))
}
