//! Issuing API tokens: by an operator or administrator, or a person's own after re-authenticating.
use super::{IssuedToken, Reauthentication, TOKEN_PREFIX, TokenRequest, new_secret, view};
use crate::error::{AppError, Shaped};
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials::token_hash;
use crate::server::db::begin_write;
use crate::server::entities::{api_token, user};
use crate::server::outbox::{self, Notice, NoticeKind, Recipient};
use crate::server::settings::AuthSettings;
use crate::server::totp;
use crate::server::use_case::UseCase;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

/// Creates a token for `username`, acting as `actor` (an operator at the console, or the owner),
/// and queues the notice to its owner in the same transaction.
#[tracing::instrument(skip_all, fields(use_case = "tokens.create"))]
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
        scope: Set(request.scope),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Event::new(crate::domain::AuditAction::TokenCreated, "api_token")
            .on(created.id)
            .after(json!({
                "user_id": owner.id,
                "username": owner.username,
                "name": created.name,
                "prefix": created.prefix,
                "scope": created.scope,
                "expires_at": created.expires_at.to_rfc3339(),
            })),
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
pub(super) async fn notify_owner(
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

/// The token's end, when the request's shape is right ([`TokenRequest`]'s name and validity).
pub(super) fn checked_request(
    request: &TokenRequest,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    let trimmed = TokenRequest {
        name: request.name.trim().to_string(),
        ..request.clone()
    };
    trimmed.check_shape()?;
    // Given, and 1 to MAX_EXPIRES_DAYS: the shape requires it.
    let days = trimmed.expires_days.unwrap_or_default();
    Ok(now + Duration::days(i64::from(days)))
}

/// A signed-in person creates a token for themselves. A token cannot mint further tokens: the
/// caller must be in a browser session, and proves again that it is them ([`Reauthentication`]):
/// a missing proof is `Invalid(Required)`, a wrong one `Invalid(PasswordWrong)` or
/// `Invalid(SecondFactorCodeWrong)`, audited and counted towards the lock like a failed sign-in;
/// either way nothing is created. The request is checked before the proof, so a mistyped expiry
/// costs no attempt.
#[tracing::instrument(skip_all, fields(use_case = "tokens.create_own"))]
pub async fn create_own(
    uc: &UseCase,
    request: &TokenRequest,
    proof: &Reauthentication,
    settings: &AuthSettings,
) -> Result<IssuedToken, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
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
