//! The address of the reverse proxy an audited request came through (issue 15): behind the
//! county's proxy, `source_ip` is the client the proxy forwarded for (`TRUSTED_PROXIES`), and the
//! proxy itself is kept beside it. NULL when the client connected directly.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // An IPv6 address is at most 45 characters as text (with an embedded IPv4 address).
        manager
            .alter_table(
                Table::alter()
                    .table("audit_events")
                    .add_column(string_len_null("peer_ip", 64))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("audit_events")
                    .drop_column("peer_ip")
                    .to_owned(),
            )
            .await
    }
}
