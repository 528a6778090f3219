//! Demo data: the members, staff, categories, tickets and work logs of three years (2016 to
//! 2018) of the workstation team, shaped after the figures of the activity reports, so that
//! the statistics can be tried on realistic numbers.
//!
//! Everything is drawn from a small seeded generator: every run writes the same data.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Context};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;

use crate::auth::password;
use crate::db::categories::{self, Inserted, NewCategory};
use crate::db::members::{self, NewMember};
use crate::db::tickets::{self, ImportedTicket, TicketDraft};
use crate::db::users::{self, NewUser};
use crate::db::work_logs::{self, WorkLogFields};
use crate::db::DbConn;
use crate::domain::member::{MemberKind, Membership};
use crate::domain::ticket::TicketType::{self, Incident, Request};
use crate::domain::ticket::{Channel, Origin, Status};
use crate::domain::time::{local_date, now};
use crate::domain::user::{Actor, Role};
use crate::domain::work_log::WorkKind;
use crate::error::AppError;

/// What `seed` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    pub members: usize,
    pub users: usize,
    pub categories: usize,
    pub tickets: usize,
    pub work_logs: usize,
}

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
const DEMO_USER_NAMES: &[&str] = &[
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

/// The import endpoint's limit, kept here too so that one call stays one bounded transaction.
const IMPORT_BATCH: usize = 10_000;

const RNG_SEED: u64 = 0x5111_4d94_2018_0001;

type Ymd = (i32, u32, u32);

struct MemberSpec {
    code: &'static str,
    name: &'static str,
    kind: MemberKind,
    uses_hotline: bool,
    joined_on: Option<Ymd>,
    left_on: Option<Ymd>,
    /// The last day a member that stayed in the cooperative called the shared hotline.
    hotline_until: Option<Ymd>,
}

/// A long-standing member that uses the hotline.
const fn member(code: &'static str, name: &'static str, kind: MemberKind) -> MemberSpec {
    MemberSpec {
        code,
        name,
        kind,
        uses_hotline: true,
        joined_on: Some((2010, 1, 1)),
        left_on: None,
        hotline_until: None,
    }
}

const MEMBERS: &[MemberSpec] = &[
    member(
        "OPH-VILLEJUIF",
        "OPH de Villejuif",
        MemberKind::HousingOffice,
    ),
    MemberSpec {
        joined_on: None,
        ..member("SIIM", "Interne SIIM", MemberKind::Internal)
    },
    member("OPALY", "Opaly", MemberKind::HousingOffice),
    member("SAF94", "SAF94", MemberKind::Syndicate),
    member("VITRY", "Vitry-sur-Seine", MemberKind::City),
    member("TAV", "Théâtre Antoine Vitez", MemberKind::PublicBody),
    member("IVRY", "Ivry-sur-Seine", MemberKind::City),
    member("ECOLES-IVRY", "Écoles Ivry", MemberKind::School),
    member("OPH-IVRY", "OPH d'Ivry", MemberKind::HousingOffice),
    member("ARCUEIL", "Arcueil", MemberKind::City),
    // The territory was created on 1 January 2016 and left the shared hotline for its own
    // tool in mid-2018, while its posted technicians stayed.
    MemberSpec {
        uses_hotline: false,
        joined_on: Some((2016, 1, 1)),
        hotline_until: Some((2018, 6, 30)),
        ..member("GOSB", "Grand-Orly Seine Bièvre", MemberKind::Territory)
    },
    member("OPH-VITRY", "OPH de Vitry", MemberKind::HousingOffice),
    member(
        "SMBVB",
        "Syndicat mixte du bassin versant de la Bièvre",
        MemberKind::Syndicate,
    ),
    MemberSpec {
        left_on: Some((2017, 12, 31)),
        ..member("CHAMPIGNY", "Champigny-sur-Marne", MemberKind::City)
    },
    member("GENTILLY", "Gentilly", MemberKind::City),
    member("ECOLE-VILLEJUIF", "École Villejuif", MemberKind::School),
    MemberSpec {
        joined_on: Some((2018, 3, 1)),
        ..member("OPH-THIAIS", "OPH de Thiais", MemberKind::HousingOffice)
    },
];

struct CategorySpec {
    name: &'static str,
    /// How often the domain comes up, relative to the others.
    weight: u32,
    children: &'static [(&'static str, &'static [(&'static str, TicketType)])],
}

