//! Listing and revoking API tokens.
use super::{TokenView, view};
use crate::domain::Capability;
use crate::error::AppError;
use crate::server::audit::{self, Actor, Event};
use crate::server::db::begin_write;
use crate::server::entities::{api_token, user};
use crate::server::use_case::UseCase;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

/// The tokens page: the tokens the person may see, and whether they have a second factor (a new
/// token then asks for its code instead of the password). The fresh secret is the page's to add.
#[tracing::instrument(skip_all, fields(use_case = "tokens.page"))]
pub async fn page(uc: &UseCase) -> Result<crate::model::TokensView, AppError> {
    let rows = list(uc)
        .await?
        .into_iter()
        .map(|t| crate::model::TokenRow {
            id: t.id,
            username: t.username,
            name: t.name,
            prefix: t.prefix,
            scope: t.scope.as_str().to_string(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
            active: t.active,
        })
        .collect();
    Ok(crate::model::TokensView {
        rows,
        all_users: sees_everyones(uc),
        fresh: None,
        second_factor: super::has_second_factor(uc.db(), uc.user().id).await?,
    })
}

/// The administrator, who may revoke anyone's token, sees everyone's.
fn sees_everyones(uc: &UseCase) -> bool {
    uc.may(Capability::RevokeAnyToken)
}

/// The tokens a person may see: their own; administrators see everyone's. Newest first.
#[tracing::instrument(skip_all, fields(use_case = "tokens.list"))]
pub async fn list(uc: &UseCase) -> Result<Vec<TokenView>, AppError> {
    let (db, user, now) = (uc.db(), uc.user(), uc.now);
    let mut query = api_token::Entity::find().order_by_desc(api_token::Column::Id);
    if !sees_everyones(uc) {
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
#[tracing::instrument(skip_all, fields(use_case = "tokens.revoke"))]
pub async fn revoke(uc: &UseCase, id: i32) -> Result<TokenView, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    let txn = begin_write(db).await?;
    let found = api_token::Entity::find_by_id(id)
        .one(&txn)
        .await?
        // Someone else's token is as invisible as a missing one.
        .filter(|t| t.user_id == user.id || sees_everyones(uc))
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
        Event::new(crate::domain::AuditAction::TokenRevoked, "api_token")
            .on(revoked.id)
            .before(json!({"revoked_at": null}))
            .after(json!({
                "user_id": revoked.user_id,
                "username": owner,
                "revoked_at": now.to_rfc3339(),
            })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view(&revoked, &owner, now))
}
