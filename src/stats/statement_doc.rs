//! A member's statement as its reader gets it: JSON, a workbook, or a page ready to print to
//! PDF. The workbook's sheets and the page's tables are the same `Table`s.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::export::{Download, ExportError, JSON_TYPE, XLSX_TYPE};
use super::lang::Lang;
use super::statement::MemberStatement;
use super::tables::{Cell, Table};
use super::xlsx;

/// The formats a statement comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatementFormat {
    #[default]
    Json,
    Xlsx,
    Html,
}

impl StatementFormat {
    pub fn parse(value: Option<&str>) -> Result<Self, crate::domain::FieldError> {
        match value.map(str::trim) {
            None | Some("json") => Ok(StatementFormat::Json),
            Some("xlsx") => Ok(StatementFormat::Xlsx),
            Some("html") => Ok(StatementFormat::Html),
            Some(_) => Err(crate::domain::FieldError::new(
                "format",
                "must be json, xlsx or html",
            )),
        }
    }
}

/// The statement's words in one language.
struct Words {
    title: &'static str,
    file: &'static str,
    billed_sheet: &'static str,
    tickets_sheet: &'static str,
    levels_sheet: &'static str,
    item: &'static str,
    days: &'static str,
    posted: &'static str,
    on_site: &'static str,
    project: &'static str,
    hotline_share: &'static str,
    total: &'static str,
    domain: &'static str,
    category: &'static str,
    no_category: &'static str,
    tickets: &'static str,
    measure: &'static str,
    measured: &'static str,
    within: &'static str,
    within_pct: &'static str,
    acknowledged: &'static str,
    resolved: &'static str,
    presence: &'static str,
    presence_logged: &'static str,
    presence_given: &'static str,
    levels_note: &'static str,
}

const FRENCH: Words = Words {
    title: "Relevé d'activité",
    file: "releve",
    billed_sheet: "Jours facturés",
    tickets_sheet: "Tickets",
    levels_sheet: "Délais",
    item: "Rubrique",
    days: "Jours",
    posted: "Travail posté",
    on_site: "Interventions sur site",
    project: "Projets",
    hotline_share: "Part des jours de hotline",
    total: "Total",
    domain: "Domaine",
    category: "Catégorie",
    no_category: "(sans catégorie)",
    tickets: "Tickets",
    measure: "Mesure",
    measured: "Tickets mesurés",
    within: "Dans le délai",
    within_pct: "Dans le délai (%)",
    acknowledged: "Prise en charge",
    resolved: "Résolution",
    presence: "Jours de présence hotline répartis",
    presence_logged: "les jours de permanence enregistrés",
    presence_given: "les jours de présence indiqués",
    levels_note: "Délais des tickets hotline de l'année entière.",
};

const ENGLISH: Words = Words {
    title: "Activity statement",
    file: "statement",
    billed_sheet: "Days billed",
    tickets_sheet: "Tickets",
    levels_sheet: "Service levels",
    item: "Item",
    days: "Days",
    posted: "Posted work",
    on_site: "On-site interventions",
    project: "Projects",
    hotline_share: "Share of the hotline days",
    total: "Total",
    domain: "Domain",
    category: "Category",
    no_category: "(no category)",
    tickets: "Tickets",
    measure: "Measure",
    measured: "Tickets measured",
    within: "Within target",
    within_pct: "Within target (%)",
    acknowledged: "Taken in charge",
    resolved: "Resolved",
    presence: "Hotline presence days shared",
    presence_logged: "the hotline duty days logged",
    presence_given: "the presence days given",
    levels_note: "Times of the whole year's hotline tickets.",
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Fr => &FRENCH,
        Lang::En => &ENGLISH,
    }
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_string())
}

/// The statement's tables: the days billed (adding up to the total), the tickets by category,
/// the service levels.
pub fn tables(statement: &MemberStatement, lang: Lang) -> Vec<Table> {
    let w = words(lang);
    let line = &statement.line;
    let billed = Table {
        sheet_name: w.billed_sheet,
        file_stem: "billed",
        headings: vec![w.item.into(), w.days.into()],
        rows: vec![
            vec![text(w.posted), Cell::Decimal(line.posted_days)],
            vec![text(w.on_site), Cell::Decimal(line.on_site_days)],
            vec![text(w.project), Cell::Decimal(line.project_days)],
            vec![text(w.hotline_share), Cell::Decimal(line.hotline_days)],
            vec![text(w.total), Cell::Decimal(line.total_days)],
        ],
        has_total_row: true,
        chart: None,
    };
    let mut rows: Vec<Vec<Cell>> = statement
        .tickets_by_category
        .iter()
        .map(|c| {
            let name = c.category_name.as_deref().unwrap_or(w.no_category);
            vec![
                text(c.parent_name.as_deref().unwrap_or(name)),
                text(name),
                Cell::Count(c.tickets),
            ]
        })
        .collect();
    rows.push(vec![
        text(""),
        text(w.total),
        Cell::Count(line.hotline_tickets + line.posted_tickets),
    ]);
    let tickets = Table {
        sheet_name: w.tickets_sheet,
        file_stem: "tickets",
        headings: vec![w.domain.into(), w.category.into(), w.tickets.into()],
        rows,
        has_total_row: true,
        chart: None,
    };
    let levels = &statement.service_levels;
    let optional = |value: Option<f64>| value.map_or_else(|| text(""), Cell::Decimal);
    let service_levels = Table {
        sheet_name: w.levels_sheet,
        file_stem: "levels",
        headings: vec![
            w.measure.into(),
            w.measured.into(),
            w.within.into(),
            w.within_pct.into(),
        ],
        rows: vec![
            vec![
                text(w.acknowledged),
                Cell::Count(levels.acknowledged),
                Cell::Count(levels.acknowledged_within_target),
                optional(levels.acknowledged_within_target_pct),
            ],
            vec![
                text(w.resolved),
                Cell::Count(levels.resolved),
                Cell::Count(levels.resolved_within_target),
                optional(levels.resolved_within_target_pct),
            ],
        ],
        has_total_row: false,
        chart: None,
    };
    vec![billed, tickets, service_levels]
}

