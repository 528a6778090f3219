//! How the console writes dates, numbers and the names of the workflow's values in each
//! language: `05/03/2018 09:12` and `1 234,5` in French, in the service's time zone.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::domain::ticket::{Channel, Origin, Priority, Status, TicketType};
use crate::domain::user::Role;
use crate::domain::work_log::WorkKind;
use crate::web::i18n::Lang;

/// An instant stored as UTC, as a wall-clock time of the service's zone.
pub fn date_time(lang: Lang, utc: NaiveDateTime, zone: Tz) -> String {
    let local = utc.and_utc().with_timezone(&zone);
    match lang {
        Lang::Fr => local.format("%d/%m/%Y %H:%M").to_string(),
        Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
    }
}

pub fn date(lang: Lang, day: NaiveDate) -> String {
    match lang {
        Lang::Fr => day.format("%d/%m/%Y").to_string(),
        Lang::En => day.format("%Y-%m-%d").to_string(),
    }
}

/// A day with its weekday, for lists of days: `lun. 05/03`.
pub fn weekday(lang: Lang, day: NaiveDate) -> String {
    use chrono::Datelike;
    let names = match lang {
        Lang::Fr => ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    };
    let name = names[day.weekday().num_days_from_monday() as usize];
    match lang {
        Lang::Fr => format!("{name} {}", day.format("%d/%m")),
        Lang::En => format!("{name} {}", day.format("%m-%d")),
    }
}

/// A number with at most `decimals` decimals, grouped by thousands: `1 234,5`.
pub fn number(lang: Lang, value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w.to_string(), f.trim_end_matches('0').to_string()),
        None => (text.clone(), String::new()),
    };
    let (sign, digits) = match whole.strip_prefix('-') {
        Some(d) => ("-", d.to_string()),
        None => ("", whole),
    };
    let separator = match lang {
        Lang::Fr => '\u{a0}',
        Lang::En => ',',
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(separator);
        }
        grouped.push(c);
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        let point = lang.t(",", ".");
        format!("{sign}{grouped}{point}{fraction}")
    }
}

/// Minutes as hours and minutes: `1 h 05`, `45 min`.
pub fn minutes(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    if h == 0 {
        format!("{m} min")
    } else {
        format!("{h} h {m:02}")
    }
}

pub fn status(lang: Lang, status: Status) -> &'static str {
    match status {
        Status::New => lang.t("Nouveau", "New"),
        Status::Assigned => lang.t("Attribué", "Assigned"),
        Status::InProgress => lang.t("En cours", "In progress"),
        Status::Waiting => lang.t("En attente", "Waiting"),
        Status::Resolved => lang.t("Résolu", "Resolved"),
        Status::Closed => lang.t("Clos", "Closed"),
    }
}

pub fn ticket_type(lang: Lang, kind: TicketType) -> &'static str {
    match kind {
        TicketType::Incident => lang.t("Incident", "Incident"),
        TicketType::Request => lang.t("Demande", "Request"),
    }
}

pub fn priority(lang: Lang, priority: Priority) -> &'static str {
    match priority.number() {
        1 => lang.t("1 · critique", "1 · critical"),
        2 => lang.t("2 · haute", "2 · high"),
        3 => lang.t("3 · normale", "3 · normal"),
        _ => lang.t("4 · basse", "4 · low"),
    }
}

pub fn origin(lang: Lang, origin: Origin) -> &'static str {
    match origin {
        Origin::Hotline => lang.t("Hotline", "Hotline"),
        Origin::Posted => lang.t("Travail posté", "Posted work"),
    }
}

pub fn channel(lang: Lang, channel: Channel) -> &'static str {
    match channel {
        Channel::Phone => lang.t("Téléphone", "Phone"),
        Channel::Api => lang.t("API", "API"),
        Channel::Email => lang.t("E-mail", "E-mail"),
        Channel::Web => lang.t("Web", "Web"),
    }
}

pub fn work_kind(lang: Lang, kind: WorkKind) -> &'static str {
    match kind {
        WorkKind::Posted => lang.t("Poste chez l'adhérent", "Posted at a member"),
        WorkKind::OnSite => lang.t("Intervention sur site", "On-site"),
        WorkKind::HotlineDuty => lang.t("Permanence hotline", "Hotline duty"),
        WorkKind::Project => lang.t("Projet", "Project"),
    }
}

pub fn role(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Agent => lang.t("Agent adhérent", "Member's agent"),
        Role::Hotline => lang.t("Hotline", "Hotline"),
        Role::Technician => lang.t("Technicien", "Technician"),
        Role::Manager => lang.t("Responsable", "Manager"),
        Role::Admin => lang.t("Administrateur", "Admin"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_are_written_the_french_way_by_default() {
        assert_eq!(number(Lang::Fr, 1234.5, 1), "1\u{a0}234,5");
        assert_eq!(number(Lang::En, 1234.5, 1), "1,234.5");
        assert_eq!(number(Lang::Fr, 12.0, 2), "12");
        assert_eq!(number(Lang::Fr, -1234567.0, 0), "-1\u{a0}234\u{a0}567");
        let utc = NaiveDate::from_ymd_opt(2018, 3, 5)
            .unwrap()
            .and_hms_opt(8, 12, 0)
            .unwrap();
        assert_eq!(
            date_time(Lang::Fr, utc, chrono_tz::Europe::Paris),
            "05/03/2018 09:12"
        );
        assert_eq!(minutes(65), "1 h 05");
        assert_eq!(minutes(45), "45 min");
    }
}
