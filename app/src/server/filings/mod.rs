//! Filings (备案申请): drafts, submission and every step of the county office's review (Art. 9–12).
//! Each step is one transaction carrying its audit event and its notices: load the filing, let
//! the domain decide ([`crate::domain::filing::step`]), persist. The rules are checked when a
//! filing is submitted and again inside the approval transaction, and the database holds Art. 9
//! itself.
//!
//! Seams: [`drafts`] (start, save), [`submit`], [`review`] (decisions), [`report`] (报备),
//! [`completion`] (Art. 12), with what they share in [`steps`], [`checks`], [`store`],
//! [`record`] and [`registry_effect`].
use super::entities::filing;
use crate::domain::filing::{Field, FilingFacts, FilingForm, FilingKind};
use crate::error::{AppError, Shaped};
use serde::{Deserialize, Serialize};

mod checks;
mod completion;
mod drafts;
mod record;
mod registry_effect;
mod report;
mod review;
mod steps;
mod store;
mod submit;

pub use crate::domain::calendar::china_date;
pub use checks::{Checked, check_rules};
pub use completion::{CompletionEvidence, confirm_completion, record_completion};
pub use drafts::{create_draft, update_draft};
pub(crate) use record::account_snapshot;
pub use report::{ReportCorrection, UpwardReport, correct_report, record_report};
pub use review::{approve, grant_waiver, reject, return_for_correction, take_step, withdraw};
pub use store::open_on_account;
pub use submit::submit;

/// A new filing as a submitter starts it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewFiling {
    pub kind: FilingKind,
    /// The account a change, suspension or deregistration is about.
    pub account_id: Option<i32>,
    /// The platform an open request is for.
    pub platform: Option<String>,
    pub form: FilingForm,
    /// Sent with the form, so that posting it twice creates one filing.
    pub idempotency_key: Option<String>,
}

/// One field that changes, for change filings (old → new).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: Field,
    pub old: String,
    pub new: String,
}

pub fn facts(f: &filing::Model) -> FilingFacts {
    FilingFacts {
        kind: f.kind,
        state: f.state,
        unit_id: f.unit_id,
        created_by: f.created_by,
        completion_required: f.completion_required,
        completion_recorded: f.completion_recorded_at.is_some(),
        reported: f.reported_on.is_some(),
    }
}

pub fn form_of(f: &filing::Model) -> FilingForm {
    FilingForm {
        account_name: f.account_name.clone(),
        platform_account_id: f.platform_account_id.clone(),
        verification_subject: f.verification_subject.clone(),
        operating_unit: f.operating_unit.clone(),
        outsourced: f.outsourced,
        purpose: f.purpose.clone(),
        custodian_name: f.custodian_name.clone(),
        custodian_mobile: f.custodian_mobile.clone(),
        leader_name: f.leader_name.clone(),
        leader_consent_on: f.leader_consent_on.clone(),
        collective_decision_on: f.collective_decision_on.clone(),
        reason: f.reason.clone(),
    }
}

/// A remark on a step: a return's comment, a rejection's, a waiver's or a correction's reason.
#[derive(validator::Validate)]
struct Remark {
    #[validate(length(min = 1, max = 2000))]
    text: String,
}

impl Shaped for Remark {
    const FIELDS: &'static [&'static str] = &["text"];
}

/// A remark, trimmed, required and at most 2000 characters; the form calls it `field`.
fn required_text(field: &str, value: &str) -> Result<String, AppError> {
    let remark = Remark {
        text: value.trim().to_string(),
    };
    match remark.check_shape() {
        Ok(()) => Ok(remark.text),
        Err(AppError::Invalid { problem, .. }) => Err(AppError::invalid(field, problem)),
        Err(other) => Err(other),
    }
}
