//! Someone else sets a person's password: a temporary one they must change at their next sign-in.
use super::{check_new, reused, store};
use crate::error::{AppError, Problem};
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials::hash_password;
use crate::server::db::begin_write;
use crate::server::entities::user;
use crate::server::settings::PasswordPolicy;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// What a reset did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordReset {
    pub user_id: i32,
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
}

/// An operator sets a new password for a person (`server reset-password`): it must satisfy the
/// policy, the person must change it at their next sign-in, a lock is lifted, and their sessions
/// end and API tokens are revoked. Audited as `user.password_reset`, without the password.
#[tracing::instrument(skip_all, fields(use_case = "passwords.reset"))]
pub async fn reset(
    db: &DatabaseConnection,
    actor: &Actor,
    username: &str,
    password: &str,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<PasswordReset, AppError> {
    let person = user::Entity::find()
        .filter(user::Column::Username.eq(username.trim()))
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let new = check_new(policy, &person.username, password)
        .map_err(|problem| AppError::invalid("password", problem))?;
    if reused(db, person.id, &new, policy.history).await? {
        return Err(AppError::invalid(
            "password",
            Problem::PasswordReused {
                count: u8::try_from(policy.history).unwrap_or(u8::MAX),
            },
        ));
    }
    let hash = hash_password(new.into_inner()).await?;
    let txn = begin_write(db).await?;
    let done = reset_in(&txn, actor, person, hash, policy, now).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`reset`] inside the caller's transaction, with the new password already hashed (so the slow
/// hash is never computed while the write lock is held): stores it to be changed at the next
/// sign-in, lifts a lock, ends sessions, revokes tokens and records `user.password_reset`.
#[tracing::instrument(skip_all, fields(use_case = "passwords.reset_in"))]
pub async fn reset_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    person: user::Model,
    hash: String,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<PasswordReset, AppError> {
    let user_id = person.id;
    let was_locked = person.locked_until.is_some_and(|until| until > now);
    let (sessions_ended, tokens_revoked) =
        store(txn, person, hash, true, actor.user_id, policy, now).await?;
    audit::record(
        txn,
        actor,
        Event::new(crate::domain::AuditAction::UserPasswordReset, "user")
            .on(user_id)
            .before(serde_json::json!({ "locked": was_locked }))
            .after(serde_json::json!({
                "must_change_password": true,
                "sessions_ended": sessions_ended,
                "tokens_revoked": tokens_revoked,
            })),
        now,
    )
    .await?;
    Ok(PasswordReset {
        user_id,
        sessions_ended,
        tokens_revoked,
    })
}
