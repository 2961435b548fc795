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
use super::audit::{self, Actor, Event};
use super::db::begin_write;
use super::entities::{session, unit, user};
use super::passwords::{self, PasswordPolicy};
use super::use_case::RequestMeta;
use crate::domain::Role;
use crate::domain::password::ChangeReason;
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};

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

/// How long sessions live (`SESSION_IDLE_MINUTES`, `SESSION_ABSOLUTE_HOURS`).
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in whatever its use.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// A session's cookie value. Only its hash is stored.
#[derive(Debug, Clone)]
pub struct SessionToken(pub String);

/// The rules of sign-in and sessions of this deployment. The session layer puts them into every
/// request, for the handlers and server functions that open sessions or change passwords.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthSettings {
    pub sessions: SessionPolicy,
    pub passwords: PasswordPolicy,
    /// The site is HTTPS: the session cookie is `Secure` and `__Host-` prefixed.
    pub secure_cookies: bool,
    /// `TOTP_REQUIRED`: people whose role [needs a second factor](crate::domain::totp::second_factor_required)
    /// must enrol before anything else.
    pub totp_required: bool,
}

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

/// A successful sign-in: the new session's token, its person and, if so, why they must change their
/// password before anything else.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: SessionToken,
    pub user: SessionUser,
    pub password_change: Option<ChangeReason>,
    /// The token is a half session: the person has a second factor and must give it next (see
    /// [`super::totp::complete_sign_in`]).
    pub second_factor_pending: bool,
}

/// How long a half-signed-in session waits for the second factor.
pub const SECOND_FACTOR_WINDOW_MINUTES: i64 = 5;

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Password hashing (argon2) on the blocking pool, a few at a time. Each hash costs tens of
/// milliseconds of a core and 19 MiB of memory, so a flood of sign-ins would otherwise queue
/// without bound on the blocking pool, and everyone's sign-in with it. Work that cannot get a
/// permit within [`HashingGate::WAIT`] is refused with [`AppError::Busy`] (503, `Retry-After`),
/// having done nothing (OWASP ASVS 5.0 15.2.2).
pub struct HashingGate {
    permits: tokio::sync::Semaphore,
    wait: std::time::Duration,
}

impl HashingGate {
    /// How long work waits for a permit before it is refused.
    pub const WAIT: std::time::Duration = std::time::Duration::from_secs(2);

    pub const fn new(permits: usize, wait: std::time::Duration) -> Self {
        HashingGate {
            permits: tokio::sync::Semaphore::const_new(permits),
            wait,
        }
    }

    /// The server's gate: two permits per core the process may use.
    pub fn shared() -> &'static HashingGate {
        static GATE: std::sync::OnceLock<HashingGate> = std::sync::OnceLock::new();
        GATE.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            HashingGate::new(2 * cores, HashingGate::WAIT)
        })
    }

    /// Runs `work` on the blocking pool once a permit is free. The permit goes with the work, so
    /// it is held until the hashing ends even if the request is dropped meanwhile.
    pub async fn run<T: Send + 'static>(
        &'static self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(closed)) => return Err(AppError::internal(closed)),
            Err(_) => {
                tracing::warn!("password hashing at its limit: request refused");
                return Err(AppError::Busy);
            }
        };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(AppError::internal)
    }
}

/// An argon2 hash of a new password (through the [`HashingGate`]).
pub(crate) async fn hash_password(password: String) -> Result<String, AppError> {
    HashingGate::shared()
        .run(move || password_auth::generate_hash(password))
        .await
}

/// Verifies a password against a stored hash, or against a decoy when there is no user, so that an
/// unknown user costs the same time as a wrong password. Runs through the [`HashingGate`].
pub(crate) async fn password_matches(
    password: String,
    hash: Option<String>,
) -> Result<bool, AppError> {
    HashingGate::shared()
        .run(move || {
            let hash = hash.unwrap_or_else(|| decoy_hash().to_string());
            password_auth::verify_password(password, &hash).is_ok()
        })
        .await
}

/// A hash of no one's password (computed once, on the blocking pool).
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| password_auth::generate_hash("decoy: no account has this password"))
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
        // The CHECK constraint on users.role admits only known roles.
        role: Role::parse(&user.role)
            .ok_or_else(|| sea_orm::DbErr::Custom(format!("unknown role {}", user.role)))?,
        unit_id: user.unit_id,
        unit_name,
    })
}

