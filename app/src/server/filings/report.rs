//! 报备: the upward report of an approved filing, and its correction (issue 15, item 12).
use super::super::entities::filing;
use super::super::outbox::{self, Recipient};
use super::super::use_case::UseCase;
use super::{china_date, record::*, required_text, steps::*, store::*};
use crate::domain::filing::FilingAction;
use crate::error::{AppError, Problem, Shaped};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{IntoActiveModel, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;
use validator::Validate;

/// 报备: the upward report of an approved filing. To whom and its reference (文号) are required
/// text as wide as their columns.
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
pub struct UpwardReport {
    pub reported_on: String,
    #[validate(length(min = 1, max = 128))]
    pub reported_to: String,
    #[validate(length(min = 1, max = 128))]
    pub reference: String,
}

impl Shaped for UpwardReport {
    const FIELDS: &'static [&'static str] = &["reported_to", "reference"];
}

/// 报备更正: a recorded report corrected, with the reason (issue 15, item 12).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportCorrection {
    pub report: UpwardReport,
    pub reason: String,
}

/// A report's fields, checked: the date lies between the decision and today in China (a report
/// of a decision is made after it, and not in the future; Art. 11), the rest is bounded text.
pub(super) fn report_fields(
    f: &filing::Model,
    report: &UpwardReport,
    now: DateTime<Utc>,
) -> Result<(NaiveDate, String, String), AppError> {
    let on = NaiveDate::parse_from_str(report.reported_on.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("reported_on", Problem::BadDate))?;
    if on > china_date(now) {
        return Err(AppError::invalid("reported_on", Problem::FutureDate));
    }
    if let Some(decided) = f.decided_at
        && on < china_date(decided)
    {
        return Err(AppError::invalid("reported_on", Problem::BeforeDecision));
    }
    let trimmed = UpwardReport {
        reported_on: String::new(),
        reported_to: report.reported_to.trim().to_string(),
        reference: report.reference.trim().to_string(),
    };
    trimmed.check_shape()?;
    Ok((on, trimmed.reported_to, trimmed.reference))
}

pub(super) fn report_of(f: &filing::Model) -> serde_json::Value {
    json!({
        "reported_on": f.reported_on, "reported_to": f.reported_to,
        "report_reference": f.report_reference,
    })
}

/// Records the upward report (报备) of an approved filing, once, and queues the 【报备】 notice to
/// the upper-level office. A report already recorded is changed only by [`correct_report`].
#[tracing::instrument(skip_all, fields(use_case = "filings.record_report", filing = id))]
pub async fn record_report(
    uc: &UseCase,
    id: i32,
    report: UpwardReport,
) -> Result<filing::Model, AppError> {
    report_step(uc, id, report, None).await
}

/// Corrects a recorded upward report: an explicit step with its reason, audited as a correction
/// (`filing.report_corrected`, old and new values), and one correction notice to the upper-level
/// office instead of a second report.
#[tracing::instrument(skip_all, fields(use_case = "filings.correct_report", filing = id))]
pub async fn correct_report(
    uc: &UseCase,
    id: i32,
    correction: ReportCorrection,
) -> Result<filing::Model, AppError> {
    let reason = required_text("reason", &correction.reason)?;
    report_step(uc, id, correction.report, Some(reason)).await
}

pub(super) async fn report_step(
    uc: &UseCase,
    id: i32,
    report: UpwardReport,
    correction: Option<String>,
) -> Result<filing::Model, AppError> {
    let (user, now) = (uc.user(), uc.now);
    let txn = uc.begin().await?;
    let before = load(&txn, id).await?;
    let action = match correction {
        Some(_) => FilingAction::CorrectReport,
        None => FilingAction::RecordReport,
    };
    let t = permit(action, user, &before)?;
    let (on, to, reference) = report_fields(&before, &report, now)?;
    let unchanged = before.reported_on == Some(on)
        && before.reported_to.as_deref() == Some(to.as_str())
        && before.report_reference.as_deref() == Some(reference.as_str());
    if correction.is_some() && unchanged {
        return Err(AppError::invalid("reported_on", Problem::ReportUnchanged));
    }
    let mut edit = before.clone().into_active_model();
    edit.reported_on = Set(Some(on));
    edit.reported_to = Set(Some(to));
    edit.report_reference = Set(Some(reference));
    let after = save(&txn, &before, edit, now).await?;
    let action = match correction {
        Some(_) => crate::domain::AuditAction::FilingReportCorrected,
        None => crate::domain::AuditAction::FilingReported,
    };
    let mut event = Event::new(action, "filing")
        .on(id)
        .changes(&report_of(&before), &report_of(&after));
    if let (Some(reason), Some(fields)) = (&correction, event.after.as_mut()) {
        fields["correction_reason"] = json!(reason);
    }
    record(&txn, uc, event).await?;
    // The upper level receives the report once; a correction is announced as a correction, with
    // what it replaces and why (the same outbox kind, marked `correction`).
    let mut params = outbox::filing_params(&txn, &after).await?;
    if let (Some(reason), Some(fields)) = (&correction, params.as_object_mut()) {
        fields.insert(
            "correction".into(),
            json!({
                "reason": reason,
                "previous_reported_on": before.reported_on,
                "previous_reported_to": before.reported_to,
                "previous_reference": before.report_reference,
            }),
        );
    }
    let Some(notice) = t.notice else {
        return Err(AppError::internal(anyhow::anyhow!(
            "a report without its notice"
        )));
    };
    let notice = outbox::Notice {
        kind: notice_kind(notice),
        filing_id: Some(after.id),
        unit_id: Some(after.unit_id),
        params,
    };
    outbox::enqueue(&txn, &notice, &[Recipient::UpperLevel], now).await?;
    txn.commit().await?;
    Ok(after)
}
