//! Retention and archives: moving events beyond the retention period to a file (Cybersecurity
//! Law Art. 21).
use super::filter::*;
use super::*;
use crate::server::db::Keyset;

/// Why an archive was not made. Nothing was deleted in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Cybersecurity Law Art. 21: events younger than the retention period stay in the database.
    #[error(
        "{before} is within the {days}-day retention period: the latest date allowed is {latest}"
    )]
    WithinRetention {
        before: NaiveDate,
        days: u32,
        latest: NaiveDate,
    },
    #[error("{0} exists already: an archive never overwrites a file")]
    FileExists(std::path::PathBuf),
    /// The events to archive do not verify: they are evidence and stay where they are.
    #[error("the audit chain is broken at event {0}: nothing archived (run verify-audit)")]
    ChainBroken(i64),
    /// The events changed between writing the file and deleting them.
    #[error("{expected} events were written but {deleted} would be deleted: nothing deleted")]
    Mismatch { expected: u64, deleted: u64 },
    #[error("writing {path}: {source}")]
    File {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

/// What an archive did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveOutcome {
    /// No event is older than the date: no file, nothing deleted, nothing recorded.
    NothingToArchive,
    Archived {
        archive_id: i32,
        events: u64,
        first_event_id: i64,
        up_to_event_id: i64,
        last_hash: String,
        file_sha256: String,
    },
}

/// The latest `--before` date allowed on `today` (China date) with `retention_days`.
pub fn latest_archivable(today: NaiveDate, retention_days: u32) -> NaiveDate {
    today
        .checked_sub_days(Days::new(u64::from(retention_days.max(MIN_RETENTION_DAYS))))
        .unwrap_or(NaiveDate::MIN)
}

/// One archived event as a JSON line: every column, so the file alone can be verified.
pub(super) fn archive_line(e: &audit_event::Model) -> Value {
    json!({
        "id": e.id,
        "occurred_at": e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "actor_user_id": e.actor_user_id,
        "actor_username": e.actor_username,
        "actor_role": e.actor_role,
        "source_ip": e.source_ip,
        "request_id": e.request_id,
        "via_token_id": e.via_token_id,
        "peer_ip": e.peer_ip,
        "action": e.action,
        "entity_type": e.entity_type,
        "entity_id": e.entity_id,
        "before": e.before,
        "after": e.after,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    })
}

/// A file being written that is removed again unless it is kept.
pub(super) struct PendingFile {
    path: std::path::PathBuf,
    kept: bool,
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Archives the events that occurred before `before` (00:00 China time): writes them with their
/// hashes to `out` (JSON lines, a new file), syncs it to disk, then in one transaction records
/// the archive, deletes exactly those events and appends `audit.archived` (the range, the count,
/// the file's name and SHA-256, the last archived hash). Refused for a date within the retention
/// period (at least [`MIN_RETENTION_DAYS`]), for an existing file and for a broken chain. The
/// archive is always a prefix of the chain, so what remains still verifies from `last_hash`.
#[tracing::instrument(skip_all, fields(use_case = "audit_trail.archive"))]
pub async fn archive(
    uc: &UseCase<Operator>,
    before: NaiveDate,
    out: &std::path::Path,
    retention_days: u32,
) -> Result<ArchiveOutcome, ArchiveError> {
    let db = uc.db();
    let days = retention_days.max(MIN_RETENTION_DAYS);
    let latest = latest_archivable(china_date(uc.now), days);
    if before > latest {
        return Err(ArchiveError::WithinRetention {
            before,
            days,
            latest,
        });
    }
    let previous = audit::latest_archive(db).await?;
    let start = previous.as_ref().map_or(0, |a| a.up_to_event_id);
    let Some(up_to) = last_before(db, before, start).await? else {
        return Ok(ArchiveOutcome::NothingToArchive);
    };
    // 1. The file, written whole and synced before anything is deleted.
    let start_hash = previous
        .as_ref()
        .map_or_else(|| audit::GENESIS.to_string(), |a| a.last_hash.clone());
    let written = write_file(db, out, (start, up_to), &start_hash).await?;
    // 2. One transaction: the archive's record, the deletion it allows, the event saying so.
    let range = Range {
        before,
        days,
        up_to,
    };
    record_archive(uc, range, out, written).await
}

/// Inserts the archive's row (the table the application's role may only read) and returns its id.
async fn insert_record(
    txn: &sea_orm::DatabaseTransaction,
    now: DateTime<Utc>,
    (up_to, last_hash, count, file_sha256, file_name): (i64, &str, u64, &str, &str),
) -> Result<i32, sea_orm::DbErr> {
    let backend = txn.get_database_backend();
    let insert = Query::insert()
        .into_table(Alias::new("audit_archives"))
        .columns(
            [
                "archived_at",
                "up_to_event_id",
                "last_hash",
                "event_count",
                "file_sha256",
                "file_name",
            ]
            .map(Alias::new),
        )
        .values_panic([
            now.into(),
            up_to.into(),
            last_hash.into(),
            (count as i64).into(),
            file_sha256.into(),
            file_name.into(),
        ])
        .to_owned();
    txn.execute_raw(backend.build(&insert)).await?;
    Ok(audit::latest_archive(txn)
        .await?
        .map(|a| a.id)
        .unwrap_or_default())
}

/// The newest event that may be archived: the chain is archived as a prefix, everything after
/// `start` (the previous archive) and before the first event at or after the cut-off.
async fn last_before(
    db: &DatabaseConnection,
    before: NaiveDate,
    start: i64,
) -> Result<Option<i64>, sea_orm::DbErr> {
    let first_kept: Option<i64> = audit_event::Entity::find()
        .filter(audit_event::Column::OccurredAt.gte(china_midnight(before)))
        .select_only()
        .column_as(audit_event::Column::Id.min(), "first")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let mut candidates = audit_event::Entity::find().filter(audit_event::Column::Id.gt(start));
    if let Some(first_kept) = first_kept {
        candidates = candidates.filter(audit_event::Column::Id.lt(first_kept));
    }
    Ok(candidates
        .select_only()
        .column_as(audit_event::Column::Id.max(), "last")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten())
}

/// What was archived, as far as the file goes. The file is removed again unless the transaction
/// that deletes the events commits (`pending`).
struct Written {
    pending: PendingFile,
    count: u64,
    first_id: Option<i64>,
    file_sha256: String,
    last_hash: String,
}

/// The archive's span: the date asked for, the retention period it was checked against and the
/// last event archived.
struct Range {
    before: NaiveDate,
    days: u32,
    up_to: i64,
}

/// Writes the events after `start` up to `up_to` to a new file `out`, checking the chain from
/// `start_hash` as it goes, and syncs the file and its folder to disk.
async fn write_file(
    db: &DatabaseConnection,
    out: &std::path::Path,
    (start, up_to): (i64, i64),
    start_hash: &str,
) -> Result<Written, ArchiveError> {
    let file_error = |source| ArchiveError::File {
        path: out.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => ArchiveError::FileExists(out.to_path_buf()),
            _ => file_error(e),
        })?;
    let pending = PendingFile {
        path: out.to_path_buf(),
        kept: false,
    };
    let mut writer = std::io::BufWriter::new(file);
    let mut digest = Sha256::new();
    let mut walk = audit::ChainWalk::new(audit::installed_key(), start_hash);
    let (mut count, mut first_id) = (0u64, None);
    let upto = audit_event::Entity::find().filter(audit_event::Column::Id.lte(up_to));
    let mut events = Keyset::new(upto, audit_event::Column::Id, start, CHUNK);
    while let Some(chunk) = events.next(db).await? {
        for event in &chunk {
            if !walk.step(event) {
                return Err(ArchiveError::ChainBroken(event.id));
            }
            let mut line = archive_line(event).to_string().into_bytes();
            line.push(b'\n');
            digest.update(&line);
            writer.write_all(&line).map_err(file_error)?;
            first_id.get_or_insert(event.id);
            count += 1;
        }
    }
    let file = writer
        .into_inner()
        .map_err(|e| file_error(e.into_error()))?;
    sync(out, &file).map_err(file_error)?;
    Ok(Written {
        pending,
        count,
        first_id,
        file_sha256: hex::encode(digest.finalize()),
        last_hash: walk.last_hash().to_string(),
    })
}

