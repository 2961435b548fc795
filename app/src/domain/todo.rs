//! 待办 (issue 17, item 1): what waits for the signed-in person. The county office works what units
//! submitted (Art. 11: decide within the working days, then report upward) and confirms Art. 12
//! completions; a unit works what came back to it, what it still has to finish on the platform,
//! and its drafts. Administrators, auditors and the security administrator take no filing step,
//! so nothing waits for them here.
use super::filing::FilingState;
use super::queue::{DueFilter, FilingQuery, QueueTab};
use super::types::{Role, code_enum};
use serde::{Deserialize, Serialize};

code_enum!(
    /// One kind of work waiting for someone. `DueToday` and `Overdue` are parts of `Waiting`
    /// (its urgent share); every other item is a filing's one next step.
    TodoItem {
        /// 待审核: submitted, the Art. 11 clock running (the county office).
        Waiting => "waiting",
        /// 今日到期: waiting, due today.
        DueToday => "due_today",
        /// 已逾期: waiting, past its due date.
        Overdue => "overdue",
        /// 待确认办结: the unit recorded its Art. 12 completion; the county office confirms it.
        ToConfirm => "to_confirm",
        /// 待报备: approved, not yet reported to the upper level (Art. 11).
        ToReport => "to_report",
        /// 退回补正: back with the unit for correction.
        Returned => "returned",
        /// 待完成关停/注销: approved; the unit still finishes on the platform and records it
        /// (Art. 12).
        ToComplete => "to_complete",
        /// 草稿: not yet submitted.
        Drafts => "drafts",
    }
);

/// What the to-do logic needs to know of one filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TodoFacts {
    pub state: FilingState,
    pub completion_required: bool,
    pub completion_recorded: bool,
    pub reported: bool,
}

impl TodoItem {
    /// The items `role` works, in the order the to-do page shows them (none for a role that takes
    /// no filing step).
    pub fn of(role: Role) -> &'static [TodoItem] {
        use TodoItem::*;
        match role {
            Role::Reviewer => &[Waiting, DueToday, Overdue, ToConfirm, ToReport],
            Role::Submitter => &[Returned, ToComplete, Drafts],
            Role::Admin | Role::Auditor | Role::SecurityAdmin => &[],
        }
    }

    /// Whether the item is a filing's next step rather than a share of another item (the
    /// navigation's total adds these).
    pub fn is_step(self) -> bool {
        !matches!(self, TodoItem::DueToday | TodoItem::Overdue)
    }

    /// The step a filing waits for from `role`, if any. The server selects candidates in SQL (a
    /// superset of these) and classifies each with this function, so the rule is written once.
    pub fn next_for(role: Role, f: TodoFacts) -> Option<TodoItem> {
        use FilingState::*;
        let item = match f.state {
            Submitted => TodoItem::Waiting,
            Approved if f.completion_required && f.completion_recorded => TodoItem::ToConfirm,
            Approved if f.completion_required => TodoItem::ToComplete,
            // The county office reports a decision upward once the review is done; a closure
            // can be reported before or after its completion is confirmed.
            Approved | Completed if !f.reported => TodoItem::ToReport,
            Returned => TodoItem::Returned,
            Draft => TodoItem::Drafts,
            Approved | Completed | Rejected | Withdrawn => return None,
        };
        // A closure awaiting completion may also still wait for its report: the unit's step
        // comes first for the unit, the report for the county office.
        let item = match (role, item) {
            (Role::Reviewer, TodoItem::ToComplete) if !f.reported => TodoItem::ToReport,
            _ => item,
        };
        TodoItem::of(role).contains(&item).then_some(item)
    }

    /// The filings queue narrowed to this item, where the queue has a filter for it.
    pub fn queue_href(self) -> Option<String> {
        let query = |tab, due| FilingQuery {
            tab: Some(tab),
            due,
            ..FilingQuery::default()
        };
        let query = match self {
            TodoItem::Waiting => query(QueueTab::Waiting, None),
            TodoItem::DueToday => query(QueueTab::Waiting, Some(DueFilter::Today)),
            TodoItem::Overdue => query(QueueTab::Waiting, Some(DueFilter::Overdue)),
            TodoItem::Returned => query(QueueTab::Returned, None),
            TodoItem::ToComplete | TodoItem::ToConfirm => query(QueueTab::Completion, None),
            TodoItem::Drafts => query(QueueTab::Drafts, None),
            TodoItem::ToReport => return None,
        };
        Some(format!("/filings{}", query.href_for_page(1)))
    }
}

