//! Typed configuration from the environment, with the defaults a fresh checkout runs on.
use crate::mail::{MailConfig, MailTransport};
use app::domain::password::PasswordRules;
use app::server::auth::SessionPolicy;
use app::server::passwords::{MAX_HISTORY, PasswordPolicy};
use app::server::secret::Secret;
use leptos::config::{Env, LeptosOptions};
use std::net::SocketAddr;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/registry.db?mode=rwc";

#[derive(Debug, Clone)]
pub struct Config {
    /// The application's connection (`DATABASE_URL`). On PostgreSQL, in production, a role that
    /// may only INSERT and SELECT audit events (`server db-roles`).
    pub database_url: String,
    /// The schema owner's connection, for migrations and the audit archive
    /// (`MIGRATION_DATABASE_URL`; when not set, `DATABASE_URL` is both).
    pub migration_database_url: Option<String>,
    /// The key of the audit chain (`AUDIT_HMAC_KEY`, at least 32 bytes; required when
    /// `PRODUCTION` is true; otherwise the published development key stands in, with a warning).
    pub audit_key: app::server::audit::AuditKey,
    pub site_addr: SocketAddr,
    pub leptos: LeptosOptions,
    /// Idle timeout and absolute lifetime of sessions (`SESSION_IDLE_MINUTES`, default 30;
    /// `SESSION_ABSOLUTE_HOURS`, default 12).
    pub sessions: SessionPolicy,
    /// Password rules, expiry, history and the lockout after failed sign-ins (`PASSWORD_*`,
    /// `LOCKOUT_*`; see [`passwords_from_env`]).
    pub passwords: PasswordPolicy,
    /// Set when the public address is HTTPS: cookies then carry `Secure`.
    pub secure_cookies: bool,
    /// Where filing attachments are kept (`ATTACHMENTS_DIR`, default `data/attachments`).
    pub attachments_dir: std::path::PathBuf,
    /// How often the reminder scheduler looks at the clock (`REMINDER_TICK_SECONDS`, default 60;
    /// 0 turns it off, for a second instance that should not remind).
    pub reminder_tick: Option<std::time::Duration>,
    /// E-mail: the transport, the addresses, the outbox worker's pace.
    pub mail: MailConfig,
    /// Attempts per client address (`AUTH_RATE_PER_MINUTE`, `AUTH_RATE_BURST`; 30 and 30 by
    /// default), counted apart for sign-in (both steps) and for the token endpoints with bad
    /// bearer tokens, so that a script's bad tokens never lock people out of signing in.
    pub auth_rate: crate::rate_limit::RateConfig,
    /// Sign-in attempts per attempted username, from whatever address (`AUTH_USER_RATE_PER_MINUTE`,
    /// `AUTH_USER_RATE_BURST`; 10 and 10 by default).
    pub auth_user_rate: crate::rate_limit::RateConfig,
    /// The reverse proxies whose `X-Forwarded-For` (or `Forwarded`, `TRUSTED_PROXY_HEADER`) names
    /// the client (`TRUSTED_PROXIES`, addresses and CIDR networks; none by default).
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    /// How long a client may take to send a request's head (`HEADER_READ_TIMEOUT_SECONDS`,
    /// default 10, 1 to 30): a client that trickles its headers (slow loris) is cut off.
    pub header_read_timeout: std::time::Duration,
    /// How long a request may take as a whole (`REQUEST_TIMEOUT_SECONDS`, default 60, 5 to 600);
    /// uploads, imports and exports get [`crate::startup::LONG_REQUEST_TIMEOUT`] instead.
    pub request_timeout: std::time::Duration,
    /// `PRODUCTION` (default off): this is the county's live deployment; `serve --demo` refuses
    /// to load the demo data and its published passwords into it.
    pub production: bool,
    /// How long audit events stay in the database before `server archive-audit` may move them to
    /// a file (`AUDIT_RETENTION_DAYS`, default and minimum 180: Cybersecurity Law Art. 21).
    pub audit_retention_days: u32,
    /// `TOTP_REQUIRED` (default off): people whose role needs a second factor
    /// ([`app::domain::totp::second_factor_required`]: administrators and reviewers) must enrol
    /// one after signing in before they may do anything else.
    pub totp_required: bool,
    /// `METRICS_TOKEN` (optional, at least 32 characters): when set, `GET /metrics` answers only
    /// `Authorization: Bearer <token>`; when not, it is open and should be restricted at the
    /// reverse proxy.
    pub metrics_token: Option<String>,
}

