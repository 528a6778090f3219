//! Accounts: adding one and changing one, with who may do what to whom (only an admin touches
//! an admin; a manager, the roles below their own), both fronts alike.

use crate::auth::cache::UserCache;
use crate::auth::password;
use crate::db::audit::AuditSource;
use crate::db::users::{NewUser, User, UserChanges};
use crate::db::{self, DbConn};
use crate::domain::user::{
    account_change_refused, check_member_for_role, parse_password, Actor, Role,
};
use crate::domain::{text, Checks, FieldError};
use crate::error::AppError;

const NAME_MAX_CHARS: usize = 200;

/// An account to add, as sent.
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    pub email: String,
    pub name: String,
    pub role: String,
    /// Required for agents, absent for staff.
    pub member_id: Option<i64>,
    pub password: String,
}

/// What changes of an account: `None` leaves a field as it is; `member_id: Some(None)` takes
/// the account off its member.
#[derive(Debug, Clone, Default)]
pub struct AccountPatch {
    pub name: Option<String>,
    pub role: Option<String>,
    pub member_id: Option<Option<i64>>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
}

/// The member must exist for an agent to belong to it.
fn check_member_exists(conn: &mut DbConn, member_id: Option<i64>) -> Result<(), AppError> {
    if let Some(id) = member_id {
        if db::members::find(conn, id)?.is_none() {
            return Err(AppError::validation(
                "member_id",
                format!("member {id} does not exist"),
            ));
        }
    }
    Ok(())
}

/// Adds an account; 403 for one the actor may not manage, 422 naming each invalid field, 409
/// when the e-mail is taken. Written with its audit entry.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: &AccountInput,
    source: &AuditSource,
    cache: &UserCache,
) -> Result<User, AppError> {
    let mut checks = Checks::new();
    let email = checks.take(text::email("email", &input.email));
    let name = checks.take(text::required("name", &input.name, NAME_MAX_CHARS));
    let role = checks.take(Role::parse(&input.role));
    let password = checks.take(parse_password(&input.password));
    if let Some(role) = role {
        checks.take(check_member_for_role(role, input.member_id));
        if !actor.role.manages_accounts_of(role) {
            return Err(AppError::forbidden(if role == Role::Admin {
                "only an admin may create an admin"
            } else {
                "a manager may create only accounts of roles below their own"
            }));
        }
    }
    checks.finish()?;
    let (Some(email), Some(name), Some(role), Some(password)) = (email, name, role, password)
    else {
        unreachable!("checks passed");
    };
    check_member_exists(conn, input.member_id)?;
    let at = crate::domain::time::now();
    let new = NewUser {
        email: email.clone(),
        name,
        role,
        member_id: input.member_id,
        password_hash: password::hash(&password),
        disabled: false,
        created_at: at,
        updated_at: at,
    };
    let created = db::audit::create_user(conn, &new, source)?;
    // Its id may be remembered as no one's (SQLite can give a deleted user's id again).
    if let Some(created) = &created {
        cache.forget(created.id);
    }
    created.ok_or_else(|| AppError::Conflict {
        code: "duplicate",
        message: format!("a user with e-mail {email} already exists"),
    })
}

/// Changes an account as it is now (`current`): 403 for a change the actor may not make, 422
/// naming each invalid field with those the front found already in `checks`, and nothing
/// written then. Written with its audit entry.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    current: &User,
    patch: &AccountPatch,
    mut checks: Checks,
    source: &AuditSource,
    cache: &UserCache,
) -> Result<User, AppError> {
    let id = current.id;
    let name = patch
        .name
        .as_deref()
        .and_then(|n| checks.take(text::required("name", n, NAME_MAX_CHARS)));
    let role = patch
        .role
        .as_deref()
        .and_then(|r| checks.take(Role::parse(r)));
    let password = patch
        .password
        .as_deref()
        .and_then(|p| checks.take(parse_password(p)));
    let current_role = current.record.role;
    let final_role = role.unwrap_or(current_role);
    let final_member = patch.member_id.unwrap_or(current.record.member_id);
    checks.take(check_member_for_role(final_role, final_member));
    if id == actor.id && (patch.disabled == Some(true) || final_role != current_role) {
        checks.push(FieldError::new(
            "role",
            "you cannot disable yourself or change your own role",
        ));
    }
    if let Some(why) = account_change_refused(actor, id, current_role, role) {
        return Err(AppError::forbidden(why));
    }
    checks.finish()?;
    if patch.member_id.is_some() {
        check_member_exists(conn, final_member)?;
    }
    let changes = UserChanges {
        email: None,
        name,
        role,
        member_id: patch.member_id,
        password_hash: password.map(|p| password::hash(&p)),
        disabled: patch.disabled,
        updated_at: Some(crate::domain::time::now()),
    };
    let updated = db::audit::update_user(conn, id, &changes, source);
    // Forgotten here, as the change commits, so that the user's next request sees it even if
    // this one's caller has gone away.
    cache.forget(id);
    updated?.ok_or_else(|| AppError::not_found(format!("user {id}")))
}
