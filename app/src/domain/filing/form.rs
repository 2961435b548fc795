//! A filing's form (the 备案表's boxes): its fields and their shape, and the checks it must pass
//! before it is submitted (`issues`, Art. 9, 10) or that only warn (`warnings`, Art. 10).
use super::FilingKind;
use super::art9::{Art9Case, art9};
use crate::domain::{Mobile, UnitKind};
use chrono::NaiveDate;
use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

/// A form field of a filing (the 备案表's boxes), for inline errors and change lists.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Account,
    AccountName,
    Platform,
    PlatformAccountId,
    VerificationSubject,
    OperatingUnit,
    Outsourced,
    Purpose,
    CustodianName,
    CustodianMobile,
    LeaderName,
    LeaderConsentOn,
    CollectiveDecisionOn,
    Reason,
    Attachments,
}

/// What is wrong with a field.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Issue {
    Required,
    TooLong,
    BadDate,
    FutureDate,
    BadMobile,
    /// Art. 10: the verification subject must be the host unit's full legal name.
    SubjectNotUnitName,
    /// Art. 9: no accounts for internal divisions.
    UnitMayNotHost,
    /// Art. 9: only nationally approved platforms.
    PlatformNotApproved,
    /// A change filing that changes nothing.
    NothingChanged,
    /// Outsourced operation needs the contract and the confidentiality agreement.
    OutsourcingPapersMissing,
}

/// Something the reviewer and the unit should look at, which does not block submission (Art. 10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Warning {
    /// The unit's accounts on other platforms carry another name.
    NameDiffersFromOtherPlatforms { other_names: Vec<String> },
    /// The account name shares no character with the unit's name.
    NameUnrelatedToUnit,
}

/// A filing's form as typed (a draft may be incomplete; an unticked box is absent from a form post).
/// Its shape is declared box by box: at most as long as the column it is saved in, and the
/// custodian's number a mobile number ([`Mobile`]) when one is given. A draft must fit its columns;
/// whether a box must be filled in, and the rest, is [`issues`]' question at submission.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[serde(default)]
pub struct FilingForm {
    #[validate(length(max = MAX_TEXT))]
    pub account_name: String,
    #[validate(length(max = 512))]
    pub platform_account_id: String,
    #[validate(length(max = MAX_TEXT))]
    pub verification_subject: String,
    #[validate(length(max = MAX_TEXT))]
    pub operating_unit: String,
    pub outsourced: bool,
    #[validate(length(max = MAX_LONG_TEXT))]
    pub purpose: String,
    #[validate(length(max = 64))]
    pub custodian_name: String,
    #[validate(length(max = 32), custom(function = "mobile"))]
    pub custodian_mobile: String,
    #[validate(length(max = 64))]
    pub leader_name: String,
    #[validate(length(max = 16))]
    pub leader_consent_on: String,
    #[validate(length(max = 16))]
    pub collective_decision_on: String,
    #[validate(length(max = MAX_LONG_TEXT))]
    pub reason: String,
}

/// What the checks need to know besides the form.
#[derive(Debug, Clone)]
pub struct FilingContext<'a> {
    pub kind: FilingKind,
    pub unit_name: &'a str,
    pub unit_kind: UnitKind,
    /// None when no platform is chosen.
    pub platform_approved: Option<bool>,
    pub has_target_account: bool,
    pub has_contract: bool,
    pub has_confidentiality_agreement: bool,
    /// The date today in China, for "not in the future".
    pub today: NaiveDate,
}

const MAX_TEXT: u64 = 128;
const MAX_LONG_TEXT: u64 = 2000;

/// The custodian's number, when one is typed, is a mobile number as [`Mobile`] reads it (an empty
/// box is `issues`' question: only forms that describe an account need one).
fn mobile(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Ok(());
    }
    Mobile::parse(value)
        .map(drop)
        .map_err(|_| ValidationError::new("mobile"))
}

