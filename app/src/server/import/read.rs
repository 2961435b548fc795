//! Reading the file by its content: an XLSX workbook (refused if it is a zip bomb) or CSV text
//! (UTF-8 or GBK), into a table of typed cells with their spreadsheet row numbers.
use super::sheet::{HEADER_SCAN, header_row, header_table};
use crate::domain::import::{
    FileProblem, MAX_BYTES, MAX_ENTRIES, MAX_ROWS, MAX_UNPACKED_BYTES, clean, parse_date,
};
use chrono::NaiveDate;
use std::borrow::Cow;

/// Columns read per row: a register has 17; anything far to the right is not part of it.
const MAX_COLUMNS: usize = 256;

/// A cell as read: text from CSV, typed values from a workbook.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
}

impl Cell {
    pub(super) fn from_text(text: &str) -> Cell {
        let text = clean(text);
        if text.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(text)
        }
    }

    pub(super) fn is_blank(&self) -> bool {
        matches!(self, Cell::Empty)
    }

    /// The cell as text: whole numbers without a decimal point (a mobile number typed into
    /// Excel is a number), dates as `YYYY-MM-DD`.
    pub(super) fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(date) => date.to_string(),
            Cell::Bool(true) => "TRUE".into(),
            Cell::Bool(false) => "FALSE".into(),
        }
    }
}

/// A date from an Excel serial number (1900 date system), as a date cell without a date format
/// reads.
pub(super) fn excel_serial_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let datetime =
        calamine::ExcelDateTime::new(serial, calamine::ExcelDateTimeType::DateTime, false);
    let (year, month, day, ..) = datetime.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(year.into(), month.into(), day.into())
}

/// The non-empty rows of the sheet, each with its spreadsheet row number.
pub(super) struct Table {
    pub(super) format: &'static str,
    pub(super) rows: Vec<(u64, Vec<Cell>)>,
    /// More rows than [`row_limit`] were there; reading stopped.
    pub(super) truncated: bool,
}

