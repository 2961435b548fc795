//! `GET /exports/registry.csv` and `/exports/registry.xlsx`: the registry for upward reporting, with
//! the registry page's filters (`unit`, `platform`, `status`, `q`, `rotation`) and `lang=en` for
//! English headers. The CSV streams as it is read; the XLSX is built in a temporary file and then
//! streamed, so memory stays bounded whatever the size. Each export is audited.
use crate::downloads::{attachment, refused, stream_csv, stream_file};
use crate::startup::AppState;
use app::domain::RegistryQuery;
use app::error::AppError;
use app::i18n::Locale;
use app::model::SessionUser;
use app::server::audit::Actor;
use app::server::export;
use app::server::use_case::RequestMeta;
use axum::extract::{Extension, Query, State};
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
fn file_name(state: &AppState, extension: &str) -> (String, String) {
    let day = app::domain::calendar::china_date(state.clock.now());
    (
        format!("政务新媒体账号-{day}.{extension}"),
        format!("registry-{day}.{extension}"),
    )
}

/// `GET /exports/registry.csv`
pub async fn registry_csv(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(Extension(user)) = user else {
        return refused(&AppError::Unauthenticated, &params, &headers);
    };
    csv_download(&state, &user, &meta, &params)
        .await
        .unwrap_or_else(|error| refused(&error, &params, &headers))
}

/// The registry as CSV for `user` (the pages' and the API's route): audited, then streamed.
pub async fn csv_download(
    state: &AppState,
    user: &SessionUser,
    meta: &RequestMeta,
    params: &HashMap<String, String>,
) -> Result<Response, AppError> {
    let (query, locale) = read_query(params);
    let now = state.clock.now();
    let actor = Actor::user(user, meta);
    export::record(&state.db, &actor, &user.viewer(), "csv", &query, now).await?;
    let rows = export::RegistryExport::open(&state.db, &user.viewer(), &query, locale, now).await?;
    let body = stream_csv(export::registry_headers(locale), rows);
    Ok(attachment(
        body,
        "text/csv; charset=utf-8",
        file_name(state, "csv"),
    ))
}

/// `GET /exports/registry.xlsx`
pub async fn registry_xlsx(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(Extension(user)) = user else {
        return refused(&AppError::Unauthenticated, &params, &headers);
    };
    xlsx_download(&state, &user, &meta, &params)
        .await
        .unwrap_or_else(|error| refused(&error, &params, &headers))
}

/// The registry as XLSX for `user` (the pages' and the API's route): audited, built in a temporary
/// file, then streamed.
pub async fn xlsx_download(
    state: &AppState,
    user: &SessionUser,
    meta: &RequestMeta,
    params: &HashMap<String, String>,
) -> Result<Response, AppError> {
    let (query, locale) = read_query(params);
    let now = state.clock.now();
    let actor = Actor::user(user, meta);
    export::record(&state.db, &actor, &user.viewer(), "xlsx", &query, now).await?;
    let (file, _) = export::registry_xlsx(&state.db, &user.viewer(), &query, locale, now).await?;
    let body = stream_file(file).await?;
    Ok(attachment(
        body,
        export::XLSX_TYPE,
        file_name(state, "xlsx"),
    ))
}
