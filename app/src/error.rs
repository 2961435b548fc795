//! The one error type users meet. It crosses the server-function boundary as JSON, maps to an HTTP
//! status, and is shown translated; internal failures reach users only as a reference id.
use crate::domain::filing::{Field, Issue, Refusal};
use crate::i18n::{Locale, Msg};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
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

/// What is wrong with a calendar year an administrator entered, at a line of the text when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarProblem {
    /// A date of another year.
    OutsideYear {
        date: String,
    },
    HolidayAndMakeupDay {
        date: String,
    },
    /// A makeup working day (调休上班) that is not a Saturday or Sunday.
    MakeupDayOnWeekday {
        date: String,
    },
    ListedTwice {
        date: String,
    },
    BadName {
        date: String,
    },
    BadDate {
        text: String,
    },
    UnknownKind {
        text: String,
    },
    IncompleteLine,
    /// A JSON file that is not a calendar year.
    BadJson,
    /// A file that is neither UTF-8 text nor JSON.
    NotText,
    /// The file's year is not the year chosen in the form.
    YearMismatch {
        year: i32,
    },
    /// Neither dates pasted nor a file chosen.
    Empty,
    /// The form with its file is over the limit (1 MB; a year is a few kilobytes).
    TooLarge,
}

/// How long a client is asked to wait when the server is busy ([`AppError::Busy`]).
pub const BUSY_RETRY_AFTER_SECONDS: u64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    /// Signed in with a password that has expired or was set by someone else: only the
    /// change-password page (and sign-out) may be used until it is changed.
    #[error("password change required")]
    PasswordChangeRequired,
    /// Signed in while the deployment requires a second factor for this role (`TOTP_REQUIRED`)
    /// and none is enrolled: only the second-factor page (and sign-out) may be used until it is.
    #[error("second factor required")]
    SecondFactorRequired,
    #[error("not found")]
    NotFound,
    #[error("invalid {field}: {problem:?}")]
    Invalid { field: String, problem: Problem },
    #[error("conflict")]
    Conflict,
    /// A filing step this person may not take, or not now.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The filing's form has problems that block submission, field by field.
    #[error("incomplete filing: {0:?}")]
    Incomplete(Vec<(Field, Issue)>),
    /// Art. 9: the unit already has a live account, or a pending open request, on this platform.
    #[error("art. 9 duplicate: {existing}")]
    Art9Duplicate { existing: String },
    /// A calendar year that cannot be saved: the problem, at a 1-based line of the text when known.
    #[error("calendar: {problem:?} at line {line:?}")]
    Calendar {
        line: Option<usize>,
        problem: CalendarProblem,
    },
    /// Logged on the server with its cause chain under this reference.
    #[error("internal error, reference {reference}")]
    Internal { reference: String },
    /// The request did not reach the server function or its answer could not be read.
    #[error("request failed: {0}")]
    Transport(String),
    /// The server is at its limit for costly work (password hashing) or took too long over the
    /// request: 503 with `Retry-After` ([`BUSY_RETRY_AFTER_SECONDS`]); nothing was done.
    #[error("busy")]
    Busy,
    /// A register to import that cannot be read as a whole (row-level problems are in its report).
    #[error("import: {0:?}")]
    Import(crate::domain::import::FileProblem),
    /// Issue 15, item 11: the account has a request still open (a draft, under review, returned,
    /// or awaiting Art. 12 completion); no other request is filed on it until that one is decided
    /// or withdrawn. Names the filing (its id for the link, its number for people).
    #[error("pending filing {number} on the account")]
    PendingFiling { id: i32, number: String },
    /// A filing's attachments (signed 备案表 scans) show custodians' mobiles in full: only those who
    /// see the custodian in full may download them (issue 15; 个人信息保护法 Art. 51).
    #[error("attachment withheld")]
    AttachmentWithheld,
}

