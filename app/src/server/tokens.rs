//! API tokens (`Authorization: Bearer`): for scripts and the provincial platform's feeds, acting as
//! the person they belong to with that person's role and unit. A token is shown once when created;
//! only its SHA-256 is stored. Owners and administrators list and revoke them; creating and revoking
//! are audited, and every change made with a token records the token on its audit event.
//!
//! Issue 15, item 6: every token has a [`Scope`] (`read`, or `write` for the filing steps), which
//! the API checks on every endpoint (ASVS 5.0 V8.2.1/V8.2.2), and an end: at most
//! [`MAX_EXPIRES_DAYS`] days, [`DEFAULT_EXPIRES_DAYS`] unless chosen (V7.3.2 for a long-lived
//! credential). Making one in a browser session asks for the password again, or a current code of
//! the second factor for a person who has one (re-authentication, V7.5.1), and the owner is
//! told by e-mail (V6.3.7).
use super::audit::{self, Actor, Event};
use super::auth::{AuthSettings, session_user_for, token_hash};
use super::db::begin_write;
use super::entities::{api_token, user};
use super::outbox::{self, Notice, NoticeKind, Recipient};
use super::totp;
use super::use_case::RequestMeta;
use crate::domain::Role;
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Every token starts with this, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "rgt_";
/// The longest a token may be valid for, in days.
pub const MAX_EXPIRES_DAYS: u32 = 365;
/// A token's validity when its maker does not choose one (the page's form, the console).
pub const DEFAULT_EXPIRES_DAYS: u32 = 90;

/// What a token may do. A browser session is not limited by a scope; only bearer tokens are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Reading: units, platforms, the deadline calculator, the registry and its exports, filings
    /// and their history, one's tokens.
    Read,
    /// Reading, and the steps that change filings (create, edit, submit, review, report, complete)
    /// and revoking tokens.
    Write,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::Read, Scope::Write];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// Whether a token of this scope may call an endpoint that needs `needed`.
    pub fn allows(self, needed: Scope) -> bool {
        self == Scope::Write || needed == Scope::Read
    }
}

/// The scope of the bearer token a request was made with, put into the request's extensions
/// beside the person; absent for a browser session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenScope(pub Scope);

/// What a new token is to be: its name, scope and validity in days (required; 1 to
/// [`MAX_EXPIRES_DAYS`]).
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub name: String,
    pub scope: Scope,
    pub expires_days: Option<u32>,
}

/// The proof a person in a browser session gives again before a token is made: their password,
/// or, when they have a second factor, a current code from their app (the other is ignored).
#[derive(Debug, Clone, Default)]
pub struct Reauthentication {
    pub password: String,
    pub code: String,
}
const MAX_NAME_CHARS: usize = 100;

/// A token as its owner and the administrators see it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: i32,
    pub user_id: i32,
    pub username: String,
    pub name: String,
    /// The token's first characters, to tell tokens apart.
    pub prefix: String,
    /// What the token may do.
    pub scope: Scope,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; every token has an end.
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Neither revoked nor expired.
    pub active: bool,
}

/// A new token: the secret, shown this once, and its record.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuedToken {
    /// The bearer token. It cannot be shown again.
    pub token: String,
    #[serde(flatten)]
    pub view: TokenView,
}

fn view(t: &api_token::Model, username: &str, now: DateTime<Utc>) -> TokenView {
    TokenView {
        id: t.id,
        user_id: t.user_id,
        username: username.to_string(),
        name: t.name.clone(),
        prefix: t.prefix.clone(),
        scope: Scope::parse(&t.scope).unwrap_or(Scope::Read),
        created_at: t.created_at.to_rfc3339(),
        expires_at: t.expires_at.to_rfc3339(),
        last_used_at: t.last_used_at.map(|d| d.to_rfc3339()),
        revoked_at: t.revoked_at.map(|d| d.to_rfc3339()),
        active: usable(t, now),
    }
}

