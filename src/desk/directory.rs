//! The names the fronts show beside ids: members, categories, staff and the callers the
//! hotline knows. Small tables, read whole.

use crate::db::categories::{self, Category};
use crate::db::members::{self, Member};
use crate::db::users::{self, User};
use crate::db::DbConn;
use crate::domain::user::Role;
use crate::error::AppError;

/// A caller the hotline knows: an enabled agent of a member.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub member_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// By code.
    pub members: Vec<Member>,
    /// Parents first, each followed by its children, by name.
    pub categories: Vec<Category>,
    /// Every member of staff, by name.
    pub staff: Vec<User>,
}

impl Directory {
    pub fn load(conn: &mut DbConn) -> Result<Directory, AppError> {
        let mut members = members::all(conn)?;
        members.sort_by(|a, b| a.code.cmp(&b.code));
        let mut staff = users::all_staff(conn)?;
        staff.sort_by_key(|u| u.name.to_lowercase());
        Ok(Directory {
            members,
            categories: tree_order(categories::all(conn)?),
            staff,
        })
    }

    pub fn member(&self, id: i64) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    /// A member named by its id, its code or its name whatever the case, or by a part of its
    /// code or name that no other member has.
    pub fn find_member(&self, given: &str) -> Option<&Member> {
        let given = given.trim();
        if let Ok(id) = given.parse::<i64>() {
            return self.member(id);
        }
        let lower = given.to_lowercase();
        if lower.is_empty() {
            return None;
        }
        let exact = self
            .members
            .iter()
            .find(|m| m.code.to_lowercase() == lower || m.name.to_lowercase() == lower);
        if exact.is_some() {
            return exact;
        }
        let mut partial = self.members.iter().filter(|m| {
            m.code.to_lowercase().contains(&lower) || m.name.to_lowercase().contains(&lower)
        });
        match (partial.next(), partial.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    /// The categories offered for something new: those not retired, in tree order.
    pub fn offered_categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(|c| c.retired_at.is_none())
    }

    pub fn category(&self, id: i64) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// `Parent › Child`, or the name of a top category.
    pub fn category_path(&self, id: i64) -> String {
        match self.category(id) {
            None => format!("#{id}"),
            Some(c) => match c.parent_id.and_then(|p| self.category(p)) {
                Some(parent) => format!("{} › {}", parent.name, c.name),
                None => c.name.clone(),
            },
        }
    }

    pub fn staff_name(&self, id: i64) -> Option<&str> {
        self.staff
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.as_str())
    }

    /// The staff tickets may be assigned to: enabled, not agents.
    pub fn assignable(&self) -> impl Iterator<Item = &User> {
        self.staff
            .iter()
            .filter(|u| !u.disabled && u.role != Role::Agent)
    }

    /// Staff who log work.
    pub fn technicians(&self) -> impl Iterator<Item = &User> {
        self.staff
            .iter()
            .filter(|u| !u.disabled && u.role == Role::Technician)
    }
}

fn tree_order(all: Vec<Category>) -> Vec<Category> {
    let mut parents: Vec<&Category> = all.iter().filter(|c| c.parent_id.is_none()).collect();
    parents.sort_by(|a, b| a.name.cmp(&b.name));
    let mut ordered = Vec::with_capacity(all.len());
    for parent in parents {
        ordered.push(parent.clone());
        let mut children: Vec<&Category> = all
            .iter()
            .filter(|c| c.parent_id == Some(parent.id))
            .collect();
        children.sort_by(|a, b| a.name.cmp(&b.name));
        ordered.extend(children.into_iter().cloned());
    }
    ordered
}

/// The callers the hotline knows, by name.
pub fn callers(conn: &mut DbConn) -> Result<Vec<Caller>, AppError> {
    Ok(users::known_callers(conn)?
        .into_iter()
        .map(|(id, name, email, member_id)| Caller {
            id,
            name,
            email,
            member_id,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::members::NewMember;
    use crate::domain::member::MemberKind;

    fn member(id: i64, code: &str, name: &str) -> Member {
        let at = chrono::DateTime::UNIX_EPOCH.naive_utc();
        Member {
            id,
            record: NewMember {
                code: code.into(),
                name: name.into(),
                short_name: None,
                kind: MemberKind::City,
                uses_hotline: true,
                joined_on: None,
                left_on: None,
                created_at: at,
                updated_at: at,
            },
        }
    }

    #[test]
    fn a_member_is_found_by_id_code_name_or_a_part_no_other_member_has() {
        let directory = Directory {
            members: vec![
                member(1, "OPH-VILLEJUIF", "OPH de Villejuif"),
                member(2, "ECOLE-VILLEJUIF", "Caisse des écoles de Villejuif"),
                member(3, "GENTILLY", "Gentilly"),
            ],
            ..Directory::default()
        };
        let found = |text: &str| directory.find_member(text).map(|m| m.id);
        assert_eq!(found("3"), Some(3));
        assert_eq!(found("gentilly"), Some(3));
        assert_eq!(found("oph de villejuif"), Some(1));
        assert_eq!(found("écoles"), Some(2));
        assert_eq!(found("villejuif"), None, "two members answer");
        assert_eq!(found("nowhere"), None);
        assert_eq!(found("  "), None);
    }
}
