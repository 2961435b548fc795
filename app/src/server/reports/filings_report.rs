//! The filings report for upward reporting (报备): every filing received in a period, read in
//! chunks in id order, as rows of the report's columns, and its workbook and file name.
use super::super::deadlines;
use super::super::entities::{account, filing, platform, unit};
use super::super::export::CHUNK;
use super::super::filings::facts;
use super::super::use_case::UseCase;
use super::china_time;
use crate::domain::deadline::DeadlineStatus;
use crate::domain::filing::FilingState;
use crate::domain::report::{Period, china_start_of_day};
use crate::domain::{Capability, Role};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::labels;
use crate::model::PlatformName;
use crate::server::db::Keyset;
use crate::server::export::{CellKind, XlsxSheet};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// The filings report's columns, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingColumn {
    Number,
    Kind,
    HostUnit,
    AccountName,
    Platform,
    ReceivedAt,
    DueOn,
    Decision,
    DecidedAt,
    OnTime,
    ReportedOn,
    ReportedTo,
    ReportReference,
}

pub const FILING_COLUMNS: [FilingColumn; 13] = [
    FilingColumn::Number,
    FilingColumn::Kind,
    FilingColumn::HostUnit,
    FilingColumn::AccountName,
    FilingColumn::Platform,
    FilingColumn::ReceivedAt,
    FilingColumn::DueOn,
    FilingColumn::Decision,
    FilingColumn::DecidedAt,
    FilingColumn::OnTime,
    FilingColumn::ReportedOn,
    FilingColumn::ReportedTo,
    FilingColumn::ReportReference,
];

impl FilingColumn {
    pub fn msg(self) -> Msg {
        match self {
            FilingColumn::Number => Msg::ReportColNumber,
            FilingColumn::Kind => Msg::ReportColKind,
            FilingColumn::HostUnit => Msg::ReportColUnit,
            FilingColumn::AccountName => Msg::ReportColAccount,
            FilingColumn::Platform => Msg::ReportColPlatform,
            FilingColumn::ReceivedAt => Msg::ReportColReceived,
            FilingColumn::DueOn => Msg::ReportColDue,
            FilingColumn::Decision => Msg::ReportColDecision,
            FilingColumn::DecidedAt => Msg::ReportColDecidedAt,
            FilingColumn::OnTime => Msg::ReportColOnTime,
            FilingColumn::ReportedOn => Msg::ReportColReportedOn,
            FilingColumn::ReportedTo => Msg::ReportColReportedTo,
            FilingColumn::ReportReference => Msg::ReportColReference,
        }
    }
}

impl FilingColumn {
    /// How the workbook writes the column's cells.
    pub fn cell_kind(self) -> CellKind {
        match self {
            FilingColumn::ReceivedAt | FilingColumn::DecidedAt => CellKind::DateTime,
            FilingColumn::DueOn | FilingColumn::ReportedOn => CellKind::Date,
            _ => CellKind::Text,
        }
    }
}

/// The headers of the filings report.
pub fn filings_headers(locale: Locale) -> Vec<String> {
    FILING_COLUMNS
        .iter()
        .map(|c| locale.t(c.msg()).to_string())
        .collect()
}

/// The filings received in a period, as the viewer may read them (a submitter: their own unit's),
/// read a chunk at a time in id order: one `Vec<String>` per filing, in [`FILING_COLUMNS`] order.
/// A filing returned and resubmitted counts by its latest receipt.
pub struct FilingsReport {
    db: DatabaseConnection,
    walk: Keyset<filing::Entity>,
    locale: Locale,
    now: DateTime<Utc>,
    units: HashMap<i32, String>,
    platforms: HashMap<i32, PlatformName>,
    count: u64,
}

impl FilingsReport {
    #[tracing::instrument(skip_all, fields(use_case = "reports.open"))]
    pub async fn open(uc: &UseCase, period: Period, locale: Locale) -> Result<Self, AppError> {
        let user = uc.require(Capability::ReadFilings)?;
        let (db, now) = (uc.db(), uc.now);
        let mut condition = Condition::all()
            .add(filing::Column::ReceivedAt.gte(china_start_of_day(period.from())))
            .add(filing::Column::ReceivedAt.lt(china_start_of_day(period.end_exclusive())));
        if user.role == Role::Submitter {
            // A submitter reports on their own unit alone.
            let unit_id = user.unit_id.ok_or(AppError::Forbidden)?;
            condition = condition.add(filing::Column::UnitId.eq(unit_id));
        }
        let units = unit::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let platforms = platform::Entity::find()
            .all(db)
            .await?
            .iter()
            .map(|p| (p.id, PlatformName::from(p)))
            .collect();
        Ok(FilingsReport {
            db: db.clone(),
            walk: Keyset::new(
                filing::Entity::find().filter(condition),
                filing::Column::Id,
                0,
                CHUNK,
            ),
            locale,
            now,
            units,
            platforms,
            count: 0,
        })
    }