/// Checks a username and password and opens a session with a new id (ASVS 5.0.0 V7.2.4); the
/// session the browser held before, if any, ends (no fixation). A wrong password, an unknown (or
/// disabled) user and a locked account give the same answer after the same argon2 work; all are
/// audited as failed sign-ins. `policy.lockout_threshold` consecutive failures lock the account for
/// `policy.lockout` (等保 8.1.4.1 b: 限制非法登录次数); a success resets the count. For a person
/// with a TOTP second factor the right password opens only a short half session
/// (`second_factor_pending`), which [`super::totp::complete_sign_in`] turns into a full one.
#[allow(clippy::too_many_arguments)]
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
                Event {
                    action: crate::domain::AuditAction::AuthSignInFailed,
                    entity_type: "user",
                    entity_id: None,
                    before: None,
                    after: Some(after),
                },
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
            Event {
                action: crate::domain::AuditAction::AuthPasswordVerified,
                entity_type: "user",
                entity_id: Some(session_user.id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "second_factor": "pending" })),
            },
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
        user::Entity::update_many()
            .col_expr(user::Column::FailedSignIns, Expr::value(0))
            .col_expr(
                user::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(user::Column::Id.eq(user.id))
            .exec(&txn)
            .await?;
    }
    let password_change = passwords::change_reason(&user, policy, now);
    let token = open_session(&txn, &user, meta, sessions, now).await?;
    let session_user = session_user_for(&txn, user).await?;
    audit::record(
        &txn,
        &Actor::user(&session_user, meta),
        Event {
            action: crate::domain::AuditAction::AuthSignedIn,
            entity_type: "user",
            entity_id: Some(session_user.id.to_string()),
            before: None,
            after: password_change
                .map(|reason| serde_json::json!({ "password_change_required": reason })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(SignedIn {
        token,
        user: session_user,
        password_change,
        second_factor_pending: false,
    })
}

fn is_locked(user: &user::Model, now: DateTime<Utc>) -> bool {
    user.locked_until.is_some_and(|until| until > now)
}

/// Counts a failed authentication of an existing account (a wrong password at sign-in or when
/// changing it) and locks the account when the count reaches the threshold. The count is raised
/// in SQL, so two attempts at once both count.
pub(crate) async fn record_failure(
    txn: &impl ConnectionTrait,
    user: &user::Model,
    actor: &Actor,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    user::Entity::update_many()
        .col_expr(
            user::Column::FailedSignIns,
            Expr::col(user::Column::FailedSignIns).add(1),
        )
        .filter(user::Column::Id.eq(user.id))
        .exec(txn)
        .await?;
    let failures = user::Entity::find_by_id(user.id)
        .one(txn)
        .await?
        .map(|u| u.failed_sign_ins)
        .unwrap_or_default();
    if failures < policy.lockout_threshold as i32 {
        return Ok(());
    }
    let until = now + policy.lockout;
    // The count starts again after the lock: the next threshold of failures locks it again.
    user::Entity::update_many()
        .col_expr(user::Column::FailedSignIns, Expr::value(0))
        .col_expr(user::Column::LockedUntil, Expr::value(Some(until)))
        .filter(user::Column::Id.eq(user.id))
        .exec(txn)
        .await?;
    audit::record(
        txn,
        actor,
        Event {
            action: crate::domain::AuditAction::AuthAccountLocked,
            entity_type: "user",
            entity_id: Some(user.id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "username": user.username,
                "failed_sign_ins": failures,
                "locked_until": until.to_rfc3339(),
            })),
        },
        now,
    )
    .await?;
    tracing::warn!(user_id = user.id, %until, "account locked after failed sign-ins");
    Ok(())
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
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    session::ActiveModel {
        id: Set(token_hash(&token)),
        user_id: Set(user.id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + sessions.absolute),
        source_ip: Set(meta.source_ip.clone()),
        role: Set(Some(user.role.clone())),
        unit_id: Set(user.unit_id),
        second_factor_pending: Set(false),
    }
    .insert(txn)
    .await?;
    Ok(SessionToken(token))
}

