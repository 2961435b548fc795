//! Exports for upward reporting: the registry in the upstream template's columns, as CSV (UTF-8
//! with a BOM, so Excel on zh-CN Windows reads it) or XLSX. Accounts are read in id order in
//! chunks and each chunk is written out before the next is read, so an export of any size runs in
//! bounded memory (the XLSX workbook keeps its rows in a temporary file, `constant_memory`).
//!
//! Seams: [`columns`] (the template's columns and headers), [`rows`] (the registry read a chunk at a
//! time, one row per account), [`writers`] (the CSV and XLSX writers every export shares); here,
//! who exports, the audit record and the registry's two formats.
use super::audit::{self, Actor, Event};
use super::entities::account;
use super::registry;
use super::use_case::{Operator, Person, UseCase};
use crate::domain::{CustodianAccess, RegistryQuery, Role, Viewer};
use crate::error::AppError;
use crate::i18n::Locale;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;

mod columns;
mod rows;
pub(crate) mod writers;

pub use columns::{Column, REGISTRY_COLUMNS, registry_columns, registry_headers};
pub use rows::{CHUNK, RegistryExport};
pub use writers::{BOM, CellKind, XLSX_TYPE, XlsxSheet, csv_lines};

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
        Event::new(crate::domain::AuditAction::RegistryExported, "registry").after(json!({
            "format": format,
            "unit": query.unit, "platform": query.platform,
            "status": query.status.map(|s| s.as_str()), "q": query.text,
            "rotation_overdue": query.rotation_overdue,
            "unmasked_mobiles": unmasked,
        })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

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
    let mut sheet = XlsxSheet::new(name, &registry_columns(locale))?;
    while let Some(rows) = export.next_chunk().await? {
        sheet.push(&rows)?;
    }
    Ok((sheet.finish()?, export.count()))
}
