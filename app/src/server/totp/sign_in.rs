//! The second step of sign-in, and re-authentication before an API token is made (issue 15 item 6).
use super::codes::{accepted_step, recovery_hash};
use super::own::person;
use super::{claim_step, is_locked, record_wrong_proof, recovery_codes_left};
use crate::domain::totp::SecondFactorInput;
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use crate::server::audit::Actor;
use crate::server::credentials::{self, SessionToken, SignedIn, token_hash};
use crate::server::db::begin_write;
use crate::server::entities::{recovery_code, session};
use crate::server::settings::{self, AuthSettings};
use crate::server::use_case::RequestMeta;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

// ---------------------------------------------------------------------------------------------
// Sign-in, second step
// ---------------------------------------------------------------------------------------------

/// The second step of sign-in: a half session (the password was right) and a code from the
/// person's app or one of their recovery codes. On success the half session ends and a full
/// session with a new id is returned (ASVS 5.0.0 V7.2.4), the failure count is reset, and the
/// code's step (or the recovery code) is used up. A wrong, replayed or expired code, a used
/// recovery code and a locked account all get `Unauthenticated`, are audited as failed sign-ins and
/// count towards the lock. A token that is not a live half session is `Unauthenticated` too.
#[tracing::instrument(skip_all, fields(use_case = "totp.complete_sign_in"))]
pub async fn complete_sign_in(
    db: &DatabaseConnection,
    half: &SessionToken,
    typed: &str,
    meta: &RequestMeta,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<SignedIn, AppError> {
    let half_id = token_hash(&half.0);
    let found = session::Entity::find_by_id(half_id.clone())
        .one(db)
        .await?
        .filter(|s| s.second_factor_pending && s.expires_at > now)
        .ok_or(AppError::Unauthenticated)?;
    let person = person(db, found.user_id).await?;
    let Some(secret) = person
        .totp_secret
        .clone()
        .filter(|_| person.totp_enabled_at.is_some())
    else {
        // Reset by an administrator meanwhile: that ended this session too; sign in again.
        return Err(AppError::Unauthenticated);
    };
    let locked = is_locked(&person, now);
    let input = SecondFactorInput::parse(typed);
    let proof = match &input {
        Some(SecondFactorInput::Code(code)) => {
            accepted_step(&secret, code, now, person.totp_last_step)?.map(Proof::Step)
        }
        Some(SecondFactorInput::Recovery(code)) => recovery_code::Entity::find()
            .filter(recovery_code::Column::UserId.eq(person.id))
            .filter(recovery_code::Column::CodeHash.eq(recovery_hash(code)))
            .filter(recovery_code::Column::UsedAt.is_null())
            .one(db)
            .await?
            .map(|c| Proof::Recovery(c.id)),
        None => None,
    };
    let session_user = credentials::session_user_for(db, person.clone()).await?;
    let actor = Actor::user(&session_user, meta);
    let proof = match proof {
        Some(proof) if !locked => proof,
        _ => {
            record_wrong_proof(db, &person, &actor, settings, "second_factor", locked, now).await?;
            return Err(AppError::Unauthenticated);
        }
    };

    let txn = begin_write(db).await?;
    // Used up in the same transaction, on the condition that nobody used it meanwhile.
    let claimed = match proof {
        Proof::Step(step) => claim_step(&txn, person.id, step).await?,
        Proof::Recovery(id) => {
            recovery_code::Entity::update_many()
                .col_expr(recovery_code::Column::UsedAt, Expr::value(Some(now)))
                .filter(recovery_code::Column::Id.eq(id))
                .filter(recovery_code::Column::UsedAt.is_null())
                .exec(&txn)
                .await?
                .rows_affected
                == 1
        }
    };
    // The half session is used once, whatever happens next.
    let ended = session::Entity::delete_many()
        .filter(session::Column::Id.eq(half_id))
        .filter(session::Column::SecondFactorPending.eq(true))
        .exec(&txn)
        .await?
        .rows_affected;
    if !claimed || ended != 1 {
        txn.rollback().await?;
        record_wrong_proof(db, &person, &actor, settings, "second_factor", false, now).await?;
        return Err(AppError::Unauthenticated);
    }
    credentials::clear_failures(&txn, person.id).await?;
    let password_change = settings::change_reason(&person, &settings.passwords, now);
    let token = credentials::open_session(&txn, &person, meta, settings.sessions, now).await?;
    let left = recovery_codes_left(&txn, person.id).await?;
    let mut after = serde_json::json!({
        "second_factor": match proof {
            Proof::Step(_) => "totp",
            Proof::Recovery(_) => "recovery_code",
        },
    });
    if matches!(proof, Proof::Recovery(_)) {
        after["recovery_codes_left"] = serde_json::json!(left);
    }
    if let Some(reason) = password_change {
        after["password_change_required"] = serde_json::json!(reason);
    }
    let signed_in = (token, session_user);
    SignedIn::completed(txn, &actor, signed_in, password_change, Some(after), now).await
}

/// What proved the second factor at sign-in.
#[derive(Debug, Clone, Copy)]
pub(super) enum Proof {
    /// A code of this time step.
    Step(i64),
    /// This recovery code (its row id).
    Recovery(i32),
}

// ---------------------------------------------------------------------------------------------
// Re-authentication (issue 15, item 6: before an API token is made)
// ---------------------------------------------------------------------------------------------

/// A signed-in person proves again that it is them before a sensitive step (ASVS 5.0
/// V7.5.1): with a current code from their app when they have a second factor (`code`; recovery
/// codes are for signing in, not for this), else with their password (`password`). Nothing given
/// is `Invalid(Required)` on that field; a wrong proof (or any proof while the account is locked)
/// is audited, counts towards the lock like a failed sign-in (`during`), and is
/// `Invalid(SecondFactorCodeWrong)` or `Invalid(PasswordWrong)`. A code's time step is used up.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(use_case = "totp.reauthenticate"))]
pub async fn reauthenticate(
    db: &DatabaseConnection,
    who: &SessionUser,
    actor: &Actor,
    password: &str,
    code: &str,
    settings: &AuthSettings,
    during: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let person = person(db, who.id).await?;
    let locked = is_locked(&person, now);
    if let (Some(secret), Some(_)) = (person.totp_secret.clone(), person.totp_enabled_at) {
        let code = code.trim();
        if code.is_empty() {
            return Err(AppError::invalid("code", Problem::Required));
        }
        let step = match SecondFactorInput::parse(code) {
            Some(SecondFactorInput::Code(code)) => {
                accepted_step(&secret, &code, now, person.totp_last_step)?
            }
            _ => None,
        };
        let claimed = match step {
            Some(step) if !locked => {
                let txn = begin_write(db).await?;
                let claimed = claim_step(&txn, person.id, step).await?;
                txn.commit().await?;
                claimed
            }
            _ => false,
        };
        if !claimed {
            record_wrong_proof(db, &person, actor, settings, during, locked, now).await?;
            return Err(AppError::invalid("code", Problem::SecondFactorCodeWrong));
        }
        return Ok(());
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", Problem::Required));
    }
    let matches = !locked
        && password.len() <= 1024
        && credentials::password_matches(password.to_string(), Some(person.password_hash.clone()))
            .await?;
    if !matches {
        record_wrong_proof(db, &person, actor, settings, during, locked, now).await?;
        return Err(AppError::invalid("password", Problem::PasswordWrong));
    }
    Ok(())
}
