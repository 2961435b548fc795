//! Users, sign-in and sessions. Passwords are argon2 hashes (password-auth), computed off the async
//! threads; sessions live in the database so every server instance (and a restarted one) knows them,
//! and only the SHA-256 of a session's cookie token is stored.
//!
//! Sign-in follows GB/T 22239-2019 8.1.4.1 b (登录失败处理, 连接超时自动退出) and OWASP ASVS 5.0.0
//! V6.3 / V7: consecutive failures lock the account for a while, a wrong password, an unknown user
//! and a locked account get the same answer after the same work, every sign-in gets a new session
//! id, and sessions end after an idle time, an absolute lifetime, or a change of the person's role
//! or unit. The password rules, history and expiry are in [`super::passwords`]; the TOTP second
//! factor, and the second step of sign-in, in [`super::totp`].
mod sessions;
mod sign_in;
mod users;
pub use crate::server::credentials::{
    HashingGate, SECOND_FACTOR_WINDOW_MINUTES, SessionToken, SignedIn,
};
pub use crate::server::settings::{AuthSettings, SessionPolicy};
pub use sessions::{
    PendingEnrolment, PendingPasswordChange, PendingSecondFactor, ResolvedSession, SessionStanding,
    resolve_session, sign_out, sign_out_everywhere,
};
pub use sign_in::sign_in;
pub use users::{NewUser, create_user, dotted_domain, set_locale};

/// The session cookie's name on a site served over plain HTTP (development, tests, the demo).
pub const SESSION_COOKIE: &str = "registry_session";

/// The session cookie's name over HTTPS. Browsers accept a `__Host-` cookie only with `Secure`,
/// `Path=/` and no `Domain`, so neither a sibling subdomain nor a plain-HTTP page can plant or
/// overwrite it (ASVS 5.0.0 V3.3.3).
pub const SECURE_SESSION_COOKIE: &str = "__Host-registry_session";

/// The session cookie's name: `__Host-` prefixed when the site is HTTPS.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The `Set-Cookie` value for a session token (an empty token clears the cookie): `HttpOnly` (no
/// script reads it), `SameSite=Lax` (no cross-site posts carry it), `Path=/`, and over HTTPS `Secure`
/// with the `__Host-` name (ASVS 5.0 V3.3.1, V3.3.3). It has no `Max-Age` or `Expires`: it ends
/// when the browser closes, so a shared office PC does not keep a county clerk signed in; the
/// server ends the session sooner by its idle timeout and lifetime (ASVS 5.0 V7.3.1, V7.3.2).
pub fn session_cookie(token: &str, secure: bool) -> String {
    let name = session_cookie_name(secure);
    let lifetime = if token.is_empty() { "; Max-Age=0" } else { "" };
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={token}; Path=/{lifetime}; HttpOnly; SameSite=Lax{secure}")
}
