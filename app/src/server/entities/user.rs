use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: crate::domain::Role,
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
    /// The RFC 6238 secret (base32) of the person's TOTP second factor: pending while
    /// `totp_enabled_at` is None, in force once it is set. Never shown after enrolment, never
    /// logged or audited.
    pub totp_secret: Option<String>,
    /// When the person confirmed their TOTP enrolment with a first code.
    pub totp_enabled_at: Option<DateTimeUtc>,
    /// The time step of the last accepted code: none at or before it is accepted again.
    pub totp_last_step: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