/// Rows read at most: the data rows allowed, the rows above the header, the header, and one more
/// to tell that there were too many.
fn row_limit() -> usize {
    MAX_ROWS + HEADER_SCAN + 1
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";
/// A ZIP file's first bytes (XLSX is a ZIP of XML files).
const ZIP: &[u8] = b"PK\x03\x04";
/// An OLE compound file's first bytes: Excel 97–2003 workbooks and encrypted XLSX files.
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Reads the file by its content (never by its name): an XLSX workbook, else CSV text.
pub(super) fn read_table(bytes: &[u8]) -> Result<Table, FileProblem> {
    if bytes.is_empty() {
        return Err(FileProblem::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(too_large());
    }
    if bytes.starts_with(ZIP) {
        check_zip(bytes)?;
        read_xlsx(bytes)
    } else if bytes.starts_with(OLE) {
        Err(FileProblem::OldOrEncryptedWorkbook)
    } else {
        read_csv(bytes)
    }
}

/// The problem of a file over [`MAX_BYTES`].
pub fn too_large() -> FileProblem {
    FileProblem::TooLarge {
        max_mb: (MAX_BYTES / (1024 * 1024)) as u64,
    }
}

/// A ZIP's entry count as its end-of-central-directory record states it, read without parsing the
/// directory (which would cost memory per entry). `None` when there is no such record; ZIP64's
/// marker (`0xFFFF`) reads as 65,535, over any limit: a workbook of 20 MB never needs ZIP64.
fn zip_entry_count(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    // The record is 22 bytes and may be followed by a comment of up to 65,535.
    let tail_start = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[tail_start..];
    let at = tail.windows(4).rposition(|w| w == EOCD)?;
    let record = tail.get(at..at + 22)?;
    Some(u64::from(u16::from_le_bytes([record[10], record[11]])))
}

/// Refuses a workbook that is a zip bomb before anything parses it: more than [`MAX_ENTRIES`]
/// entries, or entries that unpack to more than [`MAX_UNPACKED_BYTES`] together — by the sizes
/// the directory states and then by unpacking them for real (a directory can understate them),
/// counting and discarding, stopping as soon as the limit is passed. ASVS 5.0 V5.2.3.
fn check_zip(bytes: &[u8]) -> Result<(), FileProblem> {
    let too_many = FileProblem::TooManyEntries { max: MAX_ENTRIES };
    let too_large = FileProblem::UnpackedTooLarge {
        max_mb: MAX_UNPACKED_BYTES / (1024 * 1024),
    };
    match zip_entry_count(bytes) {
        Some(count) if count > MAX_ENTRIES => return Err(too_many),
        Some(_) => {}
        None => return Err(FileProblem::BadWorkbook),
    }
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| FileProblem::BadWorkbook)?;
    if archive.len() as u64 > MAX_ENTRIES {
        return Err(too_many);
    }
    let mut stated = 0u64;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|_| FileProblem::BadWorkbook)?;
        stated = stated.saturating_add(entry.size());
        if stated > MAX_UNPACKED_BYTES {
            return Err(too_large);
        }
    }
    let mut unpacked = 0u64;
    for index in 0..archive.len() {
        let mut entry = match archive.by_index(index) {
            Ok(entry) => entry,
            // An entry this reader cannot unpack (encrypted, an unknown method): calamine says
            // what is wrong with the workbook.
            Err(_) => continue,
        };
        let allowance = MAX_UNPACKED_BYTES - unpacked + 1;
        let read = std::io::copy(
            &mut std::io::Read::take(&mut entry, allowance),
            &mut std::io::sink(),
        )
        .map_err(|_| FileProblem::BadWorkbook)?;
        unpacked += read;
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(too_large);
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, FileProblem> {
    use calamine::{Reader, Xlsx, XlsxError};
    let mut workbook: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|error| match error {
            XlsxError::Password => FileProblem::OldOrEncryptedWorkbook,
            _ => FileProblem::BadWorkbook,
        })?;
    let headers = header_table();
    let mut first = None;
    for name in workbook.sheet_names() {
        let mut reader = match workbook.worksheet_cells_reader(&name) {
            Ok(reader) => reader,
            // A chart sheet: no cells.
            Err(XlsxError::NotAWorksheet(_)) => continue,
            Err(_) => return Err(FileProblem::BadWorkbook),
        };
        let mut rows: Vec<(u64, Vec<Cell>)> = Vec::new();
        let mut current: Option<(u32, Vec<Cell>)> = None;
        let mut truncated = false;
        while let Some(cell) = reader.next_cell().map_err(|_| FileProblem::BadWorkbook)? {
            let (row, col) = cell.get_position();
            let value = workbook_cell(cell.get_value());
            if value.is_blank() || col as usize >= MAX_COLUMNS {
                continue;
            }
            if current.as_ref().is_none_or(|(r, _)| *r != row) {
                if let Some((r, cells)) = current.take() {
                    rows.push((u64::from(r) + 1, cells));
                    if rows.len() >= row_limit() {
                        truncated = true;
                        break;
                    }
                }
                current = Some((row, Vec::new()));
            }
            if let Some((_, cells)) = current.as_mut() {
                if cells.len() <= col as usize {
                    cells.resize(col as usize + 1, Cell::Empty);
                }
                cells[col as usize] = value;
            }
        }
        if let Some((r, cells)) = current.filter(|_| !truncated) {
            rows.push((u64::from(r) + 1, cells));
        }
        let table = Table {
            format: "XLSX",
            rows,
            truncated,
        };
        // The first sheet that holds a register; else the first sheet, to say what it lacks.
        if header_row(&table.rows, &headers).is_some() {
            return Ok(table);
        }
        first.get_or_insert(table);
    }
    first.ok_or(FileProblem::NoHeader)
}

fn workbook_cell(value: &calamine::DataRef<'_>) -> Cell {
    use calamine::DataRef;
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::String(text) => Cell::from_text(text),
        DataRef::SharedString(text) => Cell::from_text(text),
        DataRef::Int(n) => Cell::Number(*n as f64),
        DataRef::Float(n) => Cell::Number(*n),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(datetime) if datetime.is_datetime() => {
            let (year, month, day, ..) = datetime.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(year.into(), month.into(), day.into())
                .map(Cell::Date)
                .unwrap_or(Cell::Number(datetime.as_f64()))
        }
        DataRef::DateTime(duration) => Cell::Number(duration.as_f64()),
        DataRef::DateTimeIso(text) => parse_date(text)
            .map(Cell::Date)
            .unwrap_or_else(|| Cell::from_text(text)),
        DataRef::DurationIso(text) => Cell::from_text(text),
        DataRef::Error(error) => Cell::Text(error.to_string()),
    }
}

