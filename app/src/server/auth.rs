//! Users, passwords and sessions. Passwords are argon2 hashes (password-auth), computed off the async
//! threads; sessions live in the database so every server instance (and a restarted one) knows them,
//! and only the SHA-256 of a session's cookie token is stored.
use super::audit::{self, Actor, Event};
use super::context::RequestMeta;
use super::db::begin_write;
use super::entities::{session, unit, user};
use crate::domain::Role;
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "registry_session";
/// Shortest password accepted when an account is created.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// How long sessions live.
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

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

async fn hash_password(password: String) -> anyhow::Result<String> {
    Ok(tokio::task::spawn_blocking(move || password_auth::generate_hash(password)).await?)
}

/// Verifies a password against a stored hash, or against a decoy when there is no user, so that an
/// unknown user costs the same time as a wrong password. Runs on the blocking pool.
async fn password_matches(password: String, hash: Option<String>) -> anyhow::Result<bool> {
    Ok(tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| decoy_hash().to_string());
        password_auth::verify_password(password, &hash).is_ok()
    })
    .await?)
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

/// Checks a username and password and opens a session. A wrong password and an unknown (or disabled)
/// user give the same answer; both are audited as failed sign-ins.
pub async fn sign_in(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    meta: &RequestMeta,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<(SessionToken, SessionUser), AppError> {
    let username = username.trim();
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?;
    let hash = found.as_ref().map(|u| u.password_hash.clone());
    let matches = password_matches(password.to_string(), hash)
        .await
        .map_err(AppError::internal)?;

    let txn = begin_write(db).await?;
    let actor = Actor {
        source_ip: meta.source_ip.clone(),
        request_id: meta.request_id.clone(),
        ..Default::default()
    };
    let Some(user) = found.filter(|_| matches) else {
        audit::record(
            &txn,
            &actor,
            Event {
                action: "auth.sign_in_failed",
                entity_type: "user",
                entity_id: None,
                before: None,
                // The attempted name helps spot guessing; the password is never recorded.
                after: Some(serde_json::json!({ "username": username.chars().take(64).collect::<String>() })),
            },
            now,
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::Unauthenticated);
    };

    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    session::ActiveModel {
        id: Set(token_hash(&token)),
        user_id: Set(user.id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + policy.absolute),
        source_ip: Set(meta.source_ip.clone()),
    }
    .insert(&txn)
    .await?;
    let session_user = session_user_for(&txn, user).await?;
    audit::record(
        &txn,
        &Actor::user(&session_user, meta),
        Event {
            action: "auth.signed_in",
            entity_type: "user",
            entity_id: Some(session_user.id.to_string()),
            before: None,
            after: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((SessionToken(token), session_user))
}

/// The person a session token belongs to, if the session is still valid. Touches the session so the
/// idle timeout counts from the last use.
pub async fn resolve_session(
    db: &DatabaseConnection,
    token: &str,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<Option<SessionUser>, AppError> {
    let Some(found) = session::Entity::find_by_id(token_hash(token))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if found.expires_at <= now || found.last_seen_at + policy.idle <= now {
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
    // Writing on every request would serialise all readers on SQLite; a minute's slack is harmless.
    if now - found.last_seen_at > Duration::minutes(1) {
        let mut touch: session::ActiveModel = found.into();
        touch.last_seen_at = Set(now);
        touch.update(db).await?;
    }
    Ok(Some(session_user_for(db, user).await?))
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
            action: "auth.signed_out",
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

/// The language a person reads their notices in follows the one they choose on the site.
/// Recorded (and audited) only when it changes.
pub async fn set_locale(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &super::context::RequestMeta,
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
            action: "user.locale_changed",
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
}

/// Creates a user. Submitters must name their unit; other roles may not (they act for the county).
pub async fn create_user(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewUser,
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
    if new.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid("password", Problem::PasswordTooShort));
    }
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
    let password_hash = hash_password(new.password)
        .await
        .map_err(AppError::internal)?;

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
        password_hash: Set(password_hash),
        role: Set(role.as_str().to_string()),
        unit_id: Set(unit.as_ref().map(|u| u.id)),
        email: Set(email),
        locale: Set(new.locale.unwrap_or_default().tag().to_string()),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Event {
            action: "user.created",
            entity_type: "user",
            entity_id: Some(created.id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "username": created.username,
                "role": created.role,
                "unit": unit.map(|u| u.code),
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}