fn usable(t: &api_token::Model, now: DateTime<Utc>) -> bool {
    t.revoked_at.is_none() && t.expires_at > now
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// Creates a token for `username`, acting as `actor` (an operator at the console, or the owner),
/// and queues the notice to its owner in the same transaction.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    username: &str,
    request: &TokenRequest,
    now: DateTime<Utc>,
) -> Result<IssuedToken, AppError> {
    let expires_at = checked_request(request, now)?;
    let name = request.name.trim();
    let txn = begin_write(db).await?;
    let owner = user::Entity::find()
        .filter(user::Column::Username.eq(username.trim()))
        .filter(user::Column::Active.eq(true))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let secret = new_secret();
    let created = api_token::ActiveModel {
        user_id: Set(owner.id),
        name: Set(name.to_string()),
        token_hash: Set(token_hash(&secret)),
        prefix: Set(secret.chars().take(TOKEN_PREFIX.len() + 6).collect()),
        created_at: Set(now),
        created_by: Set(actor.user_id),
        expires_at: Set(expires_at),
        scope: Set(request.scope.as_str().to_string()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Event {
            action: crate::domain::AuditAction::TokenCreated,
            entity_type: "api_token",
            entity_id: Some(created.id.to_string()),
            before: None,
            after: Some(json!({
                "user_id": owner.id,
                "username": owner.username,
                "name": created.name,
                "prefix": created.prefix,
                "scope": created.scope,
                "expires_at": created.expires_at.to_rfc3339(),
            })),
        },
        now,
    )
    .await?;
    notify_owner(&txn, &owner, &created).await?;
    txn.commit().await?;
    Ok(IssuedToken {
        token: secret,
        view: view(&created, &owner.username, now),
    })
}

/// The owner hears of every new token, so one made by someone else in their name (or at the
/// console) does not go unnoticed. No address, no notice.
async fn notify_owner(
    txn: &impl sea_orm::ConnectionTrait,
    owner: &user::Model,
    token: &api_token::Model,
) -> Result<(), AppError> {
    let Some(address) = owner
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    else {
        return Ok(());
    };
    let to = Recipient::User {
        id: owner.id,
        address: address.to_string(),
        locale: crate::i18n::Locale::parse(&owner.locale).unwrap_or_default(),
    };
    let notice = Notice {
        kind: NoticeKind::TokenCreated,
        filing_id: None,
        unit_id: None,
        params: json!({
            "name": token.name,
            "prefix": token.prefix,
            "scope": token.scope,
            "created_at": token.created_at.to_rfc3339(),
            "expires_at": token.expires_at.to_rfc3339(),
            "path": "/tokens",
        }),
    };
    outbox::enqueue(txn, &notice, &[to], token.created_at).await?;
    Ok(())
}

/// The token's end, when the request is acceptable: a name of at most 100 characters and a
/// validity of 1 to [`MAX_EXPIRES_DAYS`] days (none given is refused, not taken as "for ever").
fn checked_request(request: &TokenRequest, now: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
    let name = request.name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", Problem::Required));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::invalid("name", Problem::TooLong));
    }
    match request.expires_days {
        Some(days) if (1..=MAX_EXPIRES_DAYS).contains(&days) => {
            Ok(now + Duration::days(i64::from(days)))
        }
        // None: a token for ever is no longer made.
        _ => Err(AppError::invalid(
            "expires_days",
            Problem::TokenExpiryRange {
                max: MAX_EXPIRES_DAYS as u16,
            },
        )),
    }
}

