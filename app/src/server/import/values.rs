//! One row's cells read and checked value by value against the lookups (pure), each problem noted
//! on its column.
use super::super::entities::{platform, unit};
use super::super::export::Column;
use super::lookups::Lookups;
use super::read::{Cell, excel_serial_date};
use super::sheet::Layout;
use crate::domain::import::{
    CellError, RowProblem, is_masked_mobile, name_key, parse_date, parse_yes_no,
};
use crate::domain::{AccountStatus, CreditCode, Mobile};
use crate::i18n::Locale;
use chrono::NaiveDate;

/// A value shown in the report is cut to this many characters.
const SHOWN_VALUE: usize = 60;
/// The longest texts, as the filing form allows them (`domain::filing`) and the columns hold them.
const MAX_TEXT: usize = 128;
const MAX_LONG_TEXT: usize = 2000;
const MAX_ACCOUNT_ID: usize = 512;
const MAX_CUSTODIAN: usize = 64;

pub(super) fn shown(value: &str) -> String {
    if value.chars().count() > SHOWN_VALUE {
        let mut cut: String = value.chars().take(SHOWN_VALUE).collect();
        cut.push('…');
        cut
    } else {
        value.to_string()
    }
}

/// One row's cells by column, collecting its problems.
pub(super) struct RowCheck<'a> {
    pub(super) cells: &'a [Cell],
    pub(super) layout: &'a Layout,
    pub(super) errors: Vec<CellError>,
}

const EMPTY: Cell = Cell::Empty;

impl RowCheck<'_> {
    /// The column's header and cell, when the file has the column.
    fn get(&self, column: Column) -> Option<(&str, &Cell)> {
        let (position, header) = self.layout.columns.get(&column)?;
        Some((header, self.cells.get(*position).unwrap_or(&EMPTY)))
    }

    pub(super) fn text_of(&self, column: Column) -> String {
        self.get(column).map(|(_, c)| c.text()).unwrap_or_default()
    }

    pub(super) fn fail(&mut self, column: Column, value: &str, problem: RowProblem) {
        let header = match self.layout.columns.get(&column) {
            Some((_, header)) => header.clone(),
            None => column.header(Locale::ZhCn).to_string(),
        };
        self.errors.push(CellError {
            column: header,
            value: shown(value),
            problem,
        });
    }

    /// A text of at most `max` characters; `None` (with the problem noted) when it is missing and
    /// required, or too long.
    fn text(&mut self, column: Column, max: usize, required: bool) -> Option<String> {
        let value = self.text_of(column);
        if value.is_empty() {
            if required {
                self.fail(column, "", RowProblem::Required);
            }
            return None;
        }
        if value.chars().count() > max {
            self.fail(column, &value, RowProblem::TooLong { max });
            return None;
        }
        Some(value)
    }

    /// Yes or no; "no" when the file has no such column.
    fn yes_no(&mut self, column: Column) -> Option<bool> {
        let cell = match self.get(column) {
            None => return Some(false),
            Some((_, cell)) => cell.clone(),
        };
        match cell {
            Cell::Empty => {
                self.fail(column, "", RowProblem::Required);
                None
            }
            Cell::Bool(value) => Some(value),
            other => {
                let text = other.text();
                let parsed = parse_yes_no(&text);
                if parsed.is_none() {
                    self.fail(column, &text, RowProblem::BadYesNo);
                }
                parsed
            }
        }
    }

    /// A date not later than `today`: a date cell, an Excel serial number, or text.
    fn date(&mut self, column: Column, required: bool, today: NaiveDate) -> Option<NaiveDate> {
        let cell = self
            .get(column)
            .map(|(_, c)| c.clone())
            .unwrap_or(Cell::Empty);
        let date = match &cell {
            Cell::Empty => {
                if required {
                    self.fail(column, "", RowProblem::Required);
                }
                return None;
            }
            Cell::Date(date) => Some(*date),
            Cell::Number(serial) => excel_serial_date(*serial),
            other => parse_date(&other.text()),
        };
        match date {
            None => {
                self.fail(column, &cell.text(), RowProblem::BadDate);
                None
            }
            Some(date) if date > today => {
                self.fail(column, &cell.text(), RowProblem::FutureDate);
                None
            }
            Some(date) => Some(date),
        }
    }
}

