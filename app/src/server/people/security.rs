//! The security administrator's steps: a temporary password, the password policy, a second-factor reset.
use super::requests::{RequestKind, request};
use super::roles::Outcome;
use super::{active_person, notify, person, policy_of, privileged};
use crate::domain::Capability;
use crate::domain::password::{LOWEST_MIN_LENGTH, MAX_LENGTH};
use crate::error::{AppError, Problem, Shaped};
use crate::model::PolicyView;
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials;
use crate::server::db::begin_write;
use crate::server::entities::setting;
use crate::server::outbox::{self, NoticeKind};
use crate::server::passwords;
use crate::server::settings::PasswordPolicy;
use crate::server::use_case::UseCase;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use validator::Validate;

/// What a password reset did: a submitter's temporary password, to show the security
/// administrator this once; or a privileged account's request for a second person.
#[derive(Clone, PartialEq, Eq)]
pub enum PasswordOutcome {
    Shown { username: String, password: String },
    Requested(i32),
}

/// Never the temporary password (ASVS 5.0 16.2.5).
impl std::fmt::Debug for PasswordOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordOutcome::Shown { username, .. } => f
                .debug_struct("Shown")
                .field("username", username)
                .field("password", &"…")
                .finish(),
            PasswordOutcome::Requested(id) => f.debug_tuple("Requested").field(id).finish(),
        }
    }
}

/// The security administrator has a temporary password made for someone who lost theirs (issue 15
/// item 3: the system makes it, nobody chooses it). For a submitter it is set at once and shown to
/// the security administrator this once, to hand over; for a privileged account it is only a
/// request: when a second person confirms it, the password goes to the person's own e-mail
/// address (which they must have). Either way the person must change it at their next sign-in, a
/// lock is lifted, sessions end, tokens are revoked ([`passwords::reset_in`]) and they are told.
/// Not for their own account, and only for an active one.
#[tracing::instrument(skip_all, fields(use_case = "people.reset_password"))]
pub async fn reset_password(
    uc: &UseCase,
    person_id: i32,
    policy: &PasswordPolicy,
) -> Result<PasswordOutcome, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    uc.require(Capability::ManageSecurity)?;
    if person_id == user.id {
        return Err(AppError::invalid("password", Problem::OwnAccount));
    }
    let found = active_person(db, person_id).await?;
    let actor = Actor::user(user, meta);
    if privileged(found.role) {
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
    let hash = credentials::hash_password(password.clone()).await?;
    let txn = begin_write(db).await?;
    let found = active_person(&txn, person_id).await?;
    // Still a submitter: a role given meanwhile would make this a request.
    if privileged(found.role) {
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

/// A policy's minimum length lies between the lowest the domain allows and the longest password.
const MIN_LENGTH: (u32, u32) = (LOWEST_MIN_LENGTH as u32, MAX_LENGTH as u32);
const MAX_HISTORY: u32 = passwords::MAX_HISTORY as u32;

/// The security administrator's password policy form: every figure, within the bounds the
/// database also holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Validate)]
pub struct PolicyFigures {
    #[validate(range(min = MIN_LENGTH.0, max = MIN_LENGTH.1))]
    pub min_length: u32,
    #[validate(range(min = 1, max = 4))]
    pub min_classes: u32,
    #[validate(range(max = 3650))]
    pub max_age_days: u32,
    #[validate(range(max = MAX_HISTORY))]
    pub history: u32,
    #[validate(range(min = 1, max = 100))]
    pub lockout_threshold: u32,
    #[validate(range(min = 1, max = 1440))]
    pub lockout_minutes: u32,
}

impl Shaped for PolicyFigures {
    const FIELDS: &'static [&'static str] = &[
        "min_length",
        "min_classes",
        "max_age_days",
        "history",
        "lockout_threshold",
        "lockout_minutes",
    ];
}

impl PolicyFigures {
    /// The figures as the form posts them, in the order of the fields: minimum length, minimum
    /// classes, maximum age in days, history, lockout threshold, lockout minutes. The first that
    /// is not a whole number is named.
    pub fn read(values: [&str; 6]) -> Result<Self, AppError> {
        let [
            min_length,
            min_classes,
            max_age_days,
            history,
            lockout_threshold,
            lockout_minutes,
        ] = values;
        let figure = |field: &'static str, value: &str| {
            value
                .trim()
                .parse::<u32>()
                .map_err(|_| AppError::invalid(field, Problem::OutOfRange))
        };
        Ok(PolicyFigures {
            min_length: figure("min_length", min_length)?,
            min_classes: figure("min_classes", min_classes)?,
            max_age_days: figure("max_age_days", max_age_days)?,
            history: figure("history", history)?,
            lockout_threshold: figure("lockout_threshold", lockout_threshold)?,
            lockout_minutes: figure("lockout_minutes", lockout_minutes)?,
        })
    }
}

/// The security administrator sets the password policy, or (`None`) goes back to the deployment's
/// configuration. It applies from the next request on, on every server instance; passwords already
/// set are judged by the new rules only when next changed, expiry at once.
#[tracing::instrument(skip_all, fields(use_case = "people.save_policy"))]
pub async fn save_policy(
    uc: &UseCase,
    figures: Option<PolicyFigures>,
    configured: &PasswordPolicy,
) -> Result<PolicyView, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    uc.require(Capability::ManageSecurity)?;
    if let Some(figures) = &figures {
        figures.check_shape()?;
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
        Event::new(
            crate::domain::AuditAction::SecurityPolicyUpdated,
            "settings",
        )
        .on("1")
        .before(serde_json::to_value(before).map_err(AppError::internal)?)
        .after(serde_json::to_value(after).map_err(AppError::internal)?),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The security administrator clears the second factor of someone who lost their phone and their
/// recovery codes ([`crate::server::totp::reset_in`]): they sign in with the password alone, and enrol
/// again where a second factor is required (with an enrolment code, [`issue_enrolment_code`]).
/// A submitter's is cleared at once; a privileged account's only when a second person confirms
/// the request (issue 15 item 3). The person is told. Not their own. With `revoke_tokens` the
/// person's API tokens are revoked in the same transaction, also when the reset itself waits for a
/// second person: revoking only takes access away (issue 15 item 6).
#[tracing::instrument(skip_all, fields(use_case = "people.reset_second_factor"))]
pub async fn reset_second_factor(
    uc: &UseCase,
    person_id: i32,
    revoke_tokens: bool,
) -> Result<Outcome, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    uc.require(Capability::ManageSecurity)?;
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
        credentials::revoke_all_in(&txn, &actor, person_id, "second_factor_reset", now).await?;
    }
    if privileged(found.role) {
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
    crate::server::totp::reset_in(&txn, &actor, person_id, now).await?;
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
