//! The register in a table: the spellings its headers go by, the header row, where each column
//! is, and the data rows below it.
use super::super::export::{Column, REGISTRY_COLUMNS};
use super::read::{Cell, Table, read_table};
use crate::domain::import::{ColumnName, FileProblem, MAX_ROWS, header_key};
use crate::i18n::Locale;
use std::collections::HashMap;

/// How many rows from the top may come before the header (a title row, a note, a blank line).
pub(super) const HEADER_SCAN: usize = 10;

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
pub(super) fn header_table() -> HashMap<String, Column> {
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

/// Where the register's columns are in the file.
pub(super) struct Layout {
    /// Index into the table's rows.
    pub(super) index: usize,
    /// Each column found: its position and its header as the file spells it.
    pub(super) columns: HashMap<Column, (usize, String)>,
    /// Headers of columns that are not the register's.
    pub(super) ignored: Vec<String>,
}

/// The row that holds the headers among the first few: the first that names at least three of
/// the register's columns, else the one that names most.
pub(super) fn header_row(
    rows: &[(u64, Vec<Cell>)],
    headers: &HashMap<String, Column>,
) -> Option<usize> {
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
pub(super) struct Sheet {
    pub(super) format: &'static str,
    pub(super) header_row: u64,
    pub(super) layout: Layout,
    /// The data rows (the rows below the header with something in a register column).
    pub(super) rows: Vec<(u64, Vec<Cell>)>,
}

pub(super) fn read_sheet(bytes: &[u8]) -> Result<Sheet, FileProblem> {
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
}
