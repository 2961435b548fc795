//! Import of an existing register (DESIGN §5): what can be wrong with a file or with one of its
//! rows, the report a dry run or an import gives, and the plain parsing of cell text (yes/no,
//! dates, header spellings). Reading files and the database is `server::import`'s.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The largest file accepted (20 MB; a register of 200,000 accounts as CSV is about that).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// The most a workbook's entries may unpack to together (200 MB; a workbook of [`MAX_ROWS`] rows
/// unpacks to well under half of it).
pub const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;
/// The most entries (files inside the ZIP) a workbook may have; an XLSX has a dozen or so.
pub const MAX_ENTRIES: u64 = 10_000;
/// The most data rows a file may have.
pub const MAX_ROWS: usize = 200_000;
/// How many rows the report page shows (the command line prints them all).
pub const SHOWN_ROWS: usize = 500;

/// Whether an import only reports what it would do, or does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportMode {
    DryRun,
    Apply,
}

/// A column of the register, named in both languages (the report names it in the reader's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnName {
    pub zh: String,
    pub en: String,
}

/// Why a file as a whole cannot be imported. Nothing is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileProblem {
    /// No file chosen, or an empty one.
    Empty,
    /// Over [`MAX_BYTES`].
    TooLarge { max_mb: u64 },
    /// The upload broke off before the whole file arrived.
    UploadFailed,
    /// Neither an XLSX workbook nor CSV text (an image, a PDF, random bytes).
    NotASpreadsheet,
    /// An Excel 97–2003 (.xls) or password-protected workbook, which cannot be read.
    OldOrEncryptedWorkbook,
    /// A ZIP file that is not a readable XLSX workbook (damaged or cut short).
    BadWorkbook,
    /// Text that is neither UTF-8 nor GBK (for instance UTF-16).
    UnreadableEncoding,
    /// CSV that cannot be split into fields, at a 1-based row.
    BadCsv { row: u64 },
    /// No row in the first few names the register's columns.
    NoHeader,
    /// Required columns are absent.
    MissingColumns { columns: Vec<ColumnName> },
    /// Two columns mean the same thing.
    DuplicateColumn { header: String },
    /// A header and no accounts.
    NoRows,
    /// Over [`MAX_ROWS`] data rows.
    TooManyRows { max: u64 },
    /// A workbook whose entries unpack to more than [`MAX_UNPACKED_BYTES`] (a zip bomb), refused
    /// before it is parsed.
    UnpackedTooLarge { max_mb: u64 },
    /// A workbook of more than [`MAX_ENTRIES`] files, refused before it is parsed.
    TooManyEntries { max: u64 },
}

/// What is wrong with one cell of a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowProblem {
    /// The cell is empty and the value is needed.
    Required,
    TooLong {
        max: usize,
    },
    /// No unit of that name or credit code.
    UnknownUnit,
    /// Several units carry this name; the credit code tells them apart.
    AmbiguousUnit,
    UnknownPlatform,
    /// Not a valid unified social credit code (GB 32100-2015).
    BadCreditCode,
    /// A valid code, but not the unit's.
    CreditCodeMismatch,
    BadDate,
    FutureDate,
    BadMobile,
    /// `138****1234`: a masked number (from an export for a role that may not see it); the real
    /// number is needed (Art. 29).
    MaskedMobile,
    BadYesNo,
    UnknownStatus,
    /// Art. 9: no accounts in the name of internal divisions (内设机构).
    UnitMayNotHost,
    /// Art. 9: no accounts on platforms the national authorities have not approved.
    PlatformNotApproved,
    /// The very same account (unit, platform, name, ID and opening date) is already registered.
    AlreadyRegistered,
    /// The row repeats an earlier row of the file.
    RepeatsRow {
        row: u64,
    },
}

/// One problem in a row: the column as the file heads it, the value found, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellError {
    pub column: String,
    pub value: String,
    pub problem: RowProblem,
}

/// What becomes of a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowOutcome {
    /// The account is (or would be) created.
    Create,
    /// Art. 9: a second live account of the unit on the platform. Not an error: it is imported
    /// with the legacy-duplicate marker as its waiver and so appears on the rectification list.
    Art9Duplicate,
    /// Every problem the row has; nothing is imported while any row has one.
    Errors(Vec<CellError>),
}

