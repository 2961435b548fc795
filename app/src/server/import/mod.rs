//! Import of an existing register (DESIGN §5): accounts from an XLSX workbook or a CSV file (UTF-8
//! or GBK) in the registry export's columns, the headers matched tolerantly. Every row is checked
//! against the units and platforms in the database; a dry run reports what would be created and
//! every error, row by row; an import writes all rows or none, in one transaction that carries an
//! audit event per account and one for the file. Only administrators and console operators import.
use super::audit::{self, Actor, Event};
use super::db::begin_write;
use super::entities::{account, platform, unit};
use super::export::{Column, REGISTRY_COLUMNS};
use super::use_case::{Operator, Person, UseCase};
use crate::domain::import::{
    CellError, ColumnName, FileProblem, ImportMode, ImportReport, MAX_BYTES, MAX_ENTRIES, MAX_ROWS,
    MAX_UNPACKED_BYTES, RowOutcome, RowProblem, RowReport, clean, header_key, is_masked_mobile,
    name_key, parse_date, parse_yes_no,
};
use crate::domain::{AccountStatus, Capability, CreditCode, Mobile, UnitKind};
use crate::error::AppError;
use crate::i18n::Locale;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QuerySelect, Set,
};
use serde_json::json;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// The Art. 9 waiver text an imported second live account of a unit on a platform carries: the
/// register had it before the product did, so it is imported (never dropped) and stands on the
/// rectification list (整改清单) until the unit merges or closes it.
pub const LEGACY_DUPLICATE_MARKER: &str = "导入时已存在的重复账号，待整改（第九条）";

/// How many rows from the top may come before the header (a title row, a note, a blank line).
const HEADER_SCAN: usize = 10;
/// Columns read per row: a register has 17; anything far to the right is not part of it.
const MAX_COLUMNS: usize = 256;
/// A value shown in the report is cut to this many characters.
const SHOWN_VALUE: usize = 60;
/// The longest texts, as the filing form allows them (`domain::filing`) and the columns hold them.
const MAX_TEXT: usize = 128;
const MAX_LONG_TEXT: usize = 2000;
const MAX_ACCOUNT_ID: usize = 512;
const MAX_CUSTODIAN: usize = 64;

/// The columns an account cannot be created without (the NOT NULL columns of `accounts`, which
/// the filing form also requires). The others may be absent: the credit code and the platform
/// account ID are then empty, yes/no columns are "no", the password rotation is unrecorded.
const REQUIRED: [Column; 10] = [
    Column::HostUnit,
    Column::Platform,
    Column::AccountName,
    Column::VerificationSubject,
    Column::OperatingUnit,
    Column::Purpose,
    Column::OpenedOn,
    Column::Status,
    Column::CustodianName,
    Column::CustodianMobile,
];

/// Other spellings of the export's headers seen in county registers (besides the zh-CN and English
/// headers of [`Column::header`]).
fn header_variants(column: Column) -> &'static [&'static str] {
    match column {
        Column::Seq => &["序号", "No", "Seq"],
        Column::HostUnit => &[
            "单位名称",
            "主办单位名称",
            "单位",
            "开办单位",
            "Unit",
            "Unit name",
        ],
        Column::CreditCode => &["信用代码", "社会信用代码", "Credit code", "USCC"],
        Column::UnitKind => &["单位性质", "Unit kind"],
        Column::Platform => &["平台名称", "所属平台", "平台类型", "Platform name"],
        Column::AccountName => &["账号", "账号名", "Account"],
        Column::AccountId => &[
            "账号ID",
            "账号链接",
            "链接",
            "网址",
            "Account ID",
            "Account link",
            "Link",
            "URL",
        ],
        Column::VerificationSubject => &["认证主体名称", "Verification subject"],
        Column::OperatingUnit => &["运营单位", "运维主体", "Operator"],
        Column::Outsourced => &["是否委托", "是否委托第三方运维", "委托第三方", "Outsourced"],
        Column::Purpose => &["功能", "用途", "主要功能"],
        Column::OpenedOn => &[
            "开通日期",
            "开设时间",
            "开通时间",
            "注册日期",
            "Opened",
            "Opening date",
        ],
        Column::Status => &["账号状态", "运行状态", "Account status"],
        Column::InNationalSystem => &[
            "是否纳入报送系统",
            "纳入报送系统",
            "是否纳入全国政务新媒体报送系统",
            "是否报送",
            "In national system",
            "National system",
        ],
        Column::CustodianName => &["保管人", "密码保管人姓名", "保管人姓名", "Custodian"],
        Column::CustodianMobile => &[
            "手机",
            "手机号",
            "手机号码",
            "联系电话",
            "保管人手机号",
            "保管人手机号码",
            "保管人联系电话",
            "Mobile",
            "Phone",
        ],
        Column::PasswordRotatedOn => &[
            "改密日期",
            "最近修改密码日期",
            "密码修改日期",
            "最近改密时间",
            "Password rotated on",
            "Rotated on",
        ],
    }
}

