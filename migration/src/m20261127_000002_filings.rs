//! Filings (备案申请, Art. 11) and their attachments.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn one_of(column: &str, values: &[&str]) -> SimpleExpr {
    Expr::col(Alias::new(column)).is_in(values.iter().copied())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("filings")
                    .col(pk_auto("id"))
                    // Readable per year: 2026-0001.
                    .col(string_len_uniq("number", 16))
                    .col(integer("year"))
                    .col(integer("seq"))
                    .col(
                        string_len("kind", 16)
                            .check(one_of("kind", &["open", "change", "suspend", "deregister"])),
                    )
                    .col(string_len("state", 16).check(one_of(
                        "state",
                        &[
                            "draft",
                            "submitted",
                            "returned",
                            "approved",
                            "rejected",
                            "withdrawn",
                            "completed",
                        ],
                    )))
                    .col(integer("unit_id"))
                    .col(integer_null("account_id"))
                    .col(integer_null("platform_id"))
                    // The 备案表 as typed; validated when submitted.
                    .col(string_len("account_name", 128).default(""))
                    .col(string_len("platform_account_id", 512).default(""))
                    .col(string_len("verification_subject", 128).default(""))
                    .col(string_len("operating_unit", 128).default(""))
                    .col(boolean("outsourced").default(false))
                    .col(text("purpose").default(""))
                    .col(string_len("custodian_name", 64).default(""))
                    .col(string_len("custodian_mobile", 32).default(""))
                    .col(string_len("leader_name", 64).default(""))
                    .col(string_len("leader_consent_on", 16).default(""))
                    .col(string_len("collective_decision_on", 16).default(""))
                    .col(text("reason").default(""))
                    // Change filings: the fields old → new, fixed at submission (JSON).
                    .col(text_null("changes"))
                    // Art. 10 warnings both sides see (JSON).
                    .col(text_null("warnings"))
                    // Art. 9: a county-office waiver with its reason.
                    .col(text_null("art9_waiver"))
                    .col(integer_null("waiver_by"))
                    // Art. 12: approval leads to "awaiting completion" for accounts in the national system.
                    .col(boolean("completion_required").default(false))
                    .col(date_null("platform_done_on"))
                    .col(string_len_null("announcement_url", 512))
                    .col(timestamp_with_time_zone_null("completion_recorded_at"))
                    .col(timestamp_with_time_zone_null("completed_at"))
                    .col(integer_null("completed_by"))
                    .col(timestamp_with_time_zone_null("received_at"))
                    .col(integer_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(text_null("decision_note"))
                    // 报备: the upward report.
                    .col(date_null("reported_on"))
                    .col(string_len_null("reported_to", 128))
                    .col(string_len_null("report_reference", 128))
                    .col(integer("created_by"))
                    .col(string_len_null("idempotency_key", 64))
                    .col(integer("version").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_filings_unit")
                            .from("filings", "unit_id")
                            .to("units", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_filings_account")
                            .from("filings", "account_id")
                            .to("accounts", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_filings_platform")
                            .from("filings", "platform_id")
                            .to("platforms", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_filings_created_by")
                            .from("filings", "created_by")
                            .to("users", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_filings_year_seq")
                    .table("filings")
                    .col("year")
                    .col("seq")
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A form posted twice (double click, retry) creates one filing.
        manager
            .create_index(
                Index::create()
                    .name("ux_filings_idempotency")
                    .table("filings")
                    .col("created_by")
                    .col("idempotency_key")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_filings_state")
                    .table("filings")
                    .col("state")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_filings_unit")
                    .table("filings")
                    .col("unit_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("filing_attachments")
                    .col(pk_auto("id"))
                    .col(integer("filing_id"))
                    .col(string_len("kind", 32).check(one_of(
                        "kind",
                        &[
                            "signed_form",
                            "announcement_screenshot",
                            "contract",
                            "confidentiality_agreement",
                        ],
                    )))
                    .col(string_len("file_name", 255))
                    .col(string_len("content_type", 32).check(one_of(
                        "content_type",
                        &["application/pdf", "image/png", "image/jpeg"],
                    )))
                    .col(
                        big_integer("size_bytes")
                            .check(Expr::cust("size_bytes > 0 AND size_bytes <= 10485760")),
                    )
                    .col(string_len("sha256", 64))
                    .col(integer("uploaded_by"))
                    .col(timestamp_with_time_zone("uploaded_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attachments_filing")
                            .from("filing_attachments", "filing_id")
                            .to("filings", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_attachments_filing")
                    .table("filing_attachments")
                    .col("filing_id")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("filing_attachments").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("filings").to_owned())
            .await
    }
}
