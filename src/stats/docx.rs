//! The report as a Word document (.docx): headings, paragraphs, the tables, and native charts
//! (DrawingML chart parts) holding their categories and values as literals, so that Word and
//! LibreOffice Writer draw them without any embedded workbook. The document is a chapter
//! meant to go into a larger activity report: portrait A4, its styles named as Word names its
//! own so that the headings keep their outline levels once pasted.

use std::fmt::Write as _;
use std::io::{Cursor, Write as _};

use super::lang::Lang;
use super::tables::{Cell, ChartKind, ChartSpec, Table};

/// The error of writing a document: only the archive can fail.
pub type DocxError = zip::result::ZipError;

/// One block of the document, in reading order.
#[derive(Debug, Clone)]
pub enum Block<'a> {
    /// The document's title (style "Title").
    Title(String),
    /// A heading of level 1 to 3 (styles "heading 1" to "heading 3"); other levels are
    /// brought back into that range.
    Heading(u8, String),
    /// Body text, justified.
    Paragraph(String),
    /// A table, without its chart.
    Table(&'a Table),
    /// The table's chart as a native chart; nothing when the table has none, or one without
    /// categories or series.
    Chart(&'a Table),
    /// A small italic line under a table or chart ("Source : …"); the table or chart
    /// above it is kept on its page.
    Caption(String),
}

/// A4 in twentieths of a point.
const PAGE_WIDTH: u32 = 11906;
const PAGE_HEIGHT: u32 = 16838;
/// 1.8 cm.
const MARGIN: u32 = 1020;
/// The width between the margins, which tables and charts fill.
const TEXT_WIDTH: u32 = PAGE_WIDTH - 2 * MARGIN;
/// English metric units (drawings' unit) per twentieth of a point, and per centimetre.
const EMU_PER_TWIP: u64 = 635;
const EMU_PER_CM: f64 = 360_000.0;

/// The series' colours, in order: dark blue, orange, grey, gold, light blue, green.
const PALETTE: [&str; 6] = ["1F4E79", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47"];
/// Colours dark enough for white labels inside a bar.
const DARK: [&str; 2] = ["1F4E79", "ED7D31"];

const FONT: &str = "Arial";
const TABLE_BORDER: &str = "808080";
const HEADER_FILL: &str = "D9D9D9";
const TOTAL_FILL: &str = "F2F2F2";
const ACCENT: &str = "1F4E79";

const NS_MAIN: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const NS_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const NS_PACKAGE_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const NS_DRAWING: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const NS_CHART: &str = "http://schemas.openxmlformats.org/drawingml/2006/chart";
const NS_WP: &str = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// A number with two decimals, with a comma in French ("12,50") and a point in English.
pub fn decimal(x: f64, lang: Lang) -> String {
    let mut text = format!("{x:.2}");
    if text == "-0.00" {
        text.remove(0);
    }
    match lang {
        Lang::Fr => text.replace('.', ","),
        Lang::En => text,
    }
}

/// The document as the bytes of a .docx file. `title` goes into the document's properties
/// (the title shown on the page is a [`Block::Title`]); `lang` sets the language of the text
/// (spelling, hyphenation) and of the decimals in the tables.
pub fn document(title: &str, lang: Lang, blocks: &[Block]) -> Result<Vec<u8>, DocxError> {
    let mut body = String::new();
    let mut charts = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        let captioned = matches!(blocks.get(index + 1), Some(Block::Caption(_)));
        match block {
            Block::Title(text) => paragraph(&mut body, "Title", text),
            Block::Heading(level, text) => {
                let style = format!("Heading{}", (*level).clamp(1, 3));
                paragraph(&mut body, &style, text);
            }
            Block::Paragraph(text) => paragraph(&mut body, "BodyText", text),
            Block::Table(table) => {
                let written = write_table(&mut body, table, lang, captioned);
                // Word joins two tables that touch, and wants a paragraph last: a small
                // space parts a table from whatever follows but its caption.
                if written && !captioned {
                    body.push_str(
                        "<w:p><w:pPr><w:spacing w:before=\"0\" w:after=\"0\"/>\
                         <w:rPr><w:sz w:val=\"12\"/></w:rPr></w:pPr></w:p>",
                    );
                }
            }
            Block::Chart(table) => {
                if let Some(spec) = drawable_chart(table) {
                    charts.push(chart_part(table, spec, lang));
                    drawing(&mut body, spec, charts.len(), captioned);
                }
            }
            Block::Caption(text) => paragraph(&mut body, "Caption", text),
        }
    }
    if body.is_empty() {
        body.push_str("<w:p/>");
    }

    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut add = |name: &str, content: &str| -> Result<(), DocxError> {
        archive.start_file(name, options)?;
        archive.write_all(content.as_bytes())?;
        Ok(())
    };
    add("[Content_Types].xml", &content_types(charts.len()))?;
    add("_rels/.rels", &package_relationships())?;
    add("docProps/core.xml", &core_properties(title, lang))?;
    add("docProps/app.xml", &app_properties())?;
    add("word/document.xml", &document_part(&body))?;
    add("word/styles.xml", &styles(lang))?;
    add("word/settings.xml", &settings(lang))?;
    add(
        "word/_rels/document.xml.rels",
        &document_relationships(charts.len()),
    )?;
    for (index, chart) in charts.iter().enumerate() {
        add(&format!("word/charts/chart{}.xml", index + 1), chart)?;
    }
    Ok(archive.finish()?.into_inner())
}

/// Text made safe for XML content and attribute values; characters XML cannot hold are
/// left out.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// The language's tag as Word writes it.
fn language_tag(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "fr-FR",
        Lang::En => "en-GB",
    }
}

/// Runs of text with the given run properties: a line feed breaks the line, a tab is a tab.
fn runs(xml: &mut String, text: &str, run_properties: &str) {
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            let _ = write!(xml, "<w:r>{run_properties}<w:br/></w:r>");
        }
        for (index, piece) in line.trim_end_matches('\r').split('\t').enumerate() {
            if index > 0 {
                let _ = write!(xml, "<w:r>{run_properties}<w:tab/></w:r>");
            }
            if !piece.is_empty() {
                let _ = write!(
                    xml,
                    "<w:r>{run_properties}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
                    escape(piece)
                );
            }
        }
    }
}

/// A paragraph of one style.
fn paragraph(xml: &mut String, style: &str, text: &str) {
    let _ = write!(xml, "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr>");
    runs(xml, text, "");
    xml.push_str("</w:p>");
}

// ---------------------------------------------------------------------------------------
// Tables

/// How a table is laid out: its font size and its columns' widths and alignment.
struct Layout {
    /// In half-points.
    font_half_points: u32,
    /// Twips on each side of a cell's text.
    cell_margin: u32,
    /// Twips, adding up to the text width.
    widths: Vec<u32>,
    /// Numbers are right-aligned, text left-aligned.
    numeric: Vec<bool>,
}

