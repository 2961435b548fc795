//! The flash (issue 17, item 3): what a form post hands to the page its redirect lands on, in a
//! cookie that lives a minute. The page's request takes it (into its extensions, where the page
//! reads it) and its response clears it, so a refresh shows nothing stale and the address bar
//! never carries an error.
use super::cookie;
use crate::startup::AppState;
use app::model::Flash;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// How long a flash waits for its page (the redirect is followed at once).
const FLASH_SECONDS: i64 = 60;

fn flash_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}",
        Flash::COOKIE
    ))
    .expect("a flash cookie is hex")
}

/// A redirect to `location` handing `flash` to that page (for the routes outside Leptos).
pub fn redirect_with_flash(location: &str, flash: &Flash, secure: bool) -> Response {
    let mut response = Redirect::to(location).into_response();
    let cookie = flash_cookie(&flash.to_cookie(), FLASH_SECONDS, secure);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// Takes the flash into the request of the page that renders it, and clears it on the response.
pub async fn take_flash(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // The sign-in form is the one public page a flash lands on (a failed sign-in's username).
    let path = req.uri().path();
    let page = req.method() == Method::GET && (path == "/login" || super::todo::may_be_page(path));
    let Some(value) = cookie(req.headers(), Flash::COOKIE).filter(|_| page) else {
        return next.run(req).await;
    };
    if let Some(flash) = Flash::from_cookie(&value) {
        req.extensions_mut().insert(flash);
    }
    let mut response = next.run(req).await;
    let clear = flash_cookie("", 0, state.config.secure_cookies);
    response.headers_mut().append(header::SET_COOKIE, clear);
    response
}
