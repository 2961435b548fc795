//! The one error type users meet. It crosses the server-function boundary as JSON, maps to an HTTP
//! status, and is shown translated; internal failures reach users only as a reference id.
use crate::domain::filing::{Field, Issue, Refusal};
use crate::i18n::{Locale, Msg};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

mod calendar;
mod problem;
mod shape;

pub use calendar::CalendarProblem;
pub use problem::Problem;
pub use shape::{Shaped, problem as shape_problem};

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
