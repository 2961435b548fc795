//! The password policy, its history, expiry and the lockout after failed sign-ins (issue 8).
//!
//! GB/T 22239-2019 (等保 2.0) level 3, 8.1.4.1 a: 身份鉴别信息具有复杂度要求并定期更换 — the rules of
//! [`crate::domain::password`], a list of common passwords, a maximum age, and no reuse of the last
//! few passwords. OWASP ASVS 5.0.0 V6.2.3: a change needs the current password. A change or a reset
//! ends the person's other sessions and revokes their API tokens (ASVS 5.0.0 V7.4.3): a token
//! minted with a stolen password must not outlive the change that locks the thief out.
use super::audit::{self, Actor, Event};
use super::auth::{self, AuthSettings, SessionToken, hash_password};
use super::db::begin_write;
use super::entities::{api_token, password_history, setting, user};
use super::use_case::RequestMeta;
use crate::domain::password::{self, ChangeReason, NewPassword, PasswordRules};
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The county's password and lockout policy (`PASSWORD_MIN_LENGTH`, `PASSWORD_MIN_CLASSES`,
/// `PASSWORD_MAX_AGE_DAYS`, `PASSWORD_HISTORY`, `LOCKOUT_THRESHOLD`, `LOCKOUT_MINUTES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub rules: PasswordRules,
    /// A password older than this must be changed at the next sign-in; none: passwords do not
    /// expire.
    pub max_age: Option<Duration>,
    /// How many of a person's latest passwords, the current one included, a new one may not equal.
    pub history: usize,
    /// Consecutive failed sign-ins that lock an account.
    pub lockout_threshold: u32,
    /// How long a lock lasts.
    pub lockout: Duration,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            rules: PasswordRules::default(),
            max_age: Some(Duration::days(90)),
            history: 5,
            lockout_threshold: 5,
            lockout: Duration::minutes(15),
        }
    }
}

impl PasswordPolicy {
    /// The security administrator's figures (`settings`, issue 8: 安全管理员 sets the password
    /// policy) over the configured ones; a figure left NULL, or out of range, stays as configured.
    pub fn with_settings(self, row: &setting::Model) -> PasswordPolicy {
        let figure = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
        let mut policy = self;
        let min_length =
            figure(row.password_min_length).map_or(self.rules.min_length(), |v| v as usize);
        let min_classes = figure(row.password_min_classes)
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(self.rules.min_classes());
        if let Ok(rules) = PasswordRules::new(min_length, min_classes) {
            policy.rules = rules;
        }
        if let Some(days) = figure(row.password_max_age_days).filter(|d| *d <= 3650) {
            policy.max_age = (days > 0).then(|| Duration::days(i64::from(days)));
        }
        if let Some(history) = figure(row.password_history).filter(|h| *h as usize <= MAX_HISTORY) {
            policy.history = history as usize;
        }
        if let Some(threshold) = figure(row.lockout_threshold).filter(|t| (1..=100).contains(t)) {
            policy.lockout_threshold = threshold;
        }
        if let Some(minutes) = figure(row.lockout_minutes).filter(|m| (1..=1440).contains(m)) {
            policy.lockout = Duration::minutes(i64::from(minutes));
        }
        policy
    }

    /// Whether the security administrator has set the policy (else it is the configured one).
    pub fn is_set_in(row: &setting::Model) -> bool {
        [
            row.password_min_length,
            row.password_min_classes,
            row.password_max_age_days,
            row.password_history,
            row.lockout_threshold,
            row.lockout_minutes,
        ]
        .iter()
        .any(Option::is_some)
    }
}

/// The policy in force: the configured one (`configured`) with the security administrator's
/// figures over it. Read on every request that needs it, so every server instance applies a change
/// at once.
pub async fn effective(
    db: &impl ConnectionTrait,
    configured: &PasswordPolicy,
) -> Result<PasswordPolicy, AppError> {
    let row = setting::Entity::find_by_id(1).one(db).await?;
    Ok(match row {
        Some(row) => configured.with_settings(&row),
        None => *configured,
    })
}

/// The most passwords a history may be configured to hold: each is an argon2 verification when a
/// password is changed.
pub const MAX_HISTORY: usize = 24;

