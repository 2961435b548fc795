//! What was wrong with a field of user input, and its translated message.
use crate::i18n::{Locale, Msg};
use serde::{Deserialize, Serialize};

/// What was wrong with a field of user input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    Required,
    TooLong,
    CreditCodeLength,
    CreditCodeCharacter,
    CreditCodeCheck,
    MobileMalformed,
    UnknownUnit,
    UnknownRole,
    SubmitterNeedsUnit,
    UsernameTaken,
    /// Separation of duties: nobody changes their own role or switches off their own account.
    OwnAccount,
    /// A second factor is not enrolled for that person.
    NoSecondFactor,
    /// A new password breaks a rule of the password policy (issue 8; GB/T 22239-2019 8.1.4.1 a).
    PasswordTooShort {
        min: u16,
    },
    PasswordTooLong {
        max: u16,
    },
    PasswordTooFewClasses {
        min: u8,
    },
    PasswordContainsUsername,
    PasswordCommon,
    /// One of the person's last `count` passwords.
    PasswordReused {
        count: u8,
    },
    /// The new password and its repetition differ.
    PasswordMismatch,
    /// The current password, asked for before a change, is wrong.
    PasswordWrong,
    /// A code of the TOTP second factor (or a recovery code, or the password asked for instead)
    /// that does not authenticate: wrong, of a time step already used, or too old.
    SecondFactorCodeWrong,
    FileTooLarge,
    FileType,
    BadDate,
    FutureDate,
    BadUrl,
    BadEmail,
    UnknownStep,
    OutOfRange,
    BeforeOpening,
    /// A report's period: a date missing or not `YYYY-MM-DD`, the start after the end, too long.
    PeriodMalformed,
    PeriodReversed,
    PeriodTooLong,
    /// A report's month: not `YYYY-MM`, or not begun yet.
    MonthMalformed,
    MonthInFuture,
    /// Issue 15 (tokens): an API token's validity is 1 to `max` days, and must be given.
    TokenExpiryRange {
        max: u16,
    },
    /// Issue 15 (tokens): a token's scope is `read` or `write`.
    TokenScopeUnknown,
    // issue 15: people
    /// The last active auditor or security administrator would be switched off or lose the role.
    LastAuditor,
    LastSecurityAdmin,
    /// A request on this account already waits for a second person.
    RequestPending,
    /// The person who asked cannot also confirm (a second person must).
    OwnRequest,
    /// A privileged person's temporary password goes to their own e-mail, and they have none.
    NoEmailForDelivery,
    /// An enrolment code that is wrong, used, expired or someone else's.
    EnrolmentCodeWrong,
    /// An enrolment code for someone who needs none (no second factor required, or enrolled).
    EnrolmentCodeNotNeeded,
    /// Issue 15, item 12: a date before the filing's decision (an upward report of it).
    BeforeDecision,
    /// A correction of an upward report that changes nothing.
    ReportUnchanged,
    /// An attachment upload with more than one file part (issue 15).
    OneFilePerUpload,
}

