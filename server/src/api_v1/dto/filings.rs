//! A filing as the API gives it, the requests that create, change and decide it (Art. 9–12), and
//! the deadline query (Art. 11).
use super::Platform;
use app::domain::filing::{Field, FilingAction, FilingForm, FilingKind, FilingState, Issue};
use app::model::{AttachmentView, FilingDetail, PeriodView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `POST /api/v1/filings`: the new filing's form, as the page's form has it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFilingRequest {
    pub kind: FilingKind,
    /// The account a change, suspension or deregistration is about.
    pub account_id: Option<i32>,
    /// The platform's code, for an open request.
    pub platform: Option<String>,
    #[serde(default, deserialize_with = "strict_form")]
    pub form: FilingForm,
}

/// The `form` of a new filing, refusing keys `FilingForm` does not have. `FilingForm` is shared
/// with the pages and reads leniently, so without this a misspelt field (`custodain_mobile`) was
/// dropped without a word and the draft saved without it, while the same typo outside `form` is a
/// 422: an unknown key is a 422 wherever it is.
fn strict_form<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<FilingForm, D::Error> {
    use serde::de::Error as _;
    let fields = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
    // The form's own field names, from the form itself, so the two cannot drift apart.
    let known = serde_json::to_value(FilingForm::default()).map_err(D::Error::custom)?;
    if let Some(unknown) = fields.keys().find(|key| known.get(key.as_str()).is_none()) {
        return Err(D::Error::custom(format!(
            "unknown field `{unknown}` in `form`"
        )));
    }
    serde_json::from_value(serde_json::Value::Object(fields)).map_err(D::Error::custom)
}

/// `PATCH /api/v1/filings/{id}`: the fields to change; absent fields keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingPatch {
    /// The platform's code (open requests).
    pub platform: Option<String>,
    pub account_name: Option<String>,
    pub platform_account_id: Option<String>,
    pub verification_subject: Option<String>,
    pub operating_unit: Option<String>,
    pub outsourced: Option<bool>,
    pub purpose: Option<String>,
    pub custodian_name: Option<String>,
    pub custodian_mobile: Option<String>,
    pub leader_name: Option<String>,
    /// YYYY-MM-DD.
    pub leader_consent_on: Option<String>,
    /// YYYY-MM-DD.
    pub collective_decision_on: Option<String>,
    pub reason: Option<String>,
}

impl FilingPatch {
    /// The form with this patch applied.
    pub fn apply(self, mut form: FilingForm) -> FilingForm {
        let set = |slot: &mut String, value: Option<String>| {
            if let Some(value) = value {
                *slot = value;
            }
        };
        set(&mut form.account_name, self.account_name);
        set(&mut form.platform_account_id, self.platform_account_id);
        set(&mut form.verification_subject, self.verification_subject);
        set(&mut form.operating_unit, self.operating_unit);
        if let Some(outsourced) = self.outsourced {
            form.outsourced = outsourced;
        }
        set(&mut form.purpose, self.purpose);
        set(&mut form.custodian_name, self.custodian_name);
        set(&mut form.custodian_mobile, self.custodian_mobile);
        set(&mut form.leader_name, self.leader_name);
        set(&mut form.leader_consent_on, self.leader_consent_on);
        set(
            &mut form.collective_decision_on,
            self.collective_decision_on,
        );
        set(&mut form.reason, self.reason);
        form
    }
}

/// `approve`: an optional note for the unit.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    #[serde(default)]
    pub note: String,
}

/// `return`: what the unit must correct.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    pub comment: String,
}

/// `reject` and `grant-waiver`: the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    pub reason: String,
}

/// `report-upstream`: when and to whom the decision was reported (Art. 11).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// YYYY-MM-DD.
    pub reported_on: String,
    pub reported_to: String,
    /// The reference of the report (文号).
    pub reference: String,
}

/// `correct-report`: a recorded upward report corrected (issue 15, item 12): the corrected values
/// and why. Audited as a correction; the upper level receives one correction notice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectReportRequest {
    /// YYYY-MM-DD, between the decision and today (China time).
    pub reported_on: String,
    pub reported_to: String,
    /// The reference of the report (文号).
    pub reference: String,
    /// Why the recorded report is corrected.
    pub reason: String,
}

