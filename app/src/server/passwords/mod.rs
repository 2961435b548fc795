//! The password policy, its history, expiry and the lockout after failed sign-ins (issue 8).
//!
//! GB/T 22239-2019 (等保 2.0) level 3, 8.1.4.1 a: 身份鉴别信息具有复杂度要求并定期更换 — the rules of
//! [`crate::domain::password`], a list of common passwords, a maximum age, and no reuse of the last
//! few passwords. OWASP ASVS 5.0.0 V6.2.3: a change needs the current password. A change or a reset
//! ends the person's other sessions and revokes their API tokens (ASVS 5.0.0 V7.4.3): a token
//! minted with a stolen password must not outlive the change that locks the thief out.
mod change;
mod reset;
use crate::domain::password::NewPassword;
use crate::error::{AppError, Problem};
use crate::server::credentials::{self};
use crate::server::entities::{password_history, setting, user};
pub use crate::server::settings::{MAX_HISTORY, PasswordPolicy, change_reason};
pub use change::{PasswordChange, change_own};
use chrono::{DateTime, Utc};
pub use reset::{PasswordReset, reset, reset_in};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The policy in force: the configured one (`configured`) with the security administrator's
/// figures over it. Read on every request that needs it, so every server instance applies a change
/// at once.
#[tracing::instrument(skip_all, fields(use_case = "passwords.effective"))]
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

/// What the password page shows the person `user_id`: why a change is required (`reason`, if it
/// is), the rules in force, and when the password was set and must next be changed.
pub async fn view(
    db: &impl ConnectionTrait,
    user_id: i32,
    reason: Option<crate::domain::password::ChangeReason>,
    policy: &PasswordPolicy,
) -> Result<crate::model::PasswordView, AppError> {
    let person = crate::server::entities::user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(crate::model::PasswordView {
        username: person.username,
        reason,
        min_length: policy.rules.min_length(),
        min_classes: policy.rules.min_classes(),
        history: policy.history,
        max_age_days: policy.max_age.map(|age| age.num_days()),
        changed_at: person.password_changed_at.to_rfc3339(),
        due_at: policy
            .max_age
            .map(|age| (person.password_changed_at + age).to_rfc3339()),
    })
}

/// The list shipped with the project (`app/data/common-passwords.txt`), in lower case.
pub(super) fn common_passwords() -> &'static HashSet<&'static str> {
    static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();
    COMMON.get_or_init(|| {
        include_str!("../../../data/common-passwords.txt")
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
pub(super) async fn reused(
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
    credentials::HashingGate::shared()
        .run(move || {
            hashes
                .iter()
                .any(|hash| password_auth::verify_password(&candidate, hash).is_ok())
        })
        .await
}

/// Stores a new password (already checked) for a person: hash, date, history; clears the failure
/// count and any lock; ends their sessions and revokes their API tokens. Returns how many of each
/// ended.
pub(super) async fn store(
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
    let sessions = credentials::end_sessions(txn, user_id, None).await?;
    let tokens = credentials::revoke_tokens(txn, user_id, revoked_by, now).await?;
    Ok((sessions, tokens))
}

// issue 15: people
/// The alphabets of generated temporary passwords: the four kinds of character the policy counts,
/// without the ones easily misread when read out or copied by hand (0/O/o, 1/l/I, 5/S).
pub(super) const TEMPORARY_ALPHABETS: [&[u8]; 4] = [
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