/// The list shipped with the project (`app/data/common-passwords.txt`), in lower case.
fn common_passwords() -> &'static HashSet<&'static str> {
    static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();
    COMMON.get_or_init(|| {
        include_str!("../../data/common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    })
}

/// Whether a password (given in lower case) is on the list of common passwords.
pub fn is_common(lowercase: &str) -> bool {
    common_passwords().contains(lowercase)
}

/// A new password for `username` checked against the rules and the common list (not the history,
/// which needs the database).
pub fn check_new(
    policy: &PasswordPolicy,
    username: &str,
    candidate: &str,
) -> Result<NewPassword, Problem> {
    NewPassword::parse(&policy.rules, username, candidate, is_common).map_err(Problem::from)
}

/// Why this person must change their password before anything else, if they must.
pub fn change_reason(
    user: &user::Model,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Option<ChangeReason> {
    password::change_reason(
        user.must_change_password,
        user.password_changed_at,
        policy.max_age,
        now,
    )
}

/// Records a password's hash in the person's history and forgets all but the latest `keep`
/// (at least the current one).
pub(crate) async fn remember(
    txn: &impl ConnectionTrait,
    user_id: i32,
    hash: &str,
    keep: usize,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    password_history::ActiveModel {
        user_id: Set(user_id),
        password_hash: Set(hash.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    // A few rows per person: skipped here rather than with OFFSET, which SQLite takes only
    // after a LIMIT.
    let ids: Vec<i32> = password_history::Entity::find()
        .select_only()
        .column(password_history::Column::Id)
        .filter(password_history::Column::UserId.eq(user_id))
        .order_by_desc(password_history::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    let older: Vec<i32> = ids.into_iter().skip(keep.max(1)).collect();
    if !older.is_empty() {
        password_history::Entity::delete_many()
            .filter(password_history::Column::Id.is_in(older))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Whether `candidate` is one of the person's latest `count` passwords (argon2 verifications, on
/// the blocking pool).
async fn reused(
    db: &impl ConnectionTrait,
    user_id: i32,
    candidate: &NewPassword,
    count: usize,
) -> Result<bool, AppError> {
    if count == 0 {
        return Ok(false);
    }
    let hashes: Vec<String> = password_history::Entity::find()
        .select_only()
        .column(password_history::Column::PasswordHash)
        .filter(password_history::Column::UserId.eq(user_id))
        .order_by_desc(password_history::Column::Id)
        .limit(count as u64)
        .into_tuple()
        .all(db)
        .await?;
    let candidate = candidate.as_str().to_string();
    auth::HashingGate::shared()
        .run(move || {
            hashes
                .iter()
                .any(|hash| password_auth::verify_password(&candidate, hash).is_ok())
        })
        .await
}

/// Revokes the person's usable API tokens; returns how many.
pub(crate) async fn revoke_tokens(
    txn: &impl ConnectionTrait,
    user_id: i32,
    by: Option<i32>,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let live: Vec<api_token::Model> = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .all(txn)
        .await?
        .into_iter()
        .filter(|t| t.expires_at > now)
        .collect();
    let count = live.len() as u64;
    for token in live {
        let mut revoke: api_token::ActiveModel = token.clone().into();
        // Never before its creation (the database checks it), should another instance's clock
        // run ahead of this one's.
        revoke.revoked_at = Set(Some(now.max(token.created_at)));
        revoke.revoked_by = Set(by);
        revoke.update(txn).await?;
    }
    Ok(count)
}

/// Stores a new password (already checked) for a person: hash, date, history; clears the failure
/// count and any lock; ends their sessions and revokes their API tokens. Returns how many of each
/// ended.
async fn store(
    txn: &impl ConnectionTrait,
    person: user::Model,
    hash: String,
    must_change: bool,
    revoked_by: Option<i32>,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<(u64, u64), AppError> {
    let user_id = person.id;
    let mut edit: user::ActiveModel = person.into();
    edit.password_hash = Set(hash.clone());
    edit.password_changed_at = Set(now);
    edit.must_change_password = Set(must_change);
    edit.failed_sign_ins = Set(0);
    edit.locked_until = Set(None);
    edit.update(txn).await?;
    remember(txn, user_id, &hash, policy.history, now).await?;
    let sessions = auth::end_sessions(txn, user_id, None).await?;
    let tokens = revoke_tokens(txn, user_id, revoked_by, now).await?;
    Ok((sessions, tokens))
}

/// A person's request to change their own password.
#[derive(Clone)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub repeat: String,
}

/// The longest input hashed when checking a current password (bytes): longer cannot match, and
/// argon2 over megabytes would be a cheap way to load the server.
const MAX_INPUT_BYTES: usize = 4 * password::MAX_LENGTH;

/// A signed-in person changes their password (also one that must be changed: expired, or set by
/// someone else). The current password is checked first, and a wrong one counts towards the lock
/// like a failed sign-in. Then the repetition, the rules, the common list and the history. On
/// success every session of the person ends, this one included, their API tokens are revoked, and
/// a new session (a new id on a change of privilege: ASVS 5.0.0 V7.2.4) is returned for this
/// browser.
pub async fn change_own(
    db: &DatabaseConnection,
    who: &SessionUser,
    meta: &RequestMeta,
    change: PasswordChange,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<SessionToken, AppError> {
    let policy = &effective(db, &settings.passwords).await?;
    let person = user::Entity::find_by_id(who.id)
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let locked = person.locked_until.is_some_and(|until| until > now);
    let current_ok = change.current.len() <= MAX_INPUT_BYTES && {
        let (current, hash) = (change.current.clone(), person.password_hash.clone());
        auth::HashingGate::shared()
            .run(move || password_auth::verify_password(current, &hash).is_ok())
            .await?
    };
    if !current_ok || locked {
        let txn = begin_write(db).await?;
        let actor = Actor::user(who, meta);
        if !locked {
            auth::record_failure(&txn, &person, &actor, policy, now).await?;
        }
        audit::record(
            &txn,
            &actor,
            Event {
                action: crate::domain::AuditAction::AuthSignInFailed,
                entity_type: "user",
                entity_id: Some(person.id.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "username": person.username,
                    "during": "password_change",
                })),
            },
            now,
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::invalid(
            "current_password",
            Problem::PasswordWrong,
        ));
    }
    if change.new != change.repeat {
        return Err(AppError::invalid(
            "repeat_password",
            Problem::PasswordMismatch,
        ));
    }
    let new = check_new(policy, &person.username, &change.new)
        .map_err(|problem| AppError::invalid("new_password", problem))?;
    if reused(db, person.id, &new, policy.history).await? {
        return Err(AppError::invalid(
            "new_password",
            Problem::PasswordReused {
                count: u8::try_from(policy.history).unwrap_or(u8::MAX),
            },
        ));
    }
    let hash = hash_password(new.into_inner()).await?;

    let txn = begin_write(db).await?;
    let was = change_reason(&person, policy, now);
    let (sessions_ended, tokens_revoked) =
        store(&txn, person.clone(), hash, false, Some(who.id), policy, now).await?;
    let fresh = user::Entity::find_by_id(person.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let token = auth::open_session(&txn, &fresh, meta, settings.sessions, now).await?;
    audit::record(
        &txn,
        &Actor::user(who, meta),
        Event {
            action: crate::domain::AuditAction::UserPasswordChanged,
            entity_type: "user",
            entity_id: Some(person.id.to_string()),
            before: was.map(|reason| serde_json::json!({ "password_change_required": reason })),
            // Never the hash: the event says what happened, not what the password is.
            after: Some(serde_json::json!({
                "sessions_ended": sessions_ended,
                "tokens_revoked": tokens_revoked,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// What a reset did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordReset {
    pub user_id: i32,
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
}

/// An operator sets a new password for a person (`server reset-password`): it must satisfy the
/// policy, the person must change it at their next sign-in, a lock is lifted, and their sessions
/// end and API tokens are revoked. Audited as `user.password_reset`, without the password.
pub async fn reset(
    db: &DatabaseConnection,
    actor: &Actor,
    username: &str,
    password: &str,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<PasswordReset, AppError> {
    let person = user::Entity::find()
        .filter(user::Column::Username.eq(username.trim()))
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let new = check_new(policy, &person.username, password)
        .map_err(|problem| AppError::invalid("password", problem))?;
    if reused(db, person.id, &new, policy.history).await? {
        return Err(AppError::invalid(
            "password",
            Problem::PasswordReused {
                count: u8::try_from(policy.history).unwrap_or(u8::MAX),
            },
        ));
    }
    let hash = hash_password(new.into_inner()).await?;
    let txn = begin_write(db).await?;
    let done = reset_in(&txn, actor, person, hash, policy, now).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`reset`] inside the caller's transaction, with the new password already hashed (so the slow
/// hash is never computed while the write lock is held): stores it to be changed at the next
/// sign-in, lifts a lock, ends sessions, revokes tokens and records `user.password_reset`.
pub async fn reset_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    person: user::Model,
    hash: String,
    policy: &PasswordPolicy,
    now: DateTime<Utc>,
) -> Result<PasswordReset, AppError> {
    let user_id = person.id;
    let was_locked = person.locked_until.is_some_and(|until| until > now);
    let (sessions_ended, tokens_revoked) =
        store(txn, person, hash, true, actor.user_id, policy, now).await?;
    audit::record(
        txn,
        actor,
        Event {
            action: crate::domain::AuditAction::UserPasswordReset,
            entity_type: "user",
            entity_id: Some(user_id.to_string()),
            before: Some(serde_json::json!({ "locked": was_locked })),
            after: Some(serde_json::json!({
                "must_change_password": true,
                "sessions_ended": sessions_ended,
                "tokens_revoked": tokens_revoked,
            })),
        },
        now,
    )
    .await?;
    Ok(PasswordReset {
        user_id,
        sessions_ended,
        tokens_revoked,
    })
}

// issue 15: people
/// The alphabets of generated temporary passwords: the four kinds of character the policy counts,
/// without the ones easily misread when read out or copied by hand (0/O/o, 1/l/I, 5/S).
const TEMPORARY_ALPHABETS: [&[u8]; 4] = [
    b"abcdefghjkmnpqrstuvwxyz",
    b"ABCDEFGHJKLMNPQRTUVWXYZ",
    b"2346789",
    b"-+=#%",
];

/// A temporary password the system makes (issue 15 item 3: the security administrator never
/// chooses one; ASVS 5.0 V6.4.1): at least 20 characters (more if the policy asks), every kind of
/// character, drawn without bias from the operating system's RNG, and satisfying the policy.
pub fn generate_temporary(policy: &PasswordPolicy, username: &str) -> Result<String, AppError> {
    use rand::TryRngCore;
    let length = policy.rules.min_length().max(20);
    let draw = |alphabet: &[u8]| -> Result<u8, AppError> {
        let size = alphabet.len() as u16;
        let limit = 256 - 256 % size;
        loop {
            let mut byte = [0u8; 1];
            rand::rngs::OsRng
                .try_fill_bytes(&mut byte)
                .map_err(|e| AppError::internal(anyhow::anyhow!("the OS RNG failed: {e}")))?;
            if u16::from(byte[0]) < limit {
                return Ok(alphabet[usize::from(byte[0]) % alphabet.len()]);
            }
        }
    };
    let all: Vec<u8> = TEMPORARY_ALPHABETS.concat();
    for _ in 0..16 {
        let mut chars = Vec::with_capacity(length);
        // One of each kind first, at places drawn at random below.
        for alphabet in TEMPORARY_ALPHABETS {
            chars.push(draw(alphabet)?);
        }
        while chars.len() < length {
            chars.push(draw(&all)?);
        }
        // Fisher-Yates with the same unbiased draws.
        for i in (1..chars.len()).rev() {
            let positions: Vec<u8> = (0..=i as u8).collect();
            let j = usize::from(draw(&positions)?);
            chars.swap(i, j);
        }
        let candidate = String::from_utf8(chars).map_err(AppError::internal)?;
        if check_new(policy, username, &candidate).is_ok() {
            return Ok(candidate);
        }
    }
    Err(AppError::internal(anyhow::anyhow!(
        "no generated password satisfied the policy"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_is_large_lower_case_and_holds_the_usual_suspects() {
        let list = common_passwords();
        assert!(list.len() > 3000, "{}", list.len());
        assert!(
            list.iter()
                .all(|p| *p == p.to_lowercase() && !p.contains(char::is_whitespace))
        );
        for common in [
            "password1",
            "p@ssw0rd",
            "qwerty123",
            "woaini1314",
            "admin@123",
        ] {
            assert!(is_common(common), "{common}");
        }
        assert!(
            !is_common("shizhu-demo-2026"),
            "the demo password stays usable"
        );
    }

    #[test]
    fn generated_temporary_passwords_satisfy_the_strictest_policy_and_differ() {
        let policy = PasswordPolicy {
            rules: crate::domain::password::PasswordRules::new(24, 4).unwrap(),
            ..Default::default()
        };
        let a = generate_temporary(&policy, "tan.ming").unwrap();
        let b = generate_temporary(&policy, "tan.ming").unwrap();
        assert_ne!(a, b);
        assert!(a.len() >= 24, "{a}");
        assert!(check_new(&policy, "tan.ming", &a).is_ok(), "{a}");
        for alphabet in TEMPORARY_ALPHABETS {
            assert!(a.bytes().any(|c| alphabet.contains(&c)), "{a}");
        }
        assert!(!a.contains(['0', 'O', 'o', '1', 'l', 'I', '5', 'S']), "{a}");
    }

    #[test]
    fn a_common_password_is_refused_whatever_its_case() {
        let policy = PasswordPolicy::default();
        assert_eq!(
            check_new(&policy, "tan.ming", "P@ssw0rd123").unwrap_err(),
            Problem::PasswordCommon
        );
        assert_eq!(
            check_new(&policy, "tan.ming", "Admin@12345").unwrap_err(),
            Problem::PasswordCommon
        );
        assert!(check_new(&policy, "tan.ming", "Ledger-lantern-42").is_ok());
    }
}
