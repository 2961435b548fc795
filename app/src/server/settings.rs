//! The deployment's rules of sign-in, sessions and passwords (`SESSION_*`, `PASSWORD_*`, `LOCKOUT_*`,
//! `TOTP_REQUIRED`). A leaf: the Leptos glue (`context`) and the services read it without
//! reaching into each other.
use super::entities::{setting, user};
use crate::domain::password::{self, ChangeReason, PasswordRules};
use chrono::{DateTime, Duration, Utc};

/// How long sessions live (`SESSION_IDLE_MINUTES`, `SESSION_ABSOLUTE_HOURS`).
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in whatever its use.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// The rules of sign-in and sessions of this deployment. The session layer puts them into every
/// request, for the handlers and server functions that open sessions or change passwords.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthSettings {
    pub sessions: SessionPolicy,
    pub passwords: PasswordPolicy,
    /// The site is HTTPS: the session cookie is `Secure` and `__Host-` prefixed.
    pub secure_cookies: bool,
    /// `TOTP_REQUIRED`: people whose role [needs a second factor](crate::domain::totp::second_factor_required)
    /// must enrol before anything else.
    pub totp_required: bool,
}

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

/// The most passwords a history may be configured to hold: each is an argon2 verification when a
/// password is changed.
pub const MAX_HISTORY: usize = 24;

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
