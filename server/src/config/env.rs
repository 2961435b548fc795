//! Reading the environment: one function per setting or group of settings, each refusing a value
//! it cannot use with the variable's name.
use super::*;

pub(super) fn var(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

/// A whole number of seconds; 0 means None (off) where `zero_is_off`.
pub(super) fn seconds(key: &str, default: u64) -> anyhow::Result<u64> {
    match var(key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map_err(|_| anyhow::anyhow!("{key} is not a number of seconds: {v}")),
    }
}

pub(super) fn mailbox(key: &str) -> anyhow::Result<Option<lettre::message::Mailbox>> {
    var(key)
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|e| anyhow::anyhow!("{key} is not an e-mail address ({v}): {e}"))
        })
        .transpose()
}

/// `SMTP_URL`, `MAIL_FROM`, `COUNTY_OFFICE_EMAIL`, `UPPER_LEVEL_EMAIL`, `MAIL_DIR`,
/// `MAIL_POLL_SECONDS` (0: no worker here), `MAIL_MAX_ATTEMPTS`, `MAIL_RETRY_SECONDS`.
pub(super) fn mail_from_env(base_url: &str) -> anyhow::Result<MailConfig> {
    let mut mail = MailConfig::files(
        var("MAIL_DIR").unwrap_or_else(|| "data/mail".into()),
        base_url,
    );
    if let Some(url) = var("SMTP_URL") {
        mail.transport = MailTransport::Smtp(Secret::new(url));
    }
    if let Some(from) = mailbox("MAIL_FROM")? {
        mail.from = from;
    }
    mail.county_office = mailbox("COUNTY_OFFICE_EMAIL")?;
    mail.upper_level = mailbox("UPPER_LEVEL_EMAIL")?;
    mail.poll = match seconds("MAIL_POLL_SECONDS", 5)? {
        0 => None,
        s => Some(std::time::Duration::from_secs(s)),
    };
    mail.max_attempts = match var("MAIL_MAX_ATTEMPTS").map(|v| v.trim().parse::<i32>()) {
        None => mail.max_attempts,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => anyhow::bail!("MAIL_MAX_ATTEMPTS must be a number from 1 to 100"),
    };
    mail.retry_base = std::time::Duration::from_secs(seconds("MAIL_RETRY_SECONDS", 60)?.max(1));
    Ok(mail)
}

/// A whole number in `range` from `key`, or `default` when it is not set.
pub(super) fn bounded(
    key: &str,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> anyhow::Result<u32> {
    match var(key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| match range.end() {
                &u32::MAX => {
                    anyhow::anyhow!("{key} must be a whole number from {}: {v}", range.start())
                }
                end => anyhow::anyhow!(
                    "{key} must be a whole number from {} to {end}: {v}",
                    range.start()
                ),
            }),
    }
}

/// `SESSION_IDLE_MINUTES` (default 30, 1 to 1440) and `SESSION_ABSOLUTE_HOURS` (default 12, 1 to
/// 720); the idle timeout may not exceed the lifetime.
pub(super) fn sessions_from_env() -> anyhow::Result<SessionPolicy> {
    let defaults = SessionPolicy::default();
    let idle = bounded(
        "SESSION_IDLE_MINUTES",
        defaults.idle.num_minutes() as u32,
        1..=1440,
    )?;
    let absolute = bounded(
        "SESSION_ABSOLUTE_HOURS",
        defaults.absolute.num_hours() as u32,
        1..=720,
    )?;
    if idle > absolute * 60 {
        anyhow::bail!("SESSION_IDLE_MINUTES may not exceed SESSION_ABSOLUTE_HOURS");
    }
    Ok(SessionPolicy {
        idle: chrono::Duration::minutes(i64::from(idle)),
        absolute: chrono::Duration::hours(i64::from(absolute)),
    })
}

