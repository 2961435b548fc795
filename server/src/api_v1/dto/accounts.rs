//! The registry's accounts as the API gives them (a page of summaries, one account in full with
//! its custodian as far as the caller may see them), and the filters of the list and the export.
use super::{HistoryEvent, Platform};
use app::domain::registry::{MAX_PAGE, MAX_PER_PAGE};
use app::domain::{AccountStatus, UnitKind};
use app::error::Shaped;
use app::model::{AccountDetail, AccountRow, CustodianView, RegistryView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// An account in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountSummary {
    pub id: i32,
    pub name: String,
    pub unit_name: String,
    pub platform: Platform,
    pub status: AccountStatus,
    /// YYYY-MM-DD.
    pub opened_on: String,
    pub in_national_system: bool,
    /// Art. 29: the password rotation is overdue (or was never recorded).
    pub rotation_overdue: bool,
}

impl From<AccountRow> for AccountSummary {
    fn from(a: AccountRow) -> Self {
        AccountSummary {
            id: a.id,
            name: a.name,
            unit_name: a.unit_name,
            platform: a.platform.into(),
            status: a.status,
            opened_on: a.opened_on.to_string(),
            in_national_system: a.in_national_system,
            rotation_overdue: a.rotation_overdue,
        }
    }
}

/// The filters of `GET /api/v1/accounts`. A page out of range is `Invalid(OutOfRange)` (422).
#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct AccountFilter {
    /// A unit's code.
    pub unit: Option<String>,
    /// A platform's code.
    pub platform: Option<String>,
    pub status: Option<AccountStatus>,
    /// Text in the account's name or its platform account ID (as the registry page's filter; the
    /// unit is chosen with `unit`).
    pub q: Option<String>,
    /// From 1 (to 1,000,000).
    #[param(minimum = 1, maximum = 1000000)]
    #[validate(range(min = 1, max = MAX_PAGE))]
    pub page: Option<u64>,
    /// 1 to 100; 50 by default.
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = MAX_PER_PAGE))]
    pub per_page: Option<u64>,
}

impl Shaped for AccountFilter {
    const FIELDS: &'static [&'static str] = &["page", "per_page"];
}

/// One page of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    pub items: Vec<AccountSummary>,
    /// Accounts matching the filters, all pages.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl AccountPage {
    pub fn new(view: RegistryView, page: u64, per_page: u64) -> Self {
        AccountPage {
            items: view.rows.into_iter().map(Into::into).collect(),
            total: view.total,
            page,
            per_page,
        }
    }
}

/// The custodian (Art. 29) as far as the caller may see them: the county office and the host unit
/// see the mobile in full; administrators and auditors see it masked; other units see nothing.
#[derive(Debug, Serialize, ToSchema)]
pub struct Custodian {
    pub name: String,
    pub mobile: String,
    pub masked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: i32,
    pub name: String,
    pub unit_name: String,
    pub unit_code: String,
    pub unit_kind: UnitKind,
    pub unit_credit_code: Option<String>,
    pub platform: Platform,
    pub platform_account_id: Option<String>,
    pub verification_subject: String,
    pub operating_unit: String,
    pub outsourced: bool,
    pub purpose: String,
    /// YYYY-MM-DD.
    pub opened_on: String,
    pub status: AccountStatus,
    pub in_national_system: bool,
    /// YYYY-MM-DD.
    pub password_rotated_on: Option<String>,
    pub rotation_overdue: bool,
    /// Null when the caller may not see the custodian.
    pub custodian: Option<Custodian>,
    pub history: Vec<HistoryEvent>,
}

impl From<AccountDetail> for Account {
    fn from(a: AccountDetail) -> Self {
        Account {
            id: a.id,
            name: a.name,
            unit_name: a.unit_name,
            unit_code: a.unit_code,
            unit_kind: a.unit_kind,
            unit_credit_code: a.unit_credit_code,
            platform: a.platform.into(),
            platform_account_id: a.platform_account_id,
            verification_subject: a.verification_subject,
            operating_unit: a.operating_unit,
            outsourced: a.outsourced,
            purpose: a.purpose,
            opened_on: a.opened_on.to_string(),
            status: a.status,
            in_national_system: a.in_national_system,
            password_rotated_on: a.password_rotated_on.map(|d| d.to_string()),
            rotation_overdue: a.rotation_overdue,
            custodian: match a.custodian {
                CustodianView::Shown {
                    name,
                    mobile,
                    masked,
                } => Some(Custodian {
                    name,
                    mobile,
                    masked,
                }),
                CustodianView::Withheld => None,
            },
            history: a.history.into_iter().map(Into::into).collect(),
        }
    }
}

/// The registry export's filters (as the registry page's).
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFilter {
    pub unit: Option<String>,
    pub platform: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
    /// `overdue`: only accounts whose password rotation is overdue.
    pub rotation: Option<String>,
    /// `en` for English headers and labels; Chinese by default.
    pub lang: Option<String>,
}
