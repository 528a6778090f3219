//! Users and what their role lets them do.

use super::{text_enum, FieldError};

text_enum!(
    /// A user's role, from the least to the most powerful.
    Role, "role" {
        Agent => "agent",
        Hotline => "hotline",
        Technician => "technician",
        Manager => "manager",
        Admin => "admin",
    }
);

impl Role {
    /// Hotline, technicians, managers and admins: everyone of the cooperative's own staff.
    pub fn is_staff(self) -> bool {
        self != Role::Agent
    }

    /// Members, users and categories are managed by managers and admins.
    pub fn manages_directory(self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }

    pub fn reads_statistics(self) -> bool {
        self.is_staff()
    }

    pub fn logs_work(self) -> bool {
        self.is_staff()
    }

    /// Whether someone of this role may create an account of `role`, or change one that has
    /// it: an admin any account, a manager those of roles below their own; nobody else.
    pub fn manages_accounts_of(self, role: Role) -> bool {
        match self {
            Role::Admin => true,
            Role::Manager => role < Role::Manager,
            _ => false,
        }
    }
}

/// Why `actor` may not make this change to the account `target_id` of role `target_role`
/// (`new_role` being the role asked for, if any): only an admin touches an admin's account,
/// a manager changes the accounts of roles below their own and their own name and password,
/// and nobody gives a role above what they may manage.
pub fn account_change_refused(
    actor: &Actor,
    target_id: i64,
    target_role: Role,
    new_role: Option<Role>,
) -> Option<&'static str> {
    let own = actor.id == target_id;
    if target_role == Role::Admin && actor.role != Role::Admin {
        return Some("only an admin may change an admin's account");
    }
    if !own && !actor.role.manages_accounts_of(target_role) {
        return Some("a manager changes only the accounts of roles below their own");
    }
    if new_role.is_some_and(|role| role != target_role && !actor.role.manages_accounts_of(role)) {
        return Some("a manager may give only roles below their own");
    }
    None
}

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A password as chosen by a person; only its length is checked.
pub fn parse_password(value: &str) -> Result<String, FieldError> {
    let count = value.chars().count();
    if count < MIN_PASSWORD_CHARS {
        Err(FieldError::new(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ))
    } else if count > MAX_PASSWORD_CHARS {
        Err(FieldError::new(
            "password",
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        ))
    } else {
        Ok(value.to_string())
    }
}

/// Agents belong to a member; staff belong to none.
pub fn check_member_for_role(role: Role, member_id: Option<i64>) -> Result<(), FieldError> {
    match (role, member_id) {
        (Role::Agent, None) => Err(FieldError::new("member_id", "is required for an agent")),
        (Role::Agent, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(FieldError::new(
            "member_id",
            "must be null for staff (only agents belong to a member)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_need_a_member_and_staff_have_none() {
        assert!(check_member_for_role(Role::Agent, None).is_err());
        assert!(check_member_for_role(Role::Agent, Some(1)).is_ok());
        assert!(check_member_for_role(Role::Technician, None).is_ok());
        assert!(check_member_for_role(Role::Manager, Some(1)).is_err());
    }

    #[test]
    fn passwords_have_a_minimum_length() {
        assert!(parse_password("short").is_err());
        assert!(parse_password("long enough").is_ok());
    }

    #[test]
    fn only_an_admin_changes_an_admin_and_a_manager_changes_roles_below_their_own() {
        let manager = Actor {
            id: 1,
            role: Role::Manager,
            member_id: None,
        };
        let admin = Actor {
            id: 2,
            role: Role::Admin,
            member_id: None,
        };
        assert!(account_change_refused(&manager, 9, Role::Admin, None).is_some());
        assert!(account_change_refused(&manager, 9, Role::Manager, None).is_some());
        assert!(account_change_refused(&manager, 9, Role::Technician, Some(Role::Admin)).is_some());
        assert!(
            account_change_refused(&manager, 9, Role::Technician, Some(Role::Manager)).is_some()
        );
        assert!(
            account_change_refused(&manager, 9, Role::Hotline, Some(Role::Technician)).is_none()
        );
        // Their own name and password.
        assert!(account_change_refused(&manager, 1, Role::Manager, None).is_none());
        assert!(account_change_refused(&admin, 9, Role::Admin, Some(Role::Agent)).is_none());
    }

    #[test]
    fn only_staff_read_statistics() {
        assert!(!Role::Agent.reads_statistics());
        assert!(Role::ALL.iter().filter(|r| r.reads_statistics()).count() == 4);
    }
}

/// Who is acting: the authenticated user, as the rules need them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: i64,
    pub role: Role,
    pub member_id: Option<i64>,
}

impl Actor {
    /// The one member whose records this actor may see, or `None` for staff, who see all.
    pub fn member_scope(&self) -> Option<i64> {
        if self.role.is_staff() {
            None
        } else {
            // An agent always has a member; one without would see nothing.
            Some(self.member_id.unwrap_or(-1))
        }
    }
}
