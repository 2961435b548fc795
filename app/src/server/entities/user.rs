use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub unit_id: Option<i32>,
    pub email: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// The language of the person's notices (`zh-CN` or `en`).
    pub locale: String,
    /// When the current password was set; it expires `PASSWORD_MAX_AGE_DAYS` later.
    pub password_changed_at: DateTimeUtc,
    /// Set by someone else (an operator's create-user or reset-password): to be changed at the
    /// next sign-in.
    pub must_change_password: bool,
    /// Failed sign-ins since the last success or lock.
    pub failed_sign_ins: i32,
    /// Locked against sign-in until then.
    pub locked_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