/// A cell as the document shows it.
fn cell_text(cell: &Cell, lang: Lang) -> String {
    match cell {
        Cell::Decimal(x) => decimal(*x, lang),
        other => other.text(),
    }
}

/// The width of a character in Arial, in ems (roughly, by kind of character).
fn char_ems(c: char) -> f64 {
    match c {
        'i' | 'j' | 'l' | 'I' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.25,
        'f' | 't' | 'r' | ' ' | '\u{a0}' | '(' | ')' | '-' | '/' => 0.32,
        'm' | 'w' | 'M' | 'W' | '%' => 0.86,
        '0'..='9' => 0.556,
        c if c.is_uppercase() => 0.69,
        c if c.is_lowercase() => 0.54,
        _ => 0.6,
    }
}

/// The width of a text in ems; bold text is wider.
fn text_ems(text: &str, bold: bool) -> f64 {
    let width: f64 = text.chars().map(char_ems).sum();
    if bold {
        width * 1.08
    } else {
        width
    }
}

/// Twips on each side of a cell's text for a font size in half-points.
fn cell_margin(font_half_points: u32) -> u32 {
    if font_half_points <= 16 {
        45
    } else {
        80
    }
}

/// Picks the largest font that lets every column keep its widest text on one line (its
/// heading may wrap between words), smaller as columns are many, 7 pt at least; then
/// shares the text width between the columns in proportion to what each needs.
fn layout(table: &Table, columns: usize, lang: Lang) -> Layout {
    let is_total = |index: usize| table.has_total_row && index + 1 == table.rows.len();
    let numeric: Vec<bool> = (0..columns)
        .map(|col| {
            let cells = || table.rows.iter().filter_map(move |row| row.get(col));
            cells().any(|cell| cell.number().is_some())
                && cells().all(|cell| !matches!(cell, Cell::Text(text) if !text.is_empty()))
        })
        .collect();
    // What each column needs, in ems: its widest cell, and its heading's longest word.
    let needs: Vec<f64> = (0..columns)
        .map(|col| {
            let heading = table
                .headings
                .get(col)
                .map(|heading| {
                    heading
                        .split(' ')
                        .map(|word| text_ems(word, true))
                        .fold(0.0, f64::max)
                })
                .unwrap_or(0.0);
            let cells = table
                .rows
                .iter()
                .enumerate()
                .filter_map(|(index, row)| {
                    let cell = row.get(col)?;
                    Some(text_ems(&cell_text(cell, lang), is_total(index)))
                })
                .fold(0.0, f64::max);
            let least = if numeric[col] { 2.5 } else { 2.0 };
            heading.max(cells).max(least)
        })
        .collect();
    let largest = match columns {
        0..=6 => 10,
        7..=9 => 9,
        10..=12 => 8,
        _ => 7,
    };
    let natural = |points: u32| -> Vec<f64> {
        let margin = f64::from(cell_margin(points * 2));
        // A little room over the estimate, so that a number never wraps.
        needs
            .iter()
            .map(|ems| ems * f64::from(points) * 20.0 * 1.05 + 2.0 * margin + 20.0)
            .collect()
    };
    let points = (7..=largest)
        .rev()
        .find(|points| natural(*points).iter().sum::<f64>() <= f64::from(TEXT_WIDTH))
        .unwrap_or(7);
    let natural = natural(points);
    let total: f64 = natural.iter().sum();
    let mut widths: Vec<u32> = natural
        .iter()
        .map(|width| (width / total * f64::from(TEXT_WIDTH)).floor() as u32)
        .collect();
    // The rounding's few twips go to the widest column.
    let rest = TEXT_WIDTH.saturating_sub(widths.iter().sum());
    if let Some(widest) = widths.iter_mut().max() {
        *widest += rest;
    }
    Layout {
        font_half_points: points * 2,
        cell_margin: cell_margin(points * 2),
        widths,
        numeric,
    }
}

/// Writes a table filling the text width, its heading row repeated on each page and no row
/// cut between two pages. A table up to half a page high is kept on one page (with its
/// caption when `keep_with_next`); a longer one only keeps its first rows with its heading
/// and its last ones together, so that it does not leave a page blank before it.
/// Returns false, writing nothing, for a table without columns.
fn write_table(xml: &mut String, table: &Table, lang: Lang, keep_with_next: bool) -> bool {
    let columns = table
        .rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(table.headings.len()))
        .max()
        .unwrap_or(0);
    if columns == 0 {
        return false;
    }
    let layout = layout(table, columns, lang);
    let border = |side: &str| {
        format!("<w:{side} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"{TABLE_BORDER}\"/>")
    };
    let _ = write!(
        xml,
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/>\
         <w:tblW w:w=\"{TEXT_WIDTH}\" w:type=\"dxa\"/><w:tblInd w:w=\"0\" w:type=\"dxa\"/>\
         <w:tblBorders>{}{}{}{}{}{}</w:tblBorders><w:tblLayout w:type=\"fixed\"/>\
         <w:tblCellMar><w:left w:w=\"{margin}\" w:type=\"dxa\"/>\
         <w:right w:w=\"{margin}\" w:type=\"dxa\"/></w:tblCellMar>\
         <w:tblLook w:val=\"0420\" w:firstRow=\"1\" w:lastRow=\"0\" w:firstColumn=\"0\" \
         w:lastColumn=\"0\" w:noHBand=\"1\" w:noVBand=\"1\"/></w:tblPr><w:tblGrid>",
        border("top"),
        border("left"),
        border("bottom"),
        border("right"),
        border("insideH"),
        border("insideV"),
        margin = layout.cell_margin,
    );
    for width in &layout.widths {
        let _ = write!(xml, "<w:gridCol w:w=\"{width}\"/>");
    }
    xml.push_str("</w:tblGrid>");

    let rows = table.rows.len();
    // Rows of one line, and a heading of two.
    let row_height = f64::from(layout.font_half_points) * 10.0 * 1.15 + 55.0;
    let keep_whole = (rows + 2) as f64 * row_height <= f64::from(PAGE_HEIGHT - 2 * MARGIN) / 2.0;
    let keep_row = |index: usize| {
        let last = index + 1 == rows;
        if last {
            keep_with_next
        } else {
            keep_whole || index < 2 || index + 3 >= rows
        }
    };
    let headings: Vec<String> = (0..columns)
        .map(|col| table.headings.get(col).cloned().unwrap_or_default())
        .collect();
    write_row(
        xml,
        &layout,
        RowKind::Heading,
        rows > 0 || keep_with_next,
        &headings,
    );
    for (index, row) in table.rows.iter().enumerate() {
        let last = index + 1 == rows;
        let kind = if last && table.has_total_row {
            RowKind::Total
        } else {
            RowKind::Data
        };
        let texts: Vec<String> = (0..columns)
            .map(|col| {
                row.get(col)
                    .map(|cell| cell_text(cell, lang))
                    .unwrap_or_default()
            })
            .collect();
        write_row(xml, &layout, kind, keep_row(index), &texts);
    }
    xml.push_str("</w:tbl>");
    true
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RowKind {
    Heading,
    Data,
    Total,
}

