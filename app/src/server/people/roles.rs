//! Changing a person's role (a second person confirms a privileged one).
use super::accounts::keep_one_holder;
use super::requests::{RequestKind, request};
use super::{notify, person, privileged};
use crate::domain::{Capability, Role};
use crate::error::{AppError, Problem};
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials;
use crate::server::db::begin_write;
use crate::server::entities::{unit, user};
use crate::server::outbox::NoticeKind;
use crate::server::use_case::UseCase;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

/// What a step of the security administrator did: done at once, or asked of a second person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// A pending request (its id) that another security administrator or the system administrator
    /// confirms or refuses.
    Requested(i32),
}

/// The security administrator gives a person a role (and, for a submitter, the unit they file
/// for). Not their own: no one raises or drops their own privileges. A privileged role is only
/// requested: it is given when a second person confirms ([`confirm_request`]). Taking a role away
/// (to a submitter) is done at once, except from the last active auditor or security
/// administrator. The person's sessions end, their API tokens are revoked, and they are told.
#[tracing::instrument(skip_all, fields(use_case = "people.change_role"))]
pub async fn change_role(
    uc: &UseCase,
    person_id: i32,
    role: &str,
    unit_code: &str,
) -> Result<Outcome, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    uc.require(Capability::ManageSecurity)?;
    let role = Role::parse(role.trim()).ok_or(AppError::invalid("role", Problem::UnknownRole))?;
    if person_id == user.id {
        return Err(AppError::invalid("role", Problem::OwnAccount));
    }
    let unit = match unit_code.trim() {
        "" => None,
        code => Some(
            unit::Entity::find()
                .filter(unit::Column::Code.eq(code))
                .one(db)
                .await?
                .ok_or(AppError::invalid("unit", Problem::UnknownUnit))?,
        ),
    };
    if role == Role::Submitter && unit.is_none() {
        return Err(AppError::invalid("unit", Problem::SubmitterNeedsUnit));
    }
    let txn = begin_write(db).await?;
    let found = person(&txn, person_id).await?;
    let unit_id = unit.as_ref().map(|u| u.id);
    if found.role == role && found.unit_id == unit_id {
        return Ok(Outcome::Done);
    }
    let actor = Actor::user(user, meta);
    if privileged(role) && found.role != role {
        let id = request(
            &txn,
            &actor,
            &found,
            RequestKind::RoleChange,
            Some((role, unit_id)),
            now,
        )
        .await?;
        txn.commit().await?;
        return Ok(Outcome::Requested(id));
    }
    apply_role(&txn, &actor, found, role, unit_id, now).await?;
    txn.commit().await?;
    Ok(Outcome::Done)
}

/// Gives the role inside the caller's transaction: the last holder of a duty keeps it, sessions
/// end, tokens are revoked, `user.role_changed` is recorded and the person is told.
pub(super) async fn apply_role(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    found: user::Model,
    role: Role,
    unit_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    let person_id = found.id;
    if found.role != role {
        keep_one_holder(txn, &found, "role").await?;
    }
    let unit_code = |id: Option<i32>| async move {
        Ok::<_, AppError>(match id {
            Some(id) => unit::Entity::find_by_id(id).one(txn).await?.map(|u| u.code),
            None => None,
        })
    };
    let before_unit = unit_code(found.unit_id).await?;
    let after_unit = unit_code(unit_id).await?;
    let mut edit: user::ActiveModel = found.clone().into();
    edit.role = Set(role);
    edit.unit_id = Set(unit_id);
    let changed = edit.update(txn).await?;
    let sessions_ended = credentials::end_sessions(txn, person_id, None).await?;
    let tokens_revoked = credentials::revoke_tokens(txn, person_id, actor.user_id, now).await?;
    let notified = notify(
        txn,
        &changed,
        NoticeKind::AccountRoleChanged,
        json!({ "role": role.as_str() }),
        now,
    )
    .await?;
    audit::record(
        txn,
        actor,
        Event::new(crate::domain::AuditAction::UserRoleChanged, "user")
            .on(person_id)
            .before(json!({
                "username": found.username, "role": found.role, "unit": before_unit,
            }))
            .after(json!({
                "role": role.as_str(),
                "unit": after_unit,
                "sessions_ended": sessions_ended,
                "tokens_revoked": tokens_revoked,
                "notified": notified,
            })),
        now,
    )
    .await?;
    Ok(changed)
}
