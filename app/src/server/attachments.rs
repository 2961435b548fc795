//! Filing attachments: signed and sealed form scans, announcement screenshots (Art. 12), outsourcing
//! contracts and confidentiality agreements. Files live outside the database, named by their SHA-256;
//! the type is read from the content, never from the name.
use super::audit::{self, Actor, Event};
use super::db::begin_write;
use super::entities::{filing, filing_attachment};
use super::filings::facts;
use crate::domain::filing::{FilingState, Refusal};
use crate::domain::{CustodianAccess, Role};
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use crate::server::use_case::UseCase;
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

/// Who may attach to filing `filing_id`, asked before an upload's body is read: a refused upload
/// is answered without taking in a byte of its file (ASVS 5.0 V5.2.1). [`store`] asks again in
/// its transaction.
#[tracing::instrument(skip_all, fields(use_case = "attachments.authorise_upload"))]
pub async fn authorise_upload(uc: &UseCase, filing_id: i32) -> Result<(), AppError> {
    let found = filing::Entity::find_by_id(filing_id)
        .one(uc.db())
        .await?
        .ok_or(AppError::NotFound)?;
    check_may_attach(uc.user(), &found)
}

/// An upload's file as it arrives: written a chunk at a time to a temporary file in the
/// attachments directory (mode 0600, removed unless stored), hashed on the way, never held whole
/// in memory. A file over [`MAX_BYTES`] is refused at the chunk that takes it over.
pub struct Receiver {
    file: tokio::fs::File,
    path: tempfile::TempPath,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
}

/// How many first bytes are kept to tell the type by.
const HEAD: usize = 16;

impl Receiver {
    pub async fn new(dir: &Path) -> Result<Self, AppError> {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(AppError::internal)?;
        // `tempfile` creates the file with mode 0600.
        let (file, path) = tempfile::Builder::new()
            .prefix(".upload-")
            .tempfile_in(dir)
            .map_err(AppError::internal)?
            .into_parts();
        Ok(Receiver {
            file: tokio::fs::File::from_std(file),
            path,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::new(),
        })
    }

    /// Appends a chunk of the file.
    pub async fn push(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        use tokio::io::AsyncWriteExt;
        self.size += chunk.len() as u64;
        if self.size > MAX_BYTES as u64 {
            return Err(AppError::invalid("file", Problem::FileTooLarge));
        }
        if self.head.len() < HEAD {
            let wanted = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..wanted]);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await.map_err(AppError::internal)
    }

    /// The whole file, written out and synced.
    pub async fn finish(mut self) -> Result<Received, AppError> {
        use tokio::io::AsyncWriteExt;
        self.file.flush().await.map_err(AppError::internal)?;
        self.file.sync_all().await.map_err(AppError::internal)?;
        Ok(Received {
            path: self.path,
            size: self.size,
            sha256: hex::encode(self.hasher.finalize()),
            head: self.head,
        })
    }
}

/// A file already in memory (the command line, tests), received as an upload is.
pub async fn received_from(dir: &Path, bytes: &[u8]) -> Result<Received, AppError> {
    let mut receiver = Receiver::new(dir).await?;
    receiver.push(bytes).await?;
    receiver.finish().await
}

/// A file received whole, in its temporary file (removed when dropped, unless stored).
pub struct Received {
    path: tempfile::TempPath,
    size: u64,
    sha256: String,
    head: Vec<u8>,
}

/// An upload as received.
pub struct Upload<'a> {
    pub filing_id: i32,
    pub kind: &'a str,
    pub file_name: &'a str,
    pub file: Received,
}

