//! The report's charts as plain SVG: no script, no external font or style sheet, so that any
//! browser shows them as they are and they can go into a document as images.

use std::fmt::Write;

use super::tables::{ChartKind, ChartSpec, Table};

/// Drawn for a page's width: at 16 cm a label of 14 px reads at about 9 pt.
const WIDTH: f64 = 700.0;
const FONT: &str = "font-family=\"Arial, Helvetica, sans-serif\"";
const TITLE_BASELINE: f64 = 28.0;
const LEGEND_TOP: f64 = 44.0;
const LEGEND_HEIGHT: f64 = 22.0;
/// Longest label shown in full on a bar chart; longer ones end with an ellipsis.
const MAX_LABEL_CHARS: usize = 40;

/// Text made safe inside an element or an attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters, even escaped.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A series of values with its name.
struct Series {
    name: String,
    values: Vec<f64>,
}

/// The chart of a table.
pub fn chart(table: &Table, spec: &ChartSpec) -> String {
    chart_linked(table, spec, &[])
}

/// The chart of a table whose categories (members, months) lead to pages: `links[i]`, when
/// given, is where the bars and the label of category `i` lead.
pub fn chart_linked(table: &Table, spec: &ChartSpec, links: &[Option<String>]) -> String {
    let categories = table.texts(&spec.categories);
    let series: Vec<Series> = spec
        .series
        .iter()
        .map(|s| Series {
            name: s.name.clone(),
            values: table.numbers(&s.values),
        })
        .collect();
    let drawn = match spec.kind {
        ChartKind::Columns => columns(spec, &categories, &series, links),
        ChartKind::Bars => bars(spec, &categories, &series, false, links),
        ChartKind::StackedBars => bars(spec, &categories, &series, true, links),
    };
    if links.iter().any(Option::is_some) {
        // An image holds nothing one can follow: a chart with links is a group of them.
        drawn.replacen(" role=\"img\"", " role=\"group\"", 1)
    } else {
        drawn
    }
}

fn color(kind: ChartKind, index: usize) -> &'static str {
    // Year against year: this year strong, the year before muted.
    const COMPARISON: [&str; 2] = ["#2b6cb0", "#a0aec0"];
    const KINDS: [&str; 4] = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5"];
    match kind {
        ChartKind::Bars => COMPARISON[index % COMPARISON.len()],
        _ => KINDS[index % KINDS.len()],
    }
}

/// Whole numbers as they are, others with two decimals (after a comma in French).
fn number(value: f64, comma: bool) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round() as i64)
    } else if comma {
        format!("{value:.2}").replace('.', ",")
    } else {
        format!("{value:.2}")
    }
}

/// The top of the value axis and the step between its ticks: 1, 2 or 5 times a power of ten,
/// about five ticks.
fn axis(max: f64) -> (f64, f64) {
    if !max.is_finite() || max <= 0.0 {
        return (5.0, 1.0);
    }
    let rough = max / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * magnitude);
    ((max / step).ceil() * step, step)
}

fn ticks(top: f64, step: f64) -> impl Iterator<Item = f64> {
    let count = (top / step).round() as i64;
    (0..=count).map(move |i| i as f64 * step)
}

fn shorten(label: &str) -> String {
    if label.chars().count() > MAX_LABEL_CHARS {
        let kept: String = label.chars().take(MAX_LABEL_CHARS - 1).collect();
        format!("{kept}…")
    } else {
        label.to_string()
    }
}

/// A rough width of a text at 14 px, to lay out labels without measuring fonts.
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * 8.2
}

fn open(out: &mut String, height: f64, title: &str) {
    let title = escape(title);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{title}\" {FONT} font-size=\"14\">\n\
         <title>{title}</title>\n\
         <rect width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>\n\
         <text x=\"{}\" y=\"{TITLE_BASELINE}\" text-anchor=\"middle\" font-size=\"18\" \
         font-weight=\"bold\">{title}</text>\n",
        WIDTH / 2.0
    );
}

fn legend(out: &mut String, kind: ChartKind, series: &[Series]) {
    let mut x = 20.0;
    for (i, s) in series.iter().enumerate() {
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"{LEGEND_TOP}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            color(kind, i),
            x + 18.0,
            LEGEND_TOP + 10.5,
            escape(&s.name)
        );
        x += 18.0 + text_width(&s.name) + 24.0;
    }
}

