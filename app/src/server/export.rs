//! Exports for upward reporting: the registry in the upstream template's columns, as CSV (UTF-8
//! with a BOM, so Excel on zh-CN Windows reads it) or XLSX. Accounts are read in id order in
//! chunks and each chunk is written out before the next is read, so an export of any size runs in
//! bounded memory (the XLSX workbook keeps its rows in a temporary file, `constant_memory`).
use super::audit::{self, Actor, Event};
use super::entities::{account, platform, unit};
use super::registry;
use super::use_case::{Operator, Person, UseCase};
use crate::domain::{AccountStatus, CustodianAccess, RegistryQuery, Role, UnitKind, Viewer};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use std::collections::HashMap;

/// The registry's columns, in the order of the upstream template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Seq,
    HostUnit,
    CreditCode,
    UnitKind,
    Platform,
    AccountName,
    AccountId,
    VerificationSubject,
    OperatingUnit,
    Outsourced,
    Purpose,
    OpenedOn,
    Status,
    InNationalSystem,
    CustodianName,
    CustodianMobile,
    PasswordRotatedOn,
}

pub const REGISTRY_COLUMNS: [Column; 17] = [
    Column::Seq,
    Column::HostUnit,
    Column::CreditCode,
    Column::UnitKind,
    Column::Platform,
    Column::AccountName,
    Column::AccountId,
    Column::VerificationSubject,
    Column::OperatingUnit,
    Column::Outsourced,
    Column::Purpose,
    Column::OpenedOn,
    Column::Status,
    Column::InNationalSystem,
    Column::CustodianName,
    Column::CustodianMobile,
    Column::PasswordRotatedOn,
];

impl Column {
    /// The header as the upstream template spells it (zh-CN), or in English.
    pub fn header(self, locale: Locale) -> &'static str {
        let (zh, en) = match self {
            Column::Seq => ("序号", "No."),
            Column::HostUnit => ("主办单位", "Host unit"),
            Column::CreditCode => ("统一社会信用代码", "Unified social credit code"),
            Column::UnitKind => ("单位类型", "Unit type"),
            Column::Platform => ("平台", "Platform"),
            Column::AccountName => ("账号名称", "Account name"),
            Column::AccountId => ("账号ID/链接", "Account ID / link"),
            Column::VerificationSubject => ("认证主体", "Verified entity"),
            Column::OperatingUnit => ("运维单位", "Operating unit"),
            Column::Outsourced => ("是否委托第三方", "Outsourced to a third party"),
            Column::Purpose => ("功能定位", "Purpose"),
            Column::OpenedOn => ("开设日期", "Opened on"),
            Column::Status => ("状态", "Status"),
            Column::InNationalSystem => (
                "是否纳入全国政务新媒体信息报送系统",
                "In the national reporting system",
            ),
            Column::CustodianName => ("密码保管人", "Password custodian"),
            Column::CustodianMobile => ("保管人手机", "Custodian's mobile"),
            Column::PasswordRotatedOn => ("最近改密日期", "Password last changed"),
        };
        match locale {
            Locale::ZhCn => zh,
            Locale::En => en,
        }
    }
}

/// The headers of the registry export.
pub fn registry_headers(locale: Locale) -> Vec<String> {
    REGISTRY_COLUMNS
        .iter()
        .map(|c| c.header(locale).to_string())
        .collect()
}

/// Who takes an export: the actor the audit trail names, and the reader whose rights the file
/// follows (custodians masked or withheld as [`Viewer::custodian_access`] says).
pub trait Exporter {
    fn audit_actor(&self) -> Actor;
    fn viewer(&self) -> Viewer;
}

impl Exporter for UseCase<Person> {
    fn audit_actor(&self) -> Actor {
        Actor::user(self.user(), self.meta())
    }

    fn viewer(&self) -> Viewer {
        self.user().viewer()
    }
}

/// The operator at the command line (`server export`) exports as the county office reads the
/// registry: every custodian in full (their file is written for the operator's eyes only).
impl Exporter for UseCase<Operator> {
    fn audit_actor(&self) -> Actor {
        Actor::operator(self.actor.what)
    }

    fn viewer(&self) -> Viewer {
        Viewer {
            role: Role::Reviewer,
            unit_id: None,
        }
    }
}

/// How many accounts are read at a time.
pub const CHUNK: u64 = 2000;

fn yes_no(value: bool, locale: Locale) -> String {
    locale
        .t(if value { Msg::CommonYes } else { Msg::CommonNo })
        .to_string()
}

/// The registry as the viewer may export it, read a chunk at a time in id order: one
/// `Vec<String>` per account, in `REGISTRY_COLUMNS` order, filtered like the registry page.
/// Custodians' mobiles are masked for those who may not see them in full; another unit's
/// custodian is not named at all.
pub struct RegistryExport {
    db: DatabaseConnection,
    viewer: Viewer,
    locale: Locale,
    condition: Condition,
    units: HashMap<i32, unit::Model>,
    platforms: HashMap<i32, platform::Model>,
    after: i32,
    seq: u64,
}