const CATEGORIES: &[CategorySpec] = &[
    CategorySpec {
        name: "Poste de travail",
        weight: 30,
        children: &[
            (
                "Windows",
                &[
                    ("Le poste ne démarre plus", Incident),
                    ("Écran bleu au démarrage", Incident),
                    ("Session Windows très lente", Incident),
                    ("Mise à jour Windows bloquée", Incident),
                ],
            ),
            (
                "Matériel",
                &[
                    ("Écran qui ne s'allume plus", Incident),
                    ("Clavier ou souris défectueux", Incident),
                    ("Demande d'un second écran", Request),
                ],
            ),
            (
                "Logiciels bureautiques",
                &[
                    ("Word se ferme à l'ouverture d'un document", Incident),
                    ("Installation d'un logiciel bureautique", Request),
                    ("Macro Excel bloquée", Incident),
                ],
            ),
        ],
    },
    CategorySpec {
        name: "Impression",
        weight: 18,
        children: &[
            (
                "Imprimante réseau",
                &[
                    ("L'imprimante n'imprime plus", Incident),
                    ("Bourrage papier à répétition", Incident),
                    ("Ajout d'une imprimante réseau sur un poste", Request),
                ],
            ),
            (
                "Copieur multifonction",
                &[
                    ("Le scan vers la messagerie ne fonctionne plus", Incident),
                    ("Copieur en erreur", Incident),
                    ("Demande de code copieur", Request),
                ],
            ),
        ],
    },
    CategorySpec {
        name: "Réseau",
        weight: 10,
        children: &[
            (
                "Wi-Fi",
                &[
                    ("Pas de Wi-Fi en salle de réunion", Incident),
                    ("Connexion Wi-Fi instable", Incident),
                ],
            ),
            (
                "VPN",
                &[
                    ("Connexion VPN impossible en télétravail", Incident),
                    ("Demande d'accès VPN", Request),
                ],
            ),
            (
                "Câblage",
                &[
                    ("Prise réseau inactive", Incident),
                    ("Brassage d'une prise pour un nouveau bureau", Request),
                ],
            ),
        ],
    },
    CategorySpec {
        name: "Messagerie",
        weight: 14,
        children: &[
            (
                "Outlook",
                &[
                    ("Outlook ne reçoit plus de messages", Incident),
                    ("Boîte aux lettres pleine", Incident),
                    ("Partage d'un calendrier", Request),
                ],
            ),
            (
                "Webmail",
                &[
                    ("Accès au webmail impossible", Incident),
                    ("Message d'erreur à l'envoi depuis le webmail", Incident),
                ],
            ),
        ],
    },
    CategorySpec {
        name: "Comptes et accès",
        weight: 12,
        children: &[
            (
                "Mot de passe",
                &[
                    ("Mot de passe oublié", Request),
                    ("Compte verrouillé", Incident),
                ],
            ),
            (
                "Droits d'accès",
                &[
                    ("Accès à un dossier partagé", Request),
                    ("Création du compte d'un nouvel agent", Request),
                    ("Départ d'un agent : fermeture du compte", Request),
                ],
            ),
        ],
    },
    CategorySpec {
        name: "Téléphonie",
        weight: 6,
        children: &[
            (
                "Téléphone fixe",
                &[
                    ("Téléphone sans tonalité", Incident),
                    ("Renvoi d'appel à configurer", Request),
                ],
            ),
            (
                "Mobile",
                &[
                    ("Messagerie à configurer sur un smartphone", Request),
                    ("Mobile perdu : blocage de la ligne", Request),
                ],
            ),
        ],
    },
    CategorySpec {
        name: "Applications métier",
        weight: 10,
        children: &[
            (
                "Polyfac",
                &[
                    ("Polyfac : erreur à l'édition des factures", Incident),
                    ("Polyfac : droits sur le module de facturation", Request),
                ],
            ),
            (
                "Sedit",
                &[
                    ("Sedit : mandat bloqué en validation", Incident),
                    ("Sedit : accès au module de paie", Request),
                ],
            ),
            (
                "Coriolis",
                &[("Coriolis : export comptable impossible", Incident)],
            ),
            (
                "Concerto",
                &[("Concerto : inscription introuvable", Incident)],
            ),
            (
                "Pelehas",
                &[("Pelehas : lenteurs à la saisie des demandes", Incident)],
            ),
            (
                "AIRS Délib",
                &[("AIRS Délib : délibération non transmise", Incident)],
            ),
        ],
    },
];

/// The category project days are filed under: workstation renewals and audits.
const PROJECT_CATEGORY: (&str, &str) = ("Poste de travail", "Matériel");

/// One year of activity: ticket counts per member and work days per member and kind.
struct YearPlan {
    year: i32,
    hotline_tickets: &'static [(&'static str, u32)],
    posted_tickets: &'static [(&'static str, u32)],
    on_site_days: &'static [(&'static str, u32)],
    posted_days: &'static [(&'static str, u32)],
    project_days: &'static [(&'static str, u32, &'static str)],
    hotline_duty_days: u32,
}

