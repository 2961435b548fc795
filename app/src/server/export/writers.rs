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

/// A workbook written a row at a time, its rows kept on disk (`constant_memory`), saved to a
/// temporary file.
pub struct XlsxSheet {
    workbook: rust_xlsxwriter::Workbook,
    row: u32,
}

impl XlsxSheet {
    /// A workbook with one sheet named `name`, its first row the bold `headers`.
    pub fn new(name: &str, headers: &[String]) -> Result<Self, AppError> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name(name).map_err(AppError::internal)?;
        for (col, header) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, header, &bold)
                .map_err(AppError::internal)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(AppError::internal)?;
        Ok(XlsxSheet { workbook, row: 1 })
    }

    /// Appends rows below the last one.
    pub fn push(&mut self, rows: &[Vec<String>]) -> Result<(), AppError> {
        let sheet = self
            .workbook
            .worksheet_from_index(0)
            .map_err(AppError::internal)?;
        for cells in rows {
            for (col, value) in cells.iter().enumerate() {
                if !value.is_empty() {
                    sheet
                        .write_string(self.row, col as u16, value)
                        .map_err(AppError::internal)?;
                }
            }
            self.row += 1;
        }
        Ok(())
    }

    /// Saves the workbook to a temporary file (removed when the handle is dropped).
    pub fn finish(mut self) -> Result<tempfile::NamedTempFile, AppError> {
        let file = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
        self.workbook
            .save(file.path())
            .map_err(AppError::internal)?;
        Ok(file)
    }
}

/// The MIME type of XLSX files.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
