//! The actions the audit trail records (Art. 31; GB/T 22239-2019 8.1.4.3), as one closed set: a
//! service names its event with a variant, the auditors' page labels every variant
//! ([`crate::labels::audit_action`] matches them exhaustively), and the stored code is `as_str`.
//! Codes are never renamed: the chain's hashes cover them.
use super::filing::{FilingKind, FilingState};
use super::types::code_enum;
use serde::{Deserialize, Serialize};

code_enum!(
    /// What an audit event records.
    AuditAction {
        AccountImported => "account.imported",
        AccountOpened => "account.opened",
        AccountOpenApplied => "account.open",
        AccountChangeApplied => "account.change",
        AccountSuspendApplied => "account.suspend",
        AccountDeregisterApplied => "account.deregister",
        AccountPasswordRotated => "account.password_rotated",
        AccountRequestConfirmed => "account_request.confirmed",
        AccountRequestMade => "account_request.made",
        AccountRequestRefused => "account_request.refused",
        AccountRequestWithdrawn => "account_request.withdrawn",
        AttachmentDownloaded => "attachment.downloaded",
        AuditArchived => "audit.archived",
        AuditExported => "audit.exported",
        AuditKeyed => "audit.keyed",
        AuditViewed => "audit.viewed",
        AuthAccountLocked => "auth.account_locked",
        AuthPasswordVerified => "auth.password_verified",
        AuthSignInFailed => "auth.sign_in_failed",
        AuthSignedIn => "auth.signed_in",
        AuthSignedOut => "auth.signed_out",
        AuthSignedOutEverywhere => "auth.signed_out_everywhere",
        CalendarYearSaved => "calendar.year_saved",
        CustodianViewed => "custodian.viewed",
        DemoLoaded => "demo.loaded",
        FilingCreated => "filing.created",
        FilingEdited => "filing.edited",
        FilingSubmitted => "filing.submitted",
        FilingResubmitted => "filing.resubmitted",
        FilingWithdrawn => "filing.withdrawn",
        FilingReturned => "filing.returned",
        FilingRejected => "filing.rejected",
        FilingApproved => "filing.approved",
        FilingWaiverGranted => "filing.waiver_granted",
        FilingReported => "filing.reported",
        FilingReportCorrected => "filing.report_corrected",
        FilingCompletionRecorded => "filing.completion_recorded",
        FilingCompleted => "filing.completed",
        FilingAttachmentAdded => "filing.attachment_added",
        FilingDeadlineRecomputed => "filing.deadline_recomputed",
        OutboxRetried => "outbox.retried",
        RegistryExported => "registry.exported",
        RegistryImported => "registry.imported",
        ReminderQueued => "reminder.queued",
        ReportFilingsExported => "report.filings_exported",
        ReportMonthlyExported => "report.monthly_exported",
        SecurityPolicyUpdated => "security.policy_updated",
        SettingsUpdated => "settings.updated",
        TokenCreated => "token.created",
        TokenRevoked => "token.revoked",
        TokenRevokedAll => "token.revoked_all",
        UnitCreated => "unit.created",
        UserActivated => "user.activated",
        UserCreated => "user.created",
        UserDeactivated => "user.deactivated",
        UserEnrolmentCodeIssued => "user.enrolment_code_issued",
        UserEnrolmentCodeUsed => "user.enrolment_code_used",
        UserLocaleChanged => "user.locale_changed",
        UserPasswordChanged => "user.password_changed",
        UserPasswordReset => "user.password_reset",
        UserRecoveryCodesRegenerated => "user.recovery_codes_regenerated",
        UserRoleChanged => "user.role_changed",
        UserSecondFactorDisabled => "user.second_factor_disabled",
        UserSecondFactorEnabled => "user.second_factor_enabled",
        UserSecondFactorEnrolmentStarted => "user.second_factor_enrolment_started",
        UserSecondFactorReset => "user.second_factor_reset",
        UserUnlocked => "user.unlocked",
        UserUpdated => "user.updated",
    }
);

impl AuditAction {
    /// The event of a filing step that only moves it to `state` (withdraw, return, reject).
    pub fn filing_moved_to(state: FilingState) -> Option<Self> {
        match state {
            FilingState::Withdrawn => Some(AuditAction::FilingWithdrawn),
            FilingState::Returned => Some(AuditAction::FilingReturned),
            FilingState::Rejected => Some(AuditAction::FilingRejected),
            FilingState::Submitted => Some(AuditAction::FilingSubmitted),
            FilingState::Approved => Some(AuditAction::FilingApproved),
            FilingState::Completed => Some(AuditAction::FilingCompleted),
            FilingState::Draft => None,
        }
    }

    /// The event of an account changed by an approved request of `kind` (Art. 10–14).
    pub fn account_changed_by(kind: FilingKind) -> Self {
        match kind {
            FilingKind::Open => AuditAction::AccountOpenApplied,
            FilingKind::Change => AuditAction::AccountChangeApplied,
            FilingKind::Suspend => AuditAction::AccountSuspendApplied,
            FilingKind::Deregister => AuditAction::AccountDeregisterApplied,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_action_and_codes_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for &action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            assert!(seen.insert(action.as_str()), "{action} twice");
        }
    }
}
