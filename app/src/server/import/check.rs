//! The rows' verdicts (pure: rows and lookups in, report and accounts out): each row's values,
//! Art. 9, and the same account twice.
use super::super::entities::{platform, unit};
use super::super::export::Column;
use super::lookups::{Identity, Lookups, identity};
use super::read::Cell;
use super::sheet::{Layout, Sheet};
use super::values::{RowCheck, Values, shown, values};
use crate::domain::filing::{Art9Case, art9};
use crate::domain::import::{
    CellError, ImportMode, ImportReport, RowOutcome, RowProblem, RowReport,
};
use crate::domain::{AccountStatus, Mobile, UnitKind};
use chrono::NaiveDate;
use std::collections::HashMap;

/// An account a valid row describes.
pub(super) struct Candidate {
    pub(super) line: usize,
    pub(super) row: u64,
    pub(super) unit_id: i32,
    pub(super) platform_id: i32,
    pub(super) name: String,
    pub(super) platform_account_id: Option<String>,
    pub(super) verification_subject: String,
    pub(super) operating_unit: String,
    pub(super) outsourced: bool,
    pub(super) purpose: String,
    pub(super) opened_on: NaiveDate,
    pub(super) status: AccountStatus,
    pub(super) in_national_system: bool,
    pub(super) custodian_name: String,
    pub(super) custodian_mobile: Mobile,
    pub(super) password_rotated_on: Option<NaiveDate>,
    /// Art. 9: a second live account of the unit on the platform.
    pub(super) art9_duplicate: bool,
}

/// What the rows before the current one established.
#[derive(Default)]
struct Seen {
    identities: HashMap<Identity, u64>,
    live: HashMap<(i32, i32), u32>,
}

/// The kind Art. 9 is asked about for a row whose unit has none to judge: an unknown unit (its cell
/// has its error already). Any kind that may host would do: what Art. 9 says of the unit is then
/// not read.
const UNJUDGED_UNIT: UnitKind = UnitKind::Department;

/// Art. 9 ([`art9`] decides): a live account is not in the name of an internal division (内设机构),
/// nor on a platform the national authorities have not approved.
fn check_art9_host(
    check: &mut RowCheck<'_>,
    unit: Option<&unit::Model>,
    platform: Option<&platform::Model>,
) {
    let unit_kind = unit.map(|u| u.kind);
    let verdict = art9::<()>(Art9Case {
        unit_kind: unit_kind.unwrap_or(UNJUDGED_UNIT),
        platform_approved: platform.map(|p| p.nationally_approved),
        existing: None,
        waived: false,
    });
    if unit_kind.is_some() && verdict.unit_may_not_host {
        let unit_text = check.text_of(Column::HostUnit);
        check.fail(Column::HostUnit, &unit_text, RowProblem::UnitMayNotHost);
    }
    if verdict.platform_not_approved {
        let platform_text = check.text_of(Column::Platform);
        let problem = RowProblem::PlatformNotApproved;
        check.fail(Column::Platform, &platform_text, problem);
    }
}

/// The same account twice (already registered, or earlier in the file) is a mistake, and
/// importing a file a second time changes nothing.
fn check_identity(
    check: &mut RowCheck<'_>,
    v: &Values<'_>,
    row: u64,
    lookups: &Lookups,
    seen: &mut Seen,
) {
    let (Some(u), Some(p), Some(name), Some(opened_on)) =
        (v.unit, v.platform, &v.name, v.opened_on)
    else {
        return;
    };
    let key = identity(
        u.id,
        p.id,
        name,
        v.platform_account_id.as_deref(),
        opened_on,
    );
    if lookups.registered.contains(&key) {
        check.fail(Column::AccountName, name, RowProblem::AlreadyRegistered);
    } else if let Some(earlier) = seen.identities.get(&key) {
        let problem = RowProblem::RepeatsRow { row: *earlier };
        check.fail(Column::AccountName, name, problem);
    } else {
        seen.identities.insert(key, row);
    }
}

