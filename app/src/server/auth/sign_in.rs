//! Signing in with a username and password (GB/T 22239-2019 8.1.4.1 b; ASVS 5.0.0 V6.3, V7).
use crate::error::AppError;
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials::{
    SessionToken, SignedIn, is_locked, open_half_session, open_session, password_matches,
    record_failure, session_user_for, token_hash,
};
use crate::server::db::begin_write;
use crate::server::entities::{session, user};
use crate::server::settings;
use crate::server::settings::{PasswordPolicy, SessionPolicy};
use crate::server::use_case::RequestMeta;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

/// Checks a username and password and opens a session with a new id (ASVS 5.0.0 V7.2.4); the
/// session the browser held before, if any, ends (no fixation). A wrong password, an unknown (or
/// disabled) user and a locked account give the same answer after the same argon2 work; all are
/// audited as failed sign-ins. `policy.lockout_threshold` consecutive failures lock the account for
/// `policy.lockout` (等保 8.1.4.1 b: 限制非法登录次数); a success resets the count. For a person
/// with a TOTP second factor the right password opens only a short half session
/// (`second_factor_pending`), which [`crate::server::totp::complete_sign_in`] turns into a full one.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(use_case = "auth.sign_in"))]
pub async fn sign_in(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    meta: &RequestMeta,
    sessions: SessionPolicy,
    policy: &PasswordPolicy,
    previous: Option<&SessionToken>,
    now: DateTime<Utc>,
) -> Result<SignedIn, AppError> {
    let username = username.trim();
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?;
    // Verified even when the account is locked, so that a lock costs the same time as a wrong
    // password and the answer tells nothing.
    let hash = found.as_ref().map(|u| u.password_hash.clone());
    let matches = password_matches(password.to_string(), hash).await?;

    let txn = begin_write(db).await?;
    let actor = Actor::from_request(meta);
    // Read again inside the write transaction: another attempt may have locked it meanwhile.
    let current = match &found {
        Some(u) => user::Entity::find_by_id(u.id).one(&txn).await?,
        None => None,
    };
    let locked = current.as_ref().is_some_and(|u| is_locked(u, now));
    let user = match current {
        Some(user) if matches && !locked => user,
        current => {
            if let Some(user) = current.as_ref().filter(|_| !locked) {
                record_failure(&txn, user, &actor, policy, now).await?;
            }
            // The attempted name helps spot guessing at an account, but only a real account's
            // name is kept: what else lands in the username field is often a password typed one
            // field too early, which the trail must never hold (ASVS 5.0 V16.2.5). The password
            // itself is never recorded.
            let known = match &current {
                Some(_) => true,
                None => {
                    user::Entity::find()
                        .filter(user::Column::Username.eq(username))
                        .count(&txn)
                        .await?
                        > 0
                }
            };
            let mut after = if known {
                serde_json::json!({ "username": username })
            } else {
                serde_json::json!({ "username_known": false })
            };
            if locked {
                after["locked"] = serde_json::Value::Bool(true);
            }
            audit::record(
                &txn,
                &actor,
                Event::new(crate::domain::AuditAction::AuthSignInFailed, "user").after(after),
                now,
            )
            .await?;
            txn.commit().await?;
            return Err(AppError::Unauthenticated);
        }
    };

    if let Some(SessionToken(previous)) = previous {
        session::Entity::delete_by_id(token_hash(previous))
            .exec(&txn)
            .await?;
    }
    if user.totp_enabled_at.is_some() {
        // The password is right, but the person has a second factor: a half session, good for
        // the second-factor step only, and nothing more until the code comes. The failure count
        // is left as it is: it is reset only by a complete sign-in, so that the right password
        // cannot buy an endless supply of guesses at the code.
        let token = open_half_session(&txn, &user, meta, now).await?;
        let session_user = session_user_for(&txn, user).await?;
        audit::record(
            &txn,
            &Actor::user(&session_user, meta),
            Event::new(crate::domain::AuditAction::AuthPasswordVerified, "user")
                .on(session_user.id)
                .after(serde_json::json!({ "second_factor": "pending" })),
            now,
        )
        .await?;
        txn.commit().await?;
        return Ok(SignedIn {
            token,
            user: session_user,
            password_change: None,
            second_factor_pending: true,
        });
    }
    if user.failed_sign_ins != 0 || user.locked_until.is_some() {
        crate::server::credentials::clear_failures(&txn, user.id).await?;
    }
    let password_change = settings::change_reason(&user, policy, now);
    let token = open_session(&txn, &user, meta, sessions, now).await?;
    let session_user = session_user_for(&txn, user).await?;
    let actor = Actor::user(&session_user, meta);
    let after =
        password_change.map(|reason| serde_json::json!({ "password_change_required": reason }));
    SignedIn::completed(
        txn,
        &actor,
        (token, session_user),
        password_change,
        after,
        now,
    )
    .await
}
