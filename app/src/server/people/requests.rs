//! Requests a second person confirms (issue 15 item 3).
use super::roles::apply_role;
use super::{notify, person};
pub use crate::domain::RequestKind;
use crate::domain::{Capability, Role};
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials;
use crate::server::db::begin_write;
use crate::server::entities::{account_request, user};
use crate::server::outbox::{self, NoticeKind};
use crate::server::passwords;
use crate::server::settings::PasswordPolicy;
use crate::server::use_case::UseCase;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Requests a second person confirms (issue 15 item 3)
// ---------------------------------------------------------------------------------------------

/// Records a pending request inside the caller's transaction, audited as `account_request.made`.
/// One pending request per account (the database holds it too).
pub(super) async fn request(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    found: &user::Model,
    kind: RequestKind,
    role: Option<(Role, Option<i32>)>,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    let requested_by = actor
        .user_id
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a request needs a person")))?;
    let pending = account_request::Entity::find()
        .filter(account_request::Column::UserId.eq(found.id))
        .filter(account_request::Column::DecidedAt.is_null())
        .one(txn)
        .await?;
    if pending.is_some() {
        return Err(AppError::invalid("id", Problem::RequestPending));
    }
    let row = account_request::ActiveModel {
        user_id: Set(found.id),
        kind: Set(kind),
        role: Set(role.map(|(r, _)| r)),
        unit_id: Set(role.and_then(|(_, unit)| unit)),
        requested_by: Set(requested_by),
        requested_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        actor,
        Event::new(crate::domain::AuditAction::AccountRequestMade, "user")
            .on(found.id)
            .before(json!({ "username": found.username, "role": found.role }))
            .after(json!({
                "request_id": row.id,
                "kind": kind.as_str(),
                "role": row.role,
            })),
        now,
    )
    .await?;
    Ok(row.id)
}

/// Who may decide requests: another security administrator, or the system administrator.
pub(super) fn require_decider(user: &SessionUser) -> Result<(), AppError> {
    if matches!(user.role, Role::SecurityAdmin | Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub(super) async fn pending_request(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<account_request::Model, AppError> {
    account_request::Entity::find_by_id(id)
        .filter(account_request::Column::DecidedAt.is_null())
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Marks a pending request decided, if it still is (a second decision at the same moment loses).
pub(super) async fn decide(
    txn: &impl ConnectionTrait,
    id: i32,
    by: i32,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use sea_orm::sea_query::Expr;
    let done = account_request::Entity::update_many()
        .col_expr(account_request::Column::DecidedBy, Expr::value(Some(by)))
        .col_expr(account_request::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(account_request::Column::Outcome, Expr::value(Some(outcome)))
        .filter(account_request::Column::Id.eq(id))
        .filter(account_request::Column::DecidedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected;
    if done == 1 {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A second person (another security administrator, or the system administrator; never the one
/// who asked, nor the person the request is about) confirms a request, and it is carried out in the
/// same transaction: audited as `account_request.confirmed` beside the change's own event, and the
/// person told. A password is made here and e-mailed to the person's own address; the rule that
/// keeps one auditor and one security administrator is checked again.
#[tracing::instrument(skip_all, fields(use_case = "people.confirm_request"))]
pub async fn confirm_request(
    uc: &UseCase,
    request_id: i32,
    policy: &PasswordPolicy,
) -> Result<(), AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    require_decider(user)?;
    let found = pending_request(db, request_id).await?;
    if found.requested_by == user.id {
        return Err(AppError::invalid("id", Problem::OwnRequest));
    }
    if found.user_id == user.id {
        return Err(AppError::invalid("id", Problem::OwnAccount));
    }
    let kind = found.kind;
    let target = person(db, found.user_id).await?;
    // Made and hashed before the write transaction, so the slow hash never holds the lock.
    let password = match kind {
        RequestKind::PasswordReset => {
            let password = passwords::generate_temporary(policy, &target.username)?;
            let hash = credentials::hash_password(password.clone()).await?;
            Some((password, hash))
        }
        _ => None,
    };
    let actor = Actor::user(user, meta);
    let txn = begin_write(db).await?;
    decide(&txn, request_id, user.id, "confirmed", now).await?;
    let target = person(&txn, found.user_id).await?;
    match kind {
        RequestKind::PasswordReset => {
            let (password, hash) = password.unwrap_or_default();
            if !target.active {
                return Err(AppError::NotFound);
            }
            if outbox::person(target.clone()).is_none() {
                return Err(AppError::invalid("id", Problem::NoEmailForDelivery));
            }
            passwords::reset_in(&txn, &actor, target.clone(), hash, policy, now).await?;
            // Delivered to the person's own address only; the outbox forgets it once sent.
            notify(
                &txn,
                &target,
                NoticeKind::AccountPasswordReset,
                json!({ "password": password }),
                now,
            )
            .await?;
        }
        RequestKind::SecondFactorReset => {
            crate::server::totp::reset_in(&txn, &actor, target.id, now).await?;
            notify(
                &txn,
                &target,
                NoticeKind::AccountSecondFactorReset,
                json!({}),
                now,
            )
            .await?;
        }
        RequestKind::RoleChange => {
            let role = found.role.ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("a role request without role"))
            })?;
            apply_role(&txn, &actor, target.clone(), role, found.unit_id, now).await?;
        }
    }
    audit::record(
        &txn,
        &actor,
        Event::new(crate::domain::AuditAction::AccountRequestConfirmed, "user")
            .on(found.user_id)
            .before(as_recorded(&found))
            .after(json!({ "username": target.username })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What the audit trail records of a request when it is decided.
fn as_recorded(request: &account_request::Model) -> serde_json::Value {
    json!({
        "request_id": request.id,
        "kind": request.kind,
        "role": request.role,
        "requested_by": request.requested_by,
    })
}

/// A second person refuses a request, or the one who asked withdraws it; audited
/// (`account_request.refused` / `account_request.withdrawn`). Nothing else changes. Whether it
/// was withdrawn.
#[tracing::instrument(skip_all, fields(use_case = "people.refuse_request"))]
pub async fn refuse_request(uc: &UseCase, request_id: i32) -> Result<bool, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    require_decider(user)?;
    let txn = begin_write(db).await?;
    let found = pending_request(&txn, request_id).await?;
    if found.user_id == user.id {
        return Err(AppError::invalid("id", Problem::OwnAccount));
    }
    let withdrawn = found.requested_by == user.id;
    let outcome = if withdrawn { "withdrawn" } else { "refused" };
    decide(&txn, request_id, user.id, outcome, now).await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event::new(
            if withdrawn {
                crate::domain::AuditAction::AccountRequestWithdrawn
            } else {
                crate::domain::AuditAction::AccountRequestRefused
            },
            "user",
        )
        .on(found.user_id)
        .before(as_recorded(&found)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(withdrawn)
}

/// The security administrator issues a one-time enrolment code for a person who must enrol a
/// second factor (issue 15 item 7; [`crate::server::totp::issue_enrolment_code`]). Not their own.
#[tracing::instrument(skip_all, fields(use_case = "people.issue_enrolment_code"))]
pub async fn issue_enrolment_code(
    uc: &UseCase,
    person_id: i32,
    totp_required: bool,
) -> Result<(String, String), AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    uc.require(Capability::ManageSecurity)?;
    let code = crate::server::totp::issue_enrolment_code(
        db,
        &Actor::user(user, meta),
        person_id,
        totp_required,
        now,
    )
    .await?;
    let found = person(db, person_id).await?;
    Ok((found.username, code))
}
