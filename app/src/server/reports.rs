//! Reports for the county office: the filings report for upward reporting (报备) — every filing
//! received in a period, read in chunks in id order so a period of any size runs in bounded memory —
//! and the monthly monitoring report (Art. 34: 每月进行通报) with its workbook.
use super::deadlines;
use super::entities::{account, filing, platform, review_period, unit};
use super::export::CHUNK;
use super::filings::facts;
use super::use_case::UseCase;
use crate::domain::calendar::china_date;
use crate::domain::deadline::{self, DeadlineStatus};
use crate::domain::filing::{FilingKind, FilingState};
use crate::domain::report::{
    self, Month, MonthError, Period, PeriodError, ReviewPeriod, china_start_of_day,
};
use crate::domain::{AccountStatus, Capability, Role};
use crate::error::{AppError, Problem};
use crate::i18n::{Locale, Msg};
use crate::labels;
use crate::model::PlatformName;
use crate::report_api::{
    DuplicateGroup, ListedAccount, MissingCustodian, MonthlyReport, OverdueRotation, StatusCounts,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::{BTreeMap, HashMap};

/// The period of a filings report, from the query's `from` and `to`.
pub fn read_period(from: Option<&str>, to: Option<&str>) -> Result<Period, AppError> {
    Period::parse(from, to).map_err(|error| {
        let problem = match error {
            PeriodError::Malformed => Problem::PeriodMalformed,
            PeriodError::Reversed => Problem::PeriodReversed,
            PeriodError::TooLong => Problem::PeriodTooLong,
        };
        AppError::invalid("period", problem)
    })
}

/// The month of a monthly report: `YYYY-MM`, none or blank for the current China month.
pub fn read_month(text: Option<&str>, now: DateTime<Utc>) -> Result<Month, AppError> {
    let today = china_date(now);
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(Month::of(today)),
        Some(text) => Month::parse_until(text, today).map_err(|error| {
            let problem = match error {
                MonthError::Malformed => Problem::MonthMalformed,
                MonthError::InFuture => Problem::MonthInFuture,
            };
            AppError::invalid("month", problem)
        }),
    }
}

/// A UTC instant as China time, `YYYY-MM-DD HH:MM`.
fn china_time(at: DateTime<Utc>) -> String {
    labels::china_time(&at.to_rfc3339())
}

// ---- The filings report (报备) ----------------------------------------------------------------

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
    condition: Condition,
    locale: Locale,
    now: DateTime<Utc>,
    units: HashMap<i32, String>,
    platforms: HashMap<i32, PlatformName>,
    after: i32,
    count: u64,
}

impl FilingsReport {
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
            condition,
            locale,
            now,
            units,
            platforms,
            after: 0,
            count: 0,
        })
    }

    /// The next rows, or None at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<Vec<String>>>, AppError> {
        let chunk = filing::Entity::find()
            .filter(self.condition.clone())
            .filter(filing::Column::Id.gt(self.after))
            .order_by_asc(filing::Column::Id)
            .limit(CHUNK)
            .all(&self.db)
            .await?;
        let Some(last) = chunk.last() else {
            return Ok(None);
        };
        self.after = last.id;
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
        let facts = facts(f)?;
        let kind = FilingKind::parse(&f.kind)
            .map(|k| locale.t(labels::kind(k)).to_string())
            .unwrap_or_else(|| f.kind.clone());
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