impl AppError {
    pub fn invalid(field: &str, problem: Problem) -> Self {
        AppError::Invalid {
            field: field.to_string(),
            problem,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden
            | AppError::AttachmentWithheld
            | AppError::PasswordChangeRequired
            | AppError::SecondFactorRequired => 403,
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 400,
            AppError::Conflict | AppError::Art9Duplicate { .. } => 409,
            AppError::PendingFiling { .. } => 409,
            AppError::Refused(
                Refusal::AccountDeregistered | Refusal::AlreadyReported | Refusal::NotReported,
            ) => 409,
            AppError::Refused(Refusal::WrongState | Refusal::CompletionNotApplicable) => 409,
            AppError::Refused(_) => 403,
            AppError::Incomplete(_) | AppError::Calendar { .. } => 400,
            AppError::Import(crate::domain::import::FileProblem::TooLarge { .. }) => 413,
            AppError::Import(_) => 400,
            AppError::Internal { .. } | AppError::Transport(_) => 500,
            AppError::Busy => 503,
        }
    }

    /// The seconds a client should wait before trying again (`Retry-After`), for errors that
    /// pass.
    pub fn retry_after(&self) -> Option<u64> {
        matches!(self, AppError::Busy).then_some(BUSY_RETRY_AFTER_SECONDS)
    }

    /// The translated message for this error.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            AppError::Unauthenticated => locale.t(Msg::ErrorUnauthenticated).into(),
            AppError::Forbidden => locale.t(Msg::ErrorForbidden).into(),
            AppError::AttachmentWithheld => locale.t(Msg::ErrorAttachmentWithheld).into(),
            AppError::PasswordChangeRequired => locale.t(Msg::ErrorPasswordChangeRequired).into(),
            AppError::SecondFactorRequired => locale.t(Msg::ErrorSecondFactorRequired).into(),
            AppError::NotFound => locale.t(Msg::ErrorNotFound).into(),
            AppError::Conflict => locale.t(Msg::ErrorConflict).into(),
            AppError::Refused(refusal) => locale.t(refusal_msg(*refusal)).into(),
            AppError::Incomplete(issues) => locale.tf(
                Msg::ErrorIncomplete,
                &[("count", &issues.len().to_string())],
            ),
            AppError::Art9Duplicate { existing } => {
                locale.tf(Msg::ErrorArt9Duplicate, &[("existing", existing)])
            }
            AppError::Invalid { problem, .. } => problem.message(locale),
            AppError::Calendar { line, problem } => {
                let text = problem.message(locale);
                match line {
                    Some(line) => locale.tf(
                        Msg::CalendarAtLine,
                        &[("line", &line.to_string()), ("error", &text)],
                    ),
                    None => text,
                }
            }
            AppError::Internal { reference } => {
                locale.tf(Msg::ErrorInternal, &[("reference", reference)])
            }
            AppError::Transport(_) => locale.t(Msg::ErrorTransport).into(),
            AppError::Busy => locale.t(Msg::ErrorBusy).into(),
            AppError::Import(problem) => crate::labels::import_file_problem(problem, locale),
            AppError::PendingFiling { number, .. } => {
                locale.tf(Msg::ErrorPendingFiling, &[("number", number)])
            }
        }
    }
}

pub fn refusal_msg(refusal: Refusal) -> Msg {
    match refusal {
        Refusal::WrongRole => Msg::RefusalWrongRole,
        Refusal::OtherUnit => Msg::RefusalOtherUnit,
        Refusal::OwnFiling => Msg::RefusalOwnFiling,
        Refusal::WrongState => Msg::RefusalWrongState,
        Refusal::CompletionNotApplicable => Msg::RefusalCompletion,
        Refusal::AccountDeregistered => Msg::RefusalAccountDeregistered,
        Refusal::AlreadyReported => Msg::RefusalAlreadyReported,
        Refusal::NotReported => Msg::RefusalNotReported,
    }
}

