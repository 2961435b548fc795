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
use app::server::tokens::{Scope, TokenScope};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::{MethodRouter, delete, get, patch, post};
use error::ApiFailure;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
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
            in the language of `Accept-Language` (zh-CN or en). \
            \n\nEvery API token has a scope: `read` (the registry, filings and their history, \
            the exports, one's tokens) or `write` (also the steps that change filings, and \
            revoking tokens). Each operation states the scope it needs in its `bearer` security \
            requirement and in `x-token-scope`; a token without it gets 403 \
            `insufficient_scope`. A browser session is not limited by scopes. Tokens expire after \
            at most 365 days (90 unless chosen)."
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
        // Each operation's token scope, from the one list the router enforces (OpenAPI 3.1 lets
        // a non-OAuth2 requirement name the roles it needs), and as `x-token-scope`.
        for (method, path, scope, _) in routes() {
            let Some(scope) = scope else { continue };
            let Some(item) = doc.paths.paths.get_mut(&format!("{PREFIX}{path}")) else {
                continue;
            };
            let operation = match method {
                Method::GET => item.get.as_mut(),
                Method::POST => item.post.as_mut(),
                Method::PATCH => item.patch.as_mut(),
                Method::PUT => item.put.as_mut(),
                Method::DELETE => item.delete.as_mut(),
                _ => None,
            };
            let Some(operation) = operation else { continue };
            operation.security = Some(vec![
                SecurityRequirement::new("bearer", [scope.as_str()]),
                SecurityRequirement::new("session", Vec::<String>::new()),
            ]);
            operation
                .extensions
                .get_or_insert_with(Default::default)
                .insert("x-token-scope".into(), scope.as_str().into());
            if scope == Scope::Write {
                let refused = "`insufficient_scope`: the API token's scope is `read`";
                match operation.responses.responses.get_mut("403") {
                    Some(RefOr::T(response)) => {
                        response.description = format!("{}; or {refused}", response.description);
                    }
                    _ => {
                        operation.responses.responses.insert(
                            "403".into(),
                            RefOr::T(
                                ResponseBuilder::new()
                                    .description(refused)
                                    .content(
                                        "application/json",
                                        ContentBuilder::new()
                                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                                            .build(),
                                    )
                                    .build(),
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// Refuses a bearer token whose scope does not cover the endpoint (403 `insufficient_scope`,
/// ASVS 5.0 V8.2.1); a browser session, which has no token scope, passes.
async fn require_scope(needed: Scope, req: Request, next: Next) -> Response {
    if let Some(TokenScope(held)) = req.extensions().get::<TokenScope>().copied()
        && !held.allows(needed)
    {
        tracing::info!(path = %req.uri().path(), held = held.as_str(), needed = needed.as_str(), "token scope refused");
        return ApiFailure::InsufficientScope { needed }.into_response();
    }
    next.run(req).await
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub async fn openapi() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}

/// One route of the API: method, path (under [`PREFIX`]), the token scope it needs (none: open to
/// all, like this document) and its handler.
pub type ApiRoute = (Method, &'static str, Option<Scope>, MethodRouter<AppState>);

/// Every route of the API. The scope is enforced by [`router`] and stated by the OpenAPI document
/// from this list: reading is `read`, anything that changes data `write` (issue 15, item 6).
pub fn routes() -> Vec<ApiRoute> {
    const READ: Option<Scope> = Some(Scope::Read);
    const WRITE: Option<Scope> = Some(Scope::Write);
    vec![
        (Method::GET, "/units", READ, get(reference::units)),
        (Method::GET, "/platforms", READ, get(reference::platforms)),
        (Method::GET, "/deadline", READ, get(reference::deadline)),
        (Method::GET, "/accounts", READ, get(accounts::list)),
        (Method::GET, "/accounts/{id}", READ, get(accounts::get)),
        (Method::POST, "/filings", WRITE, post(filings::create)),
        (Method::GET, "/filings/{id}", READ, get(filings::get)),
        (Method::PATCH, "/filings/{id}", WRITE, patch(filings::patch)),
        (
            Method::GET,
            "/filings/{id}/history",
            READ,
            get(filings::history),
        ),
        (
            Method::POST,
            "/filings/{id}/submit",
            WRITE,
            post(filings::submit),
        ),
        (
            Method::POST,
            "/filings/{id}/withdraw",
            WRITE,
            post(filings::withdraw),
        ),
        (
            Method::POST,
            "/filings/{id}/approve",
            WRITE,
            post(filings::approve),
        ),
        (
            Method::POST,
            "/filings/{id}/return",
            WRITE,
            post(filings::return_for_correction),
        ),
        (
            Method::POST,
            "/filings/{id}/reject",
            WRITE,
            post(filings::reject),
        ),
        (
            Method::POST,
            "/filings/{id}/grant-waiver",
            WRITE,
            post(filings::grant_waiver),
        ),
        (
            Method::POST,
            "/filings/{id}/report-upstream",
            WRITE,
            post(filings::report_upstream),
        ),
        (
            Method::POST,
            "/filings/{id}/correct-report",
            WRITE,
            post(filings::correct_report),
        ),
        (
            Method::POST,
            "/filings/{id}/complete",
            WRITE,
            post(filings::complete),
        ),
        (
            Method::POST,
            "/filings/{id}/confirm-completion",
            WRITE,
            post(filings::confirm_completion),
        ),
        (
            Method::GET,
            "/exports/registry.csv",
            READ,
            get(exports::registry_csv),
        ),
        (
            Method::GET,
            "/exports/registry.xlsx",
            READ,
            get(exports::registry_xlsx),
        ),
        (Method::GET, "/tokens", READ, get(tokens::list)),
        // Tokens are made in a browser session only (403 for any token); `write` all the same.
        (Method::POST, "/tokens", WRITE, post(tokens::create)),
        (
            Method::DELETE,
            "/tokens/{id}",
            WRITE,
            delete(tokens::revoke),
        ),
        (Method::GET, "/openapi.json", None, get(openapi)),
    ]
}

/// The method, full path and token scope of every route, for the tests.
pub fn route_scopes() -> Vec<(Method, String, Option<Scope>)> {
    routes()
        .into_iter()
        .map(|(method, path, scope, _)| (method, format!("{PREFIX}{path}"), scope))
        .collect()
}

/// The method and full path of every route, for the test that holds the router and the OpenAPI
/// document to each other.
pub fn route_table() -> Vec<(Method, String)> {
    routes()
        .into_iter()
        .map(|(method, path, _, _)| (method, format!("{PREFIX}{path}")))
        .collect()
}

/// The API's router, to nest under [`PREFIX`].
pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for (_, path, scope, handler) in routes() {
        let handler = match scope {
            Some(needed) => handler.route_layer(axum::middleware::from_fn(
                move |req: Request, next: Next| require_scope(needed, req, next),
            )),
            None => handler,
        };
        router = router.route(path, handler);
    }
    router
        .fallback(|| async { ApiFailure::NoRoute })
        .method_not_allowed_fallback(|| async { ApiFailure::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(error::render_errors))
}
