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
    PasswordTooShort,
    FileTooLarge,
    FileType,
    BadDate,
    FutureDate,
    BadUrl,
    UnknownStep,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
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
    /// Logged on the server with its cause chain under this reference.
    #[error("internal error, reference {reference}")]
    Internal { reference: String },
    /// The request did not reach the server function or its answer could not be read.
    #[error("request failed: {0}")]
    Transport(String),
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
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 400,
            AppError::Conflict | AppError::Art9Duplicate { .. } => 409,
            AppError::Refused(Refusal::WrongState | Refusal::CompletionNotApplicable) => 409,
            AppError::Refused(_) => 403,
            AppError::Incomplete(_) => 400,
            AppError::Internal { .. } | AppError::Transport(_) => 500,
        }
    }

    /// The translated message for this error.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            AppError::Unauthenticated => locale.t(Msg::ErrorUnauthenticated).into(),
            AppError::Forbidden => locale.t(Msg::ErrorForbidden).into(),
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
            AppError::Invalid { problem, .. } => locale.t(problem.msg()).into(),
            AppError::Internal { reference } => {
                locale.tf(Msg::ErrorInternal, &[("reference", reference)])
            }
            AppError::Transport(_) => locale.t(Msg::ErrorTransport).into(),
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
            Problem::PasswordTooShort => Msg::ProblemPasswordTooShort,
            Problem::FileTooLarge => Msg::ProblemFileTooLarge,
            Problem::FileType => Msg::ProblemFileType,
            Problem::BadDate => Msg::IssueBadDate,
            Problem::FutureDate => Msg::IssueFutureDate,
            Problem::BadUrl => Msg::ProblemBadUrl,
            Problem::UnknownStep => Msg::ProblemUnknownStep,
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
        tracing::error!(reference = %reference, error = ?error, "internal error");
        AppError::Internal { reference }
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(error: sea_orm::DbErr) -> Self {
        AppError::internal(error)
    }
}