/// Every accepted header spelling, as compared ([`header_key`]), and its column.
fn header_table() -> HashMap<String, Column> {
    let mut table = HashMap::new();
    for column in REGISTRY_COLUMNS {
        let spellings = [column.header(Locale::ZhCn), column.header(Locale::En)];
        for spelling in spellings.iter().chain(header_variants(column)) {
            table.insert(header_key(spelling), column);
        }
    }
    table
}

fn column_name(column: Column) -> ColumnName {
    ColumnName {
        zh: column.header(Locale::ZhCn).to_string(),
        en: column.header(Locale::En).to_string(),
    }
}

// ---- Reading the file -----------------------------------------------------------------------

/// A cell as read: text from CSV, typed values from a workbook.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
}

impl Cell {
    fn from_text(text: &str) -> Cell {
        let text = clean(text);
        if text.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(text)
        }
    }

    fn is_blank(&self) -> bool {
        matches!(self, Cell::Empty)
    }

    /// The cell as text: whole numbers without a decimal point (a mobile number typed into
    /// Excel is a number), dates as `YYYY-MM-DD`.
    fn text(&self) -> String {
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
fn excel_serial_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let datetime =
        calamine::ExcelDateTime::new(serial, calamine::ExcelDateTimeType::DateTime, false);
    let (year, month, day, ..) = datetime.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(year.into(), month.into(), day.into())
}

