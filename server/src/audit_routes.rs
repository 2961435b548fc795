//! `GET /exports/audit.csv`: the audit trail for auditors, with the audit page's filters (`from`,
//! `to`, `action`, `actor`, `entity_type`, `entity_id`) and `lang=en` for English headers. UTF-8
//! with a BOM, like the registry export, streamed as it is read. Only auditors may take it
//! (等保 2.0 三权分立), and the export is itself recorded (`audit.exported`, with the filter and
//! the number of events) before the first byte goes out.
use crate::downloads::{attachment, file_locale, refused, stream_csv};
use crate::startup::AppState;
use app::error::AppError;
use app::model::{AuditFilter, SessionUser};
use app::server::audit_trail::{self, AuditExport};
use app::server::use_case::{RequestMeta, UseCase};
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::collections::HashMap;

/// `GET /exports/audit.csv`
pub async fn audit_csv(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (locale, now) = (file_locale(&params), state.clock.now());
    let filter = AuditFilter::from_params(|key| params.get(key).cloned());
    let uc = user.map(|Extension(user)| UseCase::new(state.db.clone(), user, meta, now));
    let opened = match uc {
        Some(uc) => AuditExport::open(&uc, &filter, locale).await,
        None => Err(AppError::Unauthenticated),
    };
    match opened {
        Ok(trail) => {
            let body = stream_csv(audit_trail::headers(locale), trail);
            attachment(
                body,
                "text/csv; charset=utf-8",
                audit_trail::file_names(now),
            )
        }
        Err(error) => refused(&error, &params, &headers),
    }
}