/// One data row of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowReport {
    /// The row number as the spreadsheet shows it (the header is usually row 1).
    pub row: u64,
    pub unit: String,
    pub platform: String,
    pub account: String,
    pub outcome: RowOutcome,
    /// The account created, once applied.
    pub account_id: Option<i32>,
}

impl RowReport {
    pub fn errors(&self) -> &[CellError] {
        match &self.outcome {
            RowOutcome::Errors(errors) => errors,
            _ => &[],
        }
    }
}

/// What an import found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub file_name: String,
    /// `XLSX` or `CSV`.
    pub format: String,
    pub mode: ImportMode,
    /// The row the column headers were found on.
    pub header_row: u64,
    /// Columns the file has that the register does not (their contents are not imported).
    pub ignored_columns: Vec<String>,
    /// Data rows read.
    pub rows: u64,
    /// Rows without errors (each one an account to create).
    pub valid_rows: u64,
    /// Of those, second live accounts of a unit on a platform (Art. 9).
    pub art9_duplicates: u64,
    pub error_rows: u64,
    pub errors: u64,
    /// True once the accounts are written.
    pub applied: bool,
    /// The rows (all of them, or the ones the page shows: see [`ImportReport::for_display`]).
    pub lines: Vec<RowReport>,
    /// Rows of interest left out of `lines`.
    pub lines_omitted: u64,
    /// `lines` holds only the rows with errors.
    pub errors_only: bool,
}

impl ImportReport {
    pub fn has_errors(&self) -> bool {
        self.error_rows > 0
    }

    /// The report as a page shows it: every row when there are at most `limit`; else, when there
    /// are errors, only the rows with errors; either way at most `limit` rows, counting the rest
    /// in `lines_omitted`.
    pub fn for_display(mut self, limit: usize) -> Self {
        if self.lines.len() > limit && self.has_errors() {
            self.lines.retain(|line| !line.errors().is_empty());
            self.errors_only = true;
        }
        let total = self.lines.len();
        self.lines.truncate(limit);
        self.lines_omitted = (total - self.lines.len()) as u64;
        self
    }
}

/// The characters people pad cells with: spaces of every width, no-break spaces, BOMs.
fn is_padding(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{3000}' | '\u{00A0}' | '\u{FEFF}' | '\u{200B}')
}

/// A cell's text without the padding around it.
pub fn clean(text: &str) -> String {
    text.trim_matches(is_padding).to_string()
}

