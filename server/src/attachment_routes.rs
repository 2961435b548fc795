//! Uploading and downloading filing attachments: plain multipart forms and file responses, outside
//! the server functions (which do not stream files).
use crate::downloads::refused;
use crate::require::Acting;
use crate::startup::AppState;
use app::error::{AppError, Problem};
use app::server::attachments::{self, Received, Receiver, Upload};
use app::server::entities::filing_attachment;
use app::server::use_case::UseCase;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

/// Reads the `kind` and `file` parts of the upload form, the file streamed to a temporary file in
/// the attachments directory: one file part only (a second is refused), and a file over the limit
/// is refused as soon as it is known to be too large.
async fn read_form(
    mut multipart: Multipart,
    dir: &std::path::Path,
) -> Result<(String, String, Received), AppError> {
    let broken = |_| AppError::invalid("file", Problem::FileTooLarge);
    let (mut kind, mut file) = (String::new(), None);
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        if field.file_name().is_some() || field.name() == Some("file") {
            if file.is_some() {
                return Err(AppError::invalid("file", Problem::OneFilePerUpload));
            }
            let name = field.file_name().unwrap_or("attachment").to_string();
            let mut receiver = Receiver::new(dir).await?;
            while let Some(chunk) = field.chunk().await.map_err(broken)? {
                receiver.push(&chunk).await?;
            }
            file = Some((name, receiver.finish().await?));
        } else if field.name() == Some("kind") {
            kind = field
                .text()
                .await
                .map_err(|_| AppError::invalid("kind", Problem::Required))?;
        }
    }
    let (name, received) = file.ok_or(AppError::invalid("file", Problem::Required))?;
    Ok((kind, name, received))
}

/// `POST /filings/{id}/attachments`: back to the filing page, with the error if there was one.
/// Whether the person may attach to this filing is asked before the body is read: a refused
/// upload's file is never taken in.
pub async fn upload(
    State(state): State<AppState>,
    Acting(uc): Acting,
    Path(id): Path<i32>,
    multipart: Multipart,
) -> Response {
    match receive(&state, uc, id, multipart).await {
        Ok(()) => Redirect::to(&format!("/filings/{id}")).into_response(),
        Err(error) => {
            let flash = app::model::Flash {
                error: Some(error),
                done: None,
                ..Default::default()
            };
            let secure = state.config.secure_cookies;
            crate::middleware::redirect_with_flash(&format!("/filings/{id}"), &flash, secure)
        }
    }
}

/// Authorises an upload to filing `id`, then reads and stores its file.
async fn receive(
    state: &AppState,
    uc: Result<UseCase, AppError>,
    id: i32,
    multipart: Multipart,
) -> Result<(), AppError> {
    let uc = uc?;
    attachments::authorise_upload(&uc, id).await?;
    let dir = &state.config.attachments_dir;
    let (kind, file_name, file) = read_form(multipart, dir).await?;
    let upload = Upload {
        filing_id: id,
        kind: &kind,
        file_name: &file_name,
        file,
    };
    attachments::store(&uc, dir, upload).await.map(|_| ())
}

/// `GET /attachments/{id}`: the file, to those who see the filing's custodian in full; each
/// download audited, never cached.
pub async fn download(
    State(state): State<AppState>,
    Acting(uc): Acting,
    headers: HeaderMap,
    Path(id): Path<i32>,
) -> Response {
    let dir = &state.config.attachments_dir;
    match async { attachments::open_for_download(&uc?, dir, id).await }.await {
        Ok((attachment, file)) => file_response(&attachment, file),
        Err(error) => refused(&error, &HashMap::new(), &headers),
    }
}

/// The attachment as a download: its type, its name (RFC 6266), never sniffed, never cached.
fn file_response(attachment: &filing_attachment::Model, file: tokio::fs::File) -> Response {
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let names = (attachment.file_name.clone(), "attachment".to_string());
    crate::downloads::attachment(body, &attachment.content_type, names)
}
