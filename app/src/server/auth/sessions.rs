//! A session's standing, resolving a session on each request, and signing out.
use crate::domain::password::ChangeReason;
use crate::error::AppError;
use crate::model::SessionUser;
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials::{self, end_sessions, session_user_for, token_hash};
use crate::server::db::begin_write;
use crate::server::entities::{session, user};
use crate::server::settings;
use crate::server::settings::AuthSettings;
use crate::server::use_case::UseCase;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

/// A session whose person must change their password before anything else (it expired, or
/// someone else set it). The session layer puts this, and no [`SessionUser`], into the request,
/// so every page and service that asks for a signed-in person refuses them; only the
/// change-password page and sign-out accept it.
#[derive(Debug, Clone)]
pub struct PendingPasswordChange {
    pub user: SessionUser,
    pub reason: ChangeReason,
}

/// A session whose person gave the right password but not yet their second factor (TOTP): the
/// session layer puts this, and no [`SessionUser`], into the request, so it is signed out for every
/// page and service; only the second-factor step of sign-in and sign-out accept it.
#[derive(Debug, Clone)]
pub struct PendingSecondFactor {
    pub user: SessionUser,
}

/// A signed-in person whose role needs a second factor while the deployment requires one
/// (`TOTP_REQUIRED`) and who has not enrolled: like [`PendingPasswordChange`], they reach only the
/// second-factor page (to enrol) and sign-out.
#[derive(Debug, Clone)]
pub struct PendingEnrolment {
    pub user: SessionUser,
}

/// How lately a session was opened lets its person in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStanding {
    /// Signed in; if so, why the password must be changed first.
    SignedIn(Option<ChangeReason>),
    /// Half signed in: the second factor is still to come.
    SecondFactorPending,
    /// Signed in, but must enrol a second factor first (`TOTP_REQUIRED`).
    EnrolmentRequired,
}

/// A valid session: its person and, if so, why they must change their password first.
#[derive(Debug, Clone)]
pub struct ResolvedSession {
    pub user: SessionUser,
    pub password_change: Option<ChangeReason>,
    /// The password was right but the second factor is still to come.
    pub second_factor_pending: bool,
    /// `TOTP_REQUIRED` is on, their role needs a second factor and they have none.
    pub enrolment_required: bool,
}

impl ResolvedSession {
    /// What the session lets its person do. The second factor comes first; then a password that
    /// must be changed (an expired one still is, after the second factor); then enrolment.
    pub fn standing(&self) -> SessionStanding {
        if self.second_factor_pending {
            SessionStanding::SecondFactorPending
        } else if self.password_change.is_some() {
            SessionStanding::SignedIn(self.password_change)
        } else if self.enrolment_required {
            SessionStanding::EnrolmentRequired
        } else {
            SessionStanding::SignedIn(None)
        }
    }
}

/// The person a session token belongs to, if the session is still valid. Touches the session so the
/// idle timeout counts from the last use. A session ends when it is idle too long, when it reaches
/// its absolute lifetime (等保 8.1.4.1 b: 连接超时自动退出; ASVS 5.0.0 V7.3.1, V7.3.2), or when the person's
/// role or unit is no longer the one it was opened with (a privilege change needs a new sign-in).
///
/// A half session (password right, second factor to come) resolves with `second_factor_pending`;
/// a person who must enrol a second factor first (`TOTP_REQUIRED`) with `enrolment_required`.
#[tracing::instrument(skip_all, fields(use_case = "auth.resolve_session"))]
pub async fn resolve_session(
    db: &DatabaseConnection,
    token: &str,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<Option<ResolvedSession>, AppError> {
    let (sessions, policy) = (settings.sessions, &settings.passwords);
    let Some(found) = session::Entity::find_by_id(token_hash(token))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if found.expires_at <= now || found.last_seen_at + sessions.idle <= now {
        session::Entity::delete_by_id(found.id).exec(db).await?;
        return Ok(None);
    }
    let Some(user) = user::Entity::find_by_id(found.user_id)
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if found.role.as_deref() != Some(user.role.as_str()) || found.unit_id != user.unit_id {
        tracing::info!(
            user_id = user.id,
            "session ended: the role or unit changed since sign-in"
        );
        session::Entity::delete_by_id(found.id).exec(db).await?;
        return Ok(None);
    }
    let second_factor_pending = found.second_factor_pending;
    // Writing on every request would serialise all readers on SQLite; a minute's slack is harmless.
    if now - found.last_seen_at > Duration::minutes(1) {
        let mut touch: session::ActiveModel = found.into();
        touch.last_seen_at = Set(now);
        touch.update(db).await?;
    }
    let password_change = settings::change_reason(&user, policy, now);
    let enrolment_required = settings.totp_required
        && user.totp_enabled_at.is_none()
        && crate::domain::totp::second_factor_required(user.role);
    Ok(Some(ResolvedSession {
        user: session_user_for(db, user).await?,
        password_change,
        second_factor_pending,
        enrolment_required,
    }))
}

/// Ends one session.
#[tracing::instrument(skip_all, fields(use_case = "auth.sign_out"))]
pub async fn sign_out(uc: &UseCase, token: &str) -> Result<(), AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    let txn = begin_write(db).await?;
    session::Entity::delete_by_id(token_hash(token))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event::new(crate::domain::AuditAction::AuthSignedOut, "user").on(user.id),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// "Sign out everywhere": ends every session of the person, this one included (ASVS 5.0.0 V7.5.2),
/// and with `revoke_tokens` their API tokens in the same transaction (ASVS 5.0.0 V7.4.3); without
/// it the tokens, separate credentials with their own page, stay valid. Returns how many sessions
/// ended.
#[tracing::instrument(skip_all, fields(use_case = "auth.sign_out_everywhere"))]
pub async fn sign_out_everywhere(uc: &UseCase, revoke_tokens: bool) -> Result<u64, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    let txn = begin_write(db).await?;
    let ended = end_sessions(&txn, user.id, None).await?;
    if revoke_tokens {
        let actor = Actor::user(user, meta);
        credentials::revoke_all_in(&txn, &actor, user.id, "signed_out_everywhere", now).await?;
    }
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event::new(crate::domain::AuditAction::AuthSignedOutEverywhere, "user")
            .on(user.id)
            .after(serde_json::json!({ "sessions_ended": ended })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}