/// CSV text: UTF-8 (with or without a BOM), or GBK as Excel on zh-CN Windows saves it.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, FileProblem> {
    // UTF-16 ("Unicode text" in Excel's save dialog) is not offered: say so rather than guess.
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(FileProblem::UnreadableEncoding);
    }
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    // Text has no control characters besides tabs, line ends and form feeds; images, PDFs and
    // other binary files have plenty. Both encodings keep ASCII's control bytes as they are.
    let binary = |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || *b == 0x7F;
    if body.iter().any(binary) {
        return Err(FileProblem::NotASpreadsheet);
    }
    match std::str::from_utf8(body) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(_) => encoding_rs::GBK
            .decode_without_bom_handling_and_without_replacement(body)
            .ok_or(FileProblem::UnreadableEncoding),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table, FileProblem> {
    let text = decode(bytes)?;
    // Excel writes commas; tab-separated text (pasted from a sheet) is read too.
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut truncated = false;
    // The row numbers a spreadsheet shows: a record is one row even when a quoted cell spans
    // several lines, and a blank line (which the reader skips) is a row too.
    let bytes = text.as_bytes();
    let mut row = 0u64;
    for record in reader.records() {
        let record = record.map_err(|_| FileProblem::BadCsv { row: row + 1 })?;
        // The reader's position is where it started, before the blank lines it skipped (and,
        // after a CRLF, on its LF).
        let start = record
            .position()
            .map_or(0, |p| p.byte() as usize)
            .min(bytes.len());
        let after_cr = start > 0 && bytes[start - 1] == b'\r';
        let blank_lines = bytes[start..]
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .filter(|b| **b == b'\n')
            .count()
            .saturating_sub(usize::from(after_cr && bytes.get(start) == Some(&b'\n')));
        row += 1 + blank_lines as u64;
        // A cell our CSV export neutralised against formula injection (`'=…`) reads back as the
        // value it was (`csv_cell::restore`); workbooks hold their cells as written.
        let cells: Vec<Cell> = record
            .iter()
            .take(MAX_COLUMNS)
            .map(|text| Cell::from_text(crate::domain::csv_cell::restore(text)))
            .collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        if rows.len() >= row_limit() {
            truncated = true;
            break;
        }
        rows.push((row, cells));
    }
    Ok(Table {
        format: "CSV",
        rows,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::import::sheet::read_sheet;

    fn csv_table(text: &str) -> Table {
        read_table(text.as_bytes()).expect("readable CSV")
    }

    /// A ZIP of `entries` files of `size` zero bytes each, deflated.
    fn zip_of(entries: usize, size: usize) -> Vec<u8> {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(size as u64 > u64::from(u32::MAX));
        let zeros = vec![0u8; 1024 * 1024];
        for n in 0..entries {
            writer.start_file(format!("xl/{n}.xml"), options).unwrap();
            let mut left = size;
            while left > 0 {
                let now = left.min(zeros.len());
                writer.write_all(&zeros[..now]).unwrap();
                left -= now;
            }
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_workbook_unpacking_past_200_mb_is_refused_before_it_is_parsed() {
        let bomb = zip_of(1, 201 * 1024 * 1024);
        assert!(bomb.len() < MAX_BYTES, "small packed: {}", bomb.len());
        assert_eq!(
            read_table(&bomb).err(),
            Some(FileProblem::UnpackedTooLarge { max_mb: 200 })
        );
        // Many entries under the limit each, over it together.
        let spread = zip_of(3, 70 * 1024 * 1024);
        assert_eq!(
            read_table(&spread).err(),
            Some(FileProblem::UnpackedTooLarge { max_mb: 200 })
        );
    }

    #[test]
    fn a_workbook_of_too_many_entries_is_refused_before_it_is_parsed() {
        let many = zip_of(10_001, 0);
        assert_eq!(
            read_table(&many).err(),
            Some(FileProblem::TooManyEntries { max: 10_000 })
        );
        // A ZIP within the limits goes on to the parser, which finds no workbook in it.
        assert_eq!(
            read_table(&zip_of(3, 10)).err(),
            Some(FileProblem::BadWorkbook)
        );
    }

    #[test]
    fn csv_cells_neutralised_by_the_export_read_back_as_they_were() {
        let table = csv_table("主办单位,平台,账号名称\nA,'=HYPERLINK(\"x\"),'＋1\nB,'0123,'-\n");
        assert_eq!(table.rows[1].1[1], Cell::Text("=HYPERLINK(\"x\")".into()));
        assert_eq!(table.rows[1].1[2], Cell::Text("＋1".into()));
        // An apostrophe before anything else is the file's own text.
        assert_eq!(table.rows[2].1[1], Cell::Text("'0123".into()));
        assert_eq!(table.rows[2].1[2], Cell::Text("-".into()));
    }

    #[test]
    fn gbk_text_is_decoded_and_utf16_and_binary_are_refused() {
        let (gbk, _, _) = encoding_rs::GBK.encode("主办单位,平台\n");
        assert_eq!(decode(&gbk).unwrap(), "主办单位,平台\n");
        assert_eq!(
            decode(b"\xFF\xFEa\x00b\x00").err(),
            Some(FileProblem::UnreadableEncoding)
        );
        assert_eq!(
            decode(b"\x89PNG\r\n\x1a\n\x00\x00").err(),
            Some(FileProblem::NotASpreadsheet)
        );
        assert_eq!(
            decode(b"abc \xFF\xFF def").err(),
            Some(FileProblem::UnreadableEncoding)
        );
    }

    #[test]
    fn csv_rows_are_numbered_as_a_spreadsheet_shows_them() {
        let table = csv_table("a,b\n\nc,\"two\nlines\"\r\nd,e\r\n\r\n\r\nf,g\n");
        let rows: Vec<u64> = table.rows.iter().map(|(row, _)| *row).collect();
        assert_eq!(rows, [1, 3, 4, 7]);
    }

    #[test]
    fn whole_numbers_read_as_text_without_a_decimal_point() {
        assert_eq!(Cell::Number(13_812_341_234.0).text(), "13812341234");
        assert_eq!(Cell::Number(1.5).text(), "1.5");
    }

    #[test]
    fn excel_serial_numbers_are_dates() {
        assert_eq!(
            excel_serial_date(43525.0),
            NaiveDate::from_ymd_opt(2019, 3, 1)
        );
        assert_eq!(excel_serial_date(-3.0), None);
    }

    #[test]
    fn an_empty_file_and_a_workbook_of_excel_97_are_named_as_such() {
        assert_eq!(read_table(b"").err(), Some(FileProblem::Empty));
        assert_eq!(
            read_table(OLE).err(),
            Some(FileProblem::OldOrEncryptedWorkbook)
        );
    }

    #[test]
    fn typed_workbook_cells_read_as_the_dates_numbers_and_booleans_they_are() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet
            .write_string(0, 0, "石柱县政务新媒体账号台账")
            .unwrap();
        let headers = [
            "主办单位",
            "平台",
            "账号名称",
            "认证主体",
            "运维单位",
            "功能定位",
            "开设日期",
            "状态",
            "密码保管人",
            "保管人手机",
            "是否委托第三方",
        ];
        for (col, header) in headers.iter().enumerate() {
            sheet.write_string(1, col as u16, *header).unwrap();
        }
        let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
        let opened = ExcelDateTime::from_ymd(2019, 3, 1).unwrap();
        sheet
            .write_string(2, 0, "石柱土家族自治县教育委员会")
            .unwrap();
        sheet
            .write_datetime_with_format(2, 6, &opened, &date)
            .unwrap();
        sheet.write_number(2, 9, 13_812_341_234.0).unwrap();
        sheet.write_boolean(2, 10, true).unwrap();
        let bytes = workbook.save_to_buffer().unwrap();

        let sheet = read_sheet(&bytes).expect("a readable register");

        assert_eq!((sheet.format, sheet.header_row), ("XLSX", 2));
        let (row, cells) = &sheet.rows[0];
        assert_eq!(*row, 3);
        assert_eq!(
            cells[6],
            Cell::Date(NaiveDate::from_ymd_opt(2019, 3, 1).unwrap())
        );
        assert_eq!(cells[9].text(), "13812341234");
        assert_eq!(cells[10], Cell::Bool(true));
    }
}
