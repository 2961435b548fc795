//! The e-mail outbox (DESIGN §5, STYLE 6): notices are rows written inside the transaction of the
//! change that causes them, so a change that rolls back queues nothing and a mail server that is
//! down loses nothing. The worker (in `server`) claims due rows with a lease, delivers them and
//! records the outcome here; several instances on one PostgreSQL skip each other's claimed rows.
use super::audit::{self, Actor, Event};
use super::db::begin_write;
use super::entities::{account, filing, outbox_message, platform, unit, user};
use super::use_case::RequestMeta;
use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::model::{OutboxRow, OutboxView, SessionUser};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait as _, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};

/// What a notice is about; each kind has its templates in `notices`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// To the county office and the reviewers.
    FilingSubmitted,
    /// To the submitter and the unit's contacts.
    FilingReturned,
    FilingApproved,
    /// Approved, and the unit still has to finish on the platform (Art. 12).
    FilingAwaitingCompletion,
    FilingRejected,
    /// 报备: to the upper-level office.
    FilingReported,
    /// Reminders (Art. 11) to the reviewers.
    FilingDueToday,
    FilingOverdue,
    /// Art. 29, to the unit.
    PasswordRotation,
    /// Issue 15 (tokens): to the owner of a new API token.
    TokenCreated,
    // issue 15: people. To the person whose account changed (ASVS 5.0 V6.3.7).
    /// A temporary password was set; carries it (`password`) only when it is delivered this way
    /// (a privileged account), and the outbox forgets it once sent.
    AccountPasswordReset,
    AccountRoleChanged,
    AccountSecondFactorReset,
    AccountDisabled,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 14] = [
        NoticeKind::FilingSubmitted,
        NoticeKind::FilingReturned,
        NoticeKind::FilingApproved,
        NoticeKind::FilingAwaitingCompletion,
        NoticeKind::FilingRejected,
        NoticeKind::FilingReported,
        NoticeKind::FilingDueToday,
        NoticeKind::FilingOverdue,
        NoticeKind::PasswordRotation,
        NoticeKind::TokenCreated,
        NoticeKind::AccountPasswordReset,
        NoticeKind::AccountRoleChanged,
        NoticeKind::AccountSecondFactorReset,
        NoticeKind::AccountDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::FilingSubmitted => "filing_submitted",
            NoticeKind::FilingReturned => "filing_returned",
            NoticeKind::FilingApproved => "filing_approved",
            NoticeKind::FilingAwaitingCompletion => "filing_awaiting_completion",
            NoticeKind::FilingRejected => "filing_rejected",
            NoticeKind::FilingReported => "filing_reported",
            NoticeKind::FilingDueToday => "filing_due_today",
            NoticeKind::FilingOverdue => "filing_overdue",
            NoticeKind::PasswordRotation => "password_rotation",
            NoticeKind::TokenCreated => "token_created",
            NoticeKind::AccountPasswordReset => "account_password_reset",
            NoticeKind::AccountRoleChanged => "account_role_changed",
            NoticeKind::AccountSecondFactorReset => "account_second_factor_reset",
            NoticeKind::AccountDisabled => "account_disabled",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == code)
    }
}

/// Who a notice goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A person with an e-mail address, in their language.
    User {
        id: i32,
        address: String,
        locale: Locale,
    },
    /// `COUNTY_OFFICE_EMAIL`, resolved by the worker.
    CountyOffice,
    /// `UPPER_LEVEL_EMAIL`, resolved by the worker.
    UpperLevel,
}

impl Recipient {
    fn kind(&self) -> &'static str {
        match self {
            Recipient::User { .. } => "user",
            Recipient::CountyOffice => "county_office",
            Recipient::UpperLevel => "upper_level",
        }
    }
}

/// A notice to queue: its kind, what it concerns and what it says.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NoticeKind,
    pub filing_id: Option<i32>,
    pub unit_id: Option<i32>,
    pub params: Value,
}

pub const STATUS_QUEUED: &str = "queued";
pub const STATUS_SENDING: &str = "sending";
pub const STATUS_SENT: &str = "sent";
pub const STATUS_FAILED: &str = "failed";
pub const STATUSES: [&str; 4] = [STATUS_QUEUED, STATUS_SENDING, STATUS_SENT, STATUS_FAILED];

