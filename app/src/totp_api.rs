//! Server functions of the second-factor page (issue 8; RFC 6238): where the person's TOTP second
//! factor stands, beginning and confirming an enrolment, disabling it, and new recovery codes.
//! Plain form posts (see [`crate::server::context::conclude`]), so the page works without
//! JavaScript. Recovery codes reach the page they redirect to in a short-lived cookie that the page
//! reads and clears, as a new API token's secret does: never in an address, a log line or the
//! browser's history.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The cookie carrying new recovery codes from the form post to the page, once.
pub const FRESH_CODES_COOKIE: &str = "registry_recovery_codes";

/// The page, and the path the cookie above is limited to.
pub const SECOND_FACTOR_PAGE: &str = "/account/second-factor";

/// The server functions a person who must enrol first (`TOTP_REQUIRED`) may call; the session
/// layer refuses the others.
pub const ALLOWED_WHILE_ENROLMENT_REQUIRED: [&str; 3] = [
    <FetchSecondFactor as leptos::server_fn::ServerFn>::PATH,
    <BeginSecondFactor as leptos::server_fn::ServerFn>::PATH,
    <ConfirmSecondFactor as leptos::server_fn::ServerFn>::PATH,
];

/// An enrolment begun and not yet confirmed, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEnrolmentView {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    pub uri: String,
    /// An `<svg>` element drawn by the server from `uri`.
    pub qr_svg: String,
}

/// What the second-factor page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorView {
    pub username: String,
    /// RFC 3339; None: no second factor in force.
    pub enabled_at: Option<String>,
    pub pending: Option<PendingEnrolmentView>,
    pub recovery_codes_left: u64,
    /// The person may do nothing else until they enrol (`TOTP_REQUIRED` and their role).
    pub required: bool,
    /// Enrolling needs the security administrator's one-time enrolment code (issue 15 item 7).
    pub enrolment_code_needed: bool,
    /// Recovery codes just made, shown this once (from their one-time cookie).
    pub fresh_codes: Vec<String>,
}

/// The signed-in person, also one who must enrol first, and whether they must.
#[cfg(feature = "ssr")]
fn holder() -> Result<(crate::model::SessionUser, bool), AppError> {
    use crate::server::{auth::PendingEnrolment, context};
    if let Some(user) = context::session_user() {
        return Ok((user, false));
    }
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PendingEnrolment>().cloned())
        .map(|pending| (pending.user, true))
        .ok_or_else(|| {
            context::set_status(http::StatusCode::UNAUTHORIZED);
            AppError::Unauthenticated
        })
}

/// The deployment's sign-in rules, which the session layer puts into every request.
#[cfg(feature = "ssr")]
fn settings() -> Result<crate::server::auth::AuthSettings, AppError> {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<crate::server::auth::AuthSettings>()
                .copied()
        })
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no AuthSettings in the request")))
}

/// The issuer authenticator apps show for the account: the application's title.
#[cfg(feature = "ssr")]
fn issuer() -> &'static str {
    crate::i18n::Locale::default().t(crate::i18n::Msg::AppTitle)
}

/// Hands new recovery codes to the page, once.
#[cfg(feature = "ssr")]
fn pass_codes(codes: &[String]) {
    crate::server::context::set_cookie(
        FRESH_CODES_COOKIE,
        &codes.join("."),
        SECOND_FACTOR_PAGE,
        120,
    );
}

