//! The console's two languages: French first, English on request.

use actix_web::http::header;
use actix_web::HttpRequest;

/// The cookie that remembers the language of the console between pages, set at log-in from the
/// account's preference and by the language switch.
pub const LANG_COOKIE: &str = "helpdesk_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn parse(raw: &str) -> Option<Lang> {
        match raw.trim() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The text in this language.
    pub fn t(self, fr: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// The language of a request without a session: the cookie, or else the browser's first
    /// choice among the two, or else French.
    pub fn of(req: &HttpRequest) -> Lang {
        if let Some(lang) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
            return lang;
        }
        let accepted = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        for tag in accepted.split(',') {
            let primary = tag.split(';').next().unwrap_or("").trim();
            let primary = primary.split('-').next().unwrap_or("").to_ascii_lowercase();
            if let Some(lang) = Lang::parse(&primary) {
                return lang;
            }
        }
        Lang::Fr
    }

    /// A message of the API's rules in this language (the API speaks English; the console
    /// says the same in French).
    pub fn message(self, message: &str) -> String {
        match self {
            Lang::En => message.to_string(),
            Lang::Fr => french(message).unwrap_or_else(|| message.to_string()),
        }
    }
}

/// The French of the API's messages; `None` for one without a translation.
fn french(message: &str) -> Option<String> {
    const EXACT: &[(&str, &str)] = &[
        ("must not be blank", "ne peut pas être vide"),
        ("is required", "est obligatoire"),
        ("must be an e-mail address", "doit être une adresse e-mail"),
        ("must be a phone number", "doit être un numéro de téléphone"),
        (
            "must be a date YYYY-MM-DD",
            "doit être une date (AAAA-MM-JJ)",
        ),
        ("must be 1, 2, 3 or 4", "doit être 1, 2, 3 ou 4"),
        (
            "must be 1 (critical), 2, 3 or 4 (low)",
            "doit être 1 (critique), 2, 3 ou 4 (basse)",
        ),
        (
            "must be a positive integer id",
            "doit être un identifiant (nombre entier)",
        ),
        (
            "give either days or minutes",
            "indiquez des jours ou des minutes, pas les deux",
        ),
        (
            "wrong e-mail or password",
            "e-mail ou mot de passe incorrect",
        ),
        (
            "is required when staff file a ticket",
            "choisissez l'adhérent",
        ),
        (
            "must not be before joined_on",
            "ne peut pas précéder l'adhésion",
        ),
        ("must not be null", "est obligatoire"),
        (
            "is required for an agent",
            "un agent appartient à un adhérent : choisissez-le",
        ),
        (
            "must be null for staff (only agents belong to a member)",
            "aucun adhérent pour l'équipe (seuls les agents appartiennent à un adhérent)",
        ),
        (
            "must be 1 to 40 characters among A-Z, 0-9, '-' and '_', starting with a letter or digit",
            "1 à 40 caractères parmi A-Z, 0-9, « - » et « _ », en commençant par une lettre ou un chiffre",
        ),
        (
            "you cannot disable yourself or change your own role",
            "vous ne pouvez ni vous désactiver ni changer votre propre rôle",
        ),
        (
            "a category of that name already exists there",
            "une catégorie de ce nom existe déjà à cet endroit",
        ),
        (
            "must be a top-level category: the tree has two levels",
            "doit être une catégorie de premier niveau : l'arbre a deux niveaux",
        ),
        (
            "a category with sub-categories stays at the top level",
            "une catégorie qui a des sous-catégories reste au premier niveau",
        ),
        (
            "only an admin may create an admin",
            "seul un administrateur peut créer un administrateur",
        ),
        (
            "a manager may create only accounts of roles below their own",
            "un responsable ne crée que des comptes de rôle inférieur au sien",
        ),
        (
            "this needs a manager or an admin",
            "réservé aux responsables et aux administrateurs",
        ),
        (
            "contains a control character",
            "contient un caractère de contrôle",
        ),
    ];
    if let Some((_, fr)) = EXACT.iter().find(|(en, _)| *en == message) {
        return Some(fr.to_string());
    }
    if let Some(rest) = message.strip_prefix("must be at most ") {
        if let Some(n) = rest.strip_suffix(" characters") {
            return Some(format!("{n} caractères au plus"));
        }
    }
    if let Some(rest) = message.strip_prefix("must be at least ") {
        if let Some(n) = rest.strip_suffix(" characters") {
            return Some(format!("{n} caractères au moins"));
        }
    }
    if let Some(code) = message
        .strip_prefix("a member with code ")
        .and_then(|rest| rest.strip_suffix(" already exists"))
    {
        return Some(format!("un adhérent de code {code} existe déjà"));
    }
    if let Some(email) = message
        .strip_prefix("a user with e-mail ")
        .and_then(|rest| rest.strip_suffix(" already exists"))
    {
        return Some(format!("un compte avec l'e-mail {email} existe déjà"));
    }
    if let Some(rest) = message.strip_prefix("must be one of ") {
        return Some(format!("doit être l'une des valeurs : {rest}"));
    }
    if let Some(rest) = message.strip_prefix("must be ") {
        if rest.contains(" or ") {
            return Some(format!("doit être {}", rest.replace(" or ", " ou ")));
        }
    }
    if message.starts_with("must not contain control characters") {
        return Some("ne doit pas contenir de caractères de contrôle".into());
    }
    if let Some((what, day)) = message.split_once(" was not a member on ") {
        return Some(format!("{what} n'était pas adhérent le {day}"));
    }
    if let Some(id) = message
        .strip_prefix("category ")
        .and_then(|rest| rest.strip_suffix(" is retired"))
    {
        return Some(format!("la catégorie {id} est retirée"));
    }
    if message.ends_with(" does not exist") {
        let what = message.trim_end_matches(" does not exist");
        let what = what
            .replacen("member ", "l'adhérent ", 1)
            .replacen("category ", "la catégorie ", 1)
            .replacen("ticket ", "le ticket ", 1)
            .replacen("user ", "l'utilisateur ", 1);
        return Some(format!("{what} n'existe pas"));
    }
    if message.contains("is not a member of staff") {
        return Some("n'est pas un membre de l'équipe".into());
    }
    if message.starts_with("is required for ") {
        return Some("est obligatoire pour ce type de travail".into());
    }
    if message.starts_with("must be absent for hotline_duty") {
        return Some("pas d'adhérent pour la permanence hotline : ses jours sont partagés".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apis_messages_read_in_french_and_unknown_ones_stay_as_they_are() {
        assert_eq!(
            Lang::Fr.message("must not be blank"),
            "ne peut pas être vide"
        );
        assert_eq!(
            Lang::Fr.message("must be at most 200 characters"),
            "200 caractères au plus"
        );
        assert_eq!(Lang::En.message("must not be blank"), "must not be blank");
        assert_eq!(
            Lang::Fr.message("is required for an agent"),
            "un agent appartient à un adhérent : choisissez-le"
        );
        assert_eq!(
            Lang::Fr.message("a member with code CACHAN already exists"),
            "un adhérent de code CACHAN existe déjà"
        );
        assert_eq!(Lang::Fr.message("something new"), "something new");
    }
}
