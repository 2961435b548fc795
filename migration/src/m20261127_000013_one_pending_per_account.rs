//! One pending request per account (issue 15, item 11). A change and a deregistration of the same
//! account were both under review; the deregistration was approved, then the change was applied
//! to the deregistered account. Art. 11 has the county office decide each request on the account
//! as it stands, so the database now holds that an account has at most one request in the county
//! office's hands: submitted, returned for correction (it comes back), or approved and awaiting
//! Art. 12 completion (the registry changes only at completion). Drafts are the unit's own
//! preparation and stay outside the index; the application refuses a second one on an account
//! when it is created, and the index refuses the second submission whatever the application does.
//!
//! A database that already holds two such requests on one account (the bug this closes) cannot be
//! given the index: the migration stops and names them, so that the county office decides (rejects
//! or returns and the unit withdraws) one of them with the previous release first. Nothing is
//! changed for them silently.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::Statement;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The states in which a filing on an account is pending (kept in step with
/// `app::domain::filing::FilingState::holds_account`).
const PENDING: &str = "account_id IS NOT NULL \
     AND (state IN ('submitted', 'returned') OR (state = 'approved' AND completion_required))";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let conflicts = db
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT number FROM filings WHERE {PENDING} AND account_id IN \
                     (SELECT account_id FROM filings WHERE {PENDING} \
                      GROUP BY account_id HAVING COUNT(*) > 1) ORDER BY account_id, number"
                ),
            ))
            .await?;
        if !conflicts.is_empty() {
            let numbers = conflicts
                .iter()
                .map(|row| row.try_get::<String>("", "number"))
                .collect::<Result<Vec<_>, _>>()?;
            return Err(DbErr::Migration(format!(
                "filings {} are pending on the same account; decide all but one of each account's \
                 requests with the previous release, then migrate again",
                numbers.join(", ")
            )));
        }
        db.execute_unprepared(&format!(
            "CREATE UNIQUE INDEX ux_filings_one_pending_per_account ON filings (account_id) \
             WHERE {PENDING}"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ux_filings_one_pending_per_account")
                    .table("filings")
                    .to_owned(),
            )
            .await
    }
}
