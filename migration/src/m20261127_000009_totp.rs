//! The TOTP second factor (issue 8; GB/T 22239-2019 8.1.4.1 d: 两种或两种以上组合的鉴别技术;
//! OWASP ASVS 5.0.0 V6.5): a person's RFC 6238 secret (base32; pending until they confirm it with a
//! code, then enabled), the last time step a code was accepted for (RFC 6238 §5.2: a code is used
//! once), their one-time recovery codes (only SHA-256 hashes), and the sessions that are half
//! signed in: the password was right, the second factor is still to come.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        let add_to_users = [
            // Base32 (RFC 4648) of 160 random bits. Set with `totp_enabled_at` NULL while an
            // enrolment waits for its first code.
            text_null("totp_secret").to_owned(),
            timestamp_with_time_zone_null("totp_enabled_at").to_owned(),
            // The RFC 6238 time step (Unix time / 30) of the last accepted code: no code of this
            // step or an earlier one is accepted again.
            big_integer_null("totp_last_step").to_owned(),
        ];
        for column in add_to_users {
            manager
                .alter_table(Table::alter().table("users").add_column(column).to_owned())
                .await?;
        }
        // A half-signed-in session: only the second-factor page and sign-out accept it.
        manager
            .alter_table(
                Table::alter()
                    .table("sessions")
                    .add_column(boolean("second_factor_pending").default(false).to_owned())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("recovery_codes")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    // SHA-256 (hex) of the code; the code itself is shown once and never stored.
                    .col(
                        string_len("code_hash", 64)
                            .unique_key()
                            .check(Expr::cust("length(code_hash) = 64")),
                    )
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_recovery_codes_user")
                            .from("recovery_codes", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_recovery_codes_user")
                    .table("recovery_codes")
                    .col("user_id")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("recovery_codes").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("sessions")
                    .drop_column("second_factor_pending")
                    .to_owned(),
            )
            .await?;
        for column in ["totp_last_step", "totp_enabled_at", "totp_secret"] {
            manager
                .alter_table(Table::alter().table("users").drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
