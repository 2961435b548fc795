//! Revoking a person's API tokens inside the transaction of the step that calls for it.
use crate::error::AppError;
use crate::server::audit::{self, Actor, Event};
use crate::server::entities::api_token;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

/// Revokes the person's usable API tokens; returns how many.
pub(crate) async fn revoke_tokens(
    txn: &impl ConnectionTrait,
    user_id: i32,
    by: Option<i32>,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let live: Vec<api_token::Model> = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .all(txn)
        .await?
        .into_iter()
        .filter(|t| t.expires_at > now)
        .collect();
    let count = live.len() as u64;
    for token in live {
        let mut revoke: api_token::ActiveModel = token.clone().into();
        // Never before its creation (the database checks it), should another instance's clock
        // run ahead of this one's.
        revoke.revoked_at = Set(Some(now.max(token.created_at)));
        revoke.revoked_by = Set(by);
        revoke.update(txn).await?;
    }
    Ok(count)
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
    let count = revoke_tokens(txn, user_id, actor.user_id, now).await?;
    if count > 0 {
        audit::record(
            txn,
            actor,
            Event::new(crate::domain::AuditAction::TokenRevokedAll, "user")
                .on(user_id)
                .after(json!({ "reason": reason, "tokens_revoked": count })),
            now,
        )
        .await?;
    }
    Ok(count)
}
