//! Creating accounts and a person's own settings (the language of their notices).
use crate::domain::Role;
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials::hash_password;
use crate::server::db::begin_write;
use crate::server::entities::{unit, user};
use crate::server::passwords;
use crate::server::settings::PasswordPolicy;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

/// The language a person reads their notices in follows the one they choose on the site.
/// Recorded (and audited) only when it changes.
#[tracing::instrument(skip_all, fields(use_case = "auth.set_locale"))]
pub async fn set_locale(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &crate::server::use_case::RequestMeta,
    locale: crate::i18n::Locale,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let before = user::Entity::find_by_id(user.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if before.locale == locale.tag() {
        return Ok(());
    }
    let old = before.locale.clone();
    let mut edit: user::ActiveModel = before.into();
    edit.locale = Set(locale.tag().to_string());
    edit.update(&txn).await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event::new(crate::domain::AuditAction::UserLocaleChanged, "user")
            .on(user.id)
            .before(serde_json::json!({"locale": old}))
            .after(serde_json::json!({"locale": locale.tag()})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One `@` between a local part and a domain, no spaces or brackets, at most 254 characters: the
/// mail server has the last word, this keeps typing mistakes out.
pub fn plausible_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    address.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        })
        && !domain.contains('@')
}

/// A new user account, as an operator asks for it.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    pub role: String,
    pub unit_code: Option<String>,
    pub email: Option<String>,
    /// The language of their notices; zh-CN when not given.
    pub locale: Option<crate::i18n::Locale>,
    pub password: String,
    /// The password was chosen by someone else (an operator): the person must change it at their
    /// first sign-in. Only the demo loader, whose passwords are published anyway, says no.
    pub must_change_password: bool,
}

/// Creates a user. Submitters must name their unit; other roles may not (they act for the county).
/// The password must satisfy the policy; it starts the person's password history.
#[tracing::instrument(skip_all, fields(use_case = "auth.create_user"))]
pub async fn create_user(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewUser,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    let username = new.username.trim().to_string();
    if username.is_empty() {
        return Err(AppError::invalid("username", Problem::Required));
    }
    if username.chars().count() > 64 {
        return Err(AppError::invalid("username", Problem::TooLong));
    }
    let role =
        Role::parse(new.role.trim()).ok_or(AppError::invalid("role", Problem::UnknownRole))?;
    // Notices go to this address (the outbox copies it when it queues one).
    let email = new
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            if plausible_email(e) {
                Ok(e.to_string())
            } else {
                Err(AppError::invalid("email", Problem::BadEmail))
            }
        })
        .transpose()?;
    let unit = match new
        .unit_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => Some(
            unit::Entity::find()
                .filter(unit::Column::Code.eq(code))
                .one(db)
                .await?
                .ok_or(AppError::invalid("unit", Problem::UnknownUnit))?,
        ),
        None => None,
    };
    if role == Role::Submitter && unit.is_none() {
        return Err(AppError::invalid("unit", Problem::SubmitterNeedsUnit));
    }
    let password = passwords::check_new(policy, &username, &new.password)
        .map_err(|problem| AppError::invalid("password", problem))?;
    let password_hash = hash_password(password.into_inner()).await?;

    let txn = begin_write(db).await?;
    let taken = user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(AppError::invalid("username", Problem::UsernameTaken));
    }
    let created = user::ActiveModel {
        username: Set(username.clone()),
        display_name: Set(new.display_name.unwrap_or_else(|| username.clone())),
        password_hash: Set(password_hash.clone()),
        role: Set(role),
        unit_id: Set(unit.as_ref().map(|u| u.id)),
        email: Set(email),
        locale: Set(new.locale.unwrap_or_default().tag().to_string()),
        active: Set(true),
        created_at: Set(now),
        password_changed_at: Set(now),
        must_change_password: Set(new.must_change_password),
        failed_sign_ins: Set(0),
        locked_until: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    passwords::remember(&txn, created.id, &password_hash, policy.history, now).await?;
    audit::record(
        &txn,
        actor,
        Event::new(crate::domain::AuditAction::UserCreated, "user")
            .on(created.id)
            .after(serde_json::json!({
                "username": created.username,
                "role": created.role,
                "unit": unit.map(|u| u.code),
                "must_change_password": created.must_change_password,
            })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}
