//! Accounts: creating one, disabling or enabling it, a person's details, unlocking.
use super::{notify, person};
use crate::domain::{Capability, Role};
use crate::error::{AppError, Problem, Shaped};
use crate::i18n::Locale;
use crate::server::audit::{self, Actor, Event};
use crate::server::auth::{self, NewUser};
use crate::server::credentials;
use crate::server::db::begin_write;
use crate::server::entities::user;
use crate::server::outbox::NoticeKind;
use crate::server::settings::PasswordPolicy;
use crate::server::use_case::UseCase;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use serde_json::json;
use validator::Validate;

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

impl NewPerson {
    /// The account as the system administrator's form posts it (the first password apart).
    pub fn form(
        username: String,
        display_name: String,
        unit_code: String,
        email: String,
        locale: &str,
    ) -> Self {
        NewPerson {
            username,
            display_name,
            unit_code,
            email,
            locale: Locale::parse(locale),
            password: String::new(),
        }
    }
}

/// The system administrator creates an account: always a submitter of a unit (only the security
/// administrator grants another role), with a first password the person must change.
#[tracing::instrument(skip_all, fields(use_case = "people.create"))]
pub async fn create(
    uc: &UseCase,
    new: NewPerson,
    policy: &PasswordPolicy,
) -> Result<user::Model, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    uc.require(Capability::ManagePeople)?;
    // The fields' shape is the new user's (`NewUser`): a blank name is none.
    auth::create_user(
        db,
        &Actor::user(user, meta),
        NewUser {
            username: new.username,
            display_name: Some(new.display_name),
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

/// The system administrator switches an account off (its sessions end, its API tokens are
/// revoked, it cannot sign in; the person is told by e-mail) or on again. Not their own, and not
/// the last active auditor or security administrator (issue 15 item 3: one duty of 三权分立 would
/// be left without anyone to hold it).
#[tracing::instrument(skip_all, fields(use_case = "people.set_active"))]
pub async fn set_active(
    uc: &UseCase,
    person_id: i32,
    active: bool,
) -> Result<user::Model, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    uc.require(Capability::ManagePeople)?;
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
            credentials::end_sessions(&txn, person_id, None).await?,
            credentials::revoke_tokens(&txn, person_id, Some(user.id), now).await?,
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
        Event::new(
            if active {
                crate::domain::AuditAction::UserActivated
            } else {
                crate::domain::AuditAction::UserDeactivated
            },
            "user",
        )
        .on(person_id)
        .before(json!({ "username": found.username, "active": found.active }))
        .after(json!({
            "active": active,
            "sessions_ended": sessions_ended,
            "tokens_revoked": tokens_revoked,
            "notified": notified,
        })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(changed)
}

/// Refuses to take the last active auditor or security administrator out of their duty (switched
/// off, or given another role): 三权分立 needs someone in each (GB/T 22239-2019 8.1.4.2 d). On
/// PostgreSQL the holders' rows are locked until the transaction ends, so two administrators
/// switching off the last two auditors at the same moment cannot both succeed; on SQLite the
/// write transaction already runs alone.
pub(super) async fn keep_one_holder(
    txn: &impl ConnectionTrait,
    person: &user::Model,
    field: &'static str,
) -> Result<(), AppError> {
    let problem = match person.role {
        Role::Auditor => Problem::LastAuditor,
        Role::SecurityAdmin => Problem::LastSecurityAdmin,
        _ => return Ok(()),
    };
    if !person.active {
        return Ok(());
    }
    let mut holders = user::Entity::find()
        .filter(user::Column::Role.eq(person.role))
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

/// What the system administrator may change on an account: the name shown, the e-mail address
/// notices go to (none: no e-mail) and their language. The shape is a new user's ([`NewUser`]),
/// but the name must be given.
#[derive(Debug, Clone, Validate)]
pub struct PersonDetails {
    #[validate(length(min = 1, max = 64))]
    pub display_name: String,
    /// None, or blank: no e-mail.
    #[validate(
        email,
        custom(function = "auth::dotted_domain"),
        length(max = 254, code = "email")
    )]
    pub email: Option<String>,
    pub locale: String,
}

impl Shaped for PersonDetails {
    const FIELDS: &'static [&'static str] = &["display_name", "email"];
}

impl PersonDetails {
    /// Its text trimmed, as it is checked and kept; a blank address is none.
    fn trimmed(self) -> Self {
        PersonDetails {
            display_name: self.display_name.trim().to_string(),
            email: self
                .email
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty()),
            locale: self.locale,
        }
    }
}

/// The system administrator corrects a person's name, notice address or notice language. Roles and
/// units are the security administrator's ([`change_role`]).
#[tracing::instrument(skip_all, fields(use_case = "people.update_details"))]
pub async fn update_details(
    uc: &UseCase,
    person_id: i32,
    details: PersonDetails,
) -> Result<user::Model, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    uc.require(Capability::ManagePeople)?;
    let details = details.trimmed();
    details.check_shape()?;
    let PersonDetails {
        display_name,
        email,
        locale,
    } = details;
    let locale = Locale::parse(&locale)
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
        Event::new(crate::domain::AuditAction::UserUpdated, "user")
            .on(person_id)
            .before(json!({
                "username": found.username,
                "display_name": found.display_name,
                "email": found.email,
                "locale": found.locale,
            }))
            .after(json!({
                "display_name": display_name, "email": email, "locale": locale,
            })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(changed)
}

/// The security administrator lifts a lock after failed sign-ins (and clears the count).
#[tracing::instrument(skip_all, fields(use_case = "people.unlock"))]
pub async fn unlock(uc: &UseCase, person_id: i32) -> Result<user::Model, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    uc.require(Capability::ManageSecurity)?;
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
        Event::new(crate::domain::AuditAction::UserUnlocked, "user")
            .on(person_id)
            .before(json!({
                "username": found.username,
                "locked_until": found.locked_until.map(|t| t.to_rfc3339()),
                "failed_sign_ins": found.failed_sign_ins,
            })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(display_name: &str, email: &str) -> Result<Option<String>, AppError> {
        let details = PersonDetails {
            display_name: display_name.into(),
            email: Some(email.into()),
            locale: "en".into(),
        }
        .trimmed();
        details.check_shape().map(|()| details.email)
    }

    #[test]
    fn a_persons_details_give_the_problems_the_form_showed_before() {
        assert_eq!(
            shape(" 冉审核 ", " ran@shizhu.example "),
            Ok(Some("ran@shizhu.example".into()))
        );
        // No address: no e-mail.
        assert_eq!(shape("冉审核", "  "), Ok(None));
        let invalid = |field, problem| Err(AppError::invalid(field, problem));
        assert_eq!(shape("  ", ""), invalid("display_name", Problem::Required));
        assert_eq!(
            shape(&"冉".repeat(65), ""),
            invalid("display_name", Problem::TooLong)
        );
        assert_eq!(
            shape("冉审核", "not an address"),
            invalid("email", Problem::BadEmail)
        );
    }
}
