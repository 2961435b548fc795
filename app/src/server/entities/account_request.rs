use sea_orm::entity::prelude::*;

/// A security administrator's request to reset a privileged account or give a privileged role,
/// which a second person (another security administrator or the system administrator) confirms or
/// refuses (issue 15 item 3; 三权分立). At most one pending (`decided_at` NULL) per account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// `password_reset`, `second_factor_reset` or `role_change`.
    pub kind: crate::domain::RequestKind,
    /// The role asked for (a role change only).
    pub role: Option<crate::domain::Role>,
    pub unit_id: Option<i32>,
    pub requested_by: i32,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    /// `confirmed`, `refused` or `withdrawn`.
    pub outcome: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
