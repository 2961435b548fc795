//! `deadline`, `export registry` and `import`: the registry at the console.
use super::{refuse, refuse_error};
use crate::config::Config;
use crate::startup::connect;
use anyhow::Context as _;
use app::domain::RegistryQuery;
use app::domain::import::{ImportMode, MAX_BYTES};
use app::error::AppError;
use app::i18n::Locale;
use app::server::export;
use app::server::import;
use app::server::use_case::{Clock, Operator, UseCase};
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `deadline --received INSTANT [--days N]`: the Art. 11 due date on the database's calendar, as
/// the deadlines service counts it for every filing.
pub async fn deadline(
    config: &Config,
    received: &str,
    days: Option<u32>,
) -> anyhow::Result<ExitCode> {
    let Ok(instant) = chrono::DateTime::parse_from_rfc3339(received.trim()) else {
        return refuse("--received must be an RFC 3339 instant, e.g. 2026-09-30T10:00:00+08:00");
    };
    if days == Some(0) {
        return refuse("--days must be at least 1");
    }
    let db = connect(config).await?;
    let (_, due) = app::server::catalog::due_date(&db, instant.with_timezone(&Utc), days)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let provisional = if due.provisional { " provisional" } else { "" };
    println!("{}{provisional}", due.date.format("%Y-%m-%d"));
    Ok(ExitCode::SUCCESS)
}

/// A service's failure as a fatal error of the command, in English.
fn fatal(error: AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", error.message(Locale::En))
}

/// `export registry`: every account with its custodian in full, for upward reporting.
pub async fn export(
    config: &Config,
    clock: &Clock,
    format: &str,
    out: Option<PathBuf>,
    lang: &str,
) -> anyhow::Result<ExitCode> {
    let Some(locale) = Locale::parse(lang) else {
        return refuse("--lang must be zh-CN or en");
    };
    if !matches!(format, "csv" | "xlsx") {
        return refuse("--format must be csv or xlsx");
    }
    if format == "xlsx" && out.is_none() {
        return refuse("an XLSX export needs --out FILE");
    }
    let db = connect(config).await?;
    // An operator at the console reads the whole registry, as the county office does.
    let uc = UseCase::operator(db, "export", clock.now());
    let query = RegistryQuery::default();
    export::record(&uc, format, &query).await.map_err(fatal)?;
    let count = match out {
        Some(path) if format == "xlsx" => {
            let (file, count) = export::registry_xlsx(&uc, &query, locale)
                .await
                .map_err(fatal)?;
            app::server::files::copy_private(file.path(), &path)
                .with_context(|| format!("writing {}", path.display()))?;
            count
        }
        out => export_csv(&uc, &query, locale, out.as_deref()).await?,
    };
    eprintln!("exported {count} accounts");
    Ok(ExitCode::SUCCESS)
}

/// The CSV export to a private file (every custodian's mobile in full: 0600) or standard output.
async fn export_csv(
    uc: &UseCase<Operator>,
    query: &RegistryQuery,
    locale: Locale,
    out: Option<&Path>,
) -> anyhow::Result<u64> {
    let sink: Box<dyn std::io::Write> = match out {
        Some(path) => Box::new(
            app::server::files::create_private(path)
                .with_context(|| format!("creating {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = std::io::BufWriter::new(sink);
    let count = export::registry_csv(uc, query, locale, &mut writer)
        .await
        .map_err(fatal)?;
    std::io::Write::flush(&mut writer).context("writing the export")?;
    Ok(count)
}

/// `import FILE [--dry-run]`: checks every row, and writes them all or nothing.
pub async fn import(
    config: &Config,
    clock: &Clock,
    file: &Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if size > MAX_BYTES as u64 {
        return refuse_error(&AppError::Import(import::too_large()));
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mode = if dry_run {
        ImportMode::DryRun
    } else {
        ImportMode::Apply
    };
    let db = connect(config).await?;
    let uc = UseCase::operator(db, "import", clock.now());
    match import::run(&uc, &name, bytes, mode).await {
        Ok(report) => {
            print!("{}", import_report_text(&report));
            if report.has_errors() {
                return Ok(ExitCode::from(2));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error @ AppError::Import(_)) => refuse_error(&error),
        Err(error) => anyhow::bail!("{}", error.message(Locale::En)),
    }
}

/// An import's report as the console prints it (in English): every row with its outcome or its
/// errors, the totals, and whether anything was written.
pub fn import_report_text(report: &app::domain::import::ImportReport) -> String {
    use app::domain::import::RowOutcome;
    use app::i18n::Msg;
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
    let _ = writeln!(out, "{}", conclusion(report));
    out
}

/// The report's last line: whether anything was written, or could be.
fn conclusion(report: &app::domain::import::ImportReport) -> String {
    use app::i18n::Msg;
    let en = Locale::En;
    if report.applied {
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
    }
}
