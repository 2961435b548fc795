//! Indexes for 待办 (issue 17, item 1), so that what the navigation counts on every page costs
//! the same however many filings the county has decided over the years:
//! - `filings (state, reported_on)`: the approved filings not yet reported upward (Art. 11);
//! - `filings (decided_by, decided_at)`: a reviewer's latest decisions (已办);
//! - `outbox_messages (recipient_user_id, created_at)`: a person's latest notices.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, [&str; 2]); 3] = [
    (
        "ix_filings_state_reported",
        "filings",
        ["state", "reported_on"],
    ),
    (
        "ix_filings_decided_by",
        "filings",
        ["decided_by", "decided_at"],
    ),
    (
        "ix_outbox_recipient_user",
        "outbox_messages",
        ["recipient_user_id", "created_at"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, [first, second]) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(first)
                        .col(second)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
