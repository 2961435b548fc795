//! The lock after consecutive failed attempts (等保 8.1.4.1 b: 限制非法登录次数).
use crate::error::AppError;
use crate::server::audit::{self, Actor, Event};
use crate::server::entities::user;
use crate::server::settings::PasswordPolicy;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub(crate) fn is_locked(user: &user::Model, now: DateTime<Utc>) -> bool {
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
        Event::new(crate::domain::AuditAction::AuthAccountLocked, "user")
            .on(user.id)
            .after(serde_json::json!({
                "username": user.username,
                "failed_sign_ins": failures,
                "locked_until": until.to_rfc3339(),
            })),
        now,
    )
    .await?;
    tracing::warn!(user_id = user.id, %until, "account locked after failed sign-ins");
    Ok(())
}

/// A proof of identity succeeded: the count of failures starts again and a lock ends.
pub(crate) async fn clear_failures(
    txn: &impl ConnectionTrait,
    user_id: i32,
) -> Result<(), AppError> {
    user::Entity::update_many()
        .col_expr(user::Column::FailedSignIns, Expr::value(0))
        .col_expr(
            user::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(txn)
        .await?;
    Ok(())
}