impl Problem {
    pub fn msg(self) -> Msg {
        match self {
            Problem::Required => Msg::ProblemRequired,
            Problem::TooLong => Msg::ProblemTooLong,
            Problem::CreditCodeLength => Msg::ProblemCreditCodeLength,
            Problem::CreditCodeCharacter => Msg::ProblemCreditCodeCharacter,
            Problem::CreditCodeCheck => Msg::ProblemCreditCodeCheck,
            Problem::MobileMalformed => Msg::ProblemMobileMalformed,
            Problem::UnknownUnit => Msg::ProblemUnknownUnit,
            Problem::UnknownRole => Msg::ProblemUnknownRole,
            Problem::SubmitterNeedsUnit => Msg::ProblemSubmitterNeedsUnit,
            Problem::UsernameTaken => Msg::ProblemUsernameTaken,
            Problem::OwnAccount => Msg::ProblemOwnAccount,
            Problem::NoSecondFactor => Msg::ProblemNoSecondFactor,
            Problem::PasswordTooShort { .. } => Msg::ProblemPasswordMinLength,
            Problem::PasswordTooLong { .. } => Msg::ProblemPasswordMaxLength,
            Problem::PasswordTooFewClasses { .. } => Msg::ProblemPasswordClasses,
            Problem::PasswordContainsUsername => Msg::ProblemPasswordUsername,
            Problem::PasswordCommon => Msg::ProblemPasswordCommon,
            Problem::PasswordReused { .. } => Msg::ProblemPasswordReused,
            Problem::PasswordMismatch => Msg::ProblemPasswordMismatch,
            Problem::PasswordWrong => Msg::ProblemPasswordWrong,
            Problem::SecondFactorCodeWrong => Msg::ProblemSecondFactorCodeWrong,
            Problem::FileTooLarge => Msg::ProblemFileTooLarge,
            Problem::FileType => Msg::ProblemFileType,
            Problem::BadDate => Msg::IssueBadDate,
            Problem::FutureDate => Msg::IssueFutureDate,
            Problem::BadUrl => Msg::ProblemBadUrl,
            Problem::BadEmail => Msg::ProblemBadEmail,
            Problem::UnknownStep => Msg::ProblemUnknownStep,
            Problem::OutOfRange => Msg::ProblemOutOfRange,
            Problem::BeforeOpening => Msg::ProblemBeforeOpening,
            Problem::PeriodMalformed => Msg::ReportProblemPeriodMalformed,
            Problem::PeriodReversed => Msg::ReportProblemPeriodReversed,
            Problem::PeriodTooLong => Msg::ReportProblemPeriodTooLong,
            Problem::MonthMalformed => Msg::ReportProblemMonthMalformed,
            Problem::MonthInFuture => Msg::ReportProblemMonthInFuture,
            Problem::TokenExpiryRange { .. } => Msg::TokensProblemExpiryRange,
            Problem::TokenScopeUnknown => Msg::TokensProblemScopeUnknown,
            Problem::LastAuditor => Msg::ProblemLastAuditor,
            Problem::LastSecurityAdmin => Msg::ProblemLastSecurityAdmin,
            Problem::RequestPending => Msg::ProblemRequestPending,
            Problem::OwnRequest => Msg::ProblemOwnRequest,
            Problem::NoEmailForDelivery => Msg::ProblemNoEmailForDelivery,
            Problem::EnrolmentCodeWrong => Msg::ProblemEnrolmentCodeWrong,
            Problem::EnrolmentCodeNotNeeded => Msg::ProblemEnrolmentCodeNotNeeded,
            Problem::BeforeDecision => Msg::ProblemBeforeDecision,
            Problem::ReportUnchanged => Msg::ProblemReportUnchanged,
            Problem::OneFilePerUpload => Msg::ProblemOneFilePerUpload,
        }
    }
}

impl Problem {
    /// The translated message, with the figures of the rules that carry them.
    pub fn message(self, locale: Locale) -> String {
        match self {
            Problem::PasswordTooShort { min } => {
                locale.tf(self.msg(), &[("min", &min.to_string())])
            }
            Problem::PasswordTooLong { max } => locale.tf(self.msg(), &[("max", &max.to_string())]),
            Problem::PasswordTooFewClasses { min } => {
                locale.tf(self.msg(), &[("min", &min.to_string())])
            }
            Problem::PasswordReused { count } => {
                locale.tf(self.msg(), &[("count", &count.to_string())])
            }
            Problem::TokenExpiryRange { max } => {
                locale.tf(self.msg(), &[("max", &max.to_string())])
            }
            _ => locale.t(self.msg()).into(),
        }
    }
}

impl From<crate::domain::password::PasswordFault> for Problem {
    fn from(fault: crate::domain::password::PasswordFault) -> Self {
        use crate::domain::password::PasswordFault as F;
        let small = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        match fault {
            F::TooShort { min } => Problem::PasswordTooShort { min: small(min) },
            F::TooLong { max } => Problem::PasswordTooLong { max: small(max) },
            F::TooFewClasses { min } => Problem::PasswordTooFewClasses { min },
            F::ContainsUsername => Problem::PasswordContainsUsername,
            F::Common => Problem::PasswordCommon,
        }
    }
}

impl From<crate::domain::CreditCodeError> for Problem {
    fn from(error: crate::domain::CreditCodeError) -> Self {
        use crate::domain::CreditCodeError::*;
        match error {
            WrongLength => Problem::CreditCodeLength,
            BadCharacter { .. } => Problem::CreditCodeCharacter,
            CheckMismatch { .. } => Problem::CreditCodeCheck,
        }
    }
}
