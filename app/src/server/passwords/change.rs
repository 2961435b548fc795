//! A person changes their own password (ASVS 5.0.0 V6.2.3: the current one first).
use super::{check_new, effective, reused, store};
use crate::domain::password::{self};
use crate::error::{AppError, Problem};
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials::{self, SessionToken, hash_password};
use crate::server::db::begin_write;
use crate::server::entities::user;
use crate::server::settings::{AuthSettings, change_reason};
use crate::server::use_case::UseCase;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// A person's request to change their own password.
#[derive(Clone)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub repeat: String,
}

/// The longest input hashed when checking a current password (bytes): longer cannot match, and
/// argon2 over megabytes would be a cheap way to load the server.
pub(super) const MAX_INPUT_BYTES: usize = 4 * password::MAX_LENGTH;

/// A signed-in person changes their password (also one that must be changed: expired, or set by
/// someone else). The current password is checked first, and a wrong one counts towards the lock
/// like a failed sign-in. Then the repetition, the rules, the common list and the history. On
/// success every session of the person ends, this one included, their API tokens are revoked, and
/// a new session (a new id on a change of privilege: ASVS 5.0.0 V7.2.4) is returned for this
/// browser.
#[tracing::instrument(skip_all, fields(use_case = "passwords.change_own"))]
pub async fn change_own(
    uc: &UseCase,
    change: PasswordChange,
    settings: &AuthSettings,
) -> Result<SessionToken, AppError> {
    let (db, who, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    let policy = &effective(db, &settings.passwords).await?;
    let person = user::Entity::find_by_id(who.id)
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let locked = person.locked_until.is_some_and(|until| until > now);
    let current_ok = change.current.len() <= MAX_INPUT_BYTES && {
        let (current, hash) = (change.current.clone(), person.password_hash.clone());
        credentials::HashingGate::shared()
            .run(move || password_auth::verify_password(current, &hash).is_ok())
            .await?
    };
    if !current_ok || locked {
        let txn = begin_write(db).await?;
        let actor = Actor::user(who, meta);
        if !locked {
            credentials::record_failure(&txn, &person, &actor, policy, now).await?;
        }
        audit::record(
            &txn,
            &actor,
            Event::new(crate::domain::AuditAction::AuthSignInFailed, "user")
                .on(person.id)
                .after(serde_json::json!({
                    "username": person.username,
                    "during": "password_change",
                })),
            now,
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::invalid(
            "current_password",
            Problem::PasswordWrong,
        ));
    }
    if change.new != change.repeat {
        return Err(AppError::invalid(
            "repeat_password",
            Problem::PasswordMismatch,
        ));
    }
    let new = check_new(policy, &person.username, &change.new)
        .map_err(|problem| AppError::invalid("new_password", problem))?;
    if reused(db, person.id, &new, policy.history).await? {
        return Err(AppError::invalid(
            "new_password",
            Problem::PasswordReused {
                count: u8::try_from(policy.history).unwrap_or(u8::MAX),
            },
        ));
    }
    let hash = hash_password(new.into_inner()).await?;

    let txn = begin_write(db).await?;
    let was = change_reason(&person, policy, now);
    let (sessions_ended, tokens_revoked) =
        store(&txn, person.clone(), hash, false, Some(who.id), policy, now).await?;
    let fresh = user::Entity::find_by_id(person.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let token = credentials::open_session(&txn, &fresh, meta, settings.sessions, now).await?;
    audit::record(
        &txn,
        &Actor::user(who, meta),
        Event::new(crate::domain::AuditAction::UserPasswordChanged, "user")
            .on(person.id)
            .before(was.map(|reason| serde_json::json!({ "password_change_required": reason })))
            // Never the hash: the event says what happened, not what the password is.
            .after(serde_json::json!({
                "sessions_ended": sessions_ended,
                "tokens_revoked": tokens_revoked,
            })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}
