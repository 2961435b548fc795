//! The monthly report's workbook: one sheet per section of the report, in the page's order, and
//! the writer of small workbooks.
use crate::domain::AccountStatus;
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::labels;
use crate::report_api::{ListedAccount, MonthlyReport, StatusCounts};
use crate::server::export::writers::{column_width, display_width, print_setup};

/// A cell of the monthly workbook: counts are numbers, so they add up in Excel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Number(u64),
}

/// One sheet of the monthly workbook: a section of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

/// The status columns and the total, for counts by platform or unit.
fn count_cells(counts: &StatusCounts) -> Vec<Cell> {
    AccountStatus::ALL
        .iter()
        .map(|s| Cell::Number(counts.of(*s)))
        .chain(std::iter::once(Cell::Number(counts.total)))
        .collect()
}

fn count_headers(first: Msg, locale: Locale) -> Vec<String> {
    std::iter::once(locale.t(first))
        .chain(
            AccountStatus::ALL
                .iter()
                .map(|s| locale.t(labels::status(*s))),
        )
        .chain(std::iter::once(locale.t(Msg::ReportTotal)))
        .map(str::to_string)
        .collect()
}

fn account_cells(a: &ListedAccount, locale: Locale) -> Vec<Cell> {
    vec![
        text(a.unit.clone()),
        text(a.platform.in_locale(locale)),
        text(a.name.clone()),
        text(locale.t(labels::status(a.status))),
    ]
}

fn account_headers(last: Msg, locale: Locale) -> Vec<String> {
    [
        Msg::ReportColUnit,
        Msg::ReportColPlatform,
        Msg::ReportColAccount,
        Msg::ReportColStatus,
        last,
    ]
    .iter()
    .map(|m| locale.t(*m).to_string())
    .collect()
}

/// The monthly report's sections, one sheet each, in the page's order.
pub fn monthly_sheets(report: &MonthlyReport, locale: Locale) -> Vec<Sheet> {
    let t = |m: Msg| locale.t(m).to_string();
    let summary = Sheet {
        name: t(Msg::ReportSheetSummary),
        headers: vec![t(Msg::ReportColItem), t(Msg::ReportColValue)],
        rows: vec![
            vec![text(t(Msg::ReportMonth)), text(report.month.clone())],
            vec![text(t(Msg::ReportMadeOn)), text(report.today.clone())],
            vec![
                text(t(Msg::ReportAccountsTotal)),
                Cell::Number(report.accounts.total),
            ],
            vec![
                text(t(Msg::ReportRotationDays)),
                Cell::Number(report.rotation_days.into()),
            ],
        ],
    };
    let total_row = |counts: &StatusCounts| {
        let mut row = vec![text(t(Msg::ReportTotal))];
        row.extend(count_cells(counts));
        row
    };
    let mut platform_rows: Vec<Vec<Cell>> = report
        .by_platform
        .iter()
        .map(|(p, counts)| {
            let mut row = vec![text(p.in_locale(locale))];
            row.extend(count_cells(counts));
            row
        })
        .collect();
    platform_rows.push(total_row(&report.accounts));
    let mut status_rows: Vec<Vec<Cell>> = AccountStatus::ALL
        .iter()
        .map(|s| {
            vec![
                text(t(labels::status(*s))),
                Cell::Number(report.accounts.of(*s)),
            ]
        })
        .collect();
    status_rows.push(vec![
        text(t(Msg::ReportTotal)),
        Cell::Number(report.accounts.total),
    ]);
    let mut unit_rows: Vec<Vec<Cell>> = report
        .by_unit
        .iter()
        .map(|(unit, counts)| {
            let mut row = vec![text(unit.clone())];
            row.extend(count_cells(counts));
            row
        })
        .collect();
    unit_rows.push(total_row(&report.accounts));
    let review_rows = crate::report_api::review_lines(report, locale)
        .into_iter()
        .map(|line| {
            let value = match &line.figure {
                crate::report_api::Figure::Count(n) => Cell::Number(*n),
                rate => text(rate.text(locale)),
            };
            vec![text(line.label), value]
        })
        .collect();
    let duplicate_rows = report
        .duplicates
        .iter()
        .flat_map(|group| group.accounts.iter())
        .map(|(a, waiver)| {
            let mut row = account_cells(a, locale);
            row.push(text(waiver.clone().unwrap_or_default()));
            row
        })
        .collect();
    let custodian_rows = report
        .without_custodian
        .iter()
        .map(|m| {
            let mut row = account_cells(&m.account, locale);
            row.push(text(t(crate::report_api::missing_custodian_msg(m))));
            row
        })
        .collect();
    let rotation_rows = report
        .rotation_overdue
        .iter()
        .map(|r| {
            let mut row = account_cells(&r.account, locale);
            let rotated = r
                .rotated_on
                .clone()
                .unwrap_or_else(|| t(Msg::ReportNotRecorded));
            row.push(text(rotated));
            row
        })
        .collect();
    vec![
        summary,
        Sheet {
            name: t(Msg::ReportSheetByPlatform),
            headers: count_headers(Msg::ReportColPlatform, locale),
            rows: platform_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetByStatus),
            headers: vec![t(Msg::ReportColStatus), t(Msg::ReportColAccounts)],
            rows: status_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetByUnit),
            headers: count_headers(Msg::ReportColUnit, locale),
            rows: unit_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetReview),
            headers: vec![t(Msg::ReportColItem), t(Msg::ReportColValue)],
            rows: review_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetDuplicates),
            headers: account_headers(Msg::ReportColWaiver, locale),
            rows: duplicate_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetCustodians),
            headers: account_headers(Msg::ReportColMissing, locale),
            rows: custodian_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetRotation),
            headers: account_headers(Msg::ReportColRotatedOn, locale),
            rows: rotation_rows,
        },
    ]
}