impl FilingForm {
    /// The form with every box trimmed, as it is saved and checked.
    pub fn trimmed(self) -> Self {
        let trim = |value: String| value.trim().to_string();
        FilingForm {
            account_name: trim(self.account_name),
            platform_account_id: trim(self.platform_account_id),
            verification_subject: trim(self.verification_subject),
            operating_unit: trim(self.operating_unit),
            outsourced: self.outsourced,
            purpose: trim(self.purpose),
            custodian_name: trim(self.custodian_name),
            custodian_mobile: trim(self.custodian_mobile),
            leader_name: trim(self.leader_name),
            leader_consent_on: trim(self.leader_consent_on),
            collective_decision_on: trim(self.collective_decision_on),
            reason: trim(self.reason),
        }
    }

    /// Every box whose shape is wrong, and how, in the form's order: too long for its column
    /// (`TooLong`), or not a mobile number (`BadMobile`).
    pub fn misshapen(&self) -> Vec<(Field, Issue)> {
        let Err(errors) = self.validate() else {
            return Vec::new();
        };
        let mut found: Vec<(Field, Issue)> = errors
            .field_errors()
            .into_iter()
            .flat_map(|(name, broken)| {
                // The form's field names are the `Field`s' own (`account_name`, …).
                let field = Field::deserialize(name.as_ref().into_deserializer())
                    .map_err(|_: serde::de::value::Error| ())
                    .expect("every box of the form is a Field");
                broken.iter().map(move |error| (field, issue(error)))
            })
            .collect();
        found.sort_by_key(|(field, _)| *field);
        found
    }

    /// The first box longer than a draft may hold (the widths of the columns it is saved in).
    /// Submission checks the stricter rules; this keeps a forged or scripted draft from reaching
    /// the database with text it cannot store. Expects the form [`trimmed`](Self::trimmed).
    pub fn oversized_field(&self) -> Option<Field> {
        self.misshapen()
            .into_iter()
            .find(|(_, issue)| *issue == Issue::TooLong)
            .map(|(field, _)| field)
    }
}

/// The issue a broken constraint of the form's shape stands for.
fn issue(error: &ValidationError) -> Issue {
    match error.code.as_ref() {
        "mobile" => Issue::BadMobile,
        // `length`, the only other constraint the form declares.
        _ => Issue::TooLong,
    }
}

impl Field {
    /// The field's name in forms and JSON (`account_name`, …).
    pub fn name(self) -> &'static str {
        match self {
            Field::Account => "account",
            Field::AccountName => "account_name",
            Field::Platform => "platform",
            Field::PlatformAccountId => "platform_account_id",
            Field::VerificationSubject => "verification_subject",
            Field::OperatingUnit => "operating_unit",
            Field::Outsourced => "outsourced",
            Field::Purpose => "purpose",
            Field::CustodianName => "custodian_name",
            Field::CustodianMobile => "custodian_mobile",
            Field::LeaderName => "leader_name",
            Field::LeaderConsentOn => "leader_consent_on",
            Field::CollectiveDecisionOn => "collective_decision_on",
            Field::Reason => "reason",
            Field::Attachments => "attachments",
        }
    }
}

fn date(value: &str) -> Result<NaiveDate, Issue> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| Issue::BadDate)
}

/// A box that must be filled in, and fit its column.
fn need(found: &mut Vec<(Field, Issue)>, shape: &[(Field, Issue)], field: Field, value: &str) {
    if value.trim().is_empty() {
        found.push((field, Issue::Required));
    } else if shape.contains(&(field, Issue::TooLong)) {
        found.push((field, Issue::TooLong));
    }
}

fn dated(
    found: &mut Vec<(Field, Issue)>,
    field: Field,
    value: &str,
    required: bool,
    today: NaiveDate,
) {
    if value.trim().is_empty() {
        if required {
            found.push((field, Issue::Required));
        }
        return;
    }
    match date(value) {
        Err(issue) => found.push((field, issue)),
        Ok(d) if d > today => found.push((field, Issue::FutureDate)),
        Ok(_) => {}
    }
}

