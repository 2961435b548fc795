//! `GET /exports/audit.csv`: the audit trail for auditors, with the audit page's filters (`from`,
//! `to`, `action`, `actor`, `entity_type`, `entity_id`) and `lang=en` for English headers. UTF-8
//! with a BOM, like the registry export, streamed as it is read. Only auditors may take it
//! (等保 2.0 三权分立), and the export is itself recorded (`audit.exported`, with the filter and
//! the number of events) before the first byte goes out.
use crate::downloads::{attachment, file_locale, refused};
use crate::startup::AppState;
use app::error::AppError;
use app::model::{AuditFilter, SessionUser};
use app::server::audit_trail::{self, AuditExport};
use app::server::context::RequestMeta;
use app::server::export;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::collections::HashMap;

/// The client went away mid-download: nothing to report.
fn gone<T>(_: T) -> AppError {
    AppError::Transport("the client closed the download".into())
}

/// `GET /exports/audit.csv`
pub async fn audit_csv(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let locale = file_locale(&params);
    let now = state.clock.now();
    let filter = AuditFilter::from_params(|key| params.get(key).cloned());
    let opened = async {
        let Extension(user) = user.ok_or(AppError::Unauthenticated)?;
        AuditExport::open(&state.db, &user, &meta, &filter, locale, now).await
    }
    .await;
    let mut trail = match opened {
        Ok(trail) => trail,
        Err(error) => return refused(&error, &params, &headers),
    };
    // A few chunks in flight at most: the reader waits for the client.
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let sent = async {
            let mut head = export::BOM.to_vec();
            head.extend_from_slice(&export::csv_lines(&[audit_trail::headers(locale)])?);
            sender.send(Ok(Bytes::from(head))).await.map_err(gone)?;
            while let Some(rows) = trail.next_chunk().await? {
                let bytes = export::csv_lines(&rows)?;
                sender.send(Ok(Bytes::from(bytes))).await.map_err(gone)?;
            }
            Ok::<_, AppError>(())
        }
        .await;
        match sent {
            Ok(()) | Err(AppError::Transport(_)) => {}
            // Logged where it arose (`AppError::internal`).
            Err(_) => {
                // The client sees a cut-off download rather than a file that looks complete.
                let _ = sender
                    .send(Err(std::io::Error::other("audit export failed")))
                    .await;
            }
        }
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(receiver));
    attachment(
        body,
        "text/csv; charset=utf-8",
        audit_trail::file_names(now),
    )
}
