//! Where a person may go while their session is not yet complete (a password to change, a second
//! factor to give or to enrol), and the sign-in requirement for pages.
use super::session::*;
use super::*;

/// Paths anyone may fetch without signing in.
pub(super) fn is_public(path: &str) -> bool {
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
pub(super) fn allowed_while_password_change_required(method: &Method, path: &str) -> bool {
    let read = matches!(*method, Method::GET | Method::HEAD);
    (read && path == PASSWORD_PAGE)
        || (*method == Method::POST && matches!(path, "/logout" | "/lang" | "/login"))
        || app::password_api::ALLOWED_WHILE_CHANGE_REQUIRED.contains(&path)
        || (is_public(path) && !path.starts_with("/api/"))
}

/// Refuses a person whose password must be changed everything but [the few things they may
/// reach](allowed_while_password_change_required): pages redirect to the change-password page;
/// the JSON API, server functions and other posts answer 403 with `password_change_required`.
pub(super) fn confine_to_password_change(req: &Request) -> Option<Response> {
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
pub(super) fn allowed_while_second_factor_pending(method: &Method, path: &str) -> bool {
    let read = matches!(*method, Method::GET | Method::HEAD);
    ((read || *method == Method::POST) && path == SECOND_FACTOR_SIGN_IN)
        || (*method == Method::POST && matches!(path, "/logout" | "/lang" | "/login"))
        || (is_public(path) && !path.starts_with("/api/"))
}

/// Keeps a half session on the second step of sign-in: pages redirect to it; the JSON API, server
/// functions and other posts answer 401, as for someone signed out (bearer tokens never get here:
/// they are resolved before the cookie).
pub(super) fn confine_to_second_factor(req: &Request) -> Option<Response> {
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
pub(super) fn allowed_while_enrolment_required(method: &Method, path: &str) -> bool {
    let read = matches!(*method, Method::GET | Method::HEAD);
    (read && path == SECOND_FACTOR_PAGE)
        || (*method == Method::POST && matches!(path, "/logout" | "/lang" | "/login"))
        || app::totp_api::ALLOWED_WHILE_ENROLMENT_REQUIRED.contains(&path)
        || (is_public(path) && !path.starts_with("/api/"))
}

/// Keeps a person who must enrol a second factor on the second-factor page, as
/// [`confine_to_password_change`] does for a password: pages redirect there; the rest answers 403
/// with `second_factor_required`.
pub(super) fn confine_to_enrolment(req: &Request) -> Option<Response> {
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
pub(super) fn refusal(req: &Request, error: AppError, status: StatusCode) -> Response {
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
