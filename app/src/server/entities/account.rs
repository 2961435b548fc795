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
    pub status: String,
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

impl Model {
    /// The account's status, read as the domain's [`crate::domain::AccountStatus`]: the one place
    /// the column's text is parsed (a value the migrations' check does not allow is an internal
    /// error, not a status).
    pub fn account_status(&self) -> Result<crate::domain::AccountStatus, crate::error::AppError> {
        crate::domain::AccountStatus::parse(&self.status).ok_or_else(|| {
            crate::error::AppError::internal(anyhow::anyhow!(
                "unknown account status {}",
                self.status
            ))
        })
    }
}
