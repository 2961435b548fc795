use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "filings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub number: String,
    pub year: i32,
    pub seq: i32,
    pub kind: crate::domain::filing::FilingKind,
    pub state: crate::domain::filing::FilingState,
    pub unit_id: i32,
    pub account_id: Option<i32>,
    pub platform_id: Option<i32>,
    pub account_name: String,
    pub platform_account_id: String,
    pub verification_subject: String,
    pub operating_unit: String,
    pub outsourced: bool,
    pub purpose: String,
    pub custodian_name: String,
    pub custodian_mobile: String,
    pub leader_name: String,
    pub leader_consent_on: String,
    pub collective_decision_on: String,
    pub reason: String,
    pub changes: Option<String>,
    pub warnings: Option<String>,
    pub art9_waiver: Option<String>,
    pub waiver_by: Option<i32>,
    pub completion_required: bool,
    pub platform_done_on: Option<Date>,
    pub announcement_url: Option<String>,
    pub completion_recorded_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub completed_by: Option<i32>,
    pub received_at: Option<DateTimeUtc>,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_note: Option<String>,
    pub reported_on: Option<Date>,
    pub reported_to: Option<String>,
    pub report_reference: Option<String>,
    pub created_by: i32,
    pub idempotency_key: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub due_on: Option<Date>,
    pub due_provisional: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
