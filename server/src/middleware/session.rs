//! The session layer: limits on sign-in attempts, then who the request is from (a session cookie
//! or an API token).
use super::confine::*;
use super::*;

/// Whether a path belongs to the JSON API.
pub(super) fn is_api(path: &str) -> bool {
    path == crate::api_v1::PREFIX || path.starts_with(&format!("{}/", crate::api_v1::PREFIX))
}

/// The client's address ([`ClientAddress`], found by [`request_meta`]).
pub(super) fn client_ip(req: &Request) -> Option<IpAddr> {
    req.extensions().get::<ClientAddress>().map(|a| a.client)
}

/// The token of an `Authorization: Bearer` header (`Some("")` for a malformed one).
pub(super) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?;
    let text = value.to_str().unwrap_or("").trim();
    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    Some(if scheme.eq_ignore_ascii_case("bearer") {
        token.trim().to_string()
    } else {
        String::new()
    })
}

/// Limits sign-in attempts and the token endpoints per client address, each in limiters of their
/// own ([`crate::rate_limit::AuthLimiters`]); a bearer token that does not authenticate counts
/// against the token endpoints' (see [`resolve_session`]). The per-username limit on sign-in is
/// applied where the username is read (`routes::sign_in`, `routes::second_factor_sign_in`).
pub async fn limit_auth_attempts(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    // The second step of sign-in counts too: guessing codes is guessing passwords.
    let sign_in = req.method() == Method::POST && matches!(path, "/login" | SECOND_FACTOR_SIGN_IN);
    let tokens = is_token_endpoint(path);
    let limiter = match (sign_in, tokens) {
        (true, _) => &state.limits.sign_in,
        (_, true) => &state.limits.tokens,
        _ => return next.run(req).await,
    };
    if let Err(seconds) = limiter.check(client_ip(&req)) {
        tracing::warn!(
            path,
            "authentication attempts over the limit for this address"
        );
        if tokens {
            return ApiFailure::RateLimited {
                retry_after_seconds: seconds,
            }
            .render(api_locale(req.headers()));
        }
        let locale = Locale::from_headers(req.headers());
        return too_many_attempts(locale, Msg::ApiRateLimited, seconds);
    }
    next.run(req).await
}

/// The page that refuses an attempt over a limit: 429, with the seconds to wait in the text
/// (`message`, which has a `{seconds}`) and in `Retry-After`.
pub fn too_many_attempts(locale: Locale, message: Msg, seconds: u64) -> Response {
    let mut response = error_page(
        StatusCode::TOO_MANY_REQUESTS,
        locale,
        &locale.tf(message, &[("seconds", &seconds.to_string())]),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The token endpoints, which [`limit_auth_attempts`] counts on every request.
pub(super) fn is_token_endpoint(path: &str) -> bool {
    path == "/api/v1/tokens" || path.starts_with("/api/v1/tokens/")
}

/// Resolves the session cookie (or, for the JSON API, an `Authorization: Bearer` token) to the
/// signed-in person and puts them into the request's extensions: a [`app::model::SessionUser`],
/// or, when their password must be changed first, a [`PendingPasswordChange`] (which
/// [`require_sign_in`] confines to the change-password page); a half session whose second factor
/// is still to come a [`PendingSecondFactor`] (confined to the second step of sign-in), and a
/// person who must enrol a second factor first (`TOTP_REQUIRED`) a [`PendingEnrolment`] (confined
/// to the second-factor page). A bearer token that does not
/// authenticate is refused outright (never a fallback to the cookie) and counts against the
/// address's token attempts (never its sign-in attempts). The deployment's [`AuthSettings`] go into every request.
pub async fn resolve_session(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let settings = AuthSettings {
        sessions: state.config.sessions,
        passwords: state.config.passwords,
        secure_cookies: state.config.secure_cookies,
        totp_required: state.config.totp_required,
    };
    req.extensions_mut().insert(settings);
    if is_api(req.uri().path())
        && let Some(token) = bearer(req.headers())
    {
        return match by_bearer(&state, &mut req, &token).await {
            Ok(()) => next.run(req).await,
            Err(refusal) => refusal,
        };
    }
    let cookie_name = auth::session_cookie_name(state.config.secure_cookies);
    if let Some(token) = cookie(req.headers(), cookie_name)
        && let Err(refusal) = by_cookie(&state, &mut req, settings, token).await
    {
        return refusal;
    }
    next.run(req).await
}

/// An API request with a bearer token: the token's person and scope go into the request, or the
/// request is refused (401, or 429 once the address has tried too many).
async fn by_bearer(state: &AppState, req: &mut Request, token: &str) -> Result<(), Response> {
    let now = state.clock.now();
    let locale = api_locale(req.headers());
    match app::server::tokens::resolve(&state.db, token, now).await {
        Ok(Some((user, token_id, scope))) => {
            if let Some(meta) = req.extensions_mut().get_mut::<RequestMeta>() {
                meta.token_id = Some(token_id);
            }
            req.extensions_mut().insert(user);
            // Checked by the API's router on every endpoint (`api_v1::require_scope`).
            req.extensions_mut()
                .insert(app::server::tokens::TokenScope(scope));
            Ok(())
        }
        Ok(None) => {
            tracing::warn!(path = %req.uri().path(), "bearer token refused");
            // At the token endpoints `limit_auth_attempts` has counted this request already:
            // counting it again here made each bad token there cost two attempts, halving the
            // configured burst.
            let counted = is_token_endpoint(req.uri().path());
            let allowed = if counted {
                Ok(())
            } else {
                state.limits.tokens.check(client_ip(req))
            };
            Err(match allowed {
                Err(seconds) => ApiFailure::RateLimited {
                    retry_after_seconds: seconds,
                },
                Ok(()) => ApiFailure::App(AppError::Unauthenticated),
            }
            .render(locale))
        }
        Err(error) => Err(ApiFailure::App(error).render(locale)),
    }
}

/// A request with a session cookie: the session's person, in the standing the session is in, goes
/// into the request. An unknown or expired session leaves the request anonymous.
async fn by_cookie(
    state: &AppState,
    req: &mut Request,
    settings: AuthSettings,
    token: String,
) -> Result<(), Response> {
    let now = state.clock.now();
    // Expiry follows the policy in force (the security administrator's, over the configured
    // one); the request keeps the configured settings, which the pages show as the default.
    let in_force = match app::server::passwords::effective(&state.db, &settings.passwords).await {
        Ok(passwords) => AuthSettings {
            passwords,
            ..settings
        },
        Err(error) => return Err(unavailable(req, &error)),
    };
    match auth::resolve_session(&state.db, &token, &in_force, now).await {
        Ok(Some(session)) => {
            let extensions = req.extensions_mut();
            match session.standing() {
                SessionStanding::SignedIn(None) => {
                    extensions.insert(session.user);
                }
                SessionStanding::SignedIn(Some(reason)) => {
                    extensions.insert(PendingPasswordChange {
                        user: session.user,
                        reason,
                    });
                }
                SessionStanding::SecondFactorPending => {
                    extensions.insert(PendingSecondFactor { user: session.user });
                }
                SessionStanding::EnrolmentRequired => {
                    extensions.insert(PendingEnrolment { user: session.user });
                }
            }
            extensions.insert(SessionToken(token));
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(error) => Err(unavailable(req, &error)),
    }
}

/// The session store could not be read: 503, in the request's language.
fn unavailable(req: &Request, error: &AppError) -> Response {
    let locale = Locale::from_headers(req.headers());
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        locale,
        &error.message(locale),
    )
}
