//! The command line: what operators and scripts run.
use crate::config::Config;
use crate::startup::{Application, connect, connect_and_migrate, key_audit_chain};
use anyhow::Context as _;
use app::server::audit::{self, Actor, ChainCheck};
use app::server::auth::{self, NewUser};
use app::server::demo::{self, DEMO_PASSWORD, DEMO_USERS, DemoLoad};
use app::server::use_case::Clock;
use clap::{Parser, Subcommand};
use std::io::Read as _;

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

pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let config = Config::from_env()?;
    let clock = Clock::system();
    // Every event this process writes is keyed with AUDIT_HMAC_KEY.
    audit::install_key(&config.audit_key)?;
    match cli.command {
        Command::Serve { demo } => {
            // Before anything touches the database: the demo users' passwords are published
            // (OWASP ASVS 5.0 6.3.2, 15.2.3).
            if demo && let Some(refusal) = config.demo_refusal() {
                eprintln!("{refusal}; nothing was loaded (serve without --demo)");
                return Ok(std::process::ExitCode::from(2));
            }
            for warning in config.warnings() {
                tracing::warn!("{warning}");
            }
            let db = connect(&config).await?;
            key_audit_chain(&config, &db, &clock).await?;
            if demo {
                match demo::load(&db, clock.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                {
                    DemoLoad::Loaded {
                        units,
                        accounts,
                        users,
                    } => tracing::info!(units, accounts, users, "demo data loaded"),
                    DemoLoad::AlreadyPresent => tracing::info!("demo data already present"),
                }
            }
            let app = Application::build_with_db(config, db, clock).await?;
            let addr = app.local_addr();
            println!("Serving on http://{addr}");
            if demo {
                println!("Demo sign-ins (password for all: {DEMO_PASSWORD}):");
                for (username, role, unit) in DEMO_USERS {
                    println!("  {username:<10} {role:<10} {}", unit.unwrap_or("-"));
                }
            }
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let db = connect_and_migrate(config.owner_database_url()).await?;
            key_audit_chain(&config, &db, &clock).await?;
            println!("migrations applied");
        }
        Command::CreateToken {
            username,
            expires_days,
            scope,
            name,
        } => {
            let db = connect(&config).await?;
            let actor = Actor::operator("create-token");
            match app::server::tokens::create(
                &db,
                &actor,
                &username,
                &app::server::tokens::TokenRequest {
                    name,
                    scope: app::server::tokens::Scope::parse(&scope)
                        .unwrap_or(app::server::tokens::Scope::Read),
                    expires_days: Some(expires_days),
                },
                clock.now(),
            )
            .await
            {
                Ok(issued) => {
                    // The token alone on standard output, for scripts; the rest on standard error.
                    println!("{}", issued.token);
                    eprintln!(
                        "created API token {} ({}, scope {}) for {}, valid until {}; it is shown \
                         only this once",
                        issued.view.id,
                        issued.view.name,
                        issued.view.scope.as_str(),
                        issued.view.username,
                        issued.view.expires_at,
                    );
                }
                Err(app::error::AppError::NotFound) => {
                    eprintln!("no active user named {username}");
                    return Ok(std::process::ExitCode::from(2));
                }
                Err(error) => {
                    eprintln!("{}", error.message(app::i18n::Locale::En));
                    return Ok(std::process::ExitCode::from(2));
                }
            }
        }
        Command::CreateUser {
            username,
            role,
            unit,
            display_name,
            email,
            locale,
            password_stdin: _,
        } => {
            let locale = match locale.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(tag) => match app::i18n::Locale::parse(tag) {
                    Some(locale) => Some(locale),
                    None => {
                        eprintln!("--locale must be zh-CN or en");
                        return Ok(std::process::ExitCode::from(2));
                    }
                },
            };
            let password = read_password()?;
            let db = connect(&config).await?;
            let new = NewUser {
                username,
                display_name,
                role,
                unit_code: unit,
                email,
                locale,
                password,
                // Chosen by the operator: the person chooses their own at first sign-in.
                must_change_password: true,
            };
            let actor = Actor::operator("create-user");
            let policy = app::server::passwords::effective(&db, &config.passwords).await?;
            match auth::create_user(&db, &actor, new, &policy, clock.now()).await {
                Ok(user) => println!(
                    "created user {} ({}) with id {}; the password must be changed at the first sign-in",
                    user.username, user.role, user.id
                ),
                Err(error) => {
                    eprintln!("{}", error.message(app::i18n::Locale::En));
                    return Ok(std::process::ExitCode::from(2));
                }
            }
        }
        Command::ResetPassword {
            username,
            password_stdin: _,
        } => {
            let password = read_password()?;
            let db = connect(&config).await?;
            let actor = Actor::operator("reset-password");
            let policy = app::server::passwords::effective(&db, &config.passwords).await?;
            match app::server::passwords::reset(
                &db,
                &actor,
                &username,
                &password,
                &policy,
                clock.now(),
            )
            .await
            {
                Ok(reset) => println!(
                    "reset the password of {username}; it must be changed at the next sign-in \
                     ({} sessions ended, {} API tokens revoked)",
                    reset.sessions_ended, reset.tokens_revoked
                ),
                Err(app::error::AppError::NotFound) => {
                    eprintln!("no active user named {username}");
                    return Ok(std::process::ExitCode::from(2));
                }
                Err(error) => {
                    eprintln!("{}", error.message(app::i18n::Locale::En));
                    return Ok(std::process::ExitCode::from(2));
                }
            }
        }
        Command::EnrolmentCode { username } => {
            use app::server::entities::user;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            let db = connect_and_migrate(&config.database_url).await?;
            let Some(person) = user::Entity::find()
                .filter(user::Column::Username.eq(username.trim()))
                .filter(user::Column::Active.eq(true))
                .one(&db)
                .await?
            else {
                eprintln!("no active user named {username}");
                return Ok(std::process::ExitCode::from(2));
            };
            match app::server::totp::issue_enrolment_code(
                &db,
                &Actor::operator("enrolment-code"),
                person.id,
                config.totp_required,
                clock.now(),
            )
            .await
            {
                Ok(code) => println!(
                    "enrolment code for {username} (shown once, valid {} hours): {code}",
                    app::server::totp::ENROLMENT_CODE_HOURS
                ),
                Err(error) => {
                    eprintln!("{}", error.message(app::i18n::Locale::En));
                    return Ok(std::process::ExitCode::from(2));
                }
            }
        }
        Command::Deadline { received, days } => {
            let Ok(instant) = chrono::DateTime::parse_from_rfc3339(received.trim()) else {
                eprintln!("--received must be an RFC 3339 instant, e.g. 2026-09-30T10:00:00+08:00");
                return Ok(std::process::ExitCode::from(2));
            };
            if days == Some(0) {
                eprintln!("--days must be at least 1");
                return Ok(std::process::ExitCode::from(2));
            }
            let db = connect(&config).await?;
            let days = match days {
                Some(days) => days,
                None => {
                    app::server::deadlines::settings(&db)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?
                        .review_working_days
                }
            };
            let calendar = app::server::calendar::load(&db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let due = calendar.due_date(instant.with_timezone(&chrono::Utc), days);
            let provisional = if due.provisional { " provisional" } else { "" };
            println!("{}{provisional}", due.date.format("%Y-%m-%d"));
        }
        Command::Export {
            what: ExportCommand::Registry { format, out, lang },
        } => {
            let Some(locale) = app::i18n::Locale::parse(&lang) else {
                eprintln!("--lang must be zh-CN or en");
                return Ok(std::process::ExitCode::from(2));
            };
            let db = connect(&config).await?;
            let query = app::domain::RegistryQuery::default();
            let fail =
                |e: app::error::AppError| anyhow::anyhow!("{}", e.message(app::i18n::Locale::En));
            if !matches!(format.as_str(), "csv" | "xlsx") {
                eprintln!("--format must be csv or xlsx");
                return Ok(std::process::ExitCode::from(2));
            }
            if format == "xlsx" && out.is_none() {
                eprintln!("an XLSX export needs --out FILE");
                return Ok(std::process::ExitCode::from(2));
            }
            let uc = app::server::use_case::UseCase::operator(db, "export", clock.now());
            app::server::export::record(&uc, &format, &query)
                .await
                .map_err(fail)?;
            let count = match (format.as_str(), out) {
                ("csv", out) => {
                    let sink: Box<dyn std::io::Write> = match &out {
                        // Every custodian's mobile in full: for the operator's eyes only (0600).
                        Some(path) => Box::new(
                            app::server::files::create_private(path)
                                .with_context(|| format!("creating {}", path.display()))?,
                        ),
                        None => Box::new(std::io::stdout().lock()),
                    };
                    let mut writer = std::io::BufWriter::new(sink);
                    let count = app::server::export::registry_csv(&uc, &query, locale, &mut writer)
                        .await
                        .map_err(fail)?;
                    std::io::Write::flush(&mut writer).context("writing the export")?;
                    count
                }
                ("xlsx", Some(path)) => {
                    let (file, count) = app::server::export::registry_xlsx(&uc, &query, locale)
                        .await
                        .map_err(fail)?;
                    app::server::files::copy_private(file.path(), &path)
                        .with_context(|| format!("writing {}", path.display()))?;
                    count
                }
                ("xlsx", None) => {
                    eprintln!("an XLSX export needs --out FILE");
                    return Ok(std::process::ExitCode::from(2));
                }
                _ => {
                    eprintln!("--format must be csv or xlsx");
                    return Ok(std::process::ExitCode::from(2));
                }
            };
            eprintln!("exported {count} accounts");
        }
        Command::Import { file, dry_run } => {
            use app::domain::import::{ImportMode, MAX_BYTES};
            use app::server::import;
            let en = app::i18n::Locale::En;
            let size = std::fs::metadata(&file)
                .with_context(|| format!("reading {}", file.display()))?
                .len();
            if size > MAX_BYTES as u64 {
                let error = app::error::AppError::Import(import::too_large());
                eprintln!("{}", error.message(en));
                return Ok(std::process::ExitCode::from(2));
            }
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mode = if dry_run {
                ImportMode::DryRun
            } else {
                ImportMode::Apply
            };
            let db = connect(&config).await?;
            let uc = app::server::use_case::UseCase::operator(db, "import", clock.now());
            match import::run(&uc, &name, bytes, mode).await {
                Ok(report) => {
                    print!("{}", import_report_text(&report));
                    if report.has_errors() {
                        return Ok(std::process::ExitCode::from(2));
                    }
                }
                Err(error @ app::error::AppError::Import(_)) => {
                    eprintln!("{}", error.message(en));
                    return Ok(std::process::ExitCode::from(2));
                }
                Err(error) => anyhow::bail!("{}", error.message(en)),
            }
        }
        Command::ArchiveAudit { before, out } => {
            use app::server::audit_trail::{self, ArchiveError, ArchiveOutcome};
            let Ok(before) = chrono::NaiveDate::parse_from_str(before.trim(), "%Y-%m-%d") else {
                eprintln!("--before must be a date, YYYY-MM-DD");
                return Ok(std::process::ExitCode::from(2));
            };
            // The archive deletes events: only the schema owner may (the application's role
            // may only INSERT and SELECT them, `db-roles`).
            let db = connect_and_migrate(config.owner_database_url()).await?;
            let outcome = audit_trail::archive(
                &db,
                &Actor::operator("archive-audit"),
                before,
                &out,
                config.audit_retention_days,
                clock.now(),
            )
            .await;
            match outcome {
                Ok(ArchiveOutcome::NothingToArchive) => {
                    println!("no audit events before {before}: nothing archived");
                }
                Ok(ArchiveOutcome::Archived {
                    events,
                    first_event_id,
                    up_to_event_id,
                    file_sha256,
                    ..
                }) => println!(
                    "archived {events} audit events ({first_event_id} to {up_to_event_id}) to {} \
                     (SHA-256 {file_sha256})",
                    out.display()
                ),
                Err(error @ (ArchiveError::Database(_) | ArchiveError::File { .. })) => {
                    return Err(error.into());
                }
                Err(refusal) => {
                    eprintln!("{refusal}");
                    return Ok(std::process::ExitCode::from(2));
                }
            }
        }
        Command::VerifyAudit { checkpoint } => {
            use app::server::audit::{Checkpoint, CheckpointCheck};
            let checkpoint = match checkpoint.as_deref().map(str::parse::<Checkpoint>) {
                None => None,
                Some(Ok(checkpoint)) => Some(checkpoint),
                Some(Err(message)) => {
                    eprintln!("--checkpoint: {message}");
                    return Ok(std::process::ExitCode::from(2));
                }
            };
            if config.audit_key.is_development() {
                eprintln!(
                    "note: AUDIT_HMAC_KEY is not set: verifying with the published development key"
                );
            }
            let db = connect(&config).await?;
            match audit::verify_with(&db, &config.audit_key).await? {
                ChainCheck::Intact { events } => println!("OK: {events} events, chain intact"),
                ChainCheck::BrokenAt { id } => {
                    println!(
                        "BROKEN at event {id} (changed or removed, or AUDIT_HMAC_KEY is not the \
                         key the trail was written with)"
                    );
                    return Ok(std::process::ExitCode::FAILURE);
                }
                ChainCheck::NotKeyed { id } => {
                    println!(
                        "NOT KEYED: no event up to {id} is keyed with AUDIT_HMAC_KEY (the chain \
                         was recomputed without the key, or the key is wrong; a trail upgraded \
                         from before the key is keyed by `server migrate` or `serve`)"
                    );
                    return Ok(std::process::ExitCode::FAILURE);
                }
            }
            if let Some(checkpoint) = checkpoint {
                match audit::check_checkpoint(&db, &checkpoint).await? {
                    CheckpointCheck::Holds => println!(
                        "OK: checkpoint {checkpoint} holds (event {} of {})",
                        checkpoint.event_id, checkpoint.events
                    ),
                    CheckpointCheck::Differs { hash, events } => {
                        println!(
                            "BROKEN: checkpoint {checkpoint} does not hold: event {} now has \
                             {events} events up to it and hash {hash}",
                            checkpoint.event_id
                        );
                        return Ok(std::process::ExitCode::FAILURE);
                    }
                    CheckpointCheck::Missing => {
                        println!(
                            "BROKEN: checkpoint {checkpoint} does not hold: event {} is not in \
                             the trail (the newest events were removed)",
                            checkpoint.event_id
                        );
                        return Ok(std::process::ExitCode::FAILURE);
                    }
                    CheckpointCheck::Archived { up_to_event_id } => println!(
                        "ARCHIVED: event {} was archived (the archive up to event \
                         {up_to_event_id}): check the checkpoint against the archive file",
                        checkpoint.event_id
                    ),
                }
            }
        }
        Command::AuditCheckpoint => {
            let db = connect(&config).await?;
            match audit::checkpoint(&db).await? {
                Some(checkpoint) => println!(
                    "{checkpoint} (audit checkpoint at {}: {} events recorded, the newest is \
                     event {})",
                    clock
                        .now()
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    checkpoint.events,
                    checkpoint.event_id
                ),
                None => {
                    eprintln!("the audit trail is empty: no checkpoint yet");
                    return Ok(std::process::ExitCode::from(2));
                }
            }
        }
        Command::DbRoles { app_role, apply } => {
            let statements = match crate::db_roles::grants(&app_role) {
                Ok(statements) => statements,
                Err(error) => {
                    eprintln!("{error}");
                    return Ok(std::process::ExitCode::from(2));
                }
            };
            if apply {
                let owner = connect_and_migrate(config.owner_database_url()).await?;
                if let Err(error) = crate::db_roles::apply(&owner, &app_role).await {
                    eprintln!("{error:#}");
                    return Ok(std::process::ExitCode::from(2));
                }
                println!(
                    "granted {app_role} the application's privileges (audit_events: SELECT, \
                     INSERT only; audit_archives: SELECT only)"
                );
            } else {
                for statement in statements {
                    println!("{statement};");
                }
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// A password from standard input, without its line ending (the only way one is given: never on the
/// command line, where other users and the shell history would see it).
fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}

/// An import's report as the console prints it (in English): every row with its outcome or its
/// errors, the totals, and whether anything was written.
pub fn import_report_text(report: &app::domain::import::ImportReport) -> String {
    use app::domain::import::{ImportMode, RowOutcome};
    use app::i18n::{Locale, Msg};
    use std::fmt::Write as _;
    let en = Locale::En;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}, headers on row {}",
        report.file_name, report.format, report.header_row
    );
    for line in &report.lines {
        let what = format!("{} / {} / {}", line.unit, line.platform, line.account);
        let _ = match &line.outcome {
            RowOutcome::Create => writeln!(out, "row {}: create: {what}", line.row),
            RowOutcome::Art9Duplicate => writeln!(
                out,
                "row {}: create: {what}\n    {}",
                line.row,
                en.t(Msg::ImportOutcomeDuplicate)
            ),
            RowOutcome::Errors(errors) => {
                let _ = writeln!(out, "row {}: ERROR: {what}", line.row);
                for error in errors {
                    let _ = writeln!(out, "    {}", app::labels::import_cell_error(error, en));
                }
                Ok(())
            }
        };
    }
    if !report.ignored_columns.is_empty() {
        let columns = report.ignored_columns.join(", ");
        let _ = writeln!(
            out,
            "{}",
            en.tf(Msg::ImportIgnoredColumns, &[("columns", &columns)])
        );
    }
    let _ = writeln!(
        out,
        "{} rows: {} to create ({} duplicates under Art. 9), {} with errors ({} errors).",
        report.rows, report.valid_rows, report.art9_duplicates, report.error_rows, report.errors
    );
    let conclusion = if report.applied {
        en.tf(
            Msg::ImportApplied,
            &[("count", &report.valid_rows.to_string())],
        )
    } else if report.has_errors() {
        en.t(Msg::ImportRefused).to_string()
    } else if report.mode == ImportMode::DryRun {
        format!("{} {}", en.t(Msg::ImportDryRunDone), en.t(Msg::ImportReady))
    } else {
        String::new()
    };
    let _ = writeln!(out, "{conclusion}");
    out
}
