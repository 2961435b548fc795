//! Filings (备案申请): drafts, submission and every step of the county office's review (Art. 9–12).
//! Each step is one transaction carrying its audit event; the rules are checked when a filing is
//! submitted and again inside the approval transaction, and the database holds Art. 9 itself.
use super::audit::{self, Actor, Event};
use super::db::begin_write;
use super::deadlines;
use super::entities::{account, filing, filing_attachment, platform, unit};
use super::outbox::{self, NoticeKind, Recipient};
use super::use_case::RequestMeta;
use crate::domain::filing::{
    self as rules, Field, FilingAction, FilingContext, FilingFacts, FilingForm, FilingKind,
    FilingState, Issue, Refusal,
};
use crate::domain::{AccountStatus, Mobile, Role, UnitKind};
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr, Statement,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use crate::domain::calendar::china_date;

/// A new filing as a submitter starts it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewFiling {
    pub kind: FilingKind,
    /// The account a change, suspension or deregistration is about.
    pub account_id: Option<i32>,
    /// The platform an open request is for.
    pub platform: Option<String>,
    pub form: FilingForm,
    /// Sent with the form, so that posting it twice creates one filing.
    pub idempotency_key: Option<String>,
}

/// One field that changes, for change filings (old → new).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: Field,
    pub old: String,
    pub new: String,
}

fn kind_of(f: &filing::Model) -> Result<FilingKind, AppError> {
    FilingKind::parse(&f.kind)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("filing kind {}", f.kind)))
}

fn state_of(f: &filing::Model) -> Result<FilingState, AppError> {
    FilingState::parse(&f.state)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("filing state {}", f.state)))
}

pub fn facts(f: &filing::Model) -> Result<FilingFacts, AppError> {
    Ok(FilingFacts {
        state: state_of(f)?,
        unit_id: f.unit_id,
        created_by: f.created_by,
        completion_required: f.completion_required,
        completion_recorded: f.completion_recorded_at.is_some(),
        reported: f.reported_on.is_some(),
    })
}

fn permit(action: FilingAction, user: &SessionUser, f: &filing::Model) -> Result<(), AppError> {
    rules::check(action, user.role, user.id, user.unit_id, &facts(f)?).map_err(AppError::Refused)
}

pub fn form_of(f: &filing::Model) -> FilingForm {
    FilingForm {
        account_name: f.account_name.clone(),
        platform_account_id: f.platform_account_id.clone(),
        verification_subject: f.verification_subject.clone(),
        operating_unit: f.operating_unit.clone(),
        outsourced: f.outsourced,
        purpose: f.purpose.clone(),
        custodian_name: f.custodian_name.clone(),
        custodian_mobile: f.custodian_mobile.clone(),
        leader_name: f.leader_name.clone(),
        leader_consent_on: f.leader_consent_on.clone(),
        collective_decision_on: f.collective_decision_on.clone(),
        reason: f.reason.clone(),
    }
}

/// What an audit event records of a filing.
fn snapshot(f: &filing::Model) -> serde_json::Value {
    json!({
        "number": f.number, "kind": f.kind, "state": f.state, "unit_id": f.unit_id,
        "account_id": f.account_id, "platform_id": f.platform_id,
        "account_name": f.account_name, "platform_account_id": f.platform_account_id,
        "verification_subject": f.verification_subject, "operating_unit": f.operating_unit,
        "outsourced": f.outsourced, "purpose": f.purpose, "custodian_name": f.custodian_name,
        "custodian_mobile": f.custodian_mobile, "leader_name": f.leader_name,
        "leader_consent_on": f.leader_consent_on,
        "collective_decision_on": f.collective_decision_on,
        "reason": f.reason, "art9_waiver": f.art9_waiver, "decision_note": f.decision_note,
        "reported_on": f.reported_on, "reported_to": f.reported_to,
        "report_reference": f.report_reference,
        "platform_done_on": f.platform_done_on, "announcement_url": f.announcement_url,
    })
}

