//! The security headers (issue 8, part 5; OWASP ASVS 5.0.0 V3.4): every response carries them, and
//! the Content-Security-Policy's nonce is fresh per response and on every script the page has.
use crate::arrange::submitted_open;
use crate::helpers::{TestApp, TestDb, fixed_now};
use reqwest::header::HeaderMap;

/// The policy the pages need, written out here so that any loosening shows up as a failure.
fn expected_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

/// Checks every security header of one response and returns the policy's nonce.
fn assert_security_headers(headers: &HeaderMap, https: bool, what: &str) -> String {
    let policy = header(headers, "content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"));
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split_once('\''))
        .map(|(nonce, _)| nonce.to_string())
        .unwrap_or_else(|| panic!("{what}: no nonce in {policy}"));
    // 128 bits at least, in the characters a CSP nonce may have.
    assert!(nonce.len() >= 22, "{what}: nonce {nonce} is too short");
    assert!(
        nonce
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/-_=".contains(c)),
        "{what}: nonce {nonce} is not base64"
    );
    assert_eq!(policy, expected_policy(&nonce), "{what}");
    assert_eq!(
        header(headers, "x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header(headers, "referrer-policy"),
        Some("same-origin"),
        "{what}"
    );
    assert_eq!(header(headers, "x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        header(headers, "cross-origin-opener-policy"),
        Some("same-origin"),
        "{what}"
    );
    let permissions = header(headers, "permissions-policy")
        .unwrap_or_else(|| panic!("{what}: no Permissions-Policy"));
    for feature in ["camera", "microphone", "geolocation", "payment", "usb"] {
        assert!(
            permissions.contains(&format!("{feature}=()")),
            "{what}: {feature} is not denied in {permissions}"
        );
    }
    assert_eq!(
        header(headers, "strict-transport-security"),
        https.then_some("max-age=31536000; includeSubDomains"),
        "{what}"
    );
    nonce
}

/// Every `<script>` of the page carries `nonce` (and there is at least the island loader), and the
/// page has no inline style the policy would block.
fn assert_scripts_carry(html: &str, nonce: &str, what: &str) {
    let scripts: Vec<&str> = html
        .match_indices("<script")
        .map(|(at, _)| {
            let tag = &html[at..];
            &tag[..tag.find('>').expect("a script tag ends")]
        })
        .collect();
    assert!(!scripts.is_empty(), "{what}: no script at all:\n{html}");
    for tag in scripts {
        assert!(
            tag.contains(&format!(" nonce=\"{nonce}\"")),
            "{what}: {tag}> does not carry the nonce {nonce}"
        );
    }
    assert!(!html.contains("<style"), "{what}: an inline <style>");
    assert!(!html.contains(" style=\""), "{what}: a style attribute");
}

/// A page's path with the ids of records that exist: a new page with a parameter needs a line
/// here, else this test fails and says so.
fn concrete(path: &str, account: i32, filing: i32) -> String {
    if !path.contains('{') {
        return path.to_string();
    }
    match path {
        "/accounts/{id}" => format!("/accounts/{account}"),
        "/filings/{id}" | "/filings/{id}/print" => path.replace("{id}", &filing.to_string()),
        other => panic!("no record to show at {other}: add one to `concrete`"),
    }
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_its_scripts_carry_the_policys_nonce() {
    let app = TestApp::spawn().await;
    let account = app.account_id("education", "wechat_oa").await;
    let filing = submitted_open(&app, "submitter", "weibo", "石柱教育")
        .await
        .id;
    let mut clients = Vec::new();
    for role in ["admin", "reviewer", "auditor", "submitter", "security"] {
        clients.push((role, app.signed_in(role).await));
    }
    let mut paths: Vec<String> = leptos_axum::generate_route_list(app::app::App)
        .iter()
        .map(|listing| listing.path().to_string())
        // The second step of sign-in is only for a half session (its headers: `totp.rs`).
        .filter(|path| path != "/login" && path != "/login/second-factor")
        .collect();
    paths.sort();
    paths.dedup();
    assert!(paths.len() >= 10, "the route table: {paths:?}");

    for path in paths {
        let path = concrete(&path, account, filing);
        // The first role that may see the page.
        let mut seen = false;
        for (role, client) in &clients {
            let response = client.get(app.url(&path)).send().await.unwrap();
            if response.status() != 200 {
                continue;
            }
            let what = format!("{path} as {role}");
            // Pages hold personal data: no cache keeps them (issue 15, low items).
            assert_eq!(
                header(response.headers(), "cache-control"),
                Some("no-store"),
                "{what}"
            );
            let nonce = assert_security_headers(response.headers(), false, &what);
            assert_scripts_carry(&response.text().await.unwrap(), &nonce, &what);
            seen = true;
            break;
        }
        assert!(seen, "no role may see {path}");
    }
}

#[tokio::test]
async fn the_import_page_rendered_for_an_upload_carries_the_policys_nonce() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"not a register".to_vec()).file_name("x.csv"),
        )
        .text("mode", "dry_run");

    // `server::import_routes` renders the app itself, outside the Leptos routes.
    let response = admin
        .post(app.url("/admin/import"))
        .header("accept", "text/html")
        .multipart(form)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let nonce = assert_security_headers(response.headers(), false, "POST /admin/import");
    let html = response.text().await.unwrap();
    assert!(html.contains("data-testid=\"import-form\""), "{html}");
    assert_scripts_carry(&html, &nonce, "POST /admin/import");
}