/// Opens a half session for `user`, whose password was right and whose second factor is still to
/// come: a fresh random token, good for [`SECOND_FACTOR_WINDOW_MINUTES`].
pub(crate) async fn open_half_session(
    txn: &impl ConnectionTrait,
    user: &user::Model,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<SessionToken, AppError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    session::ActiveModel {
        id: Set(token_hash(&token)),
        user_id: Set(user.id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + Duration::minutes(SECOND_FACTOR_WINDOW_MINUTES)),
        source_ip: Set(meta.source_ip.clone()),
        role: Set(Some(user.role.clone())),
        unit_id: Set(user.unit_id),
        second_factor_pending: Set(true),
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

/// The person a session token belongs to, if the session is still valid. Touches the session so the
/// idle timeout counts from the last use. A session ends when it is idle too long, when it reaches
/// its absolute lifetime (等保 8.1.4.1 b: 连接超时自动退出; ASVS 5.0.0 V7.3.1, V7.3.2), or when the person's
/// role or unit is no longer the one it was opened with (a privilege change needs a new sign-in).
///
/// A half session (password right, second factor to come) resolves with `second_factor_pending`;
/// a person who must enrol a second factor first (`TOTP_REQUIRED`) with `enrolment_required`.
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
    let password_change = passwords::change_reason(&user, policy, now);
    let enrolment_required = settings.totp_required
        && user.totp_enabled_at.is_none()
        && Role::parse(&user.role).is_some_and(crate::domain::totp::second_factor_required);
    Ok(Some(ResolvedSession {
        user: session_user_for(db, user).await?,
        password_change,
        second_factor_pending,
        enrolment_required,
    }))
}

/// Ends one session.
pub async fn sign_out(
    db: &DatabaseConnection,
    token: &str,
    user: &SessionUser,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    session::Entity::delete_by_id(token_hash(token))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: crate::domain::AuditAction::AuthSignedOut,
            entity_type: "user",
            entity_id: Some(user.id.to_string()),
            before: None,
            after: None,
        },
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
pub async fn sign_out_everywhere(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    revoke_tokens: bool,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let txn = begin_write(db).await?;
    let ended = end_sessions(&txn, user.id, None).await?;
    if revoke_tokens {
        let actor = Actor::user(user, meta);
        super::tokens::revoke_all_in(&txn, &actor, user.id, "signed_out_everywhere", now).await?;
    }
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: crate::domain::AuditAction::AuthSignedOutEverywhere,
            entity_type: "user",
            entity_id: Some(user.id.to_string()),
            before: None,
            after: Some(serde_json::json!({ "sessions_ended": ended })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// The language a person reads their notices in follows the one they choose on the site.
/// Recorded (and audited) only when it changes.
pub async fn set_locale(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &super::use_case::RequestMeta,
    locale: crate::i18n::Locale,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let before = user::Entity::find_by_id(user.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if before.locale == locale.tag() {
        return Ok(());
    }
    let old = before.locale.clone();
    let mut edit: user::ActiveModel = before.into();
    edit.locale = Set(locale.tag().to_string());
    edit.update(&txn).await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: crate::domain::AuditAction::UserLocaleChanged,
            entity_type: "user",
            entity_id: Some(user.id.to_string()),
            before: Some(serde_json::json!({"locale": old})),
            after: Some(serde_json::json!({"locale": locale.tag()})),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One `@` between a local part and a domain, no spaces or brackets, at most 254 characters: the
/// mail server has the last word, this keeps typing mistakes out.
pub fn plausible_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    address.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        })
        && !domain.contains('@')
}

/// A new user account, as an operator asks for it.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    pub role: String,
    pub unit_code: Option<String>,
    pub email: Option<String>,
    /// The language of their notices; zh-CN when not given.
    pub locale: Option<crate::i18n::Locale>,
    pub password: String,
    /// The password was chosen by someone else (an operator): the person must change it at their
    /// first sign-in. Only the demo loader, whose passwords are published anyway, says no.
    pub must_change_password: bool,
}

/// Creates a user. Submitters must name their unit; other roles may not (they act for the county).
/// The password must satisfy the policy; it starts the person's password history.
pub async fn create_user(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewUser,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    let username = new.username.trim().to_string();
    if username.is_empty() {
        return Err(AppError::invalid("username", Problem::Required));
    }
    if username.chars().count() > 64 {
        return Err(AppError::invalid("username", Problem::TooLong));
    }
    let role =
        Role::parse(new.role.trim()).ok_or(AppError::invalid("role", Problem::UnknownRole))?;
    // Notices go to this address (the outbox copies it when it queues one).
    let email = new
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            if plausible_email(e) {
                Ok(e.to_string())
            } else {
                Err(AppError::invalid("email", Problem::BadEmail))
            }
        })
        .transpose()?;
    let unit = match new
        .unit_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => Some(
            unit::Entity::find()
                .filter(unit::Column::Code.eq(code))
                .one(db)
                .await?
                .ok_or(AppError::invalid("unit", Problem::UnknownUnit))?,
        ),
        None => None,
    };
    if role == Role::Submitter && unit.is_none() {
        return Err(AppError::invalid("unit", Problem::SubmitterNeedsUnit));
    }
    let password = passwords::check_new(policy, &username, &new.password)
        .map_err(|problem| AppError::invalid("password", problem))?;
    let password_hash = hash_password(password.into_inner()).await?;

    let txn = begin_write(db).await?;
    let taken = user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(AppError::invalid("username", Problem::UsernameTaken));
    }
    let created = user::ActiveModel {
        username: Set(username.clone()),
        display_name: Set(new.display_name.unwrap_or_else(|| username.clone())),
        password_hash: Set(password_hash.clone()),
        role: Set(role.as_str().to_string()),
        unit_id: Set(unit.as_ref().map(|u| u.id)),
        email: Set(email),
        locale: Set(new.locale.unwrap_or_default().tag().to_string()),
        active: Set(true),
        created_at: Set(now),
        password_changed_at: Set(now),
        must_change_password: Set(new.must_change_password),
        failed_sign_ins: Set(0),
        locked_until: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    passwords::remember(&txn, created.id, &password_hash, policy.history, now).await?;
    audit::record(
        &txn,
        actor,
        Event {
            action: crate::domain::AuditAction::UserCreated,
            entity_type: "user",
            entity_id: Some(created.id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "username": created.username,
                "role": created.role,
                "unit": unit.map(|u| u.code),
                "must_change_password": created.must_change_password,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn hashing_beyond_the_permits_waits_briefly_then_is_refused_as_busy() {
        static GATE: HashingGate = HashingGate::new(1, Duration::from_millis(200));
        let held = GATE.permits.acquire().await.unwrap();

        let started = std::time::Instant::now();
        let refused = GATE.run(|| "hashed").await;

        assert_eq!(refused, Err(AppError::Busy));
        assert!(
            started.elapsed() >= Duration::from_millis(200),
            "it waited first"
        );
        assert_eq!(AppError::Busy.status(), 503);
        assert!(AppError::Busy.retry_after().is_some());
        drop(held);
        assert_eq!(GATE.run(|| "hashed").await, Ok("hashed"));
    }

    #[tokio::test]
    async fn a_permit_freed_while_waiting_lets_the_work_run() {
        static GATE: HashingGate = HashingGate::new(1, Duration::from_secs(5));
        let held = GATE.permits.acquire().await.unwrap();
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(held);
        });

        assert_eq!(GATE.run(|| 2 + 2).await, Ok(4));
        release.await.unwrap();
    }

    #[tokio::test]
    async fn the_permit_is_held_until_the_hashing_ends_even_if_its_request_is_dropped() {
        static GATE: HashingGate = HashingGate::new(1, Duration::from_millis(100));
        let (started, started_rx) = std::sync::mpsc::channel();
        let (finish, finish_rx) = std::sync::mpsc::channel::<()>();
        let running = tokio::spawn(GATE.run(move || {
            started.send(()).unwrap();
            finish_rx.recv().unwrap();
        }));
        tokio::task::spawn_blocking(move || started_rx.recv().unwrap())
            .await
            .unwrap();
        running.abort();

        assert_eq!(GATE.run(|| ()).await, Err(AppError::Busy));
        finish.send(()).unwrap();
        assert_eq!(GATE.run(|| ()).await, Ok(()));
    }
}
