//! The monthly monitoring report (Art. 34: 每月进行通报): what its page shows, and the server
//! function that builds it. The filings report and the report's workbook are files, served by the
//! server's plain routes (`server/src/report_routes.rs`), not by server functions.
use crate::domain::AccountStatus;
use crate::domain::report::ReviewFigures;
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::model::PlatformName;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Accounts counted per status (in [`AccountStatus::ALL`] order), for one platform or one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub counts: Vec<u64>,
    pub total: u64,
}

impl StatusCounts {
    pub fn new() -> Self {
        StatusCounts {
            counts: vec![0; AccountStatus::ALL.len()],
            total: 0,
        }
    }

    pub fn add(&mut self, status: AccountStatus) {
        if let Some(i) = AccountStatus::ALL.iter().position(|s| *s == status) {
            self.counts[i] += 1;
            self.total += 1;
        }
    }

    pub fn of(&self, status: AccountStatus) -> u64 {
        AccountStatus::ALL
            .iter()
            .position(|s| *s == status)
            .map_or(0, |i| self.counts[i])
    }
}

impl Default for StatusCounts {
    fn default() -> Self {
        StatusCounts::new()
    }
}

/// An account as the rectification list names it: never its custodian's mobile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedAccount {
    pub id: i32,
    pub unit: String,
    pub platform: PlatformName,
    pub name: String,
    pub status: AccountStatus,
}

/// Art. 9: more than one live account of one unit on one platform, each with its waiver if the
/// county office granted one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateGroup {
    pub unit: String,
    pub platform: PlatformName,
    pub accounts: Vec<(ListedAccount, Option<String>)>,
}

/// Art. 29: a live account whose custodian is not (fully) recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingCustodian {
    pub account: ListedAccount,
    pub name_missing: bool,
    pub mobile_missing: bool,
}

/// Art. 29: a live account whose password is due for rotation; the last rotation, if recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueRotation {
    pub account: ListedAccount,
    pub rotated_on: Option<String>,
}

/// The monthly report (Art. 34). The accounts and the rectification list are the registry as it
/// stands today; the review figures are the month's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyReport {
    /// `YYYY-MM`.
    pub month: String,
    /// China date the report was made, `YYYY-MM-DD`.
    pub today: String,
    pub accounts: StatusCounts,
    /// Platforms with accounts, in the catalogue's order.
    pub by_platform: Vec<(PlatformName, StatusCounts)>,
    /// Units that host accounts, in the units' order.
    pub by_unit: Vec<(String, StatusCounts)>,
    pub review: ReviewFigures,
    /// The share of the month's decisions taken on time (`66.7%`); none without decisions.
    pub on_time_rate: Option<String>,
    pub duplicates: Vec<DuplicateGroup>,
    pub without_custodian: Vec<MissingCustodian>,
    pub rotation_overdue: Vec<OverdueRotation>,
    /// The county's rotation interval, in days.
    pub rotation_days: u32,
}

/// The monthly report for `month` (`YYYY-MM`; none or empty: the current China month), for the
/// county level: reviewers, administrators and auditors.
#[server(endpoint = "monthly_report")]
pub async fn fetch_monthly_report(month: Option<String>) -> Result<MonthlyReport, AppError> {
    use crate::server::{context, reports};
    context::serve(|uc| async move { reports::monthly(&uc, month.as_deref()).await }).await
}

/// A figure of the review section: a count, or the on-time rate (none without decisions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Figure {
    Count(u64),
    Rate(Option<String>),
}

impl Figure {
    pub fn text(&self, locale: Locale) -> String {
        match self {
            Figure::Count(n) => n.to_string(),
            Figure::Rate(rate) => rate
                .clone()
                .unwrap_or_else(|| locale.t(Msg::ReportNoDecisions).to_string()),
        }
    }
}

/// One line of the review section, as the page and the workbook show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewLine {
    /// A stable name (the page's `data-testid`).
    pub id: &'static str,
    pub label: String,
    pub figure: Figure,
}

/// Art. 34 with Art. 11: the month's review figures, labelled.
pub fn review_lines(report: &MonthlyReport, locale: Locale) -> Vec<ReviewLine> {
    let r = &report.review;
    let as_of = r.as_of.to_string();
    let line = |id, label: String, figure| ReviewLine { id, label, figure };
    vec![
        line(
            "received",
            locale.t(Msg::ReportReceived).into(),
            Figure::Count(r.received.into()),
        ),
        line(
            "decided",
            locale.t(Msg::ReportDecided).into(),
            Figure::Count(r.decided.into()),
        ),
        line(
            "decided-on-time",
            locale.t(Msg::ReportDecidedOnTime).into(),
            Figure::Count(r.decided_on_time.into()),
        ),
        line(
            "decided-late",
            locale.t(Msg::ReportDecidedLate).into(),
            Figure::Count(r.decided_late.into()),
        ),
        line(
            "on-time-rate",
            locale.t(Msg::ReportOnTimeRate).into(),
            Figure::Rate(report.on_time_rate.clone()),
        ),
        line(
            "open-at-end",
            locale.tf(Msg::ReportOpenAtEnd, &[("date", &as_of)]),
            Figure::Count(r.open_at_end.into()),
        ),
        line(
            "overdue-at-end",
            locale.tf(Msg::ReportOverdueAtEnd, &[("date", &as_of)]),
            Figure::Count(r.overdue_at_end.into()),
        ),
    ]
}

/// What of a custodian is missing (Art. 29).
pub fn missing_custodian_msg(missing: &MissingCustodian) -> Msg {
    match (missing.name_missing, missing.mobile_missing) {
        (true, true) => Msg::ReportMissingBoth,
        (true, false) => Msg::ReportMissingName,
        _ => Msg::ReportMissingMobile,
    }
}