/// Checks and stores an attachment. Bad input (kind, size, type) is refused before anything is
/// kept. The file is moved into place first (content-addressed, so a rolled-back transaction
/// leaves at most an unreferenced copy), then the row and its audit event in one transaction.
#[tracing::instrument(skip_all, fields(use_case = "attachments.store"))]
pub async fn store(
    uc: &UseCase,
    dir: &Path,
    upload: Upload<'_>,
) -> Result<filing_attachment::Model, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    if !KINDS.contains(&upload.kind) {
        return Err(AppError::invalid("kind", Problem::Required));
    }
    let received = upload.file;
    if received.size == 0 {
        return Err(AppError::invalid("file", Problem::Required));
    }
    if received.size > MAX_BYTES as u64 {
        return Err(AppError::invalid("file", Problem::FileTooLarge));
    }
    let content_type = sniff(&received.head).ok_or(AppError::invalid("file", Problem::FileType))?;
    let file_name: String = upload
        .file_name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(255)
        .collect();

    authorise_upload(uc, upload.filing_id).await?;

    let sha256 = received.sha256.clone();
    let size = received.size;
    keep_file(dir, &sha256, received.path)
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
        size_bytes: Set(size as i64),
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
        Event::new(crate::domain::AuditAction::FilingAttachmentAdded, "filing")
            .on(upload.filing_id)
            .after(serde_json::json!({
                "attachment_id": created.id, "kind": created.kind, "file_name": created.file_name,
                "content_type": created.content_type, "size_bytes": created.size_bytes,
                "sha256": created.sha256,
            })),
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
    let facts = facts(f);
    let preparing = matches!(facts.state, FilingState::Draft | FilingState::Returned);
    if preparing || facts.awaiting_completion() {
        Ok(())
    } else {
        Err(AppError::Refused(Refusal::WrongState))
    }
}

/// Moves the received file to its name by hash (an identical file kept already is enough); it
/// keeps the temporary file's mode, 0600.
async fn keep_file(dir: &Path, sha256: &str, received: tempfile::TempPath) -> std::io::Result<()> {
    let target = path_for(dir, sha256);
    if tokio::fs::try_exists(&target).await? {
        return Ok(());
    }
    received.persist(&target).map_err(|e| e.error)
}

/// Who may download a filing's attachments: those who see the filing's unit's custodians in full
/// (reviewers, the unit's own submitters), as the signed 备案表 shows the custodian's mobile in
/// full. Administrators and auditors, who see mobiles masked, get [`AppError::AttachmentWithheld`];
/// another unit's submitter and the security administrator, who do not read the filing, are refused
/// as before.
pub fn may_download(user: &SessionUser, f: &filing::Model) -> Result<(), AppError> {
    if !user.role.reads_filings() {
        return Err(AppError::Forbidden);
    }
    if user.role == Role::Submitter && user.unit_id != Some(f.unit_id) {
        return Err(AppError::Refused(Refusal::OtherUnit));
    }
    match user.viewer().custodian_access(f.unit_id) {
        CustodianAccess::Full => Ok(()),
        CustodianAccess::Masked | CustodianAccess::Withheld => Err(AppError::AttachmentWithheld),
    }
}

/// An attachment for download by `user`: refused as [`may_download`] says, else recorded
/// (`attachment.downloaded`, like a view of the custodian in full: which file, never its
/// content; a download that cannot be recorded is not given) and opened.
#[tracing::instrument(skip_all, fields(use_case = "attachments.open_for_download"))]
pub async fn open_for_download(
    uc: &UseCase,
    dir: &Path,
    id: i32,
) -> Result<(filing_attachment::Model, tokio::fs::File), AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    let (attachment, f) = find(db, id).await?;
    may_download(user, &f)?;
    let opened = tokio::fs::File::open(path_for(dir, &attachment.sha256))
        .await
        .map_err(AppError::internal)?;
    audit::record_read(
        db,
        &Actor::user(user, meta),
        Event::new(crate::domain::AuditAction::AttachmentDownloaded, "filing")
            .on(f.id)
            .after(serde_json::json!({
                "attachment_id": attachment.id, "kind": attachment.kind,
                "sha256": attachment.sha256,
            })),
        now,
    )
    .await?;
    Ok((attachment, opened))
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
