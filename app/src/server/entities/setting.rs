use sea_orm::entity::prelude::*;

/// The county's deadline figures: one row, id 1.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub review_working_days: i32,
    pub reminder_hour: i32,
    pub password_rotation_days: i32,
    pub updated_at: Option<DateTimeUtc>,
    /// The security administrator's password policy; each NULL: as configured (`PASSWORD_*`,
    /// `LOCKOUT_*`).
    pub password_min_length: Option<i32>,
    pub password_min_classes: Option<i32>,
    /// 0: passwords do not expire.
    pub password_max_age_days: Option<i32>,
    pub password_history: Option<i32>,
    pub lockout_threshold: Option<i32>,
    pub lockout_minutes: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