/// How many character widths the widest cell of column `col` takes, its header included.
fn widest(sheet: &Sheet, col: usize) -> usize {
    let header = sheet.headers.get(col).map_or(0, |h| display_width(h));
    sheet
        .rows
        .iter()
        .filter_map(|cells| match cells.get(col) {
            Some(Cell::Text(value)) => Some(display_width(value)),
            Some(Cell::Number(n)) => Some(n.to_string().len()),
            None => None,
        })
        .fold(header, usize::max)
}

/// Writes sheets into one workbook, each with bold headers, columns as wide as their contents
/// and the print setup of every sheet ([`print_setup`]), saved to a
/// temporary file (removed when the handle is dropped). For small workbooks: the rows are kept in
/// memory until saved ([`crate::server::export::XlsxSheet`] streams one large sheet).
pub fn write_workbook(sheets: &[Sheet]) -> Result<tempfile::NamedTempFile, AppError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet
            .set_name(&sheet.name)
            .map_err(AppError::internal)?;
        for (col, header) in sheet.headers.iter().enumerate() {
            let col = u16::try_from(col).map_err(AppError::internal)?;
            worksheet
                .write_string_with_format(0, col, header, &bold)
                .map_err(AppError::internal)?;
            worksheet
                .set_column_width(col, column_width(widest(sheet, col.into())))
                .map_err(AppError::internal)?;
        }
        print_setup(worksheet)?;
        for (row, cells) in sheet.rows.iter().enumerate() {
            let row = u32::try_from(row + 1).map_err(AppError::internal)?;
            for (col, cell) in cells.iter().enumerate() {
                let col = u16::try_from(col).map_err(AppError::internal)?;
                match cell {
                    Cell::Text(value) if value.is_empty() => {}
                    Cell::Text(value) => {
                        worksheet
                            .write_string(row, col, value)
                            .map_err(AppError::internal)?;
                    }
                    Cell::Number(n) => {
                        worksheet
                            .write_number(row, col, *n as f64)
                            .map_err(AppError::internal)?;
                    }
                }
            }
        }
    }
    let file = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
    workbook.save(file.path()).map_err(AppError::internal)?;
    Ok(file)
}

/// The monthly report's workbook in a temporary file.
pub fn monthly_xlsx(
    report: &MonthlyReport,
    locale: Locale,
) -> Result<tempfile::NamedTempFile, AppError> {
    write_workbook(&monthly_sheets(report, locale))
}

/// The file name of a monthly workbook: in the report's language, and in ASCII for old clients.
pub fn monthly_file_name(report: &MonthlyReport, locale: Locale) -> (String, String) {
    let ascii = format!("monthly-report-{}.xlsx", report.month);
    let named = match locale {
        Locale::ZhCn => format!("政务新媒体月度报告-{}.xlsx", report.month),
        Locale::En => ascii.clone(),
    };
    (named, ascii)
}
