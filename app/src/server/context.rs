//! What server functions take from the request: the database, the signed-in person, the source address.
use super::use_case::{Clock, RequestMeta, UseCase};
use crate::error::AppError;
use crate::model::{Flash, SessionUser};
use chrono::{DateTime, Utc};
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use sea_orm::DatabaseConnection;

/// Shared state the server provides to every render and server function.
#[derive(Clone, Debug)]
pub struct AppContext {
    pub db: DatabaseConnection,
    pub clock: Clock,
    /// Where attachments are kept (outside the database).
    pub attachments_dir: std::path::PathBuf,
    /// The site is served over HTTPS: cookies carry `Secure`.
    pub secure_cookies: bool,
}

pub fn db() -> Result<DatabaseConnection, AppError> {
    use_context::<AppContext>()
        .map(|ctx| ctx.db)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no AppContext provided")))
}

/// The session layer puts the signed-in person into the request's extensions.
pub fn session_user() -> Option<SessionUser> {
    use_context::<Parts>()?
        .extensions
        .get::<SessionUser>()
        .cloned()
}

/// The signed-in person, or `Unauthenticated` with the response's status set to 401 (so a server
/// function that returns early with `?` still answers with the right status).
pub fn require_user() -> Result<SessionUser, AppError> {
    session_user().ok_or_else(|| {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(http::StatusCode::UNAUTHORIZED);
        }
        AppError::Unauthenticated
    })
}

pub fn request_meta() -> RequestMeta {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<RequestMeta>().cloned())
        .unwrap_or_default()
}

/// Now, from the server's clock.
pub fn now() -> DateTime<Utc> {
    use_context::<AppContext>()
        .map(|ctx| ctx.clock.now())
        .unwrap_or_else(Utc::now)
}

/// The use case of a server function: the database, the signed-in person (or 401) with their
/// request, and now.
pub fn use_case() -> Result<UseCase, AppError> {
    Ok(UseCase::new(db()?, require_user()?, request_meta(), now()))
}

/// The use case of someone not signed in (signing in).
pub fn visit() -> Result<UseCase<super::use_case::Visitor>, AppError> {
    Ok(UseCase::visitor(db()?, request_meta(), now()))
}

/// A server function that answers with data: builds its use case, runs `body`, and gives a
/// failure its HTTP status.
pub async fn serve<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(UseCase) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    respond(async { body(use_case()?).await }).await
}

/// A server function that takes a step posted from a page: builds its use case, runs `body`, and
/// concludes at `path` ([`conclude`]).
pub async fn step<F, Fut>(path: &str, body: F) -> Result<(), AppError>
where
    F: FnOnce(UseCase) -> Fut,
    Fut: Future<Output = Result<(), AppError>>,
{
    step_to(path, path, body).await
}

/// [`step`], landing on `done` when it succeeds and back on `back` (with the error) when not.
pub async fn step_to<F, Fut>(done: &str, back: &str, body: F) -> Result<(), AppError>
where
    F: FnOnce(UseCase) -> Fut,
    Fut: Future<Output = Result<(), AppError>>,
{
    // Signed out: 401 with the error, as before any step is taken (not a redirect).
    let case = match use_case() {
        Ok(case) => case,
        Err(error) => {
            set_error_status(&error);
            return Err(error);
        }
    };
    match body(case).await {
        Ok(()) => conclude(done, Ok(())),
        Err(error) => conclude(back, Err(error)),
    }
}

/// A step whose body names where to land when it succeeds (a page with what changed in its query:
/// `?updated=7`); any failure, being signed out included, lands back on `back` with the error
/// ([`conclude`]).
pub async fn step_then<F, Fut>(back: &str, body: F) -> Result<(), AppError>
where
    F: FnOnce(UseCase) -> Fut,
    Fut: Future<Output = Result<String, AppError>>,
{
    step_in(use_case(), back, body).await
}

/// [`step_then`] for a use case built otherwise (a person who must change their password first,
/// someone signing in).
pub async fn step_in<A, F, Fut>(
    case: Result<UseCase<A>, AppError>,
    back: &str,
    body: F,
) -> Result<(), AppError>
where
    F: FnOnce(UseCase<A>) -> Fut,
    Fut: Future<Output = Result<String, AppError>>,
{
    let result = match case {
        Ok(case) => body(case).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(done) => conclude(&done, Ok(())),
        Err(error) => conclude(back, Err(error)),
    }
}

