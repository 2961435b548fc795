//! API tokens (`Authorization: Bearer`): for scripts and the provincial platform's feeds, acting as
//! the person they belong to with that person's role and unit. A token is shown once when created;
//! only its SHA-256 is stored. Owners and administrators list and revoke them; creating and revoking
//! are audited, and every change made with a token records the token on its audit event.
use super::audit::{self, Actor, Event};
use super::auth::{session_user_for, token_hash};
use super::context::RequestMeta;
use super::db::begin_write;
use super::entities::{api_token, user};
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
pub const MAX_EXPIRES_DAYS: u32 = 3650;
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
    /// RFC 3339.
    pub created_at: String,
    pub expires_at: Option<String>,
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
        created_at: t.created_at.to_rfc3339(),
        expires_at: t.expires_at.map(|d| d.to_rfc3339()),
        last_used_at: t.last_used_at.map(|d| d.to_rfc3339()),
        revoked_at: t.revoked_at.map(|d| d.to_rfc3339()),
        active: usable(t, now),
    }
}

fn usable(t: &api_token::Model, now: DateTime<Utc>) -> bool {
    t.revoked_at.is_none() && t.expires_at.is_none_or(|at| at > now)
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// Creates a token for `username`, acting as `actor` (an operator at the console, or the owner).
/// `expires_days`: 1 to [`MAX_EXPIRES_DAYS`]; none for a token that lasts until revoked.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    username: &str,
    name: &str,
    expires_days: Option<u32>,
    now: DateTime<Utc>,
) -> Result<IssuedToken, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", Problem::Required));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::invalid("name", Problem::TooLong));
    }
    let expires_at = match expires_days {
        None => None,
        Some(days) if (1..=MAX_EXPIRES_DAYS).contains(&days) => {
            Some(now + Duration::days(i64::from(days)))
        }
        Some(_) => return Err(AppError::invalid("expires_days", Problem::OutOfRange)),
    };
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
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Event {
            action: "token.created",
            entity_type: "api_token",
            entity_id: Some(created.id.to_string()),
            before: None,
            after: Some(json!({
                "user_id": owner.id,
                "username": owner.username,
                "name": created.name,
                "prefix": created.prefix,
                "expires_at": created.expires_at.map(|d| d.to_rfc3339()),
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedToken {
        token: secret,
        view: view(&created, &owner.username, now),
    })
}

/// A signed-in person creates a token for themselves. A token cannot mint further tokens: the
/// caller must be in a browser session.
pub async fn create_own(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    name: &str,
    expires_days: Option<u32>,
    now: DateTime<Utc>,
) -> Result<IssuedToken, AppError> {
    if meta.token_id.is_some() {
        return Err(AppError::Forbidden);
    }
    create(
        db,
        &Actor::user(user, meta),
        &user.username,
        name,
        expires_days,
        now,
    )
    .await
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
            action: "token.revoked",
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

/// The person a bearer token acts for, and the token's id; `None` for a token that is unknown,
/// revoked, expired, or whose owner is disabled. Records the last use (at most once a minute).
pub async fn resolve(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(SessionUser, i32)>, AppError> {
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
    // As with sessions: writing on every request would serialise readers on SQLite.
    if found
        .last_used_at
        .is_none_or(|at| now - at > Duration::minutes(1))
    {
        let mut touch = found.into_active_model();
        touch.last_used_at = Set(Some(now));
        touch.update(db).await?;
    }
    Ok(Some((session_user_for(db, owner).await?, id)))
}
