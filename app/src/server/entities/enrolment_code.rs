use sea_orm::entity::prelude::*;

/// A one-time code the security administrator issues so that a privileged person who must have a
/// second factor (`TOTP_REQUIRED`) can enrol one (issue 15 item 7): SHA-256 (hex) only, valid 24
/// hours, used once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrolment_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    #[sea_orm(unique)]
    pub code_hash: String,
    /// None: issued at the server's command line.
    pub issued_by: Option<i32>,
    pub issued_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
