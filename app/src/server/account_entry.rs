//! One account's registry entry: what its page shows (with its custodian and history as far as
//! the reader may see them), its custodian alone, and the record of its password rotations
//! (Art. 29). Apart from [`super::registry`] (the list) because the entry reads the filings'
//! history, and the filings read the registry's custodian helpers: the list stays a leaf.
use super::audit::{self, Actor, Event};
use super::entities::{account, platform, unit};
use super::registry::{record_custodian_view, rotation_overdue_for};
use super::use_case::UseCase;
use crate::domain::calendar::china_date;
use crate::domain::filing::Refusal;
use crate::domain::{AccountStatus, Capability, CustodianAccess};
use crate::error::{AppError, Problem};
use crate::model::{AccountDetail, CustodianView, PlatformName};
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::json;

async fn find_account<C: ConnectionTrait>(db: &C, id: i32) -> Result<account::Model, AppError> {
    account::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The account's host unit and platform.
async fn host_and_platform(
    uc: &UseCase,
    a: &account::Model,
) -> Result<(unit::Model, platform::Model), AppError> {
    let id = a.id;
    let host = unit::Entity::find_by_id(a.host_unit_id)
        .one(uc.db())
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("account {id} without unit")))?;
    let p = platform::Entity::find_by_id(a.platform_id)
        .one(uc.db())
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("account {id} without platform")))?;
    Ok((host, p))
}

/// Whether the reader files for the account's own unit (a submitter of its host unit), as far as
/// the filing rules care: a unit files only for itself (Art. 10).
fn files_for(uc: &UseCase, a: &account::Model) -> bool {
    uc.may(Capability::FileRequests) && uc.user().unit_id == Some(a.host_unit_id)
}

/// Issue 15, item 11: one request at a time per account; the page names the open one to those
/// who may read it (a submitter: their own unit's).
async fn pending_filing(
    uc: &UseCase,
    a: &account::Model,
) -> Result<Option<(i32, String)>, AppError> {
    let reads_it = uc.may(Capability::ReadFilings)
        && (!uc.may(Capability::FileRequests) || uc.user().unit_id == Some(a.host_unit_id));
    if !reads_it {
        return Ok(None);
    }
    Ok(super::filings::open_on_account(uc.db(), a.id, None, false)
        .await?
        .map(|f| (f.id, f.number)))
}

/// An account's registry entry with its custodian and history as far as the reader may see
/// them; a mobile shown in full is recorded in the audit trail.
#[tracing::instrument(skip_all, fields(use_case = "account.detail", id = id))]
pub async fn detail(uc: &UseCase, id: i32) -> Result<AccountDetail, AppError> {
    let viewer = uc.user().viewer();
    let a = find_account(uc.db(), id).await?;
    let status = a.status;
    let (host, p) = host_and_platform(uc, &a).await?;
    let access = viewer.custodian_access(a.host_unit_id);
    let (history, history_shows_mobiles) =
        super::history::history(uc.db(), "account", a.id, access).await?;
    let mut shown = Vec::new();
    if access == CustodianAccess::Full && !a.custodian_mobile.trim().is_empty() {
        shown.push("custodian_mobile");
    }
    if access == CustodianAccess::Full && history_shows_mobiles {
        shown.push("history.custodian_mobile");
    }
    let pending_filing = pending_filing(uc, &a).await?;
    let overdue = rotation_overdue_for(uc.db(), &a, china_date(uc.now)).await?;
    let detail = AccountDetail {
        custodian: super::registry::custodian_view(&viewer, &a),
        may_file: files_for(uc, &a) && status.is_live() && pending_filing.is_none(),
        pending_filing,
        rotation_overdue: overdue,
        may_record_rotation: may_record_rotation(uc, &a) && status != AccountStatus::Deregistered,
        history,
        id: a.id,
        unit_name: host.name,
        unit_code: host.code,
        unit_kind: host.kind,
        unit_credit_code: host.credit_code,
        platform: PlatformName::from(&p),
        platform_account_id: a.platform_account_id,
        verification_subject: a.verification_subject,
        operating_unit: a.operating_unit,
        outsourced: a.outsourced,
        purpose: a.purpose,
        opened_on: a.opened_on,
        status,
        in_national_system: a.in_national_system,
        password_rotated_on: a.password_rotated_on,
        name: a.name,
    };
    record_custodian_view(uc.db(), uc.user(), uc.meta(), "account", id, &shown, uc.now).await?;
    Ok(detail)
}

