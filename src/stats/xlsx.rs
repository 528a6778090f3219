//! The report as an XLSX workbook: one sheet per table, numbers as numbers, totals as
//! formulas, and native Excel charts over the sheet's own cells with their values written on
//! them, so that a chart follows any figure edited by hand. Each sheet prints in landscape on
//! A4, its table fitted to the page's width, its chart below it, as wide, on a page of its own.

use rust_xlsxwriter::{
    Chart, ChartAxisCrossing, ChartDataLabel, ChartLegendPosition, ChartType, Format, Formula,
    Workbook, Worksheet, XlsxError,
};

use super::tables::{Cell, CellRange, ChartKind, ChartSpec, Table};

/// Rows between a table and its chart.
const CHART_GAP_ROWS: u32 = 2;
/// Excel's code of the A4 paper size.
const A4: u8 = 9;

/// A column's letters: 0 → A, 26 → AA.
fn column_letters(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push((b'A' + rem) as char);
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// The total row's cell of a column as a sum of the data rows above, when that sum is the
/// figure the table shows (a share rounded row by row may not add up to its 100.00).
fn total_formula(table: &Table, col: usize, shown: f64) -> Option<Formula> {
    let data_rows = table.rows.len().checked_sub(1)?;
    if data_rows == 0 {
        return None;
    }
    let sum: f64 = table.rows[..data_rows]
        .iter()
        .map(|row| row.get(col).and_then(Cell::number))
        .sum::<Option<f64>>()?;
    if (sum - shown).abs() > 0.005 {
        return None;
    }
    let letters = column_letters(col as u16);
    let formula = format!("=SUM({letters}2:{letters}{})", data_rows + 1);
    let result = match table.rows[data_rows][col] {
        Cell::Decimal(x) => format!("{x:.2}"),
        ref other => other.text(),
    };
    Some(Formula::new(formula).set_result(result))
}

pub fn workbook(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let heading = Format::new().set_bold().set_text_wrap();
    let plain = Format::new();
    let total_text = Format::new().set_bold();
    let decimal = Format::new().set_num_format("0.00");
    let total_decimal = Format::new().set_num_format("0.00").set_bold();
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.sheet_name)?;
        for (col, text) in table.headings.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, text, &heading)?;
        }
        for (index, row) in table.rows.iter().enumerate() {
            let sheet_row = index as u32 + 1;
            let is_total = table.has_total_row && index + 1 == table.rows.len();
            let (text_format, decimal_format) = if is_total {
                (&total_text, &total_decimal)
            } else {
                (&plain, &decimal)
            };
            for (index, cell) in row.iter().enumerate() {
                let col = index as u16;
                if is_total {
                    if let Some(formula) = cell
                        .number()
                        .and_then(|shown| total_formula(table, index, shown))
                    {
                        let format = match cell {
                            Cell::Decimal(_) => decimal_format,
                            _ => text_format,
                        };
                        sheet.write_formula_with_format(sheet_row, col, formula, format)?;
                        continue;
                    }
                }
                match cell {
                    Cell::Text(text) => {
                        sheet.write_string_with_format(sheet_row, col, text, text_format)?
                    }
                    Cell::Count(n) => {
                        sheet.write_number_with_format(sheet_row, col, *n as f64, text_format)?
                    }
                    Cell::Decimal(x) => {
                        sheet.write_number_with_format(sheet_row, col, *x, decimal_format)?
                    }
                };
            }
        }
        let table_width = set_widths(sheet, table)?;
        sheet.set_freeze_panes(1, 0)?;
        sheet
            .set_landscape()
            .set_paper_size(A4)
            .set_print_fit_to_pages(1, 0);
        if let Some(spec) = &table.chart {
            if !spec.categories.is_empty() {
                // About as wide as the table (a little less: the pixel widths are estimates), so
                // that the page fitted to the table's width shows the chart whole and large.
                let chart = chart(table, spec, (table_width * 9 / 10).max(760));
                let row = table.rows.len() as u32 + 1 + CHART_GAP_ROWS;
                sheet.insert_chart(row, 0, &chart)?;
                // The chart starts a page: never cut between the table's page and its own.
                sheet.set_page_breaks(&[row])?;
            }
        }
    }
    workbook.save_to_buffer()
}

/// Sets each column's width from its widest text; returns the table's width in pixels.
fn set_widths(sheet: &mut Worksheet, table: &Table) -> Result<u32, XlsxError> {
    let mut pixels = 0;
    for (col, heading) in table.headings.iter().enumerate() {
        let widest = table
            .rows
            .iter()
            .filter_map(|row| row.get(col))
            .map(|cell| cell.text().chars().count())
            .chain(std::iter::once(heading.chars().count().min(24)))
            .max()
            .unwrap_or(8);
        let width = (widest as f64 + 2.0).clamp(8.0, 40.0);
        sheet.set_column_width(col as u16, width)?;
        // A column of width w characters takes about 7 w + 5 pixels.
        pixels += (width * 7.0) as u32 + 5;
    }
    Ok(pixels)
}

fn range<'a>(sheet: &'a str, cells: &CellRange) -> (&'a str, u32, u16, u32, u16) {
    (
        sheet,
        cells.rows.start,
        cells.cols.start,
        cells.rows.end - 1,
        cells.cols.end - 1,
    )
}

fn chart(table: &Table, spec: &ChartSpec, width: u32) -> Chart {
    let mut chart = Chart::new(match spec.kind {
        ChartKind::Columns => ChartType::Column,
        ChartKind::Bars => ChartType::Bar,
        ChartKind::StackedBars => ChartType::BarStacked,
    });
    chart.title().set_name(spec.title.as_str());
    for series in &spec.series {
        chart
            .add_series()
            .set_name(series.name.as_str())
            .set_categories(range(table.sheet_name, &spec.categories))
            .set_values(range(table.sheet_name, &series.values))
            // A zero (an empty part of a stacked bar) is not written over the names.
            .set_data_label(
                ChartDataLabel::new()
                    .show_value()
                    .set_num_format("General;-General;;"),
            );
    }
    chart.legend().set_position(ChartLegendPosition::Bottom);
    if spec.series.len() < 2 {
        chart.legend().set_hidden();
    }
    let categories = spec.categories.rows.len().max(spec.categories.cols.len());
    // Heights are laid out for a chart 760 pixels wide, then grown with its width so that a
    // page shrunk to fit it leaves each name its room; never taller than a landscape page.
    let scaled = |height: u32| (height * width / 760).min(width * 2 / 3);
    match spec.kind {
        ChartKind::Columns => {
            chart.y_axis().set_name(spec.value_axis.as_str());
            chart.set_width(width).set_height(scaled(360));
        }
        ChartKind::Bars | ChartKind::StackedBars => {
            // Bar charts draw the first category at the bottom: reversed, the rows keep the
            // table's order (largest first) and the value axis stays below.
            chart
                .y_axis()
                .set_reverse()
                .set_crossing(ChartAxisCrossing::Max);
            chart.x_axis().set_name(spec.value_axis.as_str());
            let per_category = if spec.kind == ChartKind::Bars {
                14 * spec.series.len() as u32 + 8
            } else {
                24
            };
            chart
                .set_width(width)
                .set_height(scaled((120 + per_category * categories as u32).max(300)));
        }
    }
    chart
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_a_spreadsheet_names_them() {
        let names: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_letters)
            .collect();
        assert_eq!(names, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }
}
