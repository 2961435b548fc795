//! Creating accounts and a person's own settings (the language of their notices).
use crate::domain::Role;
use crate::error::{AppError, Problem, Shaped};
use crate::model::SessionUser;
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials::hash_password;
use crate::server::db::begin_write;
use crate::server::entities::{unit, user};
use crate::server::passwords;
use crate::server::settings::PasswordPolicy;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use validator::{Validate, ValidationError};

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

/// A notice address (beside `#[validate(email)]`, the rule of the browser's `type="email"`) has a
/// dotted domain: `tan@shizhu` is a typing mistake, not a county mailbox. The mail server has the
/// last word; this keeps typing mistakes out.
pub fn dotted_domain(address: &str) -> Result<(), ValidationError> {
    match address.rsplit_once('@') {
        Some((_, domain)) if domain.contains('.') => Ok(()),
        _ => Err(ValidationError::new("email")),
    }
}

/// A new user account, as an operator asks for it. The shape of its fields is declared on them:
/// a username, a name of at most the column's 64 characters, an e-mail address of at most 254.
#[derive(Debug, Clone, Validate)]
pub struct NewUser {
    #[validate(length(min = 1, max = 64))]
    pub username: String,
    /// None: the username is shown.
    #[validate(length(max = 64))]
    pub display_name: Option<String>,
    pub role: String,
    pub unit_code: Option<String>,
    /// None: no notices by e-mail.
    #[validate(
        email,
        custom(function = "dotted_domain"),
        length(max = 254, code = "email")
    )]
    pub email: Option<String>,
    /// The language of their notices; zh-CN when not given.
    pub locale: Option<crate::i18n::Locale>,
    pub password: String,
    /// The password was chosen by someone else (an operator): the person must change it at their
    /// first sign-in. Only the demo loader, whose passwords are published anyway, says no.
    pub must_change_password: bool,
}

impl Shaped for NewUser {
    const FIELDS: &'static [&'static str] = &["username", "display_name", "email"];
}

impl NewUser {
    /// Its text trimmed, as it is checked and kept; a blank name or address is none.
    fn trimmed(self) -> Self {
        let given = |value: Option<String>| {
            value
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        NewUser {
            username: self.username.trim().to_string(),
            display_name: given(self.display_name),
            email: given(self.email),
            ..self
        }
    }
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
    let new = new.trimmed();
    new.check_shape()?;
    let username = new.username.clone();
    let role =
        Role::parse(new.role.trim()).ok_or(AppError::invalid("role", Problem::UnknownRole))?;
    // Notices go to this address (the outbox copies it when it queues one).
    let email = new.email.clone();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn new_user(username: &str, display_name: &str, email: &str) -> NewUser {
        NewUser {
            username: username.into(),
            display_name: Some(display_name.into()),
            role: "submitter".into(),
            unit_code: None,
            email: Some(email.into()),
            locale: None,
            password: String::new(),
            must_change_password: true,
        }
    }

    fn shape(username: &str, display_name: &str, email: &str) -> Result<(), AppError> {
        new_user(username, display_name, email)
            .trimmed()
            .check_shape()
    }

    #[test]
    fn a_new_users_fields_give_the_problems_the_forms_showed_before() {
        let address = "tan.xin@shizhu.example";
        assert_eq!(shape(" tanxin ", " 谭欣 ", &format!(" {address} ")), Ok(()));
        // A blank name or address is none.
        assert_eq!(shape("tanxin", "  ", "  "), Ok(()));
        let invalid = |field, problem| Err(AppError::invalid(field, problem));
        assert_eq!(shape("  ", "", ""), invalid("username", Problem::Required));
        let long = "谭".repeat(65);
        assert_eq!(shape(&long, "", ""), invalid("username", Problem::TooLong));
        assert_eq!(
            shape("tanxin", &long, ""),
            invalid("display_name", Problem::TooLong)
        );
        let local = "x".repeat(64);
        let too_long = format!("{local}@{}.example", "y".repeat(190));
        for bad in [
            "not an address",
            "tan.xin",
            "@shizhu.example",
            "tan@",
            // No dotted domain: a typing mistake.
            "tan@shizhu",
            "tan@shizhu.example.",
            "tan xin@shizhu.example",
            "<tan@shizhu.example>",
            "tan@shizhu.example, ran@shizhu.example",
            too_long.as_str(),
        ] {
            assert_eq!(
                shape("tanxin", "", bad),
                invalid("email", Problem::BadEmail),
                "{bad}"
            );
        }
        // Characters, not bytes: 64 Chinese characters fit the name's column.
        assert_eq!(shape("tanxin", &"谭".repeat(64), address), Ok(()));
    }
}