/// Ends a step posted from a page: a plain HTML form (which accepts `text/html`) is redirected to
/// `path`, with the error handed over in the flash cookie for the page to show ([`set_flash`]);
/// other callers get the error and its HTTP status.
pub fn conclude(path: &str, result: Result<(), AppError>) -> Result<(), AppError> {
    let from_form = use_context::<Parts>()
        .and_then(|p| {
            p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false);
    match result {
        Ok(()) => {
            leptos_axum::redirect(path);
            Ok(())
        }
        Err(error) if from_form => {
            set_flash(&Flash {
                error: Some(error),
                done: None,
                ..Default::default()
            });
            leptos_axum::redirect(path);
            Ok(())
        }
        Err(error) => {
            set_error_status(&error);
            Err(error)
        }
    }
}

/// Runs a server function's body and gives a failure its HTTP status.
pub async fn respond<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(error) = &result {
        set_error_status(error);
    }
    result
}

/// Gives the response the status of `error` (and its `Retry-After`, when it passes).
fn set_error_status(error: &AppError) {
    let Some(response) = use_context::<ResponseOptions>() else {
        return;
    };
    if let Ok(status) = http::StatusCode::from_u16(error.status()) {
        response.set_status(status);
    }
    if let Some(seconds) = error.retry_after() {
        response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
    }
}

/// Sets a cookie on the response: `HttpOnly`, `SameSite=Strict`, limited to `path`, for
/// `max_age_seconds` (`Secure` when the site is served over HTTPS).
pub fn set_cookie(name: &str, value: &str, path: &str, max_age_seconds: i64) {
    let secure = use_context::<AppContext>().is_some_and(|ctx| ctx.secure_cookies);
    let cookie = format!(
        "{name}={value}; Path={path}; Max-Age={max_age_seconds}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    );
    if let (Some(response), Ok(header)) = (
        use_context::<ResponseOptions>(),
        http::HeaderValue::from_str(&cookie),
    ) {
        response.append_header(http::header::SET_COOKIE, header);
    }
}

/// A cookie of the request, cleared on the response so it is read only once.
pub fn take_cookie(name: &str, path: &str) -> Option<String> {
    let value = use_context::<Parts>()?
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())?;
    set_cookie(name, "", path, 0);
    Some(value)
}

/// How long a flash waits for its page: the redirect is followed at once.
const FLASH_SECONDS: i64 = 60;

/// Hands `flash` to the page a form post's redirect lands on (issue 17, item 3). The server's
/// flash layer reads it into the request of that page ([`flash`]) and clears it.
pub fn set_flash(flash: &Flash) {
    set_cookie(Flash::COOKIE, &flash.to_cookie(), "/", FLASH_SECONDS);
}

/// What the form post that led to this page handed over, if anything.
pub fn flash() -> Option<Flash> {
    use_context::<Parts>()?.extensions.get::<Flash>().cloned()
}

/// Sets the status of the page being rendered (a page that refuses its reader says so with 403).
pub fn set_status(status: http::StatusCode) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(status);
    }
}

/// The deployment's configured password policy (`PASSWORD_*`, `LOCKOUT_*`), which the session layer
/// puts into every request; the policy in force is this with the security administrator's figures
/// over it ([`super::passwords::effective`]).
pub fn configured_passwords() -> Result<super::settings::PasswordPolicy, AppError> {
    use_context::<Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<super::settings::AuthSettings>()
                .map(|settings| settings.passwords)
        })
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no AuthSettings in the request")))
}

/// The password policy in force for a use case: the configured one with the security
/// administrator's figures over it.
#[tracing::instrument(skip_all, fields(use_case = "context.password_policy"))]
pub async fn password_policy(uc: &UseCase) -> Result<super::settings::PasswordPolicy, AppError> {
    super::passwords::effective(uc.db(), &configured_passwords()?).await
}

/// The deployment's sign-in settings, which the session layer puts into every request.
pub fn auth_settings() -> Result<super::settings::AuthSettings, AppError> {
    use_context::<Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<super::settings::AuthSettings>()
                .cloned()
        })
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no AuthSettings in the request")))
}
