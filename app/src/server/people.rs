//! User administration under the separation of duties (三权分立, GB/T 22239-2019 level 3, 8.1.4.2
//! d and 8.1.4.3/4: 系统管理员, 安全管理员, 审计管理员 are distinct and each does only their part):
//!
//! - the **system administrator** (`admin`) creates user accounts, which always start as
//!   submitters of a unit with a password they must change at first sign-in, and switches accounts
//!   off and on. They grant no role.
//! - the **security administrator** (`security_admin`) gives roles, lifts lockouts, sets temporary
//!   passwords, resets a lost second factor and sets the password policy.
//! - the **auditor** reads the trail of all of it (see [`super::audit_trail`]).
//!
//! Each person holds exactly one role, so no account holds two duties; nobody changes their own
//! role or switches off their own account. Every change is one transaction with its audit event,
//! and a change of role or a switched-off account ends the person's sessions and revokes their API
//! tokens (a privilege change needs a new sign-in, ASVS 3.3.3 / 4.1).
use super::audit::{self, Actor, Event};
use super::auth::{self, NewUser};
use super::context::RequestMeta;
use super::db::begin_write;
use super::entities::{setting, unit, user};
use super::passwords::{self, PasswordPolicy};
use crate::domain::Role;
use crate::error::{AppError, Problem};
use crate::i18n::Locale;
use crate::model::{PeopleView, PersonRow, PolicyView, SessionUser, UnitOption};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use std::collections::HashMap;