/// The non-empty rows of the sheet, each with its spreadsheet row number.
struct Table {
    format: &'static str,
    rows: Vec<(u64, Vec<Cell>)>,
    /// More rows than [`row_limit`] were there; reading stopped.
    truncated: bool,
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
fn read_table(bytes: &[u8]) -> Result<Table, FileProblem> {
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

// ---- The header and the rows ----------------------------------------------------------------

/// Where the register's columns are in the file.
struct Layout {
    /// Index into the table's rows.
    index: usize,
    /// Each column found: its position and its header as the file spells it.
    columns: HashMap<Column, (usize, String)>,
    /// Headers of columns that are not the register's.
    ignored: Vec<String>,
}

/// The row that holds the headers among the first few: the first that names at least three of
/// the register's columns, else the one that names most.
fn header_row(rows: &[(u64, Vec<Cell>)], headers: &HashMap<String, Column>) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (index, (_, cells)) in rows.iter().enumerate().take(HEADER_SCAN) {
        let known = cells
            .iter()
            .filter(|c| headers.contains_key(&header_key(&c.text())))
            .count();
        if known >= 3 {
            return Some(index);
        }
        if known > 0 && best.is_none_or(|(_, most)| known > most) {
            best = Some((index, known));
        }
    }
    best.map(|(index, _)| index)
}

fn layout(table: &Table) -> Result<Layout, FileProblem> {
    let headers = header_table();
    let index = header_row(&table.rows, &headers).ok_or(FileProblem::NoHeader)?;
    let mut columns = HashMap::new();
    let mut ignored = Vec::new();
    for (position, cell) in table.rows[index].1.iter().enumerate() {
        let header = cell.text();
        if header.is_empty() {
            continue;
        }
        match headers.get(&header_key(&header)) {
            Some(column) => {
                if columns
                    .insert(*column, (position, header.clone()))
                    .is_some()
                {
                    return Err(FileProblem::DuplicateColumn { header });
                }
            }
            None => ignored.push(header),
        }
    }
    let missing: Vec<ColumnName> = REQUIRED
        .iter()
        .filter(|c| !columns.contains_key(c))
        .map(|c| column_name(*c))
        .collect();
    if !missing.is_empty() {
        return Err(FileProblem::MissingColumns { columns: missing });
    }
    Ok(Layout {
        index,
        columns,
        ignored,
    })
}

/// A file read and laid out: what the checks work on.
struct Sheet {
    format: &'static str,
    header_row: u64,
    layout: Layout,
    /// The data rows (the rows below the header with something in a register column).
    rows: Vec<(u64, Vec<Cell>)>,
}

fn read_sheet(bytes: &[u8]) -> Result<Sheet, FileProblem> {
    let mut table = read_table(bytes)?;
    let layout = layout(&table)?;
    let header_row = table.rows[layout.index].0;
    // Template rows with only their number (序号) filled in are not accounts.
    let informative: Vec<usize> = layout
        .columns
        .iter()
        .filter(|(c, _)| !matches!(c, Column::Seq | Column::UnitKind))
        .map(|(_, (position, _))| *position)
        .collect();
    let rows: Vec<(u64, Vec<Cell>)> = table
        .rows
        .drain(layout.index + 1..)
        .filter(|(_, cells)| {
            informative
                .iter()
                .any(|p| cells.get(*p).is_some_and(|c| !c.is_blank()))
        })
        .collect();
    if table.truncated || rows.len() > MAX_ROWS {
        return Err(FileProblem::TooManyRows {
            max: MAX_ROWS as u64,
        });
    }
    if rows.is_empty() {
        return Err(FileProblem::NoRows);
    }
    Ok(Sheet {
        format: table.format,
        header_row,
        layout,
        rows,
    })
}

// ---- Checking the rows against the database -------------------------------------------------

/// What an account is known by when deciding that a row repeats one: its unit, platform, name,
/// platform account ID and opening date.
type Identity = (i32, i32, String, String, NaiveDate);

/// The units, platforms and accounts the rows are checked against, read once.
struct Lookups {
    units: Vec<unit::Model>,
    by_name: HashMap<String, Vec<usize>>,
    by_short_name: HashMap<String, Vec<usize>>,
    by_credit_code: HashMap<String, usize>,
    platforms: Vec<platform::Model>,
    platform_by_name: HashMap<String, usize>,
    statuses: HashMap<String, AccountStatus>,
    /// Live accounts per (unit, platform) already registered (Art. 9).
    live: HashMap<(i32, i32), u32>,
    registered: HashSet<Identity>,
    /// Today in China: no date may be later.
    today: NaiveDate,
}

fn identity(
    unit_id: i32,
    platform_id: i32,
    name: &str,
    account_id: Option<&str>,
    opened_on: NaiveDate,
) -> Identity {
    (
        unit_id,
        platform_id,
        name_key(name),
        name_key(account_id.unwrap_or_default()),
        opened_on,
    )
}

impl Lookups {
    async fn load<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<Self, AppError> {
        let units = unit::Entity::find().all(conn).await?;
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_short_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_credit_code = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            by_name.entry(name_key(&u.name)).or_default().push(i);
            if let Some(short) = u.short_name.as_deref().filter(|s| !s.is_empty()) {
                by_short_name.entry(name_key(short)).or_default().push(i);
            }
            if let Some(code) = &u.credit_code {
                by_credit_code.insert(code.clone(), i);
            }
        }
        let platforms = platform::Entity::find().all(conn).await?;
        let mut platform_by_name = HashMap::new();
        for (i, p) in platforms.iter().enumerate() {
            for name in [&p.name_zh, &p.name_en, &p.code] {
                platform_by_name.insert(name_key(name), i);
            }
        }
        let mut statuses = HashMap::new();
        for status in AccountStatus::ALL {
            let label = crate::labels::status(*status);
            for name in [status.as_str(), Locale::ZhCn.t(label), Locale::En.t(label)] {
                statuses.insert(name_key(name), *status);
            }
        }
        // How older registers write the statuses.
        for (name, status) in [
            ("正常", AccountStatus::Active),
            ("正常运营", AccountStatus::Active),
            ("运行中", AccountStatus::Active),
            ("关停", AccountStatus::Suspended),
            ("已停用", AccountStatus::Suspended),
            ("注销", AccountStatus::Deregistered),
        ] {
            statuses.insert(name_key(name), status);
        }
        let accounts: Vec<(i32, i32, String, Option<String>, NaiveDate, String)> =
            account::Entity::find()
                .select_only()
                .columns([
                    account::Column::HostUnitId,
                    account::Column::PlatformId,
                    account::Column::Name,
                    account::Column::PlatformAccountId,
                    account::Column::OpenedOn,
                    account::Column::Status,
                ])
                .into_tuple()
                .all(conn)
                .await?;
        let mut live = HashMap::new();
        let mut registered = HashSet::new();
        for (unit_id, platform_id, name, account_id, opened_on, status) in accounts {
            if AccountStatus::parse(&status).is_some_and(AccountStatus::is_live) {
                *live.entry((unit_id, platform_id)).or_default() += 1;
            }
            registered.insert(identity(
                unit_id,
                platform_id,
                &name,
                account_id.as_deref(),
                opened_on,
            ));
        }
        Ok(Lookups {
            units,
            by_name,
            by_short_name,
            by_credit_code,
            platforms,
            platform_by_name,
            statuses,
            live,
            registered,
            today: crate::domain::calendar::china_date(now),
        })
    }