/// Art. 9: in principle one account per unit per platform ([`art9`] decides). A second live one,
/// registered before or earlier in the file, is imported with the legacy-duplicate marker as its
/// waiver (the partial unique index allows it) and so lands on the rectification list.
fn art9_duplicate(v: &Values<'_>, live: bool, lookups: &Lookups, seen: &mut Seen) -> bool {
    let (Some(u), Some(p), true) = (v.unit, v.platform, live) else {
        return false;
    };
    let pair = (u.id, p.id);
    let before =
        lookups.live.get(&pair).copied().unwrap_or(0) + seen.live.get(&pair).copied().unwrap_or(0);
    *seen.live.entry(pair).or_default() += 1;
    let verdict = art9(Art9Case {
        unit_kind: u.kind,
        platform_approved: Some(p.nationally_approved),
        // What the unit holds there already: its live accounts, registered or earlier in the file.
        existing: (before > 0).then_some(before),
        // A register brings no waiver: its duplicate gets the legacy marker instead.
        waived: false,
    });
    verdict.duplicate_of.is_some()
}

/// The account to create from a row without problems: every value is there (`None` otherwise,
/// which cannot happen: each missing value noted a problem).
fn candidate(line: usize, row: u64, v: Values<'_>, art9_duplicate: bool) -> Option<Candidate> {
    Some(Candidate {
        line,
        row,
        unit_id: v.unit?.id,
        platform_id: v.platform?.id,
        name: v.name?,
        platform_account_id: v.platform_account_id,
        verification_subject: v.verification_subject?,
        operating_unit: v.operating_unit?,
        outsourced: v.outsourced?,
        purpose: v.purpose?,
        opened_on: v.opened_on?,
        status: v.status?,
        in_national_system: v.in_national_system?,
        custodian_name: v.custodian_name?,
        custodian_mobile: v.custodian_mobile?,
        password_rotated_on: v.password_rotated_on,
        art9_duplicate,
    })
}

/// Checks one row; the report line, and the account when the row has no problem.
fn check_row(
    line: usize,
    (row, cells): &(u64, Vec<Cell>),
    layout: &Layout,
    lookups: &Lookups,
    seen: &mut Seen,
) -> (RowReport, Option<Candidate>) {
    let mut check = RowCheck {
        cells,
        layout,
        errors: Vec::new(),
    };
    let v = values(&mut check, lookups);
    let live = v.status.is_some_and(AccountStatus::is_live);
    if live {
        check_art9_host(&mut check, v.unit, v.platform);
    }
    check_identity(&mut check, &v, *row, lookups, seen);
    let art9_duplicate = art9_duplicate(&v, live, lookups, seen);
    let errors = std::mem::take(&mut check.errors);
    let report = |outcome| RowReport {
        row: *row,
        unit: v
            .unit
            .map(|u| u.name.clone())
            .unwrap_or_else(|| shown(&check.text_of(Column::HostUnit))),
        platform: shown(&check.text_of(Column::Platform)),
        account: shown(&check.text_of(Column::AccountName)),
        outcome,
        account_id: None,
    };
    if !errors.is_empty() {
        return (report(RowOutcome::Errors(errors)), None);
    }
    let outcome = match art9_duplicate {
        true => RowOutcome::Art9Duplicate,
        false => RowOutcome::Create,
    };
    let report = report(outcome);
    match candidate(line, *row, v, art9_duplicate) {
        Some(candidate) => (report, Some(candidate)),
        None => {
            // Unreachable: each missing value noted a problem. Kept as an error, never a panic.
            let problem = CellError {
                column: String::new(),
                value: String::new(),
                problem: RowProblem::Required,
            };
            let mut report = report;
            report.outcome = RowOutcome::Errors(vec![problem]);
            (report, None)
        }
    }
}

