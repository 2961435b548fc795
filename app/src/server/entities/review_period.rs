use sea_orm::entity::prelude::*;

/// One Art. 11 review period of a filing: from a receipt to the decision that closes it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_periods")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub filing_id: i32,
    pub received_at: DateTimeUtc,
    pub working_days: i32,
    pub due_on: Date,
    pub due_provisional: bool,
    pub closed_at: Option<DateTimeUtc>,
    /// `returned`, `approved` or `rejected`; none while open.
    pub outcome: Option<crate::domain::filing::FilingState>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
