//! The category tree a new database starts with: the domains of the activity reports.

/// Top-level categories and their sub-categories.
pub const DEFAULT_TREE: &[(&str, &[&str])] = &[
    (
        "Poste de travail",
        &["Windows", "Matériel", "Logiciels bureautiques"],
    ),
    (
        "Impression",
        &["Imprimante réseau", "Copieur multifonction"],
    ),
    ("Réseau", &["Wi-Fi", "VPN", "Câblage"]),
    ("Messagerie", &["Outlook", "Webmail"]),
    ("Comptes et accès", &["Mot de passe", "Droits d'accès"]),
    ("Téléphonie", &["Téléphone fixe", "Mobile"]),
    (
        "Applications métier",
        &[
            "Polyfac",
            "Sedit",
            "Coriolis",
            "Concerto",
            "Pelehas",
            "AIRS Délib",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_has_two_levels_with_the_report_domains() {
        assert_eq!(DEFAULT_TREE.len(), 7);
        let business = DEFAULT_TREE
            .iter()
            .find(|(name, _)| *name == "Applications métier")
            .unwrap();
        assert!(business.1.contains(&"Polyfac") && business.1.contains(&"Pelehas"));
    }
}