/// Every issue that blocks submission, field by field (empty: the form may be submitted).
pub fn issues(form: &FilingForm, ctx: &FilingContext<'_>) -> Vec<(Field, Issue)> {
    let mut found = Vec::new();
    let shape = form.misshapen();
    let kind = ctx.kind;
    // 备案表: the principal leader's consent is on every filing (Art. 9, 11).
    need(&mut found, &shape, Field::LeaderName, &form.leader_name);
    if kind.needs_account() && !ctx.has_target_account {
        found.push((Field::Account, Issue::Required));
    }
    let describes_account = kind.describes_account();
    if describes_account {
        need(&mut found, &shape, Field::AccountName, &form.account_name);
        need(
            &mut found,
            &shape,
            Field::VerificationSubject,
            &form.verification_subject,
        );
        need(
            &mut found,
            &shape,
            Field::OperatingUnit,
            &form.operating_unit,
        );
        need(&mut found, &shape, Field::Purpose, &form.purpose);
        need(
            &mut found,
            &shape,
            Field::CustodianName,
            &form.custodian_name,
        );
        if shape.contains(&(Field::PlatformAccountId, Issue::TooLong)) {
            found.push((Field::PlatformAccountId, Issue::TooLong));
        }
    } else {
        need(&mut found, &shape, Field::Reason, &form.reason);
    }
    if describes_account {
        if form.custodian_mobile.trim().is_empty() {
            found.push((Field::CustodianMobile, Issue::Required));
        } else if shape.contains(&(Field::CustodianMobile, Issue::BadMobile)) {
            found.push((Field::CustodianMobile, Issue::BadMobile));
        }
        // Art. 10: the host unit is named in the verification information.
        let subject = form.verification_subject.trim();
        if !subject.is_empty() && subject != ctx.unit_name {
            found.push((Field::VerificationSubject, Issue::SubjectNotUnitName));
        }
        if form.outsourced && !(ctx.has_contract && ctx.has_confidentiality_agreement) {
            found.push((Field::Attachments, Issue::OutsourcingPapersMissing));
        }
    }
    dated(
        &mut found,
        Field::LeaderConsentOn,
        &form.leader_consent_on,
        true,
        ctx.today,
    );
    // Art. 9: opening needs the unit's collective decision.
    let open = kind == FilingKind::Open;
    dated(
        &mut found,
        Field::CollectiveDecisionOn,
        &form.collective_decision_on,
        open,
        ctx.today,
    );
    if open {
        // Art. 9: no accounts in the name of internal sub-units, none on unapproved platforms.
        // (A duplicate is the service's question: it needs the registry.)
        let verdict = art9::<()>(Art9Case {
            unit_kind: ctx.unit_kind,
            platform_approved: ctx.platform_approved,
            existing: None,
            waived: false,
        });
        if verdict.unit_may_not_host {
            found.push((Field::Account, Issue::UnitMayNotHost));
        }
        if ctx.platform_approved.is_none() {
            found.push((Field::Platform, Issue::Required));
        } else if verdict.platform_not_approved {
            found.push((Field::Platform, Issue::PlatformNotApproved));
        }
    }
    found
}

