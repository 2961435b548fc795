//! The flow of signing in and out behind the plain form posts of [`crate::routes`]: the password
//! step, the second-factor step, signing out and the language switch. Each turns the outcome of
//! the service ([`app::server::auth`], [`app::server::totp`]) into a redirect and its cookie; a
//! wrong password, an unknown user and a locked account get the very same answer.
use crate::middleware::{SECOND_FACTOR_SIGN_IN, app_error_response, urlencode};
use crate::routes::safe_next;
use crate::startup::AppState;
use app::error::AppError;
use app::i18n::{LOCALE_COOKIE, Locale, Msg};
use app::model::SessionUser;
use app::server::auth::{
    self, AuthSettings, PendingEnrolment, PendingPasswordChange, PendingSecondFactor, SessionToken,
    SignedIn,
};
use app::server::use_case::RequestMeta;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct SecondFactorForm {
    code: String,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    next: Option<String>,
}

/// Where a person lands once signed in when they were not on their way to a page.
pub const HOME: &str = "/todo";

/// Where to go once signed in: `next` when it is a local path, but not back to the sign-in page
/// (a dead end after signing in).
fn after_sign_in(next: Option<&str>) -> String {
    match safe_next(next) {
        path if path.starts_with("/login") => "/".to_string(),
        path => path.to_string(),
    }
}

/// The password step (`POST /login`). A wrong password, an unknown user and a locked account get
/// the very same redirect. A person whose password must be changed goes to the change-password
/// page instead of `next`. A person with a second factor gets a half session (short-lived, good
/// for nothing but the second step) and goes to the second step, `next` kept.
pub async fn password(
    state: &AppState,
    meta: &RequestMeta,
    previous: Option<SessionToken>,
    locale: Locale,
    form: SignInForm,
) -> Response {
    let next = after_sign_in(form.next.as_deref());
    if form.username.len() > 256 || form.password.len() > 1024 {
        return redirect_back_failed(state, &next, "");
    }
    // Beside the per-address limit: guessing at one account from many addresses.
    if let Err(seconds) = state.limits.usernames.check(&form.username) {
        tracing::warn!("sign-in attempts over the limit for this username");
        return crate::middleware::too_many_attempts(locale, Msg::LoginUserRateLimited, seconds);
    }
    let now = state.clock.now();
    // The security administrator's policy over the configured one: its lockout applies.
    let policy = match app::server::passwords::effective(&state.db, &state.config.passwords).await {
        Ok(policy) => policy,
        Err(error) => return app_error_response(&error, locale),
    };
    let outcome = auth::sign_in(
        &state.db,
        &form.username,
        &form.password,
        meta,
        state.config.sessions,
        &policy,
        previous.as_ref(),
        now,
    )
    .await;
    match outcome {
        Ok(SignedIn {
            token: SessionToken(token),
            user,
            second_factor_pending: true,
            ..
        }) => {
            tracing::info!(
                user_id = user.id,
                "password verified; second factor to come"
            );
            let location = if next == "/" {
                SECOND_FACTOR_SIGN_IN.to_string()
            } else {
                format!("{SECOND_FACTOR_SIGN_IN}?next={}", urlencode(&next))
            };
            redirect_with_cookie(
                &location,
                session_cookie_header(&token, state.config.secure_cookies),
            )
        }
        Ok(signed_in) => {
            tracing::info!(user_id = signed_in.user.id, role = %signed_in.user.role, "signed in");
            signed_in_to(state, signed_in, &next)
        }
        Err(AppError::Unauthenticated) => redirect_back_failed(state, &next, &form.username),
        Err(error) => app_error_response(&error, locale),
    }
}

/// A full session opened: to the change-password page when the password must change first, else
/// to `next`, with the new session's cookie.
fn signed_in_to(state: &AppState, signed_in: SignedIn, next: &str) -> Response {
    let SessionToken(token) = signed_in.token;
    // Without a page to return to, everyone starts on their to-do (issue 17, item 1).
    let location = match signed_in.password_change {
        Some(_) => crate::middleware::PASSWORD_PAGE,
        None if next == "/" => HOME,
        None => next,
    };
    redirect_with_cookie(
        location,
        session_cookie_header(&token, state.config.secure_cookies),
    )
}