    /// The unit of this name (full name first, then short name); an error when several share it.
    fn unit_named(&self, name: &str) -> Result<Option<usize>, RowProblem> {
        let key = name_key(name);
        for table in [&self.by_name, &self.by_short_name] {
            match table.get(&key).map(Vec::as_slice) {
                Some([one]) => return Ok(Some(*one)),
                Some([_, _, ..]) => return Err(RowProblem::AmbiguousUnit),
                _ => {}
            }
        }
        Ok(None)
    }
}

/// An account a valid row describes.
struct Candidate {
    line: usize,
    row: u64,
    unit_id: i32,
    platform_id: i32,
    name: String,
    platform_account_id: Option<String>,
    verification_subject: String,
    operating_unit: String,
    outsourced: bool,
    purpose: String,
    opened_on: NaiveDate,
    status: AccountStatus,
    in_national_system: bool,
    custodian_name: String,
    custodian_mobile: Mobile,
    password_rotated_on: Option<NaiveDate>,
    /// Art. 9: a second live account of the unit on the platform.
    art9_duplicate: bool,
}

/// What the rows before the current one established.
#[derive(Default)]
struct Seen {
    identities: HashMap<Identity, u64>,
    live: HashMap<(i32, i32), u32>,
}

fn shown(value: &str) -> String {
    if value.chars().count() > SHOWN_VALUE {
        let mut cut: String = value.chars().take(SHOWN_VALUE).collect();
        cut.push('…');
        cut
    } else {
        value.to_string()
    }
}

/// One row's cells by column, collecting its problems.
struct RowCheck<'a> {
    cells: &'a [Cell],
    layout: &'a Layout,
    errors: Vec<CellError>,
}

const EMPTY: Cell = Cell::Empty;

impl RowCheck<'_> {
    /// The column's header and cell, when the file has the column.
    fn get(&self, column: Column) -> Option<(&str, &Cell)> {
        let (position, header) = self.layout.columns.get(&column)?;
        Some((header, self.cells.get(*position).unwrap_or(&EMPTY)))
    }

    fn text_of(&self, column: Column) -> String {
        self.get(column).map(|(_, c)| c.text()).unwrap_or_default()
    }

    fn fail(&mut self, column: Column, value: &str, problem: RowProblem) {
        let header = match self.layout.columns.get(&column) {
            Some((_, header)) => header.clone(),
            None => column.header(Locale::ZhCn).to_string(),
        };
        self.errors.push(CellError {
            column: header,
            value: shown(value),
            problem,
        });
    }

    /// A text of at most `max` characters; `None` (with the problem noted) when it is missing and
    /// required, or too long.
    fn text(&mut self, column: Column, max: usize, required: bool) -> Option<String> {
        let value = self.text_of(column);
        if value.is_empty() {
            if required {
                self.fail(column, "", RowProblem::Required);
            }
            return None;
        }
        if value.chars().count() > max {
            self.fail(column, &value, RowProblem::TooLong { max });
            return None;
        }
        Some(value)
    }

    /// Yes or no; "no" when the file has no such column.
    fn yes_no(&mut self, column: Column) -> Option<bool> {
        let cell = match self.get(column) {
            None => return Some(false),
            Some((_, cell)) => cell.clone(),
        };
        match cell {
            Cell::Empty => {
                self.fail(column, "", RowProblem::Required);
                None
            }
            Cell::Bool(value) => Some(value),
            other => {
                let text = other.text();
                let parsed = parse_yes_no(&text);
                if parsed.is_none() {
                    self.fail(column, &text, RowProblem::BadYesNo);
                }
                parsed
            }
        }
    }

    /// A date not later than `today`: a date cell, an Excel serial number, or text.
    fn date(&mut self, column: Column, required: bool, today: NaiveDate) -> Option<NaiveDate> {
        let cell = self
            .get(column)
            .map(|(_, c)| c.clone())
            .unwrap_or(Cell::Empty);
        let date = match &cell {
            Cell::Empty => {
                if required {
                    self.fail(column, "", RowProblem::Required);
                }
                return None;
            }
            Cell::Date(date) => Some(*date),
            Cell::Number(serial) => excel_serial_date(*serial),
            other => parse_date(&other.text()),
        };
        match date {
            None => {
                self.fail(column, &cell.text(), RowProblem::BadDate);
                None
            }
            Some(date) if date > today => {
                self.fail(column, &cell.text(), RowProblem::FutureDate);
                None
            }
            Some(date) => Some(date),
        }
    }
}

