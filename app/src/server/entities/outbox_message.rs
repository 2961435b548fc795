use sea_orm::entity::prelude::*;

/// One e-mail notice to one recipient, queued with the change that caused it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The Message-ID header (with its angle brackets), fixed when queued.
    pub message_id: String,
    pub kind: String,
    /// `user`, `county_office` or `upper_level`.
    pub recipient_kind: String,
    pub recipient_user_id: Option<i32>,
    /// Set for people; the offices' addresses come from the worker's configuration.
    pub recipient_address: Option<String>,
    pub locale: String,
    /// JSON: what the notice says.
    pub params: String,
    pub filing_id: Option<i32>,
    pub unit_id: Option<i32>,
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub claimed_by: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
