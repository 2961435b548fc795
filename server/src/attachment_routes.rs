//! Uploading and downloading filing attachments: plain multipart forms and file responses, outside
//! the server functions (which do not stream files).
use crate::middleware::urlencode;
use crate::startup::AppState;
use app::domain::Role;
use app::domain::filing::Refusal;
use app::error::{AppError, Problem};
use app::model::SessionUser;
use app::server::attachments::{self, MAX_BYTES, Upload};
use app::server::context::RequestMeta;
use axum::body::Body;
use axum::extract::{Extension, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// Reads the `kind` and `file` parts of the upload form; a file over the limit is refused as soon as
/// it is known to be too large.
async fn read_form(mut multipart: Multipart) -> Result<(String, String, Vec<u8>), AppError> {
    let (mut kind, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::invalid("file", Problem::FileTooLarge))?
    {
        match field.name() {
            Some("kind") => {
                kind = field
                    .text()
                    .await
                    .map_err(|_| AppError::invalid("kind", Problem::Required))?
            }
            Some("file") => {
                name = field.file_name().unwrap_or("attachment").to_string();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|_| AppError::invalid("file", Problem::FileTooLarge))?
                {
                    if bytes.len() + chunk.len() > MAX_BYTES {
                        return Err(AppError::invalid("file", Problem::FileTooLarge));
                    }
                    bytes.extend_from_slice(&chunk);
                }
            }
            _ => {}
        }
    }
    Ok((kind, name, bytes))
}

/// `POST /filings/{id}/attachments`: back to the filing page, with the error if there was one.
pub async fn upload(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    Path(id): Path<i32>,
    multipart: Multipart,
) -> Response {
    let result = async {
        let Extension(user) = user.ok_or(AppError::Unauthenticated)?;
        let (kind, name, bytes) = read_form(multipart).await?;
        let upload = Upload {
            filing_id: id,
            kind: &kind,
            file_name: &name,
            bytes: &bytes,
        };
        attachments::store(
            &state.db,
            &state.config.attachments_dir,
            &user,
            &meta,
            upload,
            state.clock.now(),
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/filings/{id}")).into_response(),
        Err(error) => {
            let json = serde_json::to_string(&error).unwrap_or_default();
            Redirect::to(&format!("/filings/{id}?error={}", urlencode(&json))).into_response()
        }
    }
}

/// `GET /attachments/{id}`: the file, to those who may read its filing.
pub async fn download(
    State(state): State<AppState>,
    user: Option<Extension<SessionUser>>,
    Path(id): Path<i32>,
) -> Response {
    let result = async {
        let Extension(user) = user.ok_or(AppError::Unauthenticated)?;
        let (attachment, filing) = attachments::find(&state.db, id).await?;
        // The security administrator has no part in filings.
        if !user.role.reads_filings() {
            return Err(AppError::Forbidden);
        }
        if user.role == Role::Submitter && user.unit_id != Some(filing.unit_id) {
            return Err(AppError::Refused(Refusal::OtherUnit));
        }
        let path = attachments::path_for(&state.config.attachments_dir, &attachment.sha256);
        let bytes = tokio::fs::read(&path).await.map_err(AppError::internal)?;
        Ok((attachment, bytes))
    }
    .await;
    match result {
        Ok((attachment, bytes)) => {
            let disposition = format!(
                "attachment; filename=\"attachment\"; filename*=UTF-8''{}",
                urlencode(&attachment.file_name)
            );
            let mut response = Response::new(Body::from(bytes));
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&attachment.content_type) {
                headers.insert(header::CONTENT_TYPE, value);
            }
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        Err(error) => {
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, error.message(app::i18n::Locale::ZhCn)).into_response()
        }
    }
}
