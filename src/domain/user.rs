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