/// `PASSWORD_MIN_LENGTH` (default 10, 8 to 128), `PASSWORD_MIN_CLASSES` (default 3 of lower-case,
/// capitals, digits, others; 1 to 4), `PASSWORD_MAX_AGE_DAYS` (default 90; 0: no expiry),
/// `PASSWORD_HISTORY` (default 5, 0 to 24: earlier passwords that may not be chosen again),
/// `LOCKOUT_THRESHOLD` (default 5 consecutive failed sign-ins, 1 to 100) and `LOCKOUT_MINUTES`
/// (default 15, 1 to 1440).
pub(super) fn passwords_from_env() -> anyhow::Result<PasswordPolicy> {
    use app::domain::password::{LOWEST_MIN_LENGTH, MAX_LENGTH};
    let defaults = PasswordPolicy::default();
    let min_length = bounded(
        "PASSWORD_MIN_LENGTH",
        defaults.rules.min_length() as u32,
        LOWEST_MIN_LENGTH as u32..=MAX_LENGTH as u32,
    )?;
    let min_classes = bounded(
        "PASSWORD_MIN_CLASSES",
        u32::from(defaults.rules.min_classes()),
        1..=4,
    )?;
    let rules = PasswordRules::new(min_length as usize, min_classes as u8)
        .map_err(|e| anyhow::anyhow!("PASSWORD_MIN_LENGTH / PASSWORD_MIN_CLASSES: {e}"))?;
    let default_days = defaults.max_age.map_or(0, |age| age.num_days() as u32);
    let max_age_days = bounded("PASSWORD_MAX_AGE_DAYS", default_days, 0..=3650)?;
    Ok(PasswordPolicy {
        rules,
        max_age: (max_age_days > 0).then(|| chrono::Duration::days(i64::from(max_age_days))),
        history: bounded(
            "PASSWORD_HISTORY",
            defaults.history as u32,
            0..=MAX_HISTORY as u32,
        )? as usize,
        lockout_threshold: bounded("LOCKOUT_THRESHOLD", defaults.lockout_threshold, 1..=100)?,
        lockout: chrono::Duration::minutes(i64::from(bounded(
            "LOCKOUT_MINUTES",
            defaults.lockout.num_minutes() as u32,
            1..=1440,
        )?)),
    })
}

/// A yes/no setting: `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off` (any case); off when unset.
pub(super) fn flag(key: &str) -> anyhow::Result<bool> {
    match var(key).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if matches!(v.as_str(), "true" | "1" | "yes" | "on") => Ok(true),
        Some(v) if matches!(v.as_str(), "false" | "0" | "no" | "off") => Ok(false),
        Some(v) => anyhow::bail!("{key} must be true or false: {v}"),
    }
}

/// `AUDIT_RETENTION_DAYS`: at least 180 (网络安全法第二十一条: network logs are kept no less
/// than six months); a shorter period is a configuration error, not silently raised.
pub(super) fn audit_retention_days() -> anyhow::Result<u32> {
    use app::server::audit_trail::MIN_RETENTION_DAYS;
    match var("AUDIT_RETENTION_DAYS") {
        None => Ok(MIN_RETENTION_DAYS),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|days| (MIN_RETENTION_DAYS..=36_500).contains(days))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "AUDIT_RETENTION_DAYS must be a whole number of days from {MIN_RETENTION_DAYS} \
                     (six months, Cybersecurity Law Art. 21) to 36500: {v}"
                )
            }),
    }
}

/// `AUDIT_HMAC_KEY`: the audit chain's key (OWASP ASVS 5.0 13.3.1: a secret from the environment,
/// not the code or the database). Required in production; a short key is refused, never padded.
pub(super) fn audit_key(
    production: bool,
    secret: Option<String>,
) -> anyhow::Result<app::server::audit::AuditKey> {
    use app::server::audit::AuditKey;
    match secret {
        Some(secret) => AuditKey::new(&secret).map_err(|e| anyhow::anyhow!("{e}")),
        None if production => anyhow::bail!(
            "AUDIT_HMAC_KEY must be set when PRODUCTION is true (at least 32 bytes, e.g. the \
             output of `openssl rand -base64 48`, kept outside the database)"
        ),
        None => Ok(AuditKey::development()),
    }
}

/// `TRUSTED_PROXIES` and `TRUSTED_PROXY_HEADER` (`x-forwarded-for`, the default, or `forwarded`).
pub(super) fn trusted_proxies() -> anyhow::Result<crate::client_addr::TrustedProxies> {
    use crate::client_addr::{ForwardedHeader, TrustedProxies};
    let header = match var("TRUSTED_PROXY_HEADER") {
        None => ForwardedHeader::default(),
        Some(v) => ForwardedHeader::parse(&v).ok_or_else(|| {
            anyhow::anyhow!("TRUSTED_PROXY_HEADER must be x-forwarded-for or forwarded: {v}")
        })?,
    };
    TrustedProxies::parse(&var("TRUSTED_PROXIES").unwrap_or_default(), header)
        .map_err(|e| anyhow::anyhow!("TRUSTED_PROXIES: {e}"))
}

/// `METRICS_TOKEN`: a shared secret for the monitoring system; a short one is refused at start.
pub(super) fn metrics_token() -> anyhow::Result<Option<String>> {
    match var("METRICS_TOKEN") {
        None => Ok(None),
        Some(token) if token.trim().chars().count() >= 32 => Ok(Some(token.trim().to_string())),
        Some(_) => anyhow::bail!("METRICS_TOKEN must be at least 32 characters"),
    }
}
