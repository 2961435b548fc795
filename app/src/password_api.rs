//! Server functions of the password page: what the page shows, changing one's own password, and
//! signing out everywhere. Plain form posts (see [`crate::server::context::conclude`]), so the page
//! works without JavaScript. These are the only server functions a person whose password must be
//! changed may call ([`ALLOWED_WHILE_CHANGE_REQUIRED`]); the session layer refuses the others.
#[cfg(feature = "ssr")]
use crate::domain::password::ChangeReason;
use crate::error::AppError;
use leptos::prelude::*;

/// The paths of the server functions below, which the session layer lets through while a person
/// must change their password.
pub const ALLOWED_WHILE_CHANGE_REQUIRED: [&str; 3] = [
    <FetchPasswordView as leptos::server_fn::ServerFn>::PATH,
    <ChangePassword as leptos::server_fn::ServerFn>::PATH,
    <SignOutEverywhere as leptos::server_fn::ServerFn>::PATH,
];

pub use crate::model::PasswordView;

/// The signed-in person, whether or not they must change their password first, and why.
#[cfg(feature = "ssr")]
fn holder() -> Result<(crate::model::SessionUser, Option<ChangeReason>), AppError> {
    use crate::server::{auth::PendingPasswordChange, context};
    if let Some(user) = context::session_user() {
        return Ok((user, None));
    }
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PendingPasswordChange>().cloned())
        .map(|pending| (pending.user, Some(pending.reason)))
        .ok_or(AppError::Unauthenticated)
}

/// The use case of the person holding the session, also while they must change their password.
#[cfg(feature = "ssr")]
fn holder_case() -> Result<crate::server::use_case::UseCase, AppError> {
    use crate::server::context;
    let (who, _) = holder()?;
    Ok(crate::server::use_case::UseCase::new(
        context::db()?,
        who,
        context::request_meta(),
        context::now(),
    ))
}

/// Sets (or, with an empty token, clears) the session cookie on the response.
#[cfg(feature = "ssr")]
fn set_session_cookie(token: &str, secure: bool) {
    let cookie = crate::server::auth::session_cookie(token, secure);
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&cookie),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

#[server(endpoint = "password")]
pub async fn fetch_password_view() -> Result<PasswordView, AppError> {
    use crate::server::{context, passwords};
    context::respond(async {
        let (who, reason) = holder()?;
        let db = context::db()?;
        let settings = context::auth_settings()?;
        let policy = passwords::effective(&db, &settings.passwords).await?;
        passwords::view(&db, who.id, reason, &policy).await
    })
    .await
}

/// Changes the signed-in person's password. On success this browser gets a new session (all the
/// person's sessions end, and their API tokens are revoked) and the page says so.
#[server(endpoint = "password_change")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    repeat_password: String,
) -> Result<(), AppError> {
    use crate::server::{auth::SessionToken, context, passwords::*};
    let change = PasswordChange {
        current: current_password,
        new: new_password,
        repeat: repeat_password,
    };
    context::step_in(holder_case(), "/account/password", |uc| async move {
        let settings = context::auth_settings()?;
        let SessionToken(token) = change_own(&uc, change, &settings).await?;
        set_session_cookie(&token, settings.secure_cookies);
        Ok("/account/password?changed=1".to_string())
    })
    .await
}

/// Ends every session of the signed-in person, this one included, and clears the cookie; with
/// `revoke_tokens` (the form's box, ticked unless the person unticks it) their API tokens are
/// revoked too (issue 15, item 6).
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere(#[server(default)] revoke_tokens: String) -> Result<(), AppError> {
    use crate::server::{auth, context};
    context::step_in(holder_case(), "/account/password", |uc| async move {
        let settings = context::auth_settings()?;
        auth::sign_out_everywhere(&uc, !revoke_tokens.is_empty()).await?;
        set_session_cookie("", settings.secure_cookies);
        Ok("/login?signed_out=1".to_string())
    })
    .await
}
