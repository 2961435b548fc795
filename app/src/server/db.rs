//! Connecting to the database (SQLite by default, PostgreSQL supported) and starting write transactions.
use anyhow::Context as _;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// Opens a pool. For a SQLite file its folder is created if absent, and the database is switched to WAL
/// so that readers never wait for the writer.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_path(url)
        && let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = ConnectOptions::new(url.to_string());
    options
        .max_connections(if url.starts_with("sqlite") { 8 } else { 16 })
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode = WAL")
            .await
            .context("enabling WAL")?;
    }
    Ok(db)
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once (BEGIN IMMEDIATE),
/// so a transaction that reads before it writes waits for the lock instead of failing half-way.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let mut options = TransactionOptions::default();
    if db.get_database_backend() == DbBackend::Sqlite {
        options.sqlite_transaction_mode = Some(SqliteTransactionMode::Immediate);
    }
    db.begin_with_options(options).await
}

/// The file path of a `sqlite://path?...` URL (none for in-memory databases or other backends).
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

/// The URL with any password replaced, for logs and error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// A write a unique constraint refused (Art. 9's one account per unit and platform, held by a
/// partial unique index; a unit's codes; a filing's number) is a `Conflict`: someone else's write
/// won the race. Any other failure is the database's.
pub fn conflict_on_unique(e: DbErr) -> crate::error::AppError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => crate::error::AppError::Conflict,
        _ => crate::error::AppError::from(e),
    }
}

/// A walk over a table in id order, a chunk at a time: keyset paging, so every chunk costs the
/// same however far the walk has got (an export of 100,000 accounts reads its last rows as fast
/// as its first), and a row written behind the walk meanwhile is not read twice.
pub struct Keyset<E: sea_orm::EntityTrait> {
    select: sea_orm::Select<E>,
    id: E::Column,
    after: i64,
    limit: u64,
}

impl<E: sea_orm::EntityTrait> Keyset<E> {
    /// The rows `select` selects whose `id` is above `after`, `limit` at a time.
    pub fn new(select: sea_orm::Select<E>, id: E::Column, after: i64, limit: u64) -> Self {
        Keyset {
            select,
            id,
            after,
            limit,
        }
    }

    /// The next chunk, or `None` at the end.
    pub async fn next(
        &mut self,
        db: &impl ConnectionTrait,
    ) -> Result<Option<Vec<E::Model>>, DbErr> {
        use sea_orm::{ColumnTrait, ModelTrait, QueryFilter, QueryOrder, QuerySelect, Value};
        let chunk = self
            .select
            .clone()
            .filter(self.id.gt(self.after))
            .order_by_asc(self.id)
            .limit(self.limit)
            .all(db)
            .await?;
        let Some(last) = chunk.last() else {
            return Ok(None);
        };
        self.after = match last.get(self.id) {
            Value::Int(Some(id)) => i64::from(id),
            Value::BigInt(Some(id)) => id,
            other => {
                return Err(DbErr::Type(format!(
                    "a keyset id is an integer, not {other:?}"
                )));
            }
        };
        Ok(Some(chunk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact("postgres://u:secret@127.0.0.1/db"),
            "postgres://u:***@127.0.0.1/db"
        );
        assert_eq!(
            redact("sqlite://data/registry.db?mode=rwc"),
            "sqlite://data/registry.db?mode=rwc"
        );
    }

    #[test]
    fn the_sqlite_file_path_is_found() {
        assert_eq!(
            sqlite_path("sqlite://data/registry.db?mode=rwc").as_deref(),
            Some("data/registry.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x"), None);
    }
}
