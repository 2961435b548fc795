//! An administrator's reset after a lost phone, and the enrolment codes that let a person enrol
//! without a working password sign-in (issue 15 item 7).
use super::codes::{
    canonical_enrolment_code, display_enrolment_code, new_enrolment_code, recovery_hash,
};
use super::own::clear;
use super::{SecondFactorReset, recovery_codes_left};
use crate::error::{AppError, Problem};
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials::{self};
use crate::server::db::begin_write;
use crate::server::entities::{enrolment_code, user};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

// ---------------------------------------------------------------------------------------------
// An administrator's reset
// ---------------------------------------------------------------------------------------------

/// Clears someone else's second factor after they lost their phone and their recovery codes: the
/// secret, the pending enrolment and the recovery codes go, their sessions end, and they sign in
/// with their password alone (and, where `TOTP_REQUIRED` applies to their role, must enrol again
/// before anything else). Audited as `user.second_factor_reset` with `actor`, never with the secret.
///
/// The caller checks that `actor` may do this (the security administrator's page, or an operator
/// at the console); the service refuses only an actor resetting their own second factor
/// (`Forbidden`: they use [`disable_own`], which asks for a proof). An unknown `user_id` is
/// `NotFound`.
#[tracing::instrument(skip_all, fields(use_case = "totp.reset_for_user"))]
pub async fn reset_for_user(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<SecondFactorReset, AppError> {
    let txn = begin_write(db).await?;
    let done = reset_in(&txn, actor, user_id, now).await?;
    txn.commit().await?;
    tracing::info!(user_id, "second factor reset by an administrator");
    Ok(done)
}

/// [`reset_for_user`] inside the caller's transaction (a confirmed request, issue 15 item 3).
#[tracing::instrument(skip_all, fields(use_case = "totp.reset_in"))]
pub async fn reset_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<SecondFactorReset, AppError> {
    if actor.user_id == Some(user_id) {
        return Err(AppError::Forbidden);
    }
    let person = user::Entity::find_by_id(user_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let was_enabled = person.totp_enabled_at.is_some();
    let was_pending = person.totp_secret.is_some() && !was_enabled;
    let left = recovery_codes_left(txn, user_id).await?;
    clear(txn, user_id).await?;
    let sessions_ended = credentials::end_sessions(txn, user_id, None).await?;
    audit::record(
        txn,
        actor,
        Event::new(crate::domain::AuditAction::UserSecondFactorReset, "user")
            .on(user_id)
            .before(serde_json::json!({
                "username": person.username,
                "enabled": was_enabled,
                "enrolment_pending": was_pending,
                "recovery_codes_left": left,
            }))
            .after(serde_json::json!({ "sessions_ended": sessions_ended })),
        now,
    )
    .await?;
    Ok(SecondFactorReset {
        user_id,
        was_enabled,
        sessions_ended,
    })
}

// ---------------------------------------------------------------------------------------------
// Enrolment codes (issue 15 item 7)
// ---------------------------------------------------------------------------------------------

/// Hours an enrolment code stays valid.
pub const ENROLMENT_CODE_HOURS: i64 = 24;

/// Whether this person enrols only with an enrolment code: the deployment requires a second factor
/// of their role (`TOTP_REQUIRED`) and they have none in force.
pub fn enrolment_code_needed(person: &user::Model, totp_required: bool) -> bool {
    totp_required
        && person.totp_enabled_at.is_none()
        && crate::domain::totp::second_factor_required(person.role)
}

/// The id of the person's live (unused, unexpired) enrolment code that `typed` is, if any.
pub(super) async fn live_enrolment_code(
    db: &impl ConnectionTrait,
    user_id: i32,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Option<i32>, AppError> {
    let Some(canonical) = canonical_enrolment_code(typed) else {
        return Ok(None);
    };
    Ok(enrolment_code::Entity::find()
        .filter(enrolment_code::Column::UserId.eq(user_id))
        .filter(enrolment_code::Column::CodeHash.eq(recovery_hash(&canonical)))
        .filter(enrolment_code::Column::UsedAt.is_null())
        .filter(enrolment_code::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .map(|c| c.id))
}

/// Issues a one-time enrolment code for a person who must enrol a second factor: shown once (the
/// return value, dashed), kept only as its SHA-256, valid [`ENROLMENT_CODE_HOURS`] hours, and any
/// earlier unused code of theirs stops working. Audited as `user.enrolment_code_issued` (never
/// the code). `actor` is the security administrator (the caller checks the duty) or an operator at
/// the console (`server enrolment-code`, for the first security administrator). Refused for
/// one's own account (`OwnAccount`), an account switched off (`NotFound`) and one that needs no
/// code (`EnrolmentCodeNotNeeded`).
#[tracing::instrument(skip_all, fields(use_case = "totp.issue_enrolment_code"))]
pub async fn issue_enrolment_code(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i32,
    totp_required: bool,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    if actor.user_id == Some(user_id) {
        return Err(AppError::invalid("id", Problem::OwnAccount));
    }
    let canonical = new_enrolment_code()?;
    let txn = begin_write(db).await?;
    let person = user::Entity::find_by_id(user_id)
        .filter(user::Column::Active.eq(true))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !enrolment_code_needed(&person, totp_required) {
        return Err(AppError::invalid("id", Problem::EnrolmentCodeNotNeeded));
    }
    let replaced = enrolment_code::Entity::delete_many()
        .filter(enrolment_code::Column::UserId.eq(user_id))
        .filter(enrolment_code::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    let expires_at = now + chrono::Duration::hours(ENROLMENT_CODE_HOURS);
    let row = enrolment_code::ActiveModel {
        user_id: Set(user_id),
        code_hash: Set(recovery_hash(&canonical)),
        issued_by: Set(actor.user_id),
        issued_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Event::new(crate::domain::AuditAction::UserEnrolmentCodeIssued, "user")
            .on(user_id)
            .after(serde_json::json!({
                "username": person.username,
                "enrolment_code_id": row.id,
                "expires_at": expires_at.to_rfc3339(),
                "replaced_unused": replaced,
            })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(display_enrolment_code(&canonical))
}
