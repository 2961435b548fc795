//! `GET /exports/registry.csv` and `/exports/registry.xlsx`: the registry for upward reporting, with
//! the registry page's filters (`unit`, `platform`, `status`, `q`, `rotation`) and `lang=en` for
//! English headers. The CSV streams as it is read; the XLSX is built in a temporary file and then
//! streamed, so memory stays bounded whatever the size. Each export is audited.
use crate::middleware::urlencode;
use crate::startup::AppState;
use app::domain::RegistryQuery;
use app::error::AppError;
use app::i18n::Locale;
use app::model::SessionUser;
use app::server::audit::Actor;
use app::server::context::RequestMeta;
use app::server::export;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

/// The query as the registry page reads it, and the language of the headers.
fn read_query(params: &HashMap<String, String>) -> (RegistryQuery, Locale) {
    let query = RegistryQuery::from_params(|key| params.get(key).cloned());
    let locale = params
        .get("lang")
        .and_then(|l| Locale::parse(l))
        .unwrap_or_default();
    (query, locale)
}

/// The client went away mid-download: nothing to report.
fn gone() -> AppError {
    AppError::Transport("the client closed the download".into())
}

fn refused(error: AppError, locale: Locale) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, error.message(locale)).into_response()
}

fn attachment(body: Body, content_type: &'static str, name: &str) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}\"; filename*=UTF-8''{}",
        urlencode(name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn file_name(state: &AppState, extension: &str) -> String {
    let day = app::domain::calendar::china_date(state.clock.now());
    format!("registry-{day}.{extension}")
}

/// `GET /exports/registry.csv`
pub async fn registry_csv(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (query, locale) = read_query(&params);
    let Some(Extension(user)) = user else {
        return refused(AppError::Unauthenticated, locale);
    };
    let now = state.clock.now();
    let actor = Actor::user(&user, &meta);
    if let Err(error) = export::record(&state.db, &actor, "csv", &query, now).await {
        return refused(error, locale);
    }
    // A few chunks in flight at most: the reader waits for the client.
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let db = state.db.clone();
    tokio::spawn(async move {
        let mut head = export::BOM.to_vec();
        let headers = export::csv_lines(&[export::registry_headers(locale)]);
        let viewer = user.viewer();
        let sent = async {
            head.extend_from_slice(&headers?);
            sender
                .send(Ok(Bytes::from(head)))
                .await
                .map_err(|_| gone())?;
            let mut export =
                export::RegistryExport::open(&db, &viewer, &query, locale, now).await?;
            while let Some(rows) = export.next_chunk().await? {
                let bytes = export::csv_lines(&rows)?;
                sender
                    .send(Ok(Bytes::from(bytes)))
                    .await
                    .map_err(|_| gone())?;
            }
            Ok::<_, AppError>(())
        }
        .await;
        if let Err(error) = sent {
            if !matches!(error, AppError::Transport(_)) {
                tracing::error!(error = %error.message(Locale::En), "registry export");
            }
            // The client sees a cut-off download rather than a file that looks complete.
            let _ = sender
                .send(Err(std::io::Error::other("export failed")))
                .await;
        }
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(receiver));
    attachment(body, "text/csv; charset=utf-8", &file_name(&state, "csv"))
}

/// `GET /exports/registry.xlsx`
pub async fn registry_xlsx(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (query, locale) = read_query(&params);
    let Some(Extension(user)) = user else {
        return refused(AppError::Unauthenticated, locale);
    };
    let now = state.clock.now();
    let built = async {
        export::record(&state.db, &Actor::user(&user, &meta), "xlsx", &query, now).await?;
        let (file, _) =
            export::registry_xlsx(&state.db, &user.viewer(), &query, locale, now).await?;
        // Opened before the temporary file's name is removed; the open handle keeps the data.
        let opened = tokio::fs::File::open(file.path())
            .await
            .map_err(AppError::internal)?;
        drop(file);
        Ok::<_, AppError>(opened)
    }
    .await;
    match built {
        Ok(file) => {
            let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
            attachment(body, export::XLSX_TYPE, &file_name(&state, "xlsx"))
        }
        Err(error) => refused(error, locale),
    }
}
