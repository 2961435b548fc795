//! The filing state machine (DESIGN §4): its steps, who may take them (`check`) and what each does
//! (`step`: a `Transition`, or the `Refusal` that stops it).
use super::{FilingKind, FilingState, RegistryEffect};
use crate::domain::Capability;
use crate::domain::types::Role;
use serde::{Deserialize, Serialize};

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
}
