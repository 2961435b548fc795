//! Import of an existing register (DESIGN §5): accounts from an XLSX workbook or a CSV file (UTF-8
//! or GBK) in the registry export's columns, the headers matched tolerantly. Every row is checked
//! against the units and platforms in the database; a dry run reports what would be created and
//! every error, row by row; an import writes all rows or none, in one transaction that carries an
//! audit event per account and one for the file. Only administrators and console operators import.
//!
//! Seams: [`read`] (the file's bytes into a table of cells), [`sheet`] (the register's header and
//! data rows in that table), [`lookups`] (the units, platforms and accounts the rows are checked
//! against, read once), [`values`] and [`check`] (pure: each row's values and verdict, Art. 9
//! included), [`write`] (the accounts and their audit events, in one transaction); here, who
//! imports and the entry point.
use super::audit::Actor;
use super::use_case::{Operator, Person, UseCase};
use crate::domain::Capability;
use crate::domain::import::{ImportMode, ImportReport, clean};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

mod check;
mod lookups;
mod read;
mod sheet;
mod values;
mod write;

pub use read::too_large;

use check::check_rows;
use lookups::Lookups;
use sheet::read_sheet;

/// The Art. 9 waiver text an imported second live account of a unit on a platform carries: the
/// register had it before the product did, so it is imported (never dropped) and stands on the
/// rectification list (整改清单) until the unit merges or closes it.
pub const LEGACY_DUPLICATE_MARKER: &str = "导入时已存在的重复账号，待整改（第九条）";

/// Who imports: a signed-in administrator, or the operator at the server's console
/// (`server import`). Gives the actor the audit trail names.
pub trait Importer {
    fn importer(&self) -> Result<Actor, AppError>;
}

impl Importer for UseCase<Person> {
    fn importer(&self) -> Result<Actor, AppError> {
        let user = self.require(Capability::ImportRegistry)?;
        Ok(Actor::user(user, self.meta()))
    }
}

impl Importer for UseCase<Operator> {
    fn importer(&self) -> Result<Actor, AppError> {
        Ok(Actor::operator(self.actor.what))
    }
}

/// Reads `bytes` (an XLSX or CSV register) and checks every row. A dry run stops there; an
/// import with no errors then writes every account in one transaction with its audit events, and
/// one event for the file. A file that cannot be read is an [`AppError::Import`]; rows with
/// problems are in the report, and then nothing is written.
#[tracing::instrument(skip_all, fields(use_case = "import.run"))]
pub async fn run<A>(
    uc: &UseCase<A>,
    file_name: &str,
    bytes: Vec<u8>,
    mode: ImportMode,
) -> Result<ImportReport, AppError>
where
    UseCase<A>: Importer,
{
    use tracing::Instrument as _;
    let (db, now) = (uc.db(), uc.now);
    let actor = uc.importer()?;
    let file_name: String = clean(file_name).chars().take(200).collect();
    let span = tracing::info_span!("import", file = %file_name, ?mode, bytes = bytes.len());
    import(db, actor, file_name, bytes, mode, now)
        .instrument(span)
        .await
}

async fn import(
    db: &DatabaseConnection,
    actor: Actor,
    file_name: String,
    bytes: Vec<u8>,
    mode: ImportMode,
    now: DateTime<Utc>,
) -> Result<ImportReport, AppError> {
    // Parsing 20 MB is CPU work: off the async workers.
    let sheet = tokio::task::spawn_blocking(move || read_sheet(&bytes))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::Import)?;
    if mode == ImportMode::DryRun {
        let lookups = Lookups::load(db, now).await?;
        return Ok(check_rows(&sheet, &lookups, &file_name, mode).0);
    }
    write::apply(db, &actor, &file_name, &sheet, mode, now).await
}