/// Vertical columns, one group per category (the months).
fn columns(
    spec: &ChartSpec,
    categories: &[String],
    series: &[Series],
    links: &[Option<String>],
) -> String {
    let (left, right, top, plot_height) = (60.0, 20.0, LEGEND_TOP + LEGEND_HEIGHT + 10.0, 300.0);
    let plot_width = WIDTH - left - right;
    let slot = plot_width / categories.len().max(1) as f64;
    let widest = categories.iter().map(|c| text_width(c)).fold(0.0, f64::max);
    let slanted = widest > slot - 4.0;
    let labels_height = if slanted { widest * 0.6 + 24.0 } else { 50.0 };
    let height = top + plot_height + labels_height;
    let bottom = top + plot_height;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    let (axis_top, step) = axis(max);
    let y = |value: f64| bottom - value / axis_top * plot_height;

    let mut out = String::new();
    open(&mut out, height, &spec.title);
    legend(&mut out, spec.kind, series);
    value_grid_vertical(
        &mut out,
        spec.decimal_comma,
        axis_top,
        step,
        left,
        plot_width,
        &y,
    );
    let _ = writeln!(
        out,
        "<text x=\"16\" y=\"{}\" transform=\"rotate(-90 16 {})\" text-anchor=\"middle\">{}</text>",
        top + plot_height / 2.0,
        top + plot_height / 2.0,
        escape(&spec.value_axis)
    );
    let bar_width = slot * 0.7 / series.len().max(1) as f64;
    for (c, category) in categories.iter().enumerate() {
        let slot_left = left + c as f64 * slot;
        let link = open_link(&mut out, links, c);
        for (s, values) in series.iter().enumerate() {
            let value = values.values.get(c).copied().unwrap_or(0.0);
            let x = slot_left + slot * 0.15 + s as f64 * bar_width;
            let _ = writeln!(
                out,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar_width:.1}\" height=\"{:.1}\" fill=\"{}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\">{}</text>",
                y(value),
                bottom - y(value),
                color(spec.kind, s),
                x + bar_width / 2.0,
                y(value) - 4.0,
                number(value, spec.decimal_comma)
            );
        }
        let x = slot_left + slot / 2.0;
        if slanted {
            // Too wide for its slot: written slanting down to the left from under its column.
            let _ = writeln!(
                out,
                "<text x=\"{x:.1}\" y=\"{0}\" transform=\"rotate(-35 {x:.1} {0})\" \
                 text-anchor=\"end\">{1}</text>",
                bottom + 16.0,
                escape(category)
            );
        } else {
            let _ = writeln!(
                out,
                "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                bottom + 20.0,
                escape(category)
            );
        }
        close_link(&mut out, link);
    }
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"#333333\"/>\n</svg>",
        left + plot_width
    );
    out
}

/// Horizontal grid lines and value labels of a column chart.
fn value_grid_vertical(
    out: &mut String,
    comma: bool,
    axis_top: f64,
    step: f64,
    left: f64,
    plot_width: f64,
    y: &dyn Fn(f64) -> f64,
) {
    for tick in ticks(axis_top, step) {
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\" stroke=\"#e2e8f0\"/>\
             <text x=\"{2}\" y=\"{3:.1}\" text-anchor=\"end\" font-size=\"14\">{4}</text>",
            y(tick),
            left + plot_width,
            left - 6.0,
            y(tick) + 3.5,
            number(tick, comma)
        );
    }
}

/// Horizontal bars, one row per category (the members), the series side by side or stacked.
fn bars(
    spec: &ChartSpec,
    categories: &[String],
    series: &[Series],
    stacked: bool,
    links: &[Option<String>],
) -> String {
    let labels: Vec<String> = categories.iter().map(|c| shorten(c)).collect();
    let label_width = labels.iter().map(|l| text_width(l)).fold(60.0, f64::max) + 16.0;
    let (left, right, top) = (
        label_width.min(320.0),
        60.0,
        LEGEND_TOP + LEGEND_HEIGHT + 10.0,
    );
    let bar_height = 16.0;
    let bars_per_row = if stacked { 1 } else { series.len().max(1) };
    let row_height = bars_per_row as f64 * bar_height + 10.0;
    let plot_height = (labels.len().max(1) as f64) * row_height;
    let height = top + plot_height + 50.0;
    let plot_width = WIDTH - left - right;
    let bottom = top + plot_height;
    let value_at = |s: &Series, row: usize| s.values.get(row).copied().unwrap_or(0.0).max(0.0);
    let max = (0..labels.len())
        .map(|row| {
            if stacked {
                series.iter().map(|s| value_at(s, row)).sum()
            } else {
                series.iter().map(|s| value_at(s, row)).fold(0.0, f64::max)
            }
        })
        .fold(0.0, f64::max);
    let (axis_top, step) = axis(max);
    let x = |value: f64| left + value / axis_top * plot_width;

    let mut out = String::new();
    open(&mut out, height, &spec.title);
    legend(&mut out, spec.kind, series);
    for tick in ticks(axis_top, step) {
        let _ = writeln!(
            out,
            "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{bottom}\" stroke=\"#e2e8f0\"/>\
             <text x=\"{0:.1}\" y=\"{1}\" text-anchor=\"middle\" font-size=\"14\">{2}</text>",
            x(tick),
            bottom + 16.0,
            number(tick, spec.decimal_comma)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        left + plot_width / 2.0,
        bottom + 38.0,
        escape(&spec.value_axis)
    );
    for (row, (label, full)) in labels.iter().zip(categories).enumerate() {
        let row_top = top + row as f64 * row_height + 5.0;
        // A shortened name keeps the full one as a tooltip.
        let tooltip = if label == full {
            String::new()
        } else {
            format!("<title>{}</title>", escape(full))
        };
        let link = open_link(&mut out, links, row);
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}{tooltip}</text>",
            left - 8.0,
            row_top + bars_per_row as f64 * bar_height / 2.0 + 4.0,
            escape(label)
        );
        let mut stack_end = 0.0;
        for (s, values) in series.iter().enumerate() {
            let value = value_at(values, row);
            let (start, bar_top) = if stacked {
                (stack_end, row_top)
            } else {
                (0.0, row_top + s as f64 * bar_height)
            };
            let _ = writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{bar_top:.1}\" width=\"{:.1}\" height=\"{bar_height}\" fill=\"{}\">\
                 <title>{}: {}</title></rect>",
                x(start),
                x(start + value) - x(start),
                color(spec.kind, s),
                escape(&values.name),
                number(value, spec.decimal_comma)
            );
            if !stacked {
                bar_value(
                    &mut out,
                    spec.decimal_comma,
                    x(value),
                    bar_top,
                    bar_height,
                    value,
                );
            }
            stack_end += value;
        }
        if stacked {
            bar_value(
                &mut out,
                spec.decimal_comma,
                x(stack_end),
                row_top,
                bar_height,
                stack_end,
            );
        }
        close_link(&mut out, link);
    }
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{bottom}\" stroke=\"#333333\"/>\n</svg>"
    );
    out
}

