//! The audit trail: one append-only event per change, written in the same transaction as the change.
//! Events form a hash chain (each hash covers the event and its predecessor's hash), so an edit or a
//! deletion made behind the application's back is detectable.
use super::context::{ReadLog, RequestMeta};
use super::entities::audit_event;
use crate::model::SessionUser;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryOrder, QuerySelect, Set,
    Statement,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acted. Command-line operators and the system itself have no user.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub username: Option<String>,
    pub role: Option<String>,
    /// The client's address.
    pub source_ip: Option<String>,
    /// The TCP peer, when it is not the client: the reverse proxy the request came through.
    pub peer_ip: Option<String>,
    pub request_id: Option<String>,
    /// The API token the person acted with, when not in a browser session.
    pub token_id: Option<i32>,
    /// The readings already recorded in the request (see [`record_read`]).
    pub reads: ReadLog,
}

impl Actor {
    pub fn user(user: &SessionUser, meta: &RequestMeta) -> Self {
        Actor {
            user_id: Some(user.id),
            username: Some(user.username.clone()),
            role: Some(user.role.as_str().to_string()),
            ..Actor::from_request(meta)
        }
    }

    /// Someone not (yet) signed in: only where the request came from.
    pub fn from_request(meta: &RequestMeta) -> Self {
        Actor {
            source_ip: meta.source_ip.clone(),
            peer_ip: meta.proxy_ip(),
            request_id: meta.request_id.clone(),
            token_id: meta.token_id,
            reads: meta.reads.clone(),
            ..Default::default()
        }
    }

    /// The server itself (the reminder scheduler).
    pub fn system(what: &str) -> Self {
        Actor {
            username: Some(format!("system:{what}")),
            ..Default::default()
        }
    }

    /// An operator at the server's command line.
    pub fn operator(what: &str) -> Self {
        Actor {
            username: Some(format!("cli:{what}")),
            ..Default::default()
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The chain hash of an event's content and its predecessor.
fn chain_hash(prev_hash: &str, m: &audit_event::Model) -> String {
    let mut content = serde_json::json!([
        m.occurred_at.timestamp_micros(),
        m.actor_user_id,
        m.actor_username,
        m.actor_role,
        m.source_ip,
        m.request_id,
        m.action,
        m.entity_type,
        m.entity_id,
        m.before,
        m.after,
    ]);
    // Added with API tokens: events made without a token hash exactly as they did before.
    if let (Some(token), Some(fields)) = (m.via_token_id, content.as_array_mut()) {
        fields.push(token.into());
    }
    // Added with TRUSTED_PROXIES: likewise, only events that came through a proxy carry it.
    if let (Some(peer), Some(fields)) = (&m.peer_ip, content.as_array_mut()) {
        fields.push(serde_json::json!({ "peer_ip": peer }));
    }
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(content.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// Serialises writers until the transaction ends, so the chain never forks: SQLite's write
/// transaction already holds the database lock; PostgreSQL takes a transaction-scoped advisory lock.
/// Work that must check before it writes (the reminder scheduler on several instances) takes it
/// first.
pub async fn lock<C: ConnectionTrait>(txn: &C) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(20261127)",
        ))
        .await?;
    }
    Ok(())
}

/// Appends an event. Call it inside the transaction that makes the change (begun with
/// [`super::db::begin_write`]), so that the change and its record commit or roll back together.
pub async fn record<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    event: Event<'_>,
    now: DateTime<Utc>,
) -> Result<audit_event::Model, DbErr> {
    lock(txn).await?;
    let prev_hash = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Id)
        .select_only()
        .column(audit_event::Column::Hash)
        .into_tuple::<String>()
        .one(txn)
        .await?
        .unwrap_or_else(|| GENESIS.to_string());
    // Microsecond precision: what both databases store, so the hash can be recomputed from the row.
    let occurred_at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let mut model = audit_event::Model {
        id: 0,
        occurred_at,
        actor_user_id: actor.user_id,
        actor_username: actor.username.clone(),
        actor_role: actor.role.clone(),
        source_ip: actor.source_ip.clone(),
        peer_ip: actor.peer_ip.clone(),
        request_id: actor.request_id.clone(),
        action: event.action.to_string(),
        entity_type: event.entity_type.to_string(),
        entity_id: event.entity_id,
        before: event.before.map(|v| v.to_string()),
        after: event.after.map(|v| v.to_string()),
        prev_hash: prev_hash.clone(),
        hash: String::new(),
        via_token_id: actor.token_id,
    };
    model.hash = chain_hash(&prev_hash, &model);
    let active = audit_event::ActiveModel {
        occurred_at: Set(model.occurred_at),
        actor_user_id: Set(model.actor_user_id),
        actor_username: Set(model.actor_username.clone()),
        actor_role: Set(model.actor_role.clone()),
        source_ip: Set(model.source_ip.clone()),
        request_id: Set(model.request_id.clone()),
        action: Set(model.action.clone()),
        entity_type: Set(model.entity_type.clone()),
        entity_id: Set(model.entity_id.clone()),
        before: Set(model.before.clone()),
        after: Set(model.after.clone()),
        prev_hash: Set(model.prev_hash.clone()),
        hash: Set(model.hash.clone()),
        via_token_id: Set(model.via_token_id),
        peer_ip: Set(model.peer_ip.clone()),
        ..Default::default()
    };
    active.insert(txn).await
}

