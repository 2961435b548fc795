//! The security headers every response carries (issue 8, part 5; 等保 2.0 三级, OWASP ASVS 5.0.0
//! V3.4): a Content-Security-Policy with a fresh nonce per request, which the Leptos pages put on
//! their inline scripts, and the headers that keep pages out of frames, stop content sniffing, keep
//! the registry's URLs from leaking to other sites and switch off browser features it never uses.
use crate::startup::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

/// The policy for a response whose inline scripts carry `nonce`. Each directive allows only what
/// the pages load (ASVS 5.0.0 V3.4.3):
/// - `default-src 'self'`: fonts, manifests, media, workers and frames come from this site or not
///   at all;
/// - `script-src`: the island loader Leptos writes inline into `<head>` and the scripts with the
///   resolved resources it appends to the page carry the nonce; `'self'` lets that loader
///   `import()` `/pkg/registry.js` (and `<link rel=modulepreload>` fetch it);
///   `'wasm-unsafe-eval'` lets it compile `/pkg/registry.wasm` (no `'unsafe-eval'`: nothing calls
///   `eval` or `new Function`, and no `'unsafe-inline'`);
/// - `style-src 'self'`: the one stylesheet is `/pkg/registry.css`; the pages have no `<style>`
///   element and no `style` attribute, so styles need no nonce (a `leptos_meta::Style` added later
///   would carry the nonce and be refused: add `'nonce-…'` here then);
/// - `img-src 'self'`: the favicon is the only image; nothing uses `data:` URLs;
/// - `connect-src 'self'`: the loader fetches the wasm, and server functions are same-origin;
/// - `object-src 'none'`, `base-uri 'none'`: no plugins, and an injected `<base>` cannot redirect
///   the relative URLs of scripts and forms;
/// - `form-action 'self'`: every form posts to this site (sign-in, filings, imports, exports);
/// - `frame-ancestors 'none'`: no page may be framed (clickjacking, ASVS 5.0.0 V3.4.6).
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; \
         img-src 'self'; \
         connect-src 'self'; \
         object-src 'none'; \
         base-uri 'none'; \
         form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Browser features the registry never uses, denied to it and to anything it could embed.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), \
     display-capture=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), \
     midi=(), payment=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()";

/// HSTS for a site served over HTTPS: a year, subdomains included (ASVS 5.0.0 V3.4.1).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The headers every answer carries, the same for all.
const FIXED: [(HeaderName, &str); 5] = [
    // ASVS 5.0.0 V3.4.4: a download or JSON answer is never run as a script or page.
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    // ASVS 5.0.0 V3.4.5. `same-origin`: account, filing and search URLs (ids, unit names in the
    // query) never reach another site, while this site's own requests keep their Referer, which
    // a plain (no-JavaScript) server-function form post needs to be sent back to its page.
    // `no-referrer` would break that; `strict-origin-when-cross-origin` would still tell other
    // sites the origin.
    (header::REFERRER_POLICY, "same-origin"),
    (
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    ),
    // `frame-ancestors` for browsers that predate it.
    (header::X_FRAME_OPTIONS, "DENY"),
    // A page opened from another site cannot reach back into this window, nor it into them.
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

/// Gives the request a fresh nonce (128 random bits from the thread's CSPRNG, base64url), which
/// the Leptos context closures hand to the renderer (see [`provide_request_nonce`]), and sets the
/// security headers on whatever answers: pages, server functions, the API, static files, downloads
/// and error pages. A header a handler set itself is kept, so a route may tighten its own policy;
/// content types and `Content-Disposition` are never touched.
pub async fn set_security_headers(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        set_default(headers, header::CONTENT_SECURITY_POLICY, policy);
    }
    for (name, value) in FIXED {
        set_default(headers, name, HeaderValue::from_static(value));
    }
    // A page holds what its reader may see (custodians' mobiles, filings): neither the browser's
    // cache nor a proxy keeps it, so the back button on a shared office PC after sign-out shows
    // nothing (ASVS 5.0 V14.3.2). Static files and downloads set their own.
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // Over plain HTTP the header would be ignored, and on a development host it would pin the
    // name to HTTPS for a year.
    if state.config.secure_cookies {
        set_default(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    response
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: HeaderValue) {
    headers.entry(name).or_insert(value);
}

/// For the Leptos context closures: hands the nonce of the request being rendered to Leptos, so
/// that the scripts it writes carry the nonce of the response's policy. leptos_axum provides a
/// nonce of its own (and the request's parts) before it calls the closure; this one replaces it.
/// Outside a request (a static file) there is nothing to do.
pub fn provide_request_nonce() {
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Nonce>().cloned())
    {
        provide_context(nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_no_inline_code_without_the_nonce_and_no_eval() {
        let policy = content_security_policy("abc");
        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(!policy.contains("'unsafe-eval'"));
        assert!(policy.ends_with("frame-ancestors 'none'"));
    }

    #[test]
    fn every_security_header_value_is_a_valid_header() {
        let nonce = Nonce::new();
        assert!(HeaderValue::from_str(&content_security_policy(&nonce)).is_ok());
        assert!(nonce.len() >= 22, "at least 128 bits in base64");
    }
}
