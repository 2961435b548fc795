//! What `POST /api/v1/tokens` takes.
use serde::Deserialize;
use utoipa::ToSchema;

/// `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    pub name: String,
    /// 1 to 365, required (the pages offer 90).
    pub expires_days: Option<u32>,
    /// `read` or `write`.
    pub scope: app::server::tokens::Scope,
    /// The caller's password, asked for again (re-authentication); for a person without a second
    /// factor.
    #[serde(default)]
    pub password: String,
    /// A current code from the caller's authenticator app, instead of the password, for a person
    /// with a second factor.
    #[serde(default)]
    pub code: String,
}