/// The unit: by its full name (or short name), or by its credit code, which must be its own.
fn check_unit<'l>(check: &mut RowCheck<'_>, lookups: &'l Lookups) -> Option<&'l unit::Model> {
    let unit_text = check.text_of(Column::HostUnit);
    let code_text = check.text_of(Column::CreditCode);
    let code = if code_text.is_empty() {
        None
    } else {
        match CreditCode::parse(&code_text) {
            Ok(code) => Some(code),
            Err(_) => {
                check.fail(Column::CreditCode, &code_text, RowProblem::BadCreditCode);
                None
            }
        }
    };
    let by_code = code
        .as_ref()
        .and_then(|c| lookups.by_credit_code.get(c.as_str()).copied());
    let unit = match (lookups.unit_named(&unit_text), by_code) {
        (Ok(Some(named)), Some(coded)) if named == coded => Some(named),
        (Ok(Some(named)), None) if code.is_none() => Some(named),
        // A valid code, but not the named unit's.
        (Ok(Some(_)), _) => {
            check.fail(
                Column::CreditCode,
                &code_text,
                RowProblem::CreditCodeMismatch,
            );
            None
        }
        // A renamed unit, or one of several of that name, told apart by its code.
        (Ok(None) | Err(_), Some(coded)) => Some(coded),
        (Err(problem), None) => {
            check.fail(Column::HostUnit, &unit_text, problem);
            None
        }
        (Ok(None), None) => {
            if !unit_text.is_empty() {
                check.fail(Column::HostUnit, &unit_text, RowProblem::UnknownUnit);
            } else if code.is_some() {
                check.fail(Column::CreditCode, &code_text, RowProblem::UnknownUnit);
            } else if code_text.is_empty() {
                check.fail(Column::HostUnit, "", RowProblem::Required);
            }
            None
        }
    };
    unit.map(|i| &lookups.units[i])
}

/// The platform, by its name in the catalogue.
fn check_platform<'l>(
    check: &mut RowCheck<'_>,
    lookups: &'l Lookups,
) -> Option<&'l platform::Model> {
    let platform_text = check.text_of(Column::Platform);
    if platform_text.is_empty() {
        check.fail(Column::Platform, "", RowProblem::Required);
        return None;
    }
    let found = lookups
        .platform_by_name
        .get(&name_key(&platform_text))
        .map(|i| &lookups.platforms[*i]);
    if found.is_none() {
        check.fail(
            Column::Platform,
            &platform_text,
            RowProblem::UnknownPlatform,
        );
    }
    found
}

/// The status, by its label.
fn check_status(check: &mut RowCheck<'_>, lookups: &Lookups) -> Option<AccountStatus> {
    let status_text = check.text_of(Column::Status);
    if status_text.is_empty() {
        check.fail(Column::Status, "", RowProblem::Required);
        return None;
    }
    let found = lookups.statuses.get(&name_key(&status_text)).copied();
    if found.is_none() {
        check.fail(Column::Status, &status_text, RowProblem::UnknownStatus);
    }
    found
}

/// Art. 29: the custodian's real number, which an export for administrators masks.
fn check_mobile(check: &mut RowCheck<'_>) -> Option<Mobile> {
    let mobile_text = check.text_of(Column::CustodianMobile);
    if mobile_text.is_empty() {
        check.fail(Column::CustodianMobile, "", RowProblem::Required);
        return None;
    }
    if is_masked_mobile(&mobile_text) {
        let problem = RowProblem::MaskedMobile;
        check.fail(Column::CustodianMobile, &mobile_text, problem);
        return None;
    }
    match Mobile::parse(&mobile_text) {
        Ok(mobile) => Some(mobile),
        Err(_) => {
            check.fail(Column::CustodianMobile, &mobile_text, RowProblem::BadMobile);
            None
        }
    }
}

/// The values of a row, each `None` where the row has a problem with it.
pub(super) struct Values<'l> {
    pub(super) unit: Option<&'l unit::Model>,
    pub(super) platform: Option<&'l platform::Model>,
    pub(super) name: Option<String>,
    pub(super) platform_account_id: Option<String>,
    pub(super) verification_subject: Option<String>,
    pub(super) operating_unit: Option<String>,
    pub(super) outsourced: Option<bool>,
    pub(super) purpose: Option<String>,
    pub(super) opened_on: Option<NaiveDate>,
    pub(super) status: Option<AccountStatus>,
    pub(super) in_national_system: Option<bool>,
    pub(super) custodian_name: Option<String>,
    pub(super) custodian_mobile: Option<Mobile>,
    pub(super) password_rotated_on: Option<NaiveDate>,
}

/// Reads and checks every cell of the row, noting each problem.
pub(super) fn values<'l>(check: &mut RowCheck<'_>, lookups: &'l Lookups) -> Values<'l> {
    let today = lookups.today;
    Values {
        unit: check_unit(check, lookups),
        platform: check_platform(check, lookups),
        name: check.text(Column::AccountName, MAX_TEXT, true),
        platform_account_id: check.text(Column::AccountId, MAX_ACCOUNT_ID, false),
        verification_subject: check.text(Column::VerificationSubject, MAX_TEXT, true),
        operating_unit: check.text(Column::OperatingUnit, MAX_TEXT, true),
        outsourced: check.yes_no(Column::Outsourced),
        purpose: check.text(Column::Purpose, MAX_LONG_TEXT, true),
        opened_on: check.date(Column::OpenedOn, true, today),
        status: check_status(check, lookups),
        in_national_system: check.yes_no(Column::InNationalSystem),
        custodian_name: check.text(Column::CustodianName, MAX_CUSTODIAN, true),
        custodian_mobile: check_mobile(check),
        password_rotated_on: check.date(Column::PasswordRotatedOn, false, today),
    }
}
