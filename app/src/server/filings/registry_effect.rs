//! What an approved (or, under Art. 12, completed) filing does to the registry.
use super::super::db::conflict_on_unique;
use super::super::entities::{account, filing};
use super::super::use_case::UseCase;
use super::{china_date, record::*, store::*};
use crate::domain::filing::{Field, Issue, RegistryEffect};
use crate::domain::{AccountStatus, Mobile};
use crate::error::AppError;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, Set};
use serde_json::json;

/// Applies an approved filing to the registry (open, change, suspend, deregister); returns the
/// account it concerns.
pub(super) async fn apply_to_registry(
    txn: &DatabaseTransaction,
    uc: &UseCase,
    f: &filing::Model,
    effect: RegistryEffect,
) -> Result<i32, AppError> {
    let now = uc.now;
    let kind = f.kind;
    if effect == RegistryEffect::OpenAccount {
        let platform_id = f.platform_id.ok_or(AppError::Incomplete(vec![(
            Field::Platform,
            Issue::Required,
        )]))?;
        let mobile = Mobile::parse(&f.custodian_mobile)
            .map_err(|_| AppError::Incomplete(vec![(Field::CustodianMobile, Issue::BadMobile)]))?;
        let created = account::ActiveModel {
            host_unit_id: Set(f.unit_id),
            platform_id: Set(platform_id),
            name: Set(f.account_name.clone()),
            platform_account_id: Set(Some(f.platform_account_id.clone()).filter(|s| !s.is_empty())),
            verification_subject: Set(f.verification_subject.clone()),
            operating_unit: Set(f.operating_unit.clone()),
            outsourced: Set(f.outsourced),
            purpose: Set(f.purpose.clone()),
            opened_on: Set(china_date(now)),
            status: Set(AccountStatus::Active),
            in_national_system: Set(false),
            custodian_name: Set(f.custodian_name.clone()),
            custodian_mobile: Set(mobile.as_str().into()),
            // Art. 29: the custodian sets the password when the account is opened.
            password_rotated_on: Set(Some(china_date(now))),
            art9_waiver: Set(f.art9_waiver.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        // Art. 9, held by the partial unique index: another approval won the race.
        .map_err(conflict_on_unique)?;
        let after = Some(json!({"filing": f.number, "account": account_snapshot(&created)}));
        record(
            txn,
            uc,
            Event::new(crate::domain::AuditAction::AccountOpened, "account")
                .on(created.id)
                .after(after),
        )
        .await?;
        return Ok(created.id);
    }
    let id = f.account_id.ok_or(AppError::Incomplete(vec![(
        Field::Account,
        Issue::Required,
    )]))?;
    let before = account::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    // Issue 15, item 11: checked again where the registry changes (approval, Art. 12 completion).
    ensure_not_deregistered(&before)?;
    let mut edit = before.clone().into_active_model();
    match effect {
        RegistryEffect::ChangeAccount => {
            edit.name = Set(f.account_name.clone());
            edit.platform_account_id =
                Set(Some(f.platform_account_id.clone()).filter(|s| !s.is_empty()));
            edit.verification_subject = Set(f.verification_subject.clone());
            edit.operating_unit = Set(f.operating_unit.clone());
            edit.outsourced = Set(f.outsourced);
            edit.purpose = Set(f.purpose.clone());
            edit.custodian_name = Set(f.custodian_name.clone());
            edit.custodian_mobile = Set(f.custodian_mobile.clone());
        }
        RegistryEffect::Suspend => edit.status = Set(AccountStatus::Suspended),
        RegistryEffect::Deregister => edit.status = Set(AccountStatus::Deregistered),
        // Open requests created their account above.
        RegistryEffect::OpenAccount => {
            return Err(AppError::internal(anyhow::anyhow!(
                "open filing {}",
                f.number
            )));
        }
    }
    edit.updated_at = Set(now);
    let after = edit.update(txn).await.map_err(conflict_on_unique)?;
    let (old, new) = differences(&account_snapshot(&before), &account_snapshot(&after));
    record(
        txn,
        uc,
        Event::new(
            crate::domain::AuditAction::account_changed_by(kind),
            "account",
        )
        .on(id)
        .before(old)
        .after(json!({"filing": f.number, "changes": new})),
    )
    .await?;
    Ok(id)
}