// Posted days are set so that posted work is about 70 % of each year's minutes, as the 2018
// report says.
const YEARS: &[YearPlan] = &[
    YearPlan {
        year: 2016,
        hotline_tickets: &[
            ("OPH-VILLEJUIF", 98),
            ("SIIM", 55),
            ("OPALY", 47),
            ("SAF94", 41),
            ("VITRY", 37),
            ("TAV", 35),
            ("IVRY", 31),
            ("ECOLES-IVRY", 27),
            ("OPH-IVRY", 26),
            ("ARCUEIL", 24),
            ("GOSB", 14),
            ("OPH-VITRY", 8),
            ("SMBVB", 3),
            ("CHAMPIGNY", 3),
            ("GENTILLY", 1),
        ],
        posted_tickets: &[
            ("GENTILLY", 30),
            ("ARCUEIL", 25),
            ("GOSB", 15),
            ("IVRY", 10),
        ],
        // The on-site table of the 2017 report, for 2016.
        on_site_days: &[
            ("GENTILLY", 249),
            ("ARCUEIL", 221),
            ("GOSB", 157),
            ("IVRY", 81),
            ("OPH-VILLEJUIF", 42),
            ("ECOLE-VILLEJUIF", 33),
            ("ECOLES-IVRY", 32),
            ("OPALY", 23),
            ("SAF94", 12),
            ("OPH-VITRY", 11),
            ("TAV", 10),
            ("SMBVB", 2),
        ],
        posted_days: &[
            ("GENTILLY", 860),
            ("ARCUEIL", 720),
            ("GOSB", 575),
            ("IVRY", 432),
            ("OPH-VILLEJUIF", 290),
        ],
        project_days: &[
            (
                "GOSB",
                25,
                "Audit des postes de travail du nouveau territoire",
            ),
            ("ECOLE-VILLEJUIF", 20, "Renouvellement des PC des écoles"),
            ("ECOLES-IVRY", 15, "Renouvellement des PC des écoles"),
        ],
        hotline_duty_days: 300,
    },
    YearPlan {
        year: 2017,
        // The hotline table of the 2017 report: 489 tickets.
        hotline_tickets: &[
            ("OPH-VILLEJUIF", 107),
            ("SIIM", 60),
            ("OPALY", 52),
            ("SAF94", 45),
            ("VITRY", 40),
            ("TAV", 38),
            ("IVRY", 33),
            ("ECOLES-IVRY", 30),
            ("OPH-IVRY", 28),
            ("ARCUEIL", 26),
            ("GOSB", 15),
            ("OPH-VITRY", 9),
            ("SMBVB", 3),
            ("CHAMPIGNY", 2),
            ("GENTILLY", 1),
        ],
        posted_tickets: &[
            ("GENTILLY", 36),
            ("ARCUEIL", 29),
            ("GOSB", 18),
            ("IVRY", 12),
        ],
        on_site_days: &[
            ("GENTILLY", 70),
            ("ARCUEIL", 58),
            ("GOSB", 42),
            ("IVRY", 26),
            ("OPH-VILLEJUIF", 18),
            ("ECOLE-VILLEJUIF", 12),
            ("ECOLES-IVRY", 11),
            ("OPALY", 9),
            ("VITRY", 6),
            ("SAF94", 5),
            ("OPH-VITRY", 5),
            ("OPH-IVRY", 5),
            ("TAV", 4),
            ("SIIM", 3),
            ("SMBVB", 1),
        ],
        posted_days: &[
            ("GENTILLY", 460),
            ("ARCUEIL", 390),
            ("GOSB", 310),
            ("IVRY", 232),
            ("OPH-VILLEJUIF", 160),
        ],
        project_days: &[
            (
                "ECOLE-VILLEJUIF",
                30,
                "Renouvellement de 60 PC dans les écoles",
            ),
            ("ECOLES-IVRY", 25, "Renouvellement de 60 PC dans les écoles"),
            ("SIIM", 15, "Migration du parc interne vers Windows 10"),
        ],
        hotline_duty_days: 320,
    },
    YearPlan {
        year: 2018,
        // About 701 in the 2018 report; GOSB calls until June only, so the months after
        // June visibly drop.
        hotline_tickets: &[
            ("OPH-VILLEJUIF", 135),
            ("SIIM", 75),
            ("OPALY", 66),
            ("SAF94", 55),
            ("VITRY", 50),
            ("TAV", 46),
            ("IVRY", 42),
            ("ECOLES-IVRY", 38),
            ("OPH-IVRY", 35),
            ("ARCUEIL", 32),
            ("GOSB", 90),
            ("OPH-VITRY", 12),
            ("SMBVB", 4),
            ("GENTILLY", 2),
            ("OPH-THIAIS", 19),
        ],
        posted_tickets: &[
            ("GENTILLY", 40),
            ("ARCUEIL", 34),
            ("GOSB", 22),
            ("IVRY", 14),
        ],
        on_site_days: &[
            ("GENTILLY", 64),
            ("ARCUEIL", 55),
            ("GOSB", 38),
            ("IVRY", 28),
            ("OPH-VILLEJUIF", 20),
            ("ECOLES-IVRY", 12),
            ("ECOLE-VILLEJUIF", 10),
            ("OPALY", 8),
            ("VITRY", 7),
            ("SAF94", 6),
            ("OPH-IVRY", 6),
            ("OPH-THIAIS", 6),
            ("TAV", 5),
            ("OPH-VITRY", 4),
            ("SIIM", 3),
            ("SMBVB", 2),
        ],
        posted_days: &[
            ("GENTILLY", 475),
            ("ARCUEIL", 400),
            ("GOSB", 320),
            ("IVRY", 240),
            ("OPH-VILLEJUIF", 161),
        ],
        project_days: &[
            (
                "OPH-THIAIS",
                20,
                "Audit des postes de travail du nouvel adhérent",
            ),
            ("ECOLE-VILLEJUIF", 25, "Renouvellement des PC des écoles"),
            ("OPALY", 15, "Déménagement des bureaux du siège"),
        ],
        hotline_duty_days: 350,
    },
];

/// The members with posted technicians, busiest first.
const POSTED_SITES: &[&str] = &["GENTILLY", "ARCUEIL", "GOSB", "IVRY", "OPH-VILLEJUIF"];

/// Relative hotline volume per month, January first: busy at the start of the year and after
/// the summer, quiet in August.
const HOTLINE_SEASON: [u32; 12] = [11, 9, 10, 9, 8, 9, 7, 4, 12, 10, 9, 7];
/// Posted technicians log tickets all year long, fewer while members' offices close in summer.
const POSTED_SEASON: [u32; 12] = [9, 9, 9, 9, 8, 8, 7, 3, 9, 9, 9, 7];

/// Priorities 1 (critical) to 4 (low), mostly 3.
const PRIORITY_WEIGHTS: [u32; 4] = [4, 16, 60, 20];

