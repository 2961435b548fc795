//! The router: every HTTP route with its layers, in the order a request passes them.
use super::*;

/// The routes outside Leptos and the JSON API: method, path and handler. The router and the
/// authorisation matrix test (`server/tests/api/authz_matrix.rs`) both read this list.
pub fn http_routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::POST, "/login", post(routes::sign_in)),
        (
            Method::POST,
            "/login/second-factor",
            post(routes::second_factor_sign_in),
        ),
        (Method::POST, "/logout", post(routes::sign_out)),
        (Method::POST, "/lang", post(routes::switch_language)),
        (Method::GET, "/healthz", get(routes::healthz)),
        (Method::GET, "/metrics", get(routes::metrics)),
        (
            Method::POST,
            "/filings/{id}/attachments",
            post(attachment_routes::upload)
                .layer(DefaultBodyLimit::max(attachments::MAX_BYTES + 64 * 1024)),
        ),
        (
            Method::GET,
            "/attachments/{id}",
            get(attachment_routes::download),
        ),
        (
            Method::GET,
            "/exports/registry.csv",
            get(export_routes::registry_csv),
        ),
        (
            Method::GET,
            "/exports/registry.xlsx",
            get(export_routes::registry_xlsx),
        ),
        (
            Method::GET,
            "/exports/filings.csv",
            get(report_routes::filings_csv),
        ),
        (
            Method::GET,
            "/exports/filings.xlsx",
            get(report_routes::filings_xlsx),
        ),
        (
            Method::GET,
            "/reports/monthly.xlsx",
            get(report_routes::monthly_xlsx),
        ),
        (
            Method::GET,
            "/exports/audit.csv",
            get(crate::audit_routes::audit_csv),
        ),
        (
            Method::POST,
            "/admin/calendar",
            post(admin_routes::save_calendar_year).layer(DefaultBodyLimit::max(1024 * 1024)),
        ),
        (
            Method::POST,
            "/admin/import",
            post(import_routes::import_register)
                .layer(DefaultBodyLimit::max(import_routes::BODY_LIMIT)),
        ),
    ]
}

/// The method and path of every route in [`http_routes`].
pub fn route_table() -> Vec<(Method, &'static str)> {
    http_routes()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect()
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    // After sign-in or a language change, only these pages may be the next stop (no open redirect).
    crate::local_path::register(
        routes.iter().map(|route| route.path()).chain(
            http_routes()
                .into_iter()
                .filter(|(method, _, _)| method == Method::GET)
                .map(|(_, path, _)| path),
        ),
    );
    let mut router = Router::new().nest(crate::api_v1::PREFIX, crate::api_v1::router());
    for (_, path, handler) in http_routes() {
        router = router.route(path, handler);
    }
    let router = with_pages(router, &state, routes);
    with_layers(router, &state).with_state(state)
}

/// The Leptos pages, and the fallback that serves files and the not-found page.
fn with_pages(
    router: Router<AppState>,
    state: &AppState,
    routes: Vec<leptos_axum::AxumRouteListing>,
) -> Router<AppState> {
    let context = state.context();
    let leptos = state.leptos.clone();
    let fallback_context = context.clone();
    router
        .leptos_routes_with_context(
            state,
            routes,
            move || {
                provide_context(context.clone());
                security_headers::provide_request_nonce();
            },
            move || shell(leptos.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || {
                provide_context(fallback_context.clone());
                security_headers::provide_request_nonce();
            },
            shell,
        ))
}

/// The layers every request passes, innermost first (so a request meets them bottom up).
fn with_layers(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::count_todo,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::take_flash,
        ))
        .layer(axum::middleware::from_fn(mw::require_sign_in))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::resolve_session,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::limit_auth_attempts,
        ))
        .layer(axum::middleware::from_fn(mw::refuse_cross_site))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::request_meta,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mw::limit_request_time,
        ))
        .layer(axum::middleware::from_fn(mw::track_metrics))
        // Outside every layer that can answer on its own (refusals, redirects, rate limits), so
        // that their responses carry the headers too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers::set_security_headers,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| request_span(req)))
        .layer(PropagateRequestIdLayer::x_request_id())
        // The id is always the server's own (a UUID): the audit trail stores it, and a client
        // that could choose it could make its requests look like someone else's.
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::map_request(
            mw::set_aside_client_request_id,
        ))
}

/// The span of one request, named by the server's request id and any id the client sent.
fn request_span<B>(req: &Request<B>) -> tracing::Span {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let client_request_id = req
        .extensions()
        .get::<mw::ClientRequestId>()
        .map(|id| tracing::field::debug(id.0.clone()));
    // `client` is filled in by `request_meta`, once it knows who the client is.
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        request_id,
        client_request_id,
        client = tracing::field::Empty,
    )
}
