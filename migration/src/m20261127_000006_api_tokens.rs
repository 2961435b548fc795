//! API tokens for scripts and the provincial platform's feeds (`Authorization: Bearer`), and the
//! token an audit event was made with, so inspectors can tell a script's action from a person's.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("api_tokens")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    .col(string_len("name", 100))
                    // SHA-256 (hex) of the token; the token itself is shown once and never stored.
                    .col(
                        string_len_uniq("token_hash", 64)
                            .check(Expr::cust("length(token_hash) = 64")),
                    )
                    // The token's first characters, so its owner can tell tokens apart.
                    .col(string_len("prefix", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    // NULL: created at the server's command line.
                    .col(integer_null("created_by"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(integer_null("revoked_by"))
                    .check(Expr::cust("expires_at IS NULL OR expires_at > created_at"))
                    .check(Expr::cust(
                        "(revoked_at IS NULL) OR (revoked_at >= created_at)",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_user")
                            .from("api_tokens", "user_id")
                            .to("users", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_created_by")
                            .from("api_tokens", "created_by")
                            .to("users", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_revoked_by")
                            .from("api_tokens", "revoked_by")
                            .to("users", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_tokens_user")
                    .table("api_tokens")
                    .col("user_id")
                    .to_owned(),
            )
            .await?;
        // Which token an action was taken with (NULL: a browser session, the CLI or the system).
        // Tokens are revoked, never deleted, so the reference always resolves.
        manager
            .alter_table(
                Table::alter()
                    .table("audit_events")
                    .add_column(integer_null("via_token_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("audit_events")
                    .drop_column("via_token_id")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("api_tokens").to_owned())
            .await
    }
}
