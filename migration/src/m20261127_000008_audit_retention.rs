//! Audit retention and archives (issue 8). Audit events are kept at least 180 days (Cybersecurity
//! Law Art. 21; 等保 2.0 level 3, 安全审计); older ones leave the database only through an archive:
//! `server archive-audit` writes them to a file, then, in one transaction, records the archive
//! here, deletes exactly the events it covers and appends an `audit.archived` event. The
//! append-only guard of the foundation migration is narrowed accordingly: a DELETE of an event is
//! allowed only when the latest archive covers it (on PostgreSQL also: only in the transaction
//! that inserted that archive); every UPDATE, and every other DELETE, is still refused. Archives
//! themselves are append-only.
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_archives")
                    .col(pk_auto("id"))
                    .col(timestamp_with_time_zone("archived_at"))
                    // The last event the archive holds; every event up to it left the database.
                    .col(big_integer("up_to_event_id"))
                    // That event's hash: the remaining chain starts from it instead of genesis.
                    .col(string_len("last_hash", 64).check(Expr::cust("length(last_hash) = 64")))
                    .col(big_integer("event_count").check(Expr::cust("event_count > 0")))
                    // SHA-256 (hex) of the archive file as written.
                    .col(
                        string_len("file_sha256", 64).check(Expr::cust("length(file_sha256) = 64")),
                    )
                    .col(text("file_name"))
                    .to_owned(),
            )
            .await?;
        // The auditors' filters and the archive's cut-off look events up by time.
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_events_occurred_at")
                    .table("audit_events")
                    .col("occurred_at")
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                // SQLite cannot tell one transaction from another: a DELETE is allowed for events
                // the latest archive covers. The archive deletes all of them in the transaction
                // that records it (ids only grow: AUTOINCREMENT), so none is left to delete later.
                // One batch on one connection: another pooled connection may still hold the old
                // schema when it prepares the new trigger.
                db.execute_unprepared(
                    "DROP TRIGGER audit_events_no_delete; \
                     CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events \
                     WHEN OLD.id > COALESCE((SELECT max(up_to_event_id) FROM audit_archives), 0) \
                     BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END; \
                     CREATE TRIGGER audit_archives_no_update BEFORE UPDATE ON audit_archives \
                     BEGIN SELECT RAISE(ABORT, 'audit archives are append-only'); END; \
                     CREATE TRIGGER audit_archives_no_delete BEFORE DELETE ON audit_archives \
                     BEGIN SELECT RAISE(ABORT, 'audit archives are append-only'); END;",
                )
                .await?;
            }
            _ => {
                // The same trigger (`audit_events_append_only`, BEFORE UPDATE OR DELETE, per row)
                // with a narrower function: a DELETE passes only for an event the latest archive
                // covers, and only in the transaction that inserted that archive (its row's xmin
                // is this transaction's id). Everything else raises, as before.
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ \
                     BEGIN \
                       IF TG_OP = 'DELETE' THEN \
                         IF EXISTS ( \
                           SELECT 1 FROM audit_archives \
                           WHERE id = (SELECT max(id) FROM audit_archives) \
                             AND OLD.id <= up_to_event_id \
                             AND xmin::text = (txid_current() % 4294967296)::text \
                         ) THEN \
                           RETURN OLD; \
                         END IF; \
                       END IF; \
                       RAISE EXCEPTION 'audit events are append-only'; \
                     END; $$ LANGUAGE plpgsql",
                )
                .await?;
                // Row triggers do not see TRUNCATE: refuse it outright.
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE FUNCTION audit_archives_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'audit archives are append-only'; END; $$ \
                     LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_archives_append_only \
                     BEFORE UPDATE OR DELETE ON audit_archives \
                     FOR EACH ROW EXECUTE FUNCTION audit_archives_append_only()",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_archives_no_truncate BEFORE TRUNCATE ON audit_archives \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_archives_append_only()",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS audit_events_no_delete; \
                     CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events \
                     BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ \
                     LANGUAGE plpgsql",
                )
                .await?;
            }
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_audit_events_occurred_at")
                    .table("audit_events")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("audit_archives").to_owned())
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS audit_archives_append_only()")
                .await?;
        }
        Ok(())
    }
}