/// The counts the navigation shows: every step waiting for the person, and how many of the
/// waiting filings are due today or overdue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodoTotals {
    pub steps: u64,
    pub urgent: u64,
}

impl TodoTotals {
    pub fn of(counts: &[(TodoItem, u64)]) -> TodoTotals {
        let sum = |keep: fn(TodoItem) -> bool| {
            counts
                .iter()
                .filter(|(item, _)| keep(*item))
                .map(|(_, n)| n)
                .sum()
        };
        TodoTotals {
            steps: sum(TodoItem::is_step),
            urgent: sum(|item| !item.is_step()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FilingState::*;

    fn facts(state: FilingState) -> TodoFacts {
        TodoFacts {
            state,
            completion_required: false,
            completion_recorded: false,
            reported: false,
        }
    }

    #[test]
    fn the_county_office_decides_confirms_and_reports() {
        let r = Role::Reviewer;
        assert_eq!(
            TodoItem::next_for(r, facts(Submitted)),
            Some(TodoItem::Waiting)
        );
        assert_eq!(
            TodoItem::next_for(r, facts(Approved)),
            Some(TodoItem::ToReport)
        );
        assert_eq!(
            TodoItem::next_for(r, facts(Completed)),
            Some(TodoItem::ToReport)
        );
        let reported = TodoFacts {
            reported: true,
            ..facts(Approved)
        };
        assert_eq!(TodoItem::next_for(r, reported), None);
        let recorded = TodoFacts {
            completion_required: true,
            completion_recorded: true,
            ..reported
        };
        assert_eq!(TodoItem::next_for(r, recorded), Some(TodoItem::ToConfirm));
        // Awaiting the unit's completion: the report is the county office's part meanwhile.
        let awaiting = TodoFacts {
            completion_required: true,
            ..facts(Approved)
        };
        assert_eq!(TodoItem::next_for(r, awaiting), Some(TodoItem::ToReport));
        let awaiting_reported = TodoFacts {
            reported: true,
            ..awaiting
        };
        assert_eq!(TodoItem::next_for(r, awaiting_reported), None);
        for state in [Draft, Returned, Rejected, Withdrawn] {
            assert_eq!(TodoItem::next_for(r, facts(state)), None, "{state:?}");
        }
    }

    #[test]
    fn a_unit_corrects_completes_and_submits_its_drafts() {
        let s = Role::Submitter;
        assert_eq!(
            TodoItem::next_for(s, facts(Returned)),
            Some(TodoItem::Returned)
        );
        assert_eq!(TodoItem::next_for(s, facts(Draft)), Some(TodoItem::Drafts));
        let awaiting = TodoFacts {
            completion_required: true,
            ..facts(Approved)
        };
        assert_eq!(TodoItem::next_for(s, awaiting), Some(TodoItem::ToComplete));
        let recorded = TodoFacts {
            completion_recorded: true,
            ..awaiting
        };
        assert_eq!(TodoItem::next_for(s, recorded), None);
        for state in [Submitted, Approved, Completed, Rejected, Withdrawn] {
            assert_eq!(TodoItem::next_for(s, facts(state)), None, "{state:?}");
        }
    }

    #[test]
    fn administrative_roles_have_no_filing_work() {
        for role in [Role::Admin, Role::Auditor, Role::SecurityAdmin] {
            assert!(TodoItem::of(role).is_empty());
            for state in [Draft, Submitted, Returned, Approved, Completed] {
                assert_eq!(TodoItem::next_for(role, facts(state)), None);
            }
        }
    }

    #[test]
    fn the_navigation_adds_the_steps_and_counts_the_urgent_share_apart() {
        let counts = [
            (TodoItem::Waiting, 4),
            (TodoItem::DueToday, 1),
            (TodoItem::Overdue, 2),
            (TodoItem::ToConfirm, 1),
            (TodoItem::ToReport, 3),
        ];
        assert_eq!(
            TodoTotals::of(&counts),
            TodoTotals {
                steps: 8,
                urgent: 3
            }
        );
    }

    #[test]
    fn items_link_to_the_queue_narrowed_to_them() {
        assert_eq!(
            TodoItem::Overdue.queue_href().as_deref(),
            Some("/filings?tab=waiting&due=overdue&page=1")
        );
        assert_eq!(TodoItem::ToReport.queue_href(), None);
    }
}
