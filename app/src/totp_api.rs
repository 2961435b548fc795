//! Server functions of the second-factor page (issue 8; RFC 6238): where the person's TOTP second
//! factor stands, beginning and confirming an enrolment, disabling it, and new recovery codes.
//! Plain form posts (see [`crate::server::context::conclude`]), so the page works without
//! JavaScript. Recovery codes reach the page they redirect to in a short-lived cookie that the page
//! reads and clears, as a new API token's secret does: never in an address, a log line or the
//! browser's history.
use crate::error::AppError;
use leptos::prelude::*;

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

pub use crate::model::{PendingEnrolmentView, SecondFactorView};

/// The use case of the person holding the session, also one who must enrol first, and whether
/// they must.
#[cfg(feature = "ssr")]
fn holder() -> Result<(crate::server::use_case::UseCase, bool), AppError> {
    use crate::server::{auth::PendingEnrolment, context, use_case::UseCase};
    let (who, required) = match context::session_user() {
        Some(user) => (user, false),
        None => use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<PendingEnrolment>().cloned())
            .map(|pending| (pending.user, true))
            .ok_or_else(|| {
                context::set_status(http::StatusCode::UNAUTHORIZED);
                AppError::Unauthenticated
            })?,
    };
    let uc = UseCase::new(context::db()?, who, context::request_meta(), context::now());
    Ok((uc, required))
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

/// The recovery codes just made, from their one-time cookie; only well-formed codes are shown
/// (the cookie is the browser's, not ours).
#[cfg(feature = "ssr")]
fn fresh_codes() -> Vec<String> {
    use crate::domain::totp::{RECOVERY_CODES, SecondFactorInput, display_recovery_code};
    let Some(value) = crate::server::context::take_cookie(FRESH_CODES_COOKIE, SECOND_FACTOR_PAGE)
    else {
        return Vec::new();
    };
    value
        .split('.')
        .filter_map(|code| match SecondFactorInput::parse(code) {
            Some(SecondFactorInput::Recovery(code)) => Some(display_recovery_code(&code)),
            _ => None,
        })
        .take(RECOVERY_CODES)
        .collect()
}

#[server(endpoint = "second_factor")]
pub async fn fetch_second_factor() -> Result<SecondFactorView, AppError> {
    use crate::server::{context, totp};
    context::respond(async {
        let (uc, required) = holder()?;
        let totp_required = context::auth_settings()?.totp_required;
        let view = totp::page(&uc, issuer(), required, totp_required).await?;
        Ok(SecondFactorView {
            fresh_codes: fresh_codes(),
            ..view
        })
    })
    .await
}

/// Begins (or begins again) an enrolment: a new secret, shown on the page until confirmed.
#[server(endpoint = "second_factor_begin")]
pub async fn begin_second_factor() -> Result<(), AppError> {
    use crate::server::{context, totp};
    context::step_in(
        holder().map(|(uc, _)| uc),
        SECOND_FACTOR_PAGE,
        |uc| async move {
            totp::begin_enrolment(&uc, issuer()).await?;
            Ok(SECOND_FACTOR_PAGE.to_string())
        },
    )
    .await
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
    context::step_in(
        holder().map(|(uc, _)| uc),
        SECOND_FACTOR_PAGE,
        |uc| async move {
            let (revoke, settings) = (!revoke_tokens.is_empty(), context::auth_settings()?);
            pass_codes(
                &totp::confirm_enrolment(&uc, &code, &enrolment_code, revoke, &settings).await?,
            );
            Ok(format!("{SECOND_FACTOR_PAGE}?enabled=1"))
        },
    )
    .await
}

/// Turns the person's second factor off, on a current code or their password.
#[server(endpoint = "second_factor_disable")]
pub async fn disable_second_factor(code: String, password: String) -> Result<(), AppError> {
    use crate::server::{context, totp};
    context::step_then(SECOND_FACTOR_PAGE, |uc| async move {
        totp::disable_own(&uc, &code, &password, &context::auth_settings()?).await?;
        Ok(format!("{SECOND_FACTOR_PAGE}?disabled=1"))
    })
    .await
}

/// Replaces the person's recovery codes, on a current code; the page then shows the new ones.
#[server(endpoint = "second_factor_recovery_codes")]
pub async fn regenerate_recovery_codes(code: String) -> Result<(), AppError> {
    use crate::server::{context, totp};
    context::step_then(SECOND_FACTOR_PAGE, |uc| async move {
        let codes = totp::regenerate_recovery_codes(&uc, &code, &context::auth_settings()?).await?;
        pass_codes(&codes);
        Ok(format!("{SECOND_FACTOR_PAGE}?regenerated=1"))
    })
    .await
}