    /// The next rows, or None at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<Vec<String>>>, AppError> {
        let Some(chunk) = self.walk.next(&self.db).await? else {
            return Ok(None);
        };
        // A closing request may leave the name blank: the account's name stands for it.
        let unnamed: Vec<i32> = chunk
            .iter()
            .filter(|f| f.account_name.trim().is_empty())
            .filter_map(|f| f.account_id)
            .collect();
        let names: HashMap<i32, String> = if unnamed.is_empty() {
            HashMap::new()
        } else {
            account::Entity::find()
                .filter(account::Column::Id.is_in(unnamed))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|a| (a.id, a.name))
                .collect()
        };
        let mut rows = Vec::with_capacity(chunk.len());
        for f in &chunk {
            rows.push(self.row(f, &names)?);
            self.count += 1;
        }
        Ok(Some(rows))
    }

    /// How many rows so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    fn row(
        &self,
        f: &filing::Model,
        names: &HashMap<i32, String>,
    ) -> Result<Vec<String>, AppError> {
        let locale = self.locale;
        let facts = facts(f);
        let kind = locale.t(labels::kind(f.kind)).to_string();
        let account_name = if f.account_name.trim().is_empty() {
            f.account_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_default()
        } else {
            f.account_name.clone()
        };
        let platform = f
            .platform_id
            .and_then(|id| self.platforms.get(&id))
            .map(|p| p.in_locale(locale).to_string())
            .unwrap_or_default();
        // A decision is shown once one stands: a filing resubmitted after a return awaits a new one.
        let decided_at = match facts.state {
            FilingState::Draft | FilingState::Submitted => None,
            _ => f.decided_at,
        };
        // Art. 11: whether the county office decided within its working days.
        let on_time = match deadlines::status_of(f, self.now) {
            Some(DeadlineStatus::DecidedOnTime) => locale.t(Msg::CommonYes),
            Some(DeadlineStatus::DecidedLate) => locale.t(Msg::CommonNo),
            _ => "",
        };
        Ok(vec![
            f.number.clone(),
            kind,
            self.units.get(&f.unit_id).cloned().unwrap_or_default(),
            account_name,
            platform,
            f.received_at.map(china_time).unwrap_or_default(),
            f.due_on
                .map(|d| labels::due(&d.to_string(), f.due_provisional, locale))
                .unwrap_or_default(),
            locale
                .t(labels::state(facts.state, facts.awaiting_completion()))
                .to_string(),
            decided_at.map(china_time).unwrap_or_default(),
            on_time.to_string(),
            f.reported_on.map(|d| d.to_string()).unwrap_or_default(),
            f.reported_to.clone().unwrap_or_default(),
            f.report_reference.clone().unwrap_or_default(),
        ])
    }
}

/// The filings report as an XLSX workbook in a temporary file, and the row count.
#[tracing::instrument(skip_all, fields(use_case = "report.filings_xlsx"))]
pub async fn filings_xlsx(
    uc: &UseCase,
    period: Period,
    locale: Locale,
) -> Result<(tempfile::NamedTempFile, u64), AppError> {
    let mut report = FilingsReport::open(uc, period, locale).await?;
    let columns: Vec<_> = FILING_COLUMNS
        .iter()
        .map(|c| (locale.t(c.msg()).to_string(), c.cell_kind()))
        .collect();
    let mut sheet = XlsxSheet::new(locale.t(Msg::ReportFilingsSheet), &columns)?;
    while let Some(rows) = report.next_chunk().await? {
        sheet.push(&rows)?;
    }
    Ok((sheet.finish()?, report.count()))
}

/// The file name of a filings report: in the report's language, and in ASCII for old clients.
pub fn filings_file_name(period: Period, locale: Locale, extension: &str) -> (String, String) {
    let (from, to) = (period.from(), period.to());
    let ascii = format!("filings-{from}-to-{to}.{extension}");
    let named = match locale {
        Locale::ZhCn => format!("报备统计-{from}至{to}.{extension}"),
        Locale::En => ascii.clone(),
    };
    (named, ascii)
}
