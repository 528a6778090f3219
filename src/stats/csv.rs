//! CSV files as spreadsheets open them: UTF-8 with a byte order mark (without it Excel reads
//! "Adhérent" as Latin-1), commas, CRLF line ends and RFC 4180 quoting, dot decimals.

use std::borrow::Cow;

use super::tables::{Cell, Table};

const BYTE_ORDER_MARK: &str = "\u{feff}";

/// A field, quoted when it holds a comma, a quote or a line break; quotes inside are doubled.
pub fn field(value: &str) -> Cow<'_, str> {
    if value.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(value)
    }
}

fn line<'a>(out: &mut String, fields: impl Iterator<Item = Cow<'a, str>>) {
    for (i, value) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&value);
    }
    out.push_str("\r\n");
}

/// The table with its headings as the first line.
pub fn table(table: &Table) -> Vec<u8> {
    let mut out = String::from(BYTE_ORDER_MARK);
    line(&mut out, table.headings.iter().map(|h| field(h)));
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(Cell::text).collect();
        line(&mut out, cells.iter().map(|c| field(c)));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_need_it() {
        assert_eq!(field("Écoles Ivry"), "Écoles Ivry");
        assert_eq!(field("OPH d'Ivry"), "OPH d'Ivry");
        assert_eq!(field("Ivry, Vitry"), "\"Ivry, Vitry\"");
        assert_eq!(
            field("le \"grand\" théâtre"),
            "\"le \"\"grand\"\" théâtre\""
        );
        assert_eq!(field("deux\nlignes"), "\"deux\nlignes\"");
        assert_eq!(field(""), "");
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
        let text = String::from_utf8(super::table(&table)).unwrap();
        assert_eq!(text, "\u{feff}Adhérent,Jours\r\n\"A, B\",1.50\r\n");
    }
}
