//! Filings (备案申请) under Art. 11: their kinds, their states, who may take which step, and the
//! checks a filing's form must pass before it is submitted (Art. 9, 10).
use super::types::Role;
use super::{Capability, Mobile, UnitKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn parse(code: &str) -> Option<Self> { match code { $($code => Some($name::$variant),)+ _ => None } }
        }
    };
}

codes!(
    /// What a filing asks for (Art. 11: open, change, suspend 关停, deregister 注销).
    FilingKind { Open => "open", Change => "change", Suspend => "suspend", Deregister => "deregister" }
);

codes!(
    /// DESIGN §4: draft → submitted → approved | returned | rejected; returned → submitted;
    /// draft | returned → withdrawn; approved → completed (Art. 12 cases).
    FilingState {
        Draft => "draft",
        Submitted => "submitted",
        Returned => "returned",
        Approved => "approved",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
        Completed => "completed",
    }
);

codes!(
    /// A step someone may take on a filing.
    FilingAction {
        Edit => "edit",
        Submit => "submit",
        Withdraw => "withdraw",
        Approve => "approve",
        Return => "return",
        Reject => "reject",
        GrantWaiver => "grant_waiver",
        RecordReport => "record_report",
        RecordCompletion => "record_completion",
        ConfirmCompletion => "confirm_completion",
        // 报备更正: a report already recorded is corrected, with a reason (issue 15, item 12).
        CorrectReport => "correct_report",
    }
);

impl FilingState {
    /// Whether a filing in this state holds its account (issue 15, item 11): the county office has
    /// it (submitted), it comes back to them (returned), or the registry changes only at Art. 12
    /// completion (approved, awaiting completion). The database holds one such filing per account
    /// (`ux_filings_one_pending_per_account`, the same predicate).
    pub fn holds_account(self, completion_required: bool) -> bool {
        match self {
            FilingState::Submitted | FilingState::Returned => true,
            FilingState::Approved => completion_required,
            _ => false,
        }
    }

    /// Not yet finished: a draft, or a filing that holds its account. While one exists the unit
    /// files no other request on the same account.
    pub fn open_on_account(self, completion_required: bool) -> bool {
        self == FilingState::Draft || self.holds_account(completion_required)
    }
}

impl FilingKind {
    /// Every kind but `open` acts on an account already in the registry.
    pub fn needs_account(self) -> bool {
        self != FilingKind::Open
    }

    /// Whether the filing's form describes the account (name, verification subject, operator,
    /// purpose, custodian): an opening states it, a change restates it (Art. 10); suspensions
    /// and deregistrations give a reason instead.
    pub fn describes_account(self) -> bool {
        match self {
            FilingKind::Open | FilingKind::Change => true,
            FilingKind::Suspend | FilingKind::Deregister => false,
        }
    }

    /// What approving (or completing) a filing of this kind does to the registry (Art. 11).
    pub fn registry_effect(self) -> RegistryEffect {
        match self {
            FilingKind::Open => RegistryEffect::OpenAccount,
            FilingKind::Change => RegistryEffect::ChangeAccount,
            FilingKind::Suspend => RegistryEffect::Suspend,
            FilingKind::Deregister => RegistryEffect::Deregister,
        }
    }

    /// Art. 12: a change, suspension (关停) or deregistration (注销) of an account in the national
    /// reporting system is finished on the platform (and announced) before the registry changes;
    /// an opening creates a new account, which is not in that system yet.
    pub fn needs_completion(self, account_in_national_system: bool) -> bool {
        match self {
            FilingKind::Open => false,
            FilingKind::Change | FilingKind::Suspend | FilingKind::Deregister => {
                account_in_national_system
            }
        }
    }
}

/// What an approved filing does to the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryEffect {
    /// A new account, from the form.
    OpenAccount,
    /// The account takes the form's values.
    ChangeAccount,
    /// The account is suspended (关停).
    Suspend,
    /// The account is deregistered (注销).
    Deregister,
}

