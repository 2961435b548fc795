//! What every file download shares: the attachment headers (a name in the file's language with an
//! ASCII fallback, `nosniff`, `no-store`), streaming a CSV as its rows are read or a finished
//! temporary file, and a refusal as a translated page.
use crate::middleware::urlencode;
use crate::routes::error_page;
use app::error::AppError;
use app::i18n::Locale;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use std::collections::HashMap;

/// The language of the file: `lang=en` for English, else the template's Chinese.
pub fn file_locale(params: &HashMap<String, String>) -> Locale {
    params
        .get("lang")
        .and_then(|l| Locale::parse(l))
        .unwrap_or_default()
}

/// A refusal as a translated page, in the file's language if one was asked for, else the reader's.
pub fn refused(
    error: &AppError,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Response {
    let locale = params
        .get("lang")
        .and_then(|l| Locale::parse(l))
        .unwrap_or_else(|| Locale::from_headers(headers));
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error_page(status, locale, &error.message(locale))
}

/// A download: the name in the file's language, with an ASCII fallback for old clients.
pub fn attachment(body: Body, content_type: &str, (named, ascii): (String, String)) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        urlencode(&named)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Custodians' mobiles (in the registry, the filings and their scans): kept by no cache, shared
    // or the browser's.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Streams a finished temporary file; its name is removed at once, the open handle keeps the data.
pub async fn stream_file(file: impl AsRef<std::path::Path>) -> Result<Body, AppError> {
    let opened = tokio::fs::File::open(file.as_ref())
        .await
        .map_err(AppError::internal)?;
    drop(file);
    Ok(Body::from_stream(tokio_util::io::ReaderStream::new(opened)))
}

/// What a CSV download reads, a chunk of rows at a time: the registry, the filings report, the
/// audit trail.
pub trait RowChunks: Send + 'static {
    fn next_rows(
        &mut self,
    ) -> impl Future<Output = Result<Option<Vec<Vec<String>>>, AppError>> + Send;
}

impl RowChunks for app::server::export::RegistryExport {
    fn next_rows(
        &mut self,
    ) -> impl Future<Output = Result<Option<Vec<Vec<String>>>, AppError>> + Send {
        self.next_chunk()
    }
}

impl RowChunks for app::server::reports::FilingsReport {
    fn next_rows(
        &mut self,
    ) -> impl Future<Output = Result<Option<Vec<Vec<String>>>, AppError>> + Send {
        self.next_chunk()
    }
}

impl RowChunks for app::server::audit_trail::AuditExport {
    fn next_rows(
        &mut self,
    ) -> impl Future<Output = Result<Option<Vec<Vec<String>>>, AppError>> + Send {
        self.next_chunk()
    }
}

/// A CSV body streamed as it is read: UTF-8 with a BOM (Excel on zh-CN Windows needs it), the
/// header line, then each chunk of rows. A few chunks are in flight at most, so the reader waits
/// for the client and memory stays bounded. If reading fails half-way the body ends with an error,
/// so the client sees a cut-off download rather than a file that looks complete (the cause was
/// logged where it arose, by `AppError::internal`); a client that goes away ends it quietly.
pub fn stream_csv(header: Vec<String>, mut rows: impl RowChunks) -> Body {
    use app::server::export::{BOM, csv_lines};
    use axum::body::Bytes;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let gone = |_| AppError::Transport("the client closed the download".into());
    tokio::spawn(async move {
        let sent = async {
            let mut head = BOM.to_vec();
            head.extend_from_slice(&csv_lines(&[header])?);
            sender.send(Ok(Bytes::from(head))).await.map_err(gone)?;
            while let Some(chunk) = rows.next_rows().await? {
                let bytes = csv_lines(&chunk)?;
                sender.send(Ok(Bytes::from(bytes))).await.map_err(gone)?;
            }
            Ok::<_, AppError>(())
        }
        .await;
        if let Err(error) = sent
            && !matches!(error, AppError::Transport(_))
        {
            let _ = sender
                .send(Err(std::io::Error::other("the download failed")))
                .await;
        }
    });
    Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(receiver))
}
