use sea_orm::entity::prelude::*;

/// A reminder the scheduler queued for one China date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `filing_due_today`, `filing_overdue` or `password_rotation`.
    pub kind: String,
    pub on_day: Date,
    pub filing_id: Option<i32>,
    pub unit_id: Option<i32>,
    /// JSON: what the reminder says.
    pub details: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