const FIRST_NAMES: &[&str] = &[
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
const LAST_NAMES: &[&str] = &[
    "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Leroy", "Simon", "Laurent", "Michel",
    "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Mercier", "Diallo", "Girard",
];

/// Fills an empty database with demo data: members, one account per role, the category tree,
/// the hotline and posted tickets of 2016 to 2018 and the team's work logs of those years.
///
/// The data is the same on every run. The steps are separate transactions: a failure leaves
/// what was written before it, and the next run then refuses to start.
pub fn seed(
    conn: &mut DbConn,
    policy: &tickets::Policy,
    workday_minutes: u32,
) -> anyhow::Result<DemoSummary> {
    let zone = policy.zone;
    if workday_minutes == 0 {
        bail!("workday_minutes must be positive");
    }
    if !members::all(conn)?.is_empty() {
        bail!("the database already has members: demo data goes only into an empty database");
    }
    let at = now();
    let member_ids = insert_members(conn, at)?;
    let users = insert_users(conn, &member_ids, at)?;
    let (category_count, leaf_ids) = insert_categories(conn, at)?;

    let id_of = |role: Role| {
        users
            .iter()
            .filter(move |(r, _)| *r == role)
            .map(|(_, id)| *id)
    };
    let admin_id = id_of(Role::Admin).next().context("no demo admin")?;
    let agent_id = id_of(Role::Agent).next().context("no demo agent")?;
    let directory = Directory::new(
        &member_ids,
        &leaf_ids,
        id_of(Role::Technician).collect(),
        agent_id,
    )?;
    let admin = Actor {
        id: admin_id,
        role: Role::Admin,
        member_id: None,
    };

    let mut rng = Rng::new(RNG_SEED);
    let planned = plan_tickets(&directory, zone, &mut rng)?;
    let mut ids = Vec::with_capacity(planned.len());
    for batch in planned.chunks(IMPORT_BATCH) {
        ids.extend(tickets::import(conn, batch, &admin, policy).map_err(app_error)?);
    }
    if ids.len() != planned.len() {
        bail!("imported {} tickets of {}", ids.len(), planned.len());
    }
    let imported: Vec<TicketRef> = planned
        .iter()
        .zip(&ids)
        .map(|(ticket, &id)| TicketRef {
            id,
            member_id: ticket.draft.member_id,
            day: local_date(ticket.created_at, zone),
            category_id: ticket.draft.category_id,
        })
        .collect();

    let logs = plan_work_logs(&directory, &imported, workday_minutes, &mut rng)?;
    let work_log_count = work_logs::import(conn, &logs).map_err(app_error)?;

    Ok(DemoSummary {
        members: member_ids.len(),
        users: users.len(),
        categories: category_count,
        tickets: ids.len(),
        work_logs: work_log_count,
    })
}

/// Member ids in the order of `MEMBERS`.
fn insert_members(conn: &mut DbConn, at: NaiveDateTime) -> anyhow::Result<Vec<i64>> {
    MEMBERS
        .iter()
        .map(|spec| {
            let new = NewMember {
                code: spec.code.to_string(),
                name: spec.name.to_string(),
                kind: spec.kind.as_str().to_string(),
                uses_hotline: spec.uses_hotline,
                joined_on: spec.joined_on.map(ymd),
                left_on: spec.left_on.map(ymd),
                created_at: at,
                updated_at: at,
            };
            members::insert(conn, &new)?
                .map(|row| row.id)
                .ok_or_else(|| anyhow!("member {} already exists", spec.code))
        })
        .collect()
}

/// The role and id of each of `DEMO_USERS`, in order.
fn insert_users(
    conn: &mut DbConn,
    member_ids: &[i64],
    at: NaiveDateTime,
) -> anyhow::Result<Vec<(Role, i64)>> {
    DEMO_USERS
        .iter()
        .zip(DEMO_USER_NAMES)
        .map(|(&(email, secret, role, member_code), name)| {
            let member_id = member_code
                .map(|code| {
                    member_index(code)
                        .map(|index| member_ids[index])
                        .ok_or_else(|| anyhow!("demo user {email}: unknown member {code}"))
                })
                .transpose()?;
            let new = NewUser {
                email: email.to_string(),
                name: name.to_string(),
                role: role.as_str().to_string(),
                member_id,
                password_hash: password::hash(secret),
                disabled: false,
                created_at: at,
                updated_at: at,
            };
            let user =
                users::insert(conn, &new)?.ok_or_else(|| anyhow!("user {email} already exists"))?;
            Ok((role, user.id))
        })
        .collect()
}

/// Writes the tree; returns how many categories it holds and the ids of the sub-categories,
/// in the order of `CATEGORIES`.
fn insert_categories(conn: &mut DbConn, at: NaiveDateTime) -> anyhow::Result<(usize, Vec<i64>)> {
    let mut count = 0;
    let mut leaf_ids = Vec::new();
    for domain in CATEGORIES {
        let parent_id = insert_category(conn, domain.name, None, at)?;
        count += 1;
        for (name, _) in domain.children {
            leaf_ids.push(insert_category(conn, name, Some(parent_id), at)?);
            count += 1;
        }
    }
    Ok((count, leaf_ids))
}

fn insert_category(
    conn: &mut DbConn,
    name: &str,
    parent_id: Option<i64>,
    at: NaiveDateTime,
) -> anyhow::Result<i64> {
    let new = NewCategory {
        name: name.to_string(),
        parent_id,
        created_at: at,
    };
    match categories::insert(conn, &new)? {
        Inserted::Created(category) => Ok(category.id),
        // A new database starts with the default tree, which the demo uses as it is.
        Inserted::Duplicate => categories::find_sibling(conn, name, parent_id)?
            .map(|c| c.id)
            .with_context(|| format!("category {name} vanished")),
        Inserted::UnknownParent | Inserted::TooDeep => {
            bail!("category {name}: its parent cannot hold it")
        }
    }
}

/// Field errors are the useful part of a refused import: keep them in the message.
fn app_error(error: AppError) -> anyhow::Error {
    match error {
        AppError::Validation(fields) => {
            let details: Vec<String> = fields.iter().map(ToString::to_string).collect();
            anyhow!("demo data refused: {}", details.join("; "))
        }
        other => anyhow::Error::new(other),
    }
}

fn member_index(code: &str) -> Option<usize> {
    MEMBERS.iter().position(|spec| spec.code == code)
}

fn ymd((year, month, day): Ymd) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("the demo tables hold valid dates")
}

/// The written records the generator needs: ids and the rules of each member.
struct Directory {
    members: Vec<MemberRef>,
    domains: Vec<DomainRef>,
    technicians: Vec<i64>,
    agent_id: i64,
    agent_member_id: i64,
    project_category_id: i64,
}

struct MemberRef {
    id: i64,
    index: usize,
    spec: &'static MemberSpec,
    membership: Membership,
    hotline_until: Option<NaiveDate>,
}

struct DomainRef {
    weight: u32,
    leaves: Vec<LeafRef>,
}

struct LeafRef {
    id: i64,
    titles: &'static [(&'static str, TicketType)],
}

impl Directory {
    /// `member_ids` follow `MEMBERS`, `leaf_ids` the sub-categories of `CATEGORIES`.
    fn new(
        member_ids: &[i64],
        leaf_ids: &[i64],
        technicians: Vec<i64>,
        agent_id: i64,
    ) -> anyhow::Result<Self> {
        if member_ids.len() != MEMBERS.len() {
            bail!("expected {} member ids", MEMBERS.len());
        }
        if technicians.is_empty() {
            bail!("the demo needs technicians");
        }
        let agent_member_id = DEMO_USERS
            .iter()
            .find_map(|&(_, _, role, code)| code.filter(|_| role == Role::Agent))
            .and_then(member_index)
            .map(|index| member_ids[index])
            .context("the demo agent has no member")?;
        let members = MEMBERS
            .iter()
            .zip(member_ids)
            .enumerate()
            .map(|(index, (spec, &id))| MemberRef {
                id,
                index,
                spec,
                membership: Membership {
                    joined_on: spec.joined_on.map(ymd),
                    left_on: spec.left_on.map(ymd),
                },
                hotline_until: spec.hotline_until.map(ymd),
            })
            .collect();
        let mut leaf_ids = leaf_ids.iter().copied();
        let mut domains = Vec::new();
        let mut project_category_id = None;
        for domain in CATEGORIES {
            let mut leaves = Vec::new();
            for &(name, titles) in domain.children {
                let id = leaf_ids.next().context("too few category ids")?;
                if (domain.name, name) == PROJECT_CATEGORY {
                    project_category_id = Some(id);
                }
                leaves.push(LeafRef { id, titles });
            }
            domains.push(DomainRef {
                weight: domain.weight,
                leaves,
            });
        }
        if leaf_ids.next().is_some() {
            bail!("too many category ids");
        }
        Ok(Directory {
            members,
            domains,
            technicians,
            agent_id,
            agent_member_id,
            project_category_id: project_category_id.context("no project category")?,
        })
    }

