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
    use crate::model::TokenRow;
    use crate::server::{context, tokens};
    context::respond(async {
        let user = context::require_user()?;
        let rows = tokens::list(&context::db()?, &user, context::now())
            .await?
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                username: t.username,
                name: t.name,
                prefix: t.prefix,
                scope: t.scope.as_str().to_string(),
                created_at: t.created_at,
                expires_at: t.expires_at,
                last_used_at: t.last_used_at,
                revoked_at: t.revoked_at,
                active: t.active,
            })
            .collect();
        let fresh = context::take_cookie(FRESH_TOKEN_COOKIE, "/tokens")
            .filter(|secret| secret.starts_with(tokens::TOKEN_PREFIX));
        let second_factor = tokens::has_second_factor(&context::db()?, user.id).await?;
        Ok(TokensView {
            rows,
            all_users: user.role == crate::domain::Role::Admin,
            fresh,
            second_factor,
        })
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
    use crate::error::Problem;
    use crate::server::{context, tokens};
    let result = async {
        let user = context::require_user()?;
        let expires_days = match expires_days.trim() {
            "" => None,
            days => Some(days.parse::<u32>().map_err(|_| {
                AppError::invalid(
                    "expires_days",
                    Problem::TokenExpiryRange {
                        max: tokens::MAX_EXPIRES_DAYS as u16,
                    },
                )
            })?),
        };
        let scope = tokens::Scope::parse(&scope)
            .ok_or_else(|| AppError::invalid("scope", Problem::TokenScopeUnknown))?;
        let settings = use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .extensions
                    .get::<crate::server::auth::AuthSettings>()
                    .copied()
            })
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("no AuthSettings in the request")))?;
        let issued = tokens::create_own(
            &context::db()?,
            &user,
            &context::request_meta(),
            &tokens::TokenRequest {
                name,
                scope,
                expires_days,
            },
            &tokens::Reauthentication { password, code },
            &settings,
            context::now(),
        )
        .await?;
        context::set_cookie(FRESH_TOKEN_COOKIE, &issued.token, "/tokens", 120);
        Ok(issued.view.id)
    }
    .await;
    match result {
        Ok(id) => context::conclude(&format!("/tokens?created={id}"), Ok(())),
        Err(error) => context::conclude("/tokens", Err(error)),
    }
}

/// Revokes a token: one's own, or anyone's for an administrator.
#[server(endpoint = "token_revoke")]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    use crate::server::{context, tokens};
    // Taken as text: a malformed id from a forged form names no token, and says so on the page.
    let id = id.trim().to_string();
    let result = async {
        let user = context::require_user()?;
        let id = id.parse::<i32>().map_err(|_| AppError::NotFound)?;
        let (db, meta) = (context::db()?, context::request_meta());
        tokens::revoke(&db, &user, &meta, id, context::now()).await
    }
    .await;
    match result {
        Ok(token) => context::conclude(&format!("/tokens?revoked={}", token.id), Ok(())),
        Err(error) => context::conclude("/tokens", Err(error)),
    }
}
