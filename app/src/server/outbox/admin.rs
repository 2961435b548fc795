//! The administrators' side of the outbox: the page of messages and sending a failed one again.
use super::{NoticeKind, STATUS_FAILED, STATUS_QUEUED, STATUSES};
use crate::domain::Capability;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::model::{OutboxRow, OutboxView};
use crate::server::audit::{self, Actor, Event};
use crate::server::entities::outbox_message;
use crate::server::use_case::UseCase;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

pub const PAGE_SIZE: u64 = 50;

/// The outbox page's address, with the status filter a step was posted from. Only a known status
/// goes back into the address: the form's field is the client's to forge.
pub fn page_address(status: Option<&str>) -> String {
    match status.filter(|s| STATUSES.contains(s)) {
        Some(s) => format!("/admin/outbox?status={s}"),
        None => "/admin/outbox".to_string(),
    }
}

/// The outbox, newest first, optionally of one status, for administrators.
#[tracing::instrument(skip_all, fields(use_case = "outbox.list"))]
pub async fn list(uc: &UseCase, status: Option<&str>, page: u64) -> Result<OutboxView, AppError> {
    uc.require(Capability::WorkOutbox)?;
    let db = uc.db();
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

/// A message's subject in the language it goes out in (empty for one the templates cannot read).
pub fn subject_of(m: &outbox_message::Model) -> String {
    NoticeKind::parse(&m.kind)
        .and_then(|kind| {
            let params: Value = serde_json::from_str(&m.params).ok()?;
            let locale = Locale::parse(&m.locale).unwrap_or_default();
            Some(crate::server::notices::subject(kind, locale, &params))
        })
        .unwrap_or_default()
}

/// A row as listed; the subject in the language the message goes out in.
fn row(m: outbox_message::Model) -> OutboxRow {
    let subject = subject_of(&m);
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
#[tracing::instrument(skip_all, fields(use_case = "outbox.retry", id))]
pub async fn retry(uc: &UseCase, id: i64) -> Result<(), AppError> {
    use outbox_message::Column;
    uc.require(Capability::WorkOutbox)?;
    let txn = uc.begin().await?;
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
        &Actor::user(uc.user(), uc.meta()),
        Event::new(crate::domain::AuditAction::OutboxRetried, "outbox_message")
            .on(id)
            .before(json!({
                "status": before.status, "attempts": before.attempts,
                "last_error": before.last_error, "message_id": before.message_id,
            }))
            .after(json!({"status": STATUS_QUEUED, "attempts": 0})),
        uc.now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
