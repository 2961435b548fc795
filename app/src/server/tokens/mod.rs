//! API tokens (`Authorization: Bearer`): for scripts and the provincial platform's feeds, acting as
//! the person they belong to with that person's role and unit. A token is shown once when created;
//! only its SHA-256 is stored. Owners and administrators list and revoke them; creating and revoking
//! are audited, and every change made with a token records the token on its audit event.
//!
//! Issue 15, item 6: every token has a [`Scope`] (`read`, or `write` for the filing steps), which
//! the API checks on every endpoint (ASVS 5.0 V8.2.1/V8.2.2), and an end: at most
//! [`MAX_EXPIRES_DAYS`] days, [`DEFAULT_EXPIRES_DAYS`] unless chosen (V7.3.2 for a long-lived
//! credential). Making one in a browser session asks for the password again, or a current code of
//! the second factor for a person who has one (re-authentication, V7.5.1), and the owner is
//! told by e-mail (V6.3.7).
mod issue;
mod revoke;
use crate::error::{AppError, Problem, Shaped};
use crate::model::SessionUser;
pub use crate::server::credentials::revoke_all_in;
use crate::server::credentials::{session_user_for, token_hash};
use crate::server::entities::{api_token, user};
pub use crate::server::token_scope::Scope;
use chrono::{DateTime, Duration, Utc};
pub use issue::{create, create_own};
use rand::RngCore;
pub use revoke::{list, page, revoke};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

/// Every token starts with this, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "rgt_";

/// The longest a token may be valid for, in days.
pub const MAX_EXPIRES_DAYS: u32 = 365;

/// A token's validity when its maker does not choose one (the page's form, the console).
pub const DEFAULT_EXPIRES_DAYS: u32 = 90;

/// The scope of the bearer token a request was made with, put into the request's extensions
/// beside the person; absent for a browser session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenScope(pub Scope);

/// What a new token is to be: its name (at most [`MAX_NAME_CHARS`] characters), scope and validity
/// in days (required: none is refused, not taken as "for ever"; 1 to [`MAX_EXPIRES_DAYS`]).
#[derive(Debug, Clone, Validate)]
pub struct TokenRequest {
    #[validate(length(min = 1, max = MAX_NAME_CHARS))]
    pub name: String,
    pub scope: Scope,
    #[validate(required, range(min = 1, max = MAX_EXPIRES_DAYS))]
    pub expires_days: Option<u32>,
}

impl Shaped for TokenRequest {
    const FIELDS: &'static [&'static str] = &["name", "expires_days"];

    /// A validity missing or out of range names the range.
    fn problem(field: &str, error: &ValidationError) -> Problem {
        match field {
            "expires_days" => Problem::TokenExpiryRange {
                max: MAX_EXPIRES_DAYS as u16,
            },
            _ => crate::error::shape_problem(error),
        }
    }
}

impl TokenRequest {
    /// A request as the tokens page's form posts it: the expiry in days (empty: none given, which
    /// is refused later as out of range) and the scope's code.
    pub fn form(name: String, expires_days: &str, scope: &str) -> Result<Self, AppError> {
        let expires_days = match expires_days.trim() {
            "" => None,
            days => Some(days.parse::<u32>().map_err(|_| {
                AppError::invalid(
                    "expires_days",
                    Problem::TokenExpiryRange {
                        max: MAX_EXPIRES_DAYS as u16,
                    },
                )
            })?),
        };
        let scope = Scope::parse(scope)
            .ok_or_else(|| AppError::invalid("scope", Problem::TokenScopeUnknown))?;
        Ok(TokenRequest {
            name,
            scope,
            expires_days,
        })
    }
}

/// The proof a person in a browser session gives again before a token is made: their password,
/// or, when they have a second factor, a current code from their app (the other is ignored).
#[derive(Debug, Clone, Default)]
pub struct Reauthentication {
    pub password: String,
    pub code: String,
}

pub(super) const MAX_NAME_CHARS: u64 = 100;

/// A token as its owner and the administrators see it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: i32,
    pub user_id: i32,
    pub username: String,
    pub name: String,
    /// The token's first characters, to tell tokens apart.
    pub prefix: String,
    /// What the token may do.
    pub scope: Scope,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; every token has an end.
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Neither revoked nor expired.
    pub active: bool,
}

/// A new token: the secret, shown this once, and its record.
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuedToken {
    /// The bearer token. It cannot be shown again.
    pub token: String,
    #[serde(flatten)]
    pub view: TokenView,
}

/// The record, never the secret (ASVS 5.0 16.2.5).
impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"…")
            .field("view", &self.view)
            .finish()
    }
}

pub(super) fn view(t: &api_token::Model, username: &str, now: DateTime<Utc>) -> TokenView {
    TokenView {
        id: t.id,
        user_id: t.user_id,
        username: username.to_string(),
        name: t.name.clone(),
        prefix: t.prefix.clone(),
        scope: t.scope,
        created_at: t.created_at.to_rfc3339(),
        expires_at: t.expires_at.to_rfc3339(),
        last_used_at: t.last_used_at.map(|d| d.to_rfc3339()),
        revoked_at: t.revoked_at.map(|d| d.to_rfc3339()),
        active: usable(t, now),
    }
}

pub(super) fn usable(t: &api_token::Model, now: DateTime<Utc>) -> bool {
    t.revoked_at.is_none() && t.expires_at > now
}

pub(super) fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// Whether the person has a second factor in force (then re-authentication asks for its code).
#[tracing::instrument(skip_all, fields(use_case = "tokens.has_second_factor"))]
pub async fn has_second_factor(db: &DatabaseConnection, user_id: i32) -> Result<bool, AppError> {
    Ok(user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .is_some_and(|u| u.totp_secret.is_some() && u.totp_enabled_at.is_some()))
}

/// The person a bearer token acts for, the token's id and its scope; `None` for a token that is unknown,
/// revoked, expired, or whose owner is disabled. Records the last use (at most once a minute).
#[tracing::instrument(skip_all, fields(use_case = "tokens.resolve"))]
pub async fn resolve(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(SessionUser, i32, Scope)>, AppError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    let Some(found) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !usable(&found, now) {
        return Ok(None);
    }
    let Some(owner) = user::Entity::find_by_id(found.user_id)
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let id = found.id;
    let scope = found.scope;
    // As with sessions: writing on every request would serialise readers on SQLite.
    if found
        .last_used_at
        .is_none_or(|at| now - at > Duration::minutes(1))
    {
        let mut touch = found.into_active_model();
        touch.last_used_at = Set(Some(now));
        touch.update(db).await?;
    }
    Ok(Some((session_user_for(db, owner).await?, id, scope)))
}
