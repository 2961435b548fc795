//! The registry and its accounts, as pages show them.
use super::*;
use crate::domain::{AccountStatus, UnitKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitOption {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: i32,
    pub name: String,
    pub unit_name: String,
    pub platform: PlatformName,
    pub status: AccountStatus,
    pub opened_on: NaiveDate,
    pub in_national_system: bool,
    /// Art. 29: the custodian's password is due for rotation (or its rotation was never recorded).
    pub rotation_overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformCount {
    pub platform: PlatformName,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCount {
    pub status: AccountStatus,
    pub count: u64,
}

/// One page of the registry with the filter choices and the counts of the filtered selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryView {
    pub rows: Vec<AccountRow>,
    pub total: u64,
    pub by_platform: Vec<PlatformCount>,
    pub by_status: Vec<StatusCount>,
    /// Accounts in use, in the filtered selection, whose password rotation is overdue (Art. 29).
    pub rotation_overdue: u64,
    /// The county's rotation interval, in days.
    pub rotation_days: u32,
    pub units: Vec<UnitOption>,
    pub platforms: Vec<PlatformName>,
}

/// An account's custodian (Art. 29), as far as the viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustodianView {
    Shown {
        name: String,
        mobile: String,
        masked: bool,
    },
    Withheld,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetail {
    pub id: i32,
    pub name: String,
    pub unit_name: String,
    pub unit_code: String,
    pub unit_kind: UnitKind,
    pub unit_credit_code: Option<String>,
    pub platform: PlatformName,
    pub platform_account_id: Option<String>,
    pub verification_subject: String,
    pub operating_unit: String,
    pub outsourced: bool,
    pub purpose: String,
    pub opened_on: NaiveDate,
    pub status: AccountStatus,
    pub in_national_system: bool,
    pub password_rotated_on: Option<NaiveDate>,
    /// Art. 29: the rotation is overdue under the county's interval.
    pub rotation_overdue: bool,
    /// The viewer may record a rotation (the host unit's submitters, administrators).
    pub may_record_rotation: bool,
    pub custodian: CustodianView,
    /// The viewer is a submitter of the host unit and may file a change, suspension or deregistration.
    pub may_file: bool,
    pub history: Vec<HistoryEntry>,
    /// The request still open on the account (id, number), for viewers who may read it: while
    /// there is one, no other request is offered (issue 15, item 11).
    pub pending_filing: Option<(i32, String)>,
}
