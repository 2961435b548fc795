//! The labels of the audit trail: every action, every kind of object.
use crate::domain::AuditAction;
use crate::i18n::Msg;

/// An audit event's action as the auditors' page and the histories name it: every action has a
/// label (the match is exhaustive, so a new action cannot reach the screen as its raw code).
pub fn audit_action(action: AuditAction) -> Msg {
    use AuditAction::*;
    match action {
        CustodianViewed => Msg::AuditActionCustodianViewed,
        AuditViewed => Msg::AuditActionViewed,
        AuditExported => Msg::AuditActionExported,
        AuditArchived => Msg::AuditActionArchived,
        AuditKeyed => Msg::AuditActionAuditKeyed,
        AuthSignedIn => Msg::AuditActionSignedIn,
        AuthSignInFailed => Msg::AuditActionSignInFailed,
        AuthSignedOut => Msg::AuditActionSignedOut,
        AuthPasswordVerified => Msg::AuditActionPasswordVerified,
        AuthAccountLocked => Msg::AuditActionAccountLocked,
        AuthSignedOutEverywhere => Msg::AuditActionSignedOutEverywhere,
        UserSecondFactorEnrolmentStarted => Msg::AuditActionSecondFactorEnrolmentStarted,
        UserSecondFactorEnabled => Msg::AuditActionSecondFactorEnabled,
        UserSecondFactorDisabled => Msg::AuditActionSecondFactorDisabled,
        UserRecoveryCodesRegenerated => Msg::AuditActionRecoveryCodesRegenerated,
        UserSecondFactorReset => Msg::AuditActionSecondFactorReset,
        RegistryExported => Msg::AuditActionRegistryExported,
        RegistryImported => Msg::AuditActionRegistryImported,
        UserCreated => Msg::AuditActionUserCreated,
        UserUpdated => Msg::AuditActionUserUpdated,
        UserActivated => Msg::AuditActionUserActivated,
        UserDeactivated => Msg::AuditActionUserDeactivated,
        UserRoleChanged => Msg::AuditActionUserRoleChanged,
        UserUnlocked => Msg::AuditActionUserUnlocked,
        UserPasswordReset => Msg::AuditActionUserPasswordReset,
        UserPasswordChanged => Msg::AuditActionUserPasswordChanged,
        UserLocaleChanged => Msg::AuditActionUserLocaleChanged,
        UserEnrolmentCodeIssued => Msg::AuditActionEnrolmentCodeIssued,
        UserEnrolmentCodeUsed => Msg::AuditActionEnrolmentCodeUsed,
        SecurityPolicyUpdated => Msg::AuditActionPolicyUpdated,
        SettingsUpdated => Msg::AuditActionSettingsUpdated,
        TokenCreated => Msg::AuditActionTokenCreated,
        TokenRevoked => Msg::AuditActionTokenRevoked,
        TokenRevokedAll => Msg::TokensAuditRevokedAll,
        AccountRequestMade => Msg::AuditActionAccountRequestMade,
        AccountRequestConfirmed => Msg::AuditActionAccountRequestConfirmed,
        AccountRequestRefused => Msg::AuditActionAccountRequestRefused,
        AccountRequestWithdrawn => Msg::AuditActionAccountRequestWithdrawn,
        AttachmentDownloaded => Msg::AuditActionAttachmentDownloaded,
        ReportFilingsExported => Msg::AuditActionFilingsReportExported,
        ReportMonthlyExported => Msg::AuditActionMonthlyReportExported,
        CalendarYearSaved => Msg::AuditActionCalendarYearSaved,
        DemoLoaded => Msg::AuditActionDemoLoaded,
        OutboxRetried => Msg::AuditActionOutboxRetried,
        ReminderQueued => Msg::AuditActionReminderQueued,
        UnitCreated => Msg::AuditActionUnitCreated,
        FilingCreated => Msg::FilingCreate,
        FilingEdited => Msg::ActionEdit,
        FilingSubmitted | FilingResubmitted => Msg::ActionSubmit,
        FilingWithdrawn => Msg::ActionWithdraw,
        FilingApproved => Msg::ActionApprove,
        FilingReturned => Msg::ActionReturn,
        FilingRejected => Msg::ActionReject,
        FilingWaiverGranted => Msg::ActionGrantWaiver,
        FilingReported => Msg::ActionRecordReport,
        FilingReportCorrected => Msg::ActionCorrectReport,
        FilingCompletionRecorded => Msg::ActionRecordCompletion,
        FilingCompleted => Msg::ActionConfirmCompletion,
        FilingAttachmentAdded => Msg::FilingUpload,
        FilingDeadlineRecomputed => Msg::HistoryDeadlineRecomputed,
        AccountPasswordRotated => Msg::RotationRecord,
        AccountOpened | AccountOpenApplied => Msg::KindOpen,
        AccountChangeApplied => Msg::KindChange,
        AccountSuspendApplied => Msg::KindSuspend,
        AccountDeregisterApplied => Msg::KindDeregister,
        AccountImported => Msg::ImportHistoryImported,
    }
}

/// The label of a stored action code; None for a code this version does not know.
pub fn audit_action_code(code: &str) -> Option<Msg> {
    AuditAction::parse(code).map(audit_action)
}

/// The kind of object an audit event is about.
pub fn audit_entity(entity_type: &str) -> Option<Msg> {
    Some(match entity_type {
        "account" => Msg::AuditEntityAccount,
        "filing" => Msg::AuditEntityFiling,
        "user" => Msg::AuditEntityUser,
        "unit" => Msg::AuditEntityUnit,
        "audit" => Msg::AuditEntityAudit,
        "registry" => Msg::AuditEntityRegistry,
        "api_token" => Msg::AuditEntityApiToken,
        "calendar_year" => Msg::AuditEntityCalendarYear,
        "settings" => Msg::AuditEntitySettings,
        "outbox_message" => Msg::AuditEntityOutboxMessage,
        "reminder" => Msg::AuditEntityReminder,
        "report" => Msg::AuditEntityReport,
        _ => return None,
    })
}
