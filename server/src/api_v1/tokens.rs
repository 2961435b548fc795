//! `/api/v1/tokens`: a signed-in person's own API tokens (all tokens, for administrators). Creating
//! one needs a browser session (a token cannot mint tokens); these endpoints are rate limited per
//! address with sign-in.
use super::dto::NewTokenRequest;
use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiJson, ApiPath, Caller};
use crate::startup::AppState;
use app::server::auth::AuthSettings;
use app::server::tokens::{self, IssuedToken, Reauthentication, TokenRequest, TokenView};
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

/// The caller's tokens, newest first; administrators see everyone's.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses(
        (status = 200, description = "The tokens (never the secrets)", body = [TokenView]),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(tokens::list(&caller.use_case(&state)).await?))
}

/// A new token for the signed-in person, in a browser session only. The caller proves again that
/// it is them: `password`, or `code` from their authenticator app when they have a second factor.
/// `expires_days` (1 to 365) and `scope` are required. The owner is e-mailed. The secret is in
/// this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens",
    request_body = NewTokenRequest,
    responses(
        (status = 201, description = "The token, with its secret", body = IssuedToken),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Called with a token: tokens are created in a browser session or at the console (`forbidden`, or `insufficient_scope` for a read token)", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "The name is missing or too long, the expiry is missing or out of range (1 to 365 days), the scope is unknown, or the password or code is missing or wrong (nothing is created; a wrong one counts towards the account's lock)", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Extension(settings): Extension<AuthSettings>,
    ApiJson(body): ApiJson<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<IssuedToken>)> {
    let request = TokenRequest {
        name: body.name,
        scope: body.scope,
        expires_days: body.expires_days,
    };
    let proof = Reauthentication {
        password: body.password,
        code: body.code,
    };
    let uc = caller.use_case(&state);
    let issued = tokens::create_own(&uc, &request, &proof, &settings).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Revokes a token: the caller's own, or anyone's for an administrator. Revoking twice is harmless.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i32, Path, description = "The token's id")),
    responses(
        (status = 200, description = "The token, revoked", body = TokenView),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
        (status = 404, description = "No such token among those the caller may see", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address", body = ErrorBody),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<TokenView>> {
    Ok(Json(tokens::revoke(&caller.use_case(&state), id).await?))
}
