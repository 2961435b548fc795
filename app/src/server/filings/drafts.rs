//! Drafts: a submitter starts a filing for their unit and saves its form.
use super::super::entities::{account, filing};
use super::super::use_case::UseCase;
use super::{NewFiling, china_date, record::*, steps::*, store::*};
use crate::domain::Capability;
use crate::domain::filing::{FilingAction, FilingForm, FilingKind, FilingState, Refusal};
use crate::error::{AppError, Problem};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set, SqlErr};

/// Starts a draft for the submitter's own unit. Posting the same form twice returns the first draft.
#[tracing::instrument(skip_all, fields(use_case = "filings.create_draft"))]
pub async fn create_draft(uc: &UseCase, new: NewFiling) -> Result<filing::Model, AppError> {
    let (user, now) = (uc.user(), uc.now);
    let Some(unit_id) = user.unit_id.filter(|_| uc.may(Capability::FileRequests)) else {
        return Err(AppError::Refused(Refusal::WrongRole));
    };
    let key = new
        .idempotency_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 64);
    if let Some(key) = key
        && let Some(existing) = by_idempotency_key(uc.db(), user, key).await?
    {
        return Ok(existing);
    }
    let form = new.form.trimmed();
    if let Some(field) = form.oversized_field() {
        return Err(AppError::invalid(field.name(), Problem::TooLong));
    }

    let txn = uc.begin().await?;
    let (account_id, platform_id) = match (new.kind.needs_account(), new.account_id) {
        (true, Some(id)) => {
            let a = account::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?;
            if a.host_unit_id != unit_id {
                return Err(AppError::Refused(Refusal::OtherUnit));
            }
            ensure_not_deregistered(&a)?;
            // Issue 15, item 11: one request at a time per account; the refusal names the one
            // that is open, for the unit to finish or withdraw first.
            if let Some(open) = open_on_account(&txn, a.id, None, false).await? {
                return Err(pending(open));
            }
            (Some(a.id), Some(a.platform_id))
        }
        (true, None) => (None, None),
        (false, _) => match new.platform.as_deref().filter(|p| !p.is_empty()) {
            Some(code) => (None, Some(platform_by_code(&txn, code).await?.id)),
            None => (None, None),
        },
    };
    let year = chrono::Datelike::year(&china_date(now));
    let (seq, number) = next_number(&txn, year).await?;
    let inserted = filing::ActiveModel {
        number: Set(number),
        year: Set(year),
        seq: Set(seq),
        kind: Set(new.kind),
        state: Set(FilingState::Draft),
        unit_id: Set(unit_id),
        account_id: Set(account_id),
        platform_id: Set(platform_id),
        account_name: Set(form.account_name),
        platform_account_id: Set(form.platform_account_id),
        verification_subject: Set(form.verification_subject),
        operating_unit: Set(form.operating_unit),
        outsourced: Set(form.outsourced),
        purpose: Set(form.purpose),
        custodian_name: Set(form.custodian_name),
        custodian_mobile: Set(form.custodian_mobile),
        leader_name: Set(form.leader_name),
        leader_consent_on: Set(form.leader_consent_on),
        collective_decision_on: Set(form.collective_decision_on),
        reason: Set(form.reason),
        completion_required: Set(false),
        created_by: Set(user.id),
        idempotency_key: Set(key.map(str::to_string)),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let created = match inserted {
        Ok(created) => created,
        // The same form posted twice at the same moment: the first one won; hand back its filing.
        Err(e)
            if key.is_some()
                && matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
        {
            drop(txn);
            return by_idempotency_key(uc.db(), user, key.unwrap_or_default())
                .await?
                .ok_or(AppError::Conflict);
        }
        Err(e) => return Err(e.into()),
    };
    let after = Some(snapshot(&created));
    record(
        &txn,
        uc,
        Event::new(crate::domain::AuditAction::FilingCreated, "filing")
            .on(created.id)
            .after(after),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Saves the form of a draft or returned filing.
#[tracing::instrument(skip_all, fields(use_case = "filings.update_draft", filing = id))]
pub async fn update_draft(
    uc: &UseCase,
    id: i32,
    platform: Option<String>,
    form: FilingForm,
) -> Result<filing::Model, AppError> {
    let (user, now) = (uc.user(), uc.now);
    let form = form.trimmed();
    if let Some(field) = form.oversized_field() {
        return Err(AppError::invalid(field.name(), Problem::TooLong));
    }
    let txn = uc.begin().await?;
    let before = load(&txn, id).await?;
    let t = permit(FilingAction::Edit, user, &before)?;
    let mut edit = before.clone().into_active_model();
    advance(&mut edit, &t);
    if before.kind == FilingKind::Open
        && let Some(code) = platform.as_deref().filter(|p| !p.is_empty())
    {
        edit.platform_id = Set(Some(platform_by_code(&txn, code).await?.id));
    }
    edit.account_name = Set(form.account_name);
    edit.platform_account_id = Set(form.platform_account_id);
    edit.verification_subject = Set(form.verification_subject);
    edit.operating_unit = Set(form.operating_unit);
    edit.outsourced = Set(form.outsourced);
    edit.purpose = Set(form.purpose);
    edit.custodian_name = Set(form.custodian_name);
    edit.custodian_mobile = Set(form.custodian_mobile);
    edit.leader_name = Set(form.leader_name);
    edit.leader_consent_on = Set(form.leader_consent_on);
    edit.collective_decision_on = Set(form.collective_decision_on);
    edit.reason = Set(form.reason);
    let after = save(&txn, &before, edit, now).await?;
    let event = Event::new(crate::domain::AuditAction::FilingEdited, "filing").on(id);
    record(
        &txn,
        uc,
        event.changes(&snapshot(&before), &snapshot(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
