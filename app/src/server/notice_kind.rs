//! The kinds of e-mail notice: what the outbox queues and the templates (`notices`) render. A
//! leaf module, so that the outbox and the templates depend on it and not on each other.

/// What a notice is about; each kind has its templates in `notices`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// To the county office and the reviewers.
    FilingSubmitted,
    /// To the submitter and the unit's contacts.
    FilingReturned,
    FilingApproved,
    /// Approved, and the unit still has to finish on the platform (Art. 12).
    FilingAwaitingCompletion,
    FilingRejected,
    /// 报备: to the upper-level office.
    FilingReported,
    /// Reminders (Art. 11) to the reviewers.
    FilingDueToday,
    FilingOverdue,
    /// Art. 29, to the unit.
    PasswordRotation,
    /// Issue 15 (tokens): to the owner of a new API token.
    TokenCreated,
    // issue 15: people. To the person whose account changed (ASVS 5.0 V6.3.7).
    /// A temporary password was set; carries it (`password`) only when it is delivered this way
    /// (a privileged account), and the outbox forgets it once sent.
    AccountPasswordReset,
    AccountRoleChanged,
    AccountSecondFactorReset,
    AccountDisabled,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 14] = [
        NoticeKind::FilingSubmitted,
        NoticeKind::FilingReturned,
        NoticeKind::FilingApproved,
        NoticeKind::FilingAwaitingCompletion,
        NoticeKind::FilingRejected,
        NoticeKind::FilingReported,
        NoticeKind::FilingDueToday,
        NoticeKind::FilingOverdue,
        NoticeKind::PasswordRotation,
        NoticeKind::TokenCreated,
        NoticeKind::AccountPasswordReset,
        NoticeKind::AccountRoleChanged,
        NoticeKind::AccountSecondFactorReset,
        NoticeKind::AccountDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::FilingSubmitted => "filing_submitted",
            NoticeKind::FilingReturned => "filing_returned",
            NoticeKind::FilingApproved => "filing_approved",
            NoticeKind::FilingAwaitingCompletion => "filing_awaiting_completion",
            NoticeKind::FilingRejected => "filing_rejected",
            NoticeKind::FilingReported => "filing_reported",
            NoticeKind::FilingDueToday => "filing_due_today",
            NoticeKind::FilingOverdue => "filing_overdue",
            NoticeKind::PasswordRotation => "password_rotation",
            NoticeKind::TokenCreated => "token_created",
            NoticeKind::AccountPasswordReset => "account_password_reset",
            NoticeKind::AccountRoleChanged => "account_role_changed",
            NoticeKind::AccountSecondFactorReset => "account_second_factor_reset",
            NoticeKind::AccountDisabled => "account_disabled",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == code)
    }
}
