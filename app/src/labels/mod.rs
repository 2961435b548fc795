//! The translated label of each domain code.
use crate::domain::{AccountStatus, Role, UnitKind};
use crate::i18n::Msg;

pub fn role(role: Role) -> Msg {
    match role {
        Role::Submitter => Msg::RoleSubmitter,
        Role::Reviewer => Msg::RoleReviewer,
        Role::Admin => Msg::RoleAdmin,
        Role::Auditor => Msg::RoleAuditor,
        Role::SecurityAdmin => Msg::RoleSecurityAdmin,
    }
}

pub fn status(status: AccountStatus) -> Msg {
    match status {
        AccountStatus::Active => Msg::StatusActive,
        AccountStatus::Suspended => Msg::StatusSuspended,
        AccountStatus::Deregistered => Msg::StatusDeregistered,
    }
}

pub fn unit_kind(kind: UnitKind) -> Msg {
    match kind {
        UnitKind::CountyOffice => Msg::UnitKindCountyOffice,
        UnitKind::Department => Msg::UnitKindDepartment,
        UnitKind::Township => Msg::UnitKindTownship,
        UnitKind::Subdistrict => Msg::UnitKindSubdistrict,
        UnitKind::PublicInstitution => Msg::UnitKindPublicInstitution,
        UnitKind::InternalDivision => Msg::UnitKindInternalDivision,
    }
}

pub fn yes_no(value: bool) -> Msg {
    if value { Msg::CommonYes } else { Msg::CommonNo }
}

use crate::domain::filing::{Field, FilingAction, FilingKind, FilingState};

pub fn kind(kind: FilingKind) -> Msg {
    match kind {
        FilingKind::Open => Msg::KindOpen,
        FilingKind::Change => Msg::KindChange,
        FilingKind::Suspend => Msg::KindSuspend,
        FilingKind::Deregister => Msg::KindDeregister,
    }
}

/// A tab of the filings list.
pub fn queue_tab(tab: crate::domain::queue::QueueTab) -> Msg {
    use crate::domain::queue::QueueTab;
    match tab {
        QueueTab::Waiting => Msg::FilingsTabWaiting,
        QueueTab::Completion => Msg::FilingsTabCompletion,
        QueueTab::Returned => Msg::FilingsTabReturned,
        QueueTab::Drafts => Msg::FilingsTabDrafts,
        QueueTab::Closed => Msg::FilingsTabClosed,
    }
}

/// A choice of the filings list's due filter.
pub fn due_filter(due: crate::domain::queue::DueFilter) -> Msg {
    use crate::domain::queue::DueFilter;
    match due {
        DueFilter::Overdue => Msg::DeadlineOverdue,
        DueFilter::Today => Msg::DeadlineDueToday,
    }
}

pub fn state(state: FilingState, awaiting_completion: bool) -> Msg {
    match state {
        FilingState::Approved if awaiting_completion => Msg::StateAwaitingCompletion,
        FilingState::Draft => Msg::StateDraft,
        FilingState::Submitted => Msg::StateSubmitted,
        FilingState::Returned => Msg::StateReturned,
        FilingState::Approved => Msg::StateApproved,
        FilingState::Rejected => Msg::StateRejected,
        FilingState::Withdrawn => Msg::StateWithdrawn,
        FilingState::Completed => Msg::StateCompleted,
    }
}

pub fn action(action: FilingAction) -> Msg {
    match action {
        FilingAction::Edit => Msg::ActionEdit,
        FilingAction::Submit => Msg::ActionSubmit,
        FilingAction::Withdraw => Msg::ActionWithdraw,
        FilingAction::Approve => Msg::ActionApprove,
        FilingAction::Return => Msg::ActionReturn,
        FilingAction::Reject => Msg::ActionReject,
        FilingAction::GrantWaiver => Msg::ActionGrantWaiver,
        FilingAction::RecordReport => Msg::ActionRecordReport,
        FilingAction::RecordCompletion => Msg::ActionRecordCompletion,
        FilingAction::ConfirmCompletion => Msg::ActionConfirmCompletion,
        FilingAction::CorrectReport => Msg::ActionCorrectReport,
    }
}

pub fn field(field: Field) -> Msg {
    match field {
        Field::Account => Msg::FieldAccount,
        Field::AccountName => Msg::AccountDetails,
        Field::Platform => Msg::AccountPlatform,
        Field::PlatformAccountId => Msg::AccountPlatformAccountId,
        Field::VerificationSubject => Msg::AccountVerificationSubject,
        Field::OperatingUnit => Msg::AccountOperatingUnit,
        Field::Outsourced => Msg::AccountOutsourced,
        Field::Purpose => Msg::AccountPurpose,
        Field::CustodianName => Msg::AccountCustodian,
        Field::CustodianMobile => Msg::AccountCustodianMobile,
        Field::LeaderName => Msg::FieldLeaderName,
        Field::LeaderConsentOn => Msg::FieldLeaderConsentOn,
        Field::CollectiveDecisionOn => Msg::FieldCollectiveDecisionOn,
        Field::Reason => Msg::FieldReason,
        Field::Attachments => Msg::FieldAttachments,
    }
}

