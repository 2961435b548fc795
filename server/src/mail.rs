//! The outbox worker: claims due e-mail from the outbox, renders it in the recipient's language,
//! and delivers it over SMTP with lettre, or, without `SMTP_URL`, writes it as an `.eml` file.
//! A failure is retried with exponential backoff up to a maximum number of attempts; then the
//! message is `failed` and an administrator may retry it. Delivery runs on the real clock: leases
//! and backoff are about the mail server, not the county's business day.
use anyhow::Context as _;
use app::i18n::Locale;
use app::server::entities::outbox_message;
use app::server::notices;
use app::server::outbox::{self, NoticeKind, Outcome};
use app::server::secret::Secret;
use app::server::use_case::Clock;
use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::DatabaseConnection;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum MailTransport {
    /// `SMTP_URL`: `smtp://[user:pass@]host[:port][?tls=required|opportunistic]` or `smtps://...`.
    /// It may carry the mail server's password: kept as a [`Secret`], never logged.
    Smtp(Secret),
    /// No mail server: each message becomes `<dir>/<id>.eml`.
    Files(PathBuf),
}

/// The mail settings, from the environment (see `Config::from_env`).
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub transport: MailTransport,
    pub from: Mailbox,
    pub county_office: Option<Mailbox>,
    pub upper_level: Option<Mailbox>,
    /// The public address links in notices start with.
    pub base_url: String,
    /// How often an idle worker looks for due mail; None: no worker in this instance.
    pub poll: Option<Duration>,
    /// How long a claim holds before another worker may take the message over. It is renewed
    /// before each delivery, so it must be longer than `smtp_timeout`.
    pub lease: Duration,
    pub max_attempts: i32,
    /// The first retry's delay; each further one doubles, up to six hours.
    pub retry_base: Duration,
    /// How long one SMTP exchange may take.
    pub smtp_timeout: Duration,
}

impl MailConfig {
    /// The defaults a fresh checkout runs with: files under `data/mail`, a worker every 5 s.
    pub fn files(dir: impl Into<PathBuf>, base_url: &str) -> Self {
        MailConfig {
            transport: MailTransport::Files(dir.into()),
            from: "政务新媒体备案系统 <registry@localhost>"
                .parse()
                .expect("a valid default sender"),
            county_office: None,
            upper_level: None,
            base_url: base_url.to_string(),
            poll: Some(Duration::from_secs(5)),
            lease: Duration::from_secs(300),
            max_attempts: 8,
            retry_base: Duration::from_secs(60),
            smtp_timeout: Duration::from_secs(60),
        }
    }

    /// The delay after a failed attempt number `attempts` (1-based).
    pub fn backoff(&self, attempts: i32) -> Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(16);
        self.retry_base
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(Duration::from_secs(6 * 3600))
    }
}

enum Sender {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Why one attempt failed, and whether trying again can help.
struct Failure {
    error: String,
    permanent: bool,
}

/// One worker. Several may run against one PostgreSQL database; each claims its own rows.
pub struct Worker {
    db: DatabaseConnection,
    config: Arc<MailConfig>,
    sender: Sender,
    id: String,
    clock: Clock,
    batch: u64,
}

impl Worker {
    pub fn new(db: DatabaseConnection, config: Arc<MailConfig>) -> anyhow::Result<Self> {
        let sender = match &config.transport {
            MailTransport::Smtp(url) => Sender::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .context("SMTP_URL is not a usable SMTP address")?
                    .timeout(Some(config.smtp_timeout))
                    .build(),
            ),
            MailTransport::Files(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the mail directory {}", dir.display()))?;
                Sender::Files(dir.clone())
            }
        };
        let short = uuid::Uuid::new_v4().simple().to_string();
        Ok(Worker {
            db,
            config,
            sender,
            id: format!("{}-{}", std::process::id(), &short[..8]),
            clock: Clock::system(),
            batch: 10,
        })
    }

