//! `verify-audit`, `audit-checkpoint` and `archive-audit`: the operator's hold on the audit trail.
use super::refuse;
use crate::config::Config;
use crate::startup::{connect, connect_and_migrate};
use app::server::audit::{self, ChainCheck, Checkpoint, CheckpointCheck};
use app::server::audit_trail::{self, ArchiveError, ArchiveOutcome};
use app::server::use_case::{Clock, UseCase};
use std::process::ExitCode;

/// `archive-audit --before DATE --out FILE`: moves the events before the date to a file.
pub async fn archive(
    config: &Config,
    clock: &Clock,
    before: &str,
    out: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let Ok(before) = chrono::NaiveDate::parse_from_str(before.trim(), "%Y-%m-%d") else {
        return refuse("--before must be a date, YYYY-MM-DD");
    };
    // The archive deletes events: only the schema owner may (the application's role
    // may only INSERT and SELECT them, `db-roles`).
    let db = connect_and_migrate(config.owner_database_url()).await?;
    let uc = UseCase::operator(db, "archive-audit", clock.now());
    match audit_trail::archive(&uc, before, out, config.audit_retention_days).await {
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
        Err(refusal) => return refuse(refusal),
    }
    Ok(ExitCode::SUCCESS)
}

/// `verify-audit [--checkpoint ID:COUNT:HASH]`: walks the chain under the key, then checks the
/// checkpoint. Exits 1 at the first thing that does not hold.
pub async fn verify(config: &Config, checkpoint: Option<&str>) -> anyhow::Result<ExitCode> {
    let checkpoint = match checkpoint.map(str::parse::<Checkpoint>) {
        None => None,
        Some(Ok(checkpoint)) => Some(checkpoint),
        Some(Err(message)) => return refuse(format_args!("--checkpoint: {message}")),
    };
    if config.audit_key.is_development() {
        eprintln!("note: AUDIT_HMAC_KEY is not set: verifying with the published development key");
    }
    let db = connect(config).await?;
    if !chain_holds(audit::verify_with(&db, &config.audit_key).await?) {
        return Ok(ExitCode::FAILURE);
    }
    if let Some(checkpoint) = checkpoint
        && !checkpoint_holds(
            &checkpoint,
            audit::check_checkpoint(&db, &checkpoint).await?,
        )
    {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints what the walk of the chain found; whether it holds.
fn chain_holds(check: ChainCheck) -> bool {
    match check {
        ChainCheck::Intact { events } => {
            println!("OK: {events} events, chain intact");
            true
        }
        ChainCheck::BrokenAt { id } => {
            println!(
                "BROKEN at event {id} (changed or removed, or AUDIT_HMAC_KEY is not the \
                 key the trail was written with)"
            );
            false
        }
        ChainCheck::NotKeyed { id } => {
            println!(
                "NOT KEYED: no event up to {id} is keyed with AUDIT_HMAC_KEY (the chain \
                 was recomputed without the key, or the key is wrong; a trail upgraded \
                 from before the key is keyed by `server migrate` or `serve`)"
            );
            false
        }
    }
}

/// Prints what became of a checkpoint; whether it holds (an archived one is checked elsewhere).
fn checkpoint_holds(checkpoint: &Checkpoint, check: CheckpointCheck) -> bool {
    match check {
        CheckpointCheck::Holds => {
            println!(
                "OK: checkpoint {checkpoint} holds (event {} of {})",
                checkpoint.event_id, checkpoint.events
            );
            true
        }
        CheckpointCheck::Differs { hash, events } => {
            println!(
                "BROKEN: checkpoint {checkpoint} does not hold: event {} now has \
                 {events} events up to it and hash {hash}",
                checkpoint.event_id
            );
            false
        }
        CheckpointCheck::Missing => {
            println!(
                "BROKEN: checkpoint {checkpoint} does not hold: event {} is not in \
                 the trail (the newest events were removed)",
                checkpoint.event_id
            );
            false
        }
        CheckpointCheck::Archived { up_to_event_id } => {
            println!(
                "ARCHIVED: event {} was archived (the archive up to event \
                 {up_to_event_id}): check the checkpoint against the archive file",
                checkpoint.event_id
            );
            true
        }
    }
}

/// `audit-checkpoint`: prints ID:COUNT:HASH of the newest event, to keep away from this server.
pub async fn checkpoint(config: &Config, clock: &Clock) -> anyhow::Result<ExitCode> {
    let db = connect(config).await?;
    let Some(checkpoint) = audit::checkpoint(&db).await? else {
        return refuse("the audit trail is empty: no checkpoint yet");
    };
    println!(
        "{checkpoint} (audit checkpoint at {}: {} events recorded, the newest is event {})",
        clock
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        checkpoint.events,
        checkpoint.event_id
    );
    Ok(ExitCode::SUCCESS)
}