fn account_snapshot(a: &account::Model) -> serde_json::Value {
    json!({
        "host_unit_id": a.host_unit_id, "platform_id": a.platform_id, "name": a.name,
        "platform_account_id": a.platform_account_id,
        "verification_subject": a.verification_subject,
        "operating_unit": a.operating_unit, "outsourced": a.outsourced, "purpose": a.purpose,
        "opened_on": a.opened_on, "status": a.status, "in_national_system": a.in_national_system,
        "custodian_name": a.custodian_name, "custodian_mobile": a.custodian_mobile,
        "art9_waiver": a.art9_waiver,
    })
}

/// Only the fields that differ, for audit events that show field-level changes.
fn differences(
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> (serde_json::Value, serde_json::Value) {
    let (mut old, mut new) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (key, value) in a {
            if b.get(key) != Some(value) {
                old.insert(key.clone(), b.get(key).cloned().unwrap_or_default());
                new.insert(key.clone(), value.clone());
            }
        }
    }
    (
        serde_json::Value::Object(old),
        serde_json::Value::Object(new),
    )
}

/// One audit event about `entity_type` `id`, by the signed-in user.
struct Record<'a> {
    action: crate::domain::AuditAction,
    entity_type: &'a str,
    id: i32,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

async fn record<C: ConnectionTrait>(
    txn: &C,
    user: &SessionUser,
    meta: &RequestMeta,
    r: Record<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    audit::record(
        txn,
        &Actor::user(user, meta),
        Event {
            action: r.action,
            entity_type: r.entity_type,
            entity_id: Some(r.id.to_string()),
            before: r.before,
            after: r.after,
        },
        now,
    )
    .await?;
    Ok(())
}

async fn load<C: ConnectionTrait>(txn: &C, id: i32) -> Result<filing::Model, AppError> {
    filing::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Writes the changed filing only if nobody changed it since it was read: of two reviewers acting
/// at once, the second gets a conflict, and nothing of their step remains.
async fn save(
    txn: &DatabaseTransaction,
    before: &filing::Model,
    after: filing::ActiveModel,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    if write(txn, before, after, now).await? != 1 {
        return Err(AppError::Conflict);
    }
    load(txn, before.id).await
}

/// The guarded update of [`save`], with the database's own error (the rows it changed: 0 when
/// someone else changed the filing first).
async fn write(
    txn: &DatabaseTransaction,
    before: &filing::Model,
    mut after: filing::ActiveModel,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    after.id = sea_orm::ActiveValue::NotSet;
    after.version = Set(before.version + 1);
    after.updated_at = Set(now);
    let result = filing::Entity::update_many()
        .set(after)
        .filter(filing::Column::Id.eq(before.id))
        .filter(filing::Column::Version.eq(before.version))
        .exec(txn)
        .await?;
    Ok(result.rows_affected)
}

/// Issue 15, item 11: the filing still open on `account_id` (a draft, or one that holds the
/// account: see [`FilingState::holds_account`]), other than `except`. With `holding_only`,
/// drafts do not count. Art. 11 has the county office decide each request on the account as it
/// stands; two requests decided one after the other on one account (a change approved after the
/// closure) would apply the second to an account the first had changed or closed.
pub async fn open_on_account<C: ConnectionTrait>(
    txn: &C,
    account_id: i32,
    except: Option<i32>,
    holding_only: bool,
) -> Result<Option<filing::Model>, AppError> {
    let mut plain_states = vec![
        FilingState::Submitted.as_str(),
        FilingState::Returned.as_str(),
    ];
    if !holding_only {
        plain_states.push(FilingState::Draft.as_str());
    }
    let open = Condition::any()
        .add(filing::Column::State.is_in(plain_states))
        .add(
            Condition::all()
                .add(filing::Column::State.eq(FilingState::Approved.as_str()))
                .add(filing::Column::CompletionRequired.eq(true)),
        );
    Ok(filing::Entity::find()
        .filter(filing::Column::AccountId.eq(account_id))
        .filter(filing::Column::Id.ne(except.unwrap_or(-1)))
        .filter(open)
        .order_by_asc(filing::Column::Id)
        .one(txn)
        .await?)
}

fn pending(f: filing::Model) -> AppError {
    AppError::PendingFiling {
        id: f.id,
        number: f.number,
    }
}

/// Issue 15, item 11: nothing more is requested, decided or applied on an account that has been
/// deregistered (注销, Art. 11); a request made before the closure is refused, not applied.
fn ensure_not_deregistered(a: &account::Model) -> Result<(), AppError> {
    if a.status == AccountStatus::Deregistered.as_str() {
        return Err(AppError::Refused(Refusal::AccountDeregistered));
    }
    Ok(())
}

/// The account a change, suspension or closure is about, checked as it stands now.
async fn target_account<C: ConnectionTrait>(
    txn: &C,
    f: &filing::Model,
) -> Result<Option<account::Model>, AppError> {
    if !kind_of(f)?.needs_account() {
        return Ok(None);
    }
    let Some(id) = f.account_id else {
        return Ok(None);
    };
    let a = account::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    ensure_not_deregistered(&a)?;
    Ok(Some(a))
}

/// The next readable number of the year (2026-0001), inside the write transaction. On PostgreSQL
/// numbering is serialised by a transaction-scoped advisory lock (SQLite's write lock does it there).
async fn next_number(txn: &DatabaseTransaction, year: i32) -> Result<(i32, String), AppError> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(20261128, $1)",
            [year.into()],
        ))
        .await?;
    }
    let max: Option<i32> = filing::Entity::find()
        .select_only()
        .column_as(filing::Column::Seq.max(), "max")
        .filter(filing::Column::Year.eq(year))
        .into_tuple::<Option<i32>>()
        .one(txn)
        .await?
        .flatten();
    let seq = max.unwrap_or(0) + 1;
    Ok((seq, format!("{year}-{seq:04}")))
}