pub fn issue_msg(issue: Issue) -> Msg {
    match issue {
        Issue::Required => Msg::IssueRequired,
        Issue::TooLong => Msg::IssueTooLong,
        Issue::BadDate => Msg::IssueBadDate,
        Issue::FutureDate => Msg::IssueFutureDate,
        Issue::BadMobile => Msg::IssueBadMobile,
        Issue::SubjectNotUnitName => Msg::IssueSubjectNotUnitName,
        Issue::UnitMayNotHost => Msg::IssueUnitMayNotHost,
        Issue::PlatformNotApproved => Msg::IssuePlatformNotApproved,
        Issue::NothingChanged => Msg::IssueNothingChanged,
        Issue::OutsourcingPapersMissing => Msg::IssueOutsourcingPapersMissing,
    }
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

impl CalendarProblem {
    pub fn message(&self, locale: Locale) -> String {
        use CalendarProblem::*;
        match self {
            OutsideYear { date } => locale.tf(Msg::CalendarOutsideYear, &[("date", date)]),
            HolidayAndMakeupDay { date } => {
                locale.tf(Msg::CalendarHolidayAndMakeup, &[("date", date)])
            }
            MakeupDayOnWeekday { date } => {
                locale.tf(Msg::CalendarMakeupOnWeekday, &[("date", date)])
            }
            ListedTwice { date } => locale.tf(Msg::CalendarListedTwice, &[("date", date)]),
            BadName { date } => locale.tf(Msg::CalendarBadName, &[("date", date)]),
            BadDate { text } => locale.tf(Msg::CalendarBadDate, &[("text", text)]),
            UnknownKind { text } => locale.tf(Msg::CalendarUnknownKind, &[("text", text)]),
            IncompleteLine => locale.t(Msg::CalendarIncompleteLine).into(),
            BadJson => locale.t(Msg::CalendarBadJson).into(),
            NotText => locale.t(Msg::CalendarNotText).into(),
            YearMismatch { year } => {
                locale.tf(Msg::CalendarYearMismatch, &[("year", &year.to_string())])
            }
            Empty => locale.t(Msg::CalendarEmpty).into(),
            TooLarge => locale.t(Msg::CalendarTooLarge).into(),
        }
    }
}

impl From<crate::domain::calendar::CalendarError> for AppError {
    fn from(error: crate::domain::calendar::CalendarError) -> Self {
        use crate::domain::calendar::CalendarError as E;
        let (line, error) = match error {
            E::AtLine { line, error } => (Some(line), *error),
            other => (None, other),
        };
        let problem = match error {
            E::OutsideYear { date, .. } => CalendarProblem::OutsideYear {
                date: date.to_string(),
            },
            E::HolidayAndMakeupDay { date } => CalendarProblem::HolidayAndMakeupDay {
                date: date.to_string(),
            },
            E::MakeupDayOnWeekday { date, .. } => CalendarProblem::MakeupDayOnWeekday {
                date: date.to_string(),
            },
            E::ListedTwice { date } => CalendarProblem::ListedTwice {
                date: date.to_string(),
            },
            E::BadName { date } => CalendarProblem::BadName {
                date: date.to_string(),
            },
            E::BadDate { text } => CalendarProblem::BadDate { text },
            E::UnknownKind { text } => CalendarProblem::UnknownKind { text },
            E::IncompleteLine | E::AtLine { .. } => CalendarProblem::IncompleteLine,
        };
        AppError::Calendar { line, problem }
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

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs an internal failure once, with its whole cause chain, and returns the opaque error users
    /// see. Database messages never reach the page.
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        let error = error.into();
        let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        // The causes' messages (`{:#}`), not their Debug form, which may carry more of what the
        // database said than its message (PostgreSQL's DETAIL can repeat the failing row).
        tracing::error!(reference = %reference, error = %format_args!("{error:#}"), "internal error");
        AppError::Internal { reference }
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(error: sea_orm::DbErr) -> Self {
        AppError::internal(error)
    }
}
