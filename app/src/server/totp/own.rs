//! A person's own second factor: its status, enrolment, disabling it, new recovery codes.
use super::codes::{accepted_step, enrolment, new_secret};
use super::reset::{enrolment_code_needed, live_enrolment_code};
use super::{
    Enrolment, Status, claim_step, is_locked, record_wrong_proof, recovery_codes_left,
    replace_recovery_codes,
};
use crate::domain::totp::SecondFactorInput;
use crate::error::{AppError, Problem};
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials::{self};
use crate::server::db::begin_write;
use crate::server::entities::{enrolment_code, recovery_code, user};
use crate::server::settings::AuthSettings;
use crate::server::use_case::UseCase;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

// ---------------------------------------------------------------------------------------------
// The person's own second factor
// ---------------------------------------------------------------------------------------------

pub(super) async fn person(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(user_id)
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Where the person's second factor stands; a pending enrolment comes with its QR code, drawn for
/// `issuer` (the application's title).
#[tracing::instrument(skip_all, fields(use_case = "totp.status"))]
pub async fn status(uc: &UseCase, issuer: &str) -> Result<Status, AppError> {
    let (db, who) = (uc.db(), uc.user());
    let person = person(db, who.id).await?;
    let pending = match (&person.totp_secret, person.totp_enabled_at) {
        (Some(secret), None) => Some(enrolment(issuer, &person.username, secret)?),
        _ => None,
    };
    Ok(Status {
        enabled_at: person.totp_enabled_at,
        pending,
        recovery_codes_left: recovery_codes_left(db, person.id).await?,
    })
}

/// What the second-factor page shows the person: where their second factor stands, whether they
/// must enrol before anything else (`required`), and whether enrolling needs the security
/// administrator's enrolment code (`totp_required`: the deployment's `TOTP_REQUIRED`).
#[tracing::instrument(skip_all, fields(use_case = "totp.page"))]
pub async fn page(
    uc: &UseCase,
    issuer: &str,
    required: bool,
    totp_required: bool,
) -> Result<crate::model::SecondFactorView, AppError> {
    let status = status(uc, issuer).await?;
    let person = user::Entity::find_by_id(uc.user().id).one(uc.db()).await?;
    Ok(crate::model::SecondFactorView {
        username: uc.user().username.clone(),
        enabled_at: status.enabled_at.map(|at| at.to_rfc3339()),
        pending: status.pending.map(|p| crate::model::PendingEnrolmentView {
            secret: p.secret,
            uri: p.uri,
            qr_svg: p.qr_svg,
        }),
        recovery_codes_left: status.recovery_codes_left,
        required,
        enrolment_code_needed: person.is_some_and(|p| enrolment_code_needed(&p, totp_required)),
        fresh_codes: Vec::new(),
    })
}

/// Begins (or begins again) the person's enrolment: a new secret, pending until confirmed with a
/// code. Refused with `Conflict` while a second factor is in force (disable it first).
#[tracing::instrument(skip_all, fields(use_case = "totp.begin_enrolment"))]
pub async fn begin_enrolment(uc: &UseCase, issuer: &str) -> Result<Enrolment, AppError> {
    let (db, who, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    let secret = new_secret()?;
    let txn = begin_write(db).await?;
    let person = person(&txn, who.id).await?;
    if person.totp_enabled_at.is_some() {
        return Err(AppError::Conflict);
    }
    let restarted = person.totp_secret.is_some();
    let username = person.username.clone();
    let mut edit: user::ActiveModel = person.into();
    edit.totp_secret = Set(Some(secret.clone()));
    edit.totp_enabled_at = Set(None);
    edit.totp_last_step = Set(None);
    edit.update(&txn).await?;
    audit::record(
        &txn,
        &Actor::user(who, meta),
        Event::new(
            crate::domain::AuditAction::UserSecondFactorEnrolmentStarted,
            "user",
        )
        .on(who.id)
        // Never the secret.
        .after(serde_json::json!({ "method": "totp", "restarted": restarted })),
        now,
    )
    .await?;
    txn.commit().await?;
    enrolment(issuer, &username, &secret)
}

/// Confirms the person's pending enrolment with a code from their app: the second factor is in
/// force from now on, and ten recovery codes are made. Returns the codes (shown once; only their
/// hashes are kept). A wrong code changes nothing (`Invalid("code", SecondFactorCodeWrong)`); no
/// enrolment pending is a `Conflict`.
///
/// Where the deployment requires a second factor of the person's role (`TOTP_REQUIRED`), the
/// password alone does not enrol one (issue 15 item 7: whoever learnt the password would otherwise
/// bind their own phone): `enrolment_code` must be a live one-time code the security administrator
/// issued for this person ([`issue_enrolment_code`]), which is used up in the same transaction. A
/// wrong one counts towards the lock like a wrong password (`Invalid("enrolment_code",
/// EnrolmentCodeWrong)`).
#[tracing::instrument(skip_all, fields(use_case = "totp.confirm_enrolment"))]
pub async fn confirm_enrolment(
    uc: &UseCase,
    typed: &str,
    enrolment_code: &str,
    revoke_tokens: bool,
    settings: &AuthSettings,
) -> Result<Vec<String>, AppError> {
    let (db, who, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    let found = person(db, who.id).await?;
    let code_needed = enrolment_code_needed(&found, settings.totp_required);
    let enrolment_code_id = if code_needed {
        let locked = is_locked(&found, now);
        let live = live_enrolment_code(db, found.id, enrolment_code, now).await?;
        match live {
            Some(id) if !locked => Some(id),
            _ => {
                record_wrong_proof(
                    db,
                    &found,
                    &Actor::user(who, meta),
                    settings,
                    "enrolment_code",
                    locked,
                    now,
                )
                .await?;
                return Err(AppError::invalid(
                    "enrolment_code",
                    Problem::EnrolmentCodeWrong,
                ));
            }
        }
    } else {
        None
    };
    let txn = begin_write(db).await?;
    let person = person(&txn, who.id).await?;
    let secret = match (&person.totp_secret, person.totp_enabled_at) {
        (Some(secret), None) => secret.clone(),
        _ => return Err(AppError::Conflict),
    };
    let step = match SecondFactorInput::parse(typed) {
        Some(SecondFactorInput::Code(code)) => accepted_step(&secret, &code, now, None)?,
        _ => None,
    };
    let Some(step) = step else {
        return Err(AppError::invalid("code", Problem::SecondFactorCodeWrong));
    };
    if let Some(id) = enrolment_code_id {
        // Used once: a code used meanwhile by a request at the same moment loses here.
        let used = enrolment_code::Entity::update_many()
            .col_expr(enrolment_code::Column::UsedAt, Expr::value(Some(now)))
            .filter(enrolment_code::Column::Id.eq(id))
            .filter(enrolment_code::Column::UsedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        if used != 1 {
            return Err(AppError::invalid(
                "enrolment_code",
                Problem::EnrolmentCodeWrong,
            ));
        }
        audit::record(
            &txn,
            &Actor::user(who, meta),
            Event::new(crate::domain::AuditAction::UserEnrolmentCodeUsed, "user")
                .on(who.id)
                .after(serde_json::json!({ "enrolment_code_id": id })),
            now,
        )
        .await?;
    }
    let mut edit: user::ActiveModel = person.into();
    edit.totp_enabled_at = Set(Some(now));
    edit.totp_last_step = Set(Some(step));
    edit.update(&txn).await?;
    let codes = replace_recovery_codes(&txn, who.id, now).await?;
    audit::record(
        &txn,
        &Actor::user(who, meta),
        Event::new(crate::domain::AuditAction::UserSecondFactorEnabled, "user")
            .on(who.id)
            .after(serde_json::json!({
                "method": "totp",
                "recovery_codes": codes.len(),
            })),
        now,
    )
    .await?;
    if revoke_tokens {
        // Tokens made before the second factor protected the account (issue 15, item 6).
        let actor = Actor::user(who, meta);
        credentials::revoke_all_in(&txn, &actor, who.id, "second_factor_enrolled", now).await?;
    }
    txn.commit().await?;
    tracing::info!(user_id = who.id, "second factor enabled");
    Ok(codes)
}

/// Turns off the person's own second factor. They prove it is them with a current code from their
/// app, or with their password (the phone may be gone); a wrong proof counts towards the lock like
/// a failed sign-in. Their recovery codes are deleted.
#[tracing::instrument(skip_all, fields(use_case = "totp.disable_own"))]
pub async fn disable_own(
    uc: &UseCase,
    code: &str,
    password: &str,
    settings: &AuthSettings,
) -> Result<(), AppError> {
    let (db, who, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    let person = person(db, who.id).await?;
    let (Some(secret), Some(_)) = (person.totp_secret.clone(), person.totp_enabled_at) else {
        return Err(AppError::Conflict);
    };
    let (code, password) = (code.trim(), password);
    if code.is_empty() && password.is_empty() {
        return Err(AppError::invalid("code", Problem::Required));
    }
    let locked = is_locked(&person, now);
    let step = match SecondFactorInput::parse(code) {
        Some(SecondFactorInput::Code(code)) => {
            accepted_step(&secret, &code, now, person.totp_last_step)?
        }
        _ => None,
    };
    let password_ok = step.is_none()
        && !password.is_empty()
        && password.len() <= 1024
        && credentials::password_matches(password.to_string(), Some(person.password_hash.clone()))
            .await?;
    let actor = Actor::user(who, meta);
    if locked || (step.is_none() && !password_ok) {
        record_wrong_proof(
            db,
            &person,
            &actor,
            settings,
            "second_factor_disable",
            locked,
            now,
        )
        .await?;
        return Err(AppError::invalid("code", Problem::SecondFactorCodeWrong));
    }
    let txn = begin_write(db).await?;
    if let Some(step) = step
        && !claim_step(&txn, person.id, step).await?
    {
        return Err(AppError::invalid("code", Problem::SecondFactorCodeWrong));
    }
    let left = recovery_codes_left(&txn, person.id).await?;
    clear(&txn, person.id).await?;
    audit::record(
        &txn,
        &actor,
        Event::new(crate::domain::AuditAction::UserSecondFactorDisabled, "user")
            .on(person.id)
            .before(serde_json::json!({ "method": "totp", "recovery_codes_left": left }))
            .after(serde_json::json!({
                "proved_with": if step.is_some() { "totp" } else { "password" },
            })),
        now,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user_id = person.id, "second factor disabled");
    Ok(())
}

/// Clears a person's second factor (secret, dates, recovery codes).
pub(super) async fn clear(txn: &impl ConnectionTrait, user_id: i32) -> Result<(), AppError> {
    user::Entity::update_many()
        .col_expr(
            user::Column::TotpSecret,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            user::Column::TotpEnabledAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(user::Column::TotpLastStep, Expr::value(Option::<i64>::None))
        .filter(user::Column::Id.eq(user_id))
        .exec(txn)
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Replaces the person's recovery codes with ten new ones (the old ones stop working), on a current
/// code from their app; a wrong code counts towards the lock. Returns the new codes, shown once.
#[tracing::instrument(skip_all, fields(use_case = "totp.regenerate_recovery_codes"))]
pub async fn regenerate_recovery_codes(
    uc: &UseCase,
    code: &str,
    settings: &AuthSettings,
) -> Result<Vec<String>, AppError> {
    let (db, who, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    let person = person(db, who.id).await?;
    let (Some(secret), Some(_)) = (person.totp_secret.clone(), person.totp_enabled_at) else {
        return Err(AppError::Conflict);
    };
    let locked = is_locked(&person, now);
    let step = match SecondFactorInput::parse(code) {
        Some(SecondFactorInput::Code(code)) => {
            accepted_step(&secret, &code, now, person.totp_last_step)?
        }
        _ => None,
    };
    let actor = Actor::user(who, meta);
    let step = match step {
        Some(step) if !locked => step,
        _ => {
            record_wrong_proof(db, &person, &actor, settings, "recovery_codes", locked, now)
                .await?;
            return Err(AppError::invalid("code", Problem::SecondFactorCodeWrong));
        }
    };
    let txn = begin_write(db).await?;
    if !claim_step(&txn, person.id, step).await? {
        return Err(AppError::invalid("code", Problem::SecondFactorCodeWrong));
    }
    let left = recovery_codes_left(&txn, person.id).await?;
    let codes = replace_recovery_codes(&txn, person.id, now).await?;
    audit::record(
        &txn,
        &actor,
        Event::new(
            crate::domain::AuditAction::UserRecoveryCodesRegenerated,
            "user",
        )
        .on(person.id)
        .before(serde_json::json!({ "recovery_codes_left": left }))
        .after(serde_json::json!({ "recovery_codes": codes.len() })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}
