//! The registry's columns in the upstream template's order, and their headers (zh-CN or English).
use crate::i18n::Locale;

/// The registry's columns, in the order of the upstream template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Seq,
    HostUnit,
    CreditCode,
    UnitKind,
    Platform,
    AccountName,
    AccountId,
    VerificationSubject,
    OperatingUnit,
    Outsourced,
    Purpose,
    OpenedOn,
    Status,
    InNationalSystem,
    CustodianName,
    CustodianMobile,
    PasswordRotatedOn,
}

pub const REGISTRY_COLUMNS: [Column; 17] = [
    Column::Seq,
    Column::HostUnit,
    Column::CreditCode,
    Column::UnitKind,
    Column::Platform,
    Column::AccountName,
    Column::AccountId,
    Column::VerificationSubject,
    Column::OperatingUnit,
    Column::Outsourced,
    Column::Purpose,
    Column::OpenedOn,
    Column::Status,
    Column::InNationalSystem,
    Column::CustodianName,
    Column::CustodianMobile,
    Column::PasswordRotatedOn,
];

impl Column {
    /// The header as the upstream template spells it (zh-CN), or in English.
    pub fn header(self, locale: Locale) -> &'static str {
        let (zh, en) = match self {
            Column::Seq => ("序号", "No."),
            Column::HostUnit => ("主办单位", "Host unit"),
            Column::CreditCode => ("统一社会信用代码", "Unified social credit code"),
            Column::UnitKind => ("单位类型", "Unit type"),
            Column::Platform => ("平台", "Platform"),
            Column::AccountName => ("账号名称", "Account name"),
            Column::AccountId => ("账号ID/链接", "Account ID / link"),
            Column::VerificationSubject => ("认证主体", "Verified entity"),
            Column::OperatingUnit => ("运维单位", "Operating unit"),
            Column::Outsourced => ("是否委托第三方", "Outsourced to a third party"),
            Column::Purpose => ("功能定位", "Purpose"),
            Column::OpenedOn => ("开设日期", "Opened on"),
            Column::Status => ("状态", "Status"),
            Column::InNationalSystem => (
                "是否纳入全国政务新媒体信息报送系统",
                "In the national reporting system",
            ),
            Column::CustodianName => ("密码保管人", "Password custodian"),
            Column::CustodianMobile => ("保管人手机", "Custodian's mobile"),
            Column::PasswordRotatedOn => ("最近改密日期", "Password last changed"),
        };
        match locale {
            Locale::ZhCn => zh,
            Locale::En => en,
        }
    }
}

impl Column {
    /// How the workbook writes the column's cells.
    pub fn cell_kind(self) -> super::CellKind {
        match self {
            Column::Seq => super::CellKind::Number,
            Column::OpenedOn | Column::PasswordRotatedOn => super::CellKind::Date,
            _ => super::CellKind::Text,
        }
    }
}

/// The registry's columns in the workbook: each header with its kind of cell.
pub fn registry_columns(locale: Locale) -> Vec<(String, super::CellKind)> {
    REGISTRY_COLUMNS
        .iter()
        .map(|c| (c.header(locale).to_string(), c.cell_kind()))
        .collect()
}

/// The headers of the registry export.
pub fn registry_headers(locale: Locale) -> Vec<String> {
    REGISTRY_COLUMNS
        .iter()
        .map(|c| c.header(locale).to_string())
        .collect()
}
