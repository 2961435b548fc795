//! `POST /admin/import`: an administrator uploads an existing register (XLSX or CSV) as a plain
//! multipart form, for a dry run or for the import itself. The answer is the import page itself,
//! rendered with the report of this run, so it works without JavaScript and no report is kept
//! between requests (any instance behind a load balancer can answer). Posting an import again
//! writes nothing: every row is then already in the registry, which the report says.
use crate::middleware::app_error_response;
use crate::require::Acting;
use crate::startup::AppState;
use app::app::shell;
use app::domain::Capability;
use app::domain::import::ImportReport;
use app::domain::import::{FileProblem, ImportMode, MAX_BYTES, SHOWN_ROWS};
use app::error::AppError;
use app::i18n::Locale;
use app::model::SessionUser;
use app::pages::admin_import_page::ImportOutcome;
use app::server::import;
use app::server::use_case::{Person, RequestMeta, UseCase};
use axum::body::Body;
use axum::extract::{Extension, Multipart, State};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leptos::nonce::Nonce;
use leptos::prelude::provide_context;

/// The body limit of the route: the largest file plus the form around it.
pub const BODY_LIMIT: usize = MAX_BYTES + 64 * 1024;

/// The uploaded file and the button pressed.
struct ImportForm {
    file_name: String,
    bytes: Vec<u8>,
    mode: ImportMode,
}

/// Why an upload could not be read: too large (413), or broken.
fn broken(error: axum::extract::multipart::MultipartError) -> AppError {
    AppError::Import(if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        import::too_large()
    } else {
        FileProblem::UploadFailed
    })
}

async fn read_form(mut multipart: Multipart) -> Result<ImportForm, AppError> {
    let mut form = ImportForm {
        file_name: String::new(),
        bytes: Vec::new(),
        // Whatever else is posted, nothing is written unless the import button was pressed.
        mode: ImportMode::DryRun,
    };
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        read_field(field, &mut form).await?;
    }
    Ok(form)
}

/// One field of the form: the file, or the button pressed (`apply` imports).
async fn read_field(
    field: axum::extract::multipart::Field<'_>,
    form: &mut ImportForm,
) -> Result<(), AppError> {
    match field.name() {
        Some("file") => {
            form.file_name = field.file_name().unwrap_or_default().to_string();
            form.bytes = field.bytes().await.map_err(broken)?.to_vec();
        }
        Some("mode") => {
            let pressed = field.text().await.map_err(broken)?;
            form.mode = match pressed.as_str() {
                "apply" => ImportMode::Apply,
                _ => ImportMode::DryRun,
            };
        }
        _ => {}
    }
    Ok(())
}

/// `POST /admin/import`: runs the dry run or the import and answers with the page and its report.
/// A browser's form post (which accepts `text/html`) always lands on the page, with the refusal
/// on it, as every form of the application does; other callers get the status too: 400 when the
/// file cannot be read or an import is refused for its errors, 413 when the file is too large.
/// Administrators only (403; 401 signed out).
pub async fn import_register(
    State(state): State<AppState>,
    Acting(uc): Acting,
    nonce: Option<Extension<Nonce>>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    // Refused before the upload is read.
    let permitted = uc.and_then(|uc| {
        uc.require(Capability::ImportRegistry)?;
        Ok(uc)
    });
    let uc = match permitted {
        Ok(uc) => uc,
        Err(error) => return app_error_response(&error, Locale::from_headers(&headers)),
    };
    let outcome = run(&uc, multipart).await;
    answer(&state, uc, outcome, nonce.map(|Extension(n)| n), headers).await
}

/// Reads the upload and runs the dry run or the import.
async fn run(uc: &UseCase, multipart: Multipart) -> Result<ImportReport, AppError> {
    let form = read_form(multipart).await?;
    import::run(uc, &form.file_name, form.bytes, form.mode).await
}

/// The status of the answer: a form post always lands on the page (200); other callers learn
/// that an import was refused for its errors (400) or that the file could not be read.
fn status(outcome: &Result<ImportReport, AppError>, headers: &HeaderMap) -> StatusCode {
    let from_form = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    match outcome {
        _ if from_form => StatusCode::OK,
        Ok(report) if report.mode == ImportMode::Apply && report.has_errors() => {
            StatusCode::BAD_REQUEST
        }
        Ok(_) => StatusCode::OK,
        Err(error) => {
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// The page with the run's report, or the refusal alone when it is about neither the file nor
/// its rows (the person may not import, or the database failed).
async fn answer(
    state: &AppState,
    uc: UseCase,
    outcome: Result<ImportReport, AppError>,
    nonce: Option<Nonce>,
    headers: HeaderMap,
) -> Response {
    let status = status(&outcome, &headers);
    if let Err(error) = &outcome
        && !matches!(error, AppError::Import(_))
    {
        return app_error_response(error, Locale::from_headers(&headers));
    }
    let outcome = ImportOutcome(outcome.map(|report| report.for_display(SHOWN_ROWS)));
    let Person { user, meta } = uc.actor;
    render_page(state, outcome, user, meta, nonce, headers, status).await
}

/// The import page as a `GET /admin/import` would render it, with `outcome` in its context.
async fn render_page(
    state: &AppState,
    outcome: ImportOutcome,
    user: SessionUser,
    meta: RequestMeta,
    nonce: Option<Nonce>,
    headers: HeaderMap,
    status: StatusCode,
) -> Response {
    let context = state.context();
    let leptos = state.leptos.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(context.clone());
            provide_context(outcome.clone());
            // The nonce of this response's Content-Security-Policy (`security_headers`).
            if let Some(nonce) = &nonce {
                provide_context(nonce.clone());
            }
        },
        move || shell(leptos.clone()),
    );
    let mut response = render(page_request(headers, user, meta))
        .await
        .into_response();
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response
}

/// The page is rendered as for a GET with the same person, language and cookies; the upload's own
/// headers do not describe this request.
fn page_request(mut headers: HeaderMap, user: SessionUser, meta: RequestMeta) -> Request<Body> {
    headers.remove(header::CONTENT_TYPE);
    headers.remove(header::CONTENT_LENGTH);
    let mut request = Request::builder()
        .method(Method::GET)
        .uri("/admin/import")
        .body(Body::empty())
        .expect("a static request is valid");
    *request.headers_mut() = headers;
    request.extensions_mut().insert(user);
    request.extensions_mut().insert(meta);
    request
}
