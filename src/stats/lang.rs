//! The words of the report in French (the default: it goes into a French public body's
//! activity report) and in English.

use crate::domain::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn parse(value: Option<&str>) -> Result<Self, FieldError> {
        match value.map(str::trim) {
            None | Some("fr") => Ok(Lang::Fr),
            Some("en") => Ok(Lang::En),
            Some(_) => Err(FieldError::new("lang", "must be fr or en")),
        }
    }

    /// `what: detail` as the language writes it: French puts a non-breaking space before the
    /// colon, English none.
    pub fn colon(self, what: &str, detail: &str) -> String {
        match self {
            Lang::Fr => format!("{what}\u{a0}: {detail}"),
            Lang::En => format!("{what}: {detail}"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn words(self) -> &'static Words {
        match self {
            Lang::Fr => &FRENCH,
            Lang::En => &ENGLISH,
        }
    }

    /// The month's name as a heading (capitalised), 1 = January.
    pub fn month_name(self, month: u32) -> &'static str {
        let index = (month.clamp(1, 12) - 1) as usize;
        self.words().months[index]
    }

    /// "2018", or the month in running text: "février 2018", "February 2018".
    pub fn period(self, year: i32, month: Option<u32>) -> String {
        match (self, month) {
            (_, None) => year.to_string(),
            (Lang::Fr, Some(m)) => format!("{} {year}", self.month_name(m).to_lowercase()),
            (Lang::En, Some(m)) => format!("{} {year}", self.month_name(m)),
        }
    }
}