impl RegistryExport {
    pub async fn open<A>(
        uc: &UseCase<A>,
        query: &RegistryQuery,
        locale: Locale,
    ) -> Result<Self, AppError>
    where
        UseCase<A>: Exporter,
    {
        let db = uc.db();
        let units = unit::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let platforms = platform::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        Ok(RegistryExport {
            db: db.clone(),
            viewer: uc.viewer(),
            locale,
            condition: registry::export_condition(db, query, uc.now).await?,
            units,
            platforms,
            after: 0,
            seq: 0,
        })
    }

    /// The next rows, or None at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<Vec<String>>>, AppError> {
        let chunk = account::Entity::find()
            .filter(self.condition.clone())
            .filter(account::Column::Id.gt(self.after))
            .order_by_asc(account::Column::Id)
            .limit(CHUNK)
            .all(&self.db)
            .await?;
        let Some(last) = chunk.last() else {
            return Ok(None);
        };
        self.after = last.id;
        let rows = chunk
            .into_iter()
            .map(|a| {
                self.seq += 1;
                row(
                    self.seq,
                    &a,
                    &self.units,
                    &self.platforms,
                    &self.viewer,
                    self.locale,
                )
            })
            .collect();
        Ok(Some(rows))
    }

    /// How many rows so far.
    pub fn count(&self) -> u64 {
        self.seq
    }
}

fn row(
    seq: u64,
    a: &account::Model,
    units: &HashMap<i32, unit::Model>,
    platforms: &HashMap<i32, platform::Model>,
    viewer: &Viewer,
    locale: Locale,
) -> Vec<String> {
    let host = units.get(&a.host_unit_id);
    let platform = platforms.get(&a.platform_id).map(|p| match locale {
        Locale::ZhCn => p.name_zh.clone(),
        Locale::En => p.name_en.clone(),
    });
    let unit_kind = host
        .and_then(|u| UnitKind::parse(&u.kind))
        .map(|k| locale.t(crate::labels::unit_kind(k)).to_string());
    let status = AccountStatus::parse(&a.status)
        .map(|s| locale.t(crate::labels::status(s)).to_string())
        .unwrap_or_else(|| a.status.clone());
    let masked = || registry::masked_mobile(&a.custodian_mobile);
    let (custodian, mobile) = match viewer.custodian_access(a.host_unit_id) {
        CustodianAccess::Full => (a.custodian_name.clone(), a.custodian_mobile.clone()),
        CustodianAccess::Masked => (a.custodian_name.clone(), masked()),
        // Another unit's custodian is not that unit's to give out, not even masked (README, "Personal
        // data"; 个人信息保护法 Art. 6: no more than the purpose needs).
        CustodianAccess::Withheld => (String::new(), String::new()),
    };
    vec![
        seq.to_string(),
        host.map(|u| u.name.clone()).unwrap_or_default(),
        host.and_then(|u| u.credit_code.clone()).unwrap_or_default(),
        unit_kind.unwrap_or_default(),
        platform.unwrap_or_default(),
        a.name.clone(),
        a.platform_account_id.clone().unwrap_or_default(),
        a.verification_subject.clone(),
        a.operating_unit.clone(),
        yes_no(a.outsourced, locale),
        a.purpose.clone(),
        a.opened_on.to_string(),
        status,
        yes_no(a.in_national_system, locale),
        custodian,
        mobile,
        a.password_rotated_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
    ]
}

/// How many of the selected accounts' custodians' mobiles the export holds in full for `viewer`
/// (the county office: all of them; a unit: its own; administrators and auditors: none).
async fn unmasked_mobiles(
    db: &DatabaseConnection,
    viewer: &Viewer,
    condition: Condition,
) -> Result<u64, AppError> {
    use sea_orm::PaginatorTrait;
    let selected = account::Entity::find()
        .filter(condition)
        .filter(account::Column::CustodianMobile.ne(""));
    let count = match (viewer.role, viewer.unit_id) {
        (Role::Submitter, Some(unit)) => {
            selected
                .filter(account::Column::HostUnitId.eq(unit))
                .count(db)
                .await?
        }
        (Role::Submitter, None) => 0,
        // Everyone else sees every custodian alike: ask about any unit.
        _ if viewer.custodian_access(0) == CustodianAccess::Full => selected.count(db).await?,
        _ => 0,
    };
    Ok(count)
}

