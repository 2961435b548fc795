//! The e-mail outbox: notices written in the same transaction as the change that causes them, and
//! delivered afterwards by the outbox worker (DESIGN §5). Also each user's language for notices.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn one_of(column: &str, values: &[&str]) -> SimpleExpr {
    Expr::col(Alias::new(column)).is_in(values.iter().copied())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Notices go out in the recipient's language, zh-CN unless they chose English.
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .add_column(
                        string_len("locale", 8)
                            .default("zh-CN")
                            .check(one_of("locale", &["zh-CN", "en"])),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("outbox_messages")
                    .col(big_pk_auto("id"))
                    // The Message-ID header, fixed when the notice is queued: a message delivered
                    // twice after a crash carries the same one, so the copies are recognisable.
                    .col(string_len_uniq("message_id", 128))
                    .col(string_len("kind", 32).check(one_of(
                        "kind",
                        &[
                            "filing_submitted",
                            "filing_returned",
                            "filing_approved",
                            "filing_awaiting_completion",
                            "filing_rejected",
                            "filing_reported",
                            "filing_due_today",
                            "filing_overdue",
                            "password_rotation",
                        ],
                    )))
                    // A person (address copied when queued) or one of the configured offices,
                    // whose address the worker takes from its configuration when it delivers.
                    .col(string_len("recipient_kind", 16).check(one_of(
                        "recipient_kind",
                        &["user", "county_office", "upper_level"],
                    )))
                    .col(integer_null("recipient_user_id"))
                    .col(string_len_null("recipient_address", 254))
                    .col(string_len("locale", 8).check(one_of("locale", &["zh-CN", "en"])))
                    // What the notice says (JSON), rendered by the worker from its templates.
                    .col(text("params"))
                    .col(integer_null("filing_id"))
                    .col(integer_null("unit_id"))
                    .col(
                        string_len("status", 8)
                            .default("queued")
                            .check(one_of("status", &["queued", "sending", "sent", "failed"])),
                    )
                    .col(
                        integer("attempts")
                            .default(0)
                            .check(Expr::col(Alias::new("attempts")).gte(0)),
                    )
                    // NULL: as soon as a worker is free.
                    .col(timestamp_with_time_zone_null("next_attempt_at"))
                    // A claim: the worker that holds the message and until when.
                    .col(string_len_null("claimed_by", 64))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .check(Expr::cust(
                        "(recipient_kind = 'user') = (recipient_address IS NOT NULL)",
                    ))
                    .check(Expr::cust("(status = 'sent') = (sent_at IS NOT NULL)"))
                    .check(Expr::cust(
                        "(status = 'sending') = (lease_until IS NOT NULL)",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_outbox_user")
                            .from("outbox_messages", "recipient_user_id")
                            .to("users", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_outbox_filing")
                            .from("outbox_messages", "filing_id")
                            .to("filings", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_outbox_unit")
                            .from("outbox_messages", "unit_id")
                            .to("units", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        // The worker's claim query: what is due, in order.
        db.execute_unprepared(
            "CREATE INDEX ix_outbox_pending ON outbox_messages (status, next_attempt_at, id) \
             WHERE status IN ('queued', 'sending')",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_created_at")
                    .table("outbox_messages")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("outbox_messages").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .drop_column("locale")
                    .to_owned(),
            )
            .await
    }
}