/// Syncs the file, and its name in its folder, to disk.
fn sync(out: &std::path::Path, file: &std::fs::File) -> std::io::Result<()> {
    file.sync_all()?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = std::fs::File::open(dir)
    {
        dir.sync_all()?;
    }
    Ok(())
}

/// In one transaction: records the archive, deletes exactly the archived events, checks that
/// what remains still links to the last archived hash, and appends `audit.archived`.
async fn record_archive(
    uc: &UseCase<Operator>,
    range: Range,
    out: &std::path::Path,
    written: Written,
) -> Result<ArchiveOutcome, ArchiveError> {
    let (db, now) = (uc.db(), uc.now);
    let actor = &Actor::operator(uc.actor.what);
    let Range {
        before,
        days,
        up_to,
    } = range;
    let Written {
        mut pending,
        count,
        first_id,
        file_sha256,
        last_hash,
    } = written;
    let file_name = out.display().to_string();
    let txn = begin_write(db).await?;
    audit::lock(&txn).await?;
    let record = (
        up_to,
        last_hash.as_str(),
        count,
        file_sha256.as_str(),
        file_name.as_str(),
    );
    let archive_id = insert_record(&txn, now, record).await?;
    let deleted = audit_event::Entity::delete_many()
        .filter(audit_event::Column::Id.lte(up_to))
        .exec(&txn)
        .await?
        .rows_affected;
    if deleted != count {
        txn.rollback().await?;
        return Err(ArchiveError::Mismatch {
            expected: count,
            deleted,
        });
    }
    let first_remaining = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .one(&txn)
        .await?;
    if let Some(next) = first_remaining
        && next.prev_hash != last_hash
    {
        txn.rollback().await?;
        return Err(ArchiveError::ChainBroken(next.id));
    }
    audit::record(
        &txn,
        actor,
        Event::new(crate::domain::AuditAction::AuditArchived, "audit")
            .on(archive_id)
            .after(json!({
                "before": before.to_string(),
                "first_event_id": first_id,
                "up_to_event_id": up_to,
                "event_count": count,
                "file_name": file_name,
                "file_sha256": file_sha256,
                "last_hash": last_hash,
                "retention_days": days,
            })),
        now,
    )
    .await?;
    txn.commit().await?;
    pending.kept = true;
    Ok(ArchiveOutcome::Archived {
        archive_id,
        events: count,
        first_event_id: first_id.unwrap_or(up_to),
        up_to_event_id: up_to,
        last_hash,
        file_sha256,
    })
}