/// The duty an action belongs to; anyone else is refused.
fn require(user: &SessionUser, role: Role) -> Result<(), AppError> {
    if user.role == role {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The people as one administrator's page shows them: `duty` is the system administrator's
/// (`/admin/users`) or the security administrator's (`/security`); anyone else is refused. The
/// auditor reads what happened to accounts in the trail instead.
pub async fn view(
    db: &DatabaseConnection,
    user: &SessionUser,
    duty: Role,
    configured: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<PeopleView, AppError> {
    if !matches!(duty, Role::Admin | Role::SecurityAdmin) {
        return Err(AppError::Forbidden);
    }
    require(user, duty)?;
    let units = unit::Entity::find()
        .order_by_asc(unit::Column::Code)
        .all(db)
        .await?;
    let by_id: HashMap<i32, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    let rows = user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|u| {
            let role = Role::parse(&u.role)?;
            let unit = u.unit_id.and_then(|id| by_id.get(&id));
            Some(PersonRow {
                id: u.id,
                username: u.username,
                display_name: u.display_name,
                role,
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
            })
        })
        .collect();
    let policy = policy_view(db, configured).await?;
    Ok(PeopleView {
        rows,
        units: units
            .iter()
            .filter(|u| {
                crate::domain::UnitKind::parse(&u.kind).is_some_and(|k| k.may_host_accounts())
            })
            .map(|u| UnitOption {
                code: u.code.clone(),
                name: u.name.clone(),
            })
            .collect(),
        policy,
        viewer_id: user.id,
    })
}

async fn policy_view(
    db: &impl sea_orm::ConnectionTrait,
    configured: &PasswordPolicy,
) -> Result<PolicyView, AppError> {
    let row = setting::Entity::find_by_id(1).one(db).await?;
    Ok(policy_of(row.as_ref(), configured))
}

fn policy_of(row: Option<&setting::Model>, configured: &PasswordPolicy) -> PolicyView {
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

/// A new account as the system administrator enters it.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub username: String,
    pub display_name: String,
    pub unit_code: String,
    pub email: String,
    pub locale: Option<Locale>,
    /// The first password, which they must change at their first sign-in.
    pub password: String,
}

/// The system administrator creates an account: always a submitter of a unit (only the security
/// administrator grants another role), with a first password the person must change.
pub async fn create(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    new: NewPerson,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    require(user, Role::Admin)?;
    let display_name = new.display_name.trim().to_string();
    if display_name.chars().count() > 64 {
        return Err(AppError::invalid("display_name", Problem::TooLong));
    }
    auth::create_user(
        db,
        &Actor::user(user, meta),
        NewUser {
            username: new.username,
            display_name: (!display_name.is_empty()).then_some(display_name),
            role: Role::Submitter.as_str().to_string(),
            unit_code: Some(new.unit_code),
            email: Some(new.email),
            locale: new.locale,
            password: new.password,
            must_change_password: true,
        },
        policy,
        now,
    )
    .await
}

async fn person(db: &impl sea_orm::ConnectionTrait, id: i32) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The system administrator switches an account off (its sessions end, its API tokens are
/// revoked, it cannot sign in) or on again. Not their own.
pub async fn set_active(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    person_id: i32,
    active: bool,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    require(user, Role::Admin)?;
    if person_id == user.id {
        return Err(AppError::invalid("id", Problem::OwnAccount));
    }
    let txn = begin_write(db).await?;
    let found = person(&txn, person_id).await?;
    if found.active == active {
        return Ok(found);
    }
    let mut edit: user::ActiveModel = found.clone().into();
    edit.active = Set(active);
    let changed = edit.update(&txn).await?;
    let (sessions_ended, tokens_revoked) = if active {
        (0, 0)
    } else {
        (
            auth::end_sessions(&txn, person_id, None).await?,
            passwords::revoke_tokens(&txn, person_id, Some(user.id), now).await?,
        )
    };
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: if active {
                "user.activated"
            } else {
                "user.deactivated"
            },
            entity_type: "user",
            entity_id: Some(person_id.to_string()),
            before: Some(json!({ "username": found.username, "active": found.active })),
            after: Some(json!({
                "active": active,
                "sessions_ended": sessions_ended,
                "tokens_revoked": tokens_revoked,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(changed)
}

/// What the system administrator may change on an account: the name shown, the e-mail address
/// notices go to (none: no e-mail) and their language.
#[derive(Debug, Clone)]
pub struct PersonDetails {
    pub display_name: String,
    pub email: String,
    pub locale: String,
}

/// The system administrator corrects a person's name, notice address or notice language. Roles and
/// units are the security administrator's ([`change_role`]).
pub async fn update_details(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    person_id: i32,
    details: PersonDetails,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    require(user, Role::Admin)?;
    let display_name = details.display_name.trim().to_string();
    if display_name.is_empty() {
        return Err(AppError::invalid("display_name", Problem::Required));
    }
    if display_name.chars().count() > 64 {
        return Err(AppError::invalid("display_name", Problem::TooLong));
    }
    let email = match details.email.trim() {
        "" => None,
        address if auth::plausible_email(address) => Some(address.to_string()),
        _ => return Err(AppError::invalid("email", Problem::BadEmail)),
    };
    let locale = Locale::parse(&details.locale)
        .ok_or(AppError::invalid("locale", Problem::OutOfRange))?
        .tag()
        .to_string();
    let txn = begin_write(db).await?;
    let found = person(&txn, person_id).await?;
    if found.display_name == display_name && found.email == email && found.locale == locale {
        return Ok(found);
    }
    let mut edit: user::ActiveModel = found.clone().into();
    edit.display_name = Set(display_name.clone());
    edit.email = Set(email.clone());
    edit.locale = Set(locale.clone());
    let changed = edit.update(&txn).await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: "user.updated",
            entity_type: "user",
            entity_id: Some(person_id.to_string()),
            before: Some(json!({
                "username": found.username,
                "display_name": found.display_name,
                "email": found.email,
                "locale": found.locale,
            })),
            after: Some(json!({
                "display_name": display_name, "email": email, "locale": locale,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(changed)
}

/// The security administrator gives a person a role (and, for a submitter, the unit they file
/// for). Not their own: no one raises or drops their own privileges. The person's sessions end and
/// their API tokens are revoked.
pub async fn change_role(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    person_id: i32,
    role: &str,
    unit_code: &str,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    require(user, Role::SecurityAdmin)?;
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
    if found.role == role.as_str() && found.unit_id == unit_id {
        return Ok(found);
    }
    let before_unit = match found.unit_id {
        Some(id) => unit::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .map(|u| u.code),
        None => None,
    };
    let mut edit: user::ActiveModel = found.clone().into();
    edit.role = Set(role.as_str().to_string());
    edit.unit_id = Set(unit_id);
    let changed = edit.update(&txn).await?;
    let sessions_ended = auth::end_sessions(&txn, person_id, None).await?;
    let tokens_revoked = passwords::revoke_tokens(&txn, person_id, Some(user.id), now).await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: "user.role_changed",
            entity_type: "user",
            entity_id: Some(person_id.to_string()),
            before: Some(json!({
                "username": found.username, "role": found.role, "unit": before_unit,
            })),
            after: Some(json!({
                "role": role.as_str(),
                "unit": unit.map(|u| u.code),
                "sessions_ended": sessions_ended,
                "tokens_revoked": tokens_revoked,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(changed)
}

/// The security administrator lifts a lock after failed sign-ins (and clears the count).
pub async fn unlock(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    person_id: i32,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    require(user, Role::SecurityAdmin)?;
    let txn = begin_write(db).await?;
    let found = person(&txn, person_id).await?;
    if found.locked_until.is_none() && found.failed_sign_ins == 0 {
        return Ok(found);
    }
    let mut edit: user::ActiveModel = found.clone().into();
    edit.locked_until = Set(None);
    edit.failed_sign_ins = Set(0);
    let changed = edit.update(&txn).await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: "user.unlocked",
            entity_type: "user",
            entity_id: Some(person_id.to_string()),
            before: Some(json!({
                "username": found.username,
                "locked_until": found.locked_until.map(|t| t.to_rfc3339()),
                "failed_sign_ins": found.failed_sign_ins,
            })),
            after: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(changed)
}

/// The security administrator sets a temporary password for someone who lost theirs (see
/// [`passwords::reset`]: they must change it at their next sign-in; a lock is lifted; sessions end
/// and tokens are revoked). Not for their own account: they change theirs like anyone else.
pub async fn reset_password(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    person_id: i32,
    password: &str,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<passwords::PasswordReset, AppError> {
    require(user, Role::SecurityAdmin)?;
    if person_id == user.id {
        return Err(AppError::invalid("password", Problem::OwnAccount));
    }
    let found = person(db, person_id).await?;
    passwords::reset(
        db,
        &Actor::user(user, meta),
        &found.username,
        password,
        policy,
        now,
    )
    .await
}

/// The security administrator's password policy form: every figure, within the bounds the
/// database also holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyFigures {
    pub min_length: u32,
    pub min_classes: u32,
    pub max_age_days: u32,
    pub history: u32,
    pub lockout_threshold: u32,
    pub lockout_minutes: u32,
}

impl PolicyFigures {
    /// The first figure out of range, by its form field.
    fn check(&self) -> Result<(), AppError> {
        use crate::domain::password::{LOWEST_MIN_LENGTH, MAX_LENGTH};
        let bounds = [
            (
                "min_length",
                self.min_length,
                LOWEST_MIN_LENGTH as u32,
                MAX_LENGTH as u32,
            ),
            ("min_classes", self.min_classes, 1, 4),
            ("max_age_days", self.max_age_days, 0, 3650),
            ("history", self.history, 0, passwords::MAX_HISTORY as u32),
            ("lockout_threshold", self.lockout_threshold, 1, 100),
            ("lockout_minutes", self.lockout_minutes, 1, 1440),
        ];
        for (field, value, low, high) in bounds {
            if !(low..=high).contains(&value) {
                return Err(AppError::invalid(field, Problem::OutOfRange));
            }
        }
        Ok(())
    }
}

/// The security administrator sets the password policy, or (`None`) goes back to the deployment's
/// configuration. It applies from the next request on, on every server instance; passwords already
/// set are judged by the new rules only when next changed, expiry at once.
pub async fn save_policy(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    figures: Option<PolicyFigures>,
    configured: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<PolicyView, AppError> {
    require(user, Role::SecurityAdmin)?;
    if let Some(figures) = &figures {
        figures.check()?;
    }
    let txn = begin_write(db).await?;
    let row = setting::Entity::find_by_id(1)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the settings row is missing")))?;
    let before = policy_of(Some(&row), configured);
    let figure = |pick: fn(&PolicyFigures) -> u32| figures.as_ref().map(|f| pick(f) as i32);
    let mut edit: setting::ActiveModel = row.into();
    edit.password_min_length = Set(figure(|f| f.min_length));
    edit.password_min_classes = Set(figure(|f| f.min_classes));
    edit.password_max_age_days = Set(figure(|f| f.max_age_days));
    edit.password_history = Set(figure(|f| f.history));
    edit.lockout_threshold = Set(figure(|f| f.lockout_threshold));
    edit.lockout_minutes = Set(figure(|f| f.lockout_minutes));
    edit.updated_at = Set(Some(now));
    let updated = edit.update(&txn).await?;
    let after = policy_of(Some(&updated), configured);
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: "security.policy_updated",
            entity_type: "settings",
            entity_id: Some("1".into()),
            before: Some(serde_json::to_value(before).map_err(AppError::internal)?),
            after: Some(serde_json::to_value(after).map_err(AppError::internal)?),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The security administrator clears the second factor of someone who lost their phone and their
/// recovery codes ([`super::totp::reset_for_user`]): they sign in with the password alone, and
/// enrol again where a second factor is required. Not their own.
pub async fn reset_second_factor(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    person_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    require(user, Role::SecurityAdmin)?;
    if person_id == user.id {
        return Err(AppError::invalid("id", Problem::OwnAccount));
    }
    let found = person(db, person_id).await?;
    if found.totp_secret.is_none() && found.totp_enabled_at.is_none() {
        return Err(AppError::invalid("id", Problem::NoSecondFactor));
    }
    super::totp::reset_for_user(db, &Actor::user(user, meta), person_id, now).await?;
    Ok(())
}
