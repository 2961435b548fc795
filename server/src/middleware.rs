//! Layers every request passes: who and where it comes from, metrics, the cross-site check, the
//! session, and the sign-in requirement for pages.
use crate::api_v1::error::{ApiFailure, api_locale};
use crate::routes::error_page;
use crate::startup::AppState;
use app::error::AppError;
use app::i18n::{Locale, Msg};
use app::server::auth::{
    self, AuthSettings, PendingEnrolment, PendingPasswordChange, PendingSecondFactor,
    SessionStanding, SessionToken,
};
use app::server::use_case::{ReadLog, RequestMeta};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, SocketAddr};
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

/// Where a request comes from: the TCP peer, and the client, which is the peer itself unless the
/// peer is a trusted reverse proxy (`TRUSTED_PROXIES`; see [`crate::client_addr`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress {
    pub client: IpAddr,
    pub peer: IpAddr,
}

/// Finds the client ([`ClientAddress`]) and records it, the peer and the request id for audit
/// events ([`RequestMeta`]) and the request's log span.
pub async fn request_meta(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let address = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| {
            let peer = addr.ip().to_canonical();
            ClientAddress {
                client: state.config.trusted_proxies.client(peer, req.headers()),
                peer,
            }
        });
    if let Some(address) = address {
        tracing::Span::current().record("client", tracing::field::display(address.client));
        req.extensions_mut().insert(address);
    }
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    req.extensions_mut().insert(RequestMeta {
        source_ip: address.map(|a| a.client.to_string()),
        peer_ip: address.map(|a| a.peer.to_string()),
        request_id,
        token_id: None,
        reads: ReadLog::for_request(),
    });
    next.run(req).await
}

/// An `X-Request-Id` a client sent. The server always makes its own id (which the audit trail
/// stores and the response carries); the client's is kept only to be logged beside it, cut to 64
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRequestId(pub String);

/// Takes a client's `X-Request-Id` off the request (into [`ClientRequestId`]), so that the
/// request-id layer after it always makes a new one.
pub async fn set_aside_client_request_id(mut req: Request) -> Request {
    if let Some(value) = req.headers_mut().remove("x-request-id") {
        let text = String::from_utf8_lossy(value.as_bytes());
        let id = text.chars().take(64).collect();
        req.extensions_mut().insert(ClientRequestId(id));
    }
    req
}

/// How long an upload, an import or an export may take, whatever `REQUEST_TIMEOUT_SECONDS` says.
pub const LONG_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// Requests that move whole files: attachment uploads, register imports and exports.
fn is_long_running(method: &Method, path: &str) -> bool {
    let upload = *method == Method::POST
        && (path == "/admin/import"
            || (path.starts_with("/filings/") && path.ends_with("/attachments")));
    let export = ["/exports/", "/reports/", "/api/v1/exports/"]
        .iter()
        .any(|prefix| path.starts_with(prefix));
    upload || export
}

/// Cuts off a request that takes longer than `REQUEST_TIMEOUT_SECONDS` (uploads, imports and
/// exports: [`LONG_REQUEST_TIMEOUT`]) with 503 and `Retry-After`: its work is dropped, and with it
/// any transaction it had open. Together with the header-read limit of the listener, a client
/// cannot hold a request open indefinitely by sending its body slowly (OWASP ASVS 5.0 15.2.2).
/// The body of a response, once begun (a streamed CSV export), is not limited.
pub async fn limit_request_time(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let limit = if is_long_running(req.method(), req.uri().path()) {
        LONG_REQUEST_TIMEOUT.max(state.config.request_timeout)
    } else {
        state.config.request_timeout
    };
    let api = is_api(req.uri().path());
    let locale = if api {
        api_locale(req.headers())
    } else {
        Locale::from_headers(req.headers())
    };
    let path = req.uri().path().to_string();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                path,
                seconds = limit.as_secs(),
                "request took too long: cut off"
            );
            if api {
                ApiFailure::App(AppError::Busy).render(locale)
            } else {
                app_error_response(&AppError::Busy, locale)
            }
        }
    }
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
        if is_api(req.uri().path()) {
            return ApiFailure::CrossSite.render(api_locale(req.headers()));
        }
        let locale = Locale::from_headers(req.headers());
        return error_page(StatusCode::FORBIDDEN, locale, locale.t(Msg::ErrorCrossSite));
    }
    next.run(req).await
}

