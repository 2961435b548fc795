//! What was wrong with a calendar year's text, and its translated message.
use super::AppError;
use crate::i18n::{Locale, Msg};
use serde::{Deserialize, Serialize};

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
