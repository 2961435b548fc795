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
use super::audit::{self, Actor, Event};
use super::auth::{self, AuthSettings, SessionToken, SignedIn, token_hash};
use super::db::begin_write;
use super::entities::{enrolment_code, recovery_code, session, user};
use super::use_case::RequestMeta;
use crate::domain::totp::{
    self, DIGITS, RECOVERY_ALPHABET, RECOVERY_CODE_LENGTH, RECOVERY_CODES, SECRET_BYTES,
    SKEW_STEPS, STEP_SECONDS, SecondFactorInput,
};
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use chrono::{DateTime, Utc};
use rand::TryRngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};

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

// ---------------------------------------------------------------------------------------------
// RFC 6238
// ---------------------------------------------------------------------------------------------

/// The RFC 6238 generator for a secret: SHA-1, six digits, 30-second steps.
fn generator(secret: &[u8]) -> Result<totp_rs::Totp, AppError> {
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_step_duration(STEP_SECONDS as u64)
        .with_skew(SKEW_STEPS as u16)
        .with_secret(secret.to_vec())
        .build()
        .map_err(|e| AppError::internal(anyhow::anyhow!("TOTP parameters: {e:?}")))
}

fn decode_secret(base32: &str) -> Result<Vec<u8>, AppError> {
    totp_rs::Secret::try_from_base32(base32)
        .map(|secret| secret.as_ref().to_vec())
        .map_err(|_| AppError::internal(anyhow::anyhow!("a stored TOTP secret is not base32")))
}

/// The code of a secret (base32) at a time step, as an authenticator app shows it.
pub fn code_at_step(secret_base32: &str, step: i64) -> Result<String, AppError> {
    let secret = decode_secret(secret_base32)?;
    Ok(generator(&secret)?
        .generate(step.max(0) as u64 * STEP_SECONDS as u64)
        .to_string())
}

/// The time step whose code `code` is, among now's and the ones [`SKEW_STEPS`] either side,
/// skipping steps at or before `last_step` (already used: RFC 6238 §5.2). None: no such step.
pub fn accepted_step(
    secret_base32: &str,
    code: &str,
    now: DateTime<Utc>,
    last_step: Option<i64>,
) -> Result<Option<i64>, AppError> {
    let secret = decode_secret(secret_base32)?;
    let generator = generator(&secret)?;
    let current = totp::time_step(now.timestamp());
    for step in (current - SKEW_STEPS)..=(current + SKEW_STEPS) {
        if step < 0 || last_step.is_some_and(|last| step <= last) {
            continue;
        }
        // Compared in constant time (issue 15): how much of a guess matched never shows in the
        // time the answer takes.
        let expected = generator
            .generate(step as u64 * STEP_SECONDS as u64)
            .to_string();
        if bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            code.as_bytes(),
        )) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

/// A new 160-bit secret from the operating system's RNG, in base32.
fn new_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| AppError::internal(anyhow::anyhow!("the OS RNG failed: {e}")))?;
    Ok(totp_rs::Secret::from(bytes.to_vec()).to_base32())
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn uri_component(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The `otpauth://totp/` URI authenticator apps read from the QR code: the label is
/// `issuer:username`, and the issuer is repeated as a parameter, as the apps expect.
pub fn otpauth_uri(issuer: &str, username: &str, secret_base32: &str) -> String {
    let issuer = uri_component(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret_base32}&issuer={issuer}\
         &algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = uri_component(username),
    )
}