    fn member(&self, code: &str) -> anyhow::Result<&MemberRef> {
        self.members
            .iter()
            .find(|m| m.spec.code == code)
            .ok_or_else(|| anyhow!("unknown demo member {code}"))
    }

    /// The technician usually posted at a member, so that each site sees familiar faces and
    /// the posted sites are shared out evenly.
    fn usual_technician(&self, member: &MemberRef) -> i64 {
        let rank = POSTED_SITES
            .iter()
            .position(|&code| code == member.spec.code)
            .unwrap_or(member.index);
        self.technicians[rank % self.technicians.len()]
    }

    fn any_technician(&self, rng: &mut Rng) -> i64 {
        *rng.pick(&self.technicians)
    }

    fn random_leaf(&self, rng: &mut Rng) -> &LeafRef {
        let weights: Vec<u32> = self.domains.iter().map(|d| d.weight).collect();
        let domain = &self.domains[rng.weighted(&weights)];
        rng.pick(&domain.leaves)
    }
}

/// The working days of a year: weekdays that are not French public holidays.
fn working_days(year: i32) -> Vec<NaiveDate> {
    let easter = easter_sunday(year);
    let moving = [
        easter + Duration::days(1),
        easter + Duration::days(39),
        easter + Duration::days(50),
    ];
    let fixed = [
        (1, 1),
        (5, 1),
        (5, 8),
        (7, 14),
        (8, 15),
        (11, 1),
        (11, 11),
        (12, 25),
    ];
    ymd((year, 1, 1))
        .iter_days()
        .take_while(|day| day.year() == year)
        .filter(|day| !matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
        .filter(|day| !fixed.contains(&(day.month(), day.day())) && !moving.contains(day))
        .collect()
}

/// Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm).
fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    ymd((year, month as u32, day as u32))
}

/// The months (0 = January) of `count` events drawn in proportion to `weights` by systematic
/// sampling: each month gets its share to within one, from a random start so that small
/// members do not all land in the busiest month. Sorted.
fn spread_over_months(count: u32, weights: &[u32; 12], rng: &mut Rng) -> Vec<usize> {
    let total: u32 = weights.iter().sum();
    let Some(last_month) = weights.iter().rposition(|&w| w > 0) else {
        return Vec::new();
    };
    let start = rng.unit();
    (0..count)
        .map(|k| {
            let target = (f64::from(k) + start) / f64::from(count) * f64::from(total);
            let mut cumulative = 0.0;
            weights
                .iter()
                .position(|&w| {
                    cumulative += f64::from(w);
                    w > 0 && target < cumulative
                })
                .unwrap_or(last_month)
        })
        .collect()
}

fn plan_tickets(
    directory: &Directory,
    zone: Tz,
    rng: &mut Rng,
) -> anyhow::Result<Vec<ImportedTicket>> {
    let mut planned = Vec::new();
    for plan in YEARS {
        let days = working_days(plan.year);
        for (origin, table, season) in [
            (Origin::Hotline, plan.hotline_tickets, &HOTLINE_SEASON),
            (Origin::Posted, plan.posted_tickets, &POSTED_SEASON),
        ] {
            for &(code, count) in table {
                let member = directory.member(code)?;
                let member_days: Vec<NaiveDate> = days
                    .iter()
                    .copied()
                    .filter(|&day| member.membership.covers(day))
                    .filter(|&day| {
                        origin != Origin::Hotline
                            || member.hotline_until.is_none_or(|last| day <= last)
                    })
                    .collect();
                for day in ticket_days(&member_days, count, season, rng)
                    .with_context(|| format!("{code} in {}", plan.year))?
                {
                    planned.push(plan_ticket(directory, member, origin, day, zone, rng)?);
                }
            }
        }
    }
    planned.sort_by_key(|ticket| ticket.created_at);
    Ok(planned)
}

/// `count` days among `days` (sorted), spread over the months by `season`. The last month
/// with days always gets one, so that a member that stopped calling is seen calling until then.
fn ticket_days(
    days: &[NaiveDate],
    count: u32,
    season: &[u32; 12],
    rng: &mut Rng,
) -> anyhow::Result<Vec<NaiveDate>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let mut by_month: [Vec<NaiveDate>; 12] = Default::default();
    for &day in days {
        by_month[day.month0() as usize].push(day);
    }
    let mut weights = *season;
    for (weight, month_days) in weights.iter_mut().zip(&by_month) {
        if month_days.is_empty() {
            *weight = 0;
        }
    }
    let last_month = weights
        .iter()
        .rposition(|&w| w > 0)
        .context("no working day to file tickets on")?;
    let mut months = spread_over_months(count, &weights, rng);
    if let Some(latest) = months.last_mut() {
        *latest = last_month;
    }
    Ok(months
        .into_iter()
        .map(|month| *rng.pick(&by_month[month]))
        .collect())
}