/// A fresh Message-ID, fixed for the life of the message.
fn new_message_id() -> String {
    format!("<{}@registry.notices>", uuid::Uuid::new_v4().simple())
}

/// Queues `notice` for each recipient, inside the caller's transaction. Returns how many rows.
pub async fn enqueue<C: ConnectionTrait>(
    txn: &C,
    notice: &Notice,
    recipients: &[Recipient],
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let params = notice.params.to_string();
    let rows: Vec<outbox_message::ActiveModel> = recipients
        .iter()
        .map(|to| {
            let (user_id, address, locale) = match to {
                Recipient::User {
                    id,
                    address,
                    locale,
                } => (Some(*id), Some(address.clone()), *locale),
                // The offices read Chinese.
                _ => (None, None, Locale::ZhCn),
            };
            outbox_message::ActiveModel {
                message_id: Set(new_message_id()),
                kind: Set(notice.kind.as_str().into()),
                recipient_kind: Set(to.kind().into()),
                recipient_user_id: Set(user_id),
                recipient_address: Set(address),
                locale: Set(locale.tag().into()),
                params: Set(params.clone()),
                filing_id: Set(notice.filing_id),
                unit_id: Set(notice.unit_id),
                status: Set(STATUS_QUEUED.into()),
                attempts: Set(0),
                next_attempt_at: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    let count = rows.len();
    if count > 0 {
        outbox_message::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(count)
}

/// The person themselves, when they have an address, in their language.
pub fn person(u: user::Model) -> Option<Recipient> {
    let address = u.email.filter(|e| !e.trim().is_empty())?;
    Some(Recipient::User {
        id: u.id,
        address: address.trim().to_string(),
        locale: Locale::parse(&u.locale).unwrap_or_default(),
    })
}

/// The county office's reviewers who have an address.
pub async fn reviewers<C: ConnectionTrait>(txn: &C) -> Result<Vec<Recipient>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Reviewer.as_str()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(txn)
        .await?
        .into_iter()
        .filter_map(person)
        .collect())
}

/// A unit's contacts (its active submitters with an address), and `also` (the filing's submitter)
/// if they are not among them already.
pub async fn unit_contacts<C: ConnectionTrait>(
    txn: &C,
    unit_id: i32,
    also: Option<i32>,
) -> Result<Vec<Recipient>, AppError> {
    let mut people = user::Entity::find()
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Role.eq(Role::Submitter.as_str()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(txn)
        .await?;
    if let Some(id) = also
        && !people.iter().any(|u| u.id == id)
        && let Some(u) = user::Entity::find_by_id(id).one(txn).await?
        && u.active
    {
        people.push(u);
    }
    Ok(people.into_iter().filter_map(person).collect())
}

/// What a filing notice says: the filing's number, kind, unit, account and platform, its due date
/// and the decision's note. Never the custodian's name or mobile.
pub async fn filing_params<C: ConnectionTrait>(
    txn: &C,
    f: &filing::Model,
) -> Result<Value, AppError> {
    let unit = unit::Entity::find_by_id(f.unit_id).one(txn).await?;
    // A change, suspension or closure names its account; an opening names the account to be.
    let existing = match f.account_id {
        Some(id) => account::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let platform = match f.platform_id.or(existing.as_ref().map(|a| a.platform_id)) {
        Some(id) => platform::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let account_name = match &existing {
        Some(a) if f.account_name.trim().is_empty() => a.name.clone(),
        _ => f.account_name.clone(),
    };
    Ok(json!({
        "number": f.number,
        "filing_kind": f.kind,
        "unit": unit.map(|u| u.name).unwrap_or_default(),
        "account": account_name,
        "platform_zh": platform.as_ref().map(|p| p.name_zh.clone()).unwrap_or_default(),
        "platform_en": platform.as_ref().map(|p| p.name_en.clone()).unwrap_or_default(),
        "due_on": f.due_on,
        "due_provisional": f.due_provisional,
        "decided_at": f.decided_at,
        "note": f.decision_note,
        "reported_on": f.reported_on,
        "reported_to": f.reported_to,
        "reference": f.report_reference,
        "path": format!("/filings/{}", f.id),
    }))
}

/// Queues a notice about filing `f` to `recipients`.
pub async fn notify_filing<C: ConnectionTrait>(
    txn: &C,
    kind: NoticeKind,
    f: &filing::Model,
    recipients: &[Recipient],
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let notice = Notice {
        kind,
        filing_id: Some(f.id),
        unit_id: Some(f.unit_id),
        params: filing_params(txn, f).await?,
    };
    enqueue(txn, &notice, recipients, now).await
}

/// A decision on a filing, to the submitter and the unit's contacts.
pub async fn notify_unit_of_decision<C: ConnectionTrait>(
    txn: &C,
    kind: NoticeKind,
    f: &filing::Model,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let to = unit_contacts(txn, f.unit_id, Some(f.created_by)).await?;
    notify_filing(txn, kind, f, &to, now).await
}

// ---- The worker's side -------------------------------------------------------------------

/// Claims up to `limit` messages that are due at `now` (queued and due, or sending with an expired
/// lease: a worker that died mid-delivery) for `worker`, until `now + lease`. Each claim counts as
/// an attempt. On PostgreSQL rows another worker is claiming are skipped (`FOR UPDATE SKIP
/// LOCKED`); on SQLite the write lock serialises claims.
pub async fn claim(
    db: &DatabaseConnection,
    worker: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: u64,
) -> Result<Vec<outbox_message::Model>, AppError> {
    use outbox_message::Column;
    let txn = begin_write(db).await?;
    let due = Condition::any()
        .add(
            Condition::all().add(Column::Status.eq(STATUS_QUEUED)).add(
                Condition::any()
                    .add(Column::NextAttemptAt.is_null())
                    .add(Column::NextAttemptAt.lte(now)),
            ),
        )
        .add(
            Condition::all()
                .add(Column::Status.eq(STATUS_SENDING))
                .add(Column::LeaseUntil.lt(now)),
        );
    let mut query = outbox_message::Entity::find()
        .filter(due)
        .order_by_asc(Column::Id)
        .limit(limit);
    if txn.get_database_backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut rows = query.all(&txn).await?;
    if rows.is_empty() {
        return Ok(rows);
    }
    let until = now + lease;
    outbox_message::Entity::update_many()
        .col_expr(Column::Status, Expr::value(STATUS_SENDING))
        .col_expr(Column::ClaimedBy, Expr::value(worker))
        .col_expr(Column::LeaseUntil, Expr::value(until))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .filter(Column::Id.is_in(rows.iter().map(|r| r.id)))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    for row in &mut rows {
        row.status = STATUS_SENDING.into();
        row.claimed_by = Some(worker.into());
        row.lease_until = Some(until);
        row.attempts += 1;
    }
    Ok(rows)
}

/// Renews `worker`'s claim on message `id` until `until`, just before delivering it, so the lease
/// covers one SMTP exchange however long the rest of the batch took. False when the claim was lost
/// (it expired while the message waited its turn and another worker took it over): then this
/// worker must not deliver it.
pub async fn renew(
    db: &DatabaseConnection,
    id: i64,
    worker: &str,
    until: DateTime<Utc>,
) -> Result<bool, AppError> {
    use outbox_message::Column;
    let result = outbox_message::Entity::update_many()
        .col_expr(Column::LeaseUntil, Expr::value(until))
        .filter(Column::Id.eq(id))
        .filter(Column::ClaimedBy.eq(worker))
        .filter(Column::Status.eq(STATUS_SENDING))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Try again at this instant.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// Given up (too many attempts, or refused for good): an administrator may retry it.
    Failed {
        error: String,
    },
}

/// Records the outcome of `worker`'s attempt. Returns false when the claim was no longer theirs
/// (the lease ran out and another worker took the message over).
pub async fn finish(
    db: &DatabaseConnection,
    id: i64,
    worker: &str,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    use outbox_message::Column;
    let mut update = outbox_message::Entity::update_many().col_expr(
        Column::LeaseUntil,
        Expr::value(Option::<DateTime<Utc>>::None),
    );
    let done = !matches!(outcome, Outcome::Retry { .. });
    update = match outcome {
        Outcome::Sent => update
            .col_expr(Column::Status, Expr::value(STATUS_SENT))
            .col_expr(Column::SentAt, Expr::value(now)),
        Outcome::Retry { at, error } => update
            .col_expr(Column::Status, Expr::value(STATUS_QUEUED))
            .col_expr(Column::NextAttemptAt, Expr::value(at))
            .col_expr(Column::LastError, Expr::value(truncate(&error))),
        Outcome::Failed { error } => update
            .col_expr(Column::Status, Expr::value(STATUS_FAILED))
            .col_expr(
                Column::NextAttemptAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(Column::LastError, Expr::value(truncate(&error))),
    };
    let result = update
        .filter(Column::Id.eq(id))
        .filter(Column::ClaimedBy.eq(worker))
        .filter(Column::Status.eq(STATUS_SENDING))
        .exec(db)
        .await?;
    if done && result.rows_affected == 1 {
        // A temporary password delivered by e-mail is kept no longer than it takes to send it.
        outbox_message::Entity::update_many()
            .col_expr(Column::Params, Expr::value(r#"{"delivered":true}"#))
            .filter(Column::Id.eq(id))
            .filter(Column::Kind.eq(NoticeKind::AccountPasswordReset.as_str()))
            .filter(Column::Params.like("%\"password\"%"))
            .exec(db)
            .await?;
    }
    Ok(result.rows_affected == 1)
}

fn truncate(error: &str) -> String {
    error.chars().take(1000).collect()
}

// ---- The administrators' side ------------------------------------------------------------

pub const PAGE_SIZE: u64 = 50;

fn require_admin(user: &SessionUser) -> Result<(), AppError> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The outbox, newest first, optionally of one status, for administrators.
pub async fn list(
    db: &DatabaseConnection,
    user: &SessionUser,
    status: Option<&str>,
    page: u64,
) -> Result<OutboxView, AppError> {
    require_admin(user)?;
    let status = status.filter(|s| STATUSES.contains(s));
    let mut counts = Vec::new();
    for s in STATUSES {
        let n = outbox_message::Entity::find()
            .filter(outbox_message::Column::Status.eq(s))
            .count(db)
            .await?;
        counts.push((s.to_string(), n));
    }
    let mut query = outbox_message::Entity::find().order_by_desc(outbox_message::Column::Id);
    if let Some(s) = status {
        query = query.filter(outbox_message::Column::Status.eq(s));
    }
    let paginator = query.paginate(db, PAGE_SIZE);
    let pages = Ord::max(paginator.num_pages().await?, 1);
    let page = page.clamp(1, pages);
    let rows = paginator
        .fetch_page(page - 1)
        .await?
        .into_iter()
        .map(row)
        .collect();
    Ok(OutboxView {
        counts,
        status: status.map(str::to_string),
        rows,
        page,
        pages,
    })
}

/// A row as listed; the subject in the language the message goes out in.
fn row(m: outbox_message::Model) -> OutboxRow {
    let subject = NoticeKind::parse(&m.kind)
        .and_then(|kind| {
            let params: Value = serde_json::from_str(&m.params).ok()?;
            let locale = Locale::parse(&m.locale).unwrap_or_default();
            Some(super::notices::subject(kind, locale, &params))
        })
        .unwrap_or_default();
    OutboxRow {
        id: m.id,
        kind: m.kind,
        recipient_kind: m.recipient_kind,
        recipient_address: m.recipient_address,
        subject,
        status: m.status,
        attempts: m.attempts,
        next_attempt_at: m.next_attempt_at.map(|t| t.to_rfc3339()),
        last_error: m.last_error,
        created_at: m.created_at.to_rfc3339(),
        sent_at: m.sent_at.map(|t| t.to_rfc3339()),
        filing_id: m.filing_id,
    }
}

/// An administrator sends a failed message again: it is queued afresh, with its attempts reset
/// and its Message-ID kept. Audited.
pub async fn retry(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use outbox_message::Column;
    require_admin(user)?;
    let txn = begin_write(db).await?;
    let before = outbox_message::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if before.status != STATUS_FAILED {
        return Err(AppError::Conflict);
    }
    outbox_message::Entity::update_many()
        .col_expr(Column::Status, Expr::value(STATUS_QUEUED))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(
            Column::NextAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(STATUS_FAILED))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: crate::domain::AuditAction::OutboxRetried,
            entity_type: "outbox_message",
            entity_id: Some(id.to_string()),
            before: Some(json!({
                "status": before.status, "attempts": before.attempts,
                "last_error": before.last_error, "message_id": before.message_id,
            })),
            after: Some(json!({"status": STATUS_QUEUED, "attempts": 0})),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