/// What happens to the Art. 11 review period (the county office's working days) at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewPeriod {
    Unchanged,
    /// Receipt: a (new) period starts.
    Opens,
    /// A decision: the period closes with the target state (a return stops the clock, a
    /// rejection or an approval ends it).
    Closes,
}

/// A notice a step sends (the server maps it onto its outbox kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingNotice {
    /// To the county office and the reviewers: a filing was received.
    Submitted,
    /// To the unit: the decisions.
    Returned,
    Approved,
    /// Approved; the unit still finishes on the platform (Art. 12).
    AwaitingCompletion,
    Rejected,
    /// 报备 (or its correction), to the upper-level office.
    Reported,
}

/// What a step does: the one table of DESIGN §4's state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The state the filing moves to (None: it stays where it is).
    pub to: Option<FilingState>,
    pub period: ReviewPeriod,
    pub notice: Option<FilingNotice>,
    /// The registry changes in this step's transaction.
    pub registry: Option<RegistryEffect>,
}

impl Transition {
    const fn stays() -> Self {
        Transition {
            to: None,
            period: ReviewPeriod::Unchanged,
            notice: None,
            registry: None,
        }
    }

    const fn moves(to: FilingState) -> Self {
        Transition {
            to: Some(to),
            ..Transition::stays()
        }
    }
}

/// Why a step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// The role never takes this step (administrators and auditors decide nothing).
    WrongRole,
    /// A submitter acting on another unit's filing.
    OtherUnit,
    /// A reviewer deciding a filing they submitted themselves.
    OwnFiling,
    /// The filing's state does not allow the step.
    WrongState,
    /// Art. 12 evidence is missing, or the filing does not need it.
    CompletionNotApplicable,
    /// Issue 15, item 11: the account was deregistered (注销) since the request was made; nothing
    /// more is decided or changed on it.
    AccountDeregistered,
    /// Issue 15, item 12: the upward report is recorded already; only a correction changes it.
    AlreadyReported,
    /// A correction of an upward report that was never recorded.
    NotReported,
}

/// The facts about a filing that decide who may act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilingFacts {
    pub kind: FilingKind,
    pub state: FilingState,
    pub unit_id: i32,
    /// The user who created it (and submits it).
    pub created_by: i32,
    /// Art. 12: approval leads to "awaiting completion" instead of changing the registry.
    pub completion_required: bool,
    /// Art. 12 evidence (platform completion date, announcement) has been recorded.
    pub completion_recorded: bool,
    /// The upward report (报备) has been recorded.
    pub reported: bool,
}

impl FilingFacts {
    /// Approved, in the national system, and the registry not yet changed.
    pub fn awaiting_completion(&self) -> bool {
        self.state == FilingState::Approved && self.completion_required
    }
}

/// Whether `actor` (a user with `role`, bound to `unit_id` if a submitter) may take `action`.
pub fn check(
    action: FilingAction,
    role: Role,
    actor_id: i32,
    actor_unit: Option<i32>,
    filing: &FilingFacts,
) -> Result<(), Refusal> {
    who_may(action, role, actor_id, actor_unit, filing)?;
    step(action, filing).map(|_| ())
}

/// Whether the step is this person's to take, whatever the filing's state: their role holds the
/// step's capability ([`Role::may`]), a submitter acts for their own unit, and (Art. 11) nobody
/// decides a filing they submitted.
fn who_may(
    action: FilingAction,
    role: Role,
    actor_id: i32,
    actor_unit: Option<i32>,
    filing: &FilingFacts,
) -> Result<(), Refusal> {
    let capability = action.capability();
    if !role.may(capability) {
        return Err(Refusal::WrongRole);
    }
    match capability {
        Capability::FileRequests if actor_unit != Some(filing.unit_id) => Err(Refusal::OtherUnit),
        Capability::DecideFilings if filing.created_by == actor_id => Err(Refusal::OwnFiling),
        _ => Ok(()),
    }
}