/// Records an export in the audit trail: who took the registry, in which format, with which
/// filters and how much of the custodians they could see: the number of custodians' mobiles it
/// holds in full (one figure for the file, not one `custodian.viewed` event per row; 个人信息保护法
/// Art. 51), counted on the same filter as the rows.
#[tracing::instrument(skip_all, fields(use_case = "registry.export", format = format))]
pub async fn record<A>(uc: &UseCase<A>, format: &str, query: &RegistryQuery) -> Result<(), AppError>
where
    UseCase<A>: Exporter,
{
    let (db, now) = (uc.db(), uc.now);
    let condition = registry::export_condition(db, query, now).await?;
    let unmasked = unmasked_mobiles(db, &uc.viewer(), condition).await?;
    let txn = uc.begin().await?;
    audit::record(
        &txn,
        &uc.audit_actor(),
        Event {
            action: crate::domain::AuditAction::RegistryExported,
            entity_type: "registry",
            entity_id: None,
            before: None,
            after: Some(json!({
                "format": format,
                "unit": query.unit, "platform": query.platform,
                "status": query.status.map(|s| s.as_str()), "q": query.text,
                "rotation_overdue": query.rotation_overdue,
                "unmasked_mobiles": unmasked,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

// ---- Writers shared by every export ------------------------------------------------------

/// The UTF-8 byte-order mark Excel needs to read a CSV file as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// CSV lines for `rows` (RFC 4180 quoting, CRLF line ends). The one CSV writer of the app: every
/// cell of every CSV export is neutralised here against formula injection
/// ([`crate::domain::csv_cell`]; ASVS 5.0 V1.2.10).
pub fn csv_lines(rows: &[Vec<String>]) -> Result<Vec<u8>, AppError> {
    use crate::domain::csv_cell::neutralise;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| neutralise(cell).into_owned()))
            .map_err(AppError::internal)?;
    }
    writer
        .into_inner()
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))
}

/// A workbook written a row at a time, its rows kept on disk (`constant_memory`), saved to a
/// temporary file.
pub struct XlsxSheet {
    workbook: rust_xlsxwriter::Workbook,
    row: u32,
}

impl XlsxSheet {
    /// A workbook with one sheet named `name`, its first row the bold `headers`.
    pub fn new(name: &str, headers: &[String]) -> Result<Self, AppError> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name(name).map_err(AppError::internal)?;
        for (col, header) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, header, &bold)
                .map_err(AppError::internal)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(AppError::internal)?;
        Ok(XlsxSheet { workbook, row: 1 })
    }

    /// Appends rows below the last one.
    pub fn push(&mut self, rows: &[Vec<String>]) -> Result<(), AppError> {
        let sheet = self
            .workbook
            .worksheet_from_index(0)
            .map_err(AppError::internal)?;
        for cells in rows {
            for (col, value) in cells.iter().enumerate() {
                if !value.is_empty() {
                    sheet
                        .write_string(self.row, col as u16, value)
                        .map_err(AppError::internal)?;
                }
            }
            self.row += 1;
        }
        Ok(())
    }

    /// Saves the workbook to a temporary file (removed when the handle is dropped).
    pub fn finish(mut self) -> Result<tempfile::NamedTempFile, AppError> {
        let file = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
        self.workbook
            .save(file.path())
            .map_err(AppError::internal)?;
        Ok(file)
    }
}

/// The MIME type of XLSX files.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The registry as CSV into `out`: the BOM, the headers, then the rows. Returns the row count.
#[tracing::instrument(skip_all, fields(use_case = "registry.export_csv"))]
pub async fn registry_csv<A>(
    uc: &UseCase<A>,
    query: &RegistryQuery,
    locale: Locale,
    out: &mut impl std::io::Write,
) -> Result<u64, AppError>
where
    UseCase<A>: Exporter,
{
    let mut export = RegistryExport::open(uc, query, locale).await?;
    out.write_all(BOM).map_err(AppError::internal)?;
    out.write_all(&csv_lines(&[registry_headers(locale)])?)
        .map_err(AppError::internal)?;
    while let Some(rows) = export.next_chunk().await? {
        out.write_all(&csv_lines(&rows)?)
            .map_err(AppError::internal)?;
    }
    Ok(export.count())
}

/// The registry as an XLSX workbook in a temporary file, and the row count.
#[tracing::instrument(skip_all, fields(use_case = "registry.export_xlsx"))]
pub async fn registry_xlsx<A>(
    uc: &UseCase<A>,
    query: &RegistryQuery,
    locale: Locale,
) -> Result<(tempfile::NamedTempFile, u64), AppError>
where
    UseCase<A>: Exporter,
{
    let name = match locale {
        Locale::ZhCn => "政务新媒体账号",
        Locale::En => "Accounts",
    };
    let mut export = RegistryExport::open(uc, query, locale).await?;
    let mut sheet = XlsxSheet::new(name, &registry_headers(locale))?;
    while let Some(rows) = export.next_chunk().await? {
        sheet.push(&rows)?;
    }
    Ok((sheet.finish()?, export.count()))
}
