//! Server functions of the password page: what the page shows, changing one's own password, and
//! signing out everywhere. Plain form posts (see [`crate::server::context::conclude`]), so the page
//! works without JavaScript. These are the only server functions a person whose password must be
//! changed may call ([`ALLOWED_WHILE_CHANGE_REQUIRED`]); the session layer refuses the others.
use crate::domain::password::ChangeReason;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The paths of the server functions below, which the session layer lets through while a person
/// must change their password.
pub const ALLOWED_WHILE_CHANGE_REQUIRED: [&str; 3] = [
    <FetchPasswordView as leptos::server_fn::ServerFn>::PATH,
    <ChangePassword as leptos::server_fn::ServerFn>::PATH,
    <SignOutEverywhere as leptos::server_fn::ServerFn>::PATH,
];

/// What the password page shows: why a change is required (if it is), the rules, and when the
/// password was set and must next be changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordView {
    pub username: String,
    pub reason: Option<ChangeReason>,
    pub min_length: usize,
    pub min_classes: u8,
    pub history: usize,
    /// None: passwords do not expire.
    pub max_age_days: Option<i64>,
    /// RFC 3339.
    pub changed_at: String,
    pub due_at: Option<String>,
}

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

/// The deployment's rules, which the session layer puts into every request.
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
    use crate::server::context;
    use crate::server::entities::user;
    use sea_orm::EntityTrait;
    context::respond(async {
        let (who, reason) = holder()?;
        let policy =
            crate::server::passwords::effective(&context::db()?, &settings()?.passwords).await?;
        let person = user::Entity::find_by_id(who.id)
            .one(&context::db()?)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(PasswordView {
            username: person.username,
            reason,
            min_length: policy.rules.min_length(),
            min_classes: policy.rules.min_classes(),
            history: policy.history,
            max_age_days: policy.max_age.map(|age| age.num_days()),
            changed_at: person.password_changed_at.to_rfc3339(),
            due_at: policy
                .max_age
                .map(|age| (person.password_changed_at + age).to_rfc3339()),
        })
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
    use crate::server::{context, passwords};
    let result = async {
        let (who, _) = holder()?;
        let settings = settings()?;
        let change = passwords::PasswordChange {
            current: current_password,
            new: new_password,
            repeat: repeat_password,
        };
        let crate::server::auth::SessionToken(token) = passwords::change_own(
            &context::db()?,
            &who,
            &context::request_meta(),
            change,
            &settings,
            context::now(),
        )
        .await?;
        set_session_cookie(&token, settings.secure_cookies);
        Ok(())
    }
    .await;
    match result {
        Ok(()) => context::conclude("/account/password?changed=1", Ok(())),
        Err(error) => context::conclude("/account/password", Err(error)),
    }
}

/// Ends every session of the signed-in person, this one included, and clears the cookie; with
/// `revoke_tokens` (the form's box, ticked unless the person unticks it) their API tokens are
/// revoked too (issue 15, item 6).
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere(#[server(default)] revoke_tokens: String) -> Result<(), AppError> {
    use crate::server::{auth, context};
    let result = async {
        let (who, _) = holder()?;
        let settings = settings()?;
        let (db, meta) = (context::db()?, context::request_meta());
        auth::sign_out_everywhere(&db, &who, &meta, !revoke_tokens.is_empty(), context::now())
            .await?;
        set_session_cookie("", settings.secure_cookies);
        Ok(())
    }
    .await;
    match result {
        Ok(()) => context::conclude("/login?signed_out=1", Ok(())),
        Err(error) => context::conclude("/account/password", Err(error)),
    }
}