/// The unit: by its full name (or short name), or by its credit code, which must be its own.
fn check_unit<'l>(check: &mut RowCheck<'_>, lookups: &'l Lookups) -> Option<&'l unit::Model> {
    let unit_text = check.text_of(Column::HostUnit);
    let code_text = check.text_of(Column::CreditCode);
    let code = if code_text.is_empty() {
        None
    } else {
        match CreditCode::parse(&code_text) {
            Ok(code) => Some(code),
            Err(_) => {
                check.fail(Column::CreditCode, &code_text, RowProblem::BadCreditCode);
                None
            }
        }
    };
    let by_code = code
        .as_ref()
        .and_then(|c| lookups.by_credit_code.get(c.as_str()).copied());
    let unit = match (lookups.unit_named(&unit_text), by_code) {
        (Ok(Some(named)), Some(coded)) if named == coded => Some(named),
        (Ok(Some(named)), None) if code.is_none() => Some(named),
        // A valid code, but not the named unit's.
        (Ok(Some(_)), _) => {
            check.fail(
                Column::CreditCode,
                &code_text,
                RowProblem::CreditCodeMismatch,
            );
            None
        }
        // A renamed unit, or one of several of that name, told apart by its code.
        (Ok(None) | Err(_), Some(coded)) => Some(coded),
        (Err(problem), None) => {
            check.fail(Column::HostUnit, &unit_text, problem);
            None
        }
        (Ok(None), None) => {
            if !unit_text.is_empty() {
                check.fail(Column::HostUnit, &unit_text, RowProblem::UnknownUnit);
            } else if code.is_some() {
                check.fail(Column::CreditCode, &code_text, RowProblem::UnknownUnit);
            } else if code_text.is_empty() {
                check.fail(Column::HostUnit, "", RowProblem::Required);
            }
            None
        }
    };
    unit.map(|i| &lookups.units[i])
}

/// The platform, by its name in the catalogue.
fn check_platform<'l>(
    check: &mut RowCheck<'_>,
    lookups: &'l Lookups,
) -> Option<&'l platform::Model> {
    let platform_text = check.text_of(Column::Platform);
    if platform_text.is_empty() {
        check.fail(Column::Platform, "", RowProblem::Required);
        return None;
    }
    let found = lookups
        .platform_by_name
        .get(&name_key(&platform_text))
        .map(|i| &lookups.platforms[*i]);
    if found.is_none() {
        check.fail(
            Column::Platform,
            &platform_text,
            RowProblem::UnknownPlatform,
        );
    }
    found
}

/// The status, by its label.
fn check_status(check: &mut RowCheck<'_>, lookups: &Lookups) -> Option<AccountStatus> {
    let status_text = check.text_of(Column::Status);
    if status_text.is_empty() {
        check.fail(Column::Status, "", RowProblem::Required);
        return None;
    }
    let found = lookups.statuses.get(&name_key(&status_text)).copied();
    if found.is_none() {
        check.fail(Column::Status, &status_text, RowProblem::UnknownStatus);
    }
    found
}

/// Art. 29: the custodian's real number, which an export for administrators masks.
fn check_mobile(check: &mut RowCheck<'_>) -> Option<Mobile> {
    let mobile_text = check.text_of(Column::CustodianMobile);
    if mobile_text.is_empty() {
        check.fail(Column::CustodianMobile, "", RowProblem::Required);
        return None;
    }
    if is_masked_mobile(&mobile_text) {
        let problem = RowProblem::MaskedMobile;
        check.fail(Column::CustodianMobile, &mobile_text, problem);
        return None;
    }
    match Mobile::parse(&mobile_text) {
        Ok(mobile) => Some(mobile),
        Err(_) => {
            check.fail(Column::CustodianMobile, &mobile_text, RowProblem::BadMobile);
            None
        }
    }
}

/// Art. 9: a live account is not in the name of an internal division (内设机构), nor on a
/// platform the national authorities have not approved.
fn check_art9_host(
    check: &mut RowCheck<'_>,
    unit: Option<&unit::Model>,
    platform: Option<&platform::Model>,
) {
    if let Some(u) = unit
        && UnitKind::parse(&u.kind) == Some(UnitKind::InternalDivision)
    {
        let unit_text = check.text_of(Column::HostUnit);
        check.fail(Column::HostUnit, &unit_text, RowProblem::UnitMayNotHost);
    }
    if let Some(p) = platform
        && !p.nationally_approved
    {
        let platform_text = check.text_of(Column::Platform);
        let problem = RowProblem::PlatformNotApproved;
        check.fail(Column::Platform, &platform_text, problem);
    }
}

/// The values of a row, each `None` where the row has a problem with it.
struct Values<'l> {
    unit: Option<&'l unit::Model>,
    platform: Option<&'l platform::Model>,
    name: Option<String>,
    platform_account_id: Option<String>,
    verification_subject: Option<String>,
    operating_unit: Option<String>,
    outsourced: Option<bool>,
    purpose: Option<String>,
    opened_on: Option<NaiveDate>,
    status: Option<AccountStatus>,
    in_national_system: Option<bool>,
    custodian_name: Option<String>,
    custodian_mobile: Option<Mobile>,
    password_rotated_on: Option<NaiveDate>,
}

