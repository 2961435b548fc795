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
        FilingSubmitted => Msg::ActionSubmit,
        FilingResubmitted => Msg::AuditActionResubmitted,
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

/// The kind of actions sharing a code's prefix (`filing` for `filing.approved`), as the trail's
/// action filter groups them; None for a prefix this version does not know.
pub fn audit_action_group(prefix: &str) -> Option<Msg> {
    Some(match prefix {
        "account" => Msg::AuditEntityAccount,
        "account_request" => Msg::AuditGroupAccountRequest,
        "attachment" => Msg::AuditGroupAttachment,
        "audit" => Msg::AuditEntityAudit,
        "auth" => Msg::AuditGroupAuth,
        "calendar" => Msg::AuditEntityCalendarYear,
        "custodian" => Msg::AuditGroupCustodian,
        "demo" => Msg::AuditGroupDemo,
        "filing" => Msg::AuditEntityFiling,
        "outbox" => Msg::AuditEntityOutboxMessage,
        "registry" => Msg::AuditEntityRegistry,
        "reminder" => Msg::AuditEntityReminder,
        "report" => Msg::AuditEntityReport,
        "security" => Msg::AuditGroupSecurity,
        "settings" => Msg::AuditEntitySettings,
        "token" => Msg::AuditEntityApiToken,
        "unit" => Msg::AuditEntityUnit,
        "user" => Msg::AuditEntityUser,
        _ => return None,
    })
}

/// Every action by the prefix of its code (the prefix with its trailing dot, as the trail's
/// prefix filter takes it), prefixes in alphabetical order, actions in code order.
pub fn audit_action_groups() -> Vec<(String, Vec<AuditAction>)> {
    let mut actions = AuditAction::ALL.to_vec();
    actions.sort_by_key(|a| a.as_str());
    let mut groups: Vec<(String, Vec<AuditAction>)> = Vec::new();
    for action in actions {
        let prefix = action.as_str().split('.').next().unwrap_or_default();
        let prefix = format!("{prefix}.");
        match groups.last_mut() {
            Some((p, members)) if *p == prefix => members.push(action),
            _ => groups.push((prefix, vec![action])),
        }
    }
    groups
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_of_actions_has_a_label() {
        for (prefix, actions) in audit_action_groups() {
            let name = prefix.trim_end_matches('.');
            assert!(audit_action_group(name).is_some(), "{prefix}");
            assert!(actions.iter().all(|a| a.as_str().starts_with(&prefix)));
        }
    }
}