/// The URI as a QR code drawn in SVG (no XML declaration, so it can sit inside HTML).
pub fn qr_svg(uri: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::internal(anyhow::anyhow!("drawing the enrolment QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    })
}

fn enrolment(issuer: &str, username: &str, secret: &str) -> Result<Enrolment, AppError> {
    let uri = otpauth_uri(issuer, username, secret);
    Ok(Enrolment {
        secret: secret.to_string(),
        qr_svg: qr_svg(&uri)?,
        uri,
    })
}

// ---------------------------------------------------------------------------------------------
// Recovery codes
// ---------------------------------------------------------------------------------------------

fn recovery_hash(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Ten new recovery codes (canonical form) from the OS RNG, without bias (rejection sampling).
fn new_recovery_codes() -> Result<Vec<String>, AppError> {
    let alphabet = RECOVERY_ALPHABET.len() as u16;
    // Bytes from the largest multiple of the alphabet's size up are redrawn, so that every symbol
    // is equally likely.
    let limit = 256 - 256 % alphabet;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    while codes.len() < RECOVERY_CODES {
        let mut code = String::with_capacity(RECOVERY_CODE_LENGTH);
        while code.len() < RECOVERY_CODE_LENGTH {
            let mut byte = [0u8; 1];
            rand::rngs::OsRng
                .try_fill_bytes(&mut byte)
                .map_err(|e| AppError::internal(anyhow::anyhow!("the OS RNG failed: {e}")))?;
            if u16::from(byte[0]) < limit {
                code.push(
                    RECOVERY_ALPHABET[usize::from(byte[0]) % RECOVERY_ALPHABET.len()] as char,
                );
            }
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// Replaces a person's recovery codes with ten new ones; returns them for display (dashed), once.
async fn replace_recovery_codes(
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

async fn recovery_codes_left(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<u64, sea_orm::DbErr> {
    recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(db)
        .await
}

// ---------------------------------------------------------------------------------------------
// The person's own second factor
// ---------------------------------------------------------------------------------------------

async fn person(db: &impl ConnectionTrait, user_id: i32) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(user_id)
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Where the person's second factor stands; a pending enrolment comes with its QR code, drawn for
/// `issuer` (the application's title).
pub async fn status(
    db: &DatabaseConnection,
    who: &SessionUser,
    issuer: &str,
) -> Result<Status, AppError> {
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

/// Begins (or begins again) the person's enrolment: a new secret, pending until confirmed with a
/// code. Refused with `Conflict` while a second factor is in force (disable it first).
pub async fn begin_enrolment(
    db: &DatabaseConnection,
    who: &SessionUser,
    meta: &RequestMeta,
    issuer: &str,
    now: DateTime<Utc>,
) -> Result<Enrolment, AppError> {
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
        Event {
            action: crate::domain::AuditAction::UserSecondFactorEnrolmentStarted,
            entity_type: "user",
            entity_id: Some(who.id.to_string()),
            before: None,
            // Never the secret.
            after: Some(serde_json::json!({ "method": "totp", "restarted": restarted })),
        },
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
pub async fn confirm_enrolment(
    db: &DatabaseConnection,
    who: &SessionUser,
    meta: &RequestMeta,
    typed: &str,
    enrolment_code: &str,
    revoke_tokens: bool,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
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
            Event {
                action: crate::domain::AuditAction::UserEnrolmentCodeUsed,
                entity_type: "user",
                entity_id: Some(who.id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "enrolment_code_id": id })),
            },
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
        Event {
            action: crate::domain::AuditAction::UserSecondFactorEnabled,
            entity_type: "user",
            entity_id: Some(who.id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "method": "totp",
                "recovery_codes": codes.len(),
            })),
        },
        now,
    )
    .await?;
    if revoke_tokens {
        // Tokens made before the second factor protected the account (issue 15, item 6).
        let actor = Actor::user(who, meta);
        super::tokens::revoke_all_in(&txn, &actor, who.id, "second_factor_enrolled", now).await?;
    }
    txn.commit().await?;
    tracing::info!(user_id = who.id, "second factor enabled");
    Ok(codes)
}

/// Records a failed proof of the second factor (or of the password asked for instead) by a person
/// who is signed in, or half signed in: it counts towards the lock like a failed sign-in.
async fn record_wrong_proof(
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
            auth::record_failure(&txn, &current, actor, &settings.passwords, now).await?;
        }
    }
    audit::record(
        &txn,
        actor,
        Event {
            action: crate::domain::AuditAction::AuthSignInFailed,
            entity_type: "user",
            entity_id: Some(person.id.to_string()),
            before: None,
            // What was tried is never recorded, only where.
            after: Some(serde_json::json!({
                "username": person.username,
                "during": during,
                "locked": locked,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn is_locked(person: &user::Model, now: DateTime<Utc>) -> bool {
    person.locked_until.is_some_and(|until| until > now)
}

/// Marks a code's time step as used, if no later one was used meanwhile (another request at the
/// same moment with the same code loses here: RFC 6238 §5.2). Whether it was this request's.
async fn claim_step(txn: &impl ConnectionTrait, user_id: i32, step: i64) -> Result<bool, AppError> {
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

/// Turns off the person's own second factor. They prove it is them with a current code from their
/// app, or with their password (the phone may be gone); a wrong proof counts towards the lock like
/// a failed sign-in. Their recovery codes are deleted.
pub async fn disable_own(
    db: &DatabaseConnection,
    who: &SessionUser,
    meta: &RequestMeta,
    code: &str,
    password: &str,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
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
        && auth::password_matches(password.to_string(), Some(person.password_hash.clone())).await?;
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
        Event {
            action: crate::domain::AuditAction::UserSecondFactorDisabled,
            entity_type: "user",
            entity_id: Some(person.id.to_string()),
            before: Some(serde_json::json!({ "method": "totp", "recovery_codes_left": left })),
            after: Some(serde_json::json!({
                "proved_with": if step.is_some() { "totp" } else { "password" },
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user_id = person.id, "second factor disabled");
    Ok(())
}

/// Clears a person's second factor (secret, dates, recovery codes).
async fn clear(txn: &impl ConnectionTrait, user_id: i32) -> Result<(), AppError> {
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
pub async fn regenerate_recovery_codes(
    db: &DatabaseConnection,
    who: &SessionUser,
    meta: &RequestMeta,
    code: &str,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
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
        Event {
            action: crate::domain::AuditAction::UserRecoveryCodesRegenerated,
            entity_type: "user",
            entity_id: Some(person.id.to_string()),
            before: Some(serde_json::json!({ "recovery_codes_left": left })),
            after: Some(serde_json::json!({ "recovery_codes": codes.len() })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

// ---------------------------------------------------------------------------------------------
// An administrator's reset
// ---------------------------------------------------------------------------------------------

/// Clears someone else's second factor after they lost their phone and their recovery codes: the
/// secret, the pending enrolment and the recovery codes go, their sessions end, and they sign in
/// with their password alone (and, where `TOTP_REQUIRED` applies to their role, must enrol again
/// before anything else). Audited as `user.second_factor_reset` with `actor`, never with the secret.
///
/// The caller checks that `actor` may do this (the security administrator's page, or an operator
/// at the console); the service refuses only an actor resetting their own second factor
/// (`Forbidden`: they use [`disable_own`], which asks for a proof). An unknown `user_id` is
/// `NotFound`.
pub async fn reset_for_user(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<SecondFactorReset, AppError> {
    if actor.user_id == Some(user_id) {
        return Err(AppError::Forbidden);
    }
    let txn = begin_write(db).await?;
    let done = reset_in(&txn, actor, user_id, now).await?;
    txn.commit().await?;
    tracing::info!(user_id, "second factor reset by an administrator");
    Ok(done)
}

/// [`reset_for_user`] inside the caller's transaction (a confirmed request, issue 15 item 3).
pub async fn reset_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<SecondFactorReset, AppError> {
    if actor.user_id == Some(user_id) {
        return Err(AppError::Forbidden);
    }
    let person = user::Entity::find_by_id(user_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let was_enabled = person.totp_enabled_at.is_some();
    let was_pending = person.totp_secret.is_some() && !was_enabled;
    let left = recovery_codes_left(txn, user_id).await?;
    clear(txn, user_id).await?;
    let sessions_ended = auth::end_sessions(txn, user_id, None).await?;
    audit::record(
        txn,
        actor,
        Event {
            action: crate::domain::AuditAction::UserSecondFactorReset,
            entity_type: "user",
            entity_id: Some(user_id.to_string()),
            before: Some(serde_json::json!({
                "username": person.username,
                "enabled": was_enabled,
                "enrolment_pending": was_pending,
                "recovery_codes_left": left,
            })),
            after: Some(serde_json::json!({ "sessions_ended": sessions_ended })),
        },
        now,
    )
    .await?;
    Ok(SecondFactorReset {
        user_id,
        was_enabled,
        sessions_ended,
    })
}

// ---------------------------------------------------------------------------------------------
// Enrolment codes (issue 15 item 7)
// ---------------------------------------------------------------------------------------------

/// Hours an enrolment code stays valid.
pub const ENROLMENT_CODE_HOURS: i64 = 24;

/// Whether this person enrols only with an enrolment code: the deployment requires a second factor
/// of their role (`TOTP_REQUIRED`) and they have none in force.
pub fn enrolment_code_needed(person: &user::Model, totp_required: bool) -> bool {
    totp_required
        && person.totp_enabled_at.is_none()
        && crate::domain::Role::parse(&person.role)
            .is_some_and(crate::domain::totp::second_factor_required)
}

/// The id of the person's live (unused, unexpired) enrolment code that `typed` is, if any.
async fn live_enrolment_code(
    db: &impl ConnectionTrait,
    user_id: i32,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Option<i32>, AppError> {
    let Some(canonical) = canonical_enrolment_code(typed) else {
        return Ok(None);
    };
    Ok(enrolment_code::Entity::find()
        .filter(enrolment_code::Column::UserId.eq(user_id))
        .filter(enrolment_code::Column::CodeHash.eq(recovery_hash(&canonical)))
        .filter(enrolment_code::Column::UsedAt.is_null())
        .filter(enrolment_code::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .map(|c| c.id))
}

/// Issues a one-time enrolment code for a person who must enrol a second factor: shown once (the
/// return value, dashed), kept only as its SHA-256, valid [`ENROLMENT_CODE_HOURS`] hours, and any
/// earlier unused code of theirs stops working. Audited as `user.enrolment_code_issued` (never
/// the code). `actor` is the security administrator (the caller checks the duty) or an operator at
/// the console (`server enrolment-code`, for the first security administrator). Refused for
/// one's own account (`OwnAccount`), an account switched off (`NotFound`) and one that needs no
/// code (`EnrolmentCodeNotNeeded`).
pub async fn issue_enrolment_code(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i32,
    totp_required: bool,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    if actor.user_id == Some(user_id) {
        return Err(AppError::invalid("id", Problem::OwnAccount));
    }
    let canonical = new_enrolment_code()?;
    let txn = begin_write(db).await?;
    let person = user::Entity::find_by_id(user_id)
        .filter(user::Column::Active.eq(true))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !enrolment_code_needed(&person, totp_required) {
        return Err(AppError::invalid("id", Problem::EnrolmentCodeNotNeeded));
    }
    let replaced = enrolment_code::Entity::delete_many()
        .filter(enrolment_code::Column::UserId.eq(user_id))
        .filter(enrolment_code::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    let expires_at = now + chrono::Duration::hours(ENROLMENT_CODE_HOURS);
    let row = enrolment_code::ActiveModel {
        user_id: Set(user_id),
        code_hash: Set(recovery_hash(&canonical)),
        issued_by: Set(actor.user_id),
        issued_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Event {
            action: crate::domain::AuditAction::UserEnrolmentCodeIssued,
            entity_type: "user",
            entity_id: Some(user_id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "username": person.username,
                "enrolment_code_id": row.id,
                "expires_at": expires_at.to_rfc3339(),
                "replaced_unused": replaced,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(display_enrolment_code(&canonical))
}

/// Characters of an enrolment code: 16 of the recovery alphabet, about 79 bits.
pub const ENROLMENT_CODE_LENGTH: usize = 16;

fn new_enrolment_code() -> Result<String, AppError> {
    let alphabet = RECOVERY_ALPHABET.len() as u16;
    let limit = 256 - 256 % alphabet;
    let mut code = String::with_capacity(ENROLMENT_CODE_LENGTH);
    while code.len() < ENROLMENT_CODE_LENGTH {
        let mut byte = [0u8; 1];
        rand::rngs::OsRng
            .try_fill_bytes(&mut byte)
            .map_err(|e| AppError::internal(anyhow::anyhow!("the OS RNG failed: {e}")))?;
        if u16::from(byte[0]) < limit {
            code.push(RECOVERY_ALPHABET[usize::from(byte[0]) % RECOVERY_ALPHABET.len()] as char);
        }
    }
    Ok(code)
}

/// A typed enrolment code in its canonical form (lower case, no dashes or spaces), if it is one.
pub fn canonical_enrolment_code(typed: &str) -> Option<String> {
    if typed.len() > 64 {
        return None;
    }
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    (compact.len() == ENROLMENT_CODE_LENGTH
        && compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
    .then_some(compact)
}

/// An enrolment code as shown: four groups of four, `abcd-efgh-jkmn-pqrs`.
pub fn display_enrolment_code(canonical: &str) -> String {
    canonical
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

// ---------------------------------------------------------------------------------------------
// Sign-in, second step
// ---------------------------------------------------------------------------------------------

/// The second step of sign-in: a half session (the password was right) and a code from the
/// person's app or one of their recovery codes. On success the half session ends and a full
/// session with a new id is returned (ASVS 5.0.0 V7.2.4), the failure count is reset, and the
/// code's step (or the recovery code) is used up. A wrong, replayed or expired code, a used
/// recovery code and a locked account all get `Unauthenticated`, are audited as failed sign-ins and
/// count towards the lock. A token that is not a live half session is `Unauthenticated` too.
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
    let session_user = auth::session_user_for(db, person.clone()).await?;
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
    user::Entity::update_many()
        .col_expr(user::Column::FailedSignIns, Expr::value(0))
        .col_expr(
            user::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(user::Column::Id.eq(person.id))
        .exec(&txn)
        .await?;
    let password_change = super::passwords::change_reason(&person, &settings.passwords, now);
    let token = auth::open_session(&txn, &person, meta, settings.sessions, now).await?;
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
    audit::record(
        &txn,
        &actor,
        Event {
            action: crate::domain::AuditAction::AuthSignedIn,
            entity_type: "user",
            entity_id: Some(person.id.to_string()),
            before: None,
            after: Some(after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(SignedIn {
        token,
        user: session_user,
        password_change,
        second_factor_pending: false,
    })
}

/// What proved the second factor at sign-in.
#[derive(Debug, Clone, Copy)]
enum Proof {
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
        && auth::password_matches(password.to_string(), Some(person.password_hash.clone())).await?;
    if !matches {
        record_wrong_proof(db, &person, actor, settings, during, locked, now).await?;
        return Err(AppError::invalid("password", Problem::PasswordWrong));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// RFC 6238 Appendix B: the SHA-1 secret is the ASCII of "12345678901234567890"; the table
    /// gives eight digits, whose last six are the six-digit code (the same truncation, mod 10^6).
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn the_rfc_6238_appendix_b_sha1_vectors_hold() {
        let secret = totp_rs::Secret::from(RFC_SECRET.to_vec()).to_base32();
        for (time, eight_digits) in [
            (59_i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let step = totp::time_step(time);
            assert_eq!(
                code_at_step(&secret, step).unwrap(),
                eight_digits[2..],
                "T = {time}"
            );
            let eight = totp_rs::Builder::new()
                .with_digits(8)
                .with_secret(RFC_SECRET.to_vec())
                .build()
                .unwrap()
                .generate(time as u64)
                .to_string();
            assert_eq!(eight, eight_digits, "T = {time}, eight digits");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_never_at_a_used_step() {
        let secret = totp_rs::Secret::from(RFC_SECRET.to_vec()).to_base32();
        let now = Utc.timestamp_opt(1_111_111_111, 0).unwrap();
        let step = totp::time_step(now.timestamp());
        let code = |s: i64| code_at_step(&secret, s).unwrap();
        for offset in [-1, 0, 1] {
            assert_eq!(
                accepted_step(&secret, &code(step + offset), now, None).unwrap(),
                Some(step + offset)
            );
        }
        for offset in [-2, 2] {
            assert_eq!(
                accepted_step(&secret, &code(step + offset), now, None).unwrap(),
                None
            );
        }
        assert_eq!(
            accepted_step(&secret, &code(step), now, Some(step)).unwrap(),
            None
        );
        assert_eq!(
            accepted_step(&secret, &code(step - 1), now, Some(step - 1)).unwrap(),
            None
        );
        assert_eq!(
            accepted_step(&secret, &code(step + 1), now, Some(step)).unwrap(),
            Some(step + 1)
        );
    }

    #[test]
    fn new_secrets_are_160_random_bits_and_the_uri_names_issuer_and_account() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_ne!(a, b);
        assert_eq!(decode_secret(&a).unwrap().len(), 20);
        assert_eq!(a.len(), 32, "160 bits are 32 base32 characters");
        let uri = otpauth_uri("石柱 registry", "tan.ming", &a);
        assert_eq!(
            uri,
            format!(
                "otpauth://totp/%E7%9F%B3%E6%9F%B1%20registry:tan.ming?secret={a}\
                 &issuer=%E7%9F%B3%E6%9F%B1%20registry&algorithm=SHA1&digits=6&period=30"
            )
        );
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
    }

    #[test]
    fn recovery_codes_are_ten_distinct_codes_of_the_alphabet() {
        let codes = new_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        for code in &codes {
            assert_eq!(code.len(), RECOVERY_CODE_LENGTH);
            assert!(code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)));
            assert_eq!(
                SecondFactorInput::parse(&totp::display_recovery_code(code)),
                Some(SecondFactorInput::Recovery(code.clone()))
            );
        }
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len());
    }
}