/// Reads and checks every cell of the row, noting each problem.
fn values<'l>(check: &mut RowCheck<'_>, lookups: &'l Lookups) -> Values<'l> {
    let today = lookups.today;
    Values {
        unit: check_unit(check, lookups),
        platform: check_platform(check, lookups),
        name: check.text(Column::AccountName, MAX_TEXT, true),
        platform_account_id: check.text(Column::AccountId, MAX_ACCOUNT_ID, false),
        verification_subject: check.text(Column::VerificationSubject, MAX_TEXT, true),
        operating_unit: check.text(Column::OperatingUnit, MAX_TEXT, true),
        outsourced: check.yes_no(Column::Outsourced),
        purpose: check.text(Column::Purpose, MAX_LONG_TEXT, true),
        opened_on: check.date(Column::OpenedOn, true, today),
        status: check_status(check, lookups),
        in_national_system: check.yes_no(Column::InNationalSystem),
        custodian_name: check.text(Column::CustodianName, MAX_CUSTODIAN, true),
        custodian_mobile: check_mobile(check),
        password_rotated_on: check.date(Column::PasswordRotatedOn, false, today),
    }
}

/// The same account twice (already registered, or earlier in the file) is a mistake, and
/// importing a file a second time changes nothing.
fn check_identity(
    check: &mut RowCheck<'_>,
    v: &Values<'_>,
    row: u64,
    lookups: &Lookups,
    seen: &mut Seen,
) {
    let (Some(u), Some(p), Some(name), Some(opened_on)) =
        (v.unit, v.platform, &v.name, v.opened_on)
    else {
        return;
    };
    let key = identity(
        u.id,
        p.id,
        name,
        v.platform_account_id.as_deref(),
        opened_on,
    );
    if lookups.registered.contains(&key) {
        check.fail(Column::AccountName, name, RowProblem::AlreadyRegistered);
    } else if let Some(earlier) = seen.identities.get(&key) {
        let problem = RowProblem::RepeatsRow { row: *earlier };
        check.fail(Column::AccountName, name, problem);
    } else {
        seen.identities.insert(key, row);
    }
}

/// Art. 9: in principle one account per unit per platform. A second live one, registered before
/// or earlier in the file, is imported with the legacy-duplicate marker as its waiver (the
/// partial unique index allows it) and so lands on the rectification list.
fn art9_duplicate(v: &Values<'_>, live: bool, lookups: &Lookups, seen: &mut Seen) -> bool {
    let (Some(u), Some(p), true) = (v.unit, v.platform, live) else {
        return false;
    };
    let pair = (u.id, p.id);
    let before =
        lookups.live.get(&pair).copied().unwrap_or(0) + seen.live.get(&pair).copied().unwrap_or(0);
    *seen.live.entry(pair).or_default() += 1;
    before > 0
}

/// The account to create from a row without problems: every value is there (`None` otherwise,
/// which cannot happen: each missing value noted a problem).
fn candidate(line: usize, row: u64, v: Values<'_>, art9_duplicate: bool) -> Option<Candidate> {
    Some(Candidate {
        line,
        row,
        unit_id: v.unit?.id,
        platform_id: v.platform?.id,
        name: v.name?,
        platform_account_id: v.platform_account_id,
        verification_subject: v.verification_subject?,
        operating_unit: v.operating_unit?,
        outsourced: v.outsourced?,
        purpose: v.purpose?,
        opened_on: v.opened_on?,
        status: v.status?,
        in_national_system: v.in_national_system?,
        custodian_name: v.custodian_name?,
        custodian_mobile: v.custodian_mobile?,
        password_rotated_on: v.password_rotated_on,
        art9_duplicate,
    })
}

