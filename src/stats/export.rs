//! The report as files: JSON, a zip of CSV files and SVG charts, or an XLSX workbook with
//! native charts, for download or written into a folder by `helpdesk report`.

use std::io::Write;

use super::lang::Lang;
use super::report::Report;
use super::tables::{tables, Table};
use super::{chapter, csv, svg, xlsx};
use crate::domain::FieldError;

pub const JSON_TYPE: &str = "application/json";
pub const ZIP_TYPE: &str = "application/zip";
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const DOCX_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    #[default]
    Json,
    Csv,
    Xlsx,
    /// The year's chapter of the activity report.
    Docx,
}

impl ReportFormat {
    pub fn parse(value: Option<&str>) -> Result<Self, FieldError> {
        match value.map(str::trim) {
            None | Some("json") => Ok(ReportFormat::Json),
            Some("csv") => Ok(ReportFormat::Csv),
            Some("xlsx") => Ok(ReportFormat::Xlsx),
            Some("docx") => Ok(ReportFormat::Docx),
            Some(_) => Err(FieldError::new("format", "must be json, csv, xlsx or docx")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot write the archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A file of the report.
#[derive(Debug, Clone)]
pub struct ReportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A report in one format, ready to send.
#[derive(Debug)]
pub struct Download {
    pub content_type: &'static str,
    /// The file name to save it under; none for JSON, which is shown rather than saved.
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// `rapport-2018`, `report-2018-03`.
pub fn base_name(report: &Report, lang: Lang) -> String {
    base_name_of(report.year, report.month, lang)
}

/// The name of the files of a year's report, or of one of its months.
pub fn base_name_of(year: i32, month: Option<u32>, lang: Lang) -> String {
    let word = lang.words().report_file;
    match month {
        None => format!("{word}-{year}"),
        Some(month) => format!("{word}-{year}-{month:02}"),
    }
}

/// One CSV per table in the language's conventions, the SVG charts, and the note saying how
/// the CSV files are written.
fn csv_and_svg_files(tables: &[Table], lang: Lang) -> Vec<ReportFile> {
    let csv_files = tables.iter().map(|table| ReportFile {
        name: format!("{}.csv", table.file_stem),
        bytes: csv::table(table, lang),
    });
    let svg_files = tables.iter().filter_map(|table| {
        table.chart.as_ref().map(|chart| ReportFile {
            name: format!("{}.svg", chart.file_stem),
            bytes: svg::chart(table, chart).into_bytes(),
        })
    });
    let mut files: Vec<ReportFile> = csv_files.chain(svg_files).collect();
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    let (name, bytes) = csv::readme(lang, &names);
    files.push(ReportFile { name, bytes });
    files
}

fn zip_archive(files: &[ReportFile]) -> Result<Vec<u8>, ExportError> {
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for file in files {
        archive.start_file(file.name.as_str(), options)?;
        archive.write_all(&file.bytes)?;
    }
    Ok(archive.finish()?.into_inner())
}

pub fn render(report: &Report, format: ReportFormat, lang: Lang) -> Result<Download, ExportError> {
    let base = base_name(report, lang);
    Ok(match format {
        ReportFormat::Json => Download {
            content_type: JSON_TYPE,
            file_name: None,
            bytes: serde_json::to_vec(report)?,
        },
        ReportFormat::Csv => Download {
            content_type: ZIP_TYPE,
            file_name: Some(format!("{base}.zip")),
            bytes: zip_archive(&csv_and_svg_files(&tables(report, lang), lang))?,
        },
        ReportFormat::Xlsx => Download {
            content_type: XLSX_TYPE,
            file_name: Some(format!("{base}.xlsx")),
            bytes: xlsx::workbook(&tables(report, lang))?,
        },
        ReportFormat::Docx => Download {
            content_type: DOCX_TYPE,
            file_name: Some(format!("{base}.docx")),
            bytes: chapter::document(report, lang)?,
        },
    })
}

/// Every file of the report for a folder: the JSON, the workbook, one CSV per table and the
/// SVG charts.
pub fn files(report: &Report, lang: Lang) -> Result<Vec<ReportFile>, ExportError> {
    let word = lang.words().report_file;
    let tables = tables(report, lang);
    let mut files = vec![
        ReportFile {
            name: format!("{word}.json"),
            bytes: serde_json::to_vec_pretty(report)?,
        },
        ReportFile {
            name: format!("{word}.xlsx"),
            bytes: xlsx::workbook(&tables)?,
        },
        ReportFile {
            name: format!("{word}.docx"),
            bytes: chapter::document(report, lang)?,
        },
    ];
    files.extend(csv_and_svg_files(&tables, lang));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::service_level::Targets;
    use crate::stats::report::{build, Period, ReportData, ReportOptions};

    fn empty_report(month: Option<u32>) -> Report {
        let data = ReportData {
            members: Vec::new(),
            ticket_counts: Vec::new(),
            work_minutes: Vec::new(),
            service_levels: Vec::new(),
            categories: Vec::new(),
            category_counts: Vec::new(),
            category_work: Vec::new(),
            technician_names: Default::default(),
            technician_counts: Vec::new(),
            technician_work: Vec::new(),
        };
        let targets = Targets {
            acknowledge: [30, 60, 240, 480],
            resolve: [240, 600, 1800, 3000],
        };
        build(
            &data,
            Period { year: 2018, month },
            ReportOptions::default(),
            420,
            &targets,
        )
    }

    #[test]
    fn file_names_follow_the_language_and_the_period() {
        assert_eq!(base_name(&empty_report(None), Lang::Fr), "rapport-2018");
        assert_eq!(
            base_name(&empty_report(Some(3)), Lang::En),
            "report-2018-03"
        );
    }

    #[test]
    fn formats_are_checked() {
        assert_eq!(ReportFormat::parse(None).unwrap(), ReportFormat::Json);
        assert_eq!(
            ReportFormat::parse(Some("xlsx")).unwrap(),
            ReportFormat::Xlsx
        );
        assert!(ReportFormat::parse(Some("pdf")).is_err());
    }
}
