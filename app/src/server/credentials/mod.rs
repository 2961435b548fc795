//! What sign-in, passwords, the second factor and API tokens share: password hashing, session
//! rows, the lock after failed attempts, revoking a person's API tokens and the [`Secret`] that
//! carries a plaintext credential. It sits below `auth`, `passwords`,
//! `totp` and `tokens`, so none of them needs another for these.
mod hashing;
mod lockout;
mod revocation;
mod sessions;
pub use hashing::HashingGate;
pub(crate) use hashing::{hash_password, password_matches};
pub(crate) use lockout::{clear_failures, is_locked, record_failure};
pub use revocation::revoke_all_in;
pub(crate) use revocation::revoke_tokens;
pub use sessions::{SECOND_FACTOR_WINDOW_MINUTES, SessionToken, SignedIn};
pub(crate) use sessions::{
    end_sessions, open_half_session, open_session, session_user_for, token_hash,
};