fn plan_ticket(
    directory: &Directory,
    member: &MemberRef,
    origin: Origin,
    day: NaiveDate,
    zone: Tz,
    rng: &mut Rng,
) -> anyhow::Result<ImportedTicket> {
    let leaf = directory.random_leaf(rng);
    let &(title, ticket_type) = rng.pick(leaf.titles);
    let priority = rng.weighted(&PRIORITY_WEIGHTS) + 1;
    let channel = match origin {
        Origin::Hotline => {
            [Channel::Phone, Channel::Email, Channel::Api][rng.weighted(&[70, 18, 12])]
        }
        Origin::Posted => Channel::Api,
    };
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    let requester_name = format!("{first} {last}");
    let requester_email = format!(
        "{}.{}@{}.demo.fr",
        first.to_lowercase(),
        last.to_lowercase(),
        member.spec.code.to_lowercase()
    );
    let requester_phone = format!(
        "01 {} {:02} {:02} {:02}",
        41 + rng.below(9),
        rng.below(100),
        rng.below(100),
        rng.below(100)
    );
    // The demo agent's member files part of its tickets through its own program, as the agent.
    let requester_id = (origin == Origin::Hotline
        && channel == Channel::Api
        && member.id == directory.agent_member_id)
        .then_some(directory.agent_id);
    let how = match (origin, channel) {
        (Origin::Posted, _) => "Relevé sur site par le technicien posté",
        (_, Channel::Phone) => "Appel à la hotline",
        (_, Channel::Email) => "Message reçu par la hotline",
        _ => "Demande déposée par l'application du membre",
    };
    let description = format!("{how}. Demandeur : {requester_name}, {}.", member.spec.name);

    // Office hours only, so that the local day is the one intended in any offset from UTC.
    let local = day.and_time(NaiveTime::MIN)
        + Duration::minutes(8 * 60 + rng.below(600) as i64)
        + Duration::seconds(rng.below(60) as i64);
    let created_at = zone
        .from_local_datetime(&local)
        .earliest()
        .map(|time| time.naive_utc())
        .ok_or_else(|| anyhow!("{local} does not exist in {zone}"))?;
    let (take_in_charge, resolve) = match priority {
        1 => ((2, 30), (30, 8 * 60)),
        2 => ((5, 90), (60, 2 * 24 * 60)),
        3 => ((10, 240), (60, 5 * 24 * 60)),
        _ => ((30, 480), (120, 10 * 24 * 60)),
    };
    let acknowledged_at = created_at + Duration::minutes(rng.between(take_in_charge));
    let resolved_at = acknowledged_at + Duration::minutes(rng.between(resolve));
    // A few stay resolved: the requester never confirmed.
    let closed_at = (!rng.chance(4))
        .then(|| resolved_at + Duration::minutes(rng.between((24 * 60, 8 * 24 * 60))));
    let assignee_id = match origin {
        Origin::Hotline => directory.any_technician(rng),
        Origin::Posted => directory.usual_technician(member),
    };

    Ok(ImportedTicket {
        draft: TicketDraft {
            member_id: member.id,
            requester_id,
            requester_name: Some(requester_name),
            requester_email: matches!(channel, Channel::Email | Channel::Api)
                .then_some(requester_email),
            requester_phone: (channel == Channel::Phone).then_some(requester_phone),
            title: title.to_string(),
            description,
            ticket_type: ticket_type.as_str().to_string(),
            category_id: Some(leaf.id),
            priority: priority as i32,
            origin: origin.as_str().to_string(),
            channel: channel.as_str().to_string(),
        },
        status: if closed_at.is_some() {
            Status::Closed
        } else {
            Status::Resolved
        },
        assignee_id: Some(assignee_id),
        created_at,
        acknowledged_at: Some(acknowledged_at),
        resolved_at: Some(resolved_at),
        closed_at,
    })
}

/// An imported ticket, as on-site work logs refer to it.
struct TicketRef {
    id: i64,
    member_id: i64,
    day: NaiveDate,
    category_id: Option<i64>,
}

/// How far back an on-site trip looks for the ticket it was made for.
const ON_SITE_TICKET_DAYS: i64 = 14;

