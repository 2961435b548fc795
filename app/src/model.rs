//! What server functions hand to pages: plain serialisable view models shared by server and browser.
use crate::domain::{AccountStatus, Role, UnitKind, Viewer};
use crate::i18n::Locale;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The signed-in person, as the session layer resolves it for every request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<i32>,
    pub unit_name: Option<String>,
}

impl SessionUser {
    pub fn viewer(&self) -> Viewer {
        Viewer {
            role: self.role,
            unit_id: self.unit_id,
        }
    }
}

/// A platform's names in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformName {
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl PlatformName {
    pub fn in_locale(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.zh,
            Locale::En => &self.en,
        }
    }
}

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
    pub custodian: CustodianView,
}
