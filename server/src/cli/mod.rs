//! The command line: what operators and scripts run. One function per command, each in the module
//! of its subject; [`run`] only reads the configuration and dispatches.
mod audit_trail;
mod people;
mod registry;
mod serve;

use crate::config::Config;
use app::server::audit;
use app::server::use_case::Clock;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub use registry::import_report_text;

#[derive(Debug, Parser)]
#[command(name = "server", about = "Government new-media account registry")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the application on LEPTOS_SITE_ADDR.
    Serve {
        /// Load the Shizhu County demo data (once) and print the demo sign-ins.
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Create a user; the password is read from standard input.
    CreateUser {
        #[arg(long)]
        username: String,
        /// submitter, reviewer, admin or auditor.
        #[arg(long)]
        role: String,
        /// The unit code (required for submitters).
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Where their e-mail notices go.
        #[arg(long)]
        email: Option<String>,
        /// The language of their notices: zh-CN (default) or en.
        #[arg(long)]
        locale: Option<String>,
        /// Read the password from standard input (the only way: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set a new password for a user, read from standard input; they must change it at their next
    /// sign-in. Lifts a lock, ends their sessions and revokes their API tokens.
    ResetPassword {
        #[arg(long)]
        username: String,
        /// Read the password from standard input (the only way: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Issue a one-time enrolment code for a person who must enrol a second factor (TOTP_REQUIRED)
    /// and print it (once: only its hash is kept; valid 24 hours). For the first security
    /// administrator; after that the security administrator issues them on /security.
    EnrolmentCode {
        #[arg(long)]
        username: String,
    },
    /// Create an API token for a user and print it (once: only its hash is kept). The token acts
    /// as that user, with their role and unit, until it expires or is revoked.
    CreateToken {
        #[arg(long)]
        username: String,
        /// Days until it expires (1 to 365).
        #[arg(long, default_value_t = app::server::tokens::DEFAULT_EXPIRES_DAYS)]
        expires_days: u32,
        /// What it may do: `read`, or `write` (also the filing steps).
        #[arg(long, value_parser = ["read", "write"])]
        scope: String,
        /// What the token is for, to tell tokens apart.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Check the audit trail's hash chain under AUDIT_HMAC_KEY; exits non-zero at the first broken
    /// event, when the chain is not keyed with the key, or when a checkpoint no longer holds.
    VerifyAudit {
        /// A checkpoint printed earlier by `audit-checkpoint` (ID:COUNT:HASH): the chain must still
        /// hold that event with that hash and count.
        #[arg(long)]
        checkpoint: Option<String>,
    },
    /// Print a checkpoint of the audit trail (the newest event's id, the number of events recorded
    /// up to it and its hash, as ID:COUNT:HASH) to keep away from this server: a paper log, a
    /// report upward. `verify-audit --checkpoint` checks it later.
    AuditCheckpoint,
    /// PostgreSQL: grant the application's own role (DATABASE_URL's user) what it needs, and on the
    /// audit trail only INSERT and SELECT. Prints the SQL; with --apply runs it over
    /// MIGRATION_DATABASE_URL (the owner) after migrating.
    DbRoles {
        /// The application's login role (create it first: CREATE ROLE name LOGIN PASSWORD '...').
        #[arg(long)]
        app_role: String,
        /// Run the statements (as the owner) instead of only printing them.
        #[arg(long)]
        apply: bool,
    },
    /// Move the audit events that occurred before a date (China time) out of the database: they
    /// are written with their hashes to a new file (JSON lines) and synced to disk, then deleted
    /// in one transaction that records the archive (`audit.archived`). Dates within the retention
    /// period (AUDIT_RETENTION_DAYS, at least 180 days) are refused and nothing changes.
    ArchiveAudit {
        /// Archive the events before this day (YYYY-MM-DD, China time).
        #[arg(long)]
        before: String,
        /// The archive file to create (never overwritten).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Print the Art. 11 due date of a request received at an instant, on the database's calendar:
    /// `YYYY-MM-DD`, followed by ` provisional` when a year without calendar data is involved.
    Deadline {
        /// The instant of receipt (RFC 3339, e.g. 2026-09-30T10:00:00+08:00).
        #[arg(long)]
        received: String,
        /// Working days allowed; by default the county's setting (Art. 11: 3).
        #[arg(long)]
        days: Option<u32>,
    },
    /// Export for upward reporting, with every custodian in full (an operator at the console).
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Import an existing register (XLSX, or CSV in UTF-8 or GBK, in the registry export's
    /// columns). Prints the report row by row; exits 2, having written nothing, when a row has an
    /// error or the file cannot be read.
    Import {
        /// The register file.
        file: std::path::PathBuf,
        /// Check every row and print what would be created, without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The registry in the upstream template's columns.
    Registry {
        /// csv (UTF-8 with BOM) or xlsx.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Where to write; standard output when not given (CSV only).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Column headers and labels: zh-CN (default) or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
}

/// Runs one command. `Ok` carries the exit status: 2 when the command refused its input (with the
/// reason on standard error), 1 when a check failed; `Err` is a failure of the server itself.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::from_env()?;
    let clock = Clock::system();
    // Every event this process writes is keyed with AUDIT_HMAC_KEY.
    audit::install_key(&config.audit_key)?;
    let (config, clock) = (&config, &clock);
    match cli.command {
        Command::Serve { demo } => serve::serve(config.clone(), clock.clone(), demo).await,
        Command::Migrate => serve::migrate(config, clock).await,
        Command::DbRoles { app_role, apply } => serve::db_roles(config, &app_role, apply).await,
        Command::CreateToken {
            username,
            expires_days,
            scope,
            name,
        } => people::create_token(config, clock, &username, expires_days, &scope, name).await,
        Command::CreateUser {
            username,
            role,
            unit,
            display_name,
            email,
            locale,
            password_stdin: _,
        } => {
            let new = people::UserArgs {
                username,
                role,
                unit,
                display_name,
                email,
                locale,
            };
            people::create_user(config, clock, new).await
        }
        Command::ResetPassword { username, .. } => {
            people::reset_password(config, clock, &username).await
        }
        Command::EnrolmentCode { username } => {
            people::enrolment_code(config, clock, &username).await
        }
        Command::Deadline { received, days } => registry::deadline(config, &received, days).await,
        Command::Export {
            what: ExportCommand::Registry { format, out, lang },
        } => registry::export(config, clock, &format, out, &lang).await,
        Command::Import { file, dry_run } => registry::import(config, clock, &file, dry_run).await,
        Command::ArchiveAudit { before, out } => {
            audit_trail::archive(config, clock, &before, &out).await
        }
        Command::VerifyAudit { checkpoint } => {
            audit_trail::verify(config, checkpoint.as_deref()).await
        }
        Command::AuditCheckpoint => audit_trail::checkpoint(config, clock).await,
    }
}

/// The command refused its input: the reason on standard error, exit status 2.
fn refuse(reason: impl std::fmt::Display) -> anyhow::Result<ExitCode> {
    eprintln!("{reason}");
    Ok(ExitCode::from(2))
}

/// A service's refusal, in English on standard error, exit status 2.
fn refuse_error(error: &app::error::AppError) -> anyhow::Result<ExitCode> {
    refuse(error.message(app::i18n::Locale::En))
}