fn write_row(xml: &mut String, layout: &Layout, kind: RowKind, keep_next: bool, texts: &[String]) {
    xml.push_str("<w:tr><w:trPr><w:cantSplit/>");
    if kind == RowKind::Heading {
        xml.push_str("<w:tblHeader/>");
    }
    xml.push_str("</w:trPr>");
    let size = layout.font_half_points;
    let bold = if kind == RowKind::Data {
        ""
    } else {
        "<w:b/><w:bCs/>"
    };
    let run_properties =
        format!("<w:rPr>{bold}<w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/></w:rPr>");
    for ((text, width), numeric) in texts.iter().zip(&layout.widths).zip(&layout.numeric) {
        let _ = write!(xml, "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>");
        let fill = match kind {
            RowKind::Heading => Some(HEADER_FILL),
            RowKind::Total => Some(TOTAL_FILL),
            RowKind::Data => None,
        };
        if let Some(fill) = fill {
            let _ = write!(
                xml,
                "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{fill}\"/>"
            );
        }
        let align = if kind == RowKind::Heading {
            "bottom"
        } else {
            "center"
        };
        let _ = write!(
            xml,
            "<w:vAlign w:val=\"{align}\"/></w:tcPr><w:p><w:pPr><w:pStyle w:val=\"TableText\"/>"
        );
        if keep_next {
            xml.push_str("<w:keepNext/>");
        }
        let jc = if *numeric { "right" } else { "left" };
        let _ = write!(xml, "<w:jc w:val=\"{jc}\"/>{run_properties}</w:pPr>");
        runs(xml, text, &run_properties);
        xml.push_str("</w:p></w:tc>");
    }
    xml.push_str("</w:tr>");
}

// ---------------------------------------------------------------------------------------
// Charts

/// The table's chart when there is something to draw.
fn drawable_chart(table: &Table) -> Option<&ChartSpec> {
    table
        .chart
        .as_ref()
        .filter(|spec| !spec.categories.is_empty() && !spec.series.is_empty())
}

/// Points, and twentieths of a point, per centimetre.
const POINTS_PER_CM: f64 = 28.35;
const TWIPS_PER_CM: f64 = 567.0;
/// Centimetres of a bar chart around its bars: title, value axis and its title.
const BAR_CHART_FRAME_CM: f64 = 2.6;
/// The legend's height, when there is one.
const LEGEND_CM: f64 = 0.8;
/// The highest bar chart, which leaves room on its page for a caption.
const MAX_CHART_CM: f64 = 22.0;

/// A chart's size, and the sizes of the texts that depend on its room.
struct Frame {
    /// In EMUs.
    width: u64,
    height: u64,
    /// The category names' size in hundredths of a point.
    category_size: u32,
    /// The values' size in hundredths of a point.
    label_size: u32,
}

/// A size in points, from `least` to `most`, rounded to half a point, in hundredths.
fn font_size(points: f64, least: f64, most: f64) -> u32 {
    ((points.clamp(least, most) * 2.0).round() * 50.0) as u32
}

/// The text's width, and a height that leaves each bar its room: 8 cm for columns (months),
/// 0.55 cm per bar side by side and 0.7 cm per stacked bar, up to 22 cm; names and values
/// get smaller when a high chart still leaves them little room.
fn chart_frame(spec: &ChartSpec) -> Frame {
    let width = u64::from(TEXT_WIDTH) * EMU_PER_TWIP;
    let categories = spec.categories.cells().count().max(1) as f64;
    let series = spec.series.len().max(1) as f64;
    let legend = if spec.series.len() > 1 {
        LEGEND_CM
    } else {
        0.0
    };
    let (centimetres, bars_per_category) = match spec.kind {
        ChartKind::Columns => {
            return Frame {
                width,
                height: ((8.0 + legend) * EMU_PER_CM).round() as u64,
                category_size: 800,
                label_size: 800,
            };
        }
        ChartKind::Bars => (0.55 * categories * series, series),
        ChartKind::StackedBars => (0.7 * categories, 1.0),
    };
    let centimetres = (BAR_CHART_FRAME_CM + legend + centimetres).clamp(6.0, MAX_CHART_CM);
    let per_category = (centimetres - BAR_CHART_FRAME_CM - legend) / categories * POINTS_PER_CM;
    // Bars take five sevenths of their category's room (a gap of 40 %).
    let per_bar = per_category / 1.4 / bars_per_category;
    Frame {
        width,
        height: (centimetres * EMU_PER_CM).round() as u64,
        category_size: font_size(per_category * 0.7, 6.0, 9.0),
        label_size: font_size(per_bar * 0.9, 6.0, 8.0),
    }
}

/// The paragraph holding chart number `number` (from 1), as wide as the text.
fn drawing(xml: &mut String, spec: &ChartSpec, number: usize, keep_next: bool) {
    let Frame {
        width: cx,
        height: cy,
        ..
    } = chart_frame(spec);
    let keep = if keep_next { "<w:keepNext/>" } else { "" };
    let _ = write!(
        xml,
        "<w:p><w:pPr><w:pStyle w:val=\"Chart\"/>{keep}</w:pPr><w:r><w:drawing>\
         <wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\">\
         <wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/>\
         <wp:docPr id=\"{number}\" name=\"Chart {number}\" descr=\"{title}\"/>\
         <wp:cNvGraphicFramePr/>\
         <a:graphic xmlns:a=\"{NS_DRAWING}\"><a:graphicData uri=\"{NS_CHART}\">\
         <c:chart xmlns:c=\"{NS_CHART}\" r:id=\"{id}\"/></a:graphicData></a:graphic>\
         </wp:inline></w:drawing></w:r></w:p>",
        title = escape(&spec.title),
        id = chart_relationship(number),
    );
}

/// The relationship of chart number `number` from the document.
fn chart_relationship(number: usize) -> String {
    format!("rIdChart{number}")
}

/// Text properties of a chart's text: size in hundredths of a point.
fn text_properties(size: u32, colour: &str) -> String {
    format!(
        "<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr>\
         <a:defRPr sz=\"{size}\" b=\"0\"><a:solidFill><a:srgbClr val=\"{colour}\"/></a:solidFill>\
         <a:latin typeface=\"{FONT}\"/><a:cs typeface=\"{FONT}\"/></a:defRPr></a:pPr>\
         <a:endParaRPr lang=\"en-US\"/></a:p></c:txPr>"
    )
}

