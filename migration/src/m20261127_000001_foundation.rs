//! The foundation schema: units, platforms, accounts, users, sessions and the audit trail.
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `CHECK (column IN (...))` for a column that holds one of a closed set of codes.
fn one_of(column: &str, values: &[&str]) -> SimpleExpr {
    Expr::col(Alias::new(column)).is_in(values.iter().copied())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("units")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("code", 32))
                    .col(string_len("kind", 32).check(one_of(
                        "kind",
                        &[
                            "county_office",
                            "department",
                            "township",
                            "subdistrict",
                            "public_institution",
                            "internal_division",
                        ],
                    )))
                    // The full legal name (法定全称); Art. 10 compares verification subjects against it.
                    .col(string_len("name", 128))
                    .col(string_len_null("short_name", 64))
                    // 统一社会信用代码 (GB 32100-2015). Internal divisions (内设机构) have none of their own.
                    .col(string_len_null("credit_code", 18).unique_key())
                    .col(integer_null("parent_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .check(Expr::cust(
                        "kind = 'internal_division' OR credit_code IS NOT NULL",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_units_parent")
                            .from("units", "parent_id")
                            .to("units", "id"),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("platforms")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("code", 32))
                    .col(string_len("name_zh", 64))
                    .col(string_len("name_en", 64))
                    // Art. 9: accounts only on platforms the national authorities have approved.
                    .col(boolean("nationally_approved"))
                    // Self-built apps have no platform account ID.
                    .col(boolean("has_account_id"))
                    .col(integer("sort_order").default(0))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("accounts")
                    .col(pk_auto("id"))
                    .col(integer("host_unit_id"))
                    .col(integer("platform_id"))
                    .col(string_len("name", 128))
                    .col(string_len_null("platform_account_id", 512))
                    // 认证主体
                    .col(string_len("verification_subject", 128))
                    .col(string_len("operating_unit", 128))
                    .col(boolean("outsourced"))
                    .col(text("purpose"))
                    .col(date("opened_on"))
                    .col(
                        string_len("status", 16)
                            .check(one_of("status", &["active", "suspended", "deregistered"])),
                    )
                    .col(boolean("in_national_system"))
                    .col(string_len("custodian_name", 64))
                    .col(string_len("custodian_mobile", 11))
                    .col(date_null("password_rotated_on"))
                    // Art. 9: a county-office waiver (with its reason) that allows a second account.
                    .col(text_null("art9_waiver"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_accounts_host_unit")
                            .from("accounts", "host_unit_id")
                            .to("units", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_accounts_platform")
                            .from("accounts", "platform_id")
                            .to("platforms", "id"),
                    )
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        // Art. 9: in principle one account per unit per platform. The database holds the rule: at most
        // one live (not deregistered) account per (unit, platform) unless a waiver is recorded.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_accounts_one_live_per_unit_platform \
             ON accounts (host_unit_id, platform_id) \
             WHERE status <> 'deregistered' AND art9_waiver IS NULL",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_accounts_platform")
                    .table("accounts")
                    .col("platform_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("username", 64))
                    .col(string_len("display_name", 64))
                    .col(text("password_hash"))
                    .col(string_len("role", 16).check(one_of(
                        "role",
                        &["submitter", "reviewer", "admin", "auditor"],
                    )))
                    .col(integer_null("unit_id"))
                    .col(string_len_null("email", 254))
                    .col(boolean("active").default(true))
                    .col(timestamp_with_time_zone("created_at"))
                    // A submitter files for exactly one unit.
                    .check(Expr::cust("role <> 'submitter' OR unit_id IS NOT NULL"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_unit")
                            .from("users", "unit_id")
                            .to("units", "id"),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    // SHA-256 of the cookie token: a leaked table does not hand out sessions.
                    .col(string_len("id", 64).primary_key())
                    .col(integer("user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(string_len_null("source_ip", 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from("sessions", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sessions_user")
                    .table("sessions")
                    .col("user_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_events")
                    .col(big_pk_auto("id"))
                    .col(timestamp_with_time_zone("occurred_at"))
                    .col(integer_null("actor_user_id"))
                    .col(string_len_null("actor_username", 64))
                    .col(string_len_null("actor_role", 16))
                    .col(string_len_null("source_ip", 64))
                    .col(string_len_null("request_id", 64))
                    .col(string_len("action", 64))
                    .col(string_len("entity_type", 32))
                    .col(string_len_null("entity_id", 64))
                    .col(text_null("before"))
                    .col(text_null("after"))
                    // Hash chain: each event's hash covers its content and the previous event's hash.
                    .col(string_len("prev_hash", 64))
                    .col(string_len_uniq("hash", 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_events_entity")
                    .table("audit_events")
                    .col("entity_type")
                    .col("entity_id")
                    .to_owned(),
            )
            .await?;

        // The audit trail is append-only (Cybersecurity Law Art. 21): the database refuses edits.
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events \
                     BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events \
                     BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events \
                     FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_events",
            "sessions",
            "users",
            "accounts",
            "platforms",
            "units",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_events_append_only()")
                .await?;
        }
        Ok(())
    }
}