/// A stored field key (as in audit events) by its label, when it has one.
pub fn field_key(key: &str) -> Option<Msg> {
    Some(match key {
        "account_name" | "name" => Msg::RegistryColName,
        "platform_account_id" => Msg::AccountPlatformAccountId,
        "verification_subject" => Msg::AccountVerificationSubject,
        "operating_unit" => Msg::AccountOperatingUnit,
        "outsourced" => Msg::AccountOutsourced,
        "purpose" => Msg::AccountPurpose,
        "custodian_name" => Msg::AccountCustodianName,
        "custodian_mobile" => Msg::AccountCustodianMobile,
        "leader_name" => Msg::FieldLeaderName,
        "leader_consent_on" => Msg::FieldLeaderConsentOn,
        "collective_decision_on" => Msg::FieldCollectiveDecisionOn,
        "reason" => Msg::FieldReason,
        "state" | "status" => Msg::FilingState,
        "art9_waiver" => Msg::FilingWaiver,
        "note" | "decision_note" => Msg::FilingDecisionNote,
        "reported_on" => Msg::FilingReportedOn,
        "reported_to" => Msg::FilingReportedTo,
        "report_reference" => Msg::FilingReportReference,
        "platform_done_on" => Msg::FilingPlatformDoneOn,
        "announcement_url" => Msg::FilingAnnouncementUrl,
        "received_at" => Msg::FilingReceivedAt,
        "kind" => Msg::FilingKind,
        "completion_required" => Msg::StateAwaitingCompletion,
        "file_name" => Msg::FilingFile,
        "password_rotated_on" | "rotated_on" => Msg::AccountPasswordRotatedOn,
        "year" => Msg::CalendarYear,
        "source" => Msg::CalendarSource,
        "due_on" => Msg::FilingDueOn,
        "due_provisional" => Msg::FilingDueProvisional,
        "review_working_days" => Msg::SettingsReviewDays,
        "reminder_hour" => Msg::SettingsReminderHour,
        "password_rotation_days" => Msg::SettingsRotationDays,
        _ => return None,
    })
}

pub fn attachment_kind(kind: &str) -> Option<Msg> {
    Some(match kind {
        "signed_form" => Msg::AttachmentSignedForm,
        "announcement_screenshot" => Msg::AttachmentAnnouncementScreenshot,
        "contract" => Msg::AttachmentContract,
        "confidentiality_agreement" => Msg::AttachmentConfidentialityAgreement,
        _ => return None,
    })
}

/// A UTC instant (RFC 3339) as China Standard Time, `YYYY-MM-DD HH:MM`.
pub fn china_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            let china = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
            t.with_timezone(&china).format("%Y-%m-%d %H:%M").to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// An Art. 11 due date, marked when it rests on a year whose calendar is not yet published.
pub fn due(date: &str, provisional: bool, locale: crate::i18n::Locale) -> String {
    if provisional {
        format!("{date}（{}）", locale.t(Msg::FilingDueProvisional))
    } else {
        date.to_string()
    }
}

/// A review period's deadline status (Art. 11).
pub fn deadline(status: crate::domain::deadline::DeadlineStatus) -> Msg {
    use crate::domain::deadline::DeadlineStatus::*;
    match status {
        OnTime => Msg::DeadlineOnTime,
        DueToday => Msg::DeadlineDueToday,
        Overdue => Msg::DeadlineOverdue,
        DecidedOnTime => Msg::DeadlineDecidedOnTime,
        DecidedLate => Msg::DeadlineDecidedLate,
    }
}

/// A to-do item (issue 17, item 1).
pub fn todo_item(item: crate::domain::todo::TodoItem) -> Msg {
    use crate::domain::todo::TodoItem::*;
    match item {
        Waiting => Msg::TodoItemWaiting,
        DueToday => Msg::TodoItemDueToday,
        Overdue => Msg::TodoItemOverdue,
        ToConfirm => Msg::TodoItemToConfirm,
        ToReport => Msg::TodoItemToReport,
        Returned => Msg::TodoItemReturned,
        ToComplete => Msg::TodoItemToComplete,
        Drafts => Msg::TodoItemDrafts,
    }
}

/// A reminder's kind.
pub fn reminder_kind(kind: &str) -> Msg {
    match kind {
        "filing_due_today" => Msg::ReminderDueToday,
        "filing_overdue" => Msg::ReminderOverdue,
        _ => Msg::ReminderRotation,
    }
}

/// An e-mail notice's kind, as stored in the outbox; None for a code this build does not know.
pub fn notice_kind(kind: &str) -> Option<Msg> {
    Some(match kind {
        "filing_submitted" => Msg::NoticeKindFilingSubmitted,
        "filing_returned" => Msg::NoticeKindFilingReturned,
        "filing_approved" => Msg::NoticeKindFilingApproved,
        "filing_awaiting_completion" => Msg::NoticeKindFilingAwaitingCompletion,
        "filing_rejected" => Msg::NoticeKindFilingRejected,
        "filing_reported" => Msg::NoticeKindFilingReported,
        "filing_due_today" => Msg::NoticeKindFilingDueToday,
        "filing_overdue" => Msg::NoticeKindFilingOverdue,
        "password_rotation" => Msg::NoticeKindPasswordRotation,
        _ => return None,
    })
}

/// An outbox message's delivery status; None for a code this build does not know.
pub fn outbox_status(status: &str) -> Option<Msg> {
    Some(match status {
        "queued" => Msg::OutboxStatusQueued,
        "sending" => Msg::OutboxStatusSending,
        "sent" => Msg::OutboxStatusSent,
        "failed" => Msg::OutboxStatusFailed,
        _ => return None,
    })
}

/// An office an outbox message goes to, whose address the worker takes from its settings; None
/// for a person (the message carries their address).
pub fn outbox_office(recipient_kind: &str) -> Option<Msg> {
    Some(match recipient_kind {
        "county_office" => Msg::OutboxRecipientCountyOffice,
        "upper_level" => Msg::OutboxRecipientUpperLevel,
        _ => return None,
    })
}

// ---- Import of existing registers ------------------------------------------------------------

mod audit;
pub mod history;
mod import;

pub use audit::{
    audit_action, audit_action_code, audit_action_group, audit_action_groups, audit_entity,
};
pub use import::{import_cell_error, import_file_problem, import_row_problem};