impl FilingAction {
    /// The capability a step needs: the unit's steps are filing requests, every other step (the
    /// correction of a report included) is the county office's decision.
    pub fn capability(self) -> Capability {
        use FilingAction::*;
        match self {
            Edit | Submit | Withdraw | RecordCompletion => Capability::FileRequests,
            Approve | Return | Reject | GrantWaiver | RecordReport | ConfirmCompletion
            | CorrectReport => Capability::DecideFilings,
        }
    }
}

/// What `action` does to a filing as it stands, or why its state does not allow it (DESIGN §4).
/// Who may take it is [`check`]'s question.
pub fn step(action: FilingAction, filing: &FilingFacts) -> Result<Transition, Refusal> {
    use FilingAction::*;
    use FilingState::*;
    let state_allows = match action {
        Edit | Submit | Withdraw => matches!(filing.state, Draft | Returned),
        Approve | Return | Reject => filing.state == Submitted,
        GrantWaiver => matches!(filing.state, Draft | Returned | Submitted),
        RecordReport | CorrectReport => matches!(filing.state, Approved | Completed),
        RecordCompletion | ConfirmCompletion => filing.state == Approved,
    };
    if !state_allows {
        return Err(Refusal::WrongState);
    }
    match action {
        RecordCompletion if !filing.completion_required => Err(Refusal::CompletionNotApplicable),
        ConfirmCompletion if !(filing.completion_required && filing.completion_recorded) => {
            Err(Refusal::CompletionNotApplicable)
        }
        // A report goes upward once; what was recorded wrongly is corrected as such, never
        // silently recorded again (issue 15, item 12).
        RecordReport if filing.reported => Err(Refusal::AlreadyReported),
        CorrectReport if !filing.reported => Err(Refusal::NotReported),
        _ => Ok(transition(action, filing)),
    }
}

/// The transition of an allowed step.
fn transition(action: FilingAction, filing: &FilingFacts) -> Transition {
    use FilingAction::*;
    use FilingState::*;
    let decided = |to, notice| Transition {
        period: ReviewPeriod::Closes,
        notice: Some(notice),
        ..Transition::moves(to)
    };
    match action {
        Edit | GrantWaiver | RecordCompletion => Transition::stays(),
        Withdraw => Transition::moves(Withdrawn),
        // Art. 11: the county office's period runs from receipt; a resubmission starts a new one.
        Submit => Transition {
            period: ReviewPeriod::Opens,
            notice: Some(FilingNotice::Submitted),
            ..Transition::moves(Submitted)
        },
        // Art. 11: a return stops the clock; a rejection ends the period.
        Return => decided(Returned, FilingNotice::Returned),
        Reject => decided(Rejected, FilingNotice::Rejected),
        // Art. 12: for accounts in the national system the registry changes only at completion.
        Approve if filing.completion_required => {
            decided(Approved, FilingNotice::AwaitingCompletion)
        }
        Approve => Transition {
            registry: Some(filing.kind.registry_effect()),
            ..decided(Approved, FilingNotice::Approved)
        },
        ConfirmCompletion => Transition {
            registry: Some(filing.kind.registry_effect()),
            ..Transition::moves(Completed)
        },
        RecordReport | CorrectReport => Transition {
            notice: Some(FilingNotice::Reported),
            ..Transition::stays()
        },
    }
}

/// Every step `role` could take now (for showing the right buttons).
pub fn available(
    role: Role,
    actor_id: i32,
    actor_unit: Option<i32>,
    filing: &FilingFacts,
) -> Vec<FilingAction> {
    FilingAction::ALL
        .iter()
        .copied()
        .filter(|a| check(*a, role, actor_id, actor_unit, filing).is_ok())
        .collect()
}