/// `complete`: the unit's evidence that the platform carried out the approved step (Art. 12).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionRequest {
    /// YYYY-MM-DD, not in the future.
    pub platform_done_on: String,
    /// The public announcement (http or https).
    pub announcement_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: Field,
    pub issue: Issue,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedField {
    pub field: Field,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountRef {
    pub id: i32,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Attachment {
    pub id: i32,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

impl From<AttachmentView> for Attachment {
    fn from(a: AttachmentView) -> Self {
        Attachment {
            id: a.id,
            kind: a.kind,
            file_name: a.file_name,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
        }
    }
}

/// One Art. 11 review period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewPeriod {
    /// RFC 3339.
    pub received_at: String,
    pub working_days: u32,
    /// YYYY-MM-DD.
    pub due_on: String,
    pub provisional: bool,
    pub closed_at: Option<String>,
    pub outcome: Option<FilingState>,
    /// `on_time`, `due_today`, `overdue`, `decided_on_time` or `decided_late`.
    pub status: String,
}

impl From<PeriodView> for ReviewPeriod {
    fn from(p: PeriodView) -> Self {
        ReviewPeriod {
            received_at: p.received_at,
            working_days: p.working_days,
            due_on: p.due_on,
            provisional: p.provisional,
            closed_at: p.closed_at,
            outcome: p.outcome,
            status: p.status.as_str().to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpwardReport {
    pub reported_on: String,
    pub reported_to: String,
    pub reference: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Completion {
    pub platform_done_on: String,
    pub announcement_url: String,
}

/// A filing with its form, its standing and the steps the caller may take.
#[derive(Debug, Serialize, ToSchema)]
pub struct Filing {
    pub id: i32,
    /// The filing's number, e.g. `石政媒备〔2026〕12号`.
    pub number: String,
    pub kind: FilingKind,
    pub state: FilingState,
    /// Approved under Art. 12 and waiting for the unit's evidence or its confirmation.
    pub awaiting_completion: bool,
    pub unit_name: String,
    pub unit_credit_code: Option<String>,
    pub account: Option<AccountRef>,
    pub platform: Option<Platform>,
    pub form: FilingForm,
    /// What blocks submission (drafts and returned filings).
    pub issues: Vec<FieldProblem>,
    /// Fields a change filing changes.
    pub changes: Vec<ChangedField>,
    pub art9_waiver: Option<String>,
    /// RFC 3339.
    pub received_at: Option<String>,
    /// YYYY-MM-DD.
    pub due_on: Option<String>,
    /// The due date rests on a year without calendar data.
    pub due_provisional: bool,
    pub decision_note: Option<String>,
    pub decided_at: Option<String>,
    pub report: Option<UpwardReport>,
    pub completion: Option<Completion>,
    pub attachments: Vec<Attachment>,
    /// The steps the caller may take now.
    pub actions: Vec<FilingAction>,
    pub periods: Vec<ReviewPeriod>,
}

impl From<FilingDetail> for Filing {
    fn from(f: FilingDetail) -> Self {
        Filing {
            id: f.id,
            number: f.number,
            kind: f.kind,
            state: f.state,
            awaiting_completion: f.awaiting_completion,
            unit_name: f.unit_name,
            unit_credit_code: f.unit_credit_code,
            account: f.account.map(|(id, name)| AccountRef { id, name }),
            platform: f.platform.map(Into::into),
            form: f.form,
            issues: f
                .issues
                .into_iter()
                .map(|(field, issue)| FieldProblem { field, issue })
                .collect(),
            changes: f
                .changes
                .into_iter()
                .map(|(field, old, new)| ChangedField { field, old, new })
                .collect(),
            art9_waiver: f.art9_waiver,
            received_at: f.received_at,
            due_provisional: f.due_on.as_ref().is_some_and(|(_, p)| *p),
            due_on: f.due_on.map(|(d, _)| d),
            decision_note: f.decision_note,
            decided_at: f.decided_at,
            report: f
                .report
                .map(|(reported_on, reported_to, reference)| UpwardReport {
                    reported_on,
                    reported_to,
                    reference,
                }),
            completion: f
                .completion
                .map(|(platform_done_on, announcement_url)| Completion {
                    platform_done_on,
                    announcement_url,
                }),
            attachments: f.attachments.into_iter().map(Into::into).collect(),
            actions: f.actions,
            periods: f.periods.into_iter().map(Into::into).collect(),
        }
    }
}

/// `GET /api/v1/deadline`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadlineQuery {
    /// The instant of receipt, RFC 3339 (e.g. `2026-09-30T10:00:00+08:00`).
    pub received: String,
    /// Working days, 1 to 30; the county's setting (Art. 11: 3) when absent.
    #[param(minimum = 1, maximum = 30)]
    pub days: Option<u32>,
}
