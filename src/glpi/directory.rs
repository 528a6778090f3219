//! GLPI's entities, categories and people as the service's members, categories and accounts.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::db::categories::{self, NewCategory};
use crate::db::users::{self, NewUser};
use crate::db::{members, DbConn};
use crate::desk::members::MemberInput;
use crate::domain::member::MemberKind;
use crate::domain::text;
use crate::domain::time::now;
use crate::domain::user::Role;
use crate::error::AppError;

use super::mapping::{self, Category, CategoryPlace, EntityTree, Owner};
use super::source::User;

/// The profiles that make a GLPI user one of the cooperative's staff.
const STAFF_PROFILES: [&str; 6] = [
    "hotliner",
    "technician",
    "supervisor",
    "technicien",
    "superviseur",
    "hotline",
];
const CATEGORY_NAME_MAX_CHARS: usize = 100;

/// Which member each entity's tickets count for: by the member's code.
#[derive(Debug, Clone)]
pub struct MemberCodes {
    pub by_owner: BTreeMap<Owner, String>,
    /// Names of the members to create when missing, by code.
    pub names: BTreeMap<String, (String, MemberKind)>,
    pub internal: String,
}

/// The members' codes: an entity's tag, or a slug of its name, made unique; the internal
/// member's from the mapping, or else from the members' parent entity.
pub fn member_codes(tree: &EntityTree, internal: Option<&str>) -> MemberCodes {
    let mut by_owner = BTreeMap::new();
    let mut names = BTreeMap::new();
    let mut taken = HashSet::new();
    let anchor = tree.get(tree.anchor);
    let internal = internal.map(str::to_string).unwrap_or_else(|| {
        anchor.map_or_else(
            || "INTERNE".to_string(),
            |a| mapping::member_code(a.tag.as_deref(), &a.name),
        )
    });
    taken.insert(internal.clone());
    names.insert(
        internal.clone(),
        (
            anchor.map_or_else(|| "Interne".to_string(), |a| a.name.clone()),
            MemberKind::Internal,
        ),
    );
    by_owner.insert(Owner::Internal, internal.clone());
    for entity in tree.members() {
        let mut code = mapping::member_code(entity.tag.as_deref(), &entity.name);
        if taken.contains(&code) {
            let suffix = format!("-{}", entity.id);
            code = code.chars().take(40 - suffix.len()).collect::<String>() + &suffix;
        }
        taken.insert(code.clone());
        names.insert(code.clone(), (entity.name.clone(), kind_of(&entity.name)));
        by_owner.insert(Owner::Member(entity.id), code);
    }
    MemberCodes {
        by_owner,
        names,
        internal,
    }
}

/// A new member's kind from its name (an administrator can change it).
fn kind_of(name: &str) -> MemberKind {
    let lower = name.to_lowercase();
    if lower.starts_with("oph") || lower.contains("habitat") {
        MemberKind::HousingOffice
    } else if lower.starts_with("école") || lower.starts_with("ecole") {
        MemberKind::School
    } else if lower.starts_with("syndicat") || lower.starts_with("sivu") {
        MemberKind::Syndicate
    } else if lower.contains("territoire") || lower.starts_with("ept") {
        MemberKind::Territory
    } else if lower.starts_with("ville") || lower.starts_with("mairie") || !lower.contains(' ') {
        MemberKind::City
    } else {
        MemberKind::PublicBody
    }
}

/// What a GLPI user becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub glpi_id: i64,
    pub name: String,
    /// `None`: they had no usable address.
    pub email: Option<String>,
    pub role: Role,
    /// For an agent, the code of their entity's member.
    pub member: Option<String>,
    pub disabled: bool,
}