#[server(endpoint = "second_factor")]
pub async fn fetch_second_factor() -> Result<SecondFactorView, AppError> {
    use crate::domain::totp::{SecondFactorInput, display_recovery_code};
    use crate::server::{context, totp};
    context::respond(async {
        let (who, required) = holder()?;
        let db = context::db()?;
        let status = totp::status(&db, &who, issuer()).await?;
        use sea_orm::EntityTrait;
        let enrolment_code_needed = match crate::server::entities::user::Entity::find_by_id(who.id)
            .one(&db)
            .await?
        {
            Some(person) => totp::enrolment_code_needed(&person, settings()?.totp_required),
            None => false,
        };
        // Only well-formed codes are shown: the cookie is the browser's, not ours.
        let fresh_codes = context::take_cookie(FRESH_CODES_COOKIE, SECOND_FACTOR_PAGE)
            .map(|value| {
                value
                    .split('.')
                    .filter_map(|code| match SecondFactorInput::parse(code) {
                        Some(SecondFactorInput::Recovery(code)) => {
                            Some(display_recovery_code(&code))
                        }
                        _ => None,
                    })
                    .take(crate::domain::totp::RECOVERY_CODES)
                    .collect()
            })
            .unwrap_or_default();
        Ok(SecondFactorView {
            username: who.username,
            enabled_at: status.enabled_at.map(|at| at.to_rfc3339()),
            pending: status.pending.map(|p| PendingEnrolmentView {
                secret: p.secret,
                uri: p.uri,
                qr_svg: p.qr_svg,
            }),
            recovery_codes_left: status.recovery_codes_left,
            required,
            enrolment_code_needed,
            fresh_codes,
        })
    })
    .await
}

/// Begins (or begins again) an enrolment: a new secret, shown on the page until confirmed.
#[server(endpoint = "second_factor_begin")]
pub async fn begin_second_factor() -> Result<(), AppError> {
    use crate::server::{context, totp};
    let result = async {
        let (who, _) = holder()?;
        totp::begin_enrolment(
            &context::db()?,
            &who,
            &context::request_meta(),
            issuer(),
            context::now(),
        )
        .await
        .map(|_| ())
    }
    .await;
    context::conclude(SECOND_FACTOR_PAGE, result)
}

/// Confirms the pending enrolment with a code from the app (and, where the role must have a second
/// factor, the security administrator's one-time enrolment code); the page then shows the recovery
/// codes. With `revoke_tokens` (the form's box, ticked unless unticked) the person's API tokens,
/// made before the second factor protected the account, are revoked too (issue 15, item 6).
#[server(endpoint = "second_factor_confirm")]
pub async fn confirm_second_factor(
    code: String,
    #[server(default)] enrolment_code: String,
    #[server(default)] revoke_tokens: String,
) -> Result<(), AppError> {
    use crate::server::{context, totp};
    let result = async {
        let (who, _) = holder()?;
        let uc = crate::server::use_case::UseCase::new(
            context::db()?,
            who,
            context::request_meta(),
            context::now(),
        );
        let revoke = !revoke_tokens.is_empty();
        let codes =
            totp::confirm_enrolment(&uc, &code, &enrolment_code, revoke, &settings()?).await?;
        pass_codes(&codes);
        Ok(())
    }
    .await;
    match result {
        Ok(()) => context::conclude(&format!("{SECOND_FACTOR_PAGE}?enabled=1"), Ok(())),
        Err(error) => context::conclude(SECOND_FACTOR_PAGE, Err(error)),
    }
}

/// Turns the person's second factor off, on a current code or their password.
#[server(endpoint = "second_factor_disable")]
pub async fn disable_second_factor(code: String, password: String) -> Result<(), AppError> {
    use crate::server::{context, totp};
    let result = async {
        let who = context::require_user()?;
        totp::disable_own(
            &context::db()?,
            &who,
            &context::request_meta(),
            &code,
            &password,
            &settings()?,
            context::now(),
        )
        .await
    }
    .await;
    match result {
        Ok(()) => context::conclude(&format!("{SECOND_FACTOR_PAGE}?disabled=1"), Ok(())),
        Err(error) => context::conclude(SECOND_FACTOR_PAGE, Err(error)),
    }
}

/// Replaces the person's recovery codes, on a current code; the page then shows the new ones.
#[server(endpoint = "second_factor_recovery_codes")]
pub async fn regenerate_recovery_codes(code: String) -> Result<(), AppError> {
    use crate::server::{context, totp};
    let result = async {
        let who = context::require_user()?;
        let codes = totp::regenerate_recovery_codes(
            &context::db()?,
            &who,
            &context::request_meta(),
            &code,
            &settings()?,
            context::now(),
        )
        .await?;
        pass_codes(&codes);
        Ok(())
    }
    .await;
    match result {
        Ok(()) => context::conclude(&format!("{SECOND_FACTOR_PAGE}?regenerated=1"), Ok(())),
        Err(error) => context::conclude(SECOND_FACTOR_PAGE, Err(error)),
    }
}