fn plan_work_logs(
    directory: &Directory,
    tickets: &[TicketRef],
    workday_minutes: u32,
    rng: &mut Rng,
) -> anyhow::Result<Vec<WorkLogFields>> {
    let mut tickets_by_member: HashMap<i64, Vec<&TicketRef>> = HashMap::new();
    for ticket in tickets {
        tickets_by_member
            .entry(ticket.member_id)
            .or_default()
            .push(ticket);
    }
    for list in tickets_by_member.values_mut() {
        list.sort_by_key(|ticket| ticket.day);
    }
    let workday = i32::try_from(workday_minutes).context("workday_minutes is too large")?;

    let mut logs = Vec::new();
    for plan in YEARS {
        let days = working_days(plan.year);
        let member_days = |member: &MemberRef| -> anyhow::Result<Vec<NaiveDate>> {
            let covered: Vec<NaiveDate> = days
                .iter()
                .copied()
                .filter(|&day| member.membership.covers(day))
                .collect();
            if covered.is_empty() {
                bail!("{} was not a member in {}", member.spec.code, plan.year);
            }
            Ok(covered)
        };

        for &(code, count) in plan.posted_days {
            let member = directory.member(code)?;
            let open = member_days(member)?;
            for minutes in day_parts(count, workday) {
                // Mostly the member's usual technician; others stand in.
                let technician_id = if rng.chance(70) {
                    directory.usual_technician(member)
                } else {
                    directory.any_technician(rng)
                };
                logs.push(WorkLogFields {
                    technician_id,
                    member_id: Some(member.id),
                    work_date: *rng.pick(&open),
                    kind: WorkKind::Posted.as_str().to_string(),
                    minutes,
                    ticket_id: None,
                    category_id: None,
                    note: None,
                });
            }
        }

        for &(code, count) in plan.on_site_days {
            let member = directory.member(code)?;
            let open = member_days(member)?;
            let recent = tickets_by_member
                .get(&member.id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for minutes in day_parts(count, workday) {
                let work_date = *rng.pick(&open);
                let earliest = work_date - Duration::days(ON_SITE_TICKET_DAYS);
                let from = recent.partition_point(|t| t.day < earliest);
                let to = recent.partition_point(|t| t.day <= work_date);
                let ticket =
                    (from < to).then(|| recent[from + rng.below((to - from) as u64) as usize]);
                logs.push(WorkLogFields {
                    technician_id: directory.any_technician(rng),
                    member_id: Some(member.id),
                    work_date,
                    kind: WorkKind::OnSite.as_str().to_string(),
                    minutes,
                    ticket_id: ticket.map(|t| t.id),
                    category_id: ticket.and_then(|t| t.category_id),
                    note: None,
                });
            }
        }

        for &(code, count, note) in plan.project_days {
            let member = directory.member(code)?;
            let open = member_days(member)?;
            for minutes in day_parts(count, workday) {
                logs.push(WorkLogFields {
                    technician_id: directory.any_technician(rng),
                    member_id: Some(member.id),
                    work_date: *rng.pick(&open),
                    kind: WorkKind::Project.as_str().to_string(),
                    minutes,
                    ticket_id: None,
                    category_id: Some(directory.project_category_id),
                    note: Some(note.to_string()),
                });
            }
        }

        logs.extend(hotline_duty(
            &days,
            plan.hotline_duty_days,
            &directory.technicians,
            workday,
            rng,
        ));
    }
    Ok(logs)
}

/// The minutes of logs that add up to exactly `days` days: mostly whole days, some days
/// split in two half days (the two halves of an odd workday differ by one minute).
fn day_parts(days: u32, workday: i32) -> Vec<i32> {
    let split = if workday >= 2 { days * 15 / 100 } else { 0 };
    let half = workday / 2;
    let mut parts = vec![workday; (days - split) as usize];
    for _ in 0..split {
        parts.push(half);
        parts.push(workday - half);
    }
    parts
}

/// Whole days at the hotline desk: one technician on duty every working day in turn, a week
/// each, and a second one on randomly chosen days when there are more days than working days.
fn hotline_duty(
    working_days: &[NaiveDate],
    days: u32,
    technicians: &[i64],
    workday: i32,
    rng: &mut Rng,
) -> Vec<WorkLogFields> {
    let mut logs = Vec::with_capacity(days as usize);
    let mut round = 0;
    while logs.len() < days as usize && !working_days.is_empty() {
        let mut order = working_days.to_vec();
        if round > 0 {
            rng.shuffle(&mut order);
        }
        for day in order.into_iter().take(days as usize - logs.len()) {
            let week = day.iso_week().week() as usize;
            logs.push(WorkLogFields {
                technician_id: technicians[(week + round) % technicians.len()],
                member_id: None,
                work_date: day,
                kind: WorkKind::HotlineDuty.as_str().to_string(),
                minutes: workday,
                ticket_id: None,
                category_id: None,
                note: None,
            });
        }
        round += 1;
    }
    logs
}

/// splitmix64: small, fast and good enough for demo data; seeded, so every run is the same.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; `n` must be positive.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, (lo, hi): (i64, i64)) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// In `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn in proportion to `weights`.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut target = self.below(total);
        for (index, &weight) in weights.iter().enumerate() {
            if target < u64::from(weight) {
                return index;
            }
            target -= u64::from(weight);
        }
        weights.len() - 1
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    const PARIS: Tz = chrono_tz::Europe::Paris;

    fn directory() -> Directory {
        let member_ids: Vec<i64> = (1..=MEMBERS.len() as i64).collect();
        let leaf_count: usize = CATEGORIES.iter().map(|c| c.children.len()).sum();
        let leaf_ids: Vec<i64> = (100..100 + leaf_count as i64).collect();
        Directory::new(&member_ids, &leaf_ids, vec![1001, 1002, 1003, 1004], 1008).unwrap()
    }

    fn year(year: i32) -> &'static YearPlan {
        YEARS.iter().find(|plan| plan.year == year).unwrap()
    }

    fn sum(table: &[(&str, u32)]) -> u32 {
        table.iter().map(|(_, n)| n).sum()
    }

    fn code_of(directory: &Directory, member_id: i64) -> &'static str {
        directory
            .members
            .iter()
            .find(|m| m.id == member_id)
            .unwrap()
            .spec
            .code
    }

    #[test]
    fn the_tables_hold_the_reports_figures() {
        assert_eq!(sum(year(2017).hotline_tickets), 489);
        assert_eq!(year(2017).hotline_tickets[0], ("OPH-VILLEJUIF", 107));
        assert_eq!(sum(year(2018).hotline_tickets), 701);
        assert_eq!(sum(year(2016).on_site_days), 873);
        assert_eq!(year(2016).on_site_days[0], ("GENTILLY", 249));
        assert_eq!(year(2018).hotline_duty_days, 350);
        assert!((400..=500).contains(&sum(year(2016).hotline_tickets)));
    }

    #[test]
    fn demo_accounts_cover_every_role() {
        for role in Role::ALL {
            assert!(DEMO_USERS.iter().any(|u| u.2 == *role), "{role}");
        }
        assert_eq!(
            DEMO_USERS
                .iter()
                .filter(|u| u.2 == Role::Technician)
                .count(),
            4
        );
        for (email, secret, role, member) in DEMO_USERS {
            assert!(secret.chars().count() >= 8, "{email}");
            assert_eq!(*role == Role::Agent, member.is_some(), "{email}");
            assert!(member.is_none_or(|code| member_index(code).is_some()));
        }
    }

    #[test]
    fn member_codes_are_valid_and_unique() {
        for (i, spec) in MEMBERS.iter().enumerate() {
            assert_eq!(
                crate::domain::member::parse_code(spec.code).unwrap(),
                spec.code
            );
            assert_eq!(member_index(spec.code), Some(i));
        }
    }

    #[test]
    fn the_generator_is_deterministic() {
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..20).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let mut rng = Rng::new(1);
        assert!((0..1000).all(|_| rng.below(3) < 3 && (0.0..1.0).contains(&rng.unit())));
    }

    #[test]
    fn easter_and_holidays() {
        assert_eq!(easter_sunday(2016), ymd((2016, 3, 27)));
        assert_eq!(easter_sunday(2017), ymd((2017, 4, 16)));
        assert_eq!(easter_sunday(2018), ymd((2018, 4, 1)));
        let days = working_days(2018);
        assert!(!days.contains(&ymd((2018, 4, 2))));
        assert!(!days.contains(&ymd((2018, 5, 1))));
        assert!(days.contains(&ymd((2018, 4, 3))));
        assert_eq!(days.len(), 252);
    }

    #[test]
    fn months_follow_the_weights_to_within_one() {
        let mut rng = Rng::new(3);
        let months = spread_over_months(210, &HOTLINE_SEASON, &mut rng);
        for (month, &weight) in HOTLINE_SEASON.iter().enumerate() {
            let n = months.iter().filter(|&&m| m == month).count() as i64;
            assert!((n - i64::from(weight) * 2).abs() <= 1, "month {month}: {n}");
        }
    }

    #[test]
    fn day_parts_add_up_exactly() {
        for workday in [420, 421, 480, 1] {
            for days in [0, 1, 2, 7, 249, 350] {
                let parts = day_parts(days, workday);
                assert_eq!(
                    parts.iter().map(|&m| i64::from(m)).sum::<i64>(),
                    i64::from(days) * i64::from(workday)
                );
                assert!(parts.iter().all(|&m| m > 0));
            }
        }
    }

    #[test]
    fn tickets_match_the_tables_and_the_memberships() {
        let directory = directory();
        let tickets = plan_tickets(&directory, PARIS, &mut Rng::new(RNG_SEED)).unwrap();
        let mut counts: HashMap<(i32, &str, String), u32> = HashMap::new();
        for ticket in &tickets {
            let local = ticket.created_at.and_utc().with_timezone(&PARIS);
            let day = local.date_naive();
            let member = directory
                .members
                .iter()
                .find(|m| m.id == ticket.draft.member_id)
                .unwrap();
            assert!(
                member.membership.covers(day),
                "{} on {day}",
                member.spec.code
            );
            assert!((8..18).contains(&local.hour()));
            assert!(working_days(day.year()).contains(&day));
            assert!(ticket.acknowledged_at.unwrap() > ticket.created_at);
            assert!(ticket.resolved_at.unwrap() > ticket.acknowledged_at.unwrap());
            assert!(ticket
                .closed_at
                .is_none_or(|c| c > ticket.resolved_at.unwrap()));
            assert!((1..=4).contains(&ticket.draft.priority));
            *counts
                .entry((day.year(), member.spec.code, ticket.draft.origin.clone()))
                .or_default() += 1;
        }
        for plan in YEARS {
            for (origin, table) in [
                ("hotline", plan.hotline_tickets),
                ("posted", plan.posted_tickets),
            ] {
                for &(code, n) in table {
                    assert_eq!(
                        counts.get(&(plan.year, code, origin.to_string())),
                        Some(&n),
                        "{code} {}",
                        plan.year
                    );
                }
                let total: u32 = counts
                    .iter()
                    .filter(|((y, _, o), _)| *y == plan.year && o == origin)
                    .map(|(_, n)| n)
                    .sum();
                assert_eq!(total, sum(table));
            }
        }
        assert!(tickets
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at));
    }

    fn hotline_months(
        directory: &Directory,
        tickets: &[ImportedTicket],
        year: i32,
        code: Option<&str>,
    ) -> [u32; 12] {
        let mut months = [0; 12];
        for ticket in tickets.iter().filter(|t| t.draft.origin == "hotline") {
            let day = local_date(ticket.created_at, PARIS);
            if day.year() == year
                && code.is_none_or(|c| c == code_of(directory, ticket.draft.member_id))
            {
                months[day.month0() as usize] += 1;
            }
        }
        months
    }

    #[test]
    fn seasonality_shows_summer_and_gosbs_departure() {
        let directory = directory();
        let tickets = plan_tickets(&directory, PARIS, &mut Rng::new(RNG_SEED)).unwrap();
        let months_2017 = hotline_months(&directory, &tickets, 2017, None);
        assert!(months_2017[7] < months_2017[8] && months_2017[7] < months_2017[0]);
        let gosb = hotline_months(&directory, &tickets, 2018, Some("GOSB"));
        assert!(gosb[5] > 0);
        assert!(gosb[6..].iter().all(|&n| n == 0));
        let all_2018 = hotline_months(&directory, &tickets, 2018, None);
        assert!(all_2018[..6].iter().sum::<u32>() > all_2018[6..].iter().sum::<u32>() + 60);
        let thiais = hotline_months(&directory, &tickets, 2018, Some("OPH-THIAIS"));
        assert_eq!(thiais[..2], [0, 0]);
    }

    #[test]
    fn work_logs_add_up_to_the_tables() {
        let directory = directory();
        let mut rng = Rng::new(RNG_SEED);
        let tickets = plan_tickets(&directory, PARIS, &mut rng).unwrap();
        let refs: Vec<TicketRef> = tickets
            .iter()
            .enumerate()
            .map(|(i, t)| TicketRef {
                id: i as i64 + 1,
                member_id: t.draft.member_id,
                day: local_date(t.created_at, PARIS),
                category_id: t.draft.category_id,
            })
            .collect();
        for workday in [420, 421] {
            let logs = plan_work_logs(&directory, &refs, workday, &mut rng).unwrap();
            let mut minutes: HashMap<(i32, &str, Option<&str>), i64> = HashMap::new();
            for log in &logs {
                assert!(directory.technicians.contains(&log.technician_id));
                assert_eq!(log.member_id.is_none(), log.kind == "hotline_duty");
                let code = log.member_id.map(|id| code_of(&directory, id));
                if let Some(id) = log.member_id {
                    let member = directory.members.iter().find(|m| m.id == id).unwrap();
                    assert!(member.membership.covers(log.work_date));
                }
                if let Some(ticket) = log.ticket_id {
                    assert_eq!(refs[ticket as usize - 1].member_id, log.member_id.unwrap());
                }
                *minutes
                    .entry((log.work_date.year(), log.kind.as_str(), code))
                    .or_default() += i64::from(log.minutes);
            }
            let workday = i64::from(workday);
            for &(code, days) in year(2016).on_site_days {
                assert_eq!(
                    minutes[&(2016, "on_site", Some(code))],
                    i64::from(days) * workday
                );
            }
            assert_eq!(minutes[&(2018, "hotline_duty", None)], 350 * workday);
            for plan in YEARS {
                let of_kind = |kind: &str| -> i64 {
                    minutes
                        .iter()
                        .filter(|((y, k, _), _)| *y == plan.year && *k == kind)
                        .map(|(_, m)| m)
                        .sum()
                };
                let posted = of_kind("posted") as f64;
                let all = posted
                    + (of_kind("on_site") + of_kind("project") + of_kind("hotline_duty")) as f64;
                assert!(
                    (0.69..0.71).contains(&(posted / all)),
                    "{}: {}",
                    plan.year,
                    posted / all
                );
            }
        }
    }
}