/// Checks one row; the report line, and the account when the row has no problem.
fn check_row(
    line: usize,
    (row, cells): &(u64, Vec<Cell>),
    layout: &Layout,
    lookups: &Lookups,
    seen: &mut Seen,
) -> (RowReport, Option<Candidate>) {
    let mut check = RowCheck {
        cells,
        layout,
        errors: Vec::new(),
    };
    let v = values(&mut check, lookups);
    let live = v.status.is_some_and(AccountStatus::is_live);
    if live {
        check_art9_host(&mut check, v.unit, v.platform);
    }
    check_identity(&mut check, &v, *row, lookups, seen);
    let art9_duplicate = art9_duplicate(&v, live, lookups, seen);
    let errors = std::mem::take(&mut check.errors);
    let report = |outcome| RowReport {
        row: *row,
        unit: v
            .unit
            .map(|u| u.name.clone())
            .unwrap_or_else(|| shown(&check.text_of(Column::HostUnit))),
        platform: shown(&check.text_of(Column::Platform)),
        account: shown(&check.text_of(Column::AccountName)),
        outcome,
        account_id: None,
    };
    if !errors.is_empty() {
        return (report(RowOutcome::Errors(errors)), None);
    }
    let outcome = match art9_duplicate {
        true => RowOutcome::Art9Duplicate,
        false => RowOutcome::Create,
    };
    let report = report(outcome);
    match candidate(line, *row, v, art9_duplicate) {
        Some(candidate) => (report, Some(candidate)),
        None => {
            // Unreachable: each missing value noted a problem. Kept as an error, never a panic.
            let problem = CellError {
                column: String::new(),
                value: String::new(),
                problem: RowProblem::Required,
            };
            let mut report = report;
            report.outcome = RowOutcome::Errors(vec![problem]);
            (report, None)
        }
    }
}

/// Checks every row; the report and the accounts to create.
fn check_rows(
    sheet: &Sheet,
    lookups: &Lookups,
    file_name: &str,
    mode: ImportMode,
) -> (ImportReport, Vec<Candidate>) {
    let mut seen = Seen::default();
    let mut lines = Vec::with_capacity(sheet.rows.len());
    let mut candidates = Vec::new();
    for (line, row) in sheet.rows.iter().enumerate() {
        let (report, candidate) = check_row(line, row, &sheet.layout, lookups, &mut seen);
        lines.push(report);
        candidates.extend(candidate);
    }
    let error_rows = lines.iter().filter(|l| !l.errors().is_empty()).count() as u64;
    let report = ImportReport {
        file_name: file_name.to_string(),
        format: sheet.format.to_string(),
        mode,
        header_row: sheet.header_row,
        ignored_columns: sheet.layout.ignored.clone(),
        rows: lines.len() as u64,
        valid_rows: candidates.len() as u64,
        art9_duplicates: candidates.iter().filter(|c| c.art9_duplicate).count() as u64,
        error_rows,
        errors: lines.iter().map(|l| l.errors().len() as u64).sum(),
        applied: false,
        lines,
        lines_omitted: 0,
        errors_only: false,
    };
    (report, candidates)
}

// ---- The use case -----------------------------------------------------------------------------

/// Who imports: a signed-in administrator, or the operator at the server's console
/// (`server import`). Gives the actor the audit trail names.
pub trait Importer {
    fn importer(&self) -> Result<Actor, AppError>;
}

impl Importer for UseCase<Person> {
    fn importer(&self) -> Result<Actor, AppError> {
        let user = self.require(Capability::ImportRegistry)?;
        Ok(Actor::user(user, self.meta()))
    }
}

impl Importer for UseCase<Operator> {
    fn importer(&self) -> Result<Actor, AppError> {
        Ok(Actor::operator(self.actor.what))
    }
}

/// What an audit event records of an imported account (the custodian's number as filings record
/// it: the audit trail is the county office's).
fn snapshot(a: &account::Model) -> serde_json::Value {
    json!({
        "host_unit_id": a.host_unit_id, "platform_id": a.platform_id, "name": a.name,
        "platform_account_id": a.platform_account_id,
        "verification_subject": a.verification_subject,
        "operating_unit": a.operating_unit, "outsourced": a.outsourced, "purpose": a.purpose,
        "opened_on": a.opened_on, "status": a.status, "in_national_system": a.in_national_system,
        "custodian_name": a.custodian_name, "custodian_mobile": a.custodian_mobile,
        "password_rotated_on": a.password_rotated_on, "art9_waiver": a.art9_waiver,
    })
}

/// Reads `bytes` (an XLSX or CSV register) and checks every row. A dry run stops there; an
/// import with no errors then writes every account in one transaction with its audit events, and
/// one event for the file. A file that cannot be read is an [`AppError::Import`]; rows with
/// problems are in the report, and then nothing is written.
pub async fn run<A>(
    uc: &UseCase<A>,
    file_name: &str,
    bytes: Vec<u8>,
    mode: ImportMode,
) -> Result<ImportReport, AppError>
where
    UseCase<A>: Importer,
{
    use tracing::Instrument as _;
    let (db, now) = (uc.db(), uc.now);
    let actor = uc.importer()?;
    let file_name: String = clean(file_name).chars().take(200).collect();
    let span = tracing::info_span!("import", file = %file_name, ?mode, bytes = bytes.len());
    import(db, actor, file_name, bytes, mode, now)
        .instrument(span)
        .await
}