/// Opens the link of category `index`, if it has one; whether it did.
fn open_link(out: &mut String, links: &[Option<String>], index: usize) -> bool {
    match links.get(index).and_then(Option::as_deref) {
        Some(href) => {
            let _ = writeln!(out, "<a href=\"{}\">", escape(href));
            true
        }
        None => false,
    }
}

fn close_link(out: &mut String, opened: bool) {
    if opened {
        out.push_str("</a>\n");
    }
}

fn bar_value(out: &mut String, comma: bool, end: f64, bar_top: f64, bar_height: f64, value: f64) {
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\">{}</text>",
        end + 4.0,
        bar_top + bar_height / 2.0 + 3.5,
        number(value, comma)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::tables::{Cell, CellRange, ChartSeries};

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(escape("Écoles Ivry"), "Écoles Ivry");
        assert_eq!(
            escape("OPH d'Ivry & <Vitry> \"Sud\""),
            "OPH d&apos;Ivry &amp; &lt;Vitry&gt; &quot;Sud&quot;"
        );
        assert_eq!(escape("a\u{1}b"), "a b");
    }

    #[test]
    fn the_value_axis_ends_on_a_round_number() {
        assert_eq!(axis(107.0), (150.0, 50.0));
        assert_eq!(axis(60.0), (60.0, 20.0));
        assert_eq!(axis(3.0), (3.0, 1.0));
        assert_eq!(axis(0.0), (5.0, 1.0));
        assert_eq!(axis(873.0), (1000.0, 200.0));
        assert_eq!(number(2.0, false), "2");
        assert_eq!(number(2.5, false), "2.50");
        assert_eq!(number(2.5, true), "2,50");
    }

    #[test]
    fn long_labels_are_shortened() {
        let long = "x".repeat(60);
        assert_eq!(shorten(&long).chars().count(), MAX_LABEL_CHARS);
        assert_eq!(shorten("Gentilly"), "Gentilly");
    }

    #[test]
    fn a_bar_chart_names_each_member_once_escaped() {
        let table = Table {
            sheet_name: "Tickets",
            file_stem: "tickets",
            headings: vec!["Adhérent".into(), "Tickets".into()],
            rows: vec![
                vec![Cell::Text("OPH d'Ivry".into()), Cell::Count(3)],
                vec![Cell::Text("Arts & Métiers".into()), Cell::Count(1)],
                vec![Cell::Text("S".repeat(50)), Cell::Count(0)],
            ],
            has_total_row: false,
            chart: None,
        };
        let spec = ChartSpec {
            kind: ChartKind::StackedBars,
            decimal_comma: true,
            title: "Tickets <2018>".into(),
            file_stem: "tickets",
            value_axis: "Tickets".into(),
            categories: CellRange::column(0, 1..4),
            series: vec![ChartSeries {
                name: "Tickets".into(),
                values: CellRange::column(1, 1..4),
            }],
        };
        let svg = chart(&table, &spec);
        assert!(svg.contains(">OPH d&apos;Ivry</text>"));
        assert!(svg.contains(">Arts &amp; Métiers</text>"));
        assert!(svg.contains("Tickets &lt;2018&gt;"));
        assert!(svg.contains(&format!("<title>{}</title>", "S".repeat(50))));
        assert!(!svg.contains("<script"));
        assert!(svg.ends_with("</svg>\n"));
    }
}
