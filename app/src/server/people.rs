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
use super::audit::{self, Actor, Event};
use super::auth::{self, NewUser};
use super::db::begin_write;
use super::entities::{account_request, setting, unit, user};
use super::outbox::{self, Notice, NoticeKind};
use super::passwords::{self, PasswordPolicy};
use super::use_case::RequestMeta;
use crate::domain::Role;
use crate::error::{AppError, Problem};
use crate::i18n::Locale;
use crate::model::{AccountRequestRow, PeopleView, PersonRow, PolicyView, SessionUser, UnitOption};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
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
    totp_required: bool,
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
            kind: r.kind,
            role: r.role.as_deref().and_then(Role::parse),
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
        .filter_map(|u| {
            let enrolment_code_needed =
                super::totp::enrolment_code_needed(&u, totp_required) && u.active;
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
                enrolment_code_needed,
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
        requests,
        fresh_password: None,
        fresh_enrolment_code: None,
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
/// revoked, it cannot sign in; the person is told by e-mail) or on again. Not their own, and not
/// the last active auditor or security administrator (issue 15 item 3: one duty of 三权分立 would
/// be left without anyone to hold it).
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
    if !active {
        keep_one_holder(&txn, &found, "id").await?;
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
    let notified = if active {
        false
    } else {
        notify(&txn, &found, NoticeKind::AccountDisabled, json!({}), now).await?
    };
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: if active {
                crate::domain::AuditAction::UserActivated
            } else {
                crate::domain::AuditAction::UserDeactivated
            },
            entity_type: "user",
            entity_id: Some(person_id.to_string()),
            before: Some(json!({ "username": found.username, "active": found.active })),
            after: Some(json!({
                "active": active,
                "sessions_ended": sessions_ended,
                "tokens_revoked": tokens_revoked,
                "notified": notified,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(changed)
}

// issue 15: people
/// Every role but the submitter's: deciding filings, administering the system, reading the trail,
/// administering security.
pub fn privileged(role: Role) -> bool {
    role != Role::Submitter
}

fn privileged_code(role: &str) -> bool {
    Role::parse(role).is_none_or(privileged)
}

/// Refuses to take the last active auditor or security administrator out of their duty (switched
/// off, or given another role): 三权分立 needs someone in each (GB/T 22239-2019 8.1.4.2 d). On
/// PostgreSQL the holders' rows are locked until the transaction ends, so two administrators
/// switching off the last two auditors at the same moment cannot both succeed; on SQLite the
/// write transaction already runs alone.
async fn keep_one_holder(
    txn: &impl ConnectionTrait,
    person: &user::Model,
    field: &'static str,
) -> Result<(), AppError> {
    let problem = match Role::parse(&person.role) {
        Some(Role::Auditor) => Problem::LastAuditor,
        Some(Role::SecurityAdmin) => Problem::LastSecurityAdmin,
        _ => return Ok(()),
    };
    if !person.active {
        return Ok(());
    }
    let mut holders = user::Entity::find()
        .filter(user::Column::Role.eq(person.role.clone()))
        .filter(user::Column::Active.eq(true));
    if txn.get_database_backend() == DbBackend::Postgres {
        holders = holders.lock_exclusive();
    }
    let holders = holders.all(txn).await?;
    if holders.iter().all(|h| h.id == person.id) {
        return Err(AppError::invalid(field, problem));
    }
    Ok(())
}

/// Queues a notice to the person about their own account, in their language, when they have an
/// address (ASVS 5.0 V6.3.7). Whether one was queued.
async fn notify(
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
            action: crate::domain::AuditAction::UserUpdated,
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
pub async fn change_role(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    person_id: i32,
    role: &str,
    unit_code: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
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
        return Ok(Outcome::Done);
    }
    let actor = Actor::user(user, meta);
    if privileged(role) && found.role != role.as_str() {
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
async fn apply_role(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    found: user::Model,
    role: Role,
    unit_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    let person_id = found.id;
    if found.role != role.as_str() {
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
    edit.role = Set(role.as_str().to_string());
    edit.unit_id = Set(unit_id);
    let changed = edit.update(txn).await?;
    let sessions_ended = auth::end_sessions(txn, person_id, None).await?;
    let tokens_revoked = passwords::revoke_tokens(txn, person_id, actor.user_id, now).await?;
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
        Event {
            action: crate::domain::AuditAction::UserRoleChanged,
            entity_type: "user",
            entity_id: Some(person_id.to_string()),
            before: Some(json!({
                "username": found.username, "role": found.role, "unit": before_unit,
            })),
            after: Some(json!({
                "role": role.as_str(),
                "unit": after_unit,
                "sessions_ended": sessions_ended,
                "tokens_revoked": tokens_revoked,
                "notified": notified,
            })),
        },
        now,
    )
    .await?;
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
            action: crate::domain::AuditAction::UserUnlocked,
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

/// What a password reset did: a submitter's temporary password, to show the security
/// administrator this once; or a privileged account's request for a second person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordOutcome {
    Shown { username: String, password: String },
    Requested(i32),
}

/// The security administrator has a temporary password made for someone who lost theirs (issue 15
/// item 3: the system makes it, nobody chooses it). For a submitter it is set at once and shown to
/// the security administrator this once, to hand over; for a privileged account it is only a
/// request: when a second person confirms it, the password goes to the person's own e-mail
/// address (which they must have). Either way the person must change it at their next sign-in, a
/// lock is lifted, sessions end, tokens are revoked ([`passwords::reset_in`]) and they are told.
/// Not for their own account, and only for an active one.
pub async fn reset_password(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    person_id: i32,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<PasswordOutcome, AppError> {
    require(user, Role::SecurityAdmin)?;
    if person_id == user.id {
        return Err(AppError::invalid("password", Problem::OwnAccount));
    }
    let found = active_person(db, person_id).await?;
    let actor = Actor::user(user, meta);
    if privileged_code(&found.role) {
        if outbox::person(found.clone()).is_none() {
            return Err(AppError::invalid("password", Problem::NoEmailForDelivery));
        }
        let txn = begin_write(db).await?;
        let found = active_person(&txn, person_id).await?;
        let id = request(&txn, &actor, &found, RequestKind::PasswordReset, None, now).await?;
        txn.commit().await?;
        return Ok(PasswordOutcome::Requested(id));
    }
    let password = passwords::generate_temporary(policy, &found.username)?;
    let hash = auth::hash_password(password.clone()).await?;
    let txn = begin_write(db).await?;
    let found = active_person(&txn, person_id).await?;
    // Still a submitter: a role given meanwhile would make this a request.
    if privileged_code(&found.role) {
        return Err(AppError::Conflict);
    }
    passwords::reset_in(&txn, &actor, found.clone(), hash, policy, now).await?;
    notify(
        &txn,
        &found,
        NoticeKind::AccountPasswordReset,
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(PasswordOutcome::Shown {
        username: found.username,
        password,
    })
}

async fn active_person(db: &impl ConnectionTrait, id: i32) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
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
            action: crate::domain::AuditAction::SecurityPolicyUpdated,
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
/// recovery codes ([`super::totp::reset_in`]): they sign in with the password alone, and enrol
/// again where a second factor is required (with an enrolment code, [`issue_enrolment_code`]).
/// A submitter's is cleared at once; a privileged account's only when a second person confirms
/// the request (issue 15 item 3). The person is told. Not their own. With `revoke_tokens` the
/// person's API tokens are revoked in the same transaction, also when the reset itself waits for a
/// second person: revoking only takes access away (issue 15 item 6).
pub async fn reset_second_factor(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    person_id: i32,
    revoke_tokens: bool,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    require(user, Role::SecurityAdmin)?;
    if person_id == user.id {
        return Err(AppError::invalid("id", Problem::OwnAccount));
    }
    let actor = Actor::user(user, meta);
    let txn = begin_write(db).await?;
    let found = person(&txn, person_id).await?;
    if found.totp_secret.is_none() && found.totp_enabled_at.is_none() {
        return Err(AppError::invalid("id", Problem::NoSecondFactor));
    }
    if revoke_tokens {
        super::tokens::revoke_all_in(&txn, &actor, person_id, "second_factor_reset", now).await?;
    }
    if privileged_code(&found.role) {
        let id = request(
            &txn,
            &actor,
            &found,
            RequestKind::SecondFactorReset,
            None,
            now,
        )
        .await?;
        txn.commit().await?;
        return Ok(Outcome::Requested(id));
    }
    super::totp::reset_in(&txn, &actor, person_id, now).await?;
    notify(
        &txn,
        &found,
        NoticeKind::AccountSecondFactorReset,
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Outcome::Done)
}

// ---------------------------------------------------------------------------------------------
// Requests a second person confirms (issue 15 item 3)
// ---------------------------------------------------------------------------------------------

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    PasswordReset,
    SecondFactorReset,
    RoleChange,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::PasswordReset => "password_reset",
            RequestKind::SecondFactorReset => "second_factor_reset",
            RequestKind::RoleChange => "role_change",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [
            RequestKind::PasswordReset,
            RequestKind::SecondFactorReset,
            RequestKind::RoleChange,
        ]
        .into_iter()
        .find(|k| k.as_str() == code)
    }
}

/// Records a pending request inside the caller's transaction, audited as `account_request.made`.
/// One pending request per account (the database holds it too).
async fn request(
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
        kind: Set(kind.as_str().to_string()),
        role: Set(role.map(|(r, _)| r.as_str().to_string())),
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
        Event {
            action: crate::domain::AuditAction::AccountRequestMade,
            entity_type: "user",
            entity_id: Some(found.id.to_string()),
            before: Some(json!({ "username": found.username, "role": found.role })),
            after: Some(json!({
                "request_id": row.id,
                "kind": kind.as_str(),
                "role": row.role,
            })),
        },
        now,
    )
    .await?;
    Ok(row.id)
}

/// Who may decide requests: another security administrator, or the system administrator.
fn require_decider(user: &SessionUser) -> Result<(), AppError> {
    if matches!(user.role, Role::SecurityAdmin | Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn pending_request(
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
async fn decide(
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
pub async fn confirm_request(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    request_id: i32,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    require_decider(user)?;
    let found = pending_request(db, request_id).await?;
    if found.requested_by == user.id {
        return Err(AppError::invalid("id", Problem::OwnRequest));
    }
    if found.user_id == user.id {
        return Err(AppError::invalid("id", Problem::OwnAccount));
    }
    let kind = RequestKind::parse(&found.kind)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown request kind")))?;
    let target = person(db, found.user_id).await?;
    // Made and hashed before the write transaction, so the slow hash never holds the lock.
    let password = match kind {
        RequestKind::PasswordReset => {
            let password = passwords::generate_temporary(policy, &target.username)?;
            let hash = auth::hash_password(password.clone()).await?;
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
            super::totp::reset_in(&txn, &actor, target.id, now).await?;
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
            let role = found.role.as_deref().and_then(Role::parse).ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("a role request without role"))
            })?;
            apply_role(&txn, &actor, target.clone(), role, found.unit_id, now).await?;
        }
    }
    audit::record(
        &txn,
        &actor,
        Event {
            action: crate::domain::AuditAction::AccountRequestConfirmed,
            entity_type: "user",
            entity_id: Some(found.user_id.to_string()),
            before: Some(json!({
                "request_id": request_id,
                "kind": found.kind,
                "role": found.role,
                "requested_by": found.requested_by,
            })),
            after: Some(json!({ "username": target.username })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A second person refuses a request, or the one who asked withdraws it; audited
/// (`account_request.refused` / `account_request.withdrawn`). Nothing else changes. Whether it
/// was withdrawn.
pub async fn refuse_request(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    request_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
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
        Event {
            action: if withdrawn {
                crate::domain::AuditAction::AccountRequestWithdrawn
            } else {
                crate::domain::AuditAction::AccountRequestRefused
            },
            entity_type: "user",
            entity_id: Some(found.user_id.to_string()),
            before: Some(json!({
                "request_id": request_id,
                "kind": found.kind,
                "role": found.role,
                "requested_by": found.requested_by,
            })),
            after: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(withdrawn)
}

/// The security administrator issues a one-time enrolment code for a person who must enrol a
/// second factor (issue 15 item 7; [`super::totp::issue_enrolment_code`]). Not their own.
pub async fn issue_enrolment_code(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    person_id: i32,
    totp_required: bool,
    now: DateTime<Utc>,
) -> Result<(String, String), AppError> {
    require(user, Role::SecurityAdmin)?;
    let code = super::totp::issue_enrolment_code(
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
