//! An import written: every account and its audit event, and one event for the file, in one
//! transaction, the rows checked again inside it.
use super::super::audit::{self, Actor, Event};
use super::super::db::begin_write;
use super::super::entities::account;
use super::LEGACY_DUPLICATE_MARKER;
use super::check::check_rows;
use super::lookups::Lookups;
use super::sheet::Sheet;
use crate::domain::import::{ImportMode, ImportReport};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde_json::json;

/// What an audit event records of an imported account: what a filing records of one, and when
/// its password was last changed (the custodian's number as filings record it: the audit trail is
/// the county office's).
fn snapshot(a: &account::Model) -> serde_json::Value {
    let mut snapshot = crate::server::filings::account_snapshot(a);
    snapshot["password_rotated_on"] = json!(a.password_rotated_on);
    snapshot
}

/// Checks the rows again inside the transaction that writes them and, when none has a problem,
/// writes every account with its audit event and one event for the file.
pub(super) async fn apply(
    db: &DatabaseConnection,
    actor: &Actor,
    file_name: &str,
    sheet: &Sheet,
    mode: ImportMode,
    now: DateTime<Utc>,
) -> Result<ImportReport, AppError> {
    let txn = begin_write(db).await?;
    // Checked inside the transaction that writes, after the audit lock that serialises writers,
    // so the registry the rows were checked against is the one they are written to.
    audit::lock(&txn).await?;
    let lookups = Lookups::load(&txn, now).await?;
    let (mut report, candidates) = check_rows(sheet, &lookups, file_name, mode);
    if report.has_errors() {
        // All or nothing: the transaction is dropped, nothing was written.
        return Ok(report);
    }
    for c in candidates {
        let created = account::ActiveModel {
            host_unit_id: Set(c.unit_id),
            platform_id: Set(c.platform_id),
            name: Set(c.name),
            platform_account_id: Set(c.platform_account_id),
            verification_subject: Set(c.verification_subject),
            operating_unit: Set(c.operating_unit),
            outsourced: Set(c.outsourced),
            purpose: Set(c.purpose),
            opened_on: Set(c.opened_on),
            status: Set(c.status),
            in_national_system: Set(c.in_national_system),
            custodian_name: Set(c.custodian_name),
            custodian_mobile: Set(c.custodian_mobile.as_str().to_string()),
            password_rotated_on: Set(c.password_rotated_on),
            art9_waiver: Set(c
                .art9_duplicate
                .then(|| LEGACY_DUPLICATE_MARKER.to_string())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        // Art. 9, held by the partial unique index: an account opened meanwhile.
        .map_err(super::super::db::conflict_on_unique)?;
        audit::record(
            &txn,
            actor,
            Event::new(crate::domain::AuditAction::AccountImported, "account")
                .on(created.id)
                .after(json!({
                    "file_name": file_name, "row": c.row, "art9_duplicate": c.art9_duplicate,
                    "account": snapshot(&created),
                })),
            now,
        )
        .await?;
        report.lines[c.line].account_id = Some(created.id);
    }
    audit::record(
        &txn,
        actor,
        Event::new(crate::domain::AuditAction::RegistryImported, "registry").after(json!({
            "file_name": file_name, "format": report.format, "rows": report.rows,
            "created": report.valid_rows, "art9_duplicates": report.art9_duplicates,
        })),
        now,
    )
    .await?;
    txn.commit().await?;
    report.applied = true;
    tracing::info!(
        created = report.valid_rows,
        art9_duplicates = report.art9_duplicates,
        "register imported"
    );
    Ok(report)
}