/// Every heading, title and file name of the report in one language. File names stay ASCII
/// so that any archive tool and file system takes them.
pub struct Words {
    pub months: [&'static str; 12],
    pub report_file: &'static str,
    pub code: &'static str,
    pub member: &'static str,
    pub tickets: &'static str,
    pub total: &'static str,
    pub kind: &'static str,
    pub days: &'static str,
    pub minutes: &'static str,
    pub hundredths: &'static str,
    pub share_pct: &'static str,
    pub posted: &'static str,
    pub on_site: &'static str,
    pub project: &'static str,
    pub hotline_duty: &'static str,
    pub tickets_sheet: &'static str,
    pub tickets_file: &'static str,
    pub tickets_chart: &'static str,
    pub seasonality_sheet: &'static str,
    pub seasonality_file: &'static str,
    pub seasonality_chart: &'static str,
    pub work_days_sheet: &'static str,
    pub work_days_file: &'static str,
    pub work_days_chart: &'static str,
    pub work_kinds_chart: &'static str,
    pub allocation_chart: &'static str,
    pub work_kinds_sheet: &'static str,
    pub work_kinds_file: &'static str,
    pub allocation_sheet: &'static str,
    pub allocation_file: &'static str,
    pub priority: &'static str,
    pub acknowledged: &'static str,
    pub resolved: &'static str,
    pub median_minutes: &'static str,
    pub p90_minutes: &'static str,
    pub within_target_pct: &'static str,
    pub service_levels_sheet: &'static str,
    pub service_levels_file: &'static str,
    pub month: &'static str,
    pub seasonality_compare_sheet: &'static str,
    pub seasonality_compare_file: &'static str,
    pub seasonality_compare_chart: &'static str,
    pub on_site_sheet: &'static str,
    pub on_site_file: &'static str,
    pub on_site_chart: &'static str,
    pub domain: &'static str,
    pub category: &'static str,
    pub no_category: &'static str,
    pub categories_sheet: &'static str,
    pub categories_file: &'static str,
    pub categories_chart: &'static str,
    pub technician: &'static str,
    pub nobody: &'static str,
    pub technicians_sheet: &'static str,
    pub technicians_file: &'static str,
    pub hotline_tickets: &'static str,
    pub posted_tickets: &'static str,
    pub hotline_share: &'static str,
    pub billed_total: &'static str,
    pub statements_sheet: &'static str,
    pub statements_file: &'static str,
}

const FRENCH: Words = Words {
    months: [
        "Janvier",
        "Février",
        "Mars",
        "Avril",
        "Mai",
        "Juin",
        "Juillet",
        "Août",
        "Septembre",
        "Octobre",
        "Novembre",
        "Décembre",
    ],
    report_file: "rapport",
    code: "Code",
    member: "Adhérent",
    tickets: "Tickets",
    total: "Total",
    kind: "Type",
    days: "Jours",
    minutes: "Minutes",
    hundredths: "Centièmes",
    share_pct: "Part (%)",
    posted: "Travail posté",
    on_site: "Interventions sur site",
    project: "Projets",
    hotline_duty: "Permanence hotline",
    tickets_sheet: "Tickets par adhérent",
    tickets_file: "tickets-par-adherent",
    tickets_chart: "Tickets hotline par adhérent",
    seasonality_sheet: "Saisonnalité",
    seasonality_file: "saisonnalite",
    seasonality_chart: "Tickets hotline par mois",
    work_days_sheet: "Jours par adhérent",
    work_days_file: "jours-par-adherent",
    work_days_chart: "Jours de travail par adhérent",
    work_kinds_chart: "Part de chaque type de travail",
    allocation_chart: "Jours de hotline répartis par adhérent",
    work_kinds_sheet: "Jours par type",
    work_kinds_file: "jours-par-type",
    allocation_sheet: "Répartition hotline",
    allocation_file: "repartition-hotline",
    priority: "Priorité",
    acknowledged: "Pris en charge",
    resolved: "Résolus",
    median_minutes: "médiane (min ouvrées)",
    p90_minutes: "90e centile (min ouvrées)",
    within_target_pct: "dans le délai (%)",
    service_levels_sheet: "Niveaux de service",
    service_levels_file: "niveaux-de-service",
    month: "Mois",
    seasonality_compare_sheet: "Saisonnalité comparée",
    seasonality_compare_file: "saisonnalite-comparee",
    seasonality_compare_chart: "Tickets hotline par mois, comparés à l'année précédente",
    on_site_sheet: "Sur site",
    on_site_file: "jours-sur-site",
    on_site_chart: "Jours d'intervention sur site par adhérent",
    domain: "Domaine",
    category: "Catégorie",
    no_category: "(sans catégorie)",
    categories_sheet: "Par catégorie",
    categories_file: "par-categorie",
    categories_chart: "Tickets hotline par catégorie",
    technician: "Technicien",
    nobody: "(non attribué)",
    technicians_sheet: "Par technicien",
    technicians_file: "par-technicien",
    hotline_tickets: "Tickets hotline",
    posted_tickets: "Tickets travail posté",
    hotline_share: "Part hotline (jours)",
    billed_total: "Total (jours)",
    statements_sheet: "Relevés par adhérent",
    statements_file: "releves-par-adherent",
};

const ENGLISH: Words = Words {
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    report_file: "report",
    code: "Code",
    member: "Member",
    tickets: "Tickets",
    total: "Total",
    kind: "Kind",
    days: "Days",
    minutes: "Minutes",
    hundredths: "Hundredths",
    share_pct: "Share (%)",
    posted: "Posted work",
    on_site: "On-site interventions",
    project: "Projects",
    hotline_duty: "Hotline duty",
    tickets_sheet: "Tickets by member",
    tickets_file: "tickets-by-member",
    tickets_chart: "Hotline tickets by member",
    seasonality_sheet: "Seasonality",
    seasonality_file: "seasonality",
    seasonality_chart: "Hotline tickets by month",
    work_days_sheet: "Work days by member",
    work_days_file: "work-days-by-member",
    work_days_chart: "Work days by member",
    work_kinds_chart: "Share of each kind of work",
    allocation_chart: "Hotline days shared by member",
    work_kinds_sheet: "Work days by kind",
    work_kinds_file: "work-days-by-kind",
    allocation_sheet: "Hotline allocation",
    allocation_file: "hotline-allocation",
    priority: "Priority",
    acknowledged: "Taken in charge",
    resolved: "Resolved",
    median_minutes: "median (business min)",
    p90_minutes: "90th percentile (business min)",
    within_target_pct: "within target (%)",
    service_levels_sheet: "Service levels",
    service_levels_file: "service-levels",
    month: "Month",
    seasonality_compare_sheet: "Seasonality compared",
    seasonality_compare_file: "seasonality-compared",
    seasonality_compare_chart: "Hotline tickets by month against the year before",
    on_site_sheet: "On site",
    on_site_file: "on-site-days",
    on_site_chart: "On-site days by member",
    domain: "Domain",
    category: "Category",
    no_category: "(no category)",
    categories_sheet: "By category",
    categories_file: "by-category",
    categories_chart: "Hotline tickets by category",
    technician: "Technician",
    nobody: "(unassigned)",
    technicians_sheet: "By technician",
    technicians_file: "by-technician",
    hotline_tickets: "Hotline tickets",
    posted_tickets: "Posted-work tickets",
    hotline_share: "Hotline share (days)",
    billed_total: "Total (days)",
    statements_sheet: "Statements by member",
    statements_file: "statements-by-member",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_named_in_each_language_january_first() {
        assert_eq!(Lang::Fr.month_name(1), "Janvier");
        assert_eq!(Lang::Fr.month_name(2), "Février");
        assert_eq!(Lang::Fr.month_name(8), "Août");
        assert_eq!(Lang::Fr.month_name(12), "Décembre");
        assert_eq!(Lang::En.month_name(1), "January");
        assert_eq!(Lang::En.month_name(12), "December");
    }

    #[test]
    fn a_period_is_a_year_or_a_month_in_running_text() {
        assert_eq!(Lang::Fr.period(2018, None), "2018");
        assert_eq!(Lang::Fr.period(2018, Some(2)), "février 2018");
        assert_eq!(Lang::En.period(2018, Some(2)), "February 2018");
    }

    #[test]
    fn french_is_the_default_language() {
        assert_eq!(Lang::parse(None).unwrap(), Lang::Fr);
        assert_eq!(Lang::parse(Some("en")).unwrap(), Lang::En);
        assert!(Lang::parse(Some("de")).is_err());
    }

    #[test]
    fn sheet_names_fit_excel() {
        for words in [&FRENCH, &ENGLISH] {
            for name in [
                words.tickets_sheet,
                words.seasonality_sheet,
                words.work_days_sheet,
                words.work_kinds_sheet,
                words.allocation_sheet,
                words.service_levels_sheet,
                words.seasonality_compare_sheet,
                words.on_site_sheet,
                words.categories_sheet,
                words.technicians_sheet,
                words.statements_sheet,
            ] {
                assert!(name.chars().count() <= 31, "{name}");
                assert!(
                    !name.contains(['[', ']', ':', '*', '?', '/', '\\']),
                    "{name}"
                );
            }
        }
    }
}
