use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub host_unit_id: i32,
    pub platform_id: i32,
    pub name: String,
    pub platform_account_id: Option<String>,
    pub verification_subject: String,
    pub operating_unit: String,
    pub outsourced: bool,
    pub purpose: String,
    pub opened_on: Date,
    pub status: crate::domain::AccountStatus,
    pub in_national_system: bool,
    pub custodian_name: String,
    pub custodian_mobile: String,
    pub password_rotated_on: Option<Date>,
    pub art9_waiver: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
