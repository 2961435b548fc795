//! The worker's side of the outbox: claiming due messages under a lease, renewing the lease and
//! recording each delivery's outcome.
use super::{NoticeKind, STATUS_FAILED, STATUS_QUEUED, STATUS_SENDING, STATUS_SENT};
use crate::error::AppError;
use crate::server::db::begin_write;
use crate::server::entities::outbox_message;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

/// Claims up to `limit` messages that are due at `now` (queued and due, or sending with an expired
/// lease: a worker that died mid-delivery) for `worker`, until `now + lease`. Each claim counts as
/// an attempt. On PostgreSQL rows another worker is claiming are skipped (`FOR UPDATE SKIP
/// LOCKED`); on SQLite the write lock serialises claims.
#[tracing::instrument(skip_all, fields(use_case = "outbox.claim"))]
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
#[tracing::instrument(skip_all, fields(use_case = "outbox.renew"))]
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
#[tracing::instrument(skip_all, fields(use_case = "outbox.finish"))]
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