async fn import(
    db: &DatabaseConnection,
    actor: Actor,
    file_name: String,
    bytes: Vec<u8>,
    mode: ImportMode,
    now: DateTime<Utc>,
) -> Result<ImportReport, AppError> {
    // Parsing 20 MB is CPU work: off the async workers.
    let sheet = tokio::task::spawn_blocking(move || read_sheet(&bytes))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::Import)?;
    if mode == ImportMode::DryRun {
        let lookups = Lookups::load(db, now).await?;
        return Ok(check_rows(&sheet, &lookups, &file_name, mode).0);
    }

    let txn = begin_write(db).await?;
    // Checked inside the transaction that writes, after the audit lock that serialises writers,
    // so the registry the rows were checked against is the one they are written to.
    audit::lock(&txn).await?;
    let lookups = Lookups::load(&txn, now).await?;
    let (mut report, candidates) = check_rows(&sheet, &lookups, &file_name, mode);
    if report.has_errors() {
        // All or nothing: the transaction is dropped, nothing was written.
        return Ok(report);
    }
    for c in candidates {
        let created = account::ActiveModel {
            host_unit_id: Set(c.unit_id),
            platform_id: Set(c.platform_id),
            name: Set(c.name),
            platform_account_id: Set(c.platform_account_id),
            verification_subject: Set(c.verification_subject),
            operating_unit: Set(c.operating_unit),
            outsourced: Set(c.outsourced),
            purpose: Set(c.purpose),
            opened_on: Set(c.opened_on),
            status: Set(c.status.as_str().to_string()),
            in_national_system: Set(c.in_national_system),
            custodian_name: Set(c.custodian_name),
            custodian_mobile: Set(c.custodian_mobile.as_str().to_string()),
            password_rotated_on: Set(c.password_rotated_on),
            art9_waiver: Set(c
                .art9_duplicate
                .then(|| LEGACY_DUPLICATE_MARKER.to_string())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        // Art. 9, held by the partial unique index: an account opened meanwhile.
        .map_err(super::db::conflict_on_unique)?;
        audit::record(
            &txn,
            &actor,
            Event {
                action: crate::domain::AuditAction::AccountImported,
                entity_type: "account",
                entity_id: Some(created.id.to_string()),
                before: None,
                after: Some(json!({
                    "file_name": file_name, "row": c.row, "art9_duplicate": c.art9_duplicate,
                    "account": snapshot(&created),
                })),
            },
            now,
        )
        .await?;
        report.lines[c.line].account_id = Some(created.id);
    }
    audit::record(
        &txn,
        &actor,
        Event {
            action: crate::domain::AuditAction::RegistryImported,
            entity_type: "registry",
            entity_id: None,
            before: None,
            after: Some(json!({
                "file_name": file_name, "format": report.format, "rows": report.rows,
                "created": report.valid_rows, "art9_duplicates": report.art9_duplicates,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    report.applied = true;
    tracing::info!(
        created = report.valid_rows,
        art9_duplicates = report.art9_duplicates,
        "register imported"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_header_spelling_means_two_columns() {
        let mut seen: HashMap<String, Column> = HashMap::new();
        for column in REGISTRY_COLUMNS {
            let spellings = [column.header(Locale::ZhCn), column.header(Locale::En)];
            for spelling in spellings.iter().chain(header_variants(column)) {
                let key = header_key(spelling);
                assert!(!key.is_empty(), "{spelling}");
                if let Some(other) = seen.insert(key, column) {
                    assert_eq!(other, column, "{spelling} means {other:?} and {column:?}");
                }
            }
        }
    }

    fn csv_table(text: &str) -> Table {
        read_table(text.as_bytes()).expect("readable CSV")
    }

    #[test]
    fn the_header_is_found_below_a_title_row() {
        let table = csv_table("石柱县政务新媒体账号台账\n单位名称,平台名称,账号名\nA,B,C\n");
        assert_eq!(header_row(&table.rows, &header_table()), Some(1));
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
    fn a_missing_required_column_is_named() {
        let table = csv_table("主办单位,平台,账号名称\nA,B,C\n");
        let Err(FileProblem::MissingColumns { columns }) = layout(&table) else {
            panic!("expected missing columns");
        };
        assert!(columns.iter().any(|c| c.zh == "密码保管人"));
        assert!(!columns.iter().any(|c| c.zh == "主办单位"));
    }

    #[test]
    fn two_columns_meaning_the_same_are_refused() {
        let table = csv_table("手机,手机号,主办单位\n1,2,3\n");
        assert_eq!(
            layout(&table).err(),
            Some(FileProblem::DuplicateColumn {
                header: "手机号".into()
            })
        );
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
