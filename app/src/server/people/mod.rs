//! User administration under the separation of duties (三权分立, GB/T 22239-2019 level 3, 8.1.4.2
//! d and 8.1.4.3/4: 系统管理员, 安全管理员, 审计管理员 are distinct and each does only their part):
//!
//! - the **system administrator** (`admin`) creates user accounts, which always start as
//!   submitters of a unit with a password they must change at first sign-in, and switches accounts
//!   off and on. They grant no role.
//! - the **security administrator** (`security_admin`) gives roles, lifts lockouts, has temporary
//!   passwords made, resets a lost second factor, issues enrolment codes and sets the password
//!   policy.
//! - the **auditor** reads the trail of all of it (see [`super::audit_trail`]).
//!
//! Each person holds exactly one role, so no account holds two duties; nobody changes their own
//! role or switches off their own account. Every change is one transaction with its audit event,
//! and a change of role or a switched-off account ends the person's sessions and revokes their API
//! tokens (a privilege change needs a new sign-in, ASVS 5.0.0 V8.3.2, V7.4.2).
//!
//! So that the security administrator cannot take over a privileged account (issue 15 item 3;
//! GB/T 22239-2019 8.1.4.2 d; ASVS 5.0 V8.2.x, V6.4.x): no one chooses a temporary password (the
//! system makes it: shown once to the security administrator for a submitter, e-mailed to the
//! person's own address for anyone else); resetting the password or second factor of a privileged
//! account (every role but the submitter's) or giving a privileged role is only a *request*, carried
//! out when a second person (another security administrator, or the system administrator) confirms
//! it, never the one who asked. The last active auditor and the last active security administrator
//! keep their role and stay switched on. The person is told by e-mail, in their language, of every
//! password reset, role change, second-factor reset and switch-off (ASVS 5.0 V6.3.7).
mod accounts;
mod requests;
mod roles;
mod security;
pub use accounts::{NewPerson, PersonDetails, create, set_active, unlock, update_details};
pub use requests::{RequestKind, confirm_request, issue_enrolment_code, refuse_request};
pub use roles::{Outcome, change_role};
pub use security::{
    PasswordOutcome, PolicyFigures, reset_password, reset_second_factor, save_policy,
};

use crate::domain::{Capability, Role};
use crate::error::AppError;
use crate::model::{AccountRequestRow, PeopleView, PersonRow, PolicyView};
use crate::server::entities::{account_request, setting, unit, user};
use crate::server::outbox::{self, Notice, NoticeKind};
use crate::server::settings::PasswordPolicy;
use crate::server::use_case::UseCase;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use std::collections::HashMap;

/// The people as one administrator's page shows them: `duty` is the system administrator's
/// (`/admin/users`) or the security administrator's (`/security`); anyone else is refused. The
/// auditor reads what happened to accounts in the trail instead.
#[tracing::instrument(skip_all, fields(use_case = "people.view"))]
pub async fn view(
    uc: &UseCase,
    duty: Role,
    configured: &PasswordPolicy,
    totp_required: bool,
) -> Result<PeopleView, AppError> {
    let (db, user, now) = (uc.db(), uc.user(), uc.now);
    uc.require(match duty {
        Role::Admin => Capability::ManagePeople,
        Role::SecurityAdmin => Capability::ManageSecurity,
        _ => return Err(AppError::Forbidden),
    })?;
    let units = unit::Entity::find()
        .order_by_asc(unit::Column::Code)
        .all(db)
        .await?;
    let by_id: HashMap<i32, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    let people = user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?;
    let names: HashMap<i32, String> = people.iter().map(|u| (u.id, u.username.clone())).collect();
    let requests = account_request::Entity::find()
        .filter(account_request::Column::DecidedAt.is_null())
        .order_by_asc(account_request::Column::RequestedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|r| AccountRequestRow {
            id: r.id,
            username: names.get(&r.user_id).cloned().unwrap_or_default(),
            kind: r.kind.as_str().to_string(),
            role: r.role,
            unit_code: r
                .unit_id
                .and_then(|id| by_id.get(&id))
                .map(|u| u.code.clone()),
            requested_by: names.get(&r.requested_by).cloned().unwrap_or_default(),
            requested_at: r.requested_at.to_rfc3339(),
            own: r.requested_by == user.id,
            about_viewer: r.user_id == user.id,
        })
        .collect();
    let rows = people
        .into_iter()
        .map(|u| {
            let enrolment_code_needed =
                crate::server::totp::enrolment_code_needed(&u, totp_required) && u.active;
            let unit = u.unit_id.and_then(|id| by_id.get(&id));
            PersonRow {
                id: u.id,
                username: u.username,
                display_name: u.display_name,
                role: u.role,
                unit_code: unit.map(|x| x.code.clone()),
                unit_name: unit.map(|x| x.name.clone()),
                email: u.email,
                locale: u.locale,
                active: u.active,
                locked_until: u
                    .locked_until
                    .filter(|until| *until > now)
                    .map(|until| until.to_rfc3339()),
                failed_sign_ins: u.failed_sign_ins,
                must_change_password: u.must_change_password,
                password_changed_at: u.password_changed_at.to_rfc3339(),
                second_factor: u.totp_enabled_at.is_some(),
                enrolment_code_needed,
            }
        })
        .collect();
    let policy = policy_view(db, configured).await?;
    Ok(PeopleView {
        rows,
        units: super::units::host_options(&units),
        policy,
        viewer_id: user.id,
        requests,
        fresh_password: None,
        fresh_enrolment_code: None,
    })
}

pub(super) async fn policy_view(
    db: &impl sea_orm::ConnectionTrait,
    configured: &PasswordPolicy,
) -> Result<PolicyView, AppError> {
    let row = setting::Entity::find_by_id(1).one(db).await?;
    Ok(policy_of(row.as_ref(), configured))
}

pub(super) fn policy_of(row: Option<&setting::Model>, configured: &PasswordPolicy) -> PolicyView {
    let policy = match row {
        Some(row) => configured.with_settings(row),
        None => *configured,
    };
    PolicyView {
        min_length: policy.rules.min_length() as u32,
        min_classes: u32::from(policy.rules.min_classes()),
        max_age_days: policy.max_age.map_or(0, |age| age.num_days() as u32),
        history: policy.history as u32,
        lockout_threshold: policy.lockout_threshold,
        lockout_minutes: policy.lockout.num_minutes() as u32,
        set_here: row.is_some_and(PasswordPolicy::is_set_in),
    }
}

pub(super) async fn person(
    db: &impl sea_orm::ConnectionTrait,
    id: i32,
) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

// issue 15: people
/// Every role but the submitter's: deciding filings, administering the system, reading the trail,
/// administering security.
pub fn privileged(role: Role) -> bool {
    role != Role::Submitter
}

/// Queues a notice to the person about their own account, in their language, when they have an
/// address (ASVS 5.0 V6.3.7). Whether one was queued.
pub(super) async fn notify(
    txn: &impl ConnectionTrait,
    person: &user::Model,
    kind: NoticeKind,
    mut params: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let Some(to) = outbox::person(person.clone()) else {
        return Ok(false);
    };
    params["username"] = json!(person.username);
    let notice = Notice {
        kind,
        filing_id: None,
        unit_id: None,
        params,
    };
    Ok(outbox::enqueue(txn, &notice, &[to], now).await? == 1)
}

pub(super) async fn active_person(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}