    /// This worker's name, as recorded on the rows it claims.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claims one batch of due messages and delivers them; returns how many it claimed.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let lease = chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::MAX);
        let claimed = outbox::claim(&self.db, &self.id, self.clock.now(), lease, self.batch)
            .await
            .map_err(|e| anyhow::anyhow!("claiming outbox messages: {e}"))?;
        for message in &claimed {
            let until = self.clock.now() + lease;
            let still_ours = outbox::renew(&self.db, message.id, &self.id, until)
                .await
                .map_err(|e| anyhow::anyhow!("renewing a claim: {e}"))?;
            if !still_ours {
                tracing::warn!(
                    id = message.id,
                    "claim lost before delivery: left to its new worker"
                );
                continue;
            }
            let outcome = match self.deliver(message).await {
                Ok(()) => Outcome::Sent,
                Err(failure) => {
                    // A mail server's refusal quotes the recipient's address: personal data stays
                    // out of the logs (the outbox page keeps the whole message for administrators).
                    tracing::warn!(
                        id = message.id,
                        attempts = message.attempts,
                        error = %without_addresses(&failure.error),
                        "e-mail not delivered"
                    );
                    if failure.permanent || message.attempts >= self.config.max_attempts {
                        Outcome::Failed {
                            error: failure.error,
                        }
                    } else {
                        let delay = self.config.backoff(message.attempts);
                        Outcome::Retry {
                            at: self.clock.now()
                                + chrono::Duration::from_std(delay)
                                    .unwrap_or(chrono::Duration::hours(6)),
                            error: failure.error,
                        }
                    }
                }
            };
            let result = match &outcome {
                Outcome::Sent => "sent",
                Outcome::Retry { .. } => "retry",
                Outcome::Failed { .. } => "failed",
            };
            metrics::counter!("mail_attempts_total", "result" => result).increment(1);
            let kept = outbox::finish(&self.db, message.id, &self.id, outcome, self.clock.now())
                .await
                .map_err(|e| anyhow::anyhow!("recording a delivery: {e}"))?;
            if !kept {
                tracing::warn!(
                    id = message.id,
                    "claim lost before the delivery was recorded"
                );
            }
        }
        Ok(claimed.len())
    }

    async fn deliver(&self, m: &outbox_message::Model) -> Result<(), Failure> {
        let message = self.compose(m)?;
        match &self.sender {
            Sender::Smtp(transport) => {
                transport.send(message).await.map_err(|e| Failure {
                    permanent: e.is_permanent(),
                    error: e.to_string(),
                })?;
            }
            Sender::Files(dir) => {
                // Written whole and renamed, so a crash never leaves half a message; a retry
                // writes the same file again.
                let path = dir.join(format!("{:08}.eml", m.id));
                let partial = dir.join(format!(".{:08}.eml.part", m.id));
                // Messages name people and their addresses: 0600, like every file of personal data.
                let write = app::server::files::write_private(&partial, &message.formatted())
                    .and_then(|()| std::fs::rename(&partial, &path));
                write.map_err(|e| Failure {
                    permanent: false,
                    error: format!("writing {}: {e}", path.display()),
                })?;
            }
        }
        tracing::info!(id = m.id, kind = %m.kind, "e-mail delivered");
        Ok(())
    }

    /// The message as sent: the same Message-ID and Date on every attempt.
    fn compose(&self, m: &outbox_message::Model) -> Result<Message, Failure> {
        let permanent = |error: String| Failure {
            error,
            permanent: true,
        };
        let kind = NoticeKind::parse(&m.kind)
            .ok_or_else(|| permanent(format!("unknown notice kind {}", m.kind)))?;
        let params: serde_json::Value = serde_json::from_str(&m.params)
            .map_err(|e| permanent(format!("unreadable notice: {e}")))?;
        let to: Mailbox = match m.recipient_kind.as_str() {
            "user" => m
                .recipient_address
                .as_deref()
                .unwrap_or_default()
                .parse()
                .map_err(|e| permanent(format!("not an e-mail address: {e}")))?,
            "county_office" => self
                .config
                .county_office
                .clone()
                .ok_or_else(|| permanent("COUNTY_OFFICE_EMAIL is not set".into()))?,
            "upper_level" => self
                .config
                .upper_level
                .clone()
                .ok_or_else(|| permanent("UPPER_LEVEL_EMAIL is not set".into()))?,
            other => return Err(permanent(format!("unknown recipient kind {other}"))),
        };
        let locale = Locale::parse(&m.locale).unwrap_or_default();
        let rendered = notices::render(kind, locale, &params, &self.config.base_url);
        Message::builder()
            .from(self.config.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(m.message_id.clone()))
            .date(system_time(m.created_at))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| permanent(format!("building the message: {e}")))
    }

    /// Runs until aborted: a batch, then the next at once if there was work, else after `poll`.
    pub fn spawn(self, poll: Duration) -> tokio::task::JoinHandle<()> {
        if let Sender::Files(dir) = &self.sender {
            tracing::info!(
                dir = %dir.display(),
                "SMTP_URL is not set: e-mail is written as .eml files instead of sent"
            );
        }
        for (key, address) in [
            ("COUNTY_OFFICE_EMAIL", &self.config.county_office),
            ("UPPER_LEVEL_EMAIL", &self.config.upper_level),
        ] {
            if address.is_none() {
                tracing::warn!("{key} is not set: notices to that office will fail until it is");
            }
        }
        tokio::spawn(async move {
            loop {
                match self.run_once().await {
                    Ok(0) => tokio::time::sleep(poll).await,
                    Ok(_) => {}
                    Err(error) => {
                        tracing::error!(error = %format!("{error:#}"), "outbox worker");
                        tokio::time::sleep(poll).await;
                    }
                }
            }
        })
    }
}

fn system_time(at: DateTime<Utc>) -> std::time::SystemTime {
    std::time::SystemTime::from(at)
}

/// `text` with the local part of every e-mail address in it replaced (`***@example.gov.cn`), for
/// logs: SMTP replies quote the address they refuse.
pub fn without_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match word.split_once('@') {
            Some((local, domain)) if !local.is_empty() && domain.contains('.') => {
                out.push_str("***@");
                out.push_str(domain);
            }
            _ => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | ':' | '"' | '\'') {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::without_addresses;

    #[test]
    fn addresses_are_cut_from_what_is_logged_and_the_rest_kept() {
        assert_eq!(
            without_addresses(
                "permanent error (550): 5.1.1 <tan.ming@shizhu.example>: no such user"
            ),
            "permanent error (550): 5.1.1 <***@shizhu.example>: no such user"
        );
        assert_eq!(
            without_addresses("writing data/mail/00000001.eml: disk full"),
            "writing data/mail/00000001.eml: disk full"
        );
    }
}
