//! `GET /exports/audit.csv`: the audit trail for auditors, with the audit page's filters (`from`,
//! `to`, `action`, `actor`, `entity_type`, `entity_id`) and `lang=en` for English headers. UTF-8
//! with a BOM, like the registry export, streamed as it is read. Only auditors may take it
//! (等保 2.0 三权分立), and the export is itself recorded (`audit.exported`, with the filter and
//! the number of events) before the first byte goes out.
use crate::downloads::{attachment, file_locale, refused, stream_csv};
use crate::require::Acting;
use app::error::AppError;
use app::i18n::Locale;
use app::model::AuditFilter;
use app::server::audit_trail::{self, AuditExport};
use app::server::use_case::UseCase;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// `GET /exports/audit.csv`
pub async fn audit_csv(
    Acting(uc): Acting,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let locale = file_locale(&params);
    let filter = AuditFilter::from_params(|key| params.get(key).cloned());
    match open(uc, &filter, locale).await {
        Ok((trail, now)) => {
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

/// The trail as the filter selects it, and when it was taken.
async fn open(
    uc: Result<UseCase, AppError>,
    filter: &AuditFilter,
    locale: Locale,
) -> Result<(AuditExport, DateTime<Utc>), AppError> {
    let uc = uc?;
    Ok((AuditExport::open(&uc, filter, locale).await?, uc.now))
}