async fn platform_by_code<C: ConnectionTrait>(
    txn: &C,
    code: &str,
) -> Result<platform::Model, AppError> {
    platform::Entity::find()
        .filter(platform::Column::Code.eq(code))
        .one(txn)
        .await?
        .ok_or(AppError::invalid("platform", Problem::Required))
}

async fn by_idempotency_key(
    db: &DatabaseConnection,
    user: &SessionUser,
    key: &str,
) -> Result<Option<filing::Model>, AppError> {
    Ok(filing::Entity::find()
        .filter(filing::Column::CreatedBy.eq(user.id))
        .filter(filing::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// Starts a draft for the submitter's own unit. Posting the same form twice returns the first draft.
pub async fn create_draft(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    new: NewFiling,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let Some(unit_id) = user.unit_id.filter(|_| user.role == Role::Submitter) else {
        return Err(AppError::Refused(Refusal::WrongRole));
    };
    let key = new
        .idempotency_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 64);
    if let Some(key) = key
        && let Some(existing) = by_idempotency_key(db, user, key).await?
    {
        return Ok(existing);
    }
    if let Some(field) = new.form.oversized_field() {
        return Err(AppError::invalid(field.name(), Problem::TooLong));
    }

    let txn = begin_write(db).await?;
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
    let form = new.form;
    let inserted = filing::ActiveModel {
        number: Set(number),
        year: Set(year),
        seq: Set(seq),
        kind: Set(new.kind.as_str().into()),
        state: Set(FilingState::Draft.as_str().into()),
        unit_id: Set(unit_id),
        account_id: Set(account_id),
        platform_id: Set(platform_id),
        account_name: Set(form.account_name.trim().into()),
        platform_account_id: Set(form.platform_account_id.trim().into()),
        verification_subject: Set(form.verification_subject.trim().into()),
        operating_unit: Set(form.operating_unit.trim().into()),
        outsourced: Set(form.outsourced),
        purpose: Set(form.purpose.trim().into()),
        custodian_name: Set(form.custodian_name.trim().into()),
        custodian_mobile: Set(form.custodian_mobile.trim().into()),
        leader_name: Set(form.leader_name.trim().into()),
        leader_consent_on: Set(form.leader_consent_on.trim().into()),
        collective_decision_on: Set(form.collective_decision_on.trim().into()),
        reason: Set(form.reason.trim().into()),
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
            return by_idempotency_key(db, user, key.unwrap_or_default())
                .await?
                .ok_or(AppError::Conflict);
        }
        Err(e) => return Err(e.into()),
    };
    let after = Some(snapshot(&created));
    let r = Record {
        action: crate::domain::AuditAction::FilingCreated,
        entity_type: "filing",
        id: created.id,
        before: None,
        after,
    };
    record(&txn, user, meta, r, now).await?;
    txn.commit().await?;
    Ok(created)
}

/// Saves the form of a draft or returned filing.
pub async fn update_draft(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    platform: Option<String>,
    form: FilingForm,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    if let Some(field) = form.oversized_field() {
        return Err(AppError::invalid(field.name(), Problem::TooLong));
    }
    let txn = begin_write(db).await?;
    let before = load(&txn, id).await?;
    permit(FilingAction::Edit, user, &before)?;
    let mut edit = before.clone().into_active_model();
    if kind_of(&before)? == FilingKind::Open
        && let Some(code) = platform.as_deref().filter(|p| !p.is_empty())
    {
        edit.platform_id = Set(Some(platform_by_code(&txn, code).await?.id));
    }
    edit.account_name = Set(form.account_name.trim().into());
    edit.platform_account_id = Set(form.platform_account_id.trim().into());
    edit.verification_subject = Set(form.verification_subject.trim().into());
    edit.operating_unit = Set(form.operating_unit.trim().into());
    edit.outsourced = Set(form.outsourced);
    edit.purpose = Set(form.purpose.trim().into());
    edit.custodian_name = Set(form.custodian_name.trim().into());
    edit.custodian_mobile = Set(form.custodian_mobile.trim().into());
    edit.leader_name = Set(form.leader_name.trim().into());
    edit.leader_consent_on = Set(form.leader_consent_on.trim().into());
    edit.collective_decision_on = Set(form.collective_decision_on.trim().into());
    edit.reason = Set(form.reason.trim().into());
    let after = save(&txn, &before, edit, now).await?;
    let (old, new) = differences(&snapshot(&before), &snapshot(&after));
    let r = Record {
        action: crate::domain::AuditAction::FilingEdited,
        entity_type: "filing",
        id,
        before: Some(old),
        after: Some(new),
    };
    record(&txn, user, meta, r, now).await?;
    txn.commit().await?;
    Ok(after)
}

/// What the rules found about a filing, read inside the transaction.
pub struct Checked {
    pub issues: Vec<(Field, Issue)>,
    pub warnings: Vec<rules::Warning>,
    pub changes: Vec<FieldChange>,
    target: Option<account::Model>,
}

async fn attachment_kinds<C: ConnectionTrait>(
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

fn field_changes(f: &filing::Model, a: &account::Model) -> Vec<FieldChange> {
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
    let kind = kind_of(f)?;
    let host = unit::Entity::find_by_id(f.unit_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit_kind = UnitKind::parse(&host.kind)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unit kind {}", host.kind)))?;
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
    let warnings = if matches!(kind, FilingKind::Open | FilingKind::Change) {
        // Art. 10: the same name on every platform, and one related to the unit.
        let others: Vec<String> = account::Entity::find()
            .select_only()
            .column(account::Column::Name)
            .filter(account::Column::HostUnitId.eq(f.unit_id))
            .filter(account::Column::Status.ne(AccountStatus::Deregistered.as_str()))
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
    })
}

/// The unit's live account on the filing's platform, if any (Art. 9).
async fn live_account<C: ConnectionTrait>(
    txn: &C,
    unit_id: i32,
    platform_id: i32,
) -> Result<Option<account::Model>, AppError> {
    Ok(account::Entity::find()
        .filter(account::Column::HostUnitId.eq(unit_id))
        .filter(account::Column::PlatformId.eq(platform_id))
        .filter(account::Column::Status.ne(AccountStatus::Deregistered.as_str()))
        .one(txn)
        .await?)
}

/// Art. 9: a live account or a pending open request for the same (unit, platform) blocks an open
/// request, unless the county office granted a waiver. The refusal names what blocks it.
async fn art9_duplicate<C: ConnectionTrait>(txn: &C, f: &filing::Model) -> Result<(), AppError> {
    if kind_of(f)? != FilingKind::Open || f.art9_waiver.is_some() {
        return Ok(());
    }
    let Some(platform_id) = f.platform_id else {
        return Ok(());
    };
    if let Some(live) = live_account(txn, f.unit_id, platform_id).await? {
        return Err(AppError::Art9Duplicate {
            existing: live.name,
        });
    }
    if let Some(pending) = filing::Entity::find()
        .filter(filing::Column::UnitId.eq(f.unit_id))
        .filter(filing::Column::PlatformId.eq(platform_id))
        .filter(filing::Column::Kind.eq(FilingKind::Open.as_str()))
        .filter(filing::Column::State.eq(FilingState::Submitted.as_str()))
        .filter(filing::Column::Id.ne(f.id))
        .one(txn)
        .await?
    {
        return Err(AppError::Art9Duplicate {
            existing: pending.number,
        });
    }
    Ok(())
}

/// Submits (or resubmits after a return) a filing whose form passes every rule.
pub async fn submit(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let txn = begin_write(db).await?;
    let before = load(&txn, id).await?;
    permit(FilingAction::Submit, user, &before)?;
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
    art9_duplicate(&txn, &before).await?;
    let resubmission = state_of(&before)? == FilingState::Returned;
    let mut edit = before.clone().into_active_model();
    edit.state = Set(FilingState::Submitted.as_str().into());
    // Art. 11: the county office's period runs from receipt; a resubmission starts a new one,
    // counted in working days on the official calendar (the day of receipt is not counted).
    // Serialised with calendar changes (see `calendar::save_year`), so no deadline is counted on a
    // calendar that is being replaced.
    audit::lock(&txn).await?;
    let working_days = deadlines::settings(&txn).await?.review_working_days;
    let due = super::calendar::load(&txn)
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
    edit.completion_required = Set(kind_of(&before)? != FilingKind::Open
        && checked
            .target
            .as_ref()
            .is_some_and(|a| a.in_national_system));
    let after = match write(&txn, &before, edit, now).await {
        Ok(1) => load(&txn, id).await?,
        Ok(_) => return Err(AppError::Conflict),
        // Another submission on the same account committed first: the index refused this one.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            drop(txn);
            let holder = match before.account_id {
                Some(account_id) => open_on_account(db, account_id, Some(id), true).await?,
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
    let r = Record {
        action,
        entity_type: "filing",
        id,
        before: before_state,
        after: Some(details),
    };
    record(&txn, user, meta, r, now).await?;
    // DESIGN §5: the county office hears of every receipt, in this same transaction.
    let mut to = vec![Recipient::CountyOffice];
    to.extend(outbox::reviewers(&txn).await?);
    outbox::notify_filing(&txn, NoticeKind::FilingSubmitted, &after, &to, now).await?;
    txn.commit().await?;
    Ok(after)
}

fn required_text(field: &str, value: &str) -> Result<String, AppError> {
    bounded_text(field, value, 2000)
}

/// Required text of at most `max` characters (the width of the column it is kept in).
fn bounded_text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::invalid(field, Problem::Required));
    }
    if value.chars().count() > max {
        return Err(AppError::invalid(field, Problem::TooLong));
    }
    Ok(value.to_string())
}

/// A step that changes only the filing's own fields: one write transaction, the step's rules,
/// the version guard, and an audit event with the fields it changed.
#[allow(clippy::too_many_arguments)]
async fn simple_step(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    action: FilingAction,
    audit_action: crate::domain::AuditAction,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut filing::ActiveModel),
) -> Result<filing::Model, AppError> {
    let txn = begin_write(db).await?;
    let before = load(&txn, id).await?;
    permit(action, user, &before)?;
    let mut edit = before.clone().into_active_model();
    change(&mut edit);
    let after = save(&txn, &before, edit, now).await?;
    // Art. 11: a return stops the clock; a rejection ends the period.
    match action {
        FilingAction::Return => {
            deadlines::close_period(&txn, id, FilingState::Returned, now).await?
        }
        FilingAction::Reject => {
            deadlines::close_period(&txn, id, FilingState::Rejected, now).await?
        }
        _ => {}
    }
    let (old, new) = differences(&snapshot(&before), &snapshot(&after));
    let r = Record {
        action: audit_action,
        entity_type: "filing",
        id,
        before: Some(old),
        after: Some(new),
    };
    record(&txn, user, meta, r, now).await?;
    match action {
        FilingAction::Return => {
            outbox::notify_unit_of_decision(&txn, NoticeKind::FilingReturned, &after, now).await?;
        }
        FilingAction::Reject => {
            outbox::notify_unit_of_decision(&txn, NoticeKind::FilingRejected, &after, now).await?;
        }
        _ => {}
    }
    txn.commit().await?;
    Ok(after)
}

