//! Issue 15 item 3 and 7 (三权分立, GB/T 22239-2019 8.1.4.2 d): a privileged account is reset or
//! given a privileged role only when a second person confirms the security administrator's request
//! (`account_requests`, at most one pending per account, held here); and a privileged person who
//! must enrol a second factor does so with a one-time code the security administrator issues
//! (`enrolment_codes`, kept as SHA-256, used once, valid 24 hours). The outbox takes the notices
//! that tell a person of each change to their account.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The person is told of every reset, role change and switch-off of their account (ASVS 5.0 6.3.7).
const NOTICES: [&str; 4] = [
    "account_password_reset",
    "account_role_changed",
    "account_second_factor_reset",
    "account_disabled",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("account_requests")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    .col(string_len("kind", 32).check(Expr::cust(
                        "kind IN ('password_reset', 'second_factor_reset', 'role_change')",
                    )))
                    // The role (and unit) asked for, for a role change only.
                    .col(string_len_null("role", 32))
                    .col(integer_null("unit_id"))
                    .col(integer("requested_by"))
                    .col(timestamp_with_time_zone("requested_at"))
                    .col(integer_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(string_len_null("outcome", 16))
                    .check(Expr::cust("(kind = 'role_change') = (role IS NOT NULL)"))
                    .check(Expr::cust(
                        "(decided_at IS NULL AND decided_by IS NULL AND outcome IS NULL) OR \
                         (decided_at IS NOT NULL AND decided_by IS NOT NULL \
                          AND outcome IN ('confirmed', 'refused', 'withdrawn'))",
                    ))
                    // The second person is never the one who asked (withdrawing is the asker's own).
                    .check(Expr::cust(
                        "decided_by IS NULL OR decided_by <> requested_by OR outcome = 'withdrawn'",
                    ))
                    .check(Expr::cust("user_id <> requested_by"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_requests_user")
                            .from("account_requests", "user_id")
                            .to("users", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_requests_unit")
                            .from("account_requests", "unit_id")
                            .to("units", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_requests_requested_by")
                            .from("account_requests", "requested_by")
                            .to("users", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_requests_decided_by")
                            .from("account_requests", "decided_by")
                            .to("users", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        // At most one pending request per account.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_account_requests_pending ON account_requests (user_id) \
                 WHERE decided_at IS NULL",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("enrolment_codes")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    // SHA-256 (hex) of the code; the code is shown once and never stored.
                    .col(
                        string_len_uniq("code_hash", 64)
                            .check(Expr::cust("length(code_hash) = 64")),
                    )
                    // NULL: issued at the server's command line.
                    .col(integer_null("issued_by"))
                    .col(timestamp_with_time_zone("issued_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .check(Expr::cust("expires_at > issued_at"))
                    .check(Expr::cust("used_at IS NULL OR used_at >= issued_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_enrolment_codes_user")
                            .from("enrolment_codes", "user_id")
                            .to("users", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_enrolment_codes_issued_by")
                            .from("enrolment_codes", "issued_by")
                            .to("users", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_enrolment_codes_user")
                    .table("enrolment_codes")
                    .col("user_id")
                    .to_owned(),
            )
            .await?;
        crate::notice_kinds::change(manager, |kinds| {
            for notice in NOTICES {
                if !kinds.iter().any(|k| k == notice) {
                    kinds.push(notice.to_string());
                }
            }
        })
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Fails (and changes nothing) while an account notice is in the outbox.
        crate::notice_kinds::change(manager, |kinds| {
            kinds.retain(|k| !NOTICES.contains(&k.as_str()))
        })
        .await?;
        manager
            .drop_table(Table::drop().table("enrolment_codes").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("account_requests").to_owned())
            .await
    }
}
