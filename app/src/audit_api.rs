//! Server functions of the audit trail page, for auditors only (等保 2.0 三权分立: the system
//! administrator does not read the trail of their own actions). Reading a page is itself recorded.
use crate::error::AppError;
use crate::model::{AuditFilter, AuditTrailView};
use leptos::prelude::*;

/// One page of the audit trail, newest first, filtered; recorded as `audit.viewed`. Refused (403)
/// to everyone but auditors. Without a filter: the first page of everything.
#[server(endpoint = "audit_trail")]
pub async fn fetch_audit_trail(
    #[server(default)] filter: AuditFilter,
) -> Result<AuditTrailView, AppError> {
    use crate::server::{audit_trail, context};
    context::serve(|uc| async move { audit_trail::page(&uc, &filter).await }).await
}
