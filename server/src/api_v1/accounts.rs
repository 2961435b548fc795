//! `GET /api/v1/accounts` and `/accounts/{id}`: the registry, as the registry page shows it, and one
//! account with its custodian as far as the caller may see them (Art. 29).
use super::dto::{Account, AccountFilter, AccountPage};
use super::error::{ApiFailure, ApiResult, ErrorBody};
use super::extract::{ApiPath, ApiQuery, Caller};
use crate::startup::AppState;
use app::domain::RegistryQuery;
use app::error::{AppError, Shaped};
use app::server::registry;
use axum::Json;
use axum::extract::State;

/// The API's page size when none is asked for.
const DEFAULT_PER_PAGE: u64 = 50;

fn text(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The registry page's query for the API's filter: pages counted from 1, at most
/// `MAX_PER_PAGE` a page (the filter's shape: 422 beyond).
fn registry_query(filter: AccountFilter) -> Result<RegistryQuery, AppError> {
    filter.check_shape()?;
    let page = filter.page.unwrap_or(1);
    let per_page = filter.per_page.unwrap_or(DEFAULT_PER_PAGE);
    Ok(RegistryQuery {
        unit: text(filter.unit),
        platform: text(filter.platform),
        status: filter.status,
        text: text(filter.q).map(|q| q.chars().take(64).collect()),
        rotation_overdue: false,
        // Every account, deregistered ones included, unless a status is asked for.
        in_use_only: false,
        sort: None,
        descending: false,
        page,
        per_page,
    })
}

/// The registry, filtered and paged in the registry page's order: by host unit, then platform.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", params(AccountFilter),
    responses(
        (status = 200, description = "One page of accounts", body = AccountPage),
        (status = 400, description = "A query parameter is malformed", body = ErrorBody),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
        (status = 422, description = "`page` or `per_page` is out of range", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<AccountFilter>,
) -> ApiResult<Json<AccountPage>> {
    let query = registry_query(filter)?;
    let view = registry::page(&caller.use_case(&state), &query).await?;
    Ok(Json(AccountPage::new(view, query.page, query.per_page)))
}

/// One account, with its history and its custodian as far as the caller may see them.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = i32, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account", body = Account),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<Account>> {
    app::server::account_entry::detail(&caller.use_case(&state), id)
        .await
        .map(|a| Json(a.into()))
        .map_err(ApiFailure::from)
}
