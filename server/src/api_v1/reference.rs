//! `GET /api/v1/units`, `/platforms` and `/deadline`: the lists scripts match their data against,
//! and the Art. 11 deadline calculator.
use super::dto::DeadlineQuery;
use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiQuery, Caller};
use crate::startup::AppState;
use app::server::catalog::{self, DeadlineAnswer, PlatformEntry, UnitEntry};
use axum::Json;
use axum::extract::State;

/// Every unit of the county.
#[utoipa::path(get, path = "/api/v1/units", tag = "reference",
    responses(
        (status = 200, description = "The units, in the order they were created", body = [UnitEntry]),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
    ))]
pub async fn units(
    State(state): State<AppState>,
    _caller: Caller,
) -> ApiResult<Json<Vec<UnitEntry>>> {
    Ok(Json(catalog::units(&state.db).await?))
}

/// Every platform, nationally approved or not (Art. 9).
#[utoipa::path(get, path = "/api/v1/platforms", tag = "reference",
    responses(
        (status = 200, description = "The platforms, in display order", body = [PlatformEntry]),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
    ))]
pub async fn platforms(
    State(state): State<AppState>,
    _caller: Caller,
) -> ApiResult<Json<Vec<PlatformEntry>>> {
    Ok(Json(catalog::platforms(&state.db).await?))
}

/// Art. 11: the last day of the review period for a filing received at an instant, counted in
/// working days on the official calendar (the day of receipt not counted).
#[utoipa::path(get, path = "/api/v1/deadline", tag = "reference", params(DeadlineQuery),
    responses(
        (status = 200, description = "The due date", body = DeadlineAnswer),
        (status = 400, description = "A query parameter is missing or malformed", body = ErrorBody),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
        (status = 422, description = "`received` is not RFC 3339, or `days` is out of range", body = ErrorBody),
    ))]
pub async fn deadline(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(query): ApiQuery<DeadlineQuery>,
) -> ApiResult<Json<DeadlineAnswer>> {
    Ok(Json(
        catalog::deadline(&state.db, &query.received, query.days).await?,
    ))
}
