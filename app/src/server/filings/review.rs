//! The county office's review (Art. 11): return, reject, approve, waive Art. 9; and the unit's
//! withdrawal.
use super::super::entities::filing;
use super::super::use_case::UseCase;
use super::{checks::*, record::*, registry_effect::*, required_text, steps::*, store::*};
use crate::domain::filing::FilingAction;
use crate::error::{AppError, Problem};
use sea_orm::{IntoActiveModel, Set};
use serde_json::json;

/// Withdraws a draft or returned filing.
#[tracing::instrument(skip_all, fields(use_case = "filings.withdraw", filing = id))]
pub async fn withdraw(uc: &UseCase, id: i32) -> Result<filing::Model, AppError> {
    transition(uc, id, FilingAction::Withdraw, None).await
}

/// Returns a submitted filing for correction, with the reviewer's comment. The clock stops.
#[tracing::instrument(skip_all, fields(use_case = "filings.return_for_correction", filing = id))]
pub async fn return_for_correction(
    uc: &UseCase,
    id: i32,
    comment: &str,
) -> Result<filing::Model, AppError> {
    let comment = required_text("comment", comment)?;
    let step = FilingAction::Return;
    transition(uc, id, step, Some(comment)).await
}

/// Rejects a submitted filing, with the reason.
#[tracing::instrument(skip_all, fields(use_case = "filings.reject", filing = id))]
pub async fn reject(uc: &UseCase, id: i32, reason: &str) -> Result<filing::Model, AppError> {
    let reason = required_text("reason", reason)?;
    let step = FilingAction::Reject;
    transition(uc, id, step, Some(reason)).await
}

/// Approves a submitted filing. The rules are checked again inside this transaction; for accounts
/// in the national reporting system (Art. 12) the registry changes only at completion.
#[tracing::instrument(skip_all, fields(use_case = "filings.approve", filing = id))]
pub async fn approve(uc: &UseCase, id: i32, note: &str) -> Result<filing::Model, AppError> {
    let (user, now) = (uc.user(), uc.now);
    let txn = uc.begin().await?;
    let before = load(&txn, id).await?;
    let t = permit(FilingAction::Approve, user, &before)?;
    let checked = check_rules(&txn, &before, now).await?;
    if !checked.issues.is_empty() {
        return Err(AppError::Incomplete(checked.issues));
    }
    // Issue 15, item 11: the account as it stands at the decision (Art. 11), also when the
    // registry changes only at Art. 12 completion.
    target_account(&txn, &before).await?;
    // Art. 9, checked again: an account opened since this filing was submitted.
    art9_duplicate(&txn, &before, &checked, false).await?;
    let mut edit = before.clone().into_active_model();
    advance(&mut edit, &t);
    edit.decided_by = Set(Some(user.id));
    edit.decided_at = Set(Some(now));
    edit.decision_note = Set(Some(note.trim().to_string()).filter(|n| !n.is_empty()));
    if let Some(effect) = t.registry {
        edit.account_id = Set(Some(apply_to_registry(&txn, uc, &before, effect).await?));
    }
    let after = save(&txn, &before, edit, now).await?;
    close_period(&txn, id, &t, now).await?;
    record(
        &txn,
        uc,
        Event::new(crate::domain::AuditAction::FilingApproved, "filing")
            .on(id)
            .before(json!({"state": before.state}))
            .after(json!({
                "state": after.state, "account_id": after.account_id,
                "awaiting_completion": after.completion_required,
            })),
    )
    .await?;
    notify_unit(&txn, &t, &after, now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Art. 9: the county office allows an exception to one account per unit per platform, with a
/// reason.
#[tracing::instrument(skip_all, fields(use_case = "filings.grant_waiver", filing = id))]
pub async fn grant_waiver(uc: &UseCase, id: i32, reason: &str) -> Result<filing::Model, AppError> {
    let user = uc.user();
    let reason = required_text("reason", reason)?;
    let waiver = FilingAction::GrantWaiver;
    simple_step(
        uc,
        id,
        waiver,
        Some(crate::domain::AuditAction::FilingWaiverGranted),
        |edit| {
            edit.art9_waiver = Set(Some(reason));
            edit.waiver_by = Set(Some(user.id));
        },
    )
    .await
}

/// A step named as a filing page's form posts it (`filing_step`). `note` is the return comment,
/// the rejection or waiver reason, or an optional approval note.
#[tracing::instrument(skip_all, fields(use_case = "filings.take_step", filing = id, step = step))]
pub async fn take_step(uc: &UseCase, id: i32, step: &str, note: &str) -> Result<(), AppError> {
    let stepped = match step {
        "submit" => super::submit(uc, id).await,
        "withdraw" => withdraw(uc, id).await,
        "approve" => approve(uc, id, note).await,
        "return" => return_for_correction(uc, id, note).await,
        "reject" => reject(uc, id, note).await,
        "grant_waiver" => grant_waiver(uc, id, note).await,
        "confirm_completion" => super::confirm_completion(uc, id).await,
        _ => Err(AppError::invalid("step", Problem::UnknownStep)),
    };
    stepped.map(|_| ())
}