/// Each GLPI user as an account: staff for the Hotliner, Technician or Supervisor profiles
/// or anyone assigned to a ticket (hotline for a Hotliner only), the others agents of their
/// entity's member.
pub fn people(
    users: &[User],
    assigned: &HashSet<i64>,
    tree: &EntityTree,
    codes: &MemberCodes,
) -> Vec<Person> {
    users
        .iter()
        .map(|user| {
            let profiles: Vec<String> = user.profiles.iter().map(|p| p.to_lowercase()).collect();
            let staff_profile = profiles
                .iter()
                .any(|p| STAFF_PROFILES.contains(&p.as_str()));
            let role = if staff_profile || assigned.contains(&user.id) {
                let hotliner_only = profiles.iter().any(|p| p == "hotliner" || p == "hotline")
                    && !profiles.iter().any(|p| {
                        matches!(
                            p.as_str(),
                            "technician" | "technicien" | "supervisor" | "superviseur"
                        )
                    });
                if hotliner_only {
                    Role::Hotline
                } else {
                    Role::Technician
                }
            } else {
                Role::Agent
            };
            let member = (role == Role::Agent).then(|| {
                let owner = tree.owner(user.entity).unwrap_or(Owner::Internal);
                codes
                    .by_owner
                    .get(&owner)
                    .cloned()
                    .unwrap_or_else(|| codes.internal.clone())
            });
            let full = format!("{} {}", user.firstname, user.realname);
            let name = match full.trim() {
                "" if user.login.is_empty() => format!("GLPI {}", user.id),
                "" => user.login.clone(),
                name => name.to_string(),
            };
            let email = user
                .emails
                .iter()
                .find_map(|e| text::email("email", e).ok());
            Person {
                glpi_id: user.id,
                name,
                email,
                role,
                member,
                disabled: !user.active || user.deleted,
            }
        })
        .collect()
}

/// The service's ids of what the directory became.
#[derive(Debug, Default, Clone)]
pub struct Ids {
    /// Member code → id.
    pub members: HashMap<String, i64>,
    /// GLPI category → category.
    pub categories: HashMap<i64, i64>,
    /// GLPI user → account.
    pub accounts: HashMap<i64, i64>,
    /// Account → (name, e-mail when it has a real one).
    pub contacts: HashMap<i64, (String, Option<String>)>,
    /// What the run created.
    pub created: Created,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    pub members: usize,
    pub categories: usize,
    pub accounts: usize,
}

/// Makes the members, categories and accounts exist, in one transaction: existing members
/// are found by code and kept, categories and accounts by their GLPI reference (or else a
/// category by its name and place, an account by its e-mail) and brought up to date.
pub fn write(
    conn: &mut DbConn,
    codes: &MemberCodes,
    glpi_categories: &[Category],
    persons: &[Person],
) -> Result<Ids, AppError> {
    crate::db::write(conn, |conn| {
        let mut ids = Ids::default();
        for (code, (name, kind)) in &codes.names {
            let id = match members::find_by_code(conn, code)? {
                Some(member) => member.id,
                None => {
                    let input = MemberInput {
                        code: code.clone(),
                        name: name.chars().take(200).collect(),
                        short_name: None,
                        kind: kind.as_str().to_string(),
                        uses_hotline: Some(*kind != MemberKind::Internal),
                        joined_on: None,
                        left_on: None,
                    };
                    ids.created.members += 1;
                    crate::desk::members::create(conn, &input)?.id
                }
            };
            ids.members.insert(code.clone(), id);
        }
        write_categories(conn, glpi_categories, &mut ids)?;
        write_accounts(conn, persons, &mut ids)?;
        Ok(ids)
    })
}

fn write_categories(conn: &mut DbConn, glpi: &[Category], ids: &mut Ids) -> Result<(), AppError> {
    let places = mapping::category_places(glpi);
    let by_id: HashMap<i64, &Category> = glpi.iter().map(|c| (c.id, c)).collect();
    let top_of = |mut id: i64| {
        for _ in 0..64 {
            match by_id.get(&id) {
                Some(c) if by_id.contains_key(&c.parent) => id = c.parent,
                _ => break,
            }
        }
        id
    };
    let mut known = categories::by_external_ref(conn)?;
    let at = now();
    // Top-level ones first: the others go below them.
    let mut order: Vec<&Category> = glpi.iter().collect();
    order.sort_by_key(|c| (places[&c.id].child.is_some(), c.id));
    for category in order {
        let CategoryPlace { top, child } = &places[&category.id];
        let parent = match child {
            None => None,
            Some(_) => ids.categories.get(&top_of(category.id)).copied(),
        };
        let name: String = child
            .as_deref()
            .unwrap_or(top)
            .chars()
            .take(CATEGORY_NAME_MAX_CHARS)
            .collect();
        let name = if name.trim().is_empty() {
            format!("Catégorie GLPI {}", category.id)
        } else {
            name
        };
        let reference = format!("glpi:category:{}", category.id);
        let id = match known.remove(&reference) {
            Some(existing) => {
                if existing.name != name || existing.parent_id != parent {
                    match categories::find_sibling(conn, &name, parent)? {
                        // Another category already has the name there: this one keeps its own.
                        Some(other) if other.id != existing.id => {}
                        _ => {
                            categories::set_external(conn, existing.id, &name, parent, &reference)?
                        }
                    }
                }
                existing.id
            }
            None => match categories::find_sibling(conn, &name, parent)? {
                Some(existing) => {
                    categories::set_external(conn, existing.id, &name, parent, &reference)?;
                    existing.id
                }
                None => {
                    let new = NewCategory {
                        name: name.clone(),
                        parent_id: parent,
                        created_at: at,
                    };
                    match categories::insert(conn, &new)? {
                        categories::Inserted::Created(created) => {
                            categories::set_external(conn, created.id, &name, parent, &reference)?;
                            ids.created.categories += 1;
                            created.id
                        }
                        _ => {
                            return Err(AppError::internal(format!(
                                "category {name:?} could not be created"
                            )))
                        }
                    }
                }
            },
        };
        ids.categories.insert(category.id, id);
    }
    Ok(())
}

