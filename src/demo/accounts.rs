//! The demo accounts (one of each role, the workstation team) and the names of the people
//! who call.

use crate::domain::user::Role;

/// The demo accounts: e-mail, password, role and, for agents, the code of their member.
/// The four technicians are the workstation team.
pub const DEMO_USERS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin@demo.siim94.fr", "demo-admin-2018", Role::Admin, None),
    (
        "manager@demo.siim94.fr",
        "demo-manager-2018",
        Role::Manager,
        None,
    ),
    (
        "hotline@demo.siim94.fr",
        "demo-hotline-2018",
        Role::Hotline,
        None,
    ),
    (
        "technicien1@demo.siim94.fr",
        "demo-technicien-2018",
        Role::Technician,
        None,
    ),
    (
        "technicien2@demo.siim94.fr",
        "demo-technicien-2018",
        Role::Technician,
        None,
    ),
    (
        "technicien3@demo.siim94.fr",
        "demo-technicien-2018",
        Role::Technician,
        None,
    ),
    (
        "technicien4@demo.siim94.fr",
        "demo-technicien-2018",
        Role::Technician,
        None,
    ),
    (
        "agent@demo.siim94.fr",
        "demo-agent-2018",
        Role::Agent,
        Some("OPH-VILLEJUIF"),
    ),
];

/// Display names of `DEMO_USERS`, in the same order.
pub(in crate::demo) const DEMO_USER_NAMES: &[&str] = &[
    "Claire Martin",
    "Philippe Durand",
    "Nadia Benali",
    "Karim Haddad",
    "Julien Moreau",
    "Sophie Lefebvre",
    "Thomas Nguyen",
    "Isabelle Petit",
];
const _: () = assert!(DEMO_USER_NAMES.len() == DEMO_USERS.len());

pub(super) const FIRST_NAMES: &[&str] = &[
    "Marie",
    "Nathalie",
    "Sylvie",
    "Catherine",
    "Sandrine",
    "Christine",
    "Laurent",
    "Pascal",
    "Olivier",
    "Patrick",
    "Nicolas",
    "Fatima",
    "Samir",
    "Karine",
    "David",
    "Aurelie",
];

pub(super) const LAST_NAMES: &[&str] = &[
    "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Leroy", "Simon", "Laurent", "Michel",
    "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Mercier", "Diallo", "Girard",
];
