//! Session rows: opening a full or half session with a fresh token, ending a person's sessions.
use crate::domain::password::ChangeReason;
use crate::error::AppError;
use crate::model::SessionUser;
use crate::server::entities::{session, unit, user};
use crate::server::settings::SessionPolicy;
use crate::server::use_case::RequestMeta;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

/// A session's cookie value. Only its hash is stored, and `Debug` never shows it (ASVS 5.0
/// 16.2.5), like [`crate::server::secret::Secret`].
#[derive(Clone)]
pub struct SessionToken(pub String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

/// A successful sign-in: the new session's token, its person and, if so, why they must change their
/// password before anything else.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: SessionToken,
    pub user: SessionUser,
    pub password_change: Option<ChangeReason>,
    /// The token is a half session: the person has a second factor and must give it next (see
    /// `totp::complete_sign_in`).
    pub second_factor_pending: bool,
}

impl SignedIn {
    /// Ends a sign-in that succeeded with every proof it needs: `auth.signed_in` is recorded (with
    /// `after`: how, and whether a password change is due) and the transaction committed.
    pub(crate) async fn completed(
        txn: sea_orm::DatabaseTransaction,
        actor: &crate::server::audit::Actor,
        (token, user): (SessionToken, SessionUser),
        password_change: Option<ChangeReason>,
        after: Option<serde_json::Value>,
        now: DateTime<Utc>,
    ) -> Result<Self, AppError> {
        use crate::server::audit::{self, Event};
        let event = Event::new(crate::domain::AuditAction::AuthSignedIn, "user").on(user.id);
        audit::record(&txn, actor, event.after(after), now).await?;
        txn.commit().await?;
        Ok(SignedIn {
            token,
            user,
            password_change,
            second_factor_pending: false,
        })
    }
}

/// How long a half-signed-in session waits for the second factor.
pub const SECOND_FACTOR_WINDOW_MINUTES: i64 = 5;

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) async fn session_user_for(
    db: &impl sea_orm::ConnectionTrait,
    user: user::Model,
) -> Result<SessionUser, sea_orm::DbErr> {
    let unit_name = match user.unit_id {
        Some(id) => unit::Entity::find_by_id(id).one(db).await?.map(|u| u.name),
        None => None,
    };
    Ok(SessionUser {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        unit_id: user.unit_id,
        unit_name,
    })
}

/// Opens a session for `user` with a fresh random token, remembering the role and unit it was
/// opened with.
pub(crate) async fn open_session(
    txn: &impl ConnectionTrait,
    user: &user::Model,
    meta: &RequestMeta,
    sessions: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<SessionToken, AppError> {
    insert(txn, user, meta, now, now + sessions.absolute, false).await
}

/// Opens a half session for `user`, whose password was right and whose second factor is still to
/// come: a fresh random token, good for [`SECOND_FACTOR_WINDOW_MINUTES`].
pub(crate) async fn open_half_session(
    txn: &impl ConnectionTrait,
    user: &user::Model,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<SessionToken, AppError> {
    let expires_at = now + Duration::minutes(SECOND_FACTOR_WINDOW_MINUTES);
    insert(txn, user, meta, now, expires_at, true).await
}

/// A session row for `user` under a fresh random token (32 bytes; only its hash is stored),
/// remembering the role and unit it was opened with.
async fn insert(
    txn: &impl ConnectionTrait,
    user: &user::Model,
    meta: &RequestMeta,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    second_factor_pending: bool,
) -> Result<SessionToken, AppError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    session::ActiveModel {
        id: Set(token_hash(&token)),
        user_id: Set(user.id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
        source_ip: Set(meta.source_ip.clone()),
        role: Set(Some(user.role.as_str().to_string())),
        unit_id: Set(user.unit_id),
        second_factor_pending: Set(second_factor_pending),
    }
    .insert(txn)
    .await?;
    Ok(SessionToken(token))
}

/// Ends every session of a person, but the one with `except` (a token hash). Returns how many.
pub(crate) async fn end_sessions(
    txn: &impl ConnectionTrait,
    user_id: i32,
    except: Option<&str>,
) -> Result<u64, AppError> {
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = except {
        delete = delete.filter(session::Column::Id.ne(keep));
    }
    Ok(delete.exec(txn).await?.rows_affected)
}