fn write_accounts(conn: &mut DbConn, persons: &[Person], ids: &mut Ids) -> Result<(), AppError> {
    let known = users::external_refs(conn)?;
    let mut emails = users::all_emails(conn)?;
    let known_ids: HashSet<i64> = known.values().copied().collect();
    let at = now();
    for person in persons {
        let reference = format!("glpi:user:{}", person.glpi_id);
        let member_id = person
            .member
            .as_ref()
            .and_then(|code| ids.members.get(code).copied());
        let existing = known.get(&reference).copied().or_else(|| {
            person
                .email
                .as_ref()
                .and_then(|e| emails.get(e).copied())
                .filter(|id| !known_ids.contains(id))
        });
        let (id, email) = match existing {
            Some(id) => {
                let current = users::find(conn, id)?
                    .ok_or_else(|| AppError::internal(format!("account {id} vanished")))?;
                let mut changes = users::UserChanges::default();
                if current.name != person.name {
                    changes.name = Some(person.name.clone());
                }
                if current.disabled != person.disabled {
                    changes.disabled = Some(person.disabled);
                }
                // A new address in GLPI, that nobody here has: theirs from now on.
                if let Some(email) = &person.email {
                    if *email != current.email && !emails.contains_key(email) {
                        emails.remove(&current.email);
                        emails.insert(email.clone(), id);
                        changes.email = Some(email.clone());
                    }
                }
                let email = changes
                    .email
                    .clone()
                    .unwrap_or_else(|| current.record.email.clone());
                // GLPI makes someone staff: never less than that here; a role given here
                // (manager, admin) is kept.
                if person.role.is_staff() && !current.role.is_staff() {
                    changes.role = Some(person.role);
                    changes.member_id = Some(None);
                }
                if changes.name.is_some()
                    || changes.disabled.is_some()
                    || changes.role.is_some()
                    || changes.email.is_some()
                {
                    changes.updated_at = Some(at);
                    users::update(conn, id, &changes)?;
                }
                if !known.contains_key(&reference) {
                    users::set_external_ref(conn, id, &reference)?;
                }
                (id, email)
            }
            None => {
                let email = person
                    .email
                    .clone()
                    .filter(|e| !emails.contains_key(e))
                    .unwrap_or_else(|| format!("glpi-user-{}@glpi.invalid", person.glpi_id));
                let new = NewUser {
                    email: email.clone(),
                    name: person.name.chars().take(200).collect(),
                    role: person.role,
                    member_id: if person.role == Role::Agent {
                        member_id
                    } else {
                        None
                    },
                    // No password matches: nobody logs in until an admin sets one.
                    password_hash: "!".to_string(),
                    disabled: person.disabled,
                    created_at: at,
                    updated_at: at,
                };
                let user = users::insert(conn, &new)?.ok_or_else(|| {
                    AppError::internal(format!("the e-mail {email} is already taken"))
                })?;
                users::set_external_ref(conn, user.id, &reference)?;
                emails.insert(email.clone(), user.id);
                ids.created.accounts += 1;
                (user.id, email)
            }
        };
        let email = crate::domain::mail::deliverable(&email).then_some(email);
        ids.contacts.insert(id, (person.name.clone(), email));
        ids.accounts.insert(person.glpi_id, id);
    }
    Ok(())
}
