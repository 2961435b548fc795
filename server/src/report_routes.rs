//! Reports as files: `GET /exports/filings.csv` and `/exports/filings.xlsx` (报备: the filings
//! received in `from`..=`to`, China dates) and `GET /reports/monthly.xlsx` (Art. 34's monthly
//! report, one sheet per section). `lang=en` gives English headers. The filings CSV streams as it
//! is read and the workbooks are built in temporary files and then streamed, so memory stays
//! bounded whatever the period. Bad input is refused before anything is read, with a translated
//! page and 400.
use crate::downloads::{attachment, file_locale, refused, stream_csv, stream_file};
use crate::require::{ReadFilings, ReadReports, Require};
use app::error::AppError;
use app::i18n::Locale;
use app::server::export;
use app::server::reports::{self, ReportDownload};
use app::server::use_case::UseCase;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::Response;
use std::collections::HashMap;

type Params = HashMap<String, String>;

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.get(name).map(String::as_str)
}

/// `GET /exports/filings.csv?from=YYYY-MM-DD&to=YYYY-MM-DD[&lang=en]`
pub async fn filings_csv(
    Require { uc, .. }: Require<ReadFilings>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    filings_csv_file(&uc, &params, file_locale(&params))
        .await
        .unwrap_or_else(|error| refused(&error, &params, &headers))
}

/// The filings report as CSV: audited, then streamed.
async fn filings_csv_file(
    uc: &UseCase,
    params: &Params,
    locale: Locale,
) -> Result<Response, AppError> {
    let period = reports::read_period(param(params, "from"), param(params, "to"))?;
    let report = reports::FilingsReport::open(uc, period, locale).await?;
    let download = ReportDownload::Filings {
        period,
        format: "csv",
    };
    reports::record_download(uc, download).await?;
    let body = stream_csv(reports::filings_headers(locale), report);
    let name = reports::filings_file_name(period, locale, "csv");
    Ok(attachment(body, "text/csv; charset=utf-8", name))
}

/// `GET /exports/filings.xlsx?from=YYYY-MM-DD&to=YYYY-MM-DD[&lang=en]`
pub async fn filings_xlsx(
    Require { uc, .. }: Require<ReadFilings>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    filings_xlsx_file(&uc, &params, file_locale(&params))
        .await
        .unwrap_or_else(|error| refused(&error, &params, &headers))
}

/// The filings report as a workbook: built, audited, then streamed.
async fn filings_xlsx_file(
    uc: &UseCase,
    params: &Params,
    locale: Locale,
) -> Result<Response, AppError> {
    let period = reports::read_period(param(params, "from"), param(params, "to"))?;
    let (file, _) = reports::filings_xlsx(uc, period, locale).await?;
    let download = ReportDownload::Filings {
        period,
        format: "xlsx",
    };
    reports::record_download(uc, download).await?;
    let body = stream_file(file).await?;
    let name = reports::filings_file_name(period, locale, "xlsx");
    Ok(attachment(body, export::XLSX_TYPE, name))
}

/// `GET /reports/monthly.xlsx?month=YYYY-MM[&lang=en]`: the county level's (Art. 34).
pub async fn monthly_xlsx(
    Require { uc, .. }: Require<ReadReports>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    monthly_file(&uc, &params, file_locale(&params))
        .await
        .unwrap_or_else(|error| refused(&error, &params, &headers))
}

/// The monthly report as a workbook: built, audited, then streamed.
async fn monthly_file(uc: &UseCase, params: &Params, locale: Locale) -> Result<Response, AppError> {
    let report = reports::monthly(uc, param(params, "month")).await?;
    let file = reports::monthly_xlsx(&report, locale)?;
    let download = ReportDownload::Monthly {
        month: &report.month,
    };
    reports::record_download(uc, download).await?;
    let body = stream_file(file).await?;
    let name = reports::monthly_file_name(&report, locale);
    Ok(attachment(body, export::XLSX_TYPE, name))
}
