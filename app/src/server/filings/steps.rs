//! What every step shares: who may take it and what it does ([`rules::step`]), the one place a
//! filing's state moves, the review period a decision closes, and the notice it sends.
use super::super::deadlines;
use super::super::entities::filing;
use super::super::outbox::{self, NoticeKind};
use super::super::use_case::UseCase;
use super::{facts, record::*, store::*};
use crate::domain::filing::{self as rules, FilingAction, FilingNotice, ReviewPeriod, Transition};
use crate::error::AppError;
use crate::model::SessionUser;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseTransaction, IntoActiveModel, Set};

/// Whether `user` may take `action` on the filing as it stands, and what the step does
/// ([`rules::step`]).
pub(super) fn permit(
    action: FilingAction,
    user: &SessionUser,
    f: &filing::Model,
) -> Result<Transition, AppError> {
    let facts = facts(f);
    rules::check(action, user.role, user.id, user.unit_id, &facts).map_err(AppError::Refused)?;
    rules::step(action, &facts).map_err(AppError::Refused)
}

/// The one place a step moves a filing: to the state its transition names.
pub(super) fn advance(edit: &mut filing::ActiveModel, t: &Transition) {
    if let Some(to) = t.to {
        edit.state = Set(to);
    }
}

/// Art. 11: a decision closes the review period with its outcome (a return stops the clock, a
/// rejection or approval ends it). Receipt opens one in [`submit`], which counts the due date.
pub(super) async fn close_period(
    txn: &DatabaseTransaction,
    id: i32,
    t: &Transition,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    match (t.period, t.to) {
        (ReviewPeriod::Closes, Some(outcome)) => {
            deadlines::close_period(txn, id, outcome, now).await
        }
        _ => Ok(()),
    }
}

/// The outbox's kind of a step's notice.
pub(super) fn notice_kind(notice: FilingNotice) -> NoticeKind {
    match notice {
        FilingNotice::Submitted => NoticeKind::FilingSubmitted,
        FilingNotice::Returned => NoticeKind::FilingReturned,
        FilingNotice::Approved => NoticeKind::FilingApproved,
        FilingNotice::AwaitingCompletion => NoticeKind::FilingAwaitingCompletion,
        FilingNotice::Rejected => NoticeKind::FilingRejected,
        FilingNotice::Reported => NoticeKind::FilingReported,
    }
}

/// Queues a decision's notice to the unit (DESIGN §5), in the step's transaction. Receipts and
/// reports have their own recipients ([`submit`], [`report_step`]).
pub(super) async fn notify_unit(
    txn: &DatabaseTransaction,
    t: &Transition,
    after: &filing::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    match t.notice {
        Some(
            n @ (FilingNotice::Returned
            | FilingNotice::Approved
            | FilingNotice::AwaitingCompletion
            | FilingNotice::Rejected),
        ) => {
            outbox::notify_unit_of_decision(txn, notice_kind(n), after, now).await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A step that changes only the filing's own fields: one write transaction, the step's rules,
/// the version guard, and an audit event with the fields it changed.
#[allow(clippy::too_many_arguments)]
pub(super) async fn simple_step(
    uc: &UseCase,
    id: i32,
    action: FilingAction,
    audit_action: Option<crate::domain::AuditAction>,
    change: impl FnOnce(&mut filing::ActiveModel),
) -> Result<filing::Model, AppError> {
    let (user, now) = (uc.user(), uc.now);
    let txn = uc.begin().await?;
    let before = load(&txn, id).await?;
    let t = permit(action, user, &before)?;
    // A step that moves the filing is audited as the move (`filing.withdrawn`, …).
    let audit_action = audit_action
        .or_else(|| t.to.and_then(crate::domain::AuditAction::filing_moved_to))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no audit action for {action:?}")))?;
    let mut edit = before.clone().into_active_model();
    advance(&mut edit, &t);
    change(&mut edit);
    let after = save(&txn, &before, edit, now).await?;
    close_period(&txn, id, &t, now).await?;
    let event = Event::new(audit_action, "filing").on(id);
    record(
        &txn,
        uc,
        event.changes(&snapshot(&before), &snapshot(&after)),
    )
    .await?;
    notify_unit(&txn, &t, &after, now).await?;
    txn.commit().await?;
    Ok(after)
}

/// A step that only moves the state ([`rules::step`] names where to), and, for decisions, records
/// who decided and why.
pub(super) async fn transition(
    uc: &UseCase,
    id: i32,
    action: FilingAction,
    note: Option<String>,
) -> Result<filing::Model, AppError> {
    let (user, now) = (uc.user(), uc.now);
    simple_step(uc, id, action, None, |edit| {
        if matches!(action, FilingAction::Return | FilingAction::Reject) {
            edit.decided_by = Set(Some(user.id));
            edit.decided_at = Set(Some(now));
            edit.decision_note = Set(note);
        }
    })
    .await
}