/// A step that only moves the state (and, for decisions, records who decided and why).
async fn transition(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    (action, to): (FilingAction, FilingState),
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let audit_action = crate::domain::AuditAction::filing_moved_to(to).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("no step moves a filing to {}", to.as_str()))
    })?;
    simple_step(db, user, meta, id, action, audit_action, now, |edit| {
        edit.state = Set(to.as_str().into());
        if matches!(action, FilingAction::Return | FilingAction::Reject) {
            edit.decided_by = Set(Some(user.id));
            edit.decided_at = Set(Some(now));
            edit.decision_note = Set(note);
        }
    })
    .await
}

/// Withdraws a draft or returned filing.
pub async fn withdraw(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let step = (FilingAction::Withdraw, FilingState::Withdrawn);
    transition(db, user, meta, id, step, None, now).await
}

/// Returns a submitted filing for correction, with the reviewer's comment. The clock stops.
pub async fn return_for_correction(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let comment = required_text("comment", comment)?;
    let step = (FilingAction::Return, FilingState::Returned);
    transition(db, user, meta, id, step, Some(comment), now).await
}

/// Rejects a submitted filing, with the reason.
pub async fn reject(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let reason = required_text("reason", reason)?;
    let step = (FilingAction::Reject, FilingState::Rejected);
    transition(db, user, meta, id, step, Some(reason), now).await
}

