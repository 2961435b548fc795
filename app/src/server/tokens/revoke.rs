//! Listing and revoking API tokens.
use super::{TokenView, view};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::SessionUser;
use crate::server::audit::{self, Actor, Event};
use crate::server::db::begin_write;
use crate::server::entities::{api_token, user};
use crate::server::use_case::RequestMeta;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

/// The tokens a person may see: their own; administrators see everyone's. Newest first.
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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
