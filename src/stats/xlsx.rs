//! The report as an XLSX workbook: one sheet per table, numbers as numbers, and native Excel
//! charts over the sheet's own cells, so that a chart follows any figure edited by hand.

use rust_xlsxwriter::{
    Chart, ChartAxisCrossing, ChartLegendPosition, ChartType, Format, Workbook, Worksheet,
    XlsxError,
};

use super::tables::{Cell, CellRange, ChartKind, ChartSpec, Table};

/// Where a chart goes: right of its table, one column apart.
const CHART_GAP_COLUMNS: u16 = 1;

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
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
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
        set_widths(sheet, table)?;
        sheet.set_freeze_panes(1, 0)?;
        if let Some(spec) = &table.chart {
            if !spec.categories.is_empty() {
                let chart = chart(table, spec);
                let col = table.headings.len() as u16 + CHART_GAP_COLUMNS;
                sheet.insert_chart(1, col, &chart)?;
            }
        }
    }
    workbook.save_to_buffer()
}

fn set_widths(sheet: &mut Worksheet, table: &Table) -> Result<(), XlsxError> {
    for (col, heading) in table.headings.iter().enumerate() {
        let widest = table
            .rows
            .iter()
            .filter_map(|row| row.get(col))
            .map(|cell| cell.text().chars().count())
            .chain(std::iter::once(heading.chars().count().min(24)))
            .max()
            .unwrap_or(8);
        sheet.set_column_width(col as u16, (widest as f64 + 2.0).clamp(8.0, 40.0))?;
    }
    Ok(())
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

fn chart(table: &Table, spec: &ChartSpec) -> Chart {
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
            .set_values(range(table.sheet_name, &series.values));
    }
    chart.legend().set_position(ChartLegendPosition::Bottom);
    if spec.series.len() < 2 {
        chart.legend().set_hidden();
    }
    let categories = spec.categories.rows.len().max(spec.categories.cols.len());
    match spec.kind {
        ChartKind::Columns => {
            chart.y_axis().set_name(spec.value_axis.as_str());
            chart.set_width(760).set_height(360);
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
                20
            };
            chart
                .set_width(760)
                .set_height((120 + per_category * categories as u32).max(300));
        }
    }
    chart
}
