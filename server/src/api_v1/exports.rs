//! `GET /api/v1/exports/registry.csv` and `.xlsx`: the same downloads as the registry page's (same
//! filters, masking and audit event), with API errors.
use super::dto::ExportFilter;
use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiQuery, Caller};
use crate::export_routes;
use crate::startup::AppState;
use axum::extract::State;
use axum::response::Response;
use std::collections::HashMap;

fn params(filter: ExportFilter) -> HashMap<String, String> {
    [
        ("unit", filter.unit),
        ("platform", filter.platform),
        ("status", filter.status),
        ("q", filter.q),
        ("rotation", filter.rotation),
        ("lang", filter.lang),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
    .collect()
}

/// The registry as CSV (UTF-8 with BOM, CRLF), the 17 columns of the upward report.
#[utoipa::path(get, path = "/api/v1/exports/registry.csv", tag = "exports", params(ExportFilter),
    responses(
        (status = 200, description = "The registry", content_type = "text/csv", body = String),
        (status = 400, description = "A query parameter is malformed", body = ErrorBody),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
    ))]
pub async fn registry_csv(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<ExportFilter>,
) -> ApiResult<Response> {
    let uc = caller.use_case(&state);
    Ok(export_routes::csv_download(&uc, &params(filter)).await?)
}

/// The registry as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/exports/registry.xlsx", tag = "exports", params(ExportFilter),
    responses(
        (status = 200, description = "The registry",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body = Vec<u8>),
        (status = 400, description = "A query parameter is malformed", body = ErrorBody),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
    ))]
pub async fn registry_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<ExportFilter>,
) -> ApiResult<Response> {
    let uc = caller.use_case(&state);
    Ok(export_routes::xlsx_download(&uc, &params(filter)).await?)
}
