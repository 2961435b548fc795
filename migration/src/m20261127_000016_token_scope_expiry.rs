//! API tokens get a scope and a required expiry (issue 15, item 6), and the outbox a notice for a
//! new token.
//!
//! - `scope`: `read` (the registry, filings and their history, the exports) or `write` (also the
//!   filing steps and revoking tokens). Tokens made before this migration could do everything, so
//!   they become `write`: scripts that used them keep working until they expire.
//! - `expires_at` is NOT NULL: a token that lasted until revoked now expires 90 days after this
//!   migration runs (the default for new tokens), so every token in the database has an end.
//!   The longest validity for new tokens (365 days) is the service's rule: tokens made earlier
//!   with a longer one keep it.
//! - `outbox_messages.kind` takes `token_created` (the owner is told of every new token).
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NOTICE: &str = "token_created";
/// The columns the table had before this migration, copied as they are.
const COLUMNS: &str = "id, user_id, name, token_hash, prefix, created_at, created_by, expires_at, \
                       last_used_at, revoked_at, revoked_by";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "UPDATE api_tokens SET expires_at = GREATEST(now(), created_at) + interval '90 days' \
                       WHERE expires_at IS NULL; \
                     ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL; \
                     ALTER TABLE api_tokens ADD COLUMN scope varchar(8) NOT NULL DEFAULT 'write' \
                       CONSTRAINT api_tokens_scope_check CHECK (scope IN ('read', 'write')); \
                     ALTER TABLE api_tokens ALTER COLUMN scope DROP DEFAULT;",
                )
                .await?;
            }
            DbBackend::Sqlite => {
                // Timestamps are RFC 3339 text, as the app writes them.
                db.execute_unprepared(
                    "UPDATE api_tokens SET expires_at = \
                       strftime('%Y-%m-%dT%H:%M:%S+00:00', max(datetime('now'), datetime(created_at)), '+90 days') \
                       WHERE expires_at IS NULL",
                )
                .await?;
                rebuild_tokens_sqlite(manager, true).await?;
            }
            other => return Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
        }
        crate::notice_kinds::change(manager, |kinds| {
            if !kinds.iter().any(|k| k == NOTICE) {
                kinds.push(NOTICE.to_string());
            }
        })
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Fails (and changes nothing) while a token notice is in the outbox.
        crate::notice_kinds::change(manager, |kinds| kinds.retain(|k| k != NOTICE)).await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                manager
                    .get_connection()
                    .execute_unprepared(
                        "ALTER TABLE api_tokens DROP COLUMN scope; \
                         ALTER TABLE api_tokens ALTER COLUMN expires_at DROP NOT NULL;",
                    )
                    .await?;
                Ok(())
            }
            DbBackend::Sqlite => rebuild_tokens_sqlite(manager, false).await,
            other => Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
        }
    }
}

/// The `api_tokens` table as migration 000006 made it, or (`scoped`) with this migration's scope
/// and required expiry.
fn tokens_table(name: &str, scoped: bool) -> TableCreateStatement {
    let mut table = Table::create();
    table
        .table(Alias::new(name))
        .col(pk_auto("id"))
        .col(integer("user_id"))
        .col(string_len("name", 100))
        .col(string_len_uniq("token_hash", 64).check(Expr::cust("length(token_hash) = 64")))
        .col(string_len("prefix", 16))
        .col(timestamp_with_time_zone("created_at"))
        .col(integer_null("created_by"));
    if scoped {
        table.col(timestamp_with_time_zone("expires_at"));
    } else {
        table.col(timestamp_with_time_zone_null("expires_at"));
    }
    table
        .col(timestamp_with_time_zone_null("last_used_at"))
        .col(timestamp_with_time_zone_null("revoked_at"))
        .col(integer_null("revoked_by"));
    if scoped {
        table.col(
            string_len("scope", 8).check(Expr::col(Alias::new("scope")).is_in(["read", "write"])),
        );
    }
    table
        .check(Expr::cust("expires_at IS NULL OR expires_at > created_at"))
        .check(Expr::cust(
            "(revoked_at IS NULL) OR (revoked_at >= created_at)",
        ))
        .foreign_key(
            ForeignKey::create()
                .name("fk_api_tokens_user")
                .from(Alias::new(name), "user_id")
                .to("users", "id"),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_api_tokens_created_by")
                .from(Alias::new(name), "created_by")
                .to("users", "id"),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_api_tokens_revoked_by")
                .from(Alias::new(name), "revoked_by")
                .to("users", "id"),
        )
        .to_owned()
}

/// SQLite cannot change a column to NOT NULL or add a CHECKed column without a default: the table
/// is made again and its rows copied (nothing points at `api_tokens` by foreign key; audit events
/// name a token by id only). Existing tokens become `write` (see the module's comment).
async fn rebuild_tokens_sqlite(manager: &SchemaManager<'_>, scoped: bool) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let create = DbBackend::Sqlite.build(&tokens_table("api_tokens_rebuilt", scoped));
    let (into, select) = if scoped {
        (format!("{COLUMNS}, scope"), format!("{COLUMNS}, 'write'"))
    } else {
        (COLUMNS.to_string(), COLUMNS.to_string())
    };
    db.execute_unprepared(&format!(
        "BEGIN IMMEDIATE;\n\
         {create};\n\
         INSERT INTO api_tokens_rebuilt ({into}) SELECT {select} FROM api_tokens;\n\
         DROP TABLE api_tokens;\n\
         ALTER TABLE api_tokens_rebuilt RENAME TO api_tokens;\n\
         CREATE INDEX ix_api_tokens_user ON api_tokens (user_id);\n\
         COMMIT;",
        create = create.sql
    ))
    .await?;
    Ok(())
}
