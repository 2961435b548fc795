//! Typed configuration from the environment, with the defaults a fresh checkout runs on.
use app::server::auth::SessionPolicy;
use leptos::config::{Env, LeptosOptions};
use std::net::SocketAddr;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/registry.db?mode=rwc";

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub site_addr: SocketAddr,
    pub leptos: LeptosOptions,
    pub sessions: SessionPolicy,
    /// Set when the public address is HTTPS: cookies then carry `Secure`.
    pub secure_cookies: bool,
    /// Where filing attachments are kept (`ATTACHMENTS_DIR`, default `data/attachments`).
    pub attachments_dir: std::path::PathBuf,
    /// How often the reminder scheduler looks at the clock (`REMINDER_TICK_SECONDS`, default 60;
    /// 0 turns it off, for a second instance that should not remind).
    pub reminder_tick: Option<std::time::Duration>,
}

fn var(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Reads `DATABASE_URL`, `LEPTOS_SITE_ADDR`, `LEPTOS_OUTPUT_NAME`, `LEPTOS_SITE_ROOT`,
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
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            site_addr,
            leptos,
            sessions: SessionPolicy::default(),
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
