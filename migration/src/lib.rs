//! Database migrations. Each one is self-contained and immutable once merged; rules the database can
//! hold (uniqueness, foreign keys, allowed values, the Art. 9 one-account-per-platform rule) live here.
pub use sea_orm_migration::prelude::*;

mod m20261127_000001_foundation;
mod m20261127_000002_filings;
mod m20261127_000003_calendar;
mod m20261127_000004_deadlines;
mod m20261127_000005_outbox;
mod m20261127_000006_api_tokens;
mod m20261127_000007_passwords;
mod m20261127_000008_audit_retention;
mod m20261127_000009_totp;
mod m20261127_000010_security_admin;
mod m20261127_000012_audit_peer;
mod m20261127_000013_one_pending_per_account;
mod m20261127_000015_account_requests;
mod m20261127_000016_token_scope_expiry;
mod m20261205_000017_todo_indexes;
mod notice_kinds;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_foundation::Migration),
            Box::new(m20261127_000002_filings::Migration),
            Box::new(m20261127_000003_calendar::Migration),
            Box::new(m20261127_000004_deadlines::Migration),
            Box::new(m20261127_000005_outbox::Migration),
            Box::new(m20261127_000006_api_tokens::Migration),
            Box::new(m20261127_000007_passwords::Migration),
            Box::new(m20261127_000008_audit_retention::Migration),
            Box::new(m20261127_000009_totp::Migration),
            Box::new(m20261127_000010_security_admin::Migration),
            Box::new(m20261127_000012_audit_peer::Migration),
            Box::new(m20261127_000013_one_pending_per_account::Migration),
            Box::new(m20261127_000015_account_requests::Migration),
            Box::new(m20261127_000016_token_scope_expiry::Migration),
            Box::new(m20261205_000017_todo_indexes::Migration),
        ]
    }
}