/// Art. 10's warnings: the same name across platforms, and a name related to the unit.
pub fn warnings(
    account_name: &str,
    unit_names: &[&str],
    other_account_names: &[String],
) -> Vec<Warning> {
    let name = account_name.trim();
    let mut warnings = Vec::new();
    if name.is_empty() {
        return warnings;
    }
    let others: Vec<String> = other_account_names
        .iter()
        .filter(|other| other.as_str() != name)
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !others.is_empty() {
        warnings.push(Warning::NameDiffersFromOtherPlatforms {
            other_names: others,
        });
    }
    let shares_a_character = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .any(|c| unit_names.iter().any(|unit| unit.contains(c)));
    if !shares_a_character {
        warnings.push(Warning::NameUnrelatedToUnit);
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(kind: FilingKind) -> FilingContext<'static> {
        FilingContext {
            kind,
            unit_name: "石柱土家族自治县教育委员会",
            unit_kind: UnitKind::Department,
            platform_approved: Some(true),
            has_target_account: kind.needs_account(),
            has_contract: false,
            has_confidentiality_agreement: false,
            today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        }
    }

    fn complete_open_form() -> FilingForm {
        FilingForm {
            account_name: "石柱教育".into(),
            platform_account_id: String::new(),
            verification_subject: "石柱土家族自治县教育委员会".into(),
            operating_unit: "石柱土家族自治县教育委员会".into(),
            outsourced: false,
            purpose: "发布教育政策".into(),
            custodian_name: "谭明".into(),
            custodian_mobile: "13812341234".into(),
            leader_name: "马丽".into(),
            leader_consent_on: "2026-11-20".into(),
            collective_decision_on: "2026-11-18".into(),
            reason: String::new(),
        }
    }

    #[test]
    fn a_complete_open_form_has_no_issues() {
        assert_eq!(
            issues(&complete_open_form(), &ctx(FilingKind::Open)),
            vec![]
        );
    }

    #[test]
    fn art10_the_verification_subject_must_be_the_units_full_name() {
        let form = FilingForm {
            verification_subject: "县教委".into(),
            ..complete_open_form()
        };
        assert_eq!(
            issues(&form, &ctx(FilingKind::Open)),
            vec![(Field::VerificationSubject, Issue::SubjectNotUnitName)]
        );
    }

    #[test]
    fn art9_opening_needs_the_collective_decision_date() {
        let form = FilingForm {
            collective_decision_on: String::new(),
            ..complete_open_form()
        };
        assert_eq!(
            issues(&form, &ctx(FilingKind::Open)),
            vec![(Field::CollectiveDecisionOn, Issue::Required)]
        );
    }

    #[test]
    fn art9_internal_divisions_and_unapproved_platforms_cannot_host_accounts() {
        let c = FilingContext {
            unit_kind: UnitKind::InternalDivision,
            platform_approved: Some(false),
            ..ctx(FilingKind::Open)
        };
        let found = issues(&complete_open_form(), &c);
        assert!(found.contains(&(Field::Account, Issue::UnitMayNotHost)));
        assert!(found.contains(&(Field::Platform, Issue::PlatformNotApproved)));
    }

    #[test]
    fn outsourced_operation_needs_the_contract_and_confidentiality_agreement() {
        let form = FilingForm {
            outsourced: true,
            ..complete_open_form()
        };
        assert_eq!(
            issues(&form, &ctx(FilingKind::Open)),
            vec![(Field::Attachments, Issue::OutsourcingPapersMissing)]
        );
        let papers = FilingContext {
            has_contract: true,
            has_confidentiality_agreement: true,
            ..ctx(FilingKind::Open)
        };
        assert_eq!(issues(&form, &papers), vec![]);
    }

    #[test]
    fn bad_dates_mobiles_and_future_consents_are_named_by_field() {
        let form = FilingForm {
            custodian_mobile: "12345".into(),
            leader_consent_on: "2026-13-01".into(),
            collective_decision_on: "2027-01-01".into(),
            ..complete_open_form()
        };
        assert_eq!(
            issues(&form, &ctx(FilingKind::Open)),
            vec![
                (Field::CustodianMobile, Issue::BadMobile),
                (Field::LeaderConsentOn, Issue::BadDate),
                (Field::CollectiveDecisionOn, Issue::FutureDate),
            ]
        );
    }

    #[test]
    fn a_box_longer_than_its_column_is_too_long_at_saving_and_at_submission() {
        let form = FilingForm {
            account_name: "石".repeat(129),
            ..complete_open_form()
        };
        assert_eq!(form.oversized_field(), Some(Field::AccountName));
        assert_eq!(
            issues(&form, &ctx(FilingKind::Open)),
            vec![(Field::AccountName, Issue::TooLong)]
        );
        // Characters are counted, not bytes: 128 Chinese characters fit.
        let fits = FilingForm {
            account_name: "石".repeat(128),
            ..complete_open_form()
        };
        assert_eq!(fits.oversized_field(), None);
    }

    #[test]
    fn every_box_has_its_column_width_and_the_first_too_long_is_named() {
        let long = "x".repeat(2001);
        let form = FilingForm {
            account_name: long.clone(),
            platform_account_id: long.clone(),
            verification_subject: long.clone(),
            operating_unit: long.clone(),
            outsourced: true,
            purpose: long.clone(),
            custodian_name: long.clone(),
            custodian_mobile: long.clone(),
            leader_name: long.clone(),
            leader_consent_on: long.clone(),
            collective_decision_on: long.clone(),
            reason: long,
        };
        let too_long: Vec<Field> = form
            .misshapen()
            .into_iter()
            .filter(|(_, issue)| *issue == Issue::TooLong)
            .map(|(field, _)| field)
            .collect();
        use Field::*;
        assert_eq!(
            too_long,
            vec![
                AccountName,
                PlatformAccountId,
                VerificationSubject,
                OperatingUnit,
                Purpose,
                CustodianName,
                CustodianMobile,
                LeaderName,
                LeaderConsentOn,
                CollectiveDecisionOn,
                Reason
            ]
        );
        assert_eq!(form.oversized_field(), Some(AccountName));
    }

    #[test]
    fn a_draft_may_hold_a_bad_mobile_which_submission_names() {
        let form = FilingForm {
            custodian_mobile: "138-1234".into(),
            ..complete_open_form()
        };
        assert_eq!(
            form.misshapen(),
            vec![(Field::CustodianMobile, Issue::BadMobile)]
        );
        assert_eq!(form.oversized_field(), None);
        assert_eq!(
            issues(&form, &ctx(FilingKind::Open)),
            vec![(Field::CustodianMobile, Issue::BadMobile)]
        );
        // As people type them: spaces and hyphens between the digits.
        let typed = FilingForm {
            custodian_mobile: "138 1234-1234".into(),
            ..complete_open_form()
        };
        assert_eq!(typed.misshapen(), vec![]);
        // A suspension states no account: its empty or stray mobile box is not its question.
        let suspend = FilingForm {
            reason: "停止运营".into(),
            custodian_mobile: String::new(),
            ..complete_open_form()
        };
        assert!(issues(&suspend, &ctx(FilingKind::Suspend)).is_empty());
    }

    #[test]
    fn boxes_are_trimmed_before_their_width_is_measured() {
        let form = FilingForm {
            leader_name: format!("  {}  ", "马".repeat(64)),
            ..complete_open_form()
        };
        assert_eq!(form.oversized_field(), Some(Field::LeaderName));
        assert_eq!(form.trimmed().oversized_field(), None);
    }

    #[test]
    fn suspending_needs_a_reason_and_an_account() {
        let form = FilingForm {
            leader_name: "马丽".into(),
            leader_consent_on: "2026-11-20".into(),
            ..Default::default()
        };
        let c = FilingContext {
            has_target_account: false,
            ..ctx(FilingKind::Suspend)
        };
        assert_eq!(
            issues(&form, &c),
            vec![
                (Field::Account, Issue::Required),
                (Field::Reason, Issue::Required)
            ]
        );
    }

    #[test]
    fn art10_a_name_unlike_the_units_other_accounts_is_a_warning() {
        let w = warnings(
            "石柱教育发布",
            &["石柱土家族自治县教育委员会", "县教委"],
            &["石柱教育".into()],
        );
        assert_eq!(
            w,
            vec![Warning::NameDiffersFromOtherPlatforms {
                other_names: vec!["石柱教育".into()]
            }]
        );
    }

    #[test]
    fn art10_a_name_sharing_no_character_with_the_unit_is_a_warning() {
        let w = warnings("快乐星球", &["石柱土家族自治县教育委员会"], &[]);
        assert_eq!(w, vec![Warning::NameUnrelatedToUnit]);
    }
}
