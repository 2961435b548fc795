//! The audit trail: one append-only event per change, written in the same transaction as the change.
//! Events form a hash chain (each hash covers the event and its predecessor's hash), so an edit or a
//! deletion made behind the application's back is detectable.
//!
//! The chain is keyed (issue 15): each hash is an HMAC-SHA-256 under `AUDIT_HMAC_KEY`, which lives
//! in the server's environment, not in the database. Whoever holds only the database (its owner, a
//! backup) can no longer edit an event and recompute the hashes after it: without the key the
//! recomputed chain does not verify. Events written before the key existed carry a plain SHA-256
//! ("legacy"); they are accepted only as a prefix of the chain, before the first keyed event, and
//! the chain must end in a keyed event ([`key_chain`] appends `audit.keyed` at start when it does
//! not), so a chain rewritten entirely without the key is refused too. A removal of the newest
//! events leaves a shorter chain that still verifies: that is what [`Checkpoint`]s, kept off the
//! host, are for.
use super::entities::audit_event;
use super::use_case::{ReadLog, RequestMeta};
use crate::domain::AuditAction;
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

/// Only the fields that differ, for audit events that show field-level changes.
pub fn differences(
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

/// One change to record.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub action: AuditAction,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Event<'a> {
    /// `action` on an entity of `entity_type`, with nothing more said yet.
    pub fn new(action: AuditAction, entity_type: &'a str) -> Self {
        Event {
            action,
            entity_type,
            entity_id: None,
            before: None,
            after: None,
        }
    }

    /// The entity's id.
    pub fn on(mut self, id: impl ToString) -> Self {
        self.entity_id = Some(id.to_string());
        self
    }

    /// Only the fields of `before` and `after` that differ: what they were and what they became.
    pub fn changes(self, before: &Value, after: &Value) -> Self {
        let (old, new) = differences(before, after);
        self.before(old).after(new)
    }

    /// What the entity was (a value, or an `Option` of one).
    pub fn before(mut self, before: impl Into<Option<Value>>) -> Self {
        self.before = before.into();
        self
    }

    /// What the entity became, or what was done: a filter, a count (a value, or an `Option`).
    pub fn after(mut self, after: impl Into<Option<Value>>) -> Self {
        self.after = after.into();
        self
    }
}

/// The bytes an event's hash covers: its predecessor's hash and its content.
fn hashed_content(prev_hash: &str, m: &audit_event::Model) -> Vec<u8> {
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
    let mut bytes = Vec::with_capacity(prev_hash.len() + 256);
    bytes.extend_from_slice(prev_hash.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(content.to_string().as_bytes());
    bytes
}

/// The hash events had before the chain was keyed: a plain SHA-256 of the same content, which
/// anyone can recompute. Verification accepts it only for the chain's legacy prefix.
pub fn plain_hash(prev_hash: &str, m: &audit_event::Model) -> String {
    hex::encode(Sha256::digest(hashed_content(prev_hash, m)))
}

/// The hash of an event under the chain's key: HMAC-SHA-256 (RFC 2104) of the same content.
pub fn keyed_hash(key: &AuditKey, prev_hash: &str, m: &audit_event::Model) -> String {
    use hmac::Mac as _;
    let mut mac = key.mac();
    mac.update(&hashed_content(prev_hash, m));
    hex::encode(mac.finalize().into_bytes())
}

mod chain;
mod checkpoint;
mod key;

pub use chain::{
    Archive, ChainCheck, ChainWalk, Keying, key_chain, latest_archive, verify, verify_with,
};
pub use checkpoint::{Checkpoint, CheckpointCheck, check_checkpoint, checkpoint};
pub use key::{AuditKey, KeyError, MIN_KEY_BYTES, install_key, installed_key};

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
        .await?;
    // With every event archived, the chain goes on from the latest archive's last hash.
    let prev_hash = match prev_hash {
        Some(hash) => hash,
        None => latest_archive(txn)
            .await?
            .map_or_else(|| GENESIS.to_string(), |a| a.last_hash),
    };
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
    model.hash = keyed_hash(installed_key(), &prev_hash, &model);
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
