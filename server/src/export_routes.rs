//! `GET /exports/registry.csv` and `/exports/registry.xlsx`: the registry for upward reporting, with
//! the registry page's filters (`unit`, `platform`, `status`, `q`, `rotation`) and `lang=en` for
//! English headers. The CSV streams as it is read; the XLSX is built in a temporary file and then
//! streamed, so memory stays bounded whatever the size. Each export is audited.
use crate::downloads::{attachment, refused, stream_csv, stream_file};
use crate::require::{ReadRegistry, Require};
use app::domain::RegistryQuery;
use app::error::AppError;
use app::i18n::Locale;
use app::server::export;
use app::server::use_case::UseCase;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::Response;
use std::collections::HashMap;

/// The query as the registry page reads it, and the language of the headers.
fn read_query(params: &HashMap<String, String>) -> (RegistryQuery, Locale) {
    let query = RegistryQuery::from_params(|key| params.get(key).cloned());
    let locale = params
        .get("lang")
        .and_then(|l| Locale::parse(l))
        .unwrap_or_default();
    (query, locale)
}

/// `registry-2026-11-27.csv`, and its Chinese name `政务新媒体账号-2026-11-27.csv`.
fn file_name(uc: &UseCase, extension: &str) -> (String, String) {
    let day = app::domain::calendar::china_date(uc.now);
    (
        format!("政务新媒体账号-{day}.{extension}"),
        format!("registry-{day}.{extension}"),
    )
}

/// `GET /exports/registry.csv`
pub async fn registry_csv(
    Require { uc, .. }: Require<ReadRegistry>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    csv_download(&uc, &params)
        .await
        .unwrap_or_else(|error| refused(&error, &params, &headers))
}

/// The registry as CSV for the use case's person (the pages' and the API's route): audited, then
/// streamed.
pub async fn csv_download(
    uc: &UseCase,
    params: &HashMap<String, String>,
) -> Result<Response, AppError> {
    let (query, locale) = read_query(params);
    export::record(uc, "csv", &query).await?;
    let rows = export::RegistryExport::open(uc, &query, locale).await?;
    let body = stream_csv(export::registry_headers(locale), rows);
    Ok(attachment(
        body,
        "text/csv; charset=utf-8",
        file_name(uc, "csv"),
    ))
}

/// `GET /exports/registry.xlsx`
pub async fn registry_xlsx(
    Require { uc, .. }: Require<ReadRegistry>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    xlsx_download(&uc, &params)
        .await
        .unwrap_or_else(|error| refused(&error, &params, &headers))
}

/// The registry as XLSX for the use case's person (the pages' and the API's route): audited,
/// built in a temporary file, then streamed.
pub async fn xlsx_download(
    uc: &UseCase,
    params: &HashMap<String, String>,
) -> Result<Response, AppError> {
    let (query, locale) = read_query(params);
    export::record(uc, "xlsx", &query).await?;
    let (file, _) = export::registry_xlsx(uc, &query, locale).await?;
    let body = stream_file(file).await?;
    Ok(attachment(body, export::XLSX_TYPE, file_name(uc, "xlsx")))
}
