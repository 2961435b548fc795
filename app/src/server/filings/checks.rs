//! The rules of Art. 9 and 10 run against a filing as it stands, inside the step's transaction.
use super::super::entities::{account, filing, filing_attachment, platform, unit};
use super::{FieldChange, china_date, form_of};
use crate::domain::filing::{
    self as rules, Art9Case, Field, FilingContext, FilingKind, FilingState, Issue,
};
use crate::domain::{AccountStatus, UnitKind};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// What the rules found about a filing, read inside the transaction.
pub struct Checked {
    pub issues: Vec<(Field, Issue)>,
    pub warnings: Vec<rules::Warning>,
    pub changes: Vec<FieldChange>,
    pub(super) target: Option<account::Model>,
    /// What Art. 9 asks of the host unit and the platform, for [`art9_duplicate`].
    pub(super) unit_kind: UnitKind,
    pub(super) platform_approved: Option<bool>,
}

pub(super) async fn attachment_kinds<C: ConnectionTrait>(
    txn: &C,
    filing_id: i32,
) -> Result<Vec<String>, AppError> {
    Ok(filing_attachment::Entity::find()
        .select_only()
        .column(filing_attachment::Column::Kind)
        .filter(filing_attachment::Column::FilingId.eq(filing_id))
        .into_tuple::<String>()
        .all(txn)
        .await?)
}

pub(super) fn field_changes(f: &filing::Model, a: &account::Model) -> Vec<FieldChange> {
    let yes_no = |b: bool| if b { "true" } else { "false" }.to_string();
    let pairs = [
        (Field::AccountName, a.name.clone(), f.account_name.clone()),
        (
            Field::PlatformAccountId,
            a.platform_account_id.clone().unwrap_or_default(),
            f.platform_account_id.clone(),
        ),
        (
            Field::VerificationSubject,
            a.verification_subject.clone(),
            f.verification_subject.clone(),
        ),
        (
            Field::OperatingUnit,
            a.operating_unit.clone(),
            f.operating_unit.clone(),
        ),
        (
            Field::Outsourced,
            yes_no(a.outsourced),
            yes_no(f.outsourced),
        ),
        (Field::Purpose, a.purpose.clone(), f.purpose.clone()),
        (
            Field::CustodianName,
            a.custodian_name.clone(),
            f.custodian_name.clone(),
        ),
        (
            Field::CustodianMobile,
            a.custodian_mobile.clone(),
            f.custodian_mobile.clone(),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| FieldChange { field, old, new })
        .collect()
}

/// Runs every rule of Art. 9 and 10 against a filing as it stands.
pub async fn check_rules<C: ConnectionTrait>(
    txn: &C,
    f: &filing::Model,
    now: DateTime<Utc>,
) -> Result<Checked, AppError> {
    let kind = f.kind;
    let host = unit::Entity::find_by_id(f.unit_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit_kind = host.kind;
    let platform = match f.platform_id {
        Some(id) => platform::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let target = match f.account_id {
        Some(id) if kind.needs_account() => account::Entity::find_by_id(id).one(txn).await?,
        _ => None,
    };
    let attachments = attachment_kinds(txn, f.id).await?;
    let ctx = FilingContext {
        kind,
        unit_name: &host.name,
        unit_kind,
        platform_approved: platform.as_ref().map(|p| p.nationally_approved),
        has_target_account: target.is_some(),
        has_contract: attachments.iter().any(|k| k == "contract"),
        has_confidentiality_agreement: attachments.iter().any(|k| k == "confidentiality_agreement"),
        today: china_date(now),
    };
    let mut issues = rules::issues(&form_of(f), &ctx);
    let changes = match (&target, kind) {
        (Some(a), FilingKind::Change) => field_changes(f, a),
        _ => Vec::new(),
    };
    if kind == FilingKind::Change && target.is_some() && changes.is_empty() {
        issues.push((Field::AccountName, Issue::NothingChanged));
    }
    let warnings = if kind.describes_account() {
        // Art. 10: the same name on every platform, and one related to the unit.
        let others: Vec<String> = account::Entity::find()
            .select_only()
            .column(account::Column::Name)
            .filter(account::Column::HostUnitId.eq(f.unit_id))
            .filter(account::Column::Status.ne(AccountStatus::Deregistered))
            .filter(account::Column::Id.ne(f.account_id.unwrap_or(-1)))
            .into_tuple::<String>()
            .all(txn)
            .await?;
        let mut names = vec![host.name.as_str()];
        if let Some(short) = &host.short_name {
            names.push(short);
        }
        rules::warnings(&f.account_name, &names, &others)
    } else {
        Vec::new()
    };
    Ok(Checked {
        issues,
        warnings,
        changes,
        target,
        unit_kind,
        platform_approved: platform.as_ref().map(|p| p.nationally_approved),
    })
}

/// The unit's live account on the filing's platform, if any (Art. 9).
pub(super) async fn live_account<C: ConnectionTrait>(
    txn: &C,
    unit_id: i32,
    platform_id: i32,
) -> Result<Option<account::Model>, AppError> {
    Ok(account::Entity::find()
        .filter(account::Column::HostUnitId.eq(unit_id))
        .filter(account::Column::PlatformId.eq(platform_id))
        .filter(account::Column::Status.ne(AccountStatus::Deregistered))
        .one(txn)
        .await?)
}

/// Art. 9: a live account, or (at submission, `pending_too`) a pending open request, for the same
/// (unit, platform) blocks an open request, unless the county office granted a waiver
/// ([`rules::art9`] decides). The refusal names what blocks it.
pub(super) async fn art9_duplicate<C: ConnectionTrait>(
    txn: &C,
    f: &filing::Model,
    checked: &Checked,
    pending_too: bool,
) -> Result<(), AppError> {
    if f.kind != FilingKind::Open {
        return Ok(());
    }
    let Some(platform_id) = f.platform_id else {
        return Ok(());
    };
    let mut existing = live_account(txn, f.unit_id, platform_id)
        .await?
        .map(|live| live.name);
    if existing.is_none() && pending_too {
        existing = pending_open_request(txn, f, platform_id).await?;
    }
    let verdict = rules::art9(Art9Case {
        unit_kind: checked.unit_kind,
        platform_approved: checked.platform_approved,
        existing,
        waived: f.art9_waiver.is_some(),
    });
    match verdict.duplicate_of {
        Some(existing) => Err(AppError::Art9Duplicate { existing }),
        None => Ok(()),
    }
}

/// The number of another open request of the unit on the platform in the county office's hands.
pub(super) async fn pending_open_request<C: ConnectionTrait>(
    txn: &C,
    f: &filing::Model,
    platform_id: i32,
) -> Result<Option<String>, AppError> {
    Ok(filing::Entity::find()
        .filter(filing::Column::UnitId.eq(f.unit_id))
        .filter(filing::Column::PlatformId.eq(platform_id))
        .filter(filing::Column::Kind.eq(FilingKind::Open))
        .filter(filing::Column::State.eq(FilingState::Submitted))
        .filter(filing::Column::Id.ne(f.id))
        .one(txn)
        .await?
        .map(|pending| pending.number))
}
