//! Filings, their deadlines, reminders and the calendar, as pages show them.
use super::*;
use crate::domain::Role;
use serde::{Deserialize, Serialize};

/// One page of filings (issue 15, item 10), with the total the pager counts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingPage {
    pub rows: Vec<FilingRow>,
    pub page: u64,
    pub per_page: u64,
    /// The filings matching the query, on its tab.
    pub total: u64,
    /// How many filings matching the filters stand under each tab (issue 17, item 2), in
    /// [`QueueTab::ALL`](crate::domain::queue::QueueTab::ALL) order; their sum is the "all" tab.
    pub tabs: Vec<(crate::domain::queue::QueueTab, u64)>,
    /// The units the viewer may filter by (none for a unit's own submitter), in pinyin order.
    pub units: Vec<UnitOption>,
    pub platforms: Vec<PlatformName>,
}

/// A filing in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingRow {
    pub id: i32,
    pub number: String,
    pub kind: crate::domain::filing::FilingKind,
    pub state: crate::domain::filing::FilingState,
    pub awaiting_completion: bool,
    pub unit_name: String,
    pub account_name: String,
    pub platform: Option<PlatformName>,
    /// RFC 3339, in UTC; shown in China time.
    pub received_at: Option<String>,
    /// Art. 11 due date (YYYY-MM-DD) and whether it rests on a year without calendar data.
    pub due_on: Option<(String, bool)>,
    /// Where its current review period stands; none before it is first submitted.
    pub deadline: Option<crate::domain::deadline::DeadlineStatus>,
}

/// The deadline dashboard: today's open periods by status, this month's decisions, and the on-time
/// rate per month (Art. 11, Art. 34).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineDashboard {
    /// China date, YYYY-MM-DD.
    pub today: String,
    /// Every status with its count: open periods now, and periods decided this month.
    pub counts: Vec<(crate::domain::deadline::DeadlineStatus, u32)>,
    /// The last twelve months with decisions, newest first.
    pub months: Vec<crate::domain::deadline::MonthFigures>,
    /// The open filings due today or overdue, by due date.
    pub urgent: Vec<FilingRow>,
}

/// A year of the official calendar, as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarYearView {
    pub year: i32,
    pub source: String,
    pub holidays: u32,
    pub makeup_days: u32,
    /// RFC 3339; none for the seeded years never edited.
    pub updated_at: Option<String>,
    /// The year in the administrators' text format, to copy and correct.
    pub text: String,
}

/// The administrators' page: the calendar's years and the deadline settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarAdmin {
    pub years: Vec<CalendarYearView>,
    pub settings: crate::domain::deadline::Settings,
}

/// A queued reminder, as its readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderView {
    pub id: i32,
    /// `filing_due_today`, `filing_overdue` or `password_rotation`.
    pub kind: String,
    /// China date, YYYY-MM-DD.
    pub on_day: String,
    pub unit_name: String,
    /// The filing (id, number) and its due date, for filing reminders.
    pub filing: Option<(i32, String)>,
    pub due_on: Option<String>,
    /// The accounts whose password is due for rotation (id, name, last rotation).
    pub accounts: Vec<(i32, String, Option<String>)>,
}

/// An attachment as listed on its filing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: i32,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// One audit event in a history, with the fields it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: String,
    pub actor: Option<String>,
    pub role: Option<Role>,
    pub action: String,
    /// (field, old, new) as text.
    pub changes: Vec<(String, String, String)>,
    /// The API token the step was taken with, if any.
    #[serde(default)]
    pub via_token: Option<i32>,
    /// The filing an account's step came from (its changes name it by number), for its link.
    #[serde(default)]
    pub filing_id: Option<i32>,
}

/// A filing with everything its page shows, and the steps the viewer may take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingDetail {
    pub id: i32,
    pub number: String,
    pub kind: crate::domain::filing::FilingKind,
    pub state: crate::domain::filing::FilingState,
    pub awaiting_completion: bool,
    pub unit_name: String,
    pub unit_credit_code: Option<String>,
    pub account: Option<(i32, String)>,
    pub platform: Option<PlatformName>,
    pub form: crate::domain::filing::FilingForm,
    /// Problems that block submission (drafts and returned filings).
    pub issues: Vec<(crate::domain::filing::Field, crate::domain::filing::Issue)>,
    pub warnings: Vec<crate::domain::filing::Warning>,
    pub changes: Vec<(crate::domain::filing::Field, String, String)>,
    pub art9_waiver: Option<String>,
    pub received_at: Option<String>,
    pub due_on: Option<(String, bool)>,
    pub decision_note: Option<String>,
    pub decided_at: Option<String>,
    pub report: Option<(String, String, String)>,
    pub completion: Option<(String, String)>,
    pub attachments: Vec<AttachmentView>,
    pub actions: Vec<crate::domain::filing::FilingAction>,
    pub history: Vec<HistoryEntry>,
    /// The platforms an open request may choose from.
    pub platforms: Vec<PlatformName>,
    /// Art. 11: every review period, oldest first (a return stops one; a resubmission opens the next).
    pub periods: Vec<PeriodView>,
}

impl FilingDetail {
    /// The platform's name in the page's language; empty where the filing names none yet.
    pub fn platform_name(&self, locale: crate::i18n::Locale) -> String {
        self.platform
            .as_ref()
            .map(|p| p.in_locale(locale).to_string())
            .unwrap_or_default()
    }
}

/// One review period of a filing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodView {
    /// RFC 3339, in UTC; shown in China time.
    pub received_at: String,
    pub working_days: u32,
    /// YYYY-MM-DD.
    pub due_on: String,
    pub provisional: bool,
    /// RFC 3339: when the decision closed it.
    pub closed_at: Option<String>,
    /// The decision that closed it: returned, approved or rejected.
    pub outcome: Option<crate::domain::filing::FilingState>,
    pub status: crate::domain::deadline::DeadlineStatus,
}

/// 待办 (issue 17, item 1): what waits for the signed-in person, what was decided lately, and the
/// notices they were sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodoView {
    /// China date, YYYY-MM-DD.
    pub today: String,
    /// Whose to-do this is: a reviewer's 已办 are their own decisions, a unit's its filings'.
    pub role: crate::domain::Role,
    /// Each of the role's items with how many filings it holds (empty for a role with no filing
    /// work).
    pub counts: Vec<(crate::domain::todo::TodoItem, u64)>,
    /// The waiting filings with the step each waits for, soonest due first.
    pub waiting: Vec<(crate::domain::todo::TodoItem, FilingRow)>,
    /// 已办: decided lately, newest first.
    pub done: Vec<FilingRow>,
    pub notices: Vec<NoticeRow>,
}

/// A notice the outbox queued for the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRow {
    /// RFC 3339, in UTC; shown in China time.
    pub at: String,
    /// As the e-mail's subject says it.
    pub subject: String,
    pub filing_id: Option<i32>,
}
