//! Layers on every request: its time limit, its metrics and the cross-site check.
use super::session::is_api;
use super::*;

/// How long an upload, an import or an export may take, whatever `REQUEST_TIMEOUT_SECONDS` says.
pub const LONG_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// Requests that move whole files: attachment uploads, register imports and exports.
pub(super) fn is_long_running(method: &Method, path: &str) -> bool {
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
pub(super) fn is_cross_site(headers: &HeaderMap) -> bool {
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
