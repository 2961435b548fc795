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
    /// The viewer is a submitter of the host unit and may file a change, suspension or deregistration.
    pub may_file: bool,
    pub history: Vec<HistoryEntry>,
}

/// A filing in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingRow {
    pub id: i32,
    pub number: String,
    pub kind: crate::domain::filing::FilingKind,
    pub state: crate::domain::filing::FilingState,
    pub awaiting_completion: bool,
    pub unit_name: String,
    pub account_name: String,
    pub platform: Option<PlatformName>,
    /// RFC 3339, in UTC; shown in China time.
    pub received_at: Option<String>,
    /// Art. 11 due date (YYYY-MM-DD) and whether it rests on a year without calendar data.
    pub due_on: Option<(String, bool)>,
}

/// An attachment as listed on its filing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: i32,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// One audit event in a history, with the fields it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: String,
    pub actor: Option<String>,
    pub role: Option<Role>,
    pub action: String,
    /// (field, old, new) as text.
    pub changes: Vec<(String, String, String)>,
}

/// A filing with everything its page shows, and the steps the viewer may take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingDetail {
    pub id: i32,
    pub number: String,
    pub kind: crate::domain::filing::FilingKind,
    pub state: crate::domain::filing::FilingState,
    pub awaiting_completion: bool,
    pub unit_name: String,
    pub unit_credit_code: Option<String>,
    pub account: Option<(i32, String)>,
    pub platform: Option<PlatformName>,
    pub form: crate::domain::filing::FilingForm,
    /// Problems that block submission (drafts and returned filings).
    pub issues: Vec<(crate::domain::filing::Field, crate::domain::filing::Issue)>,
    pub warnings: Vec<crate::domain::filing::Warning>,
    pub changes: Vec<(crate::domain::filing::Field, String, String)>,
    pub art9_waiver: Option<String>,
    pub received_at: Option<String>,
    pub due_on: Option<(String, bool)>,
    pub decision_note: Option<String>,
    pub decided_at: Option<String>,
    pub report: Option<(String, String, String)>,
    pub completion: Option<(String, String)>,
    pub attachments: Vec<AttachmentView>,
    pub actions: Vec<crate::domain::filing::FilingAction>,
    pub history: Vec<HistoryEntry>,
    /// The platforms an open request may choose from.
    pub platforms: Vec<PlatformName>,
}