/// A chart's or an axis's title.
fn chart_title(text: &str, size: u32, lang: Lang, rotation: Option<i32>) -> String {
    let rotation = rotation.map_or_else(String::new, |rot| format!(" rot=\"{rot}\" vert=\"horz\""));
    format!(
        "<c:title><c:tx><c:rich><a:bodyPr{rotation}/><a:lstStyle/><a:p><a:pPr>\
         <a:defRPr sz=\"{size}\" b=\"1\"/></a:pPr><a:r><a:rPr lang=\"{tag}\" sz=\"{size}\" b=\"1\">\
         <a:solidFill><a:srgbClr val=\"262626\"/></a:solidFill><a:latin typeface=\"{FONT}\"/>\
         <a:cs typeface=\"{FONT}\"/></a:rPr><a:t>{text}</a:t></a:r></a:p></c:rich></c:tx>\
         <c:overlay val=\"0\"/></c:title>",
        tag = language_tag(lang),
        text = escape(text),
    )
}

/// A line of a chart (axis, gridline).
fn line(colour: &str) -> String {
    format!(
        "<c:spPr><a:noFill/><a:ln w=\"9525\"><a:solidFill><a:srgbClr val=\"{colour}\"/>\
         </a:solidFill></a:ln></c:spPr>"
    )
}

/// A number as a chart's literal holds it: decimals rounded as the table shows them, so
/// that a bar's label reads as its cell.
fn literal(value: f64, whole: bool) -> String {
    if !value.is_finite() {
        "0".into()
    } else if whole {
        format!("{value}")
    } else {
        let shown: f64 = format!("{value:.2}").parse().unwrap_or(value);
        format!("{shown}")
    }
}

/// A chart's number format. French ones carry their locale, so that LibreOffice writes a
/// decimal comma (Word follows the system's settings).
fn number_format(code: &str, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("[$-40C]{code}"),
        Lang::En => code.to_string(),
    }
}

/// The points of each series of stacked bars whose labels would not fit in their part of
/// the bar, on a chart as wide as the text.
fn crowded_labels(
    categories: &[String],
    values: &[Vec<f64>],
    whole: bool,
    frame: &Frame,
) -> Vec<Vec<bool>> {
    let totals: Vec<f64> = (0..categories.len())
        .map(|index| {
            values
                .iter()
                .filter_map(|series| series.get(index))
                .map(|value| value.max(0.0))
                .sum()
        })
        .collect();
    // The value axis ends a little past the longest bar.
    let axis_end = totals.iter().copied().fold(0.0, f64::max) * 1.15;
    let names = categories
        .iter()
        .map(|name| text_ems(name, false))
        .fold(0.0, f64::max)
        * f64::from(frame.category_size)
        / 100.0
        / POINTS_PER_CM;
    let plot = f64::from(TEXT_WIDTH) / TWIPS_PER_CM - names - 1.2;
    values
        .iter()
        .map(|series| {
            series
                .iter()
                .map(|value| {
                    let label = if whole {
                        format!("{value}")
                    } else {
                        format!("{value:.2}")
                    };
                    let needed = text_ems(&label, false) * f64::from(frame.label_size)
                        / 100.0
                        / POINTS_PER_CM
                        + 0.15;
                    axis_end > 0.0 && *value > 0.0 && value / axis_end * plot < needed
                })
                .collect()
        })
        .collect()
}

/// The chart part: a bar chart whose categories and values are literals taken from the
/// table, a value written on each bar (zeros left blank, and on stacked bars the values of
/// parts too small to hold them), every category named, the first row of the table on top
/// for horizontal bars.
fn chart_part(table: &Table, spec: &ChartSpec, lang: Lang) -> String {
    let horizontal = spec.kind != ChartKind::Columns;
    let stacked = spec.kind == ChartKind::StackedBars;
    let categories = table.texts(&spec.categories);
    let values: Vec<Vec<f64>> = spec
        .series
        .iter()
        .map(|series| table.numbers(&series.values))
        .collect();
    let whole = values.iter().flatten().all(|value| value.fract() == 0.0);
    // Zeros are not labelled: an empty part of a stacked bar shows nothing.
    let label_format = if whole {
        "General;-General;;"
    } else {
        "0.00;-0.00;;"
    };
    let frame = chart_frame(spec);
    let crowded = if stacked {
        crowded_labels(&categories, &values, whole, &frame)
    } else {
        Vec::new()
    };
    let label_format = number_format(label_format, lang);
    let axis_format = number_format("General", lang);
    let tag = language_tag(lang);

    let mut xml = String::with_capacity(8192);
    let _ = write!(
        xml,
        "{XML_DECLARATION}<c:chartSpace xmlns:c=\"{NS_CHART}\" xmlns:a=\"{NS_DRAWING}\" \
         xmlns:r=\"{NS_REL}\"><c:date1904 val=\"0\"/><c:lang val=\"{tag}\"/>\
         <c:roundedCorners val=\"0\"/><c:chart>{title}<c:autoTitleDeleted val=\"0\"/>\
         <c:plotArea><c:layout/><c:barChart><c:barDir val=\"{dir}\"/>\
         <c:grouping val=\"{grouping}\"/><c:varyColors val=\"0\"/>",
        title = chart_title(&spec.title, 1200, lang, None),
        dir = if horizontal { "bar" } else { "col" },
        grouping = if stacked { "stacked" } else { "clustered" },
    );
    for (index, (series, values)) in spec.series.iter().zip(&values).enumerate() {
        let colour = PALETTE[index % PALETTE.len()];
        let (position, label_colour) = if stacked {
            let on_dark = DARK.contains(&colour);
            ("ctr", if on_dark { "FFFFFF" } else { "262626" })
        } else {
            ("outEnd", "404040")
        };
        let _ = write!(
            xml,
            "<c:ser><c:idx val=\"{index}\"/><c:order val=\"{index}\"/>\
             <c:tx><c:v>{name}</c:v></c:tx>\
             <c:spPr><a:solidFill><a:srgbClr val=\"{colour}\"/></a:solidFill>\
             <a:ln><a:noFill/></a:ln></c:spPr><c:invertIfNegative val=\"0\"/><c:dLbls>",
            name = escape(&series.name),
        );
        if let Some(crowded) = crowded.get(index) {
            for (point, _) in crowded.iter().enumerate().filter(|(_, hidden)| **hidden) {
                let _ = write!(
                    xml,
                    "<c:dLbl><c:idx val=\"{point}\"/><c:delete val=\"1\"/></c:dLbl>"
                );
            }
        }
        let _ = write!(
            xml,
            "<c:numFmt formatCode=\"{label_format}\" sourceLinked=\"0\"/>\
             <c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>{text}\
             <c:dLblPos val=\"{position}\"/><c:showLegendKey val=\"0\"/><c:showVal val=\"1\"/>\
             <c:showCatName val=\"0\"/><c:showSerName val=\"0\"/><c:showPercent val=\"0\"/>\
             <c:showBubbleSize val=\"0\"/></c:dLbls>\
             <c:cat><c:strLit><c:ptCount val=\"{count}\"/>",
            text = text_properties(frame.label_size, label_colour),
            count = categories.len(),
        );
        for (index, category) in categories.iter().enumerate() {
            let _ = write!(
                xml,
                "<c:pt idx=\"{index}\"><c:v>{}</c:v></c:pt>",
                escape(category)
            );
        }
        let _ = write!(
            xml,
            "</c:strLit></c:cat><c:val><c:numLit><c:formatCode>General</c:formatCode>\
             <c:ptCount val=\"{}\"/>",
            values.len()
        );
        for (index, value) in values.iter().enumerate() {
            let _ = write!(
                xml,
                "<c:pt idx=\"{index}\"><c:v>{}</c:v></c:pt>",
                literal(*value, whole)
            );
        }
        xml.push_str("</c:numLit></c:val></c:ser>");
    }
    let gap = if horizontal && !stacked { 40 } else { 60 };
    let _ = write!(xml, "<c:gapWidth val=\"{gap}\"/>");
    if stacked {
        xml.push_str("<c:overlap val=\"100\"/>");
    }
    const CATEGORY_AXIS: u32 = 50_010;
    const VALUE_AXIS: u32 = 50_020;
    let _ = write!(
        xml,
        "<c:axId val=\"{CATEGORY_AXIS}\"/><c:axId val=\"{VALUE_AXIS}\"/></c:barChart>"
    );
    // The category axis: every name shown; top to bottom in the table's order when the bars
    // are horizontal, the value axis then crossing it at its last (lowest) category.
    let _ = write!(
        xml,
        "<c:catAx><c:axId val=\"{CATEGORY_AXIS}\"/><c:scaling>\
         <c:orientation val=\"{orientation}\"/></c:scaling><c:delete val=\"0\"/>\
         <c:axPos val=\"{position}\"/>\
         <c:numFmt formatCode=\"General\" sourceLinked=\"0\"/><c:majorTickMark val=\"none\"/>\
         <c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/>{line}{text}\
         <c:crossAx val=\"{VALUE_AXIS}\"/><c:crosses val=\"autoZero\"/><c:auto val=\"1\"/>\
         <c:lblAlgn val=\"ctr\"/><c:lblOffset val=\"100\"/><c:tickLblSkip val=\"1\"/>\
         <c:noMultiLvlLbl val=\"0\"/></c:catAx>",
        orientation = if horizontal { "maxMin" } else { "minMax" },
        position = if horizontal { "l" } else { "b" },
        line = line("BFBFBF"),
        text = text_properties(frame.category_size, "404040"),
    );
    let _ = write!(
        xml,
        "<c:valAx><c:axId val=\"{VALUE_AXIS}\"/><c:scaling><c:orientation val=\"minMax\"/>\
         </c:scaling><c:delete val=\"0\"/><c:axPos val=\"{position}\"/>\
         <c:majorGridlines>{grid}</c:majorGridlines>{title}\
         <c:numFmt formatCode=\"{axis_format}\" sourceLinked=\"0\"/><c:majorTickMark val=\"none\"/>\
         <c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/>\
         <c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>{text}\
         <c:crossAx val=\"{CATEGORY_AXIS}\"/><c:crosses val=\"{crosses}\"/>\
         <c:crossBetween val=\"between\"/></c:valAx>",
        position = if horizontal { "b" } else { "l" },
        grid = line("D9D9D9"),
        title = chart_title(
            &spec.value_axis,
            900,
            lang,
            (!horizontal).then_some(-5_400_000)
        ),
        text = text_properties(800, "595959"),
        crosses = if horizontal { "max" } else { "autoZero" },
    );
    xml.push_str("<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr></c:plotArea>");
    if spec.series.len() > 1 {
        let _ = write!(
            xml,
            "<c:legend><c:legendPos val=\"b\"/><c:overlay val=\"0\"/>{}</c:legend>",
            text_properties(900, "404040")
        );
    }
    let _ = write!(
        xml,
        "<c:plotVisOnly val=\"1\"/><c:dispBlanksAs val=\"gap\"/></c:chart>\
         <c:spPr><a:solidFill><a:srgbClr val=\"FFFFFF\"/></a:solidFill><a:ln><a:noFill/></a:ln>\
         </c:spPr>{}</c:chartSpace>",
        text_properties(900, "404040")
    );
    xml
}

