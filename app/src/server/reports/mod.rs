//! Reports for the county office: the filings report for upward reporting (报备) — every filing
//! received in a period, read in chunks in id order so a period of any size runs in bounded memory —
//! and the monthly monitoring report (Art. 34: 每月进行通报) with its workbook.
//!
//! Seams: [`filings_report`] (the filings report), [`monthly_report`] (the monthly report's
//! figures), [`workbook`] (the monthly report's sheets and workbook); here, the period and month a
//! request names, and the audit record of a download.
use super::use_case::UseCase;
use crate::domain::calendar::china_date;
use crate::domain::report::{Month, MonthError, Period, PeriodError};
use crate::error::{AppError, Problem};
use crate::labels;
use chrono::{DateTime, Utc};

mod filings_report;
mod monthly_report;
mod workbook;

pub use filings_report::{
    FILING_COLUMNS, FilingColumn, FilingsReport, filings_file_name, filings_headers, filings_xlsx,
};
pub use monthly_report::monthly;
pub use workbook::{Cell, Sheet, monthly_file_name, monthly_sheets, monthly_xlsx, write_workbook};

/// The period of a filings report, from the query's `from` and `to`.
pub fn read_period(from: Option<&str>, to: Option<&str>) -> Result<Period, AppError> {
    Period::parse(from, to).map_err(|error| {
        let problem = match error {
            PeriodError::Malformed => Problem::PeriodMalformed,
            PeriodError::Reversed => Problem::PeriodReversed,
            PeriodError::TooLong => Problem::PeriodTooLong,
        };
        AppError::invalid("period", problem)
    })
}

/// The month of a monthly report: `YYYY-MM`, none or blank for the current China month.
pub fn read_month(text: Option<&str>, now: DateTime<Utc>) -> Result<Month, AppError> {
    let today = china_date(now);
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(Month::of(today)),
        Some(text) => Month::parse_until(text, today).map_err(|error| {
            let problem = match error {
                MonthError::Malformed => Problem::MonthMalformed,
                MonthError::InFuture => Problem::MonthInFuture,
            };
            AppError::invalid("month", problem)
        }),
    }
}

/// A UTC instant as China time, `YYYY-MM-DD HH:MM`.
fn china_time(at: DateTime<Utc>) -> String {
    labels::china_time(&at.to_rfc3339())
}

/// Records a download of a report in the audit trail before it is sent (issue 15; 等保 2.0 安全审计,
/// ASVS 5.0 V16.2.1): the filings report (`report.filings_exported`, with its period and format)
/// or the monthly report (`report.monthly_exported`, with its month). The reports name units,
/// accounts and decisions that go upward; who took them, and when, is on record.
#[tracing::instrument(skip_all, fields(use_case = "report.download"))]
pub async fn record_download(uc: &UseCase, download: ReportDownload<'_>) -> Result<(), AppError> {
    let now = uc.now;
    let actor = &super::audit::Actor::user(uc.user(), uc.meta());
    let (action, after) = match download {
        ReportDownload::Filings { period, format } => (
            crate::domain::AuditAction::ReportFilingsExported,
            serde_json::json!({
                "from": period.from().to_string(), "to": period.to().to_string(), "format": format,
            }),
        ),
        ReportDownload::Monthly { month } => (
            crate::domain::AuditAction::ReportMonthlyExported,
            serde_json::json!({ "month": month, "format": "xlsx" }),
        ),
    };
    let txn = uc.begin().await?;
    super::audit::record(
        &txn,
        actor,
        super::audit::Event::new(action, "report").after(after),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A report download, as [`record_download`] records it.
pub enum ReportDownload<'a> {
    Filings {
        period: Period,
        format: &'static str,
    },
    Monthly {
        month: &'a str,
    },
}