/// Records a download of a report in the audit trail before it is sent (issue 15; 等保 2.0 安全审计,
/// ASVS 5.0 V16.2.1): the filings report (`report.filings_exported`, with its period and format)
/// or the monthly report (`report.monthly_exported`, with its month). The reports name units,
/// accounts and decisions that go upward; who took them, and when, is on record.
#[tracing::instrument(skip_all, fields(use_case = "report.download"))]
pub async fn record_download(uc: &UseCase, download: ReportDownload<'_>) -> Result<(), AppError> {
    let now = uc.now;
    let actor = &super::audit::Actor::user(uc.user(), uc.meta());
    let (action, after) = match download {
        ReportDownload::Filings { period, format } => (
            crate::domain::AuditAction::ReportFilingsExported,
            serde_json::json!({
                "from": period.from().to_string(), "to": period.to().to_string(), "format": format,
            }),
        ),
        ReportDownload::Monthly { month } => (
            crate::domain::AuditAction::ReportMonthlyExported,
            serde_json::json!({ "month": month, "format": "xlsx" }),
        ),
    };
    let txn = uc.begin().await?;
    super::audit::record(
        &txn,
        actor,
        super::audit::Event {
            action,
            entity_type: "report",
            entity_id: None,
            before: None,
            after: Some(after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A report download, as [`record_download`] records it.
pub enum ReportDownload<'a> {
    Filings {
        period: Period,
        format: &'static str,
    },
    Monthly {
        month: &'a str,
    },
}

/// The filings report as an XLSX workbook in a temporary file, and the row count.
#[tracing::instrument(skip_all, fields(use_case = "report.filings_xlsx"))]
pub async fn filings_xlsx(
    uc: &UseCase,
    period: Period,
    locale: Locale,
) -> Result<(tempfile::NamedTempFile, u64), AppError> {
    let mut report = FilingsReport::open(uc, period, locale).await?;
    let mut sheet =
        super::export::XlsxSheet::new(locale.t(Msg::ReportFilingsSheet), &filings_headers(locale))?;
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

// ---- The monthly report (Art. 34) -------------------------------------------------------------

/// The monthly report for `month` (`YYYY-MM`; none: this month), for the county level.
/// Reports are the county level's: reviewers, administrators and auditors (Art. 34).
#[tracing::instrument(skip_all, fields(use_case = "report.monthly"))]
pub async fn monthly(uc: &UseCase, month: Option<&str>) -> Result<MonthlyReport, AppError> {
    uc.require(Capability::ReadReports)?;
    let (db, now) = (uc.db(), uc.now);
    let month = read_month(month, now)?;
    let today = china_date(now);
    let rotation_days = deadlines::settings(db).await?.password_rotation_days;
    let units: Vec<unit::Model> = unit::Entity::find()
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?;
    let platforms: Vec<platform::Model> = platform::Entity::find()
        .order_by_asc(platform::Column::SortOrder)
        .order_by_asc(platform::Column::Id)
        .all(db)
        .await?;
    // A county has dozens to a few hundred accounts: the report reads them at once.
    let accounts = account::Entity::find()
        .order_by_asc(account::Column::Id)
        .all(db)
        .await?;
    let unit_name: HashMap<i32, &str> = units.iter().map(|u| (u.id, u.name.as_str())).collect();
    let platform_names: HashMap<i32, PlatformName> = platforms
        .iter()
        .map(|p| (p.id, PlatformName::from(p)))
        .collect();
    let unit_rank: HashMap<i32, usize> = units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    let platform_rank: HashMap<i32, usize> = platforms
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();

    let listed = |a: &account::Model, status: AccountStatus| ListedAccount {
        id: a.id,
        unit: unit_name
            .get(&a.host_unit_id)
            .copied()
            .unwrap_or_default()
            .to_string(),
        platform: platform_names
            .get(&a.platform_id)
            .cloned()
            .unwrap_or_else(|| PlatformName {
                code: String::new(),
                zh: String::new(),
                en: String::new(),
            }),
        name: a.name.clone(),
        status,
    };

    let mut total = StatusCounts::new();
    let mut by_platform: BTreeMap<(usize, i32), StatusCounts> = BTreeMap::new();
    let mut by_unit: BTreeMap<(usize, i32), StatusCounts> = BTreeMap::new();
    let mut live_by_pair: BTreeMap<(usize, i32, usize, i32), Vec<&account::Model>> =
        BTreeMap::new();
    let mut without_custodian = Vec::new();
    let mut rotation_overdue = Vec::new();
    for a in &accounts {
        let Some(status) = AccountStatus::parse(&a.status) else {
            continue;
        };
        let unit_key = unit_rank
            .get(&a.host_unit_id)
            .copied()
            .unwrap_or(usize::MAX);
        let platform_key = platform_rank
            .get(&a.platform_id)
            .copied()
            .unwrap_or(usize::MAX);
        total.add(status);
        by_platform
            .entry((platform_key, a.platform_id))
            .or_default()
            .add(status);
        by_unit
            .entry((unit_key, a.host_unit_id))
            .or_default()
            .add(status);
        if !status.is_live() {
            continue;
        }
        // Art. 9: one live account per unit per platform; imported duplicates carry a waiver.
        live_by_pair
            .entry((unit_key, a.host_unit_id, platform_key, a.platform_id))
            .or_default()
            .push(a);
        // Art. 29: every live account has a designated custodian of its password.
        let name_missing = a.custodian_name.trim().is_empty();
        let mobile_missing = a.custodian_mobile.trim().is_empty();
        let key = (unit_key, platform_key, a.id);
        if name_missing || mobile_missing {
            let missing = MissingCustodian {
                account: listed(a, status),
                name_missing,
                mobile_missing,
            };
            without_custodian.push((key, missing));
        }
        // Art. 29: the password is changed periodically.
        if deadline::rotation_overdue(a.password_rotated_on, today, rotation_days) {
            let overdue = OverdueRotation {
                account: listed(a, status),
                rotated_on: a.password_rotated_on.map(|d| d.to_string()),
            };
            rotation_overdue.push((key, overdue));
        }
    }
    // Listed by unit, then platform, as the registry is.
    without_custodian.sort_by_key(|(key, _)| *key);
    rotation_overdue.sort_by_key(|(key, _)| *key);
    let duplicates = live_by_pair
        .into_values()
        .filter(|group| group.len() > 1)
        .filter_map(|group| {
            let first = group.first()?;
            Some(DuplicateGroup {
                unit: unit_name
                    .get(&first.host_unit_id)
                    .copied()
                    .unwrap_or_default()
                    .to_string(),
                platform: platform_names.get(&first.platform_id).cloned()?,
                accounts: group
                    .iter()
                    .filter_map(|a| {
                        let status = AccountStatus::parse(&a.status)?;
                        Some((listed(a, status), a.art9_waiver.clone()))
                    })
                    .collect(),
            })
        })
        .collect();

    let review = review_figures(db, month, today).await?;
    Ok(MonthlyReport {
        month: month.to_string(),
        today: today.to_string(),
        accounts: total,
        by_platform: by_platform
            .into_iter()
            .filter_map(|((_, id), counts)| Some((platform_names.get(&id).cloned()?, counts)))
            .collect(),
        by_unit: by_unit
            .into_iter()
            .map(|((_, id), counts)| {
                let name = unit_name.get(&id).copied().unwrap_or_default().to_string();
                (name, counts)
            })
            .collect(),
        on_time_rate: review.month_figures().on_time_percent(),
        review,
        duplicates,
        without_custodian: without_custodian.into_iter().map(|(_, m)| m).collect(),
        rotation_overdue: rotation_overdue.into_iter().map(|(_, r)| r).collect(),
        rotation_days,
    })
}

/// Art. 34 with Art. 11: the review periods that concern `month` — received in it, decided in it, or
/// open at its end — counted on the deadline clock's verdicts.
async fn review_figures(
    db: &DatabaseConnection,
    month: Month,
    today: chrono::NaiveDate,
) -> Result<report::ReviewFigures, AppError> {
    let as_of = month.as_of(today);
    let start = china_start_of_day(month.first_day());
    let end = china_start_of_day(as_of.succ_opt().unwrap_or(as_of));
    let periods = review_period::Entity::find()
        .filter(review_period::Column::ReceivedAt.lt(end))
        .filter(
            Condition::any()
                .add(review_period::Column::ClosedAt.is_null())
                .add(review_period::Column::ClosedAt.gte(start)),
        )
        .all(db)
        .await?;
    Ok(report::review_figures(
        month,
        periods.into_iter().map(|p| ReviewPeriod {
            received_on: china_date(p.received_at),
            due_on: p.due_on,
            decided_on: p.closed_at.map(china_date),
        }),
        today,
    ))
}

// ---- The monthly report's workbook --------------------------------------------------------------

/// A cell of the monthly workbook: counts are numbers, so they add up in Excel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Number(u64),
}

/// One sheet of the monthly workbook: a section of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

/// The status columns and the total, for counts by platform or unit.
fn count_cells(counts: &StatusCounts) -> Vec<Cell> {
    AccountStatus::ALL
        .iter()
        .map(|s| Cell::Number(counts.of(*s)))
        .chain(std::iter::once(Cell::Number(counts.total)))
        .collect()
}

fn count_headers(first: Msg, locale: Locale) -> Vec<String> {
    std::iter::once(locale.t(first))
        .chain(
            AccountStatus::ALL
                .iter()
                .map(|s| locale.t(labels::status(*s))),
        )
        .chain(std::iter::once(locale.t(Msg::ReportTotal)))
        .map(str::to_string)
        .collect()
}

fn account_cells(a: &ListedAccount, locale: Locale) -> Vec<Cell> {
    vec![
        text(a.unit.clone()),
        text(a.platform.in_locale(locale)),
        text(a.name.clone()),
        text(locale.t(labels::status(a.status))),
    ]
}

fn account_headers(last: Msg, locale: Locale) -> Vec<String> {
    [
        Msg::ReportColUnit,
        Msg::ReportColPlatform,
        Msg::ReportColAccount,
        Msg::ReportColStatus,
        last,
    ]
    .iter()
    .map(|m| locale.t(*m).to_string())
    .collect()
}

/// The monthly report's sections, one sheet each, in the page's order.
pub fn monthly_sheets(report: &MonthlyReport, locale: Locale) -> Vec<Sheet> {
    let t = |m: Msg| locale.t(m).to_string();
    let summary = Sheet {
        name: t(Msg::ReportSheetSummary),
        headers: vec![t(Msg::ReportColItem), t(Msg::ReportColValue)],
        rows: vec![
            vec![text(t(Msg::ReportMonth)), text(report.month.clone())],
            vec![text(t(Msg::ReportMadeOn)), text(report.today.clone())],
            vec![
                text(t(Msg::ReportAccountsTotal)),
                Cell::Number(report.accounts.total),
            ],
            vec![
                text(t(Msg::ReportRotationDays)),
                Cell::Number(report.rotation_days.into()),
            ],
        ],
    };
    let total_row = |counts: &StatusCounts| {
        let mut row = vec![text(t(Msg::ReportTotal))];
        row.extend(count_cells(counts));
        row
    };
    let mut platform_rows: Vec<Vec<Cell>> = report
        .by_platform
        .iter()
        .map(|(p, counts)| {
            let mut row = vec![text(p.in_locale(locale))];
            row.extend(count_cells(counts));
            row
        })
        .collect();
    platform_rows.push(total_row(&report.accounts));
    let mut status_rows: Vec<Vec<Cell>> = AccountStatus::ALL
        .iter()
        .map(|s| {
            vec![
                text(t(labels::status(*s))),
                Cell::Number(report.accounts.of(*s)),
            ]
        })
        .collect();
    status_rows.push(vec![
        text(t(Msg::ReportTotal)),
        Cell::Number(report.accounts.total),
    ]);
    let mut unit_rows: Vec<Vec<Cell>> = report
        .by_unit
        .iter()
        .map(|(unit, counts)| {
            let mut row = vec![text(unit.clone())];
            row.extend(count_cells(counts));
            row
        })
        .collect();
    unit_rows.push(total_row(&report.accounts));
    let review_rows = crate::report_api::review_lines(report, locale)
        .into_iter()
        .map(|line| {
            let value = match &line.figure {
                crate::report_api::Figure::Count(n) => Cell::Number(*n),
                rate => text(rate.text(locale)),
            };
            vec![text(line.label), value]
        })
        .collect();
    let duplicate_rows = report
        .duplicates
        .iter()
        .flat_map(|group| group.accounts.iter())
        .map(|(a, waiver)| {
            let mut row = account_cells(a, locale);
            row.push(text(waiver.clone().unwrap_or_default()));
            row
        })
        .collect();
    let custodian_rows = report
        .without_custodian
        .iter()
        .map(|m| {
            let mut row = account_cells(&m.account, locale);
            row.push(text(t(crate::report_api::missing_custodian_msg(m))));
            row
        })
        .collect();
    let rotation_rows = report
        .rotation_overdue
        .iter()
        .map(|r| {
            let mut row = account_cells(&r.account, locale);
            let rotated = r
                .rotated_on
                .clone()
                .unwrap_or_else(|| t(Msg::ReportNotRecorded));
            row.push(text(rotated));
            row
        })
        .collect();
    vec![
        summary,
        Sheet {
            name: t(Msg::ReportSheetByPlatform),
            headers: count_headers(Msg::ReportColPlatform, locale),
            rows: platform_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetByStatus),
            headers: vec![t(Msg::ReportColStatus), t(Msg::ReportColAccounts)],
            rows: status_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetByUnit),
            headers: count_headers(Msg::ReportColUnit, locale),
            rows: unit_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetReview),
            headers: vec![t(Msg::ReportColItem), t(Msg::ReportColValue)],
            rows: review_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetDuplicates),
            headers: account_headers(Msg::ReportColWaiver, locale),
            rows: duplicate_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetCustodians),
            headers: account_headers(Msg::ReportColMissing, locale),
            rows: custodian_rows,
        },
        Sheet {
            name: t(Msg::ReportSheetRotation),
            headers: account_headers(Msg::ReportColRotatedOn, locale),
            rows: rotation_rows,
        },
    ]
}