// ---------------------------------------------------------------------------------------
// Package parts

/// The content types of the fixed parts (the charts' are added to them).
const PART_TYPES: [(&str, &str); 5] = [
    ("/word/document.xml", "wordprocessingml.document.main+xml"),
    ("/word/styles.xml", "wordprocessingml.styles+xml"),
    ("/word/settings.xml", "wordprocessingml.settings+xml"),
    ("/docProps/app.xml", "extended-properties+xml"),
    ("/docProps/core.xml", "core-properties+xml"),
];
const OFFICE_TYPE: &str = "application/vnd.openxmlformats-officedocument.";
const PACKAGE_TYPE: &str = "application/vnd.openxmlformats-package.";

fn content_types(charts: usize) -> String {
    let mut xml = format!(
        "{XML_DECLARATION}<Types \
         xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"{PACKAGE_TYPE}relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    );
    for (part, kind) in PART_TYPES {
        let prefix = if kind.starts_with("core") {
            PACKAGE_TYPE
        } else {
            OFFICE_TYPE
        };
        let _ = write!(
            xml,
            "<Override PartName=\"{part}\" ContentType=\"{prefix}{kind}\"/>"
        );
    }
    for number in 1..=charts {
        let _ = write!(
            xml,
            "<Override PartName=\"/word/charts/chart{number}.xml\" \
             ContentType=\"{OFFICE_TYPE}drawingml.chart+xml\"/>"
        );
    }
    xml.push_str("</Types>");
    xml
}

/// A relationships part: (id, type, target) each.
fn relationships(targets: &[(String, String, String)]) -> String {
    let mut xml = format!("{XML_DECLARATION}<Relationships xmlns=\"{NS_PACKAGE_REL}\">");
    for (id, kind, target) in targets {
        let _ = write!(
            xml,
            "<Relationship Id=\"{id}\" Type=\"{kind}\" Target=\"{target}\"/>"
        );
    }
    xml.push_str("</Relationships>");
    xml
}

fn package_relationships() -> String {
    let core = "http://schemas.openxmlformats.org/package/2006/relationships/metadata";
    relationships(&[
        (
            "rId1".into(),
            format!("{NS_REL}/officeDocument"),
            "word/document.xml".into(),
        ),
        (
            "rId2".into(),
            format!("{core}/core-properties"),
            "docProps/core.xml".into(),
        ),
        (
            "rId3".into(),
            format!("{NS_REL}/extended-properties"),
            "docProps/app.xml".into(),
        ),
    ])
}

fn document_relationships(charts: usize) -> String {
    let mut targets = vec![
        (
            "rId1".to_string(),
            format!("{NS_REL}/styles"),
            "styles.xml".to_string(),
        ),
        (
            "rId2".to_string(),
            format!("{NS_REL}/settings"),
            "settings.xml".to_string(),
        ),
    ];
    targets.extend((1..=charts).map(|number| {
        (
            chart_relationship(number),
            format!("{NS_REL}/chart"),
            format!("charts/chart{number}.xml"),
        )
    }));
    relationships(&targets)
}

