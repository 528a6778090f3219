//! CSV files as spreadsheets open them: UTF-8 with a byte order mark (without it Excel reads
//! "Adhérent" as Latin-1), CRLF line ends and RFC 4180 quoting; in French `;` between fields
//! and decimal commas (what a French spreadsheet expects), in English commas and points.

use std::borrow::Cow;

use super::lang::Lang;
use super::tables::{Cell, Table};

const BYTE_ORDER_MARK: &str = "\u{feff}";

/// The field separator and the decimal mark of a language.
fn marks(lang: Lang) -> (char, char) {
    match lang {
        Lang::Fr => (';', ','),
        Lang::En => (',', '.'),
    }
}

/// A field, quoted when it holds the separator, a quote or a line break; quotes inside are
/// doubled.
pub fn field(value: &str, separator: char) -> Cow<'_, str> {
    if value.contains([separator, '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(value)
    }
}

fn line<'a>(out: &mut String, separator: char, fields: impl Iterator<Item = Cow<'a, str>>) {
    for (i, value) in fields.enumerate() {
        if i > 0 {
            out.push(separator);
        }
        out.push_str(&value);
    }
    out.push_str("\r\n");
}

/// A cell as the language writes it: decimals with two digits and its decimal mark.
fn cell_text(cell: &Cell, decimal: char) -> String {
    match cell {
        Cell::Decimal(_) if decimal != '.' => cell.text().replace('.', &decimal.to_string()),
        other => other.text(),
    }
}

/// The table with its headings as the first line.
pub fn table(table: &Table, lang: Lang) -> Vec<u8> {
    let (separator, decimal) = marks(lang);
    let mut out = String::from(BYTE_ORDER_MARK);
    line(
        &mut out,
        separator,
        table.headings.iter().map(|h| field(h, separator)),
    );
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|c| cell_text(c, decimal)).collect();
        line(
            &mut out,
            separator,
            cells.iter().map(|c| field(c, separator)),
        );
    }
    out.into_bytes()
}

/// The archive's note on how its files are written, with their names.
pub fn readme(lang: Lang, files: &[String]) -> (String, Vec<u8>) {
    let list: String = files.iter().map(|f| format!("- {f}\r\n")).collect();
    match lang {
        Lang::Fr => (
            "LISEZMOI.txt".to_string(),
            format!(
                "Fichiers CSV : UTF-8 avec marque d'ordre des octets, champs séparés par des \
                 points-virgules (;), virgule décimale (1234,50), fins de ligne CRLF, guillemets \
                 doubles autour d'un champ qui contient un point-virgule, un guillemet ou un \
                 retour à la ligne. Les jours ont deux décimales. Les graphiques sont en SVG.\r\n\r\n{list}"
            )
            .into_bytes(),
        ),
        Lang::En => (
            "README.txt".to_string(),
            format!(
                "CSV files: UTF-8 with a byte order mark, fields separated by commas (,), \
                 decimal points (1234.50), CRLF line ends, double quotes around a field that \
                 holds a comma, a quote or a line break. Days have two decimals. The charts are \
                 SVG.\r\n\r\n{list}"
            )
            .into_bytes(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_need_it() {
        assert_eq!(field("Écoles Ivry", ','), "Écoles Ivry");
        assert_eq!(field("OPH d'Ivry", ','), "OPH d'Ivry");
        assert_eq!(field("Ivry, Vitry", ','), "\"Ivry, Vitry\"");
        assert_eq!(field("Ivry, Vitry", ';'), "Ivry, Vitry");
        assert_eq!(field("Ivry; Vitry", ';'), "\"Ivry; Vitry\"");
        assert_eq!(
            field("le \"grand\" théâtre", ';'),
            "\"le \"\"grand\"\" théâtre\""
        );
        assert_eq!(field("deux\nlignes", ','), "\"deux\nlignes\"");
        assert_eq!(field("", ';'), "");
    }

    #[test]
    fn a_table_starts_with_a_byte_order_mark_and_ends_lines_with_crlf() {
        let table = Table {
            sheet_name: "Tickets",
            file_stem: "tickets",
            headings: vec!["Adhérent".into(), "Jours".into()],
            rows: vec![vec![Cell::Text("A, B".into()), Cell::Decimal(1.5)]],
            has_total_row: false,
            chart: None,
        };
        let english = String::from_utf8(super::table(&table, Lang::En)).unwrap();
        assert_eq!(english, "\u{feff}Adhérent,Jours\r\n\"A, B\",1.50\r\n");
        let french = String::from_utf8(super::table(&table, Lang::Fr)).unwrap();
        assert_eq!(french, "\u{feff}Adhérent;Jours\r\nA, B;1,50\r\n");
    }
}