/// The custodian alone; refused outright to a reader who may not see it. A mobile shown in full
/// is recorded in the audit trail.
#[tracing::instrument(skip_all, fields(use_case = "account.custodian", id = id))]
pub async fn custodian(uc: &UseCase, id: i32) -> Result<CustodianView, AppError> {
    let a = find_account(uc.db(), id).await?;
    match super::registry::custodian_view(&uc.user().viewer(), &a) {
        CustodianView::Withheld => Err(AppError::Forbidden),
        shown => {
            if let CustodianView::Shown {
                masked: false,
                mobile,
                ..
            } = &shown
                && !mobile.trim().is_empty()
            {
                let (user, meta) = (uc.user(), uc.meta());
                let fields = &["custodian_mobile"];
                record_custodian_view(uc.db(), user, meta, "account", id, fields, uc.now).await?;
            }
            Ok(shown)
        }
    }
}

/// Art. 29: the host unit records its custodian's password rotations (never the password); the
/// administrators may correct the record.
fn may_record_rotation(uc: &UseCase, a: &account::Model) -> bool {
    uc.may(Capability::RecordRotation)
        && (!uc.may(Capability::FileRequests) || uc.user().unit_id == Some(a.host_unit_id))
}

/// The date of a rotation as posted: YYYY-MM-DD, a China date not in the future.
fn rotation_date(uc: &UseCase, rotated_on: &str) -> Result<NaiveDate, AppError> {
    let date = NaiveDate::parse_from_str(rotated_on.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("rotated_on", Problem::BadDate))?;
    if date > china_date(uc.now) {
        return Err(AppError::invalid("rotated_on", Problem::FutureDate));
    }
    Ok(date)
}

/// Records that the custodian changed the account's password on `rotated_on` (YYYY-MM-DD, China
/// date, not in the future, not before the account was opened; Art. 29), with its audit event in
/// one transaction.
#[tracing::instrument(skip_all, fields(use_case = "account.record_rotation", id = id))]
pub async fn record_rotation(uc: &UseCase, id: i32, rotated_on: &str) -> Result<(), AppError> {
    let date = rotation_date(uc, rotated_on)?;
    let txn = uc.begin().await?;
    let a = find_account(&txn, id).await?;
    if !may_record_rotation(uc, &a) {
        return Err(AppError::Forbidden);
    }
    if a.status == AccountStatus::Deregistered {
        return Err(AppError::Refused(Refusal::WrongState));
    }
    if date < a.opened_on {
        return Err(AppError::invalid("rotated_on", Problem::BeforeOpening));
    }
    let before = a.password_rotated_on;
    if before == Some(date) {
        // The same date posted again (a resent form): already on record.
        return Ok(());
    }
    let mut edit = a.into_active_model();
    edit.password_rotated_on = Set(Some(date));
    edit.updated_at = Set(uc.now);
    edit.update(&txn).await?;
    let event = Event::new(
        crate::domain::AuditAction::AccountPasswordRotated,
        "account",
    )
    .on(id)
    .before(json!({ "password_rotated_on": before }))
    .after(json!({ "password_rotated_on": date }));
    audit::record(&txn, &Actor::user(uc.user(), uc.meta()), event, uc.now).await?;
    txn.commit().await?;
    Ok(())
}
