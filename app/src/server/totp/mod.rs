//! The TOTP second factor (issue 8; RFC 6238; GB/T 22239-2019 8.1.4.1 d: 采用口令和动态口令等两种或
//! 两种以上组合的鉴别技术; OWASP ASVS 5.0.0 V6.5): enrolment (a new secret shown as a QR code and as
//! text, confirmed with a first code, which also gives ten one-time recovery codes), the second
//! step of sign-in, disabling one's own, new recovery codes, and an administrator's reset after a
//! lost phone.
//!
//! Codes are HMAC-SHA-1, six digits, 30-second steps (RFC 6238 §4, §5.2), accepted one step either
//! side of now; a code whose time step was already accepted for the account is refused (§5.2:
//! "the verifier MUST NOT accept the second attempt of the same OTP"). Secrets are 160 bits from the
//! OS RNG (RFC 4226 §4). Recovery codes are stored as SHA-256 hashes and work once. Wrong codes
//! count as failed sign-ins and lock the account like wrong passwords ([`auth::record_failure`]).
//! Every change is one transaction with its audit event; no secret or code is ever audited or
//! logged. Time always comes in as `now`, from the server's clock, so tests fix it.
mod codes;
mod own;
mod reset;
mod sign_in;
pub use codes::{
    ENROLMENT_CODE_LENGTH, accepted_step, canonical_enrolment_code, code_at_step,
    display_enrolment_code, otpauth_uri, qr_svg,
};
pub use own::{
    begin_enrolment, confirm_enrolment, disable_own, page, regenerate_recovery_codes, status,
};
pub use reset::{
    ENROLMENT_CODE_HOURS, enrolment_code_needed, issue_enrolment_code, reset_for_user, reset_in,
};
pub use sign_in::{complete_sign_in, reauthenticate};

use self::codes::{new_recovery_codes, recovery_hash};
use crate::domain::totp::{self};
use crate::error::AppError;
use crate::server::audit::{self, Actor, Event};
use crate::server::credentials::{self};
use crate::server::db::begin_write;
use crate::server::entities::{recovery_code, user};
use crate::server::settings::AuthSettings;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};

/// A pending enrolment as the person's page shows it: the secret for manual entry, the
/// `otpauth://` URI an authenticator app reads, and that URI as an SVG QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// Base32 (RFC 4648, no padding), as authenticator apps take it typed in.
    pub secret: String,
    pub uri: String,
    /// An `<svg>` element (no XML declaration), to be put inline into the page.
    pub qr_svg: String,
}

/// Where a person's second factor stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub enabled_at: Option<DateTime<Utc>>,
    /// An enrolment begun and not yet confirmed.
    pub pending: Option<Enrolment>,
    /// Recovery codes not yet used.
    pub recovery_codes_left: u64,
}

/// What an administrator's reset did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondFactorReset {
    pub user_id: i32,
    /// The person had a second factor in force (not merely an enrolment begun).
    pub was_enabled: bool,
    pub sessions_ended: u64,
}

/// Replaces a person's recovery codes with ten new ones; returns them for display (dashed), once.
pub(super) async fn replace_recovery_codes(
    txn: &impl ConnectionTrait,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    let codes = new_recovery_codes()?;
    for code in &codes {
        recovery_code::ActiveModel {
            user_id: Set(user_id),
            code_hash: Set(recovery_hash(code)),
            created_at: Set(now),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(codes
        .iter()
        .map(|c| totp::display_recovery_code(c))
        .collect())
}

pub(super) async fn recovery_codes_left(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<u64, sea_orm::DbErr> {
    recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(db)
        .await
}

/// Records a failed proof of the second factor (or of the password asked for instead) by a person
/// who is signed in, or half signed in: it counts towards the lock like a failed sign-in.
pub(super) async fn record_wrong_proof(
    db: &DatabaseConnection,
    person: &user::Model,
    actor: &Actor,
    settings: &AuthSettings,
    during: &str,
    locked: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    if !locked {
        // Read again inside the write transaction, as sign-in does.
        if let Some(current) = user::Entity::find_by_id(person.id).one(&txn).await? {
            credentials::record_failure(&txn, &current, actor, &settings.passwords, now).await?;
        }
    }
    audit::record(
        &txn,
        actor,
        Event::new(crate::domain::AuditAction::AuthSignInFailed, "user")
            .on(person.id)
            // What was tried is never recorded, only where.
            .after(serde_json::json!({
                "username": person.username,
                "during": during,
                "locked": locked,
            })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub(super) fn is_locked(person: &user::Model, now: DateTime<Utc>) -> bool {
    person.locked_until.is_some_and(|until| until > now)
}

/// Marks a code's time step as used, if no later one was used meanwhile (another request at the
/// same moment with the same code loses here: RFC 6238 §5.2). Whether it was this request's.
pub(super) async fn claim_step(
    txn: &impl ConnectionTrait,
    user_id: i32,
    step: i64,
) -> Result<bool, AppError> {
    let claimed = user::Entity::update_many()
        .col_expr(user::Column::TotpLastStep, Expr::value(Some(step)))
        .filter(user::Column::Id.eq(user_id))
        .filter(
            Condition::any()
                .add(user::Column::TotpLastStep.is_null())
                .add(user::Column::TotpLastStep.lt(step)),
        )
        .exec(txn)
        .await?;
    Ok(claimed.rows_affected == 1)
}
