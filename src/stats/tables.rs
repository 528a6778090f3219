//! The report's tables in one language, and the charts drawn from them. The CSV files, the
//! XLSX sheets and the SVG charts are all written from these, so they show the same figures.

use std::ops::Range;

use super::lang::Lang;
use super::report::Report;
use super::Amount;

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(i64),
    /// Days or percents, shown with two decimals.
    Decimal(f64),
}

impl Cell {
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Text(_) => None,
            Cell::Count(n) => Some(*n as f64),
            Cell::Decimal(x) => Some(*x),
        }
    }

    /// The cell as text: integers as they are, decimals with two digits and a dot.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Decimal(x) => format!("{x:.2}"),
        }
    }
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_string())
}

/// A block of cells in sheet coordinates: row 0 is the headings, data rows follow.
/// Either range may be empty (a table without rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRange {
    pub rows: Range<u32>,
    pub cols: Range<u16>,
}

impl CellRange {
    pub fn column(col: u16, rows: Range<u32>) -> Self {
        CellRange {
            rows,
            cols: col..col + 1,
        }
    }

    pub fn row(row: u32, cols: Range<u16>) -> Self {
        CellRange {
            rows: row..row + 1,
            cols,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() || self.cols.is_empty()
    }

    /// The cells row by row.
    pub fn cells(&self) -> impl Iterator<Item = (u32, u16)> + '_ {
        self.rows
            .clone()
            .flat_map(move |row| self.cols.clone().map(move |col| (row, col)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Vertical columns (months).
    Columns,
    /// Horizontal bars side by side (members, one bar per series).
    Bars,
    /// Horizontal bars, the series stacked (members, work by kind).
    StackedBars,
}

#[derive(Debug, Clone)]
pub struct ChartSeries {
    pub name: String,
    pub values: CellRange,
}

/// A chart over cells of its table.
#[derive(Debug, Clone)]
pub struct ChartSpec {
    pub kind: ChartKind,
    /// Values written with a decimal comma (French) rather than a point.
    pub decimal_comma: bool,
    pub title: String,
    pub file_stem: &'static str,
    pub value_axis: String,
    pub categories: CellRange,
    pub series: Vec<ChartSeries>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub sheet_name: &'static str,
    pub file_stem: &'static str,
    pub headings: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// The last row sums up the others.
    pub has_total_row: bool,
    pub chart: Option<ChartSpec>,
}

impl Table {
    /// The cell at sheet coordinates (row 0 being the headings).
    pub fn cell(&self, row: u32, col: u16) -> Cell {
        let col = usize::from(col);
        match row {
            0 => Cell::Text(self.headings.get(col).cloned().unwrap_or_default()),
            _ => self
                .rows
                .get(row as usize - 1)
                .and_then(|r| r.get(col))
                .cloned()
                .unwrap_or(Cell::Text(String::new())),
        }
    }

    pub fn texts(&self, range: &CellRange) -> Vec<String> {
        range
            .cells()
            .map(|(row, col)| self.cell(row, col).text())
            .collect()
    }

    pub fn numbers(&self, range: &CellRange) -> Vec<f64> {
        range
            .cells()
            .map(|(row, col)| self.cell(row, col).number().unwrap_or(0.0))
            .collect()
    }

    /// Sheet rows of the members, without the headings and the total row.
    fn member_rows(&self) -> Range<u32> {
        let data = self.rows.len() as u32 - u32::from(self.has_total_row);
        1..1 + data
    }
}

/// The tables of a report, in the order of the sheets.
pub fn tables(report: &Report, lang: Lang) -> Vec<Table> {
    // The console's dashboard shows the first six, in this order.
    vec![
        tickets_table(report, lang),
        seasonality_table(report, lang),
        work_days_table(report, lang),
        work_kinds_table(report, lang),
        allocation_table(report, lang),
        service_levels_table(report, lang),
        seasonality_compared_table(report, lang),
        on_site_table(report, lang),
        statements_table(report, lang),
        categories_table(report, lang),
        technicians_table(report, lang),
    ]
}

/// A chart's title: what it shows, and the period of the report.
fn chart_title(what: &str, report: &Report, lang: Lang) -> String {
    format!("{what} — {}", lang.period(report.year, report.month))
}

/// The table with a chart of one of its columns as bars (`one_series_bars`).
fn with_bars(
    mut table: Table,
    title: String,
    value: &str,
    columns: (u16, u16),
    lang: Lang,
) -> Table {
    table.chart = Some(one_series_bars(&table, title, value, columns, lang));
    table
}

/// Bars of one column of a table's rows (the total row left out), named by another column
/// (`(names, values)`), under the table's file name.
fn one_series_bars(
    table: &Table,
    title: String,
    value: &str,
    columns: (u16, u16),
    lang: Lang,
) -> ChartSpec {
    let rows = table.member_rows();
    ChartSpec {
        kind: ChartKind::Bars,
        decimal_comma: lang == Lang::Fr,
        title,
        file_stem: table.file_stem,
        value_axis: value.into(),
        categories: CellRange::column(columns.0, rows.clone()),
        series: vec![ChartSeries {
            name: value.into(),
            values: CellRange::column(columns.1, rows),
        }],
    }
}

fn tickets_table(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    let stats = &report.tickets_by_member;
    let compare_year = stats.compare_year.unwrap_or(report.year - 1);
    let current = format!(
        "{} {}",
        words.tickets,
        lang.period(report.year, report.month)
    );
    let previous = format!(
        "{} {}",
        words.tickets,
        lang.period(compare_year, report.month)
    );
    // A year compared with that has no ticket at all gets no column of zeros.
    let compared = stats.compare_year.is_some();
    let mut rows: Vec<Vec<Cell>> = stats
        .rows
        .iter()
        .map(|r| {
            let mut cells = vec![
                text(&r.member_code),
                text(&r.member_short_name),
                Cell::Count(r.tickets),
            ];
            if compared {
                cells.push(Cell::Count(r.compare_tickets.unwrap_or(0)));
            }
            cells
        })
        .collect();
    let mut total = vec![text(""), text(words.total), Cell::Count(stats.total)];
    if compared {
        total.push(Cell::Count(stats.compare_total.unwrap_or(0)));
    }
    rows.push(total);
    let mut headings = vec![words.code.into(), words.member.into(), current.clone()];
    if compared {
        headings.push(previous.clone());
    }
    let mut table = Table {
        sheet_name: words.tickets_sheet,
        file_stem: words.tickets_file,
        headings,
        rows,
        has_total_row: true,
        chart: None,
    };
    let members = table.member_rows();
    table.chart = Some(ChartSpec {
        kind: ChartKind::Bars,
        decimal_comma: lang == Lang::Fr,
        title: chart_title(words.tickets_chart, report, lang),
        file_stem: words.tickets_file,
        value_axis: words.tickets.into(),
        categories: CellRange::column(1, members.clone()),
        series: std::iter::once(ChartSeries {
            name: current,
            values: CellRange::column(2, members.clone()),
        })
        .chain(compared.then(|| ChartSeries {
            name: previous,
            values: CellRange::column(3, members),
        }))
        .collect(),
    });
    table
}

fn seasonality_table(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    let stats = &report.seasonality;
    let mut headings: Vec<String> = vec![words.code.into(), words.member.into()];
    headings.extend((1..=12).map(|m| lang.month_name(m).to_string()));
    headings.push(words.total.into());
    let row = |code: &str, name: &str, months: &[i64; 12], total: i64| {
        let mut cells = vec![text(code), text(name)];
        cells.extend(months.iter().map(|n| Cell::Count(*n)));
        cells.push(Cell::Count(total));
        cells
    };
    let mut rows: Vec<Vec<Cell>> = stats
        .by_member
        .iter()
        .map(|r| row(&r.member_code, &r.member_short_name, &r.months, r.total))
        .collect();
    rows.push(row("", words.total, &stats.months, stats.total));
    let total_row = rows.len() as u32;
    let months = 2..14;
    Table {
        sheet_name: words.seasonality_sheet,
        file_stem: words.seasonality_file,
        headings,
        rows,
        has_total_row: true,
        chart: Some(ChartSpec {
            kind: ChartKind::Columns,
            decimal_comma: lang == Lang::Fr,
            title: format!("{} — {}", words.seasonality_chart, report.year),
            file_stem: words.seasonality_file,
            value_axis: words.tickets.into(),
            categories: CellRange::row(0, months.clone()),
            series: vec![ChartSeries {
                name: words.tickets.into(),
                values: CellRange::row(total_row, months),
            }],
        }),
    }
}

fn amount_cells(amount: &Amount) -> [Cell; 2] {
    [Cell::Decimal(amount.days), Cell::Count(amount.minutes)]
}

fn work_days_table(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    let stats = &report.work_days;
    let mut headings: Vec<String> = vec![words.code.into(), words.member.into()];
    for kind in [words.posted, words.on_site, words.project, words.total] {
        headings.push(format!("{kind} ({})", words.days.to_lowercase()));
        headings.push(format!("{kind} ({})", words.minutes.to_lowercase()));
    }
    let row = |code: &str, name: &str, amounts: [&Amount; 4]| {
        let mut cells = vec![text(code), text(name)];
        cells.extend(amounts.into_iter().flat_map(amount_cells));
        cells
    };
    let mut rows: Vec<Vec<Cell>> = stats
        .rows
        .iter()
        .map(|r| {
            row(
                &r.member_code,
                &r.member_short_name,
                [&r.posted, &r.on_site, &r.project, &r.total],
            )
        })
        .collect();
    let totals = &stats.totals;
    let members_total = Amount::new(
        totals.posted.minutes + totals.on_site.minutes + totals.project.minutes,
        stats.workday_minutes,
    );
    rows.push(row(
        "",
        words.total,
        [
            &totals.posted,
            &totals.on_site,
            &totals.project,
            &members_total,
        ],
    ));
    let mut table = Table {
        sheet_name: words.work_days_sheet,
        file_stem: words.work_days_file,
        headings,
        rows,
        has_total_row: true,
        chart: None,
    };
    let members = table.member_rows();
    let series = [(words.posted, 2), (words.on_site, 4), (words.project, 6)]
        .into_iter()
        .map(|(name, col)| ChartSeries {
            name: name.into(),
            values: CellRange::column(col, members.clone()),
        })
        .collect();
    table.chart = Some(ChartSpec {
        kind: ChartKind::StackedBars,
        decimal_comma: lang == Lang::Fr,
        title: chart_title(words.work_days_chart, report, lang),
        file_stem: words.work_days_file,
        value_axis: words.days.into(),
        categories: CellRange::column(1, members),
        series,
    });
    table
}

fn work_kinds_table(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    let totals = &report.work_days.totals;
    let shares = &report.work_days.shares_pct;
    let row = |kind: &str, amount: &Amount, share: f64| {
        vec![
            text(kind),
            Cell::Decimal(amount.days),
            Cell::Count(amount.minutes),
            Cell::Decimal(share),
        ]
    };
    let all_shares = shares.posted + shares.on_site + shares.project + shares.hotline_duty;
    // The team's activity split by kind ("70 % posted"), the total row left out.
    with_bars(
        Table {
            sheet_name: words.work_kinds_sheet,
            file_stem: words.work_kinds_file,
            headings: vec![
                words.kind.into(),
                words.days.into(),
                words.minutes.into(),
                words.share_pct.into(),
            ],
            rows: vec![
                row(words.posted, &totals.posted, shares.posted),
                row(words.on_site, &totals.on_site, shares.on_site),
                row(words.project, &totals.project, shares.project),
                row(
                    words.hotline_duty,
                    &totals.hotline_duty,
                    shares.hotline_duty,
                ),
                // The shares are whole hundredths adding up to 100, so this sum is exact.
                row(
                    words.total,
                    &totals.all,
                    (all_shares * 100.0).round() / 100.0,
                ),
            ],
            has_total_row: true,
            chart: None,
        },
        chart_title(words.work_kinds_chart, report, lang),
        words.share_pct,
        (0, 3),
        lang,
    )
}

fn allocation_table(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    let stats = &report.hotline_allocation;
    let mut rows: Vec<Vec<Cell>> = stats
        .rows
        .iter()
        .map(|r| {
            vec![
                text(&r.member_code),
                text(&r.member_short_name),
                Cell::Count(r.tickets),
                Cell::Count(r.hundredths),
                Cell::Decimal(r.days),
            ]
        })
        .collect();
    rows.push(vec![
        text(""),
        text(words.total),
        Cell::Count(stats.rows.iter().map(|r| r.tickets).sum()),
        Cell::Count(stats.presence_hundredths),
        Cell::Decimal(stats.presence_days),
    ]);
    with_bars(
        Table {
            sheet_name: words.allocation_sheet,
            file_stem: words.allocation_file,
            headings: vec![
                words.code.into(),
                words.member.into(),
                words.tickets.into(),
                words.hundredths.into(),
                words.days.into(),
            ],
            rows,
            has_total_row: true,
            chart: None,
        },
        chart_title(words.allocation_chart, report, lang),
        words.days,
        (1, 4),
        lang,
    )
}

/// The hotline tickets of each month beside the same month of the year compared with (when
/// there is one).
pub(crate) fn seasonality_compared_table(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    let months = &report.seasonality.months;
    let compared = report.compare_months;
    let compare_year = report
        .tickets_by_member
        .compare_year
        .unwrap_or(report.year - 1);
    let mut rows: Vec<Vec<Cell>> = (0..12)
        .map(|i| {
            let mut row = vec![text(lang.month_name(i as u32 + 1)), Cell::Count(months[i])];
            row.extend(compared.map(|c| Cell::Count(c[i])));
            row
        })
        .collect();
    let mut total = vec![text(words.total), Cell::Count(months.iter().sum())];
    total.extend(compared.map(|c| Cell::Count(c.iter().sum())));
    rows.push(total);
    let mut headings = vec![
        words.month.to_string(),
        format!("{} {}", words.tickets, report.year),
    ];
    if compared.is_some() {
        headings.push(format!("{} {compare_year}", words.tickets));
    }
    let columns = headings.len() as u16;
    let series = (1..columns)
        .map(|col| ChartSeries {
            name: headings[usize::from(col)].clone(),
            values: CellRange::column(col, 1..13),
        })
        .collect();
    Table {
        sheet_name: words.seasonality_compare_sheet,
        file_stem: words.seasonality_compare_file,
        headings,
        rows,
        has_total_row: true,
        chart: Some(ChartSpec {
            kind: ChartKind::Columns,
            decimal_comma: lang == Lang::Fr,
            title: format!("{} — {}", words.seasonality_compare_chart, report.year),
            file_stem: words.seasonality_compare_file,
            value_axis: words.tickets.into(),
            categories: CellRange::column(0, 1..13),
            series,
        }),
    }
}

/// The on-site days of each member, most first.
fn on_site_table(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    let stats = &report.work_days;
    let mut members: Vec<&super::WorkDaysRow> = stats
        .rows
        .iter()
        .filter(|r| r.on_site.minutes != 0)
        .collect();
    members.sort_by(|a, b| {
        b.on_site
            .minutes
            .cmp(&a.on_site.minutes)
            .then_with(|| a.member_code.cmp(&b.member_code))
    });
    let mut rows: Vec<Vec<Cell>> = members
        .iter()
        .map(|r| {
            vec![
                text(&r.member_code),
                text(&r.member_short_name),
                Cell::Decimal(r.on_site.days),
            ]
        })
        .collect();
    rows.push(vec![
        text(""),
        text(words.total),
        Cell::Decimal(stats.totals.on_site.days),
    ]);
    with_bars(
        Table {
            sheet_name: words.on_site_sheet,
            file_stem: words.on_site_file,
            headings: vec![words.code.into(), words.member.into(), words.days.into()],
            rows,
            has_total_row: true,
            chart: None,
        },
        chart_title(words.on_site_chart, report, lang),
        words.days,
        (1, 2),
        lang,
    )
}

/// What each member is billed for: its posted, on-site and project days and its share of the
/// hotline presence; the total row is the team's days.
pub fn statements_table(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    let stats = &report.statements;
    let mut rows: Vec<Vec<Cell>> = stats
        .rows
        .iter()
        .map(|r| {
            vec![
                text(&r.member_code),
                text(&r.member_short_name),
                Cell::Count(r.hotline_tickets),
                Cell::Count(r.posted_tickets),
                Cell::Decimal(r.posted_days),
                Cell::Decimal(r.on_site_days),
                Cell::Decimal(r.project_days),
                Cell::Decimal(r.hotline_days),
                Cell::Decimal(r.total_days),
            ]
        })
        .collect();
    let t = &stats.totals;
    rows.push(vec![
        text(""),
        text(words.total),
        Cell::Count(t.hotline_tickets),
        Cell::Count(t.posted_tickets),
        Cell::Decimal(t.posted_days),
        Cell::Decimal(t.on_site_days),
        Cell::Decimal(t.project_days),
        Cell::Decimal(t.hotline_days),
        Cell::Decimal(t.total_days),
    ]);
    let in_days = |what: &str| format!("{what} ({})", words.days.to_lowercase());
    Table {
        sheet_name: words.statements_sheet,
        file_stem: words.statements_file,
        headings: vec![
            words.code.into(),
            words.member.into(),
            words.hotline_tickets.into(),
            words.posted_tickets.into(),
            in_days(words.posted),
            in_days(words.on_site),
            in_days(words.project),
            words.hotline_share.into(),
            words.billed_total.into(),
        ],
        rows,
        has_total_row: true,
        chart: None,
    }
}

/// Work cells in days: posted, on site, project, hotline duty, total.
fn work_cells(work: &super::groups::WorkByKind) -> [Cell; 5] {
    [
        Cell::Decimal(work.posted.days),
        Cell::Decimal(work.on_site.days),
        Cell::Decimal(work.project.days),
        Cell::Decimal(work.hotline_duty.days),
        Cell::Decimal(work.total.days),
    ]
}

/// Headings of a table by group: its name columns, the tickets (and the compared year's), the
/// work by kind in days.
fn group_headings(
    report: &Report,
    lang: Lang,
    names: &[&str],
    compared: Option<i32>,
) -> Vec<String> {
    let words = lang.words();
    let mut headings: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    headings.push(format!(
        "{} {}",
        words.tickets,
        lang.period(report.year, report.month)
    ));
    if let Some(year) = compared {
        headings.push(format!(
            "{} {}",
            words.tickets,
            lang.period(year, report.month)
        ));
    }
    for kind in [
        words.posted,
        words.on_site,
        words.project,
        words.hotline_duty,
        words.total,
    ] {
        headings.push(format!("{kind} ({})", words.days.to_lowercase()));
    }
    headings
}

fn categories_table(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    let stats = &report.by_category;
    let compared = stats.compare_year;
    let mut rows: Vec<Vec<Cell>> = stats
        .rows
        .iter()
        .map(|r| {
            let name = r.category_name.as_deref().unwrap_or(words.no_category);
            // A top category is its own domain; the uncategorised have none.
            let domain = match (&r.parent_name, &r.category_name) {
                (Some(parent), _) => parent.as_str(),
                (None, Some(own)) => own.as_str(),
                (None, None) => "",
            };
            let mut cells = vec![text(domain), text(name), Cell::Count(r.tickets)];
            if compared.is_some() {
                cells.push(Cell::Count(r.compare_tickets.unwrap_or(0)));
            }
            cells.extend(work_cells(&r.work));
            cells
        })
        .collect();
    let mut total = vec![
        text(""),
        text(words.total),
        Cell::Count(stats.total.tickets),
    ];
    if compared.is_some() {
        total.push(Cell::Count(stats.total.compare_tickets.unwrap_or(0)));
    }
    total.extend(work_cells(&stats.total.work));
    rows.push(total);
    let headings = group_headings(report, lang, &[words.domain, words.category], compared);
    // The tickets of each category (and of the year compared), the uncategorised left out.
    let categorised = stats
        .rows
        .iter()
        .filter(|r| r.category_id.is_some())
        .count() as u32;
    let rows_drawn = 1..1 + categorised;
    let series = (2..if compared.is_some() { 4 } else { 3 })
        .map(|col: u16| ChartSeries {
            name: headings[usize::from(col)].clone(),
            values: CellRange::column(col, rows_drawn.clone()),
        })
        .collect();
    Table {
        sheet_name: words.categories_sheet,
        file_stem: words.categories_file,
        chart: Some(ChartSpec {
            kind: ChartKind::Bars,
            decimal_comma: lang == Lang::Fr,
            title: chart_title(words.categories_chart, report, lang),
            file_stem: words.categories_file,
            value_axis: words.tickets.into(),
            categories: CellRange::column(1, rows_drawn),
            series,
        }),
        headings,
        rows,
        has_total_row: true,
    }
}

fn technicians_table(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    let stats = &report.by_technician;
    let compared = stats.compare_year;
    let mut rows: Vec<Vec<Cell>> = stats
        .rows
        .iter()
        .map(|r| {
            let name = r.technician_name.as_deref().unwrap_or(words.nobody);
            let mut cells = vec![text(name), Cell::Count(r.tickets)];
            if compared.is_some() {
                cells.push(Cell::Count(r.compare_tickets.unwrap_or(0)));
            }
            cells.extend(work_cells(&r.work));
            cells
        })
        .collect();
    let mut total = vec![text(words.total), Cell::Count(stats.total.tickets)];
    if compared.is_some() {
        total.push(Cell::Count(stats.total.compare_tickets.unwrap_or(0)));
    }
    total.extend(work_cells(&stats.total.work));
    rows.push(total);
    Table {
        sheet_name: words.technicians_sheet,
        file_stem: words.technicians_file,
        headings: group_headings(report, lang, &[words.technician], compared),
        rows,
        has_total_row: true,
        chart: None,
    }
}

fn service_levels_table(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    let optional = |value: Option<f64>| value.map_or_else(|| text(""), Cell::Decimal);
    let rows: Vec<Vec<Cell>> = report
        .service_levels
        .rows
        .iter()
        .map(|r| {
            vec![
                text(&r.member_code),
                text(&r.member_short_name),
                Cell::Count(i64::from(r.priority)),
                Cell::Count(r.tickets),
                Cell::Count(r.acknowledge.count),
                optional(r.acknowledge.median_minutes),
                optional(r.acknowledge.p90_minutes),
                optional(r.acknowledge.within_target_pct),
                Cell::Count(r.resolve.count),
                optional(r.resolve.median_minutes),
                optional(r.resolve.p90_minutes),
                optional(r.resolve.within_target_pct),
            ]
        })
        .collect();
    let both = |measure: &str, what: &str| lang.colon(measure, what);
    Table {
        sheet_name: words.service_levels_sheet,
        file_stem: words.service_levels_file,
        headings: vec![
            words.code.into(),
            words.member.into(),
            words.priority.into(),
            words.tickets.into(),
            words.acknowledged.into(),
            both(words.acknowledged, words.median_minutes),
            both(words.acknowledged, words.p90_minutes),
            both(words.acknowledged, words.within_target_pct),
            words.resolved.into(),
            both(words.resolved, words.median_minutes),
            both(words.resolved, words.p90_minutes),
            both(words.resolved, words.within_target_pct),
        ],
        rows,
        has_total_row: false,
        chart: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_with_two_digits_and_a_dot() {
        assert_eq!(Cell::Decimal(12.5).text(), "12.50");
        assert_eq!(Cell::Decimal(0.0).text(), "0.00");
        assert_eq!(Cell::Count(-3).text(), "-3");
    }

    #[test]
    fn a_range_lists_its_cells_row_by_row() {
        let range = CellRange {
            rows: 1..3,
            cols: 2..4,
        };
        let cells: Vec<(u32, u16)> = range.cells().collect();
        assert_eq!(cells, vec![(1, 2), (1, 3), (2, 2), (2, 3)]);
        assert!(CellRange::column(1, 1..1).is_empty());
    }
}