fn core_properties(title: &str, lang: Lang) -> String {
    format!(
        "{XML_DECLARATION}<cp:coreProperties \
         xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:title>{}</dc:title><dc:language>{}</dc:language></cp:coreProperties>",
        escape(title),
        language_tag(lang)
    )
}

fn app_properties() -> String {
    format!(
        "{XML_DECLARATION}<Properties \
         xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">\
         <Application>helpdesk</Application></Properties>"
    )
}

fn document_part(body: &str) -> String {
    format!(
        "{XML_DECLARATION}<w:document xmlns:w=\"{NS_MAIN}\" xmlns:r=\"{NS_REL}\" \
         xmlns:wp=\"{NS_WP}\" xmlns:a=\"{NS_DRAWING}\" xmlns:c=\"{NS_CHART}\"><w:body>{body}\
         <w:sectPr><w:pgSz w:w=\"{PAGE_WIDTH}\" w:h=\"{PAGE_HEIGHT}\"/>\
         <w:pgMar w:top=\"{MARGIN}\" w:right=\"{MARGIN}\" w:bottom=\"{MARGIN}\" \
         w:left=\"{MARGIN}\" \
         w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/><w:cols w:space=\"708\"/>\
         </w:sectPr></w:body></w:document>"
    )
}

fn settings(lang: Lang) -> String {
    let (decimal_symbol, list_separator) = match lang {
        Lang::Fr => (",", ";"),
        Lang::En => (".", ","),
    };
    format!(
        "{XML_DECLARATION}<w:settings xmlns:w=\"{NS_MAIN}\"><w:zoom w:percent=\"100\"/>\
         <w:defaultTabStop w:val=\"709\"/><w:characterSpacingControl w:val=\"doNotCompress\"/>\
         <w:compat><w:compatSetting w:name=\"compatibilityMode\" \
         w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>\
         <w:themeFontLang w:val=\"{}\"/><w:decimalSymbol w:val=\"{decimal_symbol}\"/>\
         <w:listSeparator w:val=\"{list_separator}\"/></w:settings>",
        language_tag(lang)
    )
}

/// A paragraph style; `paragraph` and `run` are the inside of its w:pPr and w:rPr.
fn paragraph_style(id: &str, name: &str, paragraph: &str, run: &str) -> String {
    let based = if id == "Normal" {
        String::new()
    } else {
        "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/>".into()
    };
    let default = if id == "Normal" {
        " w:default=\"1\""
    } else {
        ""
    };
    format!(
        "<w:style w:type=\"paragraph\"{default} w:styleId=\"{id}\"><w:name w:val=\"{name}\"/>\
         {based}<w:qFormat/><w:pPr>{paragraph}</w:pPr><w:rPr>{run}</w:rPr></w:style>"
    )
}

fn styles(lang: Lang) -> String {
    let tag = language_tag(lang);
    let heading = |level: u32, size: u32, before: u32| {
        paragraph_style(
            &format!("Heading{level}"),
            &format!("heading {level}"),
            &format!(
                "<w:keepNext/><w:keepLines/><w:spacing w:before=\"{before}\" w:after=\"120\"/>\
                 <w:jc w:val=\"left\"/><w:outlineLvl w:val=\"{}\"/>",
                level - 1
            ),
            &format!(
                "<w:b/><w:bCs/><w:color w:val=\"{ACCENT}\"/><w:sz w:val=\"{size}\"/>\
                 <w:szCs w:val=\"{size}\"/>"
            ),
        )
    };
    let border = |side: &str| {
        format!("<w:{side} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"{TABLE_BORDER}\"/>")
    };
    let mut xml = format!(
        "{XML_DECLARATION}<w:styles xmlns:w=\"{NS_MAIN}\"><w:docDefaults><w:rPrDefault><w:rPr>\
         <w:rFonts w:ascii=\"{FONT}\" w:hAnsi=\"{FONT}\" w:eastAsia=\"{FONT}\" w:cs=\"{FONT}\"/>\
         <w:sz w:val=\"22\"/><w:szCs w:val=\"22\"/>\
         <w:lang w:val=\"{tag}\" w:eastAsia=\"{tag}\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>\
         <w:pPrDefault><w:pPr><w:spacing w:after=\"120\" w:line=\"264\" w:lineRule=\"auto\"/>\
         </w:pPr></w:pPrDefault></w:docDefaults>"
    );
    xml.push_str(&paragraph_style(
        "Normal",
        "Normal",
        "<w:widowControl/>",
        &format!(
            "<w:rFonts w:ascii=\"{FONT}\" w:hAnsi=\"{FONT}\" w:cs=\"{FONT}\"/>\
             <w:lang w:val=\"{tag}\"/>"
        ),
    ));
    xml.push_str(&paragraph_style(
        "Title",
        "Title",
        "<w:keepNext/><w:spacing w:before=\"0\" w:after=\"240\"/><w:jc w:val=\"left\"/>",
        &format!(
            "<w:b/><w:bCs/><w:color w:val=\"{ACCENT}\"/><w:kern w:val=\"28\"/>\
             <w:sz w:val=\"40\"/><w:szCs w:val=\"40\"/>"
        ),
    ));
    xml.push_str(&heading(1, 30, 360));
    xml.push_str(&heading(2, 26, 240));
    xml.push_str(&heading(3, 23, 200));
    xml.push_str(&paragraph_style(
        "BodyText",
        "Body Text",
        "<w:spacing w:after=\"120\"/><w:jc w:val=\"both\"/>",
        "",
    ));
    xml.push_str(&paragraph_style(
        "Caption",
        "caption",
        "<w:spacing w:before=\"60\" w:after=\"240\"/><w:jc w:val=\"left\"/>",
        "<w:i/><w:iCs/><w:color w:val=\"595959\"/><w:sz w:val=\"18\"/><w:szCs w:val=\"18\"/>",
    ));
    xml.push_str(&paragraph_style(
        "TableText",
        "Table Text",
        "<w:spacing w:before=\"20\" w:after=\"20\" w:line=\"240\" w:lineRule=\"auto\"/>",
        "",
    ));
    xml.push_str(&paragraph_style(
        "Chart",
        "Chart",
        "<w:spacing w:before=\"120\" w:after=\"60\" w:line=\"240\" w:lineRule=\"auto\"/>\
         <w:jc w:val=\"center\"/>",
        "",
    ));
    let _ = write!(
        xml,
        "<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\">\
         <w:name w:val=\"Default Paragraph Font\"/><w:uiPriority w:val=\"1\"/><w:semiHidden/>\
         <w:unhideWhenUsed/></w:style>\
         <w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\">\
         <w:name w:val=\"Normal Table\"/><w:uiPriority w:val=\"99\"/><w:semiHidden/>\
         <w:unhideWhenUsed/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar>\
         <w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>\
         <w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>\
         </w:tblCellMar></w:tblPr></w:style>\
         <w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/>\
         <w:basedOn w:val=\"TableNormal\"/><w:uiPriority w:val=\"39\"/><w:pPr>\
         <w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr><w:tblPr>\
         <w:tblBorders>{}{}{}{}{}{}</w:tblBorders></w:tblPr></w:style></w:styles>",
        border("top"),
        border("left"),
        border("bottom"),
        border("right"),
        border("insideH"),
        border("insideV"),
    );
    xml
}

