//! Routes outside Leptos: sign-in, sign-out and the language switch (plain form posts that work the
//! same with and without JavaScript), and the operations endpoints.
use crate::middleware::{SECOND_FACTOR_SIGN_IN, app_error_response, urlencode};
use crate::startup::AppState;
use app::error::AppError;
use app::i18n::{LOCALE_COOKIE, Locale, Msg};
use app::model::SessionUser;
use app::server::auth::{
    self, AuthSettings, PendingEnrolment, PendingPasswordChange, PendingSecondFactor, SessionToken,
    SignedIn,
};
use app::server::use_case::RequestMeta;
use axum::Form;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A small translated page for errors met outside the Leptos app.
pub fn error_page(status: StatusCode, locale: Locale, message: &str) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let body = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\"><link rel=\"stylesheet\" href=\"/pkg/registry.css\"></head>\
         <body><main id=\"main\"><h1>{title}</h1><p role=\"alert\">{message}</p>\
         <p><a href=\"/\">{back}</a></p></main></body></html>",
        lang = locale.tag(),
        title = escape(locale.t(Msg::AppTitle)),
        message = escape(message),
        back = escape(locale.t(Msg::NotfoundBack)),
    );
    (status, Html(body)).into_response()
}

pub use crate::local_path::safe_next;

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

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// `POST /login`. A wrong password, an unknown user and a locked account get the very same
/// redirect. A person whose password must be changed goes to the change-password page instead of
/// `next`. A person with a second factor gets a half session (short-lived, good for nothing but the
/// second step) and goes to the second step, `next` kept.
pub async fn sign_in(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    previous: Option<Extension<SessionToken>>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let locale = Locale::from_headers(&headers);
    // After signing in, going back to the sign-in page would be a dead end.
    let next = match safe_next(form.next.as_deref()) {
        path if path.starts_with("/login") => "/".to_string(),
        path => path.to_string(),
    };
    if form.username.len() > 256 || form.password.len() > 1024 {
        return redirect_back_failed(&next);
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
    match auth::sign_in(
        &state.db,
        &form.username,
        &form.password,
        &meta,
        state.config.sessions,
        &policy,
        previous.as_ref().map(|Extension(token)| token),
        now,
    )
    .await
    {
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
        Ok(SignedIn {
            token: SessionToken(token),
            user,
            password_change,
            ..
        }) => {
            tracing::info!(user_id = user.id, role = %user.role, "signed in");
            let location = match password_change {
                Some(_) => crate::middleware::PASSWORD_PAGE,
                None => next.as_str(),
            };
            redirect_with_cookie(
                location,
                session_cookie_header(&token, state.config.secure_cookies),
            )
        }
        Err(AppError::Unauthenticated) => redirect_back_failed(&next),
        Err(error) => app_error_response(&error, locale),
    }
}

#[derive(Deserialize)]
pub struct SecondFactorForm {
    code: String,
    next: Option<String>,
}

/// `POST /login/second-factor`: the second step of sign-in, a code from the person's authenticator
/// app or one of their recovery codes, posted with the half session `POST /login` gave. The right
/// code ends the half session and opens a full one with a new id (ASVS 5.0.0 V7.2.4); a wrong,
/// replayed or stale code, a used recovery code and a locked account all come back to the same page
/// with the same answer, and count towards the lock. Without a half session: back to sign-in.
pub async fn second_factor_sign_in(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(settings): Extension<AuthSettings>,
    pending: Option<Extension<PendingSecondFactor>>,
    token: Option<Extension<SessionToken>>,
    headers: HeaderMap,
    Form(form): Form<SecondFactorForm>,
) -> Response {
    let locale = Locale::from_headers(&headers);
    let next = match safe_next(form.next.as_deref()) {
        path if path.starts_with("/login") => "/".to_string(),
        path => path.to_string(),
    };
    let (Some(Extension(pending)), Some(Extension(half))) = (pending, token) else {
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
    match app::server::totp::complete_sign_in(&state.db, &half, &form.code, &meta, &settings, now)
        .await
    {
        Ok(SignedIn {
            token: SessionToken(token),
            user,
            password_change,
            ..
        }) => {
            tracing::info!(user_id = user.id, role = %user.role, "signed in with a second factor");
            let location = match password_change {
                Some(_) => crate::middleware::PASSWORD_PAGE,
                None => next.as_str(),
            };
            redirect_with_cookie(
                location,
                session_cookie_header(&token, state.config.secure_cookies),
            )
        }
        Err(AppError::Unauthenticated) => failed(),
        Err(error) => app_error_response(&error, locale),
    }
}

fn redirect_back_failed(next: &str) -> Response {
    let location = if next == "/" {
        "/login?error=1".to_string()
    } else {
        format!("/login?error=1&next={}", urlencode(next))
    };
    Redirect::to(&location).into_response()
}

/// `POST /logout`: ends this session and clears its cookie (also for a person who has yet to change
/// their password, give their second factor or enrol one).
pub async fn sign_out(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
) -> Response {
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
    let headers = &parts.headers;
    if let (Some(user), Some(SessionToken(token))) = (user, token) {
        let now = state.clock.now();
        if let Err(error) = auth::sign_out(&state.db, &token, &user, &meta, now).await {
            return app_error_response(&error, Locale::from_headers(headers));
        }
    }
    redirect_with_cookie(
        "/login?signed_out=1",
        session_cookie_header("", state.config.secure_cookies),
    )
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    next: Option<String>,
}

/// `POST /lang`: keeps the chosen language in a cookie for a year.
pub async fn switch_language(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    Form(form): Form<LanguageForm>,
) -> Response {
    let locale = Locale::parse(&form.lang).unwrap_or_default();
    // Signed in: their e-mail notices follow the language they chose.
    if let Some(Extension(user)) = user
        && let Err(error) =
            app::server::auth::set_locale(&state.db, &user, &meta, locale, state.clock.now()).await
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

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(error) => {
            tracing::error!(error = %error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// `GET /metrics`: Prometheus text format; with `METRICS_TOKEN` set, only for that bearer token.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.config.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Compared as digests: the time taken says nothing about how much of the token matched.
        use sha2::{Digest, Sha256};
        if Sha256::digest(given.trim().as_bytes()) != Sha256::digest(expected.as_bytes()) {
            tracing::warn!("metrics refused: no or a wrong METRICS_TOKEN");
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "",
            )
                .into_response();
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