/// Full-width ASCII forms (`ＡＢＣ１２３（）`) as their ASCII letters.
fn narrow(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// A name as compared: full-width forms narrowed, padding anywhere removed, lower case. Unit
/// and platform names typed by hand differ in exactly these ways.
pub fn name_key(text: &str) -> String {
    text.chars()
        .map(narrow)
        .filter(|c| !is_padding(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A column header as compared: [`name_key`], without what is in brackets (`开设日期（年-月-日）`)
/// and without punctuation (`账号ID/链接` and `账号 ID / 链接` are the same header).
pub fn header_key(header: &str) -> String {
    let mut depth = 0usize;
    let mut key = String::new();
    for c in name_key(header).chars() {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
            c if depth == 0 && c.is_alphanumeric() => key.push(c),
            _ => {}
        }
    }
    key
}

/// 是/否, Yes/No, Y/N, true/false, 1/0 (any case).
pub fn parse_yes_no(text: &str) -> Option<bool> {
    match name_key(text).as_str() {
        "是" | "yes" | "y" | "true" | "1" => Some(true),
        "否" | "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// A date written `YYYY-MM-DD`, `YYYY/M/D`, `YYYY.M.D` or `YYYY年M月D日`, possibly followed by a
/// time of day (as spreadsheets write date cells into CSV).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text: String = clean(text).chars().map(narrow).collect();
    let date = text.split([' ', 'T']).next()?;
    let date = date.strip_suffix('日').unwrap_or(date);
    let parts: Vec<&str> = date.split(['-', '/', '.', '年', '月']).collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str, digits: std::ops::RangeInclusive<usize>| {
        (digits.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let year = number(year, 4..=4)? as i32;
    NaiveDate::from_ymd_opt(year, number(month, 1..=2)?, number(day, 1..=2)?)
}

/// A mobile number as an export masks it for roles that may not see it (`138****1234`).
pub fn is_masked_mobile(text: &str) -> bool {
    text.contains('*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn dates_are_read_in_the_ways_registers_write_them() {
        for text in [
            "2019-03-01",
            "2019/3/1",
            "2019年3月1日",
            " 2019.03.01 ",
            "2019-03-01 00:00:00",
            "２０１９－０３－０１",
        ] {
            assert_eq!(parse_date(text), date(2019, 3, 1), "{text}");
        }
    }

    #[test]
    fn impossible_or_partial_dates_are_refused() {
        for text in [
            "2019-02-30",
            "2019-13-01",
            "19-3-1",
            "2019-3",
            "三月一日",
            "43525",
            "",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn yes_and_no_are_read_in_both_languages() {
        for yes in ["是", "Yes", "Y", "true", "TRUE", "1", " 是 "] {
            assert_eq!(parse_yes_no(yes), Some(true), "{yes}");
        }
        for no in ["否", "No", "n", "false", "0"] {
            assert_eq!(parse_yes_no(no), Some(false), "{no}");
        }
        assert_eq!(parse_yes_no("也许"), None);
        assert_eq!(parse_yes_no(""), None);
    }

    #[test]
    fn headers_match_whatever_their_spacing_width_case_and_notes() {
        assert_eq!(header_key("账号ID/链接"), header_key(" 账号 ID / 链接 "));
        assert_eq!(header_key("Account ID / link"), "accountidlink");
        assert_eq!(header_key("开设日期（YYYY-MM-DD）"), "开设日期");
        assert_eq!(header_key("单位名称\u{3000}"), "单位名称");
        assert_eq!(header_key("Custodian's mobile"), "custodiansmobile");
    }

    #[test]
    fn names_compare_without_padding_or_full_width_forms() {
        assert_eq!(name_key("　微信公众号 "), name_key("微信公众号"));
        assert_eq!(
            name_key("ＷｅＣｈａｔ Official Account"),
            "wechatofficialaccount"
        );
    }

    fn report_with(outcomes: Vec<RowOutcome>) -> ImportReport {
        let lines: Vec<RowReport> = outcomes
            .into_iter()
            .enumerate()
            .map(|(i, outcome)| RowReport {
                row: i as u64 + 2,
                unit: String::new(),
                platform: String::new(),
                account: String::new(),
                outcome,
                account_id: None,
            })
            .collect();
        let error_rows = lines.iter().filter(|l| !l.errors().is_empty()).count() as u64;
        ImportReport {
            file_name: "register.csv".into(),
            format: "CSV".into(),
            mode: ImportMode::DryRun,
            header_row: 1,
            ignored_columns: vec![],
            rows: lines.len() as u64,
            valid_rows: lines.len() as u64 - error_rows,
            art9_duplicates: 0,
            error_rows,
            errors: error_rows,
            applied: false,
            lines,
            lines_omitted: 0,
            errors_only: false,
        }
    }

    fn an_error() -> RowOutcome {
        RowOutcome::Errors(vec![CellError {
            column: "平台".into(),
            value: "微信".into(),
            problem: RowProblem::UnknownPlatform,
        }])
    }

    #[test]
    fn a_long_report_with_errors_shows_only_the_rows_with_errors_up_to_the_limit() {
        let mut outcomes = vec![RowOutcome::Create; 3];
        outcomes.extend(std::iter::repeat_with(an_error).take(5));
        let shown = report_with(outcomes).for_display(2);
        assert_eq!(shown.lines.len(), 2);
        assert!(shown.errors_only);
        assert!(shown.lines.iter().all(|l| !l.errors().is_empty()));
        assert_eq!(shown.lines_omitted, 3);
        assert_eq!(
            shown.error_rows, 5,
            "the totals stay those of the whole file"
        );
    }

    #[test]
    fn a_short_report_shows_every_row_errors_or_not() {
        let shown = report_with(vec![RowOutcome::Create, an_error()]).for_display(10);
        assert_eq!(shown.lines.len(), 2);
        assert!(!shown.errors_only);
        assert_eq!(shown.lines_omitted, 0);
    }

    #[test]
    fn a_long_report_without_errors_shows_its_first_rows() {
        let shown = report_with(vec![RowOutcome::Create; 4]).for_display(3);
        assert_eq!(shown.lines.len(), 3);
        assert_eq!(shown.lines_omitted, 1);
    }
}