/// The second step (`POST /login/second-factor`): a code from the person's authenticator app or
/// one of their recovery codes, posted with the half session the password step gave (`half`). The
/// right code ends the half session and opens a full one with a new id (ASVS 5.0.0 V7.2.4); a
/// wrong, replayed or stale code, a used recovery code and a locked account all come back to the
/// same page with the same answer, and count towards the lock. Without a half session: back to
/// sign-in.
pub async fn second_factor(
    state: &AppState,
    meta: &RequestMeta,
    settings: &AuthSettings,
    half: Option<(PendingSecondFactor, SessionToken)>,
    locale: Locale,
    form: SecondFactorForm,
) -> Response {
    let next = after_sign_in(form.next.as_deref());
    let Some((pending, half)) = half else {
        return Redirect::to("/login").into_response();
    };
    // The codes of one account count with its passwords, from whatever address.
    if let Err(seconds) = state.limits.usernames.check(&pending.user.username) {
        tracing::warn!("sign-in attempts over the limit for this username");
        return crate::middleware::too_many_attempts(locale, Msg::LoginUserRateLimited, seconds);
    }
    let failed = || {
        let location = if next == "/" {
            format!("{SECOND_FACTOR_SIGN_IN}?error=1")
        } else {
            format!("{SECOND_FACTOR_SIGN_IN}?error=1&next={}", urlencode(&next))
        };
        Redirect::to(&location).into_response()
    };
    if form.code.len() > 64 {
        return failed();
    }
    let now = state.clock.now();
    match app::server::totp::complete_sign_in(&state.db, &half, &form.code, meta, settings, now)
        .await
    {
        Ok(signed_in) => {
            let user = &signed_in.user;
            tracing::info!(user_id = user.id, role = %user.role, "signed in with a second factor");
            signed_in_to(state, signed_in, &next)
        }
        Err(AppError::Unauthenticated) => failed(),
        Err(error) => app_error_response(&error, locale),
    }
}

/// Back to the sign-in form, which says the sign-in failed, with the username typed back into it
/// (issue 17, item 4) through the flash: not in the address, where it would reach logs and history.
/// The password is never kept.
fn redirect_back_failed(state: &AppState, next: &str, username: &str) -> Response {
    let location = if next == "/" {
        "/login?error=1".to_string()
    } else {
        format!("/login?error=1&next={}", urlencode(next))
    };
    let username: String = username.trim().chars().take(64).collect();
    if username.is_empty() {
        return Redirect::to(&location).into_response();
    }
    let flash = app::model::Flash {
        kept: vec![("username".to_string(), username)],
        ..Default::default()
    };
    crate::middleware::redirect_with_flash(&location, &flash, state.config.secure_cookies)
}

/// Signing out (`POST /logout`): ends this session and clears its cookie (also for a person who
/// has yet to change their password, give their second factor or enrol one).
pub async fn sign_out(state: &AppState, parts: &Parts) -> Response {
    let extensions = &parts.extensions;
    let meta = extensions.get::<RequestMeta>().cloned().unwrap_or_default();
    let user = extensions
        .get::<SessionUser>()
        .cloned()
        .or_else(|| {
            extensions
                .get::<PendingPasswordChange>()
                .map(|p| p.user.clone())
        })
        .or_else(|| {
            extensions
                .get::<PendingSecondFactor>()
                .map(|p| p.user.clone())
        })
        .or_else(|| extensions.get::<PendingEnrolment>().map(|p| p.user.clone()));
    let token = extensions.get::<SessionToken>().cloned();
    if let (Some(user), Some(SessionToken(token))) = (user, token) {
        let uc =
            app::server::use_case::UseCase::new(state.db.clone(), user, meta, state.clock.now());
        if let Err(error) = auth::sign_out(&uc, &token).await {
            return app_error_response(&error, Locale::from_headers(&parts.headers));
        }
    }
    redirect_with_cookie(
        "/login?signed_out=1",
        session_cookie_header("", state.config.secure_cookies),
    )
}

/// The language switch (`POST /lang`): keeps the chosen language in a cookie for a year; a
/// signed-in person's e-mail notices follow it.
pub async fn language(
    state: &AppState,
    meta: &RequestMeta,
    user: Option<SessionUser>,
    form: LanguageForm,
) -> Response {
    let locale = Locale::parse(&form.lang).unwrap_or_default();
    if let Some(user) = user
        && let Err(error) =
            auth::set_locale(&state.db, &user, meta, locale, state.clock.now()).await
    {
        tracing::error!(error = %error, "recording the notice language");
    }
    let mut response = redirect_with_cookie(
        safe_next(form.next.as_deref()),
        cookie_header(
            LOCALE_COOKIE,
            locale.tag(),
            365 * 24 * 3600,
            state.config.secure_cookies,
        ),
    );
    // Lets the browser re-render in the new language instead of reusing a cached page.
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Cookie"));
    response
}

fn cookie_header(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("cookie values are ascii")
}

/// The session cookie (see [`auth::session_cookie`]); an empty token clears it.
fn session_cookie_header(token: &str, secure: bool) -> HeaderValue {
    HeaderValue::from_str(&auth::session_cookie(token, secure)).expect("session tokens are hex")
}

fn redirect_with_cookie(location: &str, cookie: HeaderValue) -> Response {
    let mut response = Redirect::to(location).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}