/// Applies an approved filing to the registry (open, change, suspend, deregister); returns the
/// account it concerns.
async fn apply_to_registry(
    txn: &DatabaseTransaction,
    user: &SessionUser,
    meta: &RequestMeta,
    f: &filing::Model,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    let unique_to_conflict = |e: sea_orm::DbErr| match e.sql_err() {
        // Art. 9, held by the partial unique index: another approval won the race.
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict,
        _ => AppError::from(e),
    };
    let kind = kind_of(f)?;
    if kind == FilingKind::Open {
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
            status: Set(AccountStatus::Active.as_str().into()),
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
        .map_err(unique_to_conflict)?;
        let after = Some(json!({"filing": f.number, "account": account_snapshot(&created)}));
        let r = Record {
            action: crate::domain::AuditAction::AccountOpened,
            entity_type: "account",
            id: created.id,
            before: None,
            after,
        };
        record(txn, user, meta, r, now).await?;
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
    match kind {
        FilingKind::Change => {
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
        FilingKind::Suspend => edit.status = Set(AccountStatus::Suspended.as_str().into()),
        FilingKind::Deregister => edit.status = Set(AccountStatus::Deregistered.as_str().into()),
        // Open requests created their account above.
        FilingKind::Open => {
            return Err(AppError::internal(anyhow::anyhow!(
                "open filing {}",
                f.number
            )));
        }
    }
    edit.updated_at = Set(now);
    let after = edit.update(txn).await.map_err(unique_to_conflict)?;
    let (old, new) = differences(&account_snapshot(&before), &account_snapshot(&after));
    let r = Record {
        action: crate::domain::AuditAction::account_changed_by(kind),
        entity_type: "account",
        id,
        before: Some(old),
        after: Some(json!({"filing": f.number, "changes": new})),
    };
    record(txn, user, meta, r, now).await?;
    Ok(id)
}

/// Approves a submitted filing. The rules are checked again inside this transaction; for accounts
/// in the national reporting system (Art. 12) the registry changes only at completion.
pub async fn approve(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    note: &str,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let txn = begin_write(db).await?;
    let before = load(&txn, id).await?;
    permit(FilingAction::Approve, user, &before)?;
    let checked = check_rules(&txn, &before, now).await?;
    if !checked.issues.is_empty() {
        return Err(AppError::Incomplete(checked.issues));
    }
    // Issue 15, item 11: the account as it stands at the decision (Art. 11), also when the
    // registry changes only at Art. 12 completion.
    target_account(&txn, &before).await?;
    if kind_of(&before)? == FilingKind::Open
        && before.art9_waiver.is_none()
        && let Some(platform_id) = before.platform_id
        && let Some(live) = live_account(&txn, before.unit_id, platform_id).await?
    {
        // Art. 9, checked again: an account opened since this filing was submitted.
        return Err(AppError::Art9Duplicate {
            existing: live.name,
        });
    }
    let mut edit = before.clone().into_active_model();
    edit.state = Set(FilingState::Approved.as_str().into());
    edit.decided_by = Set(Some(user.id));
    edit.decided_at = Set(Some(now));
    edit.decision_note = Set(Some(note.trim().to_string()).filter(|n| !n.is_empty()));
    if !before.completion_required {
        edit.account_id = Set(Some(
            apply_to_registry(&txn, user, meta, &before, now).await?,
        ));
    }
    let after = save(&txn, &before, edit, now).await?;
    deadlines::close_period(&txn, id, FilingState::Approved, now).await?;
    let r = Record {
        action: crate::domain::AuditAction::FilingApproved,
        entity_type: "filing",
        id,
        before: Some(json!({"state": before.state})),
        after: Some(json!({
            "state": after.state, "account_id": after.account_id,
            "awaiting_completion": after.completion_required,
        })),
    };
    record(&txn, user, meta, r, now).await?;
    let kind = if after.completion_required {
        NoticeKind::FilingAwaitingCompletion
    } else {
        NoticeKind::FilingApproved
    };
    outbox::notify_unit_of_decision(&txn, kind, &after, now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Art. 9: the county office allows an exception to one account per unit per platform, with a
/// reason.
pub async fn grant_waiver(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let reason = required_text("reason", reason)?;
    let waiver = FilingAction::GrantWaiver;
    simple_step(
        db,
        user,
        meta,
        id,
        waiver,
        crate::domain::AuditAction::FilingWaiverGranted,
        now,
        |edit| {
            edit.art9_waiver = Set(Some(reason));
            edit.waiver_by = Set(Some(user.id));
        },
    )
    .await
}

/// 报备: the upward report of an approved filing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpwardReport {
    pub reported_on: String,
    pub reported_to: String,
    pub reference: String,
}

/// 报备更正: a recorded report corrected, with the reason (issue 15, item 12).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportCorrection {
    pub report: UpwardReport,
    pub reason: String,
}

/// A report's fields, checked: the date lies between the decision and today in China (a report
/// of a decision is made after it, and not in the future; Art. 11), the rest is bounded text.
fn report_fields(
    f: &filing::Model,
    report: &UpwardReport,
    now: DateTime<Utc>,
) -> Result<(NaiveDate, String, String), AppError> {
    let on = NaiveDate::parse_from_str(report.reported_on.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("reported_on", Problem::BadDate))?;
    if on > china_date(now) {
        return Err(AppError::invalid("reported_on", Problem::FutureDate));
    }
    if let Some(decided) = f.decided_at
        && on < china_date(decided)
    {
        return Err(AppError::invalid("reported_on", Problem::BeforeDecision));
    }
    let to = bounded_text("reported_to", &report.reported_to, 128)?;
    let reference = bounded_text("reference", &report.reference, 128)?;
    Ok((on, to, reference))
}

fn report_of(f: &filing::Model) -> serde_json::Value {
    json!({
        "reported_on": f.reported_on, "reported_to": f.reported_to,
        "report_reference": f.report_reference,
    })
}

/// Records the upward report (报备) of an approved filing, once, and queues the 【报备】 notice to
/// the upper-level office. A report already recorded is changed only by [`correct_report`].
pub async fn record_report(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    report: UpwardReport,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    report_step(db, user, meta, id, report, None, now).await
}

/// Corrects a recorded upward report: an explicit step with its reason, audited as a correction
/// (`filing.report_corrected`, old and new values), and one correction notice to the upper-level
/// office instead of a second report.
pub async fn correct_report(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    correction: ReportCorrection,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let reason = required_text("reason", &correction.reason)?;
    report_step(db, user, meta, id, correction.report, Some(reason), now).await
}

async fn report_step(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    report: UpwardReport,
    correction: Option<String>,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let txn = begin_write(db).await?;
    let before = load(&txn, id).await?;
    let action = match correction {
        Some(_) => FilingAction::CorrectReport,
        None => FilingAction::RecordReport,
    };
    permit(action, user, &before)?;
    let (on, to, reference) = report_fields(&before, &report, now)?;
    let unchanged = before.reported_on == Some(on)
        && before.reported_to.as_deref() == Some(to.as_str())
        && before.report_reference.as_deref() == Some(reference.as_str());
    if correction.is_some() && unchanged {
        return Err(AppError::invalid("reported_on", Problem::ReportUnchanged));
    }
    let mut edit = before.clone().into_active_model();
    edit.reported_on = Set(Some(on));
    edit.reported_to = Set(Some(to));
    edit.report_reference = Set(Some(reference));
    let after = save(&txn, &before, edit, now).await?;
    let (old, mut new) = differences(&report_of(&before), &report_of(&after));
    let audit_action = match &correction {
        Some(reason) => {
            if let Some(fields) = new.as_object_mut() {
                fields.insert("correction_reason".into(), json!(reason));
            }
            crate::domain::AuditAction::FilingReportCorrected
        }
        None => crate::domain::AuditAction::FilingReported,
    };
    let r = Record {
        action: audit_action,
        entity_type: "filing",
        id,
        before: Some(old),
        after: Some(new),
    };
    record(&txn, user, meta, r, now).await?;
    // The upper level receives the report once; a correction is announced as a correction, with
    // what it replaces and why (the same outbox kind, marked `correction`).
    let mut params = outbox::filing_params(&txn, &after).await?;
    if let (Some(reason), Some(fields)) = (&correction, params.as_object_mut()) {
        fields.insert(
            "correction".into(),
            json!({
                "reason": reason,
                "previous_reported_on": before.reported_on,
                "previous_reported_to": before.reported_to,
                "previous_reference": before.report_reference,
            }),
        );
    }
    let notice = outbox::Notice {
        kind: NoticeKind::FilingReported,
        filing_id: Some(after.id),
        unit_id: Some(after.unit_id),
        params,
    };
    outbox::enqueue(&txn, &notice, &[Recipient::UpperLevel], now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Art. 12 evidence from the unit: done on the platform, announced publicly (with a screenshot).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompletionEvidence {
    pub platform_done_on: String,
    pub announcement_url: String,
}

pub async fn record_completion(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    evidence: CompletionEvidence,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let done_on = NaiveDate::parse_from_str(evidence.platform_done_on.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("platform_done_on", Problem::BadDate))?;
    if done_on > china_date(now) {
        return Err(AppError::invalid("platform_done_on", Problem::FutureDate));
    }
    let url = evidence.announcement_url.trim().to_string();
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 512 {
        return Err(AppError::invalid("announcement_url", Problem::BadUrl));
    }
    // Art. 12: the announcement's screenshot comes with the evidence. Attachments are never
    // removed, so checking before the step's transaction is as good as inside it.
    permit(FilingAction::RecordCompletion, user, &load(db, id).await?)?;
    if !attachment_kinds(db, id)
        .await?
        .iter()
        .any(|k| k == "announcement_screenshot")
    {
        return Err(AppError::Incomplete(vec![(
            Field::Attachments,
            Issue::Required,
        )]));
    }
    let step = FilingAction::RecordCompletion;
    simple_step(
        db,
        user,
        meta,
        id,
        step,
        crate::domain::AuditAction::FilingCompletionRecorded,
        now,
        |edit| {
            edit.platform_done_on = Set(Some(done_on));
            edit.announcement_url = Set(Some(url));
            edit.completion_recorded_at = Set(Some(now));
        },
    )
    .await
}

/// The county office confirms Art. 12 completion; only now does the registry change.
pub async fn confirm_completion(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    now: DateTime<Utc>,
) -> Result<filing::Model, AppError> {
    let txn = begin_write(db).await?;
    let before = load(&txn, id).await?;
    permit(FilingAction::ConfirmCompletion, user, &before)?;
    apply_to_registry(&txn, user, meta, &before, now).await?;
    let mut edit = before.clone().into_active_model();
    edit.state = Set(FilingState::Completed.as_str().into());
    edit.completed_at = Set(Some(now));
    edit.completed_by = Set(Some(user.id));
    let after = save(&txn, &before, edit, now).await?;
    let r = Record {
        action: crate::domain::AuditAction::FilingCompleted,
        entity_type: "filing",
        id,
        before: Some(json!({"state": before.state})),
        after: Some(json!({"state": after.state})),
    };
    record(&txn, user, meta, r, now).await?;
    txn.commit().await?;
    Ok(after)
}
