//! Routes outside Leptos: sign-in, sign-out and the language switch (plain form posts that work the
//! same with and without JavaScript; their flow is [`crate::signing`]'s), and the operations
//! endpoints.
use crate::signing::{self, LanguageForm, SecondFactorForm, SignInForm};
use crate::startup::AppState;
use app::i18n::{Locale, Msg};
use app::model::SessionUser;
use app::server::auth::{AuthSettings, PendingSecondFactor, SessionToken};
use app::server::use_case::RequestMeta;
use axum::Form;
use axum::extract::{Extension, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

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

/// `POST /login`: the first step of sign-in ([`signing::password`]).
pub async fn sign_in(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    previous: Option<Extension<SessionToken>>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let previous = previous.map(|Extension(token)| token);
    signing::password(
        &state,
        &meta,
        previous,
        Locale::from_headers(&headers),
        form,
    )
    .await
}

/// `POST /login/second-factor`: the second step of sign-in ([`signing::second_factor`]).
pub async fn second_factor_sign_in(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(settings): Extension<AuthSettings>,
    pending: Option<Extension<PendingSecondFactor>>,
    token: Option<Extension<SessionToken>>,
    headers: HeaderMap,
    Form(form): Form<SecondFactorForm>,
) -> Response {
    let half = pending
        .zip(token)
        .map(|(Extension(p), Extension(t))| (p, t));
    let locale = Locale::from_headers(&headers);
    signing::second_factor(&state, &meta, &settings, half, locale, form).await
}

/// `POST /logout`: ends this session and clears its cookie ([`signing::sign_out`]).
pub async fn sign_out(State(state): State<AppState>, parts: Parts) -> Response {
    signing::sign_out(&state, &parts).await
}

/// `POST /lang`: keeps the chosen language in a cookie for a year ([`signing::language`]).
pub async fn switch_language(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    Form(form): Form<LanguageForm>,
) -> Response {
    signing::language(&state, &meta, user.map(|Extension(user)| user), form).await
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
    if !metrics_allowed(&state, &headers) {
        tracing::warn!("metrics refused: no or a wrong METRICS_TOKEN");
        let challenge = [(header::WWW_AUTHENTICATE, "Bearer")];
        return (StatusCode::UNAUTHORIZED, challenge, "").into_response();
    }
    let text = "text/plain; version=0.0.4; charset=utf-8";
    ([(header::CONTENT_TYPE, text)], state.metrics.render()).into_response()
}

/// Whether the request may read the metrics: always, unless `METRICS_TOKEN` is set; then only with
/// that bearer token (compared as digests: the time taken says nothing about how much matched).
fn metrics_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    use sha2::{Digest, Sha256};
    let Some(expected) = &state.config.metrics_token else {
        return true;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(expected.as_bytes())
}