#[cfg(test)]
mod tests {
    use super::super::tables::{CellRange, ChartSeries};
    use super::*;
    use std::io::Read;

    fn members_table() -> Table {
        let rows = vec![
            vec![
                Cell::Text("M01".into()),
                Cell::Text("A & B <C>".into()),
                Cell::Count(120),
                Cell::Decimal(12.5),
            ],
            vec![
                Cell::Text("M02".into()),
                Cell::Text("Mairie d'Ys".into()),
                Cell::Count(0),
                Cell::Decimal(3.25),
            ],
            vec![
                Cell::Text(String::new()),
                Cell::Text("Total".into()),
                Cell::Count(120),
                Cell::Decimal(15.75),
            ],
        ];
        Table {
            sheet_name: "Tickets",
            file_stem: "tickets",
            headings: vec![
                "Code".into(),
                "Membre".into(),
                "Tickets".into(),
                "Jours".into(),
            ],
            rows,
            has_total_row: true,
            chart: Some(ChartSpec {
                decimal_comma: true,
                kind: ChartKind::StackedBars,
                title: "Tickets \"2018\"".into(),
                file_stem: "tickets",
                value_axis: "Tickets".into(),
                categories: CellRange {
                    rows: 1..3,
                    cols: 1..2,
                },
                series: vec![
                    ChartSeries {
                        name: "Tickets".into(),
                        values: CellRange {
                            rows: 1..3,
                            cols: 2..3,
                        },
                    },
                    ChartSeries {
                        name: "Jours".into(),
                        values: CellRange {
                            rows: 1..3,
                            cols: 3..4,
                        },
                    },
                ],
            }),
        }
    }

