//! Filing attachments: signed and sealed form scans, announcement screenshots (Art. 12), outsourcing
//! contracts and confidentiality agreements. Files live outside the database, named by their SHA-256;
//! the type is read from the content, never from the name.
use super::audit::{self, Actor, Event};
use super::context::RequestMeta;
use super::db::begin_write;
use super::entities::{filing, filing_attachment};
use super::filings::facts;
use crate::domain::Role;
use crate::domain::filing::{FilingState, Refusal};
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Largest attachment accepted: 10 MB.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The kinds of attachment a filing carries.
pub const KINDS: [&str; 4] = [
    "signed_form",
    "announcement_screenshot",
    "contract",
    "confidentiality_agreement",
];

/// The content type of a PDF, PNG or JPEG file, by its first bytes; `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Where a file with this hash is kept.
pub fn path_for(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(sha256)
}

/// An upload as received.
pub struct Upload<'a> {
    pub filing_id: i32,
    pub kind: &'a str,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// Checks and stores an attachment. Bad input (kind, size, type) is refused before anything is
/// written. The file is written first (content-addressed, so a rolled-back transaction leaves at
/// most an unreferenced copy), then the row and its audit event in one transaction.
pub async fn store(
    db: &DatabaseConnection,
    dir: &Path,
    user: &SessionUser,
    meta: &RequestMeta,
    upload: Upload<'_>,
    now: DateTime<Utc>,
) -> Result<filing_attachment::Model, AppError> {
    if !KINDS.contains(&upload.kind) {
        return Err(AppError::invalid("kind", Problem::Required));
    }
    if upload.bytes.is_empty() {
        return Err(AppError::invalid("file", Problem::Required));
    }
    if upload.bytes.len() > MAX_BYTES {
        return Err(AppError::invalid("file", Problem::FileTooLarge));
    }
    let content_type = sniff(upload.bytes).ok_or(AppError::invalid("file", Problem::FileType))?;
    let file_name: String = upload
        .file_name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(255)
        .collect();

    // Who may attach: the filing's own unit, while the filing is being prepared, or (Art. 12) while
    // it awaits completion.
    let found = filing::Entity::find_by_id(upload.filing_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    check_may_attach(user, &found)?;

    let sha256 = hex::encode(Sha256::digest(upload.bytes));
    write_file(dir, &sha256, upload.bytes)
        .await
        .map_err(AppError::internal)?;

    let txn = begin_write(db).await?;
    let current = filing::Entity::find_by_id(upload.filing_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    check_may_attach(user, &current)?;
    let created = filing_attachment::ActiveModel {
        filing_id: Set(upload.filing_id),
        kind: Set(upload.kind.to_string()),
        file_name: Set(file_name),
        content_type: Set(content_type.to_string()),
        size_bytes: Set(upload.bytes.len() as i64),
        sha256: Set(sha256),
        uploaded_by: Set(user.id),
        uploaded_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: "filing.attachment_added",
            entity_type: "filing",
            entity_id: Some(upload.filing_id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "attachment_id": created.id, "kind": created.kind, "file_name": created.file_name,
                "content_type": created.content_type, "size_bytes": created.size_bytes,
                "sha256": created.sha256,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

fn check_may_attach(user: &SessionUser, f: &filing::Model) -> Result<(), AppError> {
    if user.role != Role::Submitter {
        return Err(AppError::Refused(Refusal::WrongRole));
    }
    if user.unit_id != Some(f.unit_id) {
        return Err(AppError::Refused(Refusal::OtherUnit));
    }
    let facts = facts(f)?;
    let preparing = matches!(facts.state, FilingState::Draft | FilingState::Returned);
    if preparing || facts.awaiting_completion() {
        Ok(())
    } else {
        Err(AppError::Refused(Refusal::WrongState))
    }
}

async fn write_file(dir: &Path, sha256: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let target = path_for(dir, sha256);
    if tokio::fs::try_exists(&target).await? {
        return Ok(());
    }
    let partial = dir.join(format!(".{sha256}.{}", uuid::Uuid::new_v4().simple()));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, &target).await
}

/// An attachment and its filing, for whoever may read that filing.
pub async fn find(
    db: &DatabaseConnection,
    id: i32,
) -> Result<(filing_attachment::Model, filing::Model), AppError> {
    let attachment = filing_attachment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = filing::Entity::find_by_id(attachment.filing_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((attachment, f))
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn the_type_comes_from_the_content() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"MZ\x90\x00 an executable named scan.pdf"), None);
        assert_eq!(sniff(b"<html>"), None);
    }
}
