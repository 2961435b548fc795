//! Server functions of the API tokens page: a person's tokens (everyone's for administrators),
//! creating one for oneself, and revoking. Plain form posts (see
//! [`crate::server::context::conclude`]), so the page works without JavaScript. A new token's
//! secret reaches the page it redirects to in a short-lived cookie that the page reads and clears,
//! so it is never in an address, a log line or the browser's history.
use crate::error::AppError;
use crate::model::TokensView;
use leptos::prelude::*;

/// The cookie carrying a new token's secret from the form post to the page, once.
pub const FRESH_TOKEN_COOKIE: &str = "registry_new_token";

/// The tokens the signed-in person may see, and the one they just created.
#[server(endpoint = "tokens")]
pub async fn fetch_tokens() -> Result<TokensView, AppError> {
    use crate::server::{context, tokens};
    context::serve(|uc| async move {
        let view = tokens::page(&uc).await?;
        let fresh = context::take_cookie(FRESH_TOKEN_COOKIE, "/tokens")
            .filter(|secret| secret.starts_with(tokens::TOKEN_PREFIX));
        Ok(TokensView { fresh, ..view })
    })
    .await
}

/// Creates a token for the signed-in person. `expires_days`: 1 to 365 (required; the form offers
/// 90); `scope`: `read` or `write`. The person confirms it is them with `password`, or with `code`
/// from their authenticator app when they have a second factor (issue 15, item 6).
#[server(endpoint = "token_create")]
pub async fn create_token(
    name: String,
    #[server(default)] expires_days: String,
    #[server(default)] scope: String,
    #[server(default)] password: String,
    #[server(default)] code: String,
) -> Result<(), AppError> {
    use crate::server::{context, tokens};
    let (request, proof) = (
        tokens::TokenRequest::form(name, &expires_days, &scope),
        tokens::Reauthentication { password, code },
    );
    context::step_then("/tokens", |uc| async move {
        let issued = tokens::create_own(&uc, &request?, &proof, &context::auth_settings()?).await?;
        context::set_cookie(FRESH_TOKEN_COOKIE, &issued.token, "/tokens", 120);
        Ok(format!("/tokens?created={}", issued.view.id))
    })
    .await
}

/// Revokes a token: one's own, or anyone's for an administrator.
#[server(endpoint = "token_revoke")]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    use crate::server::{context, tokens};
    context::step_then("/tokens", |uc| async move {
        // Taken as text: a malformed id from a forged form names no token, and says so on the page.
        let id = id.trim().parse::<i32>().map_err(|_| AppError::NotFound)?;
        let token = tokens::revoke(&uc, id).await?;
        Ok(format!("/tokens?revoked={}", token.id))
    })
    .await
}