/// Checks every row; the report and the accounts to create.
pub(super) fn check_rows(
    sheet: &Sheet,
    lookups: &Lookups,
    file_name: &str,
    mode: ImportMode,
) -> (ImportReport, Vec<Candidate>) {
    let mut seen = Seen::default();
    let mut lines = Vec::with_capacity(sheet.rows.len());
    let mut candidates = Vec::new();
    for (line, row) in sheet.rows.iter().enumerate() {
        let (report, candidate) = check_row(line, row, &sheet.layout, lookups, &mut seen);
        lines.push(report);
        candidates.extend(candidate);
    }
    let error_rows = lines.iter().filter(|l| !l.errors().is_empty()).count() as u64;
    let report = ImportReport {
        file_name: file_name.to_string(),
        format: sheet.format.to_string(),
        mode,
        header_row: sheet.header_row,
        ignored_columns: sheet.layout.ignored.clone(),
        rows: lines.len() as u64,
        valid_rows: candidates.len() as u64,
        art9_duplicates: candidates.iter().filter(|c| c.art9_duplicate).count() as u64,
        error_rows,
        errors: lines.iter().map(|l| l.errors().len() as u64).sum(),
        applied: false,
        lines,
        lines_omitted: 0,
        errors_only: false,
    };
    (report, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RowProblem::{PlatformNotApproved, UnitMayNotHost};

    fn unit_of(id: i32, kind: &str) -> unit::Model {
        unit::Model {
            id,
            code: format!("u{id}"),
            kind: UnitKind::parse(kind).unwrap(),
            name: format!("单位{id}"),
            short_name: None,
            credit_code: None,
            parent_id: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn platform_of(id: i32, nationally_approved: bool) -> platform::Model {
        platform::Model {
            id,
            code: format!("p{id}"),
            name_zh: format!("平台{id}"),
            name_en: format!("Platform {id}"),
            nationally_approved,
            has_account_id: false,
            sort_order: id,
        }
    }

    fn host_problems(
        unit: Option<&unit::Model>,
        platform: Option<&platform::Model>,
    ) -> Vec<RowProblem> {
        let layout = Layout {
            index: 0,
            columns: HashMap::new(),
            ignored: Vec::new(),
        };
        let mut check = RowCheck {
            cells: &[],
            layout: &layout,
            errors: Vec::new(),
        };
        check_art9_host(&mut check, unit, platform);
        check.errors.into_iter().map(|e| e.problem).collect()
    }

    #[test]
    fn art9_host_problems_are_the_verdict_of_art9_on_what_the_row_names() {
        let division = unit_of(1, "internal_division");
        let department = unit_of(2, "department");
        let (approved, unapproved) = (platform_of(1, true), platform_of(2, false));
        assert_eq!(
            host_problems(Some(&division), Some(&unapproved)),
            vec![UnitMayNotHost, PlatformNotApproved]
        );
        assert_eq!(host_problems(Some(&division), None), vec![UnitMayNotHost]);
        assert_eq!(host_problems(Some(&department), Some(&approved)), vec![]);
        // A row whose unit is unknown (an error already) is still told about its platform.
        assert_eq!(
            host_problems(None, Some(&unapproved)),
            vec![PlatformNotApproved]
        );
        assert_eq!(host_problems(None, Some(&approved)), vec![]);
    }

    fn values_of<'l>(unit: &'l unit::Model, platform: &'l platform::Model) -> Values<'l> {
        Values {
            unit: Some(unit),
            platform: Some(platform),
            name: None,
            platform_account_id: None,
            verification_subject: None,
            operating_unit: None,
            outsourced: None,
            purpose: None,
            opened_on: None,
            status: None,
            in_national_system: None,
            custodian_name: None,
            custodian_mobile: None,
            password_rotated_on: None,
        }
    }

    #[test]
    fn a_second_live_account_of_a_unit_on_a_platform_is_an_art9_duplicate() {
        let (unit, other_unit) = (unit_of(1, "department"), unit_of(2, "township"));
        let platform = platform_of(1, true);
        let lookups = Lookups {
            units: Vec::new(),
            by_name: HashMap::new(),
            by_short_name: HashMap::new(),
            by_credit_code: HashMap::new(),
            platforms: Vec::new(),
            platform_by_name: HashMap::new(),
            statuses: HashMap::new(),
            live: HashMap::from([((2, 1), 1)]),
            registered: Default::default(),
            today: chrono::NaiveDate::MIN,
        };
        let mut seen = Seen::default();
        let row = values_of(&unit, &platform);
        // A deregistered row neither is one nor counts.
        assert!(!art9_duplicate(&row, false, &lookups, &mut seen));
        assert!(!art9_duplicate(&row, true, &lookups, &mut seen));
        assert!(art9_duplicate(&row, true, &lookups, &mut seen));
        // Registered before the file.
        let registered = values_of(&other_unit, &platform);
        assert!(art9_duplicate(&registered, true, &lookups, &mut seen));
    }
}