/// Whether a path belongs to the JSON API.
fn is_api(path: &str) -> bool {
    path == crate::api_v1::PREFIX || path.starts_with(&format!("{}/", crate::api_v1::PREFIX))
}

/// The client's address ([`ClientAddress`], found by [`request_meta`]).
fn client_ip(req: &Request) -> Option<IpAddr> {
    req.extensions().get::<ClientAddress>().map(|a| a.client)
}

/// The token of an `Authorization: Bearer` header (`Some("")` for a malformed one).
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?;
    let text = value.to_str().unwrap_or("").trim();
    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    Some(if scheme.eq_ignore_ascii_case("bearer") {
        token.trim().to_string()
    } else {
        String::new()
    })
}

/// Limits sign-in attempts and the token endpoints per client address, each in limiters of their
/// own ([`crate::rate_limit::AuthLimiters`]); a bearer token that does not authenticate counts
/// against the token endpoints' (see [`resolve_session`]). The per-username limit on sign-in is
/// applied where the username is read (`routes::sign_in`, `routes::second_factor_sign_in`).
pub async fn limit_auth_attempts(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    // The second step of sign-in counts too: guessing codes is guessing passwords.
    let sign_in = req.method() == Method::POST && matches!(path, "/login" | SECOND_FACTOR_SIGN_IN);
    let tokens = is_token_endpoint(path);
    let limiter = match (sign_in, tokens) {
        (true, _) => &state.limits.sign_in,
        (_, true) => &state.limits.tokens,
        _ => return next.run(req).await,
    };
    if let Err(seconds) = limiter.check(client_ip(&req)) {
        tracing::warn!(
            path,
            "authentication attempts over the limit for this address"
        );
        if tokens {
            return ApiFailure::RateLimited {
                retry_after_seconds: seconds,
            }
            .render(api_locale(req.headers()));
        }
        let locale = Locale::from_headers(req.headers());
        return too_many_attempts(locale, Msg::ApiRateLimited, seconds);
    }
    next.run(req).await
}

