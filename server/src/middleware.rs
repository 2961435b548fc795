//! Layers every request passes: who and where it comes from, metrics, the cross-site check, the
//! session, and the sign-in requirement for pages.
use crate::routes::error_page;
use crate::startup::AppState;
use app::error::AppError;
use app::i18n::{Locale, Msg};
use app::server::auth::{self, SESSION_COOKIE, SessionToken};
use app::server::context::RequestMeta;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use std::time::Instant;

/// The value of one cookie in a request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

/// Records the source address and request id for audit events.
pub async fn request_meta(mut req: Request, next: Next) -> Response {
    let source_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    req.extensions_mut().insert(RequestMeta {
        source_ip,
        request_id,
    });
    next.run(req).await
}

/// Counts requests and their latency by method, route and status.
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let response = next.run(req).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Whether a state-changing request comes from this site. Browsers send `Sec-Fetch-Site` and
/// `Origin` on every cross-site POST; a request with neither is not from a browser page, so it
/// cannot ride on a visitor's cookies.
fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    match headers.get(header::ORIGIN) {
        None => false,
        Some(origin) => {
            let origin = origin.to_str().unwrap_or("null");
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            origin == "null" || host.is_none() || origin_host != host
        }
    }
}

/// Refuses cross-site requests that could change something (CSRF). Leptos server functions do no
/// such check themselves, so every non-GET request passes here.
pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_site(req.headers()) {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-site request refused");
        let locale = Locale::from_headers(req.headers());
        return error_page(StatusCode::FORBIDDEN, locale, locale.t(Msg::ErrorCrossSite));
    }
    next.run(req).await
}

/// Resolves the session cookie to the signed-in person and puts both into the request's extensions.
pub async fn resolve_session(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        let now = state.clock.now();
        match auth::resolve_session(&state.db, &token, state.config.sessions, now).await {
            Ok(Some(user)) => {
                req.extensions_mut().insert(user);
                req.extensions_mut().insert(SessionToken(token));
            }
            Ok(None) => {}
            Err(error) => {
                let locale = Locale::from_headers(req.headers());
                return error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    locale,
                    &error.message(locale),
                );
            }
        }
    }
    next.run(req).await
}

/// Paths anyone may fetch without signing in.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login" | "/healthz" | "/metrics" | "/favicon.ico" | "/favicon.svg"
    ) || path.starts_with("/pkg/")
        || path.starts_with("/api/")
}

/// Sends a signed-out reader of a page to the sign-in page (server functions answer 401 themselves).
pub async fn require_sign_in(req: Request, next: Next) -> Response {
    let signed_in = req.extensions().get::<app::model::SessionUser>().is_some();
    let path = req.uri().path();
    if req.method() == Method::GET && !signed_in && !is_public(path) {
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let location = if target == "/" {
            "/login".to_string()
        } else {
            format!("/login?next={}", urlencode(target))
        };
        return Redirect::to(&location).into_response();
    }
    if req.method() == Method::GET && signed_in && path == "/login" {
        return Redirect::to("/").into_response();
    }
    next.run(req).await
}

pub fn urlencode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Maps an error outside Leptos to a translated page with its status.
pub fn app_error_response(error: &AppError, locale: Locale) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error_page(status, locale, &error.message(locale))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn same_origin_requests_pass() {
        assert!(!is_cross_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_cross_site(&headers(&[])));
    }

    #[test]
    fn cross_site_null_and_mismatched_origins_are_refused() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let h = headers(&[("cookie", "a=1; registry_session=abc; lang=en")]);
        assert_eq!(cookie(&h, "registry_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