    fn parts(bytes: &[u8]) -> Vec<(String, String)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
        (0..archive.len())
            .map(|index| {
                let mut file = archive.by_index(index).expect("a part");
                let mut text = String::new();
                file.read_to_string(&mut text).expect("UTF-8 text");
                (file.name().expect("a name").to_string(), text)
            })
            .collect()
    }

    fn part<'a>(parts: &'a [(String, String)], name: &str) -> &'a str {
        parts
            .iter()
            .find(|(part, _)| part == name)
            .map(|(_, text)| text.as_str())
            .unwrap_or_else(|| panic!("no part {name}"))
    }

    /// Checks that the text is well-formed XML as far as these parts go: one root, tags
    /// closed in order, quoted attributes, and only the five predefined entities.
    fn assert_well_formed(name: &str, xml: &str) {
        let mut rest = xml
            .strip_prefix(XML_DECLARATION)
            .unwrap_or_else(|| panic!("{name}: no declaration"));
        let mut open: Vec<&str> = Vec::new();
        let mut roots = 0;
        while !rest.is_empty() {
            match rest.find('<') {
                Some(start) => {
                    check_text(name, &rest[..start]);
                    if open.is_empty() && !rest[..start].trim().is_empty() {
                        panic!("{name}: text outside the root");
                    }
                    let end = rest[start..]
                        .find('>')
                        .unwrap_or_else(|| panic!("{name}: unclosed tag"))
                        + start;
                    let tag = &rest[start + 1..end];
                    if let Some(closing) = tag.strip_prefix('/') {
                        let expected = open.pop();
                        assert_eq!(expected, Some(closing.trim()), "{name}: mismatched tag");
                    } else {
                        let empty = tag.ends_with('/');
                        let tag = tag.trim_end_matches('/');
                        let tag_name = tag.split_whitespace().next().unwrap_or("");
                        assert!(!tag_name.is_empty(), "{name}: empty tag");
                        check_attributes(name, &tag[tag_name.len()..]);
                        if open.is_empty() {
                            roots += 1;
                        }
                        if !empty {
                            open.push(tag_name);
                        }
                    }
                    rest = &rest[end + 1..];
                }
                None => {
                    assert!(rest.trim().is_empty(), "{name}: text after the root");
                    rest = "";
                }
            }
        }
        assert!(open.is_empty(), "{name}: unclosed {open:?}");
        assert_eq!(roots, 1, "{name}: not one root");
    }

    fn check_text(name: &str, text: &str) {
        let mut rest = text;
        while let Some(amp) = rest.find('&') {
            let after = &rest[amp..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|entity| after.starts_with(entity)),
                "{name}: bad entity in {text:?}"
            );
            rest = &rest[amp + 1..];
        }
        assert!(!text.contains('>'), "{name}: stray > in {text:?}");
    }

    fn check_attributes(name: &str, attributes: &str) {
        let mut rest = attributes.trim();
        while !rest.is_empty() {
            let equals = rest
                .find("=\"")
                .unwrap_or_else(|| panic!("{name}: bad attributes {attributes:?}"));
            assert!(
                !rest[..equals].trim().contains(char::is_whitespace),
                "{name}: attribute without a value in {attributes:?}"
            );
            let value_end = rest[equals + 2..]
                .find('"')
                .unwrap_or_else(|| panic!("{name}: unquoted {attributes:?}"))
                + equals
                + 2;
            let value = &rest[equals + 2..value_end];
            assert!(!value.contains('<'), "{name}: < in an attribute");
            check_text(name, value);
            rest = rest[value_end + 1..].trim_start();
        }
    }

    fn sample(lang: Lang) -> Vec<(String, String)> {
        let table = members_table();
        let blocks = [
            Block::Title("Rapport d'activité".into()),
            Block::Heading(1, "Activité du service".into()),
            Block::Paragraph("701 tickets, contre 489 en 2017 (+43 %).\nSuite".into()),
            Block::Table(&table),
            Block::Caption("Source : helpdesk".into()),
            Block::Chart(&table),
            Block::Caption("Source : helpdesk".into()),
        ];
        parts(&document("Rapport & <annexe>", lang, &blocks).expect("a document"))
    }

    #[test]
    fn decimals_take_the_language_s_separator() {
        assert_eq!(decimal(12.5, Lang::Fr), "12,50");
        assert_eq!(decimal(12.5, Lang::En), "12.50");
        assert_eq!(decimal(-0.001, Lang::Fr), "0,00");
        assert_eq!(decimal(-3.456, Lang::Fr), "-3,46");
    }

    #[test]
    fn the_archive_holds_every_part() {
        let parts = sample(Lang::Fr);
        let names: Vec<&str> = parts.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names[0], "[Content_Types].xml");
        for expected in [
            "_rels/.rels",
            "docProps/core.xml",
            "docProps/app.xml",
            "word/document.xml",
            "word/styles.xml",
            "word/settings.xml",
            "word/_rels/document.xml.rels",
            "word/charts/chart1.xml",
        ] {
            assert!(names.contains(&expected), "no {expected} in {names:?}");
        }
        let types = part(&parts, "[Content_Types].xml");
        assert!(types.contains(
            "<Override PartName=\"/word/charts/chart1.xml\" \
             ContentType=\"application/vnd.openxmlformats-officedocument.drawingml.chart+xml\"/>"
        ));
        let relationships = part(&parts, "word/_rels/document.xml.rels");
        assert!(relationships.contains("Target=\"charts/chart1.xml\""));
        let core = part(&parts, "docProps/core.xml");
        assert!(core.contains("<dc:title>Rapport &amp; &lt;annexe&gt;</dc:title>"));
        assert!(core.contains("<dc:language>fr-FR</dc:language>"));
    }

    #[test]
    fn every_part_is_well_formed() {
        for lang in [Lang::Fr, Lang::En] {
            for (name, xml) in sample(lang) {
                assert_well_formed(&name, &xml);
            }
        }
    }

    #[test]
    fn the_table_shows_french_decimals_and_escaped_text() {
        let parts = sample(Lang::Fr);
        let document = part(&parts, "word/document.xml");
        for text in ["12,50", "3,25", "15,75", "120", "Mairie d&apos;Ys", "Total"] {
            assert!(
                document.contains(&format!(">{text}</w:t>")),
                "no {text} in the document"
            );
        }
        assert!(document.contains(">A &amp; B &lt;C&gt;</w:t>"));
        assert!(!document.contains("A & B"));
        assert!(document.contains("<w:tblHeader/>"));
        assert!(document.contains("<w:cantSplit/>"));
        assert!(document.contains("<w:pStyle w:val=\"Heading1\"/>"));
        assert!(document.contains("<w:br/>"));
        let english = sample(Lang::En);
        let document = part(&english, "word/document.xml");
        assert!(document.contains(">12.50</w:t>"));
        let styles = part(&english, "word/styles.xml");
        assert!(styles.contains("w:val=\"en-GB\""));
    }

    #[test]
    fn the_chart_holds_its_categories_and_values() {
        let parts = sample(Lang::Fr);
        let document = part(&parts, "word/document.xml");
        assert!(document.contains("<c:chart xmlns:c="));
        assert!(document.contains("r:id=\"rIdChart1\""));
        let chart = part(&parts, "word/charts/chart1.xml");
        assert!(chart.contains("<c:barDir val=\"bar\"/>"));
        assert!(chart.contains("<c:grouping val=\"stacked\"/>"));
        assert!(chart.contains("<c:overlap val=\"100\"/>"));
        assert!(chart.contains("<c:pt idx=\"0\"><c:v>A &amp; B &lt;C&gt;</c:v></c:pt>"));
        assert!(chart.contains("<c:pt idx=\"1\"><c:v>Mairie d&apos;Ys</c:v></c:pt>"));
        assert!(chart.contains("<c:pt idx=\"0\"><c:v>120</c:v></c:pt>"));
        assert!(chart.contains("<c:pt idx=\"1\"><c:v>3.25</c:v></c:pt>"));
        assert!(chart.contains("Tickets &quot;2018&quot;"));
        assert!(chart.contains("<c:orientation val=\"maxMin\"/>"));
        assert!(chart.contains("<c:tickLblSkip val=\"1\"/>"));
        assert!(chart.contains("<c:showVal val=\"1\"/>"));
        assert!(chart.contains("<c:legend>"));
        // The total row is not a category.
        assert!(!chart.contains("<c:v>Total</c:v>"));
    }

    #[test]
    fn one_series_has_no_legend_and_no_chart_draws_nothing() {
        let mut table = members_table();
        if let Some(spec) = table.chart.as_mut() {
            spec.kind = ChartKind::Columns;
            spec.series.truncate(1);
        }
        let mut empty = members_table();
        empty.chart = None;
        let blocks = [Block::Chart(&table), Block::Chart(&empty)];
        let parts = parts(&document("Test", Lang::En, &blocks).expect("a document"));
        let chart = part(&parts, "word/charts/chart1.xml");
        assert!(chart.contains("<c:barDir val=\"col\"/>"));
        assert!(!chart.contains("<c:legend>"));
        assert!(!parts
            .iter()
            .any(|(name, _)| name == "word/charts/chart2.xml"));
    }

    #[test]
    fn wide_tables_fit_the_page_in_a_small_font() {
        let mut headings = vec!["Code".to_string(), "Membre".to_string()];
        headings.extend(
            [
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
            ]
            .map(String::from),
        );
        headings.push("Total".into());
        let mut row = vec![
            Cell::Text("MAIRIE".into()),
            Cell::Text("Communauté de communes".into()),
        ];
        row.extend((0..13).map(|n| Cell::Count(100 + n)));
        let table = Table {
            sheet_name: "Saisonnalité",
            file_stem: "saisonnalite",
            headings,
            rows: vec![row],
            has_total_row: false,
            chart: None,
        };
        let layout = layout(&table, 15, Lang::Fr);
        assert_eq!(layout.font_half_points, 14);
        assert_eq!(layout.widths.iter().sum::<u32>(), TEXT_WIDTH);
        assert!(layout.numeric[2..].iter().all(|numeric| *numeric));
        assert!(!layout.numeric[1]);
    }

    #[test]
    fn bar_charts_grow_with_their_bars_up_to_a_limit() {
        let mut spec = members_table().chart.expect("a chart");
        spec.kind = ChartKind::Bars;
        let height = |spec: &ChartSpec| chart_frame(spec).height as f64 / EMU_PER_CM;
        // 2 categories x 2 series: the least height.
        assert_eq!(height(&spec), 6.0);
        spec.categories.rows = 1..13;
        let twelve = height(&spec);
        assert!(
            (twelve - (2.6 + 0.8 + 0.55 * 24.0)).abs() < 0.01,
            "{twelve}"
        );
        spec.categories.rows = 1..101;
        let frame = chart_frame(&spec);
        assert_eq!(frame.height as f64 / EMU_PER_CM, MAX_CHART_CM);
        assert_eq!(frame.category_size, 600);
        spec.kind = ChartKind::Columns;
        assert_eq!(height(&spec), 8.8);
        assert_eq!(chart_frame(&spec).width, u64::from(TEXT_WIDTH) * 635);
    }

    #[test]
    fn a_long_table_is_not_kept_whole_on_one_page() {
        let count_keeps = |rows: usize| {
            let mut table = members_table();
            table.rows = (0..rows)
                .map(|n| vec![Cell::Text(format!("M{n}")), Cell::Count(n as i64)])
                .collect();
            table.has_total_row = false;
            let mut xml = String::new();
            assert!(write_table(&mut xml, &table, Lang::Fr, false));
            // Four columns: the rows kept with the next one.
            xml.matches("<w:keepNext/>").count() / 4
        };
        // The heading and every row but the last.
        assert_eq!(count_keeps(10), 10);
        // The heading, the first two rows, and the two before the last.
        assert_eq!(count_keeps(80), 5);
    }
}