/// Writes sheets into one workbook, each with bold headers and a frozen header row, saved to a
/// temporary file (removed when the handle is dropped). For small workbooks: the rows are kept in
/// memory until saved ([`super::export::XlsxSheet`] streams one large sheet).
pub fn write_workbook(sheets: &[Sheet]) -> Result<tempfile::NamedTempFile, AppError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet
            .set_name(&sheet.name)
            .map_err(AppError::internal)?;
        for (col, header) in sheet.headers.iter().enumerate() {
            let col = u16::try_from(col).map_err(AppError::internal)?;
            worksheet
                .write_string_with_format(0, col, header, &bold)
                .map_err(AppError::internal)?;
            let width = if col == 0 { 36 } else { 16 };
            worksheet
                .set_column_width(col, width)
                .map_err(AppError::internal)?;
        }
        worksheet
            .set_freeze_panes(1, 0)
            .map_err(AppError::internal)?;
        for (row, cells) in sheet.rows.iter().enumerate() {
            let row = u32::try_from(row + 1).map_err(AppError::internal)?;
            for (col, cell) in cells.iter().enumerate() {
                let col = u16::try_from(col).map_err(AppError::internal)?;
                match cell {
                    Cell::Text(value) if value.is_empty() => {}
                    Cell::Text(value) => {
                        worksheet
                            .write_string(row, col, value)
                            .map_err(AppError::internal)?;
                    }
                    Cell::Number(n) => {
                        worksheet
                            .write_number(row, col, *n as f64)
                            .map_err(AppError::internal)?;
                    }
                }
            }
        }
    }
    let file = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
    workbook.save(file.path()).map_err(AppError::internal)?;
    Ok(file)
}

/// The monthly report's workbook in a temporary file.
pub fn monthly_xlsx(
    report: &MonthlyReport,
    locale: Locale,
) -> Result<tempfile::NamedTempFile, AppError> {
    write_workbook(&monthly_sheets(report, locale))
}

/// The file name of a monthly workbook: in the report's language, and in ASCII for old clients.
pub fn monthly_file_name(report: &MonthlyReport, locale: Locale) -> (String, String) {
    let ascii = format!("monthly-report-{}.xlsx", report.month);
    let named = match locale {
        Locale::ZhCn => format!("政务新媒体月度报告-{}.xlsx", report.month),
        Locale::En => ascii.clone(),
    };
    (named, ascii)
}