/// Art. 9's question about one account, opened or imported: who hosts it, on which platform,
/// and what the unit already holds there. `T` names what is already there (an account's name, a
/// pending request's number, or nothing more than the fact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Art9Case<T> {
    pub unit_kind: UnitKind,
    /// Whether the platform is nationally approved (None: no platform chosen yet).
    pub platform_approved: Option<bool>,
    /// The unit's live account on the platform, or its open request there in the county office's
    /// hands, if any.
    pub existing: Option<T>,
    /// The county office allowed an exception (Art. 9 "原则上": in principle one account).
    pub waived: bool,
}

/// Art. 9's answer: each breach it finds (none: the account may exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Art9Verdict<T> {
    /// 不得以单位内设机构名义开办: internal divisions host no accounts.
    pub unit_may_not_host: bool,
    /// 不得在国家有关主管部门未予核准的平台上开办.
    pub platform_not_approved: bool,
    /// 一个单位原则上在同一新媒体平台只开办一个: what the new account would duplicate, unless
    /// waived.
    pub duplicate_of: Option<T>,
}

impl<T> Art9Verdict<T> {
    pub fn allowed(&self) -> bool {
        !self.unit_may_not_host && !self.platform_not_approved && self.duplicate_of.is_none()
    }
}

/// Art. 9, decided in one place for filings (submission, approval), the import and the reports.
pub fn art9<T>(case: Art9Case<T>) -> Art9Verdict<T> {
    Art9Verdict {
        unit_may_not_host: !case.unit_kind.may_host_accounts(),
        platform_not_approved: case.platform_approved == Some(false),
        duplicate_of: case.existing.filter(|_| !case.waived),
    }
}

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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FilingForm {
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

const MAX_TEXT: usize = 128;
const MAX_LONG_TEXT: usize = 2000;

impl FilingForm {
    /// The first field longer than a draft may hold (the widths of the columns it is saved in).
    /// Submission checks the stricter rules; this keeps a forged or scripted draft from reaching
    /// the database with text it cannot store.
    pub fn oversized_field(&self) -> Option<Field> {
        [
            (Field::AccountName, &self.account_name, MAX_TEXT),
            (Field::PlatformAccountId, &self.platform_account_id, 512),
            (
                Field::VerificationSubject,
                &self.verification_subject,
                MAX_TEXT,
            ),
            (Field::OperatingUnit, &self.operating_unit, MAX_TEXT),
            (Field::Purpose, &self.purpose, MAX_LONG_TEXT),
            (Field::CustodianName, &self.custodian_name, 64),
            (Field::CustodianMobile, &self.custodian_mobile, 32),
            (Field::LeaderName, &self.leader_name, 64),
            (Field::LeaderConsentOn, &self.leader_consent_on, 16),
            (
                Field::CollectiveDecisionOn,
                &self.collective_decision_on,
                16,
            ),
            (Field::Reason, &self.reason, MAX_LONG_TEXT),
        ]
        .into_iter()
        .find(|(_, value, max)| value.trim().chars().count() > *max)
        .map(|(field, _, _)| field)
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

fn need(found: &mut Vec<(Field, Issue)>, field: Field, value: &str, max: usize) {
    if value.trim().is_empty() {
        found.push((field, Issue::Required));
    } else if value.trim().chars().count() > max {
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
    let kind = ctx.kind;
    // 备案表: the principal leader's consent is on every filing (Art. 9, 11).
    need(&mut found, Field::LeaderName, &form.leader_name, 64);
    if kind.needs_account() && !ctx.has_target_account {
        found.push((Field::Account, Issue::Required));
    }
    let describes_account = kind.describes_account();
    if describes_account {
        need(&mut found, Field::AccountName, &form.account_name, MAX_TEXT);
        need(
            &mut found,
            Field::VerificationSubject,
            &form.verification_subject,
            MAX_TEXT,
        );
        need(
            &mut found,
            Field::OperatingUnit,
            &form.operating_unit,
            MAX_TEXT,
        );
        need(&mut found, Field::Purpose, &form.purpose, MAX_LONG_TEXT);
        need(&mut found, Field::CustodianName, &form.custodian_name, 64);
        if form.platform_account_id.chars().count() > 512 {
            found.push((Field::PlatformAccountId, Issue::TooLong));
        }
    } else {
        need(&mut found, Field::Reason, &form.reason, MAX_LONG_TEXT);
    }
    if describes_account {
        if form.custodian_mobile.trim().is_empty() {
            found.push((Field::CustodianMobile, Issue::Required));
        } else if Mobile::parse(&form.custodian_mobile).is_err() {
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
    use FilingAction::*;
    use FilingState::*;

    const UNIT: i32 = 3;
    const SUBMITTER: i32 = 10;
    const REVIEWER: i32 = 20;

    fn facts(state: FilingState) -> FilingFacts {
        FilingFacts {
            kind: FilingKind::Change,
            state,
            unit_id: UNIT,
            created_by: SUBMITTER,
            completion_required: false,
            completion_recorded: false,
            reported: false,
        }
    }

    fn by_submitter(action: FilingAction, f: &FilingFacts) -> Result<(), Refusal> {
        check(action, Role::Submitter, SUBMITTER, Some(UNIT), f)
    }

    fn by_reviewer(action: FilingAction, f: &FilingFacts) -> Result<(), Refusal> {
        check(action, Role::Reviewer, REVIEWER, None, f)
    }

    #[test]
    fn submitters_edit_submit_and_withdraw_drafts_and_returned_filings() {
        for state in [Draft, Returned] {
            for action in [Edit, Submit, Withdraw] {
                assert_eq!(
                    by_submitter(action, &facts(state)),
                    Ok(()),
                    "{action:?} on {state:?}"
                );
            }
        }
        for state in [Submitted, Approved, Rejected, Withdrawn, Completed] {
            assert_eq!(
                by_submitter(Submit, &facts(state)),
                Err(Refusal::WrongState),
                "{state:?}"
            );
        }
    }

    #[test]
    fn a_submitter_of_another_unit_may_do_nothing() {
        assert_eq!(
            check(Edit, Role::Submitter, 99, Some(UNIT + 1), &facts(Draft)),
            Err(Refusal::OtherUnit)
        );
    }

    #[test]
    fn reviewers_decide_submitted_filings_only() {
        for action in [Approve, Return, Reject] {
            assert_eq!(by_reviewer(action, &facts(Submitted)), Ok(()));
            for state in [Draft, Returned, Approved, Rejected, Withdrawn, Completed] {
                assert_eq!(by_reviewer(action, &facts(state)), Err(Refusal::WrongState));
            }
        }
    }

    #[test]
    fn nobody_decides_a_filing_they_submitted() {
        let own = FilingFacts {
            created_by: REVIEWER,
            ..facts(Submitted)
        };
        assert_eq!(by_reviewer(Approve, &own), Err(Refusal::OwnFiling));
    }

    #[test]
    fn administrators_and_auditors_decide_nothing() {
        for role in [Role::Admin, Role::Auditor, Role::SecurityAdmin] {
            for action in FilingAction::ALL {
                assert_eq!(
                    check(*action, role, 1, None, &facts(Submitted)),
                    Err(Refusal::WrongRole)
                );
            }
        }
    }

    #[test]
    fn submitters_never_decide_and_reviewers_never_edit() {
        assert_eq!(
            by_submitter(Approve, &facts(Submitted)),
            Err(Refusal::WrongRole)
        );
        assert_eq!(by_reviewer(Edit, &facts(Draft)), Err(Refusal::WrongRole));
    }

    #[test]
    fn art12_completion_is_recorded_by_the_unit_then_confirmed_by_the_county_office() {
        let awaiting = FilingFacts {
            completion_required: true,
            ..facts(Approved)
        };
        assert_eq!(by_submitter(RecordCompletion, &awaiting), Ok(()));
        assert_eq!(
            by_reviewer(ConfirmCompletion, &awaiting),
            Err(Refusal::CompletionNotApplicable)
        );
        let recorded = FilingFacts {
            completion_recorded: true,
            ..awaiting
        };
        assert_eq!(by_reviewer(ConfirmCompletion, &recorded), Ok(()));
        assert_eq!(
            by_submitter(RecordCompletion, &facts(Approved)),
            Err(Refusal::CompletionNotApplicable)
        );
    }

    #[test]
    fn a_report_is_recorded_once_and_then_only_corrected() {
        for state in [Approved, Completed] {
            assert_eq!(by_reviewer(RecordReport, &facts(state)), Ok(()));
            assert_eq!(
                by_reviewer(CorrectReport, &facts(state)),
                Err(Refusal::NotReported)
            );
            let reported = FilingFacts {
                reported: true,
                ..facts(state)
            };
            assert_eq!(
                by_reviewer(RecordReport, &reported),
                Err(Refusal::AlreadyReported)
            );
            assert_eq!(by_reviewer(CorrectReport, &reported), Ok(()));
            assert_eq!(
                by_submitter(CorrectReport, &reported),
                Err(Refusal::WrongRole)
            );
        }
        assert_eq!(
            by_reviewer(CorrectReport, &facts(Submitted)),
            Err(Refusal::WrongState)
        );
    }

    /// The steps the code before the state machine allowed, and where each moved the filing
    /// (`filings.rs` at 45957e8): every (action, state) pair outside this table is `WrongState`.
    const OLD_STEPS: &[(FilingAction, &[FilingState], Option<FilingState>)] = &[
        (Edit, &[Draft, Returned], None),
        (Submit, &[Draft, Returned], Some(Submitted)),
        (Withdraw, &[Draft, Returned], Some(Withdrawn)),
        (Approve, &[Submitted], Some(Approved)),
        (Return, &[Submitted], Some(Returned)),
        (Reject, &[Submitted], Some(Rejected)),
        (GrantWaiver, &[Draft, Returned, Submitted], None),
        (RecordReport, &[Approved, Completed], None),
        (CorrectReport, &[Approved, Completed], None),
        (RecordCompletion, &[Approved], None),
        (ConfirmCompletion, &[Approved], Some(Completed)),
    ];

    /// Facts under which the flag-dependent steps are allowed where their state allows them.
    fn facts_for(action: FilingAction, state: FilingState) -> FilingFacts {
        FilingFacts {
            completion_required: true,
            completion_recorded: true,
            reported: action == CorrectReport,
            ..facts(state)
        }
    }

    #[test]
    fn step_allows_the_same_pairs_as_before_and_moves_to_the_same_states() {
        assert_eq!(OLD_STEPS.len(), FilingAction::ALL.len());
        for (action, allowed, to) in OLD_STEPS {
            for state in FilingState::ALL {
                let got = step(*action, &facts_for(*action, *state)).map(|t| t.to);
                let want = if allowed.contains(state) {
                    Ok(*to)
                } else {
                    Err(Refusal::WrongState)
                };
                assert_eq!(got, want, "{action:?} on {state:?}");
            }
        }
    }

    #[test]
    fn art11_decisions_close_the_review_period_and_receipt_opens_it() {
        let period = |action, state| step(action, &facts_for(action, state)).map(|t| t.period);
        assert_eq!(period(Submit, Draft), Ok(ReviewPeriod::Opens));
        assert_eq!(period(Submit, Returned), Ok(ReviewPeriod::Opens));
        for action in [Approve, Return, Reject] {
            assert_eq!(period(action, Submitted), Ok(ReviewPeriod::Closes));
        }
        for action in [Edit, Withdraw, GrantWaiver] {
            assert_eq!(period(action, Draft), Ok(ReviewPeriod::Unchanged));
        }
        assert_eq!(
            period(ConfirmCompletion, Approved),
            Ok(ReviewPeriod::Unchanged)
        );
    }

    #[test]
    fn each_step_sends_the_notice_it_sent_before() {
        let notice = |action, f: FilingFacts| step(action, &f).map(|t| t.notice);
        assert_eq!(
            notice(Submit, facts(Draft)),
            Ok(Some(FilingNotice::Submitted))
        );
        assert_eq!(
            notice(Return, facts(Submitted)),
            Ok(Some(FilingNotice::Returned))
        );
        assert_eq!(
            notice(Reject, facts(Submitted)),
            Ok(Some(FilingNotice::Rejected))
        );
        assert_eq!(
            notice(Approve, facts(Submitted)),
            Ok(Some(FilingNotice::Approved))
        );
        let art12 = FilingFacts {
            completion_required: true,
            ..facts(Submitted)
        };
        assert_eq!(
            notice(Approve, art12),
            Ok(Some(FilingNotice::AwaitingCompletion))
        );
        assert_eq!(
            notice(RecordReport, facts(Approved)),
            Ok(Some(FilingNotice::Reported))
        );
        for action in [Edit, Withdraw, GrantWaiver] {
            assert_eq!(notice(action, facts(Draft)), Ok(None));
        }
        assert_eq!(
            notice(ConfirmCompletion, facts_for(ConfirmCompletion, Approved)),
            Ok(None)
        );
    }

    #[test]
    fn the_registry_changes_at_approval_or_at_art12_completion() {
        for kind in FilingKind::ALL {
            let submitted = FilingFacts {
                kind: *kind,
                ..facts(Submitted)
            };
            let effect = Some(kind.registry_effect());
            assert_eq!(step(Approve, &submitted).map(|t| t.registry), Ok(effect));
            let art12 = FilingFacts {
                completion_required: true,
                ..submitted
            };
            assert_eq!(step(Approve, &art12).map(|t| t.registry), Ok(None));
            let done = FilingFacts {
                state: Approved,
                completion_recorded: true,
                ..art12
            };
            assert_eq!(
                step(ConfirmCompletion, &done).map(|t| t.registry),
                Ok(effect)
            );
        }
    }

    #[test]
    fn kinds_say_what_their_form_describes_and_when_art12_applies() {
        use FilingKind::*;
        assert!(Open.describes_account() && Change.describes_account());
        assert!(!Suspend.describes_account() && !Deregister.describes_account());
        assert!(!Open.needs_completion(true));
        for kind in [Change, Suspend, Deregister] {
            assert!(kind.needs_completion(true) && !kind.needs_completion(false));
        }
    }

    #[test]
    fn art9_one_account_per_unit_per_platform_unless_waived() {
        let case = Art9Case {
            unit_kind: UnitKind::Department,
            platform_approved: Some(true),
            existing: Some("石柱教育"),
            waived: false,
        };
        assert_eq!(art9(case).duplicate_of, Some("石柱教育"));
        assert!(!art9(case).allowed());
        let waived = Art9Case {
            waived: true,
            ..case
        };
        assert!(art9(waived).allowed());
        let internal = Art9Case::<&str> {
            unit_kind: UnitKind::InternalDivision,
            platform_approved: Some(false),
            existing: None,
            waived: true,
        };
        let verdict = art9(internal);
        assert!(verdict.unit_may_not_host && verdict.platform_not_approved);
    }

    #[test]
    fn drafts_and_filings_in_the_county_offices_hands_are_open_on_their_account() {
        for state in [Submitted, Returned] {
            assert!(state.holds_account(false) && state.open_on_account(false));
        }
        assert!(Approved.holds_account(true));
        assert!(!Approved.holds_account(false));
        assert!(!Draft.holds_account(false) && Draft.open_on_account(false));
        for state in [Rejected, Withdrawn, Completed] {
            assert!(!state.open_on_account(true), "{state:?}");
        }
    }

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