/// The page that refuses an attempt over a limit: 429, with the seconds to wait in the text
/// (`message`, which has a `{seconds}`) and in `Retry-After`.
pub fn too_many_attempts(locale: Locale, message: Msg, seconds: u64) -> Response {
    let mut response = error_page(
        StatusCode::TOO_MANY_REQUESTS,
        locale,
        &locale.tf(message, &[("seconds", &seconds.to_string())]),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The token endpoints, which [`limit_auth_attempts`] counts on every request.
fn is_token_endpoint(path: &str) -> bool {
    path == "/api/v1/tokens" || path.starts_with("/api/v1/tokens/")
}

/// Resolves the session cookie (or, for the JSON API, an `Authorization: Bearer` token) to the
/// signed-in person and puts them into the request's extensions: a [`app::model::SessionUser`],
/// or, when their password must be changed first, a [`PendingPasswordChange`] (which
/// [`require_sign_in`] confines to the change-password page); a half session whose second factor
/// is still to come a [`PendingSecondFactor`] (confined to the second step of sign-in), and a
/// person who must enrol a second factor first (`TOTP_REQUIRED`) a [`PendingEnrolment`] (confined
/// to the second-factor page). A bearer token that does not
/// authenticate is refused outright (never a fallback to the cookie) and counts against the
/// address's token attempts (never its sign-in attempts). The deployment's [`AuthSettings`] go into every request.
pub async fn resolve_session(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let settings = AuthSettings {
        sessions: state.config.sessions,
        passwords: state.config.passwords,
        secure_cookies: state.config.secure_cookies,
        totp_required: state.config.totp_required,
    };
    req.extensions_mut().insert(settings);
    if is_api(req.uri().path())
        && let Some(token) = bearer(req.headers())
    {
        let now = state.clock.now();
        let locale = api_locale(req.headers());
        match app::server::tokens::resolve(&state.db, &token, now).await {
            Ok(Some((user, token_id, scope))) => {
                if let Some(meta) = req.extensions_mut().get_mut::<RequestMeta>() {
                    meta.token_id = Some(token_id);
                }
                req.extensions_mut().insert(user);
                // Checked by the API's router on every endpoint (`api_v1::require_scope`).
                req.extensions_mut()
                    .insert(app::server::tokens::TokenScope(scope));
            }
            Ok(None) => {
                tracing::warn!(path = %req.uri().path(), "bearer token refused");
                // At the token endpoints `limit_auth_attempts` has counted this request already:
                // counting it again here made each bad token there cost two attempts, halving the
                // configured burst.
                let counted = is_token_endpoint(req.uri().path());
                let allowed = if counted {
                    Ok(())
                } else {
                    state.limits.tokens.check(client_ip(&req))
                };
                return match allowed {
                    Err(seconds) => ApiFailure::RateLimited {
                        retry_after_seconds: seconds,
                    },
                    Ok(()) => ApiFailure::App(AppError::Unauthenticated),
                }
                .render(locale);
            }
            Err(error) => return ApiFailure::App(error).render(locale),
        }
        return next.run(req).await;
    }
    let cookie_name = auth::session_cookie_name(state.config.secure_cookies);
    if let Some(token) = cookie(req.headers(), cookie_name) {
        let now = state.clock.now();
        // Expiry follows the policy in force (the security administrator's, over the configured
        // one); the request keeps the configured settings, which the pages show as the default.
        let in_force = match app::server::passwords::effective(&state.db, &settings.passwords).await
        {
            Ok(passwords) => AuthSettings {
                passwords,
                ..settings
            },
            Err(error) => {
                let locale = Locale::from_headers(req.headers());
                return error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    locale,
                    &error.message(locale),
                );
            }
        };
        match auth::resolve_session(&state.db, &token, &in_force, now).await {
            Ok(Some(session)) => {
                let standing = session.standing();
                let extensions = req.extensions_mut();
                match standing {
                    SessionStanding::SignedIn(None) => {
                        extensions.insert(session.user);
                    }
                    SessionStanding::SignedIn(Some(reason)) => {
                        extensions.insert(PendingPasswordChange {
                            user: session.user,
                            reason,
                        });
                    }
                    SessionStanding::SecondFactorPending => {
                        extensions.insert(PendingSecondFactor { user: session.user });
                    }
                    SessionStanding::EnrolmentRequired => {
                        extensions.insert(PendingEnrolment { user: session.user });
                    }
                }
                extensions.insert(SessionToken(token));
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

/// The page a person whose password must be changed is sent to.
pub const PASSWORD_PAGE: &str = "/account/password";

/// What a person whose password must be changed may still reach: the change-password page and its
/// server functions, sign-out, the language switch, sign-in (as someone else) and static files.
fn allowed_while_password_change_required(method: &Method, path: &str) -> bool {
    let read = matches!(*method, Method::GET | Method::HEAD);
    (read && path == PASSWORD_PAGE)
        || (*method == Method::POST && matches!(path, "/logout" | "/lang" | "/login"))
        || app::password_api::ALLOWED_WHILE_CHANGE_REQUIRED.contains(&path)
        || (is_public(path) && !path.starts_with("/api/"))
}

/// Refuses a person whose password must be changed everything but [the few things they may
/// reach](allowed_while_password_change_required): pages redirect to the change-password page;
/// the JSON API, server functions and other posts answer 403 with `password_change_required`.
fn confine_to_password_change(req: &Request) -> Option<Response> {
    req.extensions().get::<PendingPasswordChange>()?;
    let (method, path) = (req.method(), req.uri().path());
    if allowed_while_password_change_required(method, path) {
        return None;
    }
    let error = AppError::PasswordChangeRequired;
    if is_api(path) {
        return Some(ApiFailure::App(error).render(api_locale(req.headers())));
    }
    if path.starts_with("/api/") {
        // A server function: its error as server functions encode theirs (JSON).
        let body = serde_json::to_string(&error).unwrap_or_default();
        return Some(
            (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response(),
        );
    }
    if matches!(*method, Method::GET | Method::HEAD) {
        return Some(Redirect::to(PASSWORD_PAGE).into_response());
    }
    let locale = Locale::from_headers(req.headers());
    Some(error_page(
        StatusCode::FORBIDDEN,
        locale,
        &error.message(locale),
    ))
}

/// The second step of sign-in: its page (GET) and its form post (POST).
pub const SECOND_FACTOR_SIGN_IN: &str = "/login/second-factor";

/// The page where a person enrols (and manages) their second factor.
pub const SECOND_FACTOR_PAGE: &str = "/account/second-factor";

/// What a half-signed-in person (right password, second factor to come) may reach: the second
/// step of sign-in, sign-out, the language switch, sign-in afresh and static files. Nothing that
/// needs a signed-in person.
fn allowed_while_second_factor_pending(method: &Method, path: &str) -> bool {
    let read = matches!(*method, Method::GET | Method::HEAD);
    ((read || *method == Method::POST) && path == SECOND_FACTOR_SIGN_IN)
        || (*method == Method::POST && matches!(path, "/logout" | "/lang" | "/login"))
        || (is_public(path) && !path.starts_with("/api/"))
}

/// Keeps a half session on the second step of sign-in: pages redirect to it; the JSON API, server
/// functions and other posts answer 401, as for someone signed out (bearer tokens never get here:
/// they are resolved before the cookie).
fn confine_to_second_factor(req: &Request) -> Option<Response> {
    req.extensions().get::<PendingSecondFactor>()?;
    let (method, path) = (req.method(), req.uri().path());
    if allowed_while_second_factor_pending(method, path) {
        return None;
    }
    let error = AppError::Unauthenticated;
    if matches!(*method, Method::GET | Method::HEAD) && !path.starts_with("/api/") {
        return Some(Redirect::to(SECOND_FACTOR_SIGN_IN).into_response());
    }
    Some(refusal(req, error, StatusCode::UNAUTHORIZED))
}

/// What a person who must enrol a second factor first (`TOTP_REQUIRED`) may reach: the
/// second-factor page and its enrolment server functions, sign-out, the language switch, sign-in
/// (as someone else) and static files.
fn allowed_while_enrolment_required(method: &Method, path: &str) -> bool {
    let read = matches!(*method, Method::GET | Method::HEAD);
    (read && path == SECOND_FACTOR_PAGE)
        || (*method == Method::POST && matches!(path, "/logout" | "/lang" | "/login"))
        || app::totp_api::ALLOWED_WHILE_ENROLMENT_REQUIRED.contains(&path)
        || (is_public(path) && !path.starts_with("/api/"))
}

/// Keeps a person who must enrol a second factor on the second-factor page, as
/// [`confine_to_password_change`] does for a password: pages redirect there; the rest answers 403
/// with `second_factor_required`.
fn confine_to_enrolment(req: &Request) -> Option<Response> {
    req.extensions().get::<PendingEnrolment>()?;
    let (method, path) = (req.method(), req.uri().path());
    if allowed_while_enrolment_required(method, path) {
        return None;
    }
    if matches!(*method, Method::GET | Method::HEAD) && !path.starts_with("/api/") {
        return Some(Redirect::to(SECOND_FACTOR_PAGE).into_response());
    }
    Some(refusal(
        req,
        AppError::SecondFactorRequired,
        StatusCode::FORBIDDEN,
    ))
}

/// A refusal in the form the caller reads: the JSON API's error, a server function's JSON error,
/// or a translated page.
fn refusal(req: &Request, error: AppError, status: StatusCode) -> Response {
    let path = req.uri().path();
    if is_api(path) {
        return ApiFailure::App(error).render(api_locale(req.headers()));
    }
    if path.starts_with("/api/") {
        let body = serde_json::to_string(&error).unwrap_or_default();
        return (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    }
    let locale = Locale::from_headers(req.headers());
    error_page(status, locale, &error.message(locale))
}

/// Sends a signed-out reader of a page to the sign-in page (server functions answer 401 themselves),
/// keeps a person whose password must be changed on the change-password page, a half-signed-in
/// person on the second step of sign-in, and a person who must enrol a second factor on the
/// second-factor page.
pub async fn require_sign_in(req: Request, next: Next) -> Response {
    if let Some(refused) = confine_to_second_factor(&req)
        .or_else(|| confine_to_password_change(&req))
        .or_else(|| confine_to_enrolment(&req))
    {
        return refused;
    }
    let half_signed_in = req.extensions().get::<PendingSecondFactor>().is_some();
    let signed_in = req.extensions().get::<app::model::SessionUser>().is_some()
        || req.extensions().get::<PendingPasswordChange>().is_some()
        || req.extensions().get::<PendingEnrolment>().is_some();
    let path = req.uri().path();
    if req.method() == Method::GET && path == SECOND_FACTOR_SIGN_IN && !half_signed_in {
        // Only a half session has a second step to take.
        let to = if signed_in { "/" } else { "/login" };
        return Redirect::to(to).into_response();
    }
    if req.method() == Method::GET && !signed_in && !half_signed_in && !is_public(path) {
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
    let mut response = error_page(status, locale, &error.message(locale));
    if let Some(seconds) = error.retry_after() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
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
    fn a_person_who_must_change_their_password_reaches_only_that_page_and_sign_out() {
        let allowed =
            |method: Method, path: &str| allowed_while_password_change_required(&method, path);
        assert!(allowed(Method::GET, PASSWORD_PAGE));
        assert!(allowed(Method::POST, "/api/password_change"));
        assert!(allowed(Method::POST, "/api/sign_out_everywhere"));
        assert!(allowed(Method::POST, "/logout"));
        assert!(allowed(Method::GET, "/pkg/registry.css"));
        for (method, path) in [
            (Method::GET, "/"),
            (Method::GET, "/tokens"),
            (Method::POST, "/api/registry"),
            (Method::POST, "/api/token_create"),
            (Method::GET, "/api/v1/units"),
            (Method::POST, "/api/v1/tokens"),
            (Method::GET, "/exports/registry.csv"),
            (Method::POST, "/admin/import"),
            (Method::POST, PASSWORD_PAGE),
        ] {
            assert!(!allowed(method.clone(), path), "{method} {path}");
        }
    }

    #[test]
    fn a_half_signed_in_person_reaches_only_the_second_step_and_sign_out() {
        let allowed =
            |method: Method, path: &str| allowed_while_second_factor_pending(&method, path);
        assert!(allowed(Method::GET, SECOND_FACTOR_SIGN_IN));
        assert!(allowed(Method::POST, SECOND_FACTOR_SIGN_IN));
        assert!(allowed(Method::POST, "/logout"));
        assert!(allowed(Method::POST, "/login"));
        assert!(allowed(Method::GET, "/pkg/registry.css"));
        for (method, path) in [
            (Method::GET, "/"),
            (Method::GET, SECOND_FACTOR_PAGE),
            (Method::GET, PASSWORD_PAGE),
            (Method::POST, "/api/second_factor"),
            (Method::POST, "/api/second_factor_begin"),
            (Method::POST, "/api/password_change"),
            (Method::POST, "/api/registry"),
            (Method::GET, "/api/v1/units"),
            (Method::GET, "/exports/registry.csv"),
        ] {
            assert!(!allowed(method.clone(), path), "{method} {path}");
        }
    }

    #[test]
    fn a_person_who_must_enrol_reaches_only_the_enrolment_and_sign_out() {
        let allowed = |method: Method, path: &str| allowed_while_enrolment_required(&method, path);
        assert!(allowed(Method::GET, SECOND_FACTOR_PAGE));
        assert!(allowed(Method::POST, "/api/second_factor"));
        assert!(allowed(Method::POST, "/api/second_factor_begin"));
        assert!(allowed(Method::POST, "/api/second_factor_confirm"));
        assert!(allowed(Method::POST, "/logout"));
        for (method, path) in [
            (Method::GET, "/"),
            (Method::GET, "/tokens"),
            (Method::POST, "/api/second_factor_disable"),
            (Method::POST, "/api/registry"),
            (Method::POST, "/api/token_create"),
            (Method::GET, "/api/v1/units"),
            (Method::POST, SECOND_FACTOR_PAGE),
        ] {
            assert!(!allowed(method.clone(), path), "{method} {path}");
        }
    }

    #[test]
    fn cookies_are_found_among_others() {
        let h = headers(&[("cookie", "a=1; registry_session=abc; lang=en")]);
        assert_eq!(cookie(&h, "registry_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