mod env;
use env::*;

impl Config {
    /// What `serve` warns about at start: settings a live deployment should not run with, but
    /// which are allowed (a trial on a laptop runs with all of them).
    pub fn warnings(&self) -> Vec<&'static str> {
        let mut warnings = Vec::new();
        if self.secure_cookies && !self.totp_required {
            warnings.push(
                "APP_BASE_URL is https but TOTP_REQUIRED is off: administrators, reviewers and \
                 auditors may sign in with a password alone",
            );
        }
        if self.metrics_token.is_none() {
            warnings.push(
                "METRICS_TOKEN is not set: GET /metrics is open to anyone who can reach the \
                 server; set it, or refuse /metrics at the reverse proxy",
            );
        }
        if self.audit_key.is_development() {
            warnings.push(
                "AUDIT_HMAC_KEY is not set: the audit chain is keyed with the published \
                 development key, which anyone with the database can recompute; set a secret key \
                 of at least 32 bytes",
            );
        }
        if !self.secure_cookies {
            warnings.push(
                "APP_BASE_URL is not https: session cookies are sent without Secure; set it to \
                 the public https address",
            );
        }
        warnings
    }

    /// Why the demo data (whose users' passwords are published) may not be loaded into this
    /// deployment: it is a live one, by its https `APP_BASE_URL` or by `PRODUCTION=true`.
    pub fn demo_refusal(&self) -> Option<&'static str> {
        if self.production {
            Some("refusing to load the demo data: PRODUCTION is true")
        } else if self.secure_cookies {
            Some("refusing to load the demo data: APP_BASE_URL is https (a live deployment)")
        } else {
            None
        }
    }

    /// The connection migrations and the audit archive use: `MIGRATION_DATABASE_URL`, or
    /// `DATABASE_URL` when that is not set.
    pub fn owner_database_url(&self) -> &str {
        self.migration_database_url
            .as_deref()
            .unwrap_or(&self.database_url)
    }

    /// Reads `DATABASE_URL`, `MIGRATION_DATABASE_URL`, `AUDIT_HMAC_KEY`, `LEPTOS_SITE_ADDR`, `LEPTOS_OUTPUT_NAME`, `LEPTOS_SITE_ROOT`,
    /// `LEPTOS_SITE_PKG_DIR` and `APP_BASE_URL`.
    pub fn from_env() -> anyhow::Result<Self> {
        let site_addr: SocketAddr = var("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| anyhow::anyhow!("LEPTOS_SITE_ADDR is not an address: {e}"))?;
        let leptos = LeptosOptions::builder()
            .output_name(var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "registry".into()))
            .site_root(var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()))
            .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()))
            .site_addr(site_addr)
            .env(Env::PROD)
            .build();
        let base_url = var("APP_BASE_URL")
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{site_addr}"));
        let defaults = crate::rate_limit::RateConfig::default();
        let rate = |key: &str, default: u32| bounded(key, default, 1..=u32::MAX);
        let user_defaults = crate::rate_limit::RateConfig::per_username();
        Ok(Config {
            auth_rate: crate::rate_limit::RateConfig {
                per_minute: rate("AUTH_RATE_PER_MINUTE", defaults.per_minute)?,
                burst: rate("AUTH_RATE_BURST", defaults.burst)?,
            },
            auth_user_rate: crate::rate_limit::RateConfig {
                per_minute: rate("AUTH_USER_RATE_PER_MINUTE", user_defaults.per_minute)?,
                burst: rate("AUTH_USER_RATE_BURST", user_defaults.burst)?,
            },
            trusted_proxies: trusted_proxies()?,
            header_read_timeout: std::time::Duration::from_secs(u64::from(bounded(
                "HEADER_READ_TIMEOUT_SECONDS",
                10,
                1..=30,
            )?)),
            request_timeout: std::time::Duration::from_secs(u64::from(bounded(
                "REQUEST_TIMEOUT_SECONDS",
                60,
                5..=600,
            )?)),
            production: flag("PRODUCTION")?,
            audit_key: audit_key(flag("PRODUCTION")?, var("AUDIT_HMAC_KEY"))?,
            migration_database_url: var("MIGRATION_DATABASE_URL"),
            mail: mail_from_env(&base_url)?,
            audit_retention_days: audit_retention_days()?,
            totp_required: flag("TOTP_REQUIRED")?,
            metrics_token: metrics_token()?,
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            site_addr,
            leptos,
            sessions: sessions_from_env()?,
            passwords: passwords_from_env()?,
            secure_cookies: var("APP_BASE_URL").is_some_and(|u| u.starts_with("https://")),
            attachments_dir: var("ATTACHMENTS_DIR")
                .unwrap_or_else(|| "data/attachments".into())
                .into(),
            reminder_tick: match var("REMINDER_TICK_SECONDS") {
                None => Some(std::time::Duration::from_secs(60)),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(0) => None,
                    Ok(seconds) => Some(std::time::Duration::from_secs(seconds)),
                    Err(_) => {
                        anyhow::bail!("REMINDER_TICK_SECONDS is not a number of seconds: {v}")
                    }
                },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial() -> Config {
        let mut config = Config::from_env().unwrap();
        config.audit_key = app::server::audit::AuditKey::new(&"k".repeat(32)).unwrap();
        config.secure_cookies = false;
        config.totp_required = false;
        config.metrics_token = None;
        config.production = false;
        config
    }

    #[test]
    fn a_trial_on_plain_http_is_warned_of_open_metrics_and_cookies_without_secure() {
        let warnings = trial().warnings();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("METRICS_TOKEN"));
        assert!(warnings[1].contains("Secure"));
        assert_eq!(trial().demo_refusal(), None);
    }

    #[test]
    fn an_https_deployment_without_a_second_factor_required_is_warned() {
        let mut config = trial();
        config.secure_cookies = true;
        config.metrics_token = Some("m".repeat(32));
        assert_eq!(config.warnings().len(), 1);
        assert!(config.warnings()[0].contains("TOTP_REQUIRED"));
        config.totp_required = true;
        assert!(config.warnings().is_empty());
    }

    #[test]
    fn without_an_audit_key_a_trial_is_warned_and_production_refuses_to_start() {
        let mut config = trial();
        config.audit_key = app::server::audit::AuditKey::development();
        assert!(
            config
                .warnings()
                .iter()
                .any(|w| w.contains("AUDIT_HMAC_KEY is not set"))
        );
        let refused = audit_key(true, None).unwrap_err().to_string();
        assert!(refused.contains("PRODUCTION"), "{refused}");
        assert!(audit_key(false, None).unwrap().is_development());
        let short = audit_key(true, Some("short".into()))
            .unwrap_err()
            .to_string();
        assert!(short.contains("at least 32"), "{short}");
        assert!(
            !audit_key(true, Some("s".repeat(40)))
                .unwrap()
                .is_development()
        );
    }

    #[test]
    fn a_short_or_published_audit_key_is_refused() {
        use app::server::audit::{AuditKey, KeyError};
        assert_eq!(AuditKey::new(&"k".repeat(31)), Err(KeyError::TooShort(31)));
        assert!(AuditKey::new(&format!("  {}  ", "k".repeat(32))).is_ok());
        assert_eq!(
            AuditKey::new("registry development audit key: published, never secret"),
            Err(KeyError::Published)
        );
    }

    #[test]
    fn demo_data_is_refused_over_https_and_in_production() {
        let mut config = trial();
        config.secure_cookies = true;
        assert!(config.demo_refusal().unwrap().contains("APP_BASE_URL"));
        let mut config = trial();
        config.production = true;
        assert!(config.demo_refusal().unwrap().contains("PRODUCTION"));
    }
}
