//! The navigation's 待办 counts (issue 17, item 1): counted for a signed-in person before a page
//! renders, so the header (server-rendered, with no data loading of its own) can show them.
use crate::startup::AppState;
use app::domain::todo::TodoItem;
use app::model::SessionUser;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

/// Whether a GET of `path` may be a page (not a static file, a server function or the API).
pub(super) fn may_be_page(path: &str) -> bool {
    !super::confine::is_public(path) && !path.rsplit('/').next().unwrap_or("").contains('.')
}

/// Counts what waits for the signed-in person and leaves the figures in the request for the
/// header. A failure to count costs the page only its figures.
pub async fn count_todo(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let user = req.extensions().get::<SessionUser>().cloned();
    if req.method() == Method::GET
        && may_be_page(req.uri().path())
        && let Some(user) = user.filter(|u| !TodoItem::of(u.role).is_empty())
    {
        match app::server::todo::totals(&state.db, &user, state.clock.now()).await {
            Ok(totals) => {
                req.extensions_mut().insert(totals);
            }
            Err(error) => tracing::warn!(error = %error, "counting the to-do for the navigation"),
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::may_be_page;

    #[test]
    fn pages_are_counted_for_and_files_and_apis_are_not() {
        for page in ["/", "/todo", "/filings", "/filings/12", "/admin/users"] {
            assert!(may_be_page(page), "{page}");
        }
        for other in [
            "/pkg/registry.wasm",
            "/api/todo",
            "/api/v1/filings",
            "/favicon.ico",
            "/healthz",
        ] {
            assert!(!may_be_page(other), "{other}");
        }
    }
}