#[tokio::test]
async fn the_sign_in_page_and_the_redirect_to_it_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    let client = app.client();

    let redirect = client.get(app.url("/filings")).send().await.unwrap();
    let page = client.get(app.url("/login")).send().await.unwrap();

    assert_eq!(redirect.status(), 303);
    assert_security_headers(redirect.headers(), false, "the redirect to /login");
    assert_eq!(page.status(), 200);
    let nonce = assert_security_headers(page.headers(), false, "/login");
    assert_scripts_carry(&page.text().await.unwrap(), &nonce, "/login");
}

#[tokio::test]
async fn a_page_that_does_not_exist_is_a_404_whose_scripts_carry_the_nonce() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;

    let response = client.get(app.url("/no-such-page")).send().await.unwrap();

    assert_eq!(response.status(), 404);
    let nonce = assert_security_headers(response.headers(), false, "a 404 page");
    assert_scripts_carry(&response.text().await.unwrap(), &nonce, "a 404 page");
}

#[tokio::test]
async fn the_nonce_is_fresh_for_every_response() {
    let app = TestApp::spawn().await;
    let client = app.client();

    let mut nonces = Vec::new();
    for _ in 0..3 {
        let response = client.get(app.url("/login")).send().await.unwrap();
        let nonce = assert_security_headers(response.headers(), false, "/login");
        let html = response.text().await.unwrap();
        assert_scripts_carry(&html, &nonce, "/login");
        nonces.push(nonce);
    }

    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "a nonce was used twice: {nonces:?}");
}

#[tokio::test]
async fn the_json_api_keeps_its_content_type_and_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let token = app.token_for("reviewer").await;
    let client = app.bearer_client(&token.token);

    let found = client.get(app.url("/api/v1/units")).send().await.unwrap();
    let missing = client
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();

    assert_eq!(found.status(), 200);
    assert_eq!(
        header(found.headers(), "content-type"),
        Some("application/json")
    );
    assert_security_headers(found.headers(), false, "GET /api/v1/units");
    assert_eq!(missing.status(), 404);
    assert_security_headers(missing.headers(), false, "an unknown API route");
}

#[tokio::test]
async fn a_server_function_keeps_its_content_type_and_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;

    let response = client
        .post(app.url("/api/registry"))
        .form(&[("query[page]", "1"), ("query[per_page]", "10")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        header(response.headers(), "content-type"),
        Some("application/json")
    );
    assert_security_headers(response.headers(), false, "the registry server function");
}

#[tokio::test]
async fn a_download_keeps_its_content_disposition_and_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;

    let response = client
        .get(app.url("/exports/registry.csv"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert!(
        header(response.headers(), "content-type")
            .unwrap()
            .starts_with("text/csv"),
        "{:?}",
        response.headers()
    );
    assert!(
        header(response.headers(), "content-disposition")
            .unwrap()
            .starts_with("attachment; filename="),
        "{:?}",
        response.headers()
    );
    assert_security_headers(response.headers(), false, "the registry export");
}

#[tokio::test]
async fn a_static_file_keeps_its_content_type_and_carries_the_security_headers() {
    // The site root the release build copies `public/` into.
    let public = concat!(env!("CARGO_MANIFEST_DIR"), "/../public");
    let app = TestApp::spawn_configured(TestDb::new().await, false, fixed_now(), |config| {
        config.leptos.site_root = public.into();
    })
    .await;

    let response = reqwest::get(app.url("/favicon.svg")).await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        header(response.headers(), "content-type"),
        Some("image/svg+xml")
    );
    assert_security_headers(response.headers(), false, "/favicon.svg");
    // Static files stay cacheable: only pages are `no-store`.
    assert_ne!(
        header(response.headers(), "cache-control"),
        Some("no-store")
    );
}

#[tokio::test]
async fn an_error_page_outside_leptos_carries_the_headers_and_no_inline_code() {
    let app = TestApp::spawn().await;

    // A cross-site sign-in is refused by the CSRF layer with `routes::error_page`.
    let response = app
        .client()
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("username", "reviewer"), ("password", "x")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    assert_security_headers(response.headers(), false, "the cross-site refusal");
    assert_eq!(
        header(response.headers(), "cache-control"),
        Some("no-store")
    );
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(
        !html.contains("<style") && !html.contains(" style=\""),
        "{html}"
    );
}

#[tokio::test]
async fn hsts_is_sent_when_the_site_is_served_over_https() {
    let app = TestApp::spawn_configured(TestDb::new().await, false, fixed_now(), |config| {
        config.secure_cookies = true;
    })
    .await;
    let client = app.client();

    let page = client.get(app.url("/login")).send().await.unwrap();
    let health = client.get(app.url("/healthz")).send().await.unwrap();

    assert_security_headers(page.headers(), true, "/login over https");
    assert_security_headers(health.headers(), true, "/healthz over https");
}

#[tokio::test]
async fn no_hsts_is_sent_over_plain_http() {
    let app = TestApp::spawn_configured(TestDb::new().await, false, fixed_now(), |config| {
        config.secure_cookies = false;
    })
    .await;

    let page = app.client().get(app.url("/login")).send().await.unwrap();

    assert_eq!(page.status(), 200);
    assert!(
        page.headers().get("strict-transport-security").is_none(),
        "{:?}",
        page.headers()
    );
}
