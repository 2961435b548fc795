//! The writers every export shares: the one CSV writer (formula injection neutralised) and a
//! workbook written a row at a time to a temporary file.
use crate::error::AppError;

/// The UTF-8 byte-order mark Excel needs to read a CSV file as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// CSV lines for `rows` (RFC 4180 quoting, CRLF line ends). The one CSV writer of the app: every
/// cell of every CSV export is neutralised here against formula injection
/// ([`crate::domain::csv_cell`]; ASVS 5.0 V1.2.10).
pub fn csv_lines(rows: &[Vec<String>]) -> Result<Vec<u8>, AppError> {
    use crate::domain::csv_cell::neutralise;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| neutralise(cell).into_owned()))
            .map_err(AppError::internal)?;
    }
    writer
        .into_inner()
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))
}

/// How a column's cells are written, so that a clerk's spreadsheet sorts, sums and filters them
/// as what they are (issue 17, item 12): 序号 as a number, dates as dates. A cell that does not
/// read as its kind (a due date marked provisional, an empty one) is written as text, as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Text,
    Number,
    /// `YYYY-MM-DD`, shown so.
    Date,
    /// `YYYY-MM-DD HH:MM` (China time, as the pages show it), shown so.
    DateTime,
}

/// The narrowest and widest a column is made, in Excel's character units.
const WIDTHS: (f64, f64) = (6.0, 48.0);

/// A workbook written a row at a time, its rows kept on disk (`constant_memory`), saved to a
/// temporary file. It opens as a clerk expects in Excel or WPS: the header row bold and frozen,
/// columns as wide as what they hold (within [`WIDTHS`]), and, printed, landscape A4, all
/// columns on one page width, the header row on every page.
pub struct XlsxSheet {
    workbook: rust_xlsxwriter::Workbook,
    row: u32,
    kinds: Vec<CellKind>,
    widths: Vec<usize>,
    date: rust_xlsxwriter::Format,
    datetime: rust_xlsxwriter::Format,
}

impl XlsxSheet {
    /// A workbook with one sheet named `name`, its first row the bold headers, each column of
    /// its kind.
    pub fn new(name: &str, columns: &[(String, CellKind)]) -> Result<Self, AppError> {
        use rust_xlsxwriter::Format;
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let bold = Format::new().set_bold();
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name(name).map_err(AppError::internal)?;
        for (col, (header, _)) in columns.iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, header, &bold)
                .map_err(AppError::internal)?;
        }
        print_setup(sheet)?;
        Ok(XlsxSheet {
            workbook,
            row: 1,
            kinds: columns.iter().map(|(_, kind)| *kind).collect(),
            widths: columns
                .iter()
                .map(|(header, _)| display_width(header))
                .collect(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        })
    }

    /// Appends rows below the last one.
    pub fn push(&mut self, rows: &[Vec<String>]) -> Result<(), AppError> {
        let sheet = self
            .workbook
            .worksheet_from_index(0)
            .map_err(AppError::internal)?;
        for cells in rows {
            for (col, value) in cells.iter().enumerate() {
                if value.is_empty() {
                    continue;
                }
                let kind = self.kinds.get(col).copied().unwrap_or(CellKind::Text);
                let at = (self.row, col as u16);
                let written = match (kind, excel_date(value)) {
                    (CellKind::Number, _) => value
                        .parse::<f64>()
                        .ok()
                        .map(|n| sheet.write_number(at.0, at.1, n).map(|_| ())),
                    (CellKind::Date, Some(date)) if value.len() == 10 => Some(
                        sheet
                            .write_datetime_with_format(at.0, at.1, &date, &self.date)
                            .map(|_| ()),
                    ),
                    (CellKind::DateTime, Some(at_time)) => Some(
                        sheet
                            .write_datetime_with_format(at.0, at.1, &at_time, &self.datetime)
                            .map(|_| ()),
                    ),
                    _ => None,
                };
                match written {
                    Some(result) => result.map_err(AppError::internal)?,
                    None => {
                        sheet
                            .write_string(at.0, at.1, value)
                            .map_err(AppError::internal)?;
                    }
                }
                if let Some(width) = self.widths.get_mut(col) {
                    *width = (*width).max(display_width(value));
                }
            }
            self.row += 1;
        }
        Ok(())
    }

    /// Saves the workbook to a temporary file (removed when the handle is dropped).
    pub fn finish(mut self) -> Result<tempfile::NamedTempFile, AppError> {
        let sheet = self
            .workbook
            .worksheet_from_index(0)
            .map_err(AppError::internal)?;
        for (col, width) in self.widths.iter().enumerate() {
            sheet
                .set_column_width(col as u16, column_width(*width))
                .map_err(AppError::internal)?;
        }
        let file = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
        self.workbook
            .save(file.path())
            .map_err(AppError::internal)?;
        Ok(file)
    }
}

/// What every sheet the app writes has: the header row frozen and, printed, landscape A4 (paper
/// size 9), all columns fitted to one page width, as many pages tall as the rows need, the header
/// row repeated on each.
pub(crate) fn print_setup(sheet: &mut rust_xlsxwriter::Worksheet) -> Result<(), AppError> {
    sheet.set_freeze_panes(1, 0).map_err(AppError::internal)?;
    sheet
        .set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0).map_err(AppError::internal)?;
    Ok(())
}

/// The width of a column whose widest cell takes `widest` character widths.
pub(crate) fn column_width(widest: usize) -> f64 {
    (widest as f64 + 2.0).clamp(WIDTHS.0, WIDTHS.1)
}

/// How many character widths `text` takes: CJK characters (and full-width forms) take two.
pub(crate) fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if u32::from(c) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// `YYYY-MM-DD` or `YYYY-MM-DD HH:MM` as an Excel date, else `None`.
fn excel_date(value: &str) -> Option<rust_xlsxwriter::ExcelDateTime> {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
    let (date, time) = match value.len() {
        10 => (NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?, None),
        16 => {
            let at = NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M").ok()?;
            (at.date(), Some((at.hour(), at.minute())))
        }
        _ => return None,
    };
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(date.year()).ok()?,
        date.month() as u8,
        date.day() as u8,
    )
    .ok()?;
    match time {
        None => Some(day),
        Some((h, m)) => day.and_hms(h as u16, m as u8, 0).ok(),
    }
}

/// The MIME type of XLSX files.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