/// A number as the language writes it: two decimals, a comma in French.
fn shown(cell: &Cell, lang: Lang) -> String {
    match (cell, lang) {
        (Cell::Decimal(x), Lang::Fr) => format!("{x:.2}").replace('.', ","),
        _ => cell.text(),
    }
}

const PRINT_STYLE: &str = "
@page { size: A4; margin: 18mm; }
body { font-family: 'Liberation Sans', Arial, sans-serif; font-size: 11pt; color: #111; max-width: 48em; margin: 2em auto; }
h1 { font-size: 18pt; margin: 0 0 .2em; }
h2 { font-size: 13pt; margin: 1.6em 0 .4em; }
p.lead { margin: 0 0 1em; color: #333; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: .3em .5em; text-align: left; }
th { background: #e8e8e8; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; }
p.note { font-size: 9pt; color: #444; }
@media print { body { margin: 0; max-width: none; } }
";

/// The statement as a page ready to print (to PDF from the browser).
pub fn html(statement: &MemberStatement, lang: Lang) -> String {
    let w = words(lang);
    let line = &statement.line;
    let period = lang.period(statement.year, statement.month);
    let presence_from = if statement.presence_given {
        w.presence_given
    } else {
        w.presence_logged
    };
    let presence = shown(&Cell::Decimal(statement.presence_days), lang);
    let lead = match lang {
        Lang::Fr => format!(
            "{}\u{a0}: {presence} ({presence_from}), au prorata des {} tickets hotline\u{a0}; \
             l'adhérent en a déposé {}, soit {} jours.",
            w.presence,
            statement.team_hotline_tickets,
            line.hotline_tickets,
            shown(&Cell::Decimal(line.hotline_days), lang),
        ),
        Lang::En => format!(
            "{}: {presence} ({presence_from}), in proportion to the {} hotline tickets; the \
             member filed {}, that is {} days.",
            w.presence,
            statement.team_hotline_tickets,
            line.hotline_tickets,
            shown(&Cell::Decimal(line.hotline_days), lang),
        ),
    };
    let tables = tables(statement, lang);
    let page: Markup = html! {
        (DOCTYPE)
        html lang=(lang.as_str()) {
            head {
                meta charset="utf-8";
                title { (w.title) " — " (line.member_name) " — " (period) }
                style { (PreEscaped(PRINT_STYLE)) }
            }
            body {
                h1 { (w.title) " — " (period) }
                p.lead { strong { (line.member_name) } " (" (line.member_code) ")" }
                p { (lead) }
                @for table in &tables {
                    h2 { (table.sheet_name) }
                    (html_table(table, lang))
                }
                p.note { (w.levels_note) }
            }
        }
    };
    page.into_string()
}

fn html_table(table: &Table, lang: Lang) -> Markup {
    let last = table.rows.len().saturating_sub(1);
    html! {
        table {
            thead { tr { @for heading in &table.headings { th scope="col" { (heading) } } } }
            tbody {
                @for (index, row) in table.rows.iter().enumerate() {
                    tr.total[table.has_total_row && index == last] {
                        @for cell in row {
                            @if matches!(cell, Cell::Text(_)) {
                                td { (cell.text()) }
                            } @else {
                                td.n { (shown(cell, lang)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The statement's file name: "releve-ARCUEIL-2018", "statement-ARCUEIL-2018-03".
pub fn file_name(statement: &MemberStatement, lang: Lang, extension: &str) -> String {
    let code: String = statement
        .line
        .member_code
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let period = match statement.month {
        None => statement.year.to_string(),
        Some(month) => format!("{}-{month:02}", statement.year),
    };
    format!("{}-{code}-{period}.{extension}", words(lang).file)
}

pub fn render(
    statement: &MemberStatement,
    format: StatementFormat,
    lang: Lang,
) -> Result<Download, ExportError> {
    Ok(match format {
        StatementFormat::Json => Download {
            content_type: JSON_TYPE,
            file_name: None,
            bytes: serde_json::to_vec(statement)?,
        },
        StatementFormat::Xlsx => Download {
            content_type: XLSX_TYPE,
            file_name: Some(file_name(statement, lang, "xlsx")),
            bytes: xlsx::workbook(&tables(statement, lang))?,
        },
        StatementFormat::Html => Download {
            content_type: "text/html; charset=utf-8",
            file_name: None,
            bytes: html(statement, lang).into_bytes(),
        },
    })
}
