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

mod confine;
mod flash;
mod requests;
mod session;
mod todo;

pub use confine::{PASSWORD_PAGE, SECOND_FACTOR_PAGE, SECOND_FACTOR_SIGN_IN, require_sign_in};
pub use flash::{redirect_with_flash, take_flash};
pub use requests::{LONG_REQUEST_TIMEOUT, limit_request_time, refuse_cross_site, track_metrics};
pub use session::{limit_auth_attempts, resolve_session, too_many_attempts};
pub use todo::count_todo;
#[cfg(test)]
use {confine::*, requests::*};

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
