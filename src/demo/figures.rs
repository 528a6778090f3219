//! The figures the demo data reproduces: members, categories, each year's counts, seasons
//! and names, after the activity reports.

use chrono::NaiveDate;

use crate::domain::member::MemberKind;
use crate::domain::ticket::TicketType::{self, Incident, Request};

pub(super) type Ymd = (i32, u32, u32);

pub(super) struct MemberSpec {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    /// The name the activity report writes, when it is not the official one.
    pub(super) short_name: Option<&'static str>,
    pub(super) kind: MemberKind,
    pub(super) uses_hotline: bool,
    pub(super) joined_on: Option<Ymd>,
    pub(super) left_on: Option<Ymd>,
    /// The last day a member that stayed in the cooperative called the shared hotline.
    pub(super) hotline_until: Option<Ymd>,
}

/// A long-standing member that uses the hotline.
pub(super) const fn member(code: &'static str, name: &'static str, kind: MemberKind) -> MemberSpec {
    MemberSpec {
        code,
        name,
        short_name: None,
        kind,
        uses_hotline: true,
        joined_on: Some((2010, 1, 1)),
        left_on: None,
        hotline_until: None,
    }
}

pub(super) const MEMBERS: &[MemberSpec] = &[
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
        short_name: Some("GOSB"),
        ..member("GOSB", "Grand-Orly Seine Bièvre", MemberKind::Territory)
    },
    member("OPH-VITRY", "OPH de Vitry", MemberKind::HousingOffice),
    MemberSpec {
        short_name: Some("SMBVB"),
        ..member(
            "SMBVB",
            "Syndicat mixte du bassin versant de la Bièvre",
            MemberKind::Syndicate,
        )
    },
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

pub(super) struct CategorySpec {
    pub(super) name: &'static str,
    /// How often the domain comes up, relative to the others.
    pub(super) weight: u32,
    pub(super) children: &'static [(&'static str, &'static [(&'static str, TicketType)])],
}

pub(super) const CATEGORIES: &[CategorySpec] = &[
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
pub(super) const PROJECT_CATEGORY: (&str, &str) = ("Poste de travail", "Matériel");

/// One year of activity: ticket counts per member and work days per member and kind.
pub(super) struct YearPlan {
    pub(super) year: i32,
    pub(super) hotline_tickets: &'static [(&'static str, u32)],
    pub(super) posted_tickets: &'static [(&'static str, u32)],
    pub(super) on_site_days: &'static [(&'static str, u32)],
    pub(super) posted_days: &'static [(&'static str, u32)],
    pub(super) project_days: &'static [(&'static str, u32, &'static str)],
    pub(super) hotline_duty_days: u32,
}

// Posted days are set so that posted work is about 70 % of each year's minutes, as the 2018
// report says.
pub(super) const YEARS: &[YearPlan] = &[
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
pub(super) const POSTED_SITES: &[&str] = &["GENTILLY", "ARCUEIL", "GOSB", "IVRY", "OPH-VILLEJUIF"];

/// Relative hotline volume per month, January first: busy at the start of the year and after
/// the summer, quiet in August.
pub(super) const HOTLINE_SEASON: [u32; 12] = [11, 9, 10, 9, 8, 9, 7, 4, 12, 10, 9, 7];
/// Posted technicians log tickets all year long, fewer while members' offices close in summer.
pub(super) const POSTED_SEASON: [u32; 12] = [9, 9, 9, 9, 8, 8, 7, 3, 9, 9, 9, 7];

/// Priorities 1 (critical) to 4 (low), mostly 3.
pub(super) const PRIORITY_WEIGHTS: [u32; 4] = [4, 16, 60, 20];

pub(in crate::demo) fn member_index(code: &str) -> Option<usize> {
    MEMBERS.iter().position(|spec| spec.code == code)
}

pub(in crate::demo) fn ymd((year, month, day): Ymd) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("the demo tables hold valid dates")
}
