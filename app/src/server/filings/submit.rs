//! Submission (and resubmission after a return): the county office receives the filing and its
//! Art. 11 review period starts.
use super::super::audit::{self};
use super::super::deadlines;
use super::super::entities::filing;
use super::super::outbox::{self, Recipient};
use super::super::use_case::UseCase;
use super::{checks::*, record::*, steps::*, store::*};
use crate::domain::filing::{FilingAction, FilingState};
use crate::error::AppError;
use sea_orm::{IntoActiveModel, Set, SqlErr};
use serde_json::json;

/// Submits (or resubmits after a return) a filing whose form passes every rule.
#[tracing::instrument(skip_all, fields(use_case = "filings.submit", filing = id))]
pub async fn submit(uc: &UseCase, id: i32) -> Result<filing::Model, AppError> {
    let (user, now) = (uc.user(), uc.now);
    let txn = uc.begin().await?;
    let before = load(&txn, id).await?;
    let t = permit(FilingAction::Submit, user, &before)?;
    // Issue 15, item 11: the account as it stands now, and no other request in the county
    // office's hands on it (the unique index `ux_filings_one_pending_per_account` holds this even
    // when two submissions race; see below). Checked first: while another request holds the
    // account, completing this one's form would not help.
    if let Some(a) = target_account(&txn, &before).await?
        && let Some(holder) = open_on_account(&txn, a.id, Some(before.id), true).await?
    {
        return Err(pending(holder));
    }
    let checked = check_rules(&txn, &before, now).await?;
    if !checked.issues.is_empty() {
        return Err(AppError::Incomplete(checked.issues));
    }
    art9_duplicate(&txn, &before, &checked, true).await?;
    let resubmission = before.state == FilingState::Returned;
    let mut edit = before.clone().into_active_model();
    advance(&mut edit, &t);
    // Art. 11: the county office's period runs from receipt; a resubmission starts a new one,
    // counted in working days on the official calendar (the day of receipt is not counted).
    // Serialised with calendar changes (see `calendar::save_year`), so no deadline is counted on a
    // calendar that is being replaced.
    audit::lock(&txn).await?;
    let working_days = deadlines::settings(&txn).await?.review_working_days;
    let due = super::super::calendar::load(&txn)
        .await?
        .due_date(now, working_days);
    edit.received_at = Set(Some(now));
    edit.due_on = Set(Some(due.date));
    edit.due_provisional = Set(due.provisional);
    edit.changes = Set(Some(
        serde_json::to_string(&checked.changes).map_err(AppError::internal)?,
    ));
    edit.warnings = Set(Some(
        serde_json::to_string(&checked.warnings).map_err(AppError::internal)?,
    ));
    // Art. 12: accounts in the national reporting system change only once the change is live on
    // the platform (and, for closures, publicly announced).
    edit.completion_required = Set(before.kind.needs_completion(
        checked
            .target
            .as_ref()
            .is_some_and(|a| a.in_national_system),
    ));
    let after = match write(&txn, &before, edit, now).await {
        Ok(1) => load(&txn, id).await?,
        Ok(_) => return Err(AppError::Conflict),
        // Another submission on the same account committed first: the index refused this one.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            drop(txn);
            let holder = match before.account_id {
                Some(account_id) => open_on_account(uc.db(), account_id, Some(id), true).await?,
                None => None,
            };
            return Err(holder.map(pending).unwrap_or(AppError::Conflict));
        }
        Err(e) => return Err(e.into()),
    };
    deadlines::open_period(&txn, id, now, working_days, due).await?;
    let action = if resubmission {
        crate::domain::AuditAction::FilingResubmitted
    } else {
        crate::domain::AuditAction::FilingSubmitted
    };
    let details = json!({
        "state": after.state, "received_at": after.received_at, "due_on": after.due_on,
        "due_provisional": after.due_provisional, "changes": checked.changes,
        "warnings": checked.warnings, "completion_required": after.completion_required,
    });
    let before_state = Some(json!({"state": before.state}));
    record(
        &txn,
        uc,
        Event::new(action, "filing")
            .on(id)
            .before(before_state)
            .after(details),
    )
    .await?;
    // DESIGN §5: the county office hears of every receipt, in this same transaction.
    let mut to = vec![Recipient::CountyOffice];
    to.extend(outbox::reviewers(&txn).await?);
    if let Some(notice) = t.notice {
        outbox::notify_filing(&txn, notice_kind(notice), &after, &to, now).await?;
    }
    txn.commit().await?;
    Ok(after)
}
