//! What the API takes and returns: plain JSON shapes with named fields (the pages' view models use
//! tuples the browser build shares), built from the same services' results.
//!
//! Seams: [`accounts`] (the registry and its accounts, the export's filters), [`filings`] (a
//! filing, its requests and the deadline query), [`tokens`] (API tokens); here, the shapes they
//! share (a platform, an audit event).
use app::domain::Role;
use app::model::{HistoryEntry, PlatformName};
use serde::Serialize;
use utoipa::ToSchema;

mod accounts;
mod filings;
mod tokens;

pub use accounts::{Account, AccountFilter, AccountPage, AccountSummary, Custodian, ExportFilter};
pub use filings::{
    AccountRef, ApproveRequest, Attachment, ChangedField, Completion, CompletionRequest,
    CorrectReportRequest, DeadlineQuery, FieldProblem, Filing, FilingPatch, NewFilingRequest,
    ReasonRequest, ReportRequest, ReturnRequest, ReviewPeriod, UpwardReport,
};
pub use tokens::NewTokenRequest;

#[derive(Debug, Serialize, ToSchema)]
pub struct Platform {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl From<PlatformName> for Platform {
    fn from(p: PlatformName) -> Self {
        Platform {
            code: p.code,
            name_zh: p.zh,
            name_en: p.en,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEvent {
    /// RFC 3339.
    pub at: String,
    pub actor: Option<String>,
    pub role: Option<Role>,
    /// The audit action, e.g. `filing.approved`.
    pub action: String,
    pub changes: Vec<FieldChange>,
    /// The API token the step was taken with, if any.
    pub via_token: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

impl From<HistoryEntry> for HistoryEvent {
    fn from(h: HistoryEntry) -> Self {
        HistoryEvent {
            at: h.at,
            actor: h.actor,
            role: h.role,
            action: h.action,
            changes: h
                .changes
                .into_iter()
                .map(|(field, old, new)| FieldChange { field, old, new })
                .collect(),
            via_token: h.via_token,
        }
    }
}