/// A signed-in person creates a token for themselves. A token cannot mint further tokens: the
/// caller must be in a browser session, and proves again that it is them ([`Reauthentication`]):
/// a missing proof is `Invalid(Required)`, a wrong one `Invalid(PasswordWrong)` or
/// `Invalid(SecondFactorCodeWrong)`, audited and counted towards the lock like a failed sign-in;
/// either way nothing is created. The request is checked before the proof, so a mistyped expiry
/// costs no attempt.
pub async fn create_own(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    request: &TokenRequest,
    proof: &Reauthentication,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<IssuedToken, AppError> {
    if meta.token_id.is_some() {
        return Err(AppError::Forbidden);
    }
    checked_request(request, now)?;
    let actor = Actor::user(user, meta);
    totp::reauthenticate(
        db,
        user,
        &actor,
        &proof.password,
        &proof.code,
        settings,
        "token_create",
        now,
    )
    .await?;
    create(db, &actor, &user.username, request, now).await
}

/// Whether the person has a second factor in force (then re-authentication asks for its code).
pub async fn has_second_factor(db: &DatabaseConnection, user_id: i32) -> Result<bool, AppError> {
    Ok(user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .is_some_and(|u| u.totp_secret.is_some() && u.totp_enabled_at.is_some()))
}

/// The tokens a person may see: their own; administrators see everyone's. Newest first.
pub async fn list(
    db: &DatabaseConnection,
    user: &SessionUser,
    now: DateTime<Utc>,
) -> Result<Vec<TokenView>, AppError> {
    let mut query = api_token::Entity::find().order_by_desc(api_token::Column::Id);
    if user.role != Role::Admin {
        query = query.filter(api_token::Column::UserId.eq(user.id));
    }
    let tokens = query.all(db).await?;
    let users: std::collections::HashMap<i32, String> = user::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(tokens
        .iter()
        .map(|t| view(t, users.get(&t.user_id).map_or("", String::as_str), now))
        .collect())
}

/// Revokes a token (its owner, or an administrator). Revoking a revoked token changes nothing.
pub async fn revoke(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    now: DateTime<Utc>,
) -> Result<TokenView, AppError> {
    let txn = begin_write(db).await?;
    let found = api_token::Entity::find_by_id(id)
        .one(&txn)
        .await?
        // Someone else's token is as invisible as a missing one.
        .filter(|t| t.user_id == user.id || user.role == Role::Admin)
        .ok_or(AppError::NotFound)?;
    let owner = user::Entity::find_by_id(found.user_id)
        .one(&txn)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    if found.revoked_at.is_some() {
        return Ok(view(&found, &owner, now));
    }
    let mut edit = found.into_active_model();
    edit.revoked_at = Set(Some(now));
    edit.revoked_by = Set(Some(user.id));
    let revoked = edit.update(&txn).await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: crate::domain::AuditAction::TokenRevoked,
            entity_type: "api_token",
            entity_id: Some(revoked.id.to_string()),
            before: Some(json!({"revoked_at": null})),
            after: Some(json!({
                "user_id": revoked.user_id,
                "username": owner,
                "revoked_at": now.to_rfc3339(),
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view(&revoked, &owner, now))
}

/// Revokes every usable token of a person inside the transaction of the step it goes with
/// (signing out everywhere, enrolling a second factor or having it reset) when the person (or the
/// security administrator) ticked the offer (issue 15, item 6; ASVS 5.0 V7.4.3), with its audit
/// event (`token.revoked_all`, with `reason` and how many); none revoked, nothing recorded.
/// Returns how many were revoked.
pub async fn revoke_all_in(
    txn: &impl sea_orm::ConnectionTrait,
    actor: &Actor,
    user_id: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let count = super::passwords::revoke_tokens(txn, user_id, actor.user_id, now).await?;
    if count > 0 {
        audit::record(
            txn,
            actor,
            Event {
                action: crate::domain::AuditAction::TokenRevokedAll,
                entity_type: "user",
                entity_id: Some(user_id.to_string()),
                before: None,
                after: Some(json!({ "reason": reason, "tokens_revoked": count })),
            },
            now,
        )
        .await?;
    }
    Ok(count)
}

/// The person a bearer token acts for, the token's id and its scope; `None` for a token that is unknown,
/// revoked, expired, or whose owner is disabled. Records the last use (at most once a minute).
pub async fn resolve(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(SessionUser, i32, Scope)>, AppError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    let Some(found) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !usable(&found, now) {
        return Ok(None);
    }
    let Some(owner) = user::Entity::find_by_id(found.user_id)
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let id = found.id;
    // An unknown scope (the database refuses one) would read as the narrower.
    let scope = Scope::parse(&found.scope).unwrap_or(Scope::Read);
    // As with sessions: writing on every request would serialise readers on SQLite.
    if found
        .last_used_at
        .is_none_or(|at| now - at > Duration::minutes(1))
    {
        let mut touch = found.into_active_model();
        touch.last_used_at = Set(Some(now));
        touch.update(db).await?;
    }
    Ok(Some((session_user_for(db, owner).await?, id, scope)))
}
