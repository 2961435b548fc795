//! The JSON API, version 1 (`/api/v1`): for scripts and the provincial platform's feeds. The same
//! services, permissions, audit events and notices as the pages; callers sign in with the session
//! cookie or an API token (`Authorization: Bearer`). The OpenAPI 3.1 document at
//! `/api/v1/openapi.json` is generated from these handlers, and [`ROUTES`] is the one list both the
//! router and the route-coverage test read.
pub mod accounts;
pub mod dto;
pub mod error;
pub mod exports;
pub mod extract;
pub mod filings;
pub mod reference;
pub mod tokens;

use crate::startup::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, delete, get, patch, post};
use error::ApiFailure;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Where the API lives.
pub const PREFIX: &str = "/api/v1";
/// The largest request body the API reads (a filing's form is a few kilobytes).
pub const BODY_LIMIT: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Government New-Media Registry API",
        version = "1",
        description = "The county's registry of official new-media accounts and the filings that \
            change it. Sign in with the session cookie or an API token \
            (`Authorization: Bearer rgt_…`, created with `server create-token` or \
            `POST /api/v1/tokens`). Errors are `{\"error\": {\"code\", \"message\"}}`, the message \
            in the language of `Accept-Language` (zh-CN or en)."
    ),
    paths(
        reference::units,
        reference::platforms,
        reference::deadline,
        accounts::list,
        accounts::get,
        filings::create,
        filings::get,
        filings::patch,
        filings::history,
        filings::submit,
        filings::withdraw,
        filings::approve,
        filings::return_for_correction,
        filings::reject,
        filings::grant_waiver,
        filings::report_upstream,
        filings::correct_report,
        filings::complete,
        filings::confirm_completion,
        exports::registry_csv,
        exports::registry_xlsx,
        tokens::list,
        tokens::create,
        tokens::revoke,
        openapi,
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "reference", description = "Units, platforms and the deadline calculator"),
        (name = "accounts", description = "The registry of accounts"),
        (name = "filings", description = "Filings and their review (Art. 9–12)"),
        (name = "exports", description = "The registry for upward reporting"),
        (name = "tokens", description = "API tokens"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                app::server::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub async fn openapi() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}

/// Every route of the API: method, path (under [`PREFIX`]) and handler.
pub fn routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/units", get(reference::units)),
        (Method::GET, "/platforms", get(reference::platforms)),
        (Method::GET, "/deadline", get(reference::deadline)),
        (Method::GET, "/accounts", get(accounts::list)),
        (Method::GET, "/accounts/{id}", get(accounts::get)),
        (Method::POST, "/filings", post(filings::create)),
        (Method::GET, "/filings/{id}", get(filings::get)),
        (Method::PATCH, "/filings/{id}", patch(filings::patch)),
        (Method::GET, "/filings/{id}/history", get(filings::history)),
        (Method::POST, "/filings/{id}/submit", post(filings::submit)),
        (
            Method::POST,
            "/filings/{id}/withdraw",
            post(filings::withdraw),
        ),
        (
            Method::POST,
            "/filings/{id}/approve",
            post(filings::approve),
        ),
        (
            Method::POST,
            "/filings/{id}/return",
            post(filings::return_for_correction),
        ),
        (Method::POST, "/filings/{id}/reject", post(filings::reject)),
        (
            Method::POST,
            "/filings/{id}/grant-waiver",
            post(filings::grant_waiver),
        ),
        (
            Method::POST,
            "/filings/{id}/report-upstream",
            post(filings::report_upstream),
        ),
        (
            Method::POST,
            "/filings/{id}/correct-report",
            post(filings::correct_report),
        ),
        (
            Method::POST,
            "/filings/{id}/complete",
            post(filings::complete),
        ),
        (
            Method::POST,
            "/filings/{id}/confirm-completion",
            post(filings::confirm_completion),
        ),
        (
            Method::GET,
            "/exports/registry.csv",
            get(exports::registry_csv),
        ),
        (
            Method::GET,
            "/exports/registry.xlsx",
            get(exports::registry_xlsx),
        ),
        (Method::GET, "/tokens", get(tokens::list)),
        (Method::POST, "/tokens", post(tokens::create)),
        (Method::DELETE, "/tokens/{id}", delete(tokens::revoke)),
        (Method::GET, "/openapi.json", get(openapi)),
    ]
}

/// The method and full path of every route, for the test that holds the router and the OpenAPI
/// document to each other.
pub fn route_table() -> Vec<(Method, String)> {
    routes()
        .into_iter()
        .map(|(method, path, _)| (method, format!("{PREFIX}{path}")))
        .collect()
}

/// The API's router, to nest under [`PREFIX`].
pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for (_, path, handler) in routes() {
        router = router.route(path, handler);
    }
    router
        .fallback(|| async { ApiFailure::NoRoute })
        .method_not_allowed_fallback(|| async { ApiFailure::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(error::render_errors))
}