/// Appends an event that records a reading (`custodian.viewed`, `audit.viewed`) in a transaction
/// of its own, once per request and actor: a page's server function may run twice while one
/// response is rendered, and that is one view, not two. Readings are told apart by actor, action,
/// object and recorded values within the request only ([`ReadLog`]); the request id plays no part
/// (it was once the key, and a client could choose it to have later views go unrecorded). A
/// reading outside a request (the command line) is always recorded.
pub async fn record_read(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    event: Event<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let key = serde_json::json!([
        actor.user_id,
        actor.username,
        event.action,
        event.entity_type,
        event.entity_id,
        event.after,
    ])
    .to_string();
    if !actor.reads.first(&key) {
        return Ok(());
    }
    let recorded = async {
        let txn = super::db::begin_write(db).await?;
        record(&txn, actor, event, now).await?;
        txn.commit().await
    }
    .await;
    if recorded.is_err() {
        actor.reads.forget(&key);
    }
    recorded
}

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum ChainCheck {
    Intact {
        events: u64,
    },
    /// The first event whose stored hash or predecessor link does not match.
    BrokenAt {
        id: i64,
    },
}

/// Whether `event` follows an event whose hash is `prev_hash`: its link and its own hash match.
pub fn links(prev_hash: &str, event: &audit_event::Model) -> bool {
    event.prev_hash == prev_hash && chain_hash(prev_hash, event) == event.hash
}

/// An archive of the oldest events (`server archive-audit`): the events up to `up_to_event_id`
/// left the database for a file, and the remaining chain starts from `last_hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    pub id: i32,
    pub archived_at: DateTime<Utc>,
    pub up_to_event_id: i64,
    pub last_hash: String,
    pub event_count: i64,
    pub file_sha256: String,
    pub file_name: String,
}

/// The latest archive, if events were ever archived. (No entity: the table is read and written
/// here and in [`super::audit_trail`] only.)
pub async fn latest_archive<C: ConnectionTrait>(db: &C) -> Result<Option<Archive>, DbErr> {
    use sea_orm::sea_query::{Alias, Order, Query};
    let query = Query::select()
        .columns(
            [
                "id",
                "archived_at",
                "up_to_event_id",
                "last_hash",
                "event_count",
                "file_sha256",
                "file_name",
            ]
            .map(Alias::new),
        )
        .from(Alias::new("audit_archives"))
        .order_by(Alias::new("id"), Order::Desc)
        .limit(1)
        .to_owned();
    let backend = db.get_database_backend();
    let Some(row) = db.query_one_raw(backend.build(&query)).await? else {
        return Ok(None);
    };
    Ok(Some(Archive {
        id: row.try_get("", "id")?,
        archived_at: row.try_get("", "archived_at")?,
        up_to_event_id: row.try_get("", "up_to_event_id")?,
        last_hash: row.try_get("", "last_hash")?,
        event_count: row.try_get("", "event_count")?,
        file_sha256: row.try_get("", "file_sha256")?,
        file_name: row.try_get("", "file_name")?,
    }))
}

/// How many events are read at a time when walking the chain.
const VERIFY_CHUNK: u64 = 5000;

/// Recomputes every hash in order. The chain starts at the genesis hash, or, once events were
/// archived, at the latest archive's last hash: the first remaining event must link to it, and
/// an `audit.archived` event must vouch for that archive (an archive row slipped in behind the
/// application's back to excuse a deletion is not one).
pub async fn verify<C: ConnectionTrait>(db: &C) -> Result<ChainCheck, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let archive = latest_archive(db).await?;
    let mut prev = archive
        .as_ref()
        .map_or_else(|| GENESIS.to_string(), |a| a.last_hash.clone());
    let mut vouched = archive.is_none();
    let mut after = archive.as_ref().map_or(i64::MIN, |a| a.up_to_event_id);
    let mut count = 0u64;
    loop {
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::Id.gt(after))
            .order_by_asc(audit_event::Column::Id)
            .limit(VERIFY_CHUNK)
            .all(db)
            .await?;
        let Some(last) = events.last() else { break };
        after = last.id;
        for event in &events {
            if !links(&prev, event) {
                return Ok(ChainCheck::BrokenAt { id: event.id });
            }
            if let Some(a) = &archive
                && !vouched
                && event.action == "audit.archived"
            {
                vouched = event
                    .after
                    .as_deref()
                    .and_then(|s| serde_json::from_str::<Value>(s).ok())
                    .is_some_and(|v| {
                        v["up_to_event_id"] == a.up_to_event_id
                            && v["last_hash"] == a.last_hash.as_str()
                            && v["file_sha256"] == a.file_sha256.as_str()
                    });
            }
            prev = event.hash.clone();
            count += 1;
        }
    }
    // Events before the archive's end that are still there were not archived (or were put back).
    let stray = match &archive {
        Some(a) => {
            audit_event::Entity::find()
                .filter(audit_event::Column::Id.lte(a.up_to_event_id))
                .order_by_asc(audit_event::Column::Id)
                .one(db)
                .await?
        }
        None => None,
    };
    if let Some(event) = stray {
        return Ok(ChainCheck::BrokenAt { id: event.id });
    }
    if !vouched {
        // The archive excuses a gap no audit event records.
        let id = archive.map_or(0, |a| a.up_to_event_id + 1);
        return Ok(ChainCheck::BrokenAt { id });
    }
    Ok(ChainCheck::Intact { events: count })
}
