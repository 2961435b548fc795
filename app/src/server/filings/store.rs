//! Reading and writing filings: the version-guarded save, numbering, and the account a request
//! is about as it stands now (issue 15, item 11).
use super::super::entities::{account, filing, platform};
use crate::domain::AccountStatus;
use crate::domain::filing::{FilingState, Refusal};
use crate::error::{AppError, Problem};
use crate::model::SessionUser;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};

pub(super) async fn load<C: ConnectionTrait>(txn: &C, id: i32) -> Result<filing::Model, AppError> {
    filing::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Writes the changed filing only if nobody changed it since it was read: of two reviewers acting
/// at once, the second gets a conflict, and nothing of their step remains.
pub(super) async fn save(
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
pub(super) async fn write(
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
    let mut plain_states = vec![FilingState::Submitted, FilingState::Returned];
    if !holding_only {
        plain_states.push(FilingState::Draft);
    }
    let open = Condition::any()
        .add(filing::Column::State.is_in(plain_states))
        .add(
            Condition::all()
                .add(filing::Column::State.eq(FilingState::Approved))
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

pub(super) fn pending(f: filing::Model) -> AppError {
    AppError::PendingFiling {
        id: f.id,
        number: f.number,
    }
}

/// Issue 15, item 11: nothing more is requested, decided or applied on an account that has been
/// deregistered (注销, Art. 11); a request made before the closure is refused, not applied.
pub(super) fn ensure_not_deregistered(a: &account::Model) -> Result<(), AppError> {
    if a.status == AccountStatus::Deregistered {
        return Err(AppError::Refused(Refusal::AccountDeregistered));
    }
    Ok(())
}

/// The account a change, suspension or closure is about, checked as it stands now.
pub(super) async fn target_account<C: ConnectionTrait>(
    txn: &C,
    f: &filing::Model,
) -> Result<Option<account::Model>, AppError> {
    if !f.kind.needs_account() {
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
pub(super) async fn next_number(
    txn: &DatabaseTransaction,
    year: i32,
) -> Result<(i32, String), AppError> {
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

pub(super) async fn platform_by_code<C: ConnectionTrait>(
    txn: &C,
    code: &str,
) -> Result<platform::Model, AppError> {
    platform::Entity::find()
        .filter(platform::Column::Code.eq(code))
        .one(txn)
        .await?
        .ok_or(AppError::invalid("platform", Problem::Required))
}

pub(super) async fn by_idempotency_key(
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
